"""The digest's data: people, agreements, claims and a timeline resolved across briefings.

Everything here is derived from the briefs it holds and the overrides: `Digest.add` and
`Digest.split` rebuild from those, so a digest built in pieces equals one built at once.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from briefing.models import Brief

if TYPE_CHECKING:
    from briefing.digest.inputs import Source

EntityKind = Literal["person", "agreement"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Overrides(_Model):
    """Corrections to the automatic resolution. Each entry is a pair of mention ids
    (`<article key>:o3`, `<article key>:a1`) or names/titles (compared folded)."""

    never_merge: list[list[str]] = Field(default_factory=list, description="Keep these apart.")
    same: list[list[str]] = Field(
        default_factory=list, description="Forms of one person or one agreement: merge these."
    )


class ArticleRef(_Model):
    key: str
    name: str | None
    title: str | None
    published: str | None
    source: str | None
    url: str | None
    page: str = Field(description="File name of the article's own briefing page.")


class PersonMention(_Model):
    id: str
    article: str
    item: str = Field(description="Anchor of the official on the article's page.")
    name: str
    names: list[str]
    title: str | None
    affiliation: str | None
    country: str | None
    date: str | None
    quotes: list[str]


class TitleSpan(_Model):
    """One title a person held, from the first to the last article that gives it."""

    title: str
    first: str | None
    last: str | None
    articles: list[str]


class Person(_Model):
    id: str
    name: str
    names: list[str]
    titles: list[TitleSpan]
    affiliations: list[str]
    countries: list[str]
    mentions: list[PersonMention]
    claims_by: list[str] = Field(default_factory=list)
    claims_about: list[str] = Field(default_factory=list)

    @property
    def articles(self) -> list[str]:
        return list(dict.fromkeys(m.article for m in self.mentions))


class AgreementMention(_Model):
    id: str
    article: str
    item: str
    title: str
    kind: str
    parties: list[str]
    status: str
    date: str | None
    date_text: str | None
    quotes: list[str]


class StatusStep(_Model):
    status: str
    date: str | None
    date_from: Literal["agreement", "article", "none"]
    article: str
    mention: str
    quote: str | None


class AgreementEntry(_Model):
    id: str
    title: str
    titles: list[str]
    kind: str
    parties: list[str]
    status: str = Field(description="The status of the latest step.")
    history: list[StatusStep]
    mentions: list[AgreementMention]


class ClaimEntry(_Model):
    id: str
    article: str
    item: str
    claimant: str
    claimant_key: str
    target: str | None
    target_key: str | None
    kind: str
    statement: str
    date: str | None
    quote: str | None


class Dispute(_Model):
    """An accusation and a denial about the same target by different claimants."""

    target: str
    target_key: str
    accusations: list[str]
    denials: list[str]


class TimelineEvent(_Model):
    date: str
    kind: Literal["agreement", "article"]
    label: str
    text: str | None
    entity: str | None
    article: str
    item: str | None


class Decision(_Model):
    """Two mentions treated as one entity, and why; undo with `Digest.split` or an override."""

    kind: EntityKind
    entity: str
    a: str
    b: str
    reason: str


class StatusChange(_Model):
    agreement: str
    title: str
    before: str
    after: str


class Changes(_Model):
    new_articles: list[str]
    new_people: list[str]
    new_agreements: list[str]
    status_changes: list[StatusChange]
    new_claims: list[str]

    @property
    def empty(self) -> bool:
        return not (
            self.new_articles
            or self.new_people
            or self.new_agreements
            or self.status_changes
            or self.new_claims
        )


class Digest(_Model):
    """People, agreements, claims and dates across many briefings."""

    briefs: list[Brief]
    overrides: Overrides = Overrides()
    articles: list[ArticleRef]
    people: list[Person]
    agreements: list[AgreementEntry]
    claims: list[ClaimEntry]
    claims_by_claimant: dict[str, list[str]]
    claims_by_target: dict[str, list[str]]
    disputes: list[Dispute]
    timeline: list[TimelineEvent]
    decisions: list[Decision]
    since_previous: Changes | None = None

    # building -----------------------------------------------------------------------------
    def add(self, briefs: Source) -> Digest:
        """This digest with more briefings: the same as building from all of them at once."""
        from briefing.digest.build import build
        from briefing.digest.inputs import collect

        return build([*self.briefs, *collect(briefs)], self.overrides)

    def split(self, entity_id: str, apart: Iterable[str]) -> Digest:
        """Undo a merge: the mentions in `apart` (mention ids, or names/titles) are kept apart
        from the rest of `entity_id`; recorded as `never_merge` overrides."""
        from briefing.digest.build import build
        from briefing.digest.overrides import split_overrides

        return build(self.briefs, split_overrides(self, entity_id, list(apart)))

    def with_overrides(self, overrides: Overrides | dict[str, Any]) -> Digest:
        from briefing.digest.build import build

        extra = overrides if isinstance(overrides, Overrides) else Overrides(**overrides)
        merged = Overrides(
            never_merge=[*self.overrides.never_merge, *extra.never_merge],
            same=[*self.overrides.same, *extra.same],
        )
        return build(self.briefs, merged)

    def changes(self, previous: Digest) -> Changes:
        """What is new since `previous`: articles, people, agreements, statuses, claims."""
        from briefing.digest.changes import changes

        return changes(previous, self)

    # looking up ----------------------------------------------------------------------------
    def entity(self, entity_id: str) -> Person | AgreementEntry:
        found: list[Person | AgreementEntry] = [p for p in self.people if p.id == entity_id]
        found += [a for a in self.agreements if a.id == entity_id]
        if not found:
            raise KeyError(entity_id)
        return found[0]

    def person(self, name: str) -> Person:
        """The person one of whose names is `name` (compared folded)."""
        from briefing.ground.names import fold_name

        folded = fold_name(name)
        for person in self.people:
            if any(fold_name(n) == folded for n in person.names):
                return person
        raise KeyError(name)

    def article(self, key: str) -> ArticleRef:
        for ref in self.articles:
            if ref.key == key:
                return ref
        raise KeyError(key)

    # output --------------------------------------------------------------------------------
    def to_json(self, *, indent: int | None = 2) -> str:
        return self.model_dump_json(indent=indent)

    @classmethod
    def from_json(cls, data: str | bytes) -> Digest:
        return cls.model_validate_json(data)

    def to_markdown(self) -> str:
        from briefing.digest.render import render_markdown

        return render_markdown(self)

    def to_html(self) -> str:
        """The index page; its links point to article pages `write_html` puts beside it."""
        from briefing.digest.render import render_html

        return render_html(self)

    def write_html(self, path: str | os.PathLike[str]) -> Path:
        """Write the index (`path`, or `path/index.html` for a folder) and, beside it, each
        article's own briefing page. Returns the index's path."""
        from briefing.digest.render import write_html

        return write_html(self, Path(path))

    def tables(self) -> dict[str, Any]:
        """people, mentions, agreements, history, claims, disputes, timeline, decisions."""
        from briefing.digest.render import tables

        return tables(self)

    def derived(self) -> dict[str, Any]:
        """Everything resolved, without the briefs: what two equal digests share."""
        return self.model_dump(exclude={"briefs", "since_previous"})
