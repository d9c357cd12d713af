"""The Brief: grounded items with spans, resolved dates and the run's record."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from briefing.extract.schema import (
    AgreementKind,
    AgreementRole,
    AgreementStatus,
    ClaimKind,
    ItemKind,
    Tense,
)
from briefing.ground.dates import Precision
from briefing.load.article import Article

Fate = Literal["kept", "repaired", "dropped", "folded", "merged"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Evidence(_Model):
    """A verbatim passage of the article: `quote == article.text[start:end]`."""

    quote: str
    start: int
    end: int


class DateValue(_Model):
    """A date as the article words it, resolved by code against the publication date."""

    text: str = Field(description="The article's own words, e.g. 'on Wednesday'.")
    tense: Tense
    value: str | None = Field(
        None,
        description="TimeML value (2023-06-28, 2013-W11, 2000-01, 1989-Q3, 2012), if resolved.",
    )
    precision: Precision | None = None


class KeyPoint(_Model):
    text: str
    evidence: list[Evidence]


class Agreement(_Model):
    title: str
    kind: AgreementKind
    parties: list[str]
    signatories: list[str]
    status: AgreementStatus
    role: AgreementRole = "reported"
    date: DateValue | None
    place: str | None
    subjects: list[str]
    evidence: list[Evidence]


class Official(_Model):
    name: str
    title: str | None
    affiliation: str | None
    country: str | None
    names: list[str] = Field(description="Every name and reference the article uses for them.")
    evidence: list[Evidence]


class Claim(_Model):
    claimant: str
    statement: str
    target: str | None
    kind: ClaimKind
    how: str | None
    reporting_source: str | None
    evidence: list[Evidence]


class Usage(_Model):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    cached_tokens: int = Field(0, description="Prompt tokens the endpoint served from its cache.")

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            total_tokens=self.total_tokens + other.total_tokens,
            cached_tokens=self.cached_tokens + other.cached_tokens,
        )


class Unverified(_Model):
    """An item the model proposed that failed the checks after every re-ask: never rendered."""

    kind: ItemKind
    label: str
    reasons: list[str]
    proposed: dict[str, Any] = Field(description="The model's item as it proposed it.")


class ItemFate(_Model):
    """Where one item the model proposed ended: nothing leaves the pipeline without one."""

    kind: ItemKind
    ref: str = Field(description="Its place in the model's answer, e.g. 'claims[3]'.")
    label: str
    fate: Fate
    into: str | None = Field(None, description="The item it was folded or merged into.")
    reason: str | None = None


class RunRecord(_Model):
    model: str
    endpoint: str = Field(description="Scheme and host of the endpoint; never a key.")
    mode: str
    prompt_version: str
    attempts: int = Field(description="Model responses received, re-asks included.")
    transport_retries: int = 0
    usage: Usage = Usage()
    cost_usd: float | None = Field(
        None,
        description=(
            "US dollars at the list price in briefing.PRICES (Batch API runs: after its "
            "discount); None for models without a price."
        ),
    )
    unverified: list[Unverified] = []
    items: list[ItemFate] = Field([], description="Every proposed item and where it ended.")
    repairs: int = Field(0, description="Repair requests sent for items that failed checks.")
    replayed: bool = Field(
        False, description="Answered from a cassette: tokens are the recording's, nothing spent."
    )
    notes: list[str] = []
    created: dt.datetime
    library_version: str
    from_cache: bool = Field(False, description="Answered from the cache: nothing was spent.")


class Brief(_Model):
    """An analyst briefing of one article, every item grounded in its text."""

    article: Article
    headline: str
    bluf: str
    key_points: list[KeyPoint]
    agreements: list[Agreement]
    officials: list[Official]
    claims: list[Claim]
    record: RunRecord

    def evidenced(self) -> list[KeyPoint | Agreement | Official | Claim]:
        """Every item, in the order the briefing shows them; each carries its evidence."""
        return [*self.key_points, *self.agreements, *self.officials, *self.claims]

    def to_markdown(self, *, templates: str | os.PathLike[str] | None = None) -> str:
        """The Markdown briefing; `templates` is a folder whose `brief.md.j2` overrides ours."""
        from briefing.render.page import render_markdown

        return render_markdown(self, templates=templates)

    def to_html(self, *, templates: str | os.PathLike[str] | None = None) -> str:
        """One self-contained HTML page: no script, no external request, print-friendly."""
        from briefing.render.page import render_html

        return render_html(self, templates=templates)

    def to_json(self, *, indent: int | None = 2) -> str:
        return self.model_dump_json(indent=indent)

    @classmethod
    def from_json(cls, data: str | bytes) -> Brief:
        return cls.model_validate_json(data)

    def tables(self) -> dict[str, Any]:
        """Officials, agreements, claims and key points as pandas DataFrames (`[tables]` extra)."""
        from briefing.render.tables import tables

        return tables(self)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        from briefing.render.page import render_html

        return render_html(self, fragment=True)
