"""A rendered Brief read back against its article with the same label checks the pipeline
applies: every agreement (kind, status, evidence) and official (name, title, evidence), and
what the article contradicts in each. For briefs made before the checks existed, or by a
pipeline someone changed: `benchmarks/audit_labels.py` prints it over a folder of briefs."""

from __future__ import annotations

from dataclasses import dataclass, field

from briefing.ground.labels import check_agreement, echo, not_a_person, not_content
from briefing.models import Brief


@dataclass(frozen=True)
class Rendered:
    """One rendered agreement or official and what the article contradicts in it."""

    kind: str  # "agreement" | "official" | "headline" | "bluf"
    label: str  # "treaty, signed: Title" or "Name, title"
    evidence: tuple[str, ...]
    flags: tuple[str, ...] = field(default=())


def audit(brief: Brief, text: str | None = None) -> list[Rendered]:
    """Every rendered agreement and official of `brief`, flagged where the article (its own
    copy, or `text` when given) contradicts a label; the headline and bottom line when they
    are the request echoed back."""
    article = brief.article.text if text is None else text
    heading = " ".join(p for p in (brief.article.title, brief.article.url) if p)
    out: list[Rendered] = []
    for what, value in (("headline", brief.headline), ("bluf", brief.bluf)):
        why = echo(value)
        if why:
            out.append(Rendered(what, value, (), (why,)))
    for ag in brief.agreements:
        fixes = check_agreement(
            kind=ag.kind, status=ag.status, title=ag.title, role=ag.role,
            spans=[(e.start, e.end) for e in ag.evidence], article=article, heading=heading,
        )  # fmt: skip
        flags = [f.reason for f in fixes]
        flags += [w for w in (echo(ag.title), not_content(ag.place)) if w]
        out.append(
            Rendered(
                "agreement",
                f"{ag.kind}, {ag.status}: {ag.title}",
                tuple(e.quote for e in ag.evidence),
                tuple(flags),
            )
        )
    bodies = {v for o in brief.officials for v in (o.affiliation, o.country) if v}
    for o in brief.officials:
        whys = [not_a_person(n, article, bodies) for n in o.names or [o.name]]
        flags = [f"not a person ({whys[0]})"] if all(whys) else []
        flags += [w for w in (echo(o.name), not_content(o.title), not_content(o.affiliation)) if w]
        out.append(
            Rendered(
                "official",
                ", ".join(p for p in (o.name, o.title) if p),
                tuple(e.quote for e in o.evidence),
                tuple(flags),
            )
        )
    return out
