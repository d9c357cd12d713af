"""What the model is asked to return.

These drafts are the response schema sent to the model, so every field description is prompt
text: short, with each rule said once (the evidence rules live in the system prompt) and no
examples a model could copy into its answer. They carry quotes, not spans: code checks every
quote against the article before anything becomes a `Brief`. All fields are required (nullable
where a value may be absent) and carry no JSON-Schema constraints, so the schema stays valid
for OpenAI's strict mode. Nothing here validates against the article: that is `briefing.ground`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

AgreementKind = Literal[
    "memorandum_of_understanding",
    "treaty",
    "pact",
    "agreement",
    "deal",
    "ceasefire",
    "joint_statement",
    "declaration",
    "framework",
    "letter_of_intent",
    "contract",
    "other",
]
AgreementStatus = Literal[
    "proposed",
    "under_negotiation",
    "agreed",
    "issued",
    "signed",
    "ratified",
    "in_force",
    "extended",
    "suspended",
    "broken",
    "withdrawn",
    "rejected",
    "unknown",
]
AgreementRole = Literal["reported", "background", "document"]
ClaimKind = Literal[
    "assertion",
    "accusation",
    "denial",
    "admission",
    "promise",
    "refusal",
    "warning",
    "threat",
    "demand",
    "condemnation",
    "praise",
    "apology",
    "condolence",
    "claim_of_responsibility",
    "other",
]
Tense = Literal["past", "future", "unknown"]
ItemKind = Literal["key_point", "agreement", "official", "claim"]


class Draft(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DateMention(Draft):
    """A date as the article words it; code resolves it against the article's date."""

    text: str = Field(description="The date expression copied from the article.")
    tense: Tense = Field(description="Is the dated event before or after publication?")


class AgreementDraft(Draft):
    """An arrangement between parties that the article reports or only mentions, earlier ones
    included: a memorandum, treaty, pact, deal (a sale, acquisition, merger, licence or joint
    venture), ceasefire, framework, declaration, letter of intent, joint statement, a named
    initiative parties launch or join, or commitments two sides make to each other ("the two
    sides committed to ..."). Not: a relationship called a partnership or an alliance in
    passing, one party's own policy or plan."""

    title: str = Field(description="Its name as the article gives it, else a short description.")
    kind: AgreementKind = Field(
        description=(
            "What the article calls it, except that a sale, purchase, acquisition, merger, "
            "licence or joint venture is a deal whatever it is called; other if none fits."
        )
    )
    role: AgreementRole = Field(
        description=(
            "reported: news about it; background: only mentioned; document: the article "
            "itself is it, one item holding everything it agrees."
        )
    )
    parties: list[str] = Field(
        description=(
            "The states, bodies or companies party to it, as the article names them (a vague "
            "counterpart as the article words it); empty when the article names none."
        )
    )
    signatories: list[str] = Field(description="Names of people who signed it; may be empty.")
    status: AgreementStatus = Field(
        description=(
            "As of the article, the furthest stage it shows. proposed: put forward by one "
            "side or planned, not yet accepted, talks not begun; under_negotiation: talks under "
            "way; agreed: reached, brokered, decided or announced as concluded, also when what "
            "it sets up starts later ('will set up a joint committee next month'); issued: a "
            "joint text (statement, declaration, communiqué, conclusions) published by its "
            "parties, not signed; signed: only when the article says signed; in_force: said to "
            "be in force, or shown applied or at work (taking effect, carried out, its "
            "institutions or its work going on); broken: said to be violated by a party; "
            "unknown only when the article gives nothing to go on."
        )
    )
    date: DateMention | None = Field(
        description=(
            "When it reached that status, as the article words it (not an end date such as "
            "'until ...'); null if it does not say."
        )
    )
    place: str | None = Field(description="Where it was signed or concluded, in article words.")
    subjects: list[str] = Field(description="Subject areas, as short noun phrases.")
    evidence: list[str]  # the rules are the system prompt's


class OfficialDraft(Draft):
    """A person the article names who acts for a state, body, party, company, campaign or
    movement in the events it reports ('then-President X' acting then is one). Not officials:
    journalists, commentators, analysts, private individuals, people named only as former
    office-holders or in history, and unnamed people."""

    name: str = Field(
        description="The person's fullest name as the article spells it, without titles."
    )
    title: str | None = Field(description="Their title or role as the article gives it.")
    affiliation: str | None = Field(
        description=(
            "The body they act for, as the article names it or their title states it (a "
            "foreign minister's foreign ministry, a head of state's government)."
        )
    )
    country: str | None = Field(description="The country they serve, in English.")
    other_names: list[str] = Field(
        description=(
            "Every other form the article uses for this person, verbatim: surname alone, "
            "with a title, another spelling."
        )
    )
    evidence: list[str]  # the rules are the system prompt's


class ClaimDraft(Draft):
    """Something a person or body says, alleges, denies, promises, refuses, orders or asks, as
    the article reports."""

    claimant: str = Field(
        description=(
            "Who makes it: a person's full name, else the body or country, else the speaker as "
            "the article words it; several joint speakers joined with 'and'. A release speaks "
            "as its author, named by its title, byline or address, else its source: its "
            "first-person text and its sentences naming its own government or country ('The "
            "United States will ...') are the author's; those it reports speaking, alone or "
            "jointly with the author, are theirs."
        )
    )
    statement: str = Field(
        description="What they claim, as one neutral sentence attributed to them."
    )
    target: str | None = Field(
        description=(
            "The person, body or country it is aimed at or about (accused, praised, warned, "
            "asked); null when it concerns no party."
        )
    )
    kind: ClaimKind = Field(
        description="claim_of_responsibility: claiming an act such as an attack as one's own."
    )
    how: str | None = Field(description="How it was made, in the article's words.")
    reporting_source: str | None = Field(description="The outlet the article credits.")
    evidence: list[str]  # the rules are the system prompt's


class KeyPointDraft(Draft):
    """One point an analyst needs."""

    text: str = Field(description="The point, in one sentence of your own words.")
    evidence: list[str]  # the rules are the system prompt's


class Extraction(Draft):
    """The structured reading of one news article for an analyst briefing."""

    headline: str = Field(description="A factual headline, at most 15 words.")
    bluf: str = Field(description="Bottom line up front: one to three sentences.")
    key_points: list[KeyPointDraft] = Field(description="Three to six, most important first.")
    agreements: list[AgreementDraft]
    officials: list[OfficialDraft] = Field(description="One entry per person.")
    claims: list[ClaimDraft] = Field(
        description=(
            "One entry per claimant and distinct proposition: two things said in one sentence "
            "are two entries; a restatement is another evidence quote of the same entry. "
            "Narration is not a claim: what happened (including what the author did), or what "
            "a text provides, told by the article or by a release in its own voice; its "
            "judgements, commitments, "
            "accusations, demands, warnings, praise and findings are claims."
        )
    )


DRAFTS: dict[ItemKind, type[Draft]] = {
    "key_point": KeyPointDraft,
    "agreement": AgreementDraft,
    "official": OfficialDraft,
    "claim": ClaimDraft,
}
GROUPS: dict[ItemKind, str] = {
    "key_point": "key_points",
    "agreement": "agreements",
    "official": "officials",
    "claim": "claims",
}


def without_descriptions(schema: Any) -> Any:
    """A JSON Schema without field descriptions: for a repair, where the item's own JSON shows
    what each field holds and the first request already explained them."""
    if isinstance(schema, dict):
        return {
            k: without_descriptions(v)
            for k, v in schema.items()
            if not (k == "description" and isinstance(v, str))
        }
    if isinstance(schema, list):
        return [without_descriptions(v) for v in schema]
    return schema


def without_titles(schema: Any) -> Any:
    """A JSON Schema with pydantic's `title` keys removed: they cost tokens and tell nothing."""
    if isinstance(schema, dict):
        return {
            k: without_titles(v)
            for k, v in schema.items()
            if not (k == "title" and isinstance(v, str))
        }
    if isinstance(schema, list):
        return [without_titles(v) for v in schema]
    return schema
