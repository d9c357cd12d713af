"""A digest across many briefings: people, agreements, claims and dates resolved across
articles, each merge recorded with its reason and undoable."""

from briefing.digest.build import digest
from briefing.digest.model import (
    AgreementEntry,
    Changes,
    ClaimEntry,
    Decision,
    Digest,
    Dispute,
    Overrides,
    Person,
    StatusStep,
    TimelineEvent,
)

__all__ = [
    "AgreementEntry",
    "Changes",
    "ClaimEntry",
    "Decision",
    "Digest",
    "Dispute",
    "Overrides",
    "Person",
    "StatusStep",
    "TimelineEvent",
    "digest",
]
