"""People across briefings: mentions of officials resolved into persons.

Mentions are compared only within blocks (a folded full name or surname), never all against
all. The single-article rules of `briefing.ground.names` decide whether two names can be one
person; across articles they are applied with more care: a surname alone joins a full name only
when the title agrees or nobody else in the digest has that surname, different countries keep
people apart, and names in different scripts never meet unless an override says they are forms
of one person. Every union is recorded with its reason.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from briefing.digest.folding import (
    distinct,
    entity_id,
    fold_tag,
    place,
    places_agree,
    title_words,
    titles_agree,
)
from briefing.digest.inputs import article_key, published
from briefing.digest.model import Decision, Overrides, Person, PersonMention, TitleSpan
from briefing.digest.overrides import Clusters, vetoes
from briefing.ground.names import Name, first_names_agree, fold_name, similar, untitled
from briefing.models import Brief, Official


def gather_people(
    briefs: Sequence[Brief], overrides: Overrides
) -> tuple[list[Person], dict[str, str], list[Decision]]:
    """The persons of `briefs`, which person each mention id is, and the merges made."""
    mentions = _person_mentions(briefs)
    clusters, _ = _resolve_people(mentions, overrides)
    return _people(mentions, clusters)


@dataclass
class OfficialMention:
    id: str
    item: str
    brief: Brief
    official: Official
    full: dict[tuple[str, ...], Name]
    short: list[Name]
    title: frozenset[str]
    country: str
    affiliation: str


@dataclass
class _PersonRoot:
    full: dict[tuple[str, ...], Name]
    countries: set[str]
    titles: set[frozenset[str]]
    affiliations: set[str]


def _person_mentions(briefs: Sequence[Brief]) -> list[OfficialMention]:
    out = []
    for brief in briefs:
        key = article_key(brief)
        for i, official in enumerate(brief.officials, start=1):
            parsed = [Name.of(n) for n in dict.fromkeys([official.name, *official.names])]
            real = untitled([n for n in parsed if not n.is_reference])
            out.append(
                OfficialMention(
                    id=f"{key}:o{i}",
                    item=f"b{key[:8]}-o{i}",
                    brief=brief,
                    official=official,
                    full={n.core: n for n in real if len(n.core) > 1},
                    short=[n for n in real if len(n.core) == 1],
                    title=title_words(official.title),
                    country=place(official.country),
                    affiliation=fold_tag(official.affiliation or ""),
                )
            )
    return out


def _resolve_people(
    mentions: list[OfficialMention], overrides: Overrides
) -> tuple[Clusters, list[str]]:
    tags = [{m.id, *(fold_tag(n) for n in [m.official.name, *m.official.names])} for m in mentions]
    index: dict[str, list[int]] = defaultdict(list)
    for i, t in enumerate(tags):
        for tag in t:
            index[tag].append(i)
    clusters = Clusters(tags, vetoes(overrides))
    roots = [
        _PersonRoot(
            dict(m.full), {m.country} - {""}, {m.title} - {frozenset()}, {m.affiliation} - {""}
        )
        for m in mentions
    ]

    def agree(ra: int, rb: int) -> bool:
        a, b = roots[ra], roots[rb]
        if any(not places_agree(x, y) for x in a.countries for y in b.countries):
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
            r for r in candidates if any(titles_agree(m.title, t) for t in snap_of[reps[r]].titles)
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


def _compatible_alone(m: OfficialMention, known: _PersonRoot) -> bool:
    """A bare surname joins the only full name so surnamed unless its title says otherwise
    (and neither its country nor its affiliation vouch for it)."""
    if not m.title or not known.titles:
        return True
    return bool(m.country and m.country in known.countries) or bool(
        m.affiliation and m.affiliation in known.affiliations
    )


@lru_cache(maxsize=65536)
def _alike(a: str, b: str) -> bool:
    return similar(a, b)


def _full_names_match(a: Name, b: Name) -> bool:
    """`briefing.ground.people`'s rule (surnames alike, first names agree), cheapest first."""
    return first_names_agree(a, b) and _alike(a.surname, b.surname)


def _close(a: str, b: str) -> bool:
    short, long_ = sorted((len(a), len(b)))
    return short >= 0.6 * long_ and _alike(a, b)


def _apply_same_people(
    clusters: Clusters, index: dict[str, list[int]], overrides: Overrides, join: Any
) -> None:
    for pair in overrides.same:
        found = [i for t in pair for i in index.get(t if ":" in t else fold_tag(t), [])]
        for i in found[1:]:
            join(found[0], i, f"override: {' and '.join(map(repr, pair))} are one", checked=False)


def _people(
    mentions: list[OfficialMention], clusters: Clusters
) -> tuple[list[Person], dict[str, str], list[Decision]]:
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(mentions)):
        groups[clusters.find(i)].append(i)
    people: list[Person] = []
    entity_of: dict[str, str] = {}
    for members in groups.values():
        ms = [mentions[i] for i in members]
        pid = entity_id("person", ms[0].id)
        counts = Counter(m.official.name for m in ms)
        first_seen = {name: k for k, name in reversed(list(enumerate(m.official.name for m in ms)))}
        forms = list(dict.fromkeys(n for m in ms for n in [m.official.name, *m.official.names]))
        plain = {n.text for n in untitled([Name.of(n) for n in forms])}
        # the name the model gave most, unless every one carries a title: then a plain form
        pool = [n for n in counts if n in plain] or [
            n for n in forms if n in plain and len(Name.of(n).core) > 1
        ] or list(counts)  # fmt: skip
        name = min(
            pool,
            key=lambda n: (len(Name.of(n).core) < 2, -counts[n], first_seen.get(n, len(ms))),
        )
        titles: dict[frozenset[str], tuple[str, list[str], list[str]]] = {}
        for m in ms:
            if m.official.title:
                _, dates, arts = titles.setdefault(m.title, (m.official.title, [], []))
                if (d := published(m.brief)) is not None:
                    dates.append(d)
                if article_key(m.brief) not in arts:
                    arts.append(article_key(m.brief))
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
            affiliations=distinct(m.official.affiliation for m in ms),
            countries=distinct(m.official.country for m in ms),
            mentions=[
                PersonMention.model_construct(
                    id=m.id,
                    article=article_key(m.brief),
                    item=m.item,
                    name=m.official.name,
                    names=m.official.names,
                    title=m.official.title,
                    affiliation=m.official.affiliation,
                    country=m.official.country,
                    date=published(m.brief),
                    quotes=[e.quote for e in m.official.evidence],
                )
                for m in ms
            ],
        )
        people.append(person)
        for m in ms:
            entity_of[m.id] = pid
    decisions = clusters.recorded("person", [m.id for m in mentions], entity_of)
    people.sort(key=lambda p: (fold_name(p.name), p.id))
    return people, entity_of, decisions
