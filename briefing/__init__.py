"""briefing: grounded analyst briefings from news articles.

Every agreement, official and claim in a Brief carries verbatim evidence that code found in the
article; what the model proposed but could not be grounded is listed in `brief.record.unverified`.
"""

from briefing._article import Article, load_article
from briefing._cassettes import replay as replay_brief
from briefing._errors import (
    BriefingError,
    ConfigurationError,
    InputError,
    ModelError,
    OutputError,
    RetriesExhaustedError,
    TransportError,
    UserError,
)
from briefing._generate import agenerate_brief, generate_brief
from briefing._models import (
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

__all__ = [
    "Agreement",
    "Article",
    "Brief",
    "BriefingError",
    "Claim",
    "ConfigurationError",
    "DateValue",
    "Evidence",
    "InputError",
    "KeyPoint",
    "ModelError",
    "Official",
    "OutputError",
    "RetriesExhaustedError",
    "RunRecord",
    "TransportError",
    "Unverified",
    "Usage",
    "UserError",
    "agenerate_brief",
    "generate_brief",
    "load_article",
    "replay_brief",
]
