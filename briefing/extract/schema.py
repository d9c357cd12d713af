"""What the model is asked to return.

These drafts are the response schema sent to the model, so every field description is prompt
text. They carry quotes, not spans: code checks every quote against the article (see
`_grounding`) before anything becomes a `Brief`. All fields are required (nullable where a value
may be absent) and carry no JSON-Schema constraints, so the schema stays valid for OpenAI's strict
mode; the rules a schema cannot express are checked by validators, and a failure is re-asked.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

AgreementKind = Literal[
    "memorandum_of_understanding",
    "treaty",
    "pact",
    "agreement",
    "deal",
    "ceasefire",
    "joint_statement",
    "contract",
    "other",
]
AgreementStatus = Literal[
    "proposed",
    "under_negotiation",
    "agreed",
    "signed",
    "ratified",
    "in_force",
    "suspended",
    "withdrawn",
    "rejected",
    "unknown",
]
ClaimKind = Literal[
    "assertion",
    "accusation",
    "denial",
    "promise",
    "warning",
    "demand",
    "condemnation",
    "other",
]
Tense = Literal["past", "future", "unknown"]

# The article the current call must be grounded in. Not passed as instructor's `context=`:
# instructor renders the messages as Jinja templates with that context, which would rewrite any
# article containing "{{" or "{%".
grounding_article: ContextVar[str | None] = ContextVar("grounding_article", default=None)

EVIDENCE_DESCRIPTION = (
    "One or more quotes copied verbatim from the article, character for character, that show "
    "this item. Each quote is a contiguous span of the article of at most two sentences; do not "
    "paraphrase, shorten with ellipses, fix spelling or join separate passages. Every quote is "
    "checked against the article text and an item whose quotes are not found is rejected."
)


class _Draft(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DateMention(_Draft):
    """A date as the article words it; code resolves it against the article's date."""

    text: str = Field(
        description=(
            "The date or time expression exactly as the article words it, e.g. 'on Wednesday', "
            "'last month', 'June 13th, 2024', 'in November'. Copy it verbatim; do not convert "
            "it to a calendar date."
        )
    )
    tense: Tense = Field(
        description=(
            "Whether the sentence puts the event before the article was published ('past', e.g. "
            "'signed on Wednesday'), after it ('future', e.g. 'will sign on Friday'), or neither "
            "is clear ('unknown')."
        )
    )


class AgreementDraft(_Draft):
    """An agreement, memorandum, treaty, pact, deal or ceasefire that the article reports."""

    title: str = Field(
        description=(
            "A short name for the agreement, using the article's own name for it where it "
            "has one (e.g. 'U.S.-Ukraine Bilateral Security Agreement')."
        )
    )
    kind: AgreementKind = Field(description="What sort of agreement the article says it is.")
    parties: list[str] = Field(
        description=(
            "The two or more states, governments or organisations that are party to it, as "
            "specific as the article allows (e.g. 'Law Enforcement Command of Iran' rather than "
            "'Iran' when the article says the police signed)."
        )
    )
    signatories: list[str] = Field(
        description=(
            "Full names of the people who signed or concluded it for the parties, as the article "
            "names them. Empty if the article names nobody."
        )
    )
    status: AgreementStatus = Field(
        description=(
            "Its state as of the article: 'signed' once signed, 'agreed' if agreed but not said "
            "to be signed, 'proposed' or 'under_negotiation' before that, 'ratified' or "
            "'in_force' only if the article says so; 'suspended', 'withdrawn' or 'rejected' when "
            "a party stepped back. 'unknown' if the article does not say."
        )
    )
    date: DateMention | None = Field(
        description=(
            "When it reached that status (e.g. when it was signed), as the article words it. "
            "Null if the article gives no date."
        )
    )
    place: str | None = Field(
        description="Where it was signed or concluded, as the article names it. Null if not said."
    )
    subjects: list[str] = Field(
        description=(
            "The subject areas it covers, as short noun phrases (e.g. 'security', "
            "'law enforcement', 'maritime borders')."
        )
    )
    evidence: list[str] = Field(description=EVIDENCE_DESCRIPTION)


class OfficialDraft(_Draft):
    """A named person acting in an official, political or organisational role."""

    name: str = Field(
        description=(
            "The person's fullest name as the article spells it (e.g. 'Ahmad-Reza Radan'). "
            "Only real names: never a title alone."
        )
    )
    title: str | None = Field(
        description=(
            "Their title or role as the article gives it (e.g. 'head of the Russian National "
            "Guard'). Null if the article gives none."
        )
    )
    affiliation: str | None = Field(
        description=(
            "The government body, organisation or party they act for (e.g. 'Russian National "
            "Guard'). Null if not said."
        )
    )
    country: str | None = Field(
        description="The country they serve or represent, in English. Null if not clear."
    )
    other_names: list[str] = Field(
        description=(
            "Every other way the article refers to the same person, verbatim: surname-only "
            "mentions ('Radan'), title-only mentions the article ties to them ('the newly "
            "appointed Iranian Police Chief'), and variant spellings. Empty if none."
        )
    )
    evidence: list[str] = Field(description=EVIDENCE_DESCRIPTION)


class ClaimDraft(_Draft):
    """Something a person or body asserts, alleges, denies or promises, as the article reports."""

    claimant: str = Field(
        description=(
            "Who makes the claim: the person's full name, or the body, country or group if no "
            "person is named."
        )
    )
    statement: str = Field(
        description=(
            "What they claim, as one neutral sentence attributed to them (e.g. 'Iran has "
            "supplied drones to Russia'). Do not state it as fact."
        )
    )
    target: str | None = Field(
        description="Whom or what the claim is about (e.g. 'Iran'). Null if it has no target."
    )
    kind: ClaimKind = Field(
        description=(
            "'accusation' for an allegation of wrongdoing, 'denial' for rejecting one, "
            "'promise' for a commitment, 'warning', 'demand', 'condemnation', otherwise "
            "'assertion'."
        )
    )
    how: str | None = Field(
        description=(
            "How it was made, in a few words from the article (e.g. 'said in a tweet', 'told "
            "reporters', 'in a joint statement'). Null if not said."
        )
    )
    reporting_source: str | None = Field(
        description=(
            "The outlet or agency the article credits for the report, if any (e.g. 'Anadolu "
            "Agency'). Null if the article reports it directly."
        )
    )
    evidence: list[str] = Field(description=EVIDENCE_DESCRIPTION)


class KeyPointDraft(_Draft):
    """One point an analyst needs, resting on quoted evidence."""

    text: str = Field(description="The point, in one sentence of your own words.")
    evidence: list[str] = Field(description=EVIDENCE_DESCRIPTION)


class Extraction(_Draft):
    """The structured reading of one news article for an analyst briefing."""

    # The article text this extraction was checked against and found clean, so that
    # assembling it need not check every item again.
    _clean_for: str | None = PrivateAttr(default=None)

    headline: str = Field(
        description="A factual headline for the briefing, at most 15 words, no sensational wording."
    )
    bluf: str = Field(
        description=(
            "Bottom line up front: one to three sentences on what happened and why it matters, "
            "using only what the article supports."
        )
    )
    key_points: list[KeyPointDraft] = Field(
        description="Three to six key points, most important first, each with its evidence."
    )
    agreements: list[AgreementDraft] = Field(
        description="Every agreement the article reports, one entry each. Empty if none."
    )
    officials: list[OfficialDraft] = Field(
        description=(
            "Every named person in an official or organisational role, one entry per person "
            "(merge all mentions of the same person into one entry). Empty if none."
        )
    )
    claims: list[ClaimDraft] = Field(
        description=(
            "Claims, accusations, denials and promises that the article attributes to someone. "
            "Empty if none."
        )
    )

    @field_validator("headline", "bluf")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()

    @model_validator(mode="after")
    def _verify(self, info: ValidationInfo) -> Extraction:
        """While an article is being briefed (`grounding_article`), or with it in the
        validation context, reject every ungrounded quote and broken rule at once, so that
        instructor re-asks and one re-ask can fix them all. `{"grounding": False}` in the
        context checks the schema alone."""
        from briefing.ground.quotes import problems

        context = info.context if isinstance(info.context, dict) else {}
        if context.get("grounding") is False:
            return self
        article = context.get("article")
        article = article if isinstance(article, str) else grounding_article.get()
        if isinstance(article, str):
            found = problems(self, article)
            if found:
                raise ValueError("; ".join(f"{path}: {msg}" for path, msg in found))
            self._clean_for = article
        return self


def evidenced_items(extraction: Extraction) -> list[tuple[str, Any]]:
    """Every evidenced item with its JSON path, in document order."""
    groups: list[tuple[str, list[Any]]] = [
        ("key_points", list(extraction.key_points)),
        ("agreements", list(extraction.agreements)),
        ("officials", list(extraction.officials)),
        ("claims", list(extraction.claims)),
    ]
    return [(f"{name}[{i}]", item) for name, items in groups for i, item in enumerate(items)]
