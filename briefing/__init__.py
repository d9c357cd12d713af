"""briefing: grounded analyst briefings from news articles.

Every agreement, official and claim in a Brief carries verbatim evidence that code found in the
article; what the model proposed but could not be grounded is listed in `brief.record.unverified`,
and `brief.record.items` says where every proposed item ended. The OpenAI Batch API lives in
the `briefing.openai_batch` namespace; the fake model for tests in `briefing.testing`.
"""

from briefing import openai_batch
from briefing.batch.cache import BriefCache
from briefing.batch.run import BriefResult, agenerate_briefs, generate_briefs
from briefing.digest import Digest, digest
from briefing.errors import (
    BriefingError,
    BudgetExceededError,
    ConfigurationError,
    InputError,
    ModelError,
    OutputError,
    RetriesExhaustedError,
    TransportError,
    UserError,
)
from briefing.eval.run import evaluate
from briefing.extract.core import agenerate_brief, generate_brief
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

__all__ = [
    "PRICES",
    "Agreement",
    "Article",
    "Brief",
    "BriefCache",
    "BriefResult",
    "BriefingError",
    "BudgetExceededError",
    "Claim",
    "ConfigurationError",
    "DateValue",
    "Digest",
    "Evidence",
    "InputError",
    "KeyPoint",
    "ModelError",
    "Official",
    "OutputError",
    "Price",
    "RetriesExhaustedError",
    "RunRecord",
    "TransportError",
    "Unverified",
    "Usage",
    "UserError",
    "agenerate_brief",
    "agenerate_briefs",
    "digest",
    "evaluate",
    "generate_brief",
    "generate_briefs",
    "load_article",
    "openai_batch",
    "replay_brief",
    "resolve_date",
]
