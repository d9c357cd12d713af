"""The digest's two pictures as inline SVG: a timeline of agreement status changes and
articles, and a graph of who made claims about whom. No script, no request: colours come from
the page's CSS variables (so dark mode applies), every mark is a link to its quote in the page.

Both are laid out one row per thing (event, person), so labels never overlap; long labels are
cut with an ellipsis and given whole in the mark's tooltip.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from html import escape

from briefing.digest.claims import ACCUSING, DENYING
from briefing.digest.folding import date_key
from briefing.digest.model import ClaimEntry, Digest, TimelineEvent

ROW = 26  # px between rows
FONT = 13
MAX_LANES = 6  # agreements drawn as lanes; the rest share the last one
MAX_PEOPLE = 12  # claimants and targets drawn; the rest are in the tables
STATUS_CLASS = {
    "agreed": "ok", "issued": "ok", "signed": "ok", "ratified": "ok", "in_force": "ok",
    "extended": "ext", "proposed": "pending", "under_negotiation": "pending",
    "suspended": "bad", "broken": "bad", "withdrawn": "bad", "rejected": "bad",
}  # fmt: skip


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def step_anchor(mention: str) -> str:
    """The id of an agreement step's row (its quote) in the digest page."""
    return "q-" + mention.replace(":", "-")


def claim_anchor(claim_id: str) -> str:
    """The id of a claim's row (its quote) in the digest page."""
    return "claim-" + claim_id.replace(":", "-")


def article_anchor(key: str) -> str:
    return f"article-{key}"


def _day(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(date_key(value)[0])
    except ValueError:
        return None


@dataclass(frozen=True)
class _Mark:
    event: TimelineEvent
    lane: int
    status: str | None
    href: str


def _timeline_marks(digest: Digest) -> tuple[list[_Mark], list[str]]:
    """One mark per event, and the titles of the agreement lanes (lane 0 is articles)."""
    counts: dict[str, int] = defaultdict(int)
    for event in digest.timeline:
        if event.entity:
            counts[event.entity] += 1
    entries = {a.id: a for a in digest.agreements}
    lanes = sorted(counts, key=lambda a: (-counts[a], entries[a].title))[:MAX_LANES]
    lanes.sort(key=lambda a: min(date_key(e.date) for e in digest.timeline if e.entity == a))
    marks = []
    for event in digest.timeline:
        if event.entity is None:
            marks.append(_Mark(event, 0, None, "#" + article_anchor(event.article)))
            continue
        entry = entries[event.entity]
        suffix = ":" + (event.item or "").rsplit("-", 1)[-1]
        step = next(
            (s for s in entry.history if s.article == event.article and s.mention.endswith(suffix)),
            None,
        )
        lane = lanes.index(event.entity) + 1 if event.entity in lanes else len(lanes)
        href = "#" + (step_anchor(step.mention) if step else event.entity)
        marks.append(_Mark(event, max(lane, 1), step.status if step else None, href))
    titles = [entries[a].title for a in lanes]
    if len(counts) > len(lanes) and lanes:
        titles[-1] += f" (and {len(counts) - len(lanes)} more)"
    return marks, titles


def timeline_svg(digest: Digest) -> str:
    """Time runs down, one row per event; a longer gap between dates is a longer, dashed
    stretch of the axis. Lane 0 holds articles, one lane per agreement its status changes."""
    marks, lanes = _timeline_marks(digest)
    if not marks:
        return '<p class="small">No dated article or agreement event.</p>'
    date_w, lane_w = 92, 26
    text_x = date_w + lane_w * (len(lanes) + 1) + 10
    width = text_x + 430
    rows: list[str] = []
    y = 40
    previous: dt.date | None = None
    last_y: dict[int, int] = {}
    lines: list[str] = []
    gaps: list[str] = []
    for mark in marks:
        day = _day(mark.event.date)
        if previous is not None and day is not None and (day - previous).days > 45:
            months = round((day - previous).days / 30.4)
            gaps.append(
                f'<text class="faint" x="{date_w - 8}" y="{y + 4}" text-anchor="end" '
                f'font-size="{FONT - 2}">{months} months later</text>'
            )
            y += ROW
        previous = day or previous
        cx = date_w + lane_w * mark.lane + lane_w // 2
        if mark.lane in last_y and mark.lane > 0:
            lines.append(
                f'<line class="lane" x1="{cx}" y1="{last_y[mark.lane]}" x2="{cx}" y2="{y}"/>'
            )
        last_y[mark.lane] = y
        event = mark.event
        whole = f"{event.date}: {event.label}" + (
            f" (\u201c{event.text}\u201d)" if event.text else ""
        )
        shape = (
            f'<circle class="article" cx="{cx}" cy="{y}" r="5"/>'
            if mark.lane == 0
            else f'<rect class="st-{STATUS_CLASS.get(mark.status or "", "other")}" '
            f'x="{cx - 6}" y="{y - 6}" width="12" height="12" '
            f'transform="rotate(45 {cx} {y})"/>'
        )
        rows.append(
            f'<a href="{_e(mark.href)}"><title>{_e(whole)}</title>'
            f'<text x="{date_w - 8}" y="{y + 4}" text-anchor="end">{_e(event.date)}</text>'
            f"{shape}"
            f'<text x="{text_x}" y="{y + 4}">{_e(_cut(event.label, 58))}</text></a>'
        )
        y += ROW
    height = y
    heads = [
        f'<text class="faint" x="{date_w + lane_w * k + lane_w // 2}" y="16" '
        f'text-anchor="middle" font-size="{FONT - 2}">{"Art" if k == 0 else f"A{k}"}</text>'
        for k in range(len(lanes) + 1)
    ]
    axis = (
        f'<line class="axis" x1="{date_w + lane_w // 2}" y1="28" '
        f'x2="{date_w + lane_w // 2}" y2="{height - ROW + 6}"/>'
    )
    svg = (
        f'<svg class="picture" role="img" aria-labelledby="timeline-title" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'font-size="{FONT}"><title id="timeline-title">Timeline: {len(marks)} events</title>'
        + axis
        + "".join(lines + heads + gaps + rows)
        + "</svg>"
    )
    legend = "".join(f"<li><strong>A{k}</strong> {_e(t)}</li>" for k, t in enumerate(lanes, 1))
    key = (
        '<p class="small legend-key"><svg width="12" height="12" aria-hidden="true">'
        '<circle class="article" cx="6" cy="6" r="5"/></svg> article published '
        + "".join(
            f'<svg width="12" height="12" aria-hidden="true"><rect class="st-{c}" x="1" y="1" '
            f'width="10" height="10"/></svg> {label} '
            for c, label in (
                ("ok", "agreed, signed, in force"),
                ("ext", "extended"),
                ("pending", "proposed, negotiating"),
                ("bad", "suspended, broken, withdrawn"),
            )
        )
        + "</p>"
    )
    return (
        f'<figure class="picture-box" id="timeline-picture"><div class="scroll">{svg}</div>'
        f"<figcaption>{key}<ol class='lanes small'>{legend}</ol></figcaption></figure>"
    )


def _category(kind: str) -> str:
    return "acc" if kind in ACCUSING else "den" if kind in DENYING else "say"


def claims_svg(digest: Digest, names: dict[str, str]) -> str:
    """Claimants on the left, whom they spoke about on the right; one line per claimant,
    target and kind of claim (accusation, denial, anything else), thicker for more claims,
    linking to the first such claim's quote."""
    about = [c for c in digest.claims if c.target_key]
    if not about:
        return '<p class="small">No claim names whom it is about.</p>'
    count_by: dict[str, int] = defaultdict(int)
    count_about: dict[str, int] = defaultdict(int)
    for c in about:
        count_by[c.claimant_key] += 1
        count_about[c.target_key or ""] += 1
    right = sorted(count_about, key=lambda k: (-count_about[k], names.get(k, k)))[:MAX_PEOPLE]
    drawn: dict[str, int] = defaultdict(int)
    for c in about:
        if c.target_key in right:
            drawn[c.claimant_key] += 1
    left = sorted(drawn, key=lambda k: (-drawn[k], names.get(k, k)))[:MAX_PEOPLE]
    groups: dict[tuple[str, str, str], list[ClaimEntry]] = defaultdict(list)
    for c in about:
        if c.claimant_key in left and c.target_key in right:
            groups[(c.claimant_key, c.target_key or "", _category(c.kind))].append(c)
    label_w, gap = 200, 220
    width = label_w * 2 + gap
    rows = max(len(left), len(right))
    height = 40 + rows * ROW
    y_left = {k: 40 + i * ROW for i, k in enumerate(left)}
    y_right = {k: 40 + i * ROW for i, k in enumerate(right)}
    x1, x2 = label_w + 8, label_w + gap - 8
    edges = []
    offset = {"acc": -3, "den": 3, "say": 0}
    for (who, whom, cat), claims in sorted(groups.items(), key=lambda g: g[0][2] != "say"):
        ya, yb = y_left[who] + offset[cat], y_right[whom] + offset[cat]
        kinds = ", ".join(sorted({c.kind.replace("_", " ") for c in claims}))
        tip = (
            f"{names.get(who, who)} about {names.get(whom, whom)}: {len(claims)} claim(s), "
            f"{kinds}. First: {claims[0].statement}"
        )
        mid = (x1 + x2) / 2
        edges.append(
            f'<a href="#{_e(claim_anchor(claims[0].id))}"><title>{_e(tip)}</title>'
            f'<path class="edge {cat}" d="M{x1},{ya} C{mid},{ya} {mid},{yb} {x2},{yb}" '
            f'stroke-width="{min(1 + len(claims) / 2, 4)}" marker-end="url(#arrow-{cat})"/></a>'
        )
    labels = [
        f'<a href="#{_e(claim_anchor(digest.claims_by_claimant[k][0]))}">'
        f"<title>{_e(names.get(k, k))}: {count_by[k]} claim(s) about others</title>"
        f'<text x="{label_w}" y="{y + 4}" text-anchor="end">{_e(_cut(names.get(k, k), 26))}'
        "</text></a>"
        for k, y in y_left.items()
    ] + [
        f'<a href="#{_e(claim_anchor(digest.claims_by_target[k][0]))}">'
        f"<title>{_e(names.get(k, k))}: {count_about[k]} claim(s) about them</title>"
        f'<text x="{label_w + gap}" y="{y + 4}">{_e(_cut(names.get(k, k), 26))}</text></a>'
        for k, y in y_right.items()
    ]
    markers = "".join(
        f'<marker id="arrow-{cat}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" '
        f'markerHeight="9" markerUnits="userSpaceOnUse" orient="auto"><path class="head {cat}" '
        'd="M0,0 L10,5 L0,10 z"/></marker>'
        for cat in ("acc", "den", "say")
    )
    heads = (
        f'<text class="faint" x="{label_w}" y="18" text-anchor="end">Who said it</text>'
        f'<text class="faint" x="{label_w + gap}" y="18">About whom</text>'
    )
    hidden = len(count_by) - len(left) + len(count_about) - len(right)
    svg = (
        f'<svg class="picture" role="img" aria-labelledby="claims-title" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'font-size="{FONT}"><title id="claims-title">Who made claims about whom: '
        f"{len(about)} claims</title><defs>{markers}</defs>"
        + heads
        + "".join(edges + labels)
        + "</svg>"
    )
    key = (
        '<p class="small legend-key"><span class="swatch acc"></span> accusation or '
        'condemnation <span class="swatch den"></span> denial <span class="swatch say"></span> '
        "any other claim; a thicker line is more claims"
        + (f"; {hidden} less frequent name(s) are only in the tables" if hidden > 0 else "")
        + ".</p>"
    )
    return (
        f'<figure class="picture-box" id="claims-picture"><div class="scroll">{svg}</div>'
        f"<figcaption>{key}</figcaption></figure>"
    )


CSS = """
.picture-box{margin:1rem 0}
.picture{display:block;width:100%;min-width:30rem;height:auto;fill:var(--fg);font-family:inherit}
.picture text{fill:var(--fg)}.picture .faint{fill:var(--muted)}
.picture a:hover text{text-decoration:underline}.picture a:focus{outline:2px solid var(--link)}
.picture .axis{stroke:var(--muted);stroke-width:2}
.picture .lane{stroke:var(--muted);stroke-width:1.5;stroke-dasharray:3 3}
.picture .article{fill:var(--muted)}
.picture .st-ok{fill:var(--ok)}.picture .st-ext{fill:var(--ext)}
.picture .st-pending{fill:var(--pending)}.picture .st-bad{fill:var(--bad)}
.picture .st-other{fill:var(--muted)}
.picture .edge{fill:none;stroke:var(--say);opacity:.55}.picture a:hover .edge{opacity:1}
.picture .edge.acc,.picture .edge.den{opacity:.95}
.picture .edge.acc{stroke:var(--bad)}.picture .edge.den{stroke:var(--ok);stroke-dasharray:6 3}
.picture .head.say{fill:var(--say)}.picture .head.acc{fill:var(--bad)}
.picture .head.den{fill:var(--ok)}
.legend-key svg{vertical-align:middle}.legend-key .st-ok{fill:var(--ok)}
.legend-key .st-ext{fill:var(--ext)}.legend-key .st-pending{fill:var(--pending)}
.legend-key .st-bad{fill:var(--bad)}.legend-key .article{fill:var(--muted)}
.swatch{display:inline-block;width:1.6em;height:.3em;vertical-align:middle;background:var(--say)}
.swatch.acc{background:var(--bad)}.swatch.den{background:var(--ok)}
ol.lanes{list-style:none;padding:0;margin:.3rem 0}
"""
