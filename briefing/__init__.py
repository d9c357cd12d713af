"""briefing: grounded analyst briefings from news articles.

Every agreement, official and claim in a Brief carries verbatim evidence that code found in the
article; what the model proposed but could not be grounded is listed in `brief.record.unverified`,
and `brief.record.items` says where every proposed item ended. The OpenAI Batch API lives in
the `briefing.openai_batch` namespace; the fake model for tests in `briefing.testing`.

Names load on first use, so `import briefing` (and the command line's start, where Ctrl-C must
be caught) costs milliseconds; type checkers read the imports below.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from briefing import openai_batch
    from briefing.batch.cache import BriefCache
    from briefing.batch.run import BriefResult, agenerate_briefs, generate_briefs
    from briefing.digest import Digest, digest
    from briefing.errors import (
        BriefingError,
        BriefingWarning,
        BudgetExceededError,
        ConfigurationError,
        InputError,
        ModelError,
        OutputError,
        RetriesExhaustedError,
        StorageError,
        TransportError,
        UnexpectedError,
        UserError,
    )
    from briefing.eval.run import evaluate
    from briefing.extract.core import agenerate_brief, generate_brief
    from briefing.frame import BriefMapper, FrameSettings, brief_frame, frame_schema
    from briefing.ground.dates import resolve_date
    from briefing.load.article import Article, load_article
    from briefing.models import (
        Agreement,
        Brief,
        Claim,
        DateValue,
        Evidence,
        KeyPoint,
        Official,
        RunRecord,
        Unverified,
        Usage,
    )
    from briefing.pricing import PRICES, Price
    from briefing.replay.cassettes import replay as replay_brief

# public name -> (module, attribute in it; "" for the module itself)
_HOMES: dict[str, tuple[str, str]] = {
    "Agreement": ("briefing.models", "Agreement"),
    "Article": ("briefing.load.article", "Article"),
    "Brief": ("briefing.models", "Brief"),
    "BriefCache": ("briefing.batch.cache", "BriefCache"),
    "BriefMapper": ("briefing.frame.mapper", "BriefMapper"),
    "BriefResult": ("briefing.batch.run", "BriefResult"),
    "BriefingError": ("briefing.errors", "BriefingError"),
    "BriefingWarning": ("briefing.errors", "BriefingWarning"),
    "BudgetExceededError": ("briefing.errors", "BudgetExceededError"),
    "Claim": ("briefing.models", "Claim"),
    "ConfigurationError": ("briefing.errors", "ConfigurationError"),
    "DateValue": ("briefing.models", "DateValue"),
    "Digest": ("briefing.digest", "Digest"),
    "Evidence": ("briefing.models", "Evidence"),
    "FrameSettings": ("briefing.frame.mapper", "FrameSettings"),
    "InputError": ("briefing.errors", "InputError"),
    "KeyPoint": ("briefing.models", "KeyPoint"),
    "ModelError": ("briefing.errors", "ModelError"),
    "Official": ("briefing.models", "Official"),
    "OutputError": ("briefing.errors", "OutputError"),
    "PRICES": ("briefing.pricing", "PRICES"),
    "Price": ("briefing.pricing", "Price"),
    "RetriesExhaustedError": ("briefing.errors", "RetriesExhaustedError"),
    "RunRecord": ("briefing.models", "RunRecord"),
    "StorageError": ("briefing.errors", "StorageError"),
    "TransportError": ("briefing.errors", "TransportError"),
    "UnexpectedError": ("briefing.errors", "UnexpectedError"),
    "Unverified": ("briefing.models", "Unverified"),
    "Usage": ("briefing.models", "Usage"),
    "UserError": ("briefing.errors", "UserError"),
    "agenerate_brief": ("briefing.extract.core", "agenerate_brief"),
    "agenerate_briefs": ("briefing.batch.run", "agenerate_briefs"),
    "brief_frame": ("briefing.frame.frame", "brief_frame"),
    "digest": ("briefing.digest", "digest"),
    "evaluate": ("briefing.eval.run", "evaluate"),
    "frame_schema": ("briefing.frame.schema", "frame_schema"),
    "generate_brief": ("briefing.extract.core", "generate_brief"),
    "generate_briefs": ("briefing.batch.run", "generate_briefs"),
    "load_article": ("briefing.load.article", "load_article"),
    "openai_batch": ("briefing.openai_batch", ""),
    "replay_brief": ("briefing.replay.cassettes", "replay"),
    "resolve_date": ("briefing.ground.dates", "resolve_date"),
}

__all__ = [
    "PRICES",
    "Agreement",
    "Article",
    "Brief",
    "BriefCache",
    "BriefMapper",
    "BriefResult",
    "BriefingError",
    "BriefingWarning",
    "BudgetExceededError",
    "Claim",
    "ConfigurationError",
    "DateValue",
    "Digest",
    "Evidence",
    "FrameSettings",
    "InputError",
    "KeyPoint",
    "ModelError",
    "Official",
    "OutputError",
    "Price",
    "RetriesExhaustedError",
    "RunRecord",
    "StorageError",
    "TransportError",
    "UnexpectedError",
    "Unverified",
    "Usage",
    "UserError",
    "agenerate_brief",
    "agenerate_briefs",
    "brief_frame",
    "digest",
    "evaluate",
    "frame_schema",
    "generate_brief",
    "generate_briefs",
    "load_article",
    "openai_batch",
    "replay_brief",
    "resolve_date",
]


def __getattr__(name: str) -> object:
    try:
        module, attribute = _HOMES[name]
    except KeyError:
        raise AttributeError(f"module 'briefing' has no attribute {name!r}") from None
    value = importlib.import_module(module)
    found = getattr(value, attribute) if attribute else value
    globals()[name] = found
    return found


def __dir__() -> list[str]:
    return __all__
