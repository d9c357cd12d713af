"""briefing: grounded analyst briefings from news articles.

Every agreement, official and claim in a Brief carries verbatim evidence that code found in the
article; what the model proposed but could not be grounded is listed in `brief.record.unverified`.
"""

from briefing.load.article import Article, load_article
from briefing.batch.run import BriefResult, BudgetExceededError, agenerate_briefs, generate_briefs
from briefing.batch.cache import BriefCache
from briefing.replay.cassettes import replay as replay_brief
from briefing.pricing import PRICES, Price
from briefing.errors import (
    BriefingError,
    ConfigurationError,
    InputError,
    ModelError,
    OutputError,
    RetriesExhaustedError,
    TransportError,
    UserError,
)
from briefing.extract.core import agenerate_brief, generate_brief
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
from briefing.openai_batch import collect as collect_batch
from briefing.openai_batch import run_batch
from briefing.openai_batch import submit as submit_batch
from briefing.openai_batch import wait as wait_batch
from briefing.openai_batch import write_requests as write_batch_requests
from briefing.batch.openai_wire import BATCH_DISCOUNT

__all__ = [
    "BATCH_DISCOUNT",
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
    "collect_batch",
    "generate_brief",
    "generate_briefs",
    "load_article",
    "replay_brief",
    "run_batch",
    "submit_batch",
    "wait_batch",
    "write_batch_requests",
]
