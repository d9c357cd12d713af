"""Resolving people, agreements and claims across briefings.

Mentions are compared only within blocks (a folded surname, an agreement's title or parties),
never all against all. The single-article person rules of `briefing.ground.people` decide
whether two names can be one person; across articles they are applied with more care: a
surname alone joins a full name only when the title agrees or nobody else in the digest has
that surname, different countries keep people apart, and names in different scripts never
meet unless an override says they are forms of one person. Every union is recorded with its
reason; `never_merge` overrides veto unions, `same` overrides force them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, TypeAlias

from rapidfuzz import fuzz

from briefing.batch.run import BriefResult
from briefing.digest.model import (
    AgreementEntry,
    AgreementMention,
    ArticleRef,
    Changes,
    ClaimEntry,
    Decision,
    Digest,
    Dispute,
    EntityKind,
    Overrides,
    Person,
    PersonMention,
    StatusChange,
    StatusStep,
    TimelineEvent,
    TitleSpan,
)
from briefing.errors import InputError
from briefing.ground.people import _first_names_agree, _Name, _similar, fold_name
from briefing.load.article import Article
from briefing.models import Agreement, Brief, Official

Item: TypeAlias = "Brief | BriefResult | str | os.PathLike[str]"
Source: TypeAlias = "Item | Iterable[Item]"

ACCUSING = {"accusation", "condemnation"}
DENYING = {"denial"}
SAME_TITLE_SCORE = (
    80  # rapidfuzz token_set_ratio of two agreement titles between one set of parties
)
_STOP = {"the", "a", "an", "of", "on", "and", "for", "between", "to", "in", "with"}
_ALIASES = {
    "us": "united states", "usa": "united states", "u s": "united states",
    "united states of america": "united states", "america": "united states",
    "uk": "united kingdom", "u k": "united kingdom", "britain": "united kingdom",
    "great britain": "united kingdom", "turkiye": "turkey",
}  # fmt: skip


# inputs ---------------------------------------------------------------------------------------
def collect(source: Source) -> list[Brief]:
    """Briefs from Brief objects, BriefResults, JSONL logs, Brief JSON files or folders."""
    if isinstance(source, Brief | BriefResult | str | os.PathLike):
        return list(_one(source))
    return [brief for item in source for brief in _one(item)]


def _one(item: Item) -> Iterator[Brief]:
    if isinstance(item, Brief):
        yield item
    elif isinstance(item, BriefResult):
        if item.brief is not None:
            yield item.brief
    else:
        yield from _from_path(Path(item))


def _from_path(path: Path) -> Iterator[Brief]:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in (".json", ".jsonl"))
        for file in files:
            yield from _from_path(file)
        return
    if not path.is_file():
        raise InputError(f"{path}: no such file or folder")
    if path.suffix == ".jsonl":
        for number, line in enumerate(path.read_bytes().splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                if number == len(path.read_bytes().splitlines()):
                    break  # a torn last line, as a crash mid-write leaves it
                raise InputError(f"{path}:{number}: not a JSON line") from None
            if record.get("status") == "ok" and "brief" in record:
                yield Brief.model_validate(record["brief"])
        return
    try:
        data = json.loads(path.read_bytes())
    except ValueError:
        raise InputError(f"{path}: not JSON") from None
    if isinstance(data, dict) and "people" in data and "briefs" in data:
        yield from Digest.model_validate(data).briefs
    else:
        try:
            yield Brief.model_validate(data)
        except ValueError as exc:
            raise InputError(f"{path}: not a briefing: {str(exc).splitlines()[0]}") from None


def canonical(briefs: Iterable[Brief]) -> list[Brief]:
    """One brief per article (the latest run), ordered by publication date and key: the
    order everything is resolved in, whatever order the briefs came in."""
    latest: dict[str, Brief] = {}
    for brief in briefs:
        key = _akey(brief)
        old = latest.get(key)
        if old is None or (brief.record.created, brief.to_json()) > (
            old.record.created,
            old.to_json(),
        ):
            latest[key] = brief
    return sorted(latest.values(), key=lambda b: (_published(b) or "", _akey(b)))


def _published(brief: Brief) -> str | None:
    return brief.article.published.isoformat() if brief.article.published else None


# folding helpers ------------------------------------------------------------------------------
@lru_cache(maxsize=65536)
def words(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"\w+", fold_name(text)))


@lru_cache(maxsize=65536)
def _tag(text: str) -> str:
    return " ".join(words(text))


def _place(text: str | None) -> str:
    folded = _tag(text or "")
    folded = re.sub(r"^the ", "", folded)
    return _ALIASES.get(folded, folded)


def _places_agree(a: str, b: str) -> bool:
    """Egypt / Egyptian / the Egyptian: one place; the US and Russia are not."""
    if not a or not b or a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 4 and long_.startswith(short)


def _title_words(title: str | None) -> frozenset[str]:
    return frozenset(w for w in words(title or "") if w not in _STOP)


def _titles_agree(a: frozenset[str], b: frozenset[str]) -> bool:
    return bool(a) and bool(b) and (a <= b or b <= a)


def date_key(value: str) -> tuple[str, int]:
    """A TimeML value as (the first day of its period, precision rank) for sorting: 2023 and
    2023-W11 and 2023-Q1 sort among days by where their period begins."""
    if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:T.*)?", value):
        return f"{m[1]}-{m[2]}-{m[3]}", 0
    if m := re.fullmatch(r"(\d{4})-W(\d{2})", value):
        try:
            return dt.date.fromisocalendar(int(m[1]), int(m[2]), 1).isoformat(), 1
        except ValueError:
            return f"{m[1]}-01-01", 1
    if m := re.fullmatch(r"(\d{4})-(\d{2})", value):
        return f"{m[1]}-{m[2]}-01", 2
    if m := re.fullmatch(r"(\d{4})-(SP|SU|FA|AU|WI)", value):
        month = {"SP": 3, "SU": 6, "FA": 9, "AU": 9, "WI": 12}[m[2]]
        return f"{m[1]}-{month:02d}-01", 3
    if m := re.fullmatch(r"(\d{4})-Q(\d)", value):
        return f"{m[1]}-{(int(m[2]) - 1) * 3 + 1:02d}-01", 4
    if m := re.fullmatch(r"(\d{4})-H(\d)", value):
        return f"{m[1]}-{1 if m[2] == '1' else 7:02d}-01", 5
    if m := re.fullmatch(r"(\d{4})", value):
        return f"{m[1]}-01-01", 6
    if m := re.fullmatch(r"(\d{3})X?", value):
        return f"{m[1]}0-01-01", 7
    if m := re.fullmatch(r"(\d{2})X{0,2}", value):
        return f"{m[1]}00-01-01", 8
    return value, 9


def _entity_id(prefix: str, first_mention: str) -> str:
    return f"{prefix}-{hashlib.sha1(first_mention.encode()).hexdigest()[:10]}"


def _page_names(briefs: Sequence[Brief]) -> dict[str, str]:
    pages: dict[str, str] = {}
    taken: set[str] = set()
    for brief in briefs:
        stem = re.sub(r"[^A-Za-z0-9._-]+", "-", brief.article.name or "").strip("-.")[:80]
        stem = stem or f"article-{_akey(brief)}"
        if stem.lower() in taken or stem.lower() == "index":
            stem = f"{stem}-{_akey(brief)[:8]}"
        taken.add(stem.lower())
        pages[_akey(brief)] = f"{stem}.html"
    return pages


# union-find with vetoes -----------------------------------------------------------------------
@dataclass
class _Clusters:
    tags: list[set[str]]
    forbidden: dict[str, set[str]]
    parent: list[int] = field(init=False)
    decisions: list[tuple[int, int, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.parent = list(range(len(self.tags)))

    def find(self, i: int) -> int:
        root = i
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[i] != root:
            self.parent[i], i = root, self.parent[i]
        return root

    def vetoed(self, ra: int, rb: int) -> bool:
        if not self.forbidden:
            return False
        small, big = sorted((self.tags[ra], self.tags[rb]), key=len)
        return any(big & self.forbidden.get(t, set()) for t in small)

    def union(self, a: int, b: int, reason: str) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb or self.vetoed(ra, rb):
            return False
        keep, gone = min(ra, rb), max(ra, rb)
        self.parent[gone] = keep
        self.tags[keep] |= self.tags[gone]
        self.tags[gone] = set()
        self.decisions.append((a, b, reason))
        return True


def _vetoes(overrides: Overrides) -> dict[str, set[str]]:
    forbidden: dict[str, set[str]] = defaultdict(set)
    for pair in overrides.never_merge:
        tags = [t if ":" in t else _tag(t) for t in pair]
        for x in tags:
            forbidden[x].update(t for t in tags if t != x)
    return dict(forbidden)


def _apply_same(clusters: _Clusters, index: dict[str, list[int]], overrides: Overrides) -> None:
    for pair in overrides.same:
        found = [i for t in pair for i in index.get(t if ":" in t else _tag(t), [])]
        for i in found[1:]:
            clusters.union(found[0], i, f"override: {' and '.join(map(repr, pair))} are one")


# people ---------------------------------------------------------------------------------------
@dataclass
class _PersonMention:
    id: str
    item: str
    brief: Brief
    official: Official
    full: dict[tuple[str, ...], _Name]
    short: list[_Name]
    title: frozenset[str]
    country: str
    affiliation: str


@dataclass
class _PersonRoot:
    full: dict[tuple[str, ...], _Name]
    countries: set[str]
    titles: set[frozenset[str]]
    affiliations: set[str]


def _person_mentions(briefs: Sequence[Brief]) -> list[_PersonMention]:
    out = []
    for brief in briefs:
        key = _akey(brief)
        for i, official in enumerate(brief.officials, start=1):
            parsed = [_Name.of(n) for n in dict.fromkeys([official.name, *official.names])]
            real = [n for n in parsed if not n.is_reference]
            out.append(
                _PersonMention(
                    id=f"{key}:o{i}",
                    item=f"b{key[:8]}-o{i}",
                    brief=brief,
                    official=official,
                    full={n.core: n for n in real if len(n.core) > 1},
                    short=[n for n in real if len(n.core) == 1],
                    title=_title_words(official.title),
                    country=_place(official.country),
                    affiliation=_tag(official.affiliation or ""),
                )
            )
    return out


def _resolve_people(
    mentions: list[_PersonMention], overrides: Overrides
) -> tuple[_Clusters, list[str]]:
    tags = [{m.id, *(_tag(n) for n in [m.official.name, *m.official.names])} for m in mentions]
    index: dict[str, list[int]] = defaultdict(list)
    for i, t in enumerate(tags):
        for tag in t:
            index[tag].append(i)
    clusters = _Clusters(tags, _vetoes(overrides))
    roots = [
        _PersonRoot(
            dict(m.full), {m.country} - {""}, {m.title} - {frozenset()}, {m.affiliation} - {""}
        )
        for m in mentions
    ]

    def agree(ra: int, rb: int) -> bool:
        a, b = roots[ra], roots[rb]
        if any(not _places_agree(x, y) for x in a.countries for y in b.countries):
            return False
        return all(_full_names_match(x, y) for x in a.full.values() for y in b.full.values())

    def join(i: int, j: int, reason: str, *, checked: bool = True) -> None:
        ri, rj = clusters.find(i), clusters.find(j)
        if ri == rj or (checked and not agree(ri, rj)):
            return
        if clusters.union(i, j, reason):
            keep, gone = clusters.find(i), rj if clusters.find(i) == ri else ri
            roots[keep].full.update(roots[gone].full)
            roots[keep].countries |= roots[gone].countries
            roots[keep].titles |= roots[gone].titles
            roots[keep].affiliations |= roots[gone].affiliations

    _apply_same_people(clusters, index, overrides, join)

    # 1. the same full name (the same words once honorifics and particles are set aside)
    by_core: dict[tuple[str, ...], int] = {}
    for i, m in enumerate(mentions):
        for core, name in m.full.items():
            first = by_core.setdefault(core, i)
            if first != i:
                join(first, i, f"same full name {name.text!r} ({' '.join(core)})")

    # 2. within a surname block (spelling variants of it included): first names that agree
    by_surname: dict[str, set[int]] = defaultdict(set)
    for i, m in enumerate(mentions):
        for name in m.full.values():
            if not name.patronymic:
                by_surname[name.surname].add(i)
    by_letter: dict[str, list[str]] = defaultdict(list)
    for surname in sorted(by_surname):
        by_letter[surname[:1]].append(surname)
    for surname in sorted(by_surname):
        block = set(by_surname[surname])
        for other in by_letter[surname[:1]]:
            if other > surname and _close(surname, other):
                block |= by_surname[other]
        by_initial: dict[str, set[int]] = defaultdict(set)
        for i in block:
            for name in mentions[i].full.values():
                by_initial[name.core[0][:1]].add(clusters.find(i))
        pairs = {(x, y) for group in by_initial.values() for x in group for y in group if x < y}
        for x, y in sorted(pairs):
            names_x, names_y = roots[clusters.find(x)].full, roots[clusters.find(y)].full
            pair = next(
                (
                    (p, q)
                    for p in names_x.values()
                    for q in names_y.values()
                    if _full_names_match(p, q)
                ),
                None,
            )
            if pair:
                join(
                    x,
                    y,
                    f"{pair[0].text!r} and {pair[1].text!r}: surnames alike, first names agree",
                )

    # 3. a surname alone: to the one full name with that surname and a matching title, or to
    # the only person in the digest with that surname
    owners: dict[str, set[int]] = defaultdict(set)
    for i, m in enumerate(mentions):
        for name in m.full.values():
            owners[name.surname].add(i)
    # what the full names say of each person, before any bare surname joins them
    snapshot: dict[int, _PersonRoot] = {}
    snap_of: dict[int, _PersonRoot] = {}
    for pool in owners.values():
        for j in pool:
            r = clusters.find(j)
            if r not in snapshot:
                root = roots[r]
                snapshot[r] = _PersonRoot(
                    root.full, set(root.countries), set(root.titles), set(root.affiliations)
                )
            snap_of[j] = snapshot[r]
    alone: dict[tuple[str, frozenset[str]], int] = {}
    for i, m in enumerate(mentions):
        if m.full or not m.short:
            continue
        surname = m.short[0].surname
        reps = {clusters.find(j): j for j in sorted(owners.get(surname, set()), reverse=True)}
        candidates = sorted(r for r in reps if agree(clusters.find(i), r))
        titled = [
            r for r in candidates if any(_titles_agree(m.title, t) for t in snap_of[reps[r]].titles)
        ]
        said = m.short[0].text
        if len(titled) == 1:
            join(i, titled[0], f"surname {said!r} with the title {m.official.title!r}")
        elif (
            len(candidates) == 1
            and not titled
            and _compatible_alone(m, snap_of[reps[candidates[0]]])
        ):
            owner = next(iter(roots[clusters.find(candidates[0])].full.values())).text
            join(
                i,
                candidates[0],
                f"{said!r}: {owner!r} is the only person so surnamed in the digest",
            )
        elif not candidates and m.title:
            first = alone.setdefault((surname, m.title), i)
            if first != i:
                join(first, i, f"surname {said!r} with the same title {m.official.title!r}")
    return clusters, [m.id for m in mentions]


def _compatible_alone(m: _PersonMention, known: _PersonRoot) -> bool:
    """A bare surname joins the only full name so surnamed unless its title says otherwise
    (and neither its country nor its affiliation vouch for it)."""
    if not m.title or not known.titles:
        return True
    return bool(m.country and m.country in known.countries) or bool(
        m.affiliation and m.affiliation in known.affiliations
    )


@lru_cache(maxsize=65536)
def _alike(a: str, b: str) -> bool:
    return _similar(a, b)


def _full_names_match(a: _Name, b: _Name) -> bool:
    """`briefing.ground.people`'s rule (surnames alike, first names agree), cheapest first."""
    return _first_names_agree(a, b) and _alike(a.surname, b.surname)


_KEYS: dict[int, tuple[Article, str]] = {}


def _akey(brief: Brief) -> str:
    """The article's key (a content hash), computed once per article during a build."""
    found = _KEYS.get(id(brief.article))
    if found is not None and found[0] is brief.article:
        return found[1]
    key = brief.article.key
    _KEYS[id(brief.article)] = (brief.article, key)
    return key


def _close(a: str, b: str) -> bool:
    short, long_ = sorted((len(a), len(b)))
    return short >= 0.6 * long_ and _alike(a, b)


def _apply_same_people(
    clusters: _Clusters, index: dict[str, list[int]], overrides: Overrides, join: Any
) -> None:
    for pair in overrides.same:
        found = [i for t in pair for i in index.get(t if ":" in t else _tag(t), [])]
        for i in found[1:]:
            join(found[0], i, f"override: {' and '.join(map(repr, pair))} are one", checked=False)


def _people(
    mentions: list[_PersonMention], clusters: _Clusters
) -> tuple[list[Person], dict[str, str], list[Decision]]:
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(mentions)):
        groups[clusters.find(i)].append(i)
    people: list[Person] = []
    entity_of: dict[str, str] = {}
    for members in groups.values():
        ms = [mentions[i] for i in members]
        pid = _entity_id("person", ms[0].id)
        counts = Counter(m.official.name for m in ms)
        first_seen = {name: k for k, name in reversed(list(enumerate(m.official.name for m in ms)))}
        name = min(
            counts,
            key=lambda n: (len(_Name.of(n).core) < 2, -counts[n], first_seen[n]),
        )
        titles: dict[frozenset[str], tuple[str, list[str], list[str]]] = {}
        for m in ms:
            if m.official.title:
                _, dates, arts = titles.setdefault(m.title, (m.official.title, [], []))
                if (d := _published(m.brief)) is not None:
                    dates.append(d)
                if _akey(m.brief) not in arts:
                    arts.append(_akey(m.brief))
        spans = sorted(
            (
                TitleSpan(
                    title=t, first=min(d, default=None), last=max(d, default=None), articles=a
                )
                for t, d, a in titles.values()
            ),
            key=lambda s: (s.first or "", s.title),
        )
        person = Person(
            id=pid,
            name=name,
            names=list(
                dict.fromkeys(
                    [name, *(n for m in ms for n in [m.official.name, *m.official.names])]
                )
            ),
            titles=spans,
            affiliations=_distinct(m.official.affiliation for m in ms),
            countries=_distinct(m.official.country for m in ms),
            mentions=[
                PersonMention.model_construct(
                    id=m.id,
                    article=_akey(m.brief),
                    item=m.item,
                    name=m.official.name,
                    names=m.official.names,
                    title=m.official.title,
                    affiliation=m.official.affiliation,
                    country=m.official.country,
                    date=_published(m.brief),
                    quotes=[e.quote for e in m.official.evidence],
                )
                for m in ms
            ],
        )
        people.append(person)
        for m in ms:
            entity_of[m.id] = pid
    decisions = [
        Decision(
            kind="person",
            entity=entity_of[mentions[a].id],
            a=mentions[a].id,
            b=mentions[b].id,
            reason=why,
        )
        for a, b, why in clusters.decisions
    ]
    people.sort(key=lambda p: (fold_name(p.name), p.id))
    return people, entity_of, decisions


def _distinct(values: Iterable[str | None]) -> list[str]:
    seen: dict[str, str] = {}
    for value in values:
        if value:
            seen.setdefault(_tag(value), value)
    return list(seen.values())


# agreements -----------------------------------------------------------------------------------
@dataclass
class _AgreementMention:
    id: str
    item: str
    brief: Brief
    agreement: Agreement
    title: str
    numbers: frozenset[str]
    parties: frozenset[str]


def _agreement_mentions(briefs: Sequence[Brief]) -> list[_AgreementMention]:
    out = []
    for brief in briefs:
        key = _akey(brief)
        for i, agreement in enumerate(brief.agreements, start=1):
            title = " ".join(w for w in words(agreement.title) if w not in _STOP)
            out.append(
                _AgreementMention(
                    id=f"{key}:a{i}",
                    item=f"b{key[:8]}-a{i}",
                    brief=brief,
                    agreement=agreement,
                    title=title,
                    numbers=frozenset(re.findall(r"\d+", title)),
                    parties=frozenset(_place(p) for p in agreement.parties) - {""},
                )
            )
    return out


def _resolve_agreements(mentions: list[_AgreementMention], overrides: Overrides) -> _Clusters:
    tags = [{m.id, _tag(m.agreement.title)} for m in mentions]
    index: dict[str, list[int]] = defaultdict(list)
    for i, t in enumerate(tags):
        for tag in t:
            index[tag].append(i)
    clusters = _Clusters(tags, _vetoes(overrides))
    _apply_same(clusters, index, overrides)
    by_title: dict[str, int] = {}
    for i, m in enumerate(mentions):
        first = by_title.setdefault(m.title or m.id, i)
        if first != i:
            clusters.union(first, i, f"same title {m.agreement.title!r}")
    by_parties: dict[frozenset[str], dict[str, int]] = defaultdict(dict)
    for i, m in enumerate(mentions):
        if len(m.parties) >= 2:
            by_parties[m.parties].setdefault(m.title, i)
    for parties, titles in by_parties.items():
        reps = list(titles.items())
        for k, (ta, i) in enumerate(reps):
            for tb, j in reps[k + 1 :]:
                a, b = mentions[i], mentions[j]
                if a.numbers and b.numbers and a.numbers != b.numbers:
                    continue
                score = fuzz.token_set_ratio(ta, tb)
                if score >= SAME_TITLE_SCORE:
                    clusters.union(
                        i,
                        j,
                        f"same parties ({', '.join(sorted(parties))}), titles "
                        f"{a.agreement.title!r} and {b.agreement.title!r} {score:.0f}% alike",
                    )
    return clusters


def _step(m: _AgreementMention) -> StatusStep:
    date = m.agreement.date
    when: str | None
    source: Literal["agreement", "article", "none"]
    if date is not None and date.value:
        when, source = date.value, "agreement"
    else:
        when = _published(m.brief)
        source = "article" if when else "none"
    return StatusStep.model_construct(
        status=m.agreement.status,
        date=when,
        date_from=source,
        article=_akey(m.brief),
        mention=m.id,
        quote=m.agreement.evidence[0].quote if m.agreement.evidence else None,
    )


def _agreements(
    mentions: list[_AgreementMention], clusters: _Clusters
) -> tuple[list[AgreementEntry], dict[str, str], list[Decision]]:
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(mentions)):
        groups[clusters.find(i)].append(i)
    out: list[AgreementEntry] = []
    entity_of: dict[str, str] = {}
    for members in groups.values():
        ms = [mentions[i] for i in members]
        aid = _entity_id("agreement", ms[0].id)
        history = sorted(
            (_step(m) for m in ms),
            key=lambda s: (date_key(s.date) if s.date else ("~", 9), s.article, s.mention),
        )
        known = [s.status for s in history if s.status != "unknown"]
        titles = Counter(m.agreement.title for m in ms)
        kinds = Counter(m.agreement.kind for m in ms)
        out.append(
            AgreementEntry(
                id=aid,
                title=max(titles, key=lambda t: (titles[t], len(t), t)),
                titles=list(titles),
                kind=max(kinds, key=lambda k: (kinds[k], k)),
                parties=_distinct(p for m in ms for p in m.agreement.parties),
                status=known[-1] if known else "unknown",
                history=history,
                mentions=[
                    AgreementMention.model_construct(
                        id=m.id,
                        article=_akey(m.brief),
                        item=m.item,
                        title=m.agreement.title,
                        kind=m.agreement.kind,
                        parties=m.agreement.parties,
                        status=m.agreement.status,
                        date=m.agreement.date.value if m.agreement.date else None,
                        date_text=m.agreement.date.text if m.agreement.date else None,
                        quotes=[e.quote for e in m.agreement.evidence],
                    )
                    for m in ms
                ],
            )
        )
        for m in ms:
            entity_of[m.id] = aid
    decisions = [
        Decision(
            kind="agreement",
            entity=entity_of[mentions[a].id],
            a=mentions[a].id,
            b=mentions[b].id,
            reason=why,
        )
        for a, b, why in clusters.decisions
    ]
    out.sort(key=lambda a: (fold_name(a.title), a.id))
    return out, entity_of, decisions


# claims ---------------------------------------------------------------------------------------
def _claims(
    briefs: Sequence[Brief], people: list[Person], person_of: dict[str, str]
) -> list[ClaimEntry]:
    by_full: dict[str, set[str]] = defaultdict(set)
    for person in people:
        for name in person.names:
            parsed = _Name.of(name)
            if not parsed.is_reference and len(parsed.core) > 1:
                by_full[" ".join(parsed.core)].add(person.id)
    out = []
    for brief in briefs:
        key = _akey(brief)
        local = [
            (person_of[f"{key}:o{i}"], [_Name.of(n) for n in [o.name, *o.names]])
            for i, o in enumerate(brief.officials, start=1)
        ]

        def resolve(name: str | None, local: list[tuple[str, list[_Name]]] = local) -> str | None:
            if not name:
                return None
            parsed = _Name.of(name)
            hits = {
                pid
                for pid, names in local
                for n in names
                if (parsed.core and n.core == parsed.core)
                or (
                    not n.is_reference
                    and parsed.core
                    and n.core
                    and (len(parsed.core) == 1 or len(n.core) == 1)
                    and n.surname == parsed.surname
                )
            }
            if not hits and len(parsed.core) > 1:
                hits = by_full.get(" ".join(parsed.core), set())
            if len(hits) == 1:
                return next(iter(hits))
            return f"name:{_tag(name)}"

        for i, claim in enumerate(brief.claims, start=1):
            out.append(
                ClaimEntry.model_construct(
                    id=f"{key}:c{i}",
                    article=key,
                    item=f"b{key[:8]}-c{i}",
                    claimant=claim.claimant,
                    claimant_key=resolve(claim.claimant) or "name:",
                    target=claim.target,
                    target_key=resolve(claim.target),
                    kind=claim.kind,
                    statement=claim.statement,
                    date=_published(brief),
                    quote=claim.evidence[0].quote if claim.evidence else None,
                )
            )
    return out


def _disputes(claims: list[ClaimEntry]) -> list[Dispute]:
    accusations: dict[str, list[ClaimEntry]] = defaultdict(list)
    denials: dict[str, list[ClaimEntry]] = defaultdict(list)
    for claim in claims:
        if claim.kind in ACCUSING and claim.target_key:
            accusations[claim.target_key].append(claim)
        elif claim.kind in DENYING:
            for key in {claim.target_key, claim.claimant_key} - {None}:
                denials[key].append(claim)  # type: ignore[index]
    out = []
    for key in sorted(accusations):
        accusers = {c.claimant_key for c in accusations[key]}
        answers = [c for c in denials.get(key, []) if accusers - {c.claimant_key}]
        if answers:
            out.append(
                Dispute(
                    target=accusations[key][0].target or key,
                    target_key=key,
                    accusations=[c.id for c in accusations[key]],
                    denials=list(dict.fromkeys(c.id for c in answers)),
                )
            )
    return out


# the whole digest -----------------------------------------------------------------------------
def build(briefs: Iterable[Brief], overrides: Overrides | None = None) -> Digest:
    try:
        return _build(briefs, overrides or Overrides())
    finally:
        _KEYS.clear()


def _build(briefs: Iterable[Brief], overrides: Overrides) -> Digest:
    ordered = canonical(briefs)
    pages = _page_names(ordered)
    person_mentions = _person_mentions(ordered)
    person_clusters, _ = _resolve_people(person_mentions, overrides)
    people, person_of, person_decisions = _people(person_mentions, person_clusters)
    agreement_mentions = _agreement_mentions(ordered)
    agreement_clusters = _resolve_agreements(agreement_mentions, overrides)
    agreements, agreement_of, agreement_decisions = _agreements(
        agreement_mentions, agreement_clusters
    )
    claims = _claims(ordered, people, person_of)
    by_claimant: dict[str, list[str]] = defaultdict(list)
    by_target: dict[str, list[str]] = defaultdict(list)
    for claim in claims:
        by_claimant[claim.claimant_key].append(claim.id)
        if claim.target_key:
            by_target[claim.target_key].append(claim.id)
    people = [
        p.model_copy(
            update={"claims_by": by_claimant.get(p.id, []), "claims_about": by_target.get(p.id, [])}
        )
        if p.id in by_claimant or p.id in by_target
        else p
        for p in people
    ]
    timeline = _timeline(ordered, agreement_mentions, agreement_of)
    return Digest(
        briefs=ordered,
        overrides=overrides,
        articles=[
            ArticleRef(
                key=_akey(b),
                name=b.article.name,
                title=b.article.title or b.headline,
                published=_published(b),
                source=b.article.source,
                url=b.article.url,
                page=pages[_akey(b)],
            )
            for b in ordered
        ],
        people=people,
        agreements=agreements,
        claims=claims,
        claims_by_claimant=dict(sorted(by_claimant.items())),
        claims_by_target=dict(sorted(by_target.items())),
        disputes=_disputes(claims),
        timeline=timeline,
        decisions=person_decisions + agreement_decisions,
    )


def _timeline(
    briefs: Sequence[Brief], mentions: list[_AgreementMention], agreement_of: dict[str, str]
) -> list[TimelineEvent]:
    events = [
        TimelineEvent.model_construct(
            date=published,
            kind="article",
            label=b.article.title or b.headline,
            text=None,
            entity=None,
            article=_akey(b),
            item=None,
        )
        for b in briefs
        if (published := _published(b))
    ]
    for m in mentions:
        date = m.agreement.date
        if date is not None and date.value:
            events.append(
                TimelineEvent.model_construct(
                    date=date.value,
                    kind="agreement",
                    label=f"{m.agreement.title}: {m.agreement.status.replace('_', ' ')}",
                    text=date.text,
                    entity=agreement_of[m.id],
                    article=_akey(m.brief),
                    item=m.item,
                )
            )
    return sorted(events, key=lambda e: (date_key(e.date), e.kind, e.article, e.item or ""))


def digest(
    briefs: Source,
    *,
    overrides: Overrides | dict[str, Any] | str | os.PathLike[str] | None = None,
    since: dt.date | str | None = None,
    until: dt.date | str | None = None,
) -> Digest:
    """A digest of briefings: Brief objects, BriefResults, a batch's JSONL log, Brief JSON
    files or folders of them (any mix). `overrides` is a dict, an `Overrides` or a JSON file
    (`{"never_merge": [[a, b]], "same": [[a, b]]}`); `since`/`until` keep the articles
    published in that range (inclusive)."""
    return build(window(collect(briefs), since, until), load_overrides(overrides))


def window(
    briefs: list[Brief], since: dt.date | str | None, until: dt.date | str | None
) -> list[Brief]:
    low = dt.date.fromisoformat(since) if isinstance(since, str) else since
    high = dt.date.fromisoformat(until) if isinstance(until, str) else until
    if low is None and high is None:
        return briefs
    return [
        b
        for b in briefs
        if b.article.published is not None
        and (low is None or b.article.published >= low)
        and (high is None or b.article.published <= high)
    ]


def load_overrides(
    overrides: Overrides | dict[str, Any] | str | os.PathLike[str] | None,
) -> Overrides:
    if overrides is None:
        return Overrides()
    if isinstance(overrides, Overrides):
        return overrides
    if isinstance(overrides, dict):
        return Overrides.model_validate(overrides)
    path = Path(overrides)
    try:
        return Overrides.model_validate_json(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not an overrides file: {str(exc).splitlines()[0]}") from None


def split_overrides(digest: Digest, entity_id: str, apart: list[str]) -> Overrides:
    entity = digest.entity(entity_id)
    wanted = {a if ":" in a else _tag(a) for a in apart}
    kind: EntityKind = "person" if isinstance(entity, Person) else "agreement"
    chosen: list[str] = []
    rest: list[str] = []
    for m in entity.mentions:
        forms = (
            {m.id, *(_tag(n) for n in [m.name, *m.names])}
            if isinstance(m, PersonMention)
            else {m.id, _tag(m.title)}
        )
        (chosen if forms & wanted else rest).append(m.id)
    if not chosen or not rest:
        raise ValueError(
            f"{kind} {entity_id}: {apart} must name some but not all of its mentions "
            f"({', '.join(m.id for m in entity.mentions)})"
        )
    pairs = [[a, b] for a in chosen for b in rest]
    # a name given keeps that name apart in articles added later, too
    named = [a for a in apart if ":" not in a]
    rest_forms = {
        n: None
        for m in entity.mentions
        if m.id in rest
        for n in ([m.name, *m.names] if isinstance(m, PersonMention) else [m.title])
    }
    pairs += [[a, n] for a in named for n in rest_forms if _tag(n) not in wanted]
    return Overrides(
        never_merge=[*digest.overrides.never_merge, *pairs],
        same=[p for p in digest.overrides.same if not (set(p) & wanted)],
    )


def changes(previous: Digest, current: Digest) -> Changes:
    seen_articles = {a.key for a in previous.articles}
    seen_people = {m.id for p in previous.people for m in p.mentions}
    agreement_of = {m.id: a for a in previous.agreements for m in a.mentions}
    seen_claims = {c.id for c in previous.claims}
    status_changes = []
    new_agreements = []
    for entry in current.agreements:
        before = next((agreement_of[m.id] for m in entry.mentions if m.id in agreement_of), None)
        if before is None:
            new_agreements.append(entry.id)
        elif before.status != entry.status:
            status_changes.append(
                StatusChange(
                    agreement=entry.id, title=entry.title, before=before.status, after=entry.status
                )
            )
    return Changes(
        new_articles=[a.key for a in current.articles if a.key not in seen_articles],
        new_people=[
            p.id for p in current.people if not any(m.id in seen_people for m in p.mentions)
        ],
        new_agreements=new_agreements,
        status_changes=status_changes,
        new_claims=[c.id for c in current.claims if c.id not in seen_claims],
    )
