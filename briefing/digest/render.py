"""The digest as one self-contained HTML page (beside the articles' own pages), Markdown, and
pandas tables. Every string from an article or a model is escaped."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

from briefing.digest.model import ArticleRef, Changes, ClaimEntry, Digest
from briefing.digest.pictures import CSS as PICTURES_CSS
from briefing.digest.pictures import (
    article_anchor,
    claim_anchor,
    claims_svg,
    step_anchor,
    timeline_svg,
)
from briefing.render.page import escape_markdown as _md

CSS = (
    """
:root{color-scheme:light dark;--bg:#fff;--fg:#1d232b;--muted:#5a6472;--line:#d5dae1;
--head:#f4f6f9;--quote:#39424e;--link:#1a56b8;--ok:#237a4b;--ext:#2f5fb3;--pending:#8a6100;
--bad:#b3261e;--say:#6b7785}
@media (prefers-color-scheme:dark){:root{--bg:#15181c;--fg:#e3e7ec;--muted:#a3adb9;
--line:#39414b;--head:#20252b;--quote:#c9d1da;--link:#8ab4f8;--ok:#5cc98a;--ext:#7aa7f0;
--pending:#e0b44c;--bad:#f28b82;--say:#9aa5b1}}
html{background:var(--bg)}
body{font:15px/1.45 system-ui,sans-serif;max-width:72rem;margin:1.5rem auto;
padding:0 1rem;color:var(--fg);background:var(--bg);overflow-wrap:break-word}
a{color:var(--link)}
h1{font-size:1.6rem}h2{border-bottom:1px solid var(--line);margin-top:2rem}
nav{display:flex;flex-wrap:wrap;gap:.3rem 1rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
td,th{border:1px solid var(--line);padding:.25rem .5rem;vertical-align:top;text-align:left}
th{background:var(--head)}blockquote{margin:.2rem 0 .2rem 1rem;color:var(--quote);font-style:italic}
.entry{margin:1rem 0;padding:.5rem .8rem;border-left:4px solid var(--say)}
.small{color:var(--muted);font-size:.85em}
.scroll{overflow-x:auto;max-width:100%}
.side{display:grid;grid-template-columns:repeat(auto-fit,minmax(18rem,1fr));gap:1rem}
.acc{border-left-color:var(--bad)}.den{border-left-color:var(--ok)}
:target{outline:3px solid #f2c230;outline-offset:1px}
@media print{nav{display:none}}
"""
    + PICTURES_CSS
)


def _e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def _label(value: str) -> str:
    return value.replace("_", " ")


class _Links:
    def __init__(self, digest: Digest) -> None:
        self.refs = {a.key: a for a in digest.articles}
        self.claims = {c.id: c for c in digest.claims}

    def article(self, key: str, item: str | None = None, text: str | None = None) -> str:
        ref = self.refs[key]
        href = quote(ref.page) + (f"#{quote(item)}" if item else "")
        label = text if text is not None else _article_label(ref)
        return f'<a href="{_e(href)}">{_e(label)}</a>'


def _article_label(ref: ArticleRef) -> str:
    title = ref.title or ref.name or ref.key
    return f"{title} ({ref.published})" if ref.published else title


def render_html(digest: Digest) -> str:
    links = _Links(digest)
    out: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src 'none'\">",
        f"<title>Digest of {len(digest.articles)} briefings</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>Digest of {len(digest.articles)} briefings</h1>",
        '<nav><a href="#people">People</a><a href="#agreements">Agreements</a>'
        '<a href="#timeline">Timeline</a><a href="#claims">Claims</a>'
        '<a href="#disputes">Disputes</a><a href="#articles">Articles</a>'
        '<a href="#decisions">Merges</a></nav>',
    ]
    if digest.since_previous is not None:
        out += _changes_html(digest, digest.since_previous)
    out.append(f'<h2 id="people">People ({len(digest.people)})</h2>')
    for person in digest.people:
        out.append(f'<div class="entry" id="{_e(person.id)}"><h3>{_e(person.name)}</h3>')
        others = [n for n in person.names if n != person.name]
        if others:
            out.append(f"<p>Also: {_e('; '.join(others))}</p>")
        for span in person.titles:
            when = " to ".join(dict.fromkeys(d for d in (span.first, span.last) if d))
            out.append(f"<p>{_e(span.title)} <span class='small'>{_e(when)}</span></p>")
        facts = [*person.affiliations, *person.countries]
        if facts:
            out.append(f"<p class='small'>{_e(' · '.join(facts))}</p>")
        out.append("<ul>")
        for m in person.mentions:
            out.append(f"<li>{links.article(m.article, m.item)} as {_e(m.name)}")
            out += [f"<blockquote>\u201c{_e(q)}\u201d</blockquote>" for q in m.quotes]
            out.append("</li>")
        out.append("</ul>")
        said = [*person.claims_by, *person.claims_about]
        if said:
            out.append(
                f"<p class='small'>Claims: {len(person.claims_by)} by, "
                f"{len(person.claims_about)} about (see <a href='#claims'>claims</a>)</p>"
            )
        out.append("</div>")
    out.append(f'<h2 id="agreements">Agreements ({len(digest.agreements)})</h2>')
    for entry in digest.agreements:
        out.append(f'<div class="entry" id="{_e(entry.id)}"><h3>{_e(entry.title)}</h3>')
        out.append(
            f"<p>{_e(_label(entry.kind))}; parties: {_e(', '.join(entry.parties))}; "
            f"latest status: <strong>{_e(_label(entry.status))}</strong></p>"
        )
        out.append(
            '<div class="scroll"><table><tr><th>Date</th><th>Status</th><th>Article</th>'
            "<th>Quote</th></tr>"
        )
        for step in entry.history:
            when = f"{step.date or ''} ({step.date_from})" if step.date else "undated"
            item = step.mention.rsplit(":", 1)[1]
            anchor = f"b{step.article[:8]}-{item}"
            out.append(
                f'<tr id="{_e(step_anchor(step.mention))}"><td>{_e(when)}</td>'
                f"<td>{_e(_label(step.status))}</td>"
                f"<td>{links.article(step.article, anchor)}</td>"
                f"<td>{_e(step.quote or '')}</td></tr>"
            )
        out.append("</table></div></div>")
    out.append(f'<h2 id="timeline">Timeline ({len(digest.timeline)})</h2>')
    out.append(timeline_svg(digest))
    out.append('<div class="scroll"><table>')
    out.append("<tr><th>Date</th><th>What</th><th>Article</th></tr>")
    for event in digest.timeline:
        what = _e(event.label) + (
            f" <span class='small'>\u201c{_e(event.text)}\u201d</span>" if event.text else ""
        )
        out.append(
            f"<tr><td>{_e(event.date)}</td><td>{what}</td>"
            f"<td>{links.article(event.article, event.item)}</td></tr>"
        )
    out.append("</table></div>")
    out.append(f'<h2 id="claims">Claims ({len(digest.claims)})</h2>')
    names = _claimant_names(digest)
    out.append(claims_svg(digest, names))
    out.append("<h3>By claimant</h3>")
    for key, ids in digest.claims_by_claimant.items():
        out.append(f"<h4>{_e(names.get(key, key))}</h4>")
        out.append(_claims_table([links.claims[i] for i in ids], links, anchors=True))
    out.append("<h3>By target</h3>")
    for key, ids in digest.claims_by_target.items():
        out.append(f"<h4>About {_e(names.get(key, key))}</h4>")
        out.append(_claims_table([links.claims[i] for i in ids], links))
    out.append(f'<h2 id="disputes">Accusations and denials ({len(digest.disputes)})</h2>')
    for dispute in digest.disputes:
        out.append(f"<h3>About {_e(names.get(dispute.target_key, dispute.target))}</h3>")
        out.append('<div class="side"><div class="entry acc"><h4>Accused</h4>')
        out.append(_claims_table([links.claims[i] for i in dispute.accusations], links))
        out.append('</div><div class="entry den"><h4>Denied</h4>')
        out.append(_claims_table([links.claims[i] for i in dispute.denials], links))
        out.append("</div></div>")
    out.append(f'<h2 id="articles">Articles ({len(digest.articles)})</h2><ul>')
    out += [
        f'<li id="{_e(article_anchor(a.key))}">{links.article(a.key)}</li>' for a in digest.articles
    ]
    out.append("</ul>")
    out.append(f'<h2 id="decisions">Merges ({len(digest.decisions)})</h2>')
    out.append(
        "<p class='small'>Each row joined two mentions into one entity. Undo one with "
        "<code>Digest.split(entity, [mention])</code> or an overrides file "
        '<code>{"never_merge": [[a, b]]}</code>.</p>'
    )
    out.append(
        '<div class="scroll"><table><tr><th>Entity</th><th>Mention</th><th>Mention</th>'
        "<th>Why</th></tr>"
    )
    for d in digest.decisions:
        out.append(
            f"<tr><td><a href='#{_e(d.entity)}'>{_e(d.entity)}</a></td><td>{_e(d.a)}</td>"
            f"<td>{_e(d.b)}</td><td>{_e(d.reason)}</td></tr>"
        )
    out.append("</table></div></body></html>")
    return "\n".join(out) + "\n"


def _claimant_names(digest: Digest) -> dict[str, str]:
    names = {p.id: p.name for p in digest.people}
    for claim in digest.claims:
        names.setdefault(claim.claimant_key, claim.claimant)
        if claim.target_key and claim.target:
            names.setdefault(claim.target_key, claim.target)
    return names


def _claims_table(claims: list[ClaimEntry], links: _Links, *, anchors: bool = False) -> str:
    """`anchors`: the rows carry the claims' ids (once per page: the table by claimant)."""
    rows = [
        '<div class="scroll"><table><tr><th>Claimant</th><th>Kind</th><th>Statement</th>'
        "<th>Target</th><th>Article</th></tr>"
    ]
    for c in claims:
        row_id = f' id="{_e(claim_anchor(c.id))}"' if anchors else ""
        rows.append(
            f"<tr{row_id}><td>{_e(c.claimant)}</td><td>{_e(_label(c.kind))}</td><td>{_e(c.statement)}"
            + (f"<blockquote>\u201c{_e(c.quote)}\u201d</blockquote>" if c.quote else "")
            + f"</td><td>{_e(c.target or '')}</td><td>{links.article(c.article, c.item)}</td></tr>"
        )
    rows.append("</table></div>")
    return "".join(rows)


def _changes_html(digest: Digest, changes: Changes) -> list[str]:
    people = {p.id: p.name for p in digest.people}
    agreements = {a.id: a.title for a in digest.agreements}
    out = ['<h2 id="changes">Since the previous digest</h2><ul>']
    out.append(f"<li>{len(changes.new_articles)} new article(s)</li>")
    out += [
        f"<li>New person: <a href='#{_e(p)}'>{_e(people[p])}</a></li>" for p in changes.new_people
    ]
    out += [
        f"<li>New agreement: <a href='#{_e(a)}'>{_e(agreements[a])}</a></li>"
        for a in changes.new_agreements
    ]
    out += [
        f"<li>Status of <a href='#{_e(s.agreement)}'>{_e(s.title)}</a>: "
        f"{_e(_label(s.before))} \u2192 {_e(_label(s.after))}</li>"
        for s in changes.status_changes
    ]
    out.append(f"<li>{len(changes.new_claims)} new claim(s)</li></ul>")
    return out


def write_html(digest: Digest, path: Path) -> Path:
    index = path if path.suffix.lower() in (".html", ".htm") else path / "index.html"
    folder = index.parent
    folder.mkdir(parents=True, exist_ok=True)
    pages = {a.key: a.page for a in digest.articles}
    for brief in digest.briefs:
        (folder / pages[brief.article.key]).write_text(brief.to_html(), encoding="utf-8")
    index.write_text(digest.to_html(), encoding="utf-8")
    return index


def render_markdown(digest: Digest) -> str:
    refs = {a.key: a for a in digest.articles}
    claims = {c.id: c for c in digest.claims}

    def art(key: str) -> str:
        return _md(_article_label(refs[key]))

    out = [f"# Digest of {len(digest.articles)} briefings", ""]
    if digest.since_previous is not None:
        ch = digest.since_previous
        people = {p.id: p.name for p in digest.people}
        agreements = {a.id: a.title for a in digest.agreements}
        out += ["## Since the previous digest", ""]
        out.append(f"- {len(ch.new_articles)} new article(s), {len(ch.new_claims)} new claim(s)")
        out += [f"- New person: {_md(people[p])}" for p in ch.new_people]
        out += [f"- New agreement: {_md(agreements[a])}" for a in ch.new_agreements]
        out += [
            f"- {_md(s.title)}: {_label(s.before)} \u2192 {_label(s.after)}"
            for s in ch.status_changes
        ]
        out.append("")
    out += [f"## People ({len(digest.people)})", ""]
    for person in digest.people:
        out.append(f"### {_md(person.name)}")
        out.append("")
        others = [n for n in person.names if n != person.name]
        if others:
            out.append(f"Also: {_md('; '.join(others))}")
            out.append("")
        for span in person.titles:
            when = " to ".join(dict.fromkeys(d for d in (span.first, span.last) if d))
            out.append(f"- {_md(span.title)}" + (f" ({when})" if when else ""))
        for m in person.mentions:
            out.append(f"- in {art(m.article)} as {_md(m.name)}")
            out += [f"  > \u201c{_md(q)}\u201d" for q in m.quotes[:1]]
        out.append("")
    out += [f"## Agreements ({len(digest.agreements)})", ""]
    for entry in digest.agreements:
        out.append(f"### {_md(entry.title)}")
        out.append("")
        out.append(
            f"{_label(entry.kind)}; parties: {_md(', '.join(entry.parties))}; "
            f"latest status: **{_label(entry.status)}**"
        )
        out.append("")
        for step in entry.history:
            when = f"{step.date} ({step.date_from})" if step.date else "undated"
            out.append(f"- {when}: {_label(step.status)}, {art(step.article)}")
            if step.quote:
                out.append(f"  > \u201c{_md(step.quote)}\u201d")
        out.append("")
    out += [f"## Timeline ({len(digest.timeline)})", ""]
    out += [f"- {e.date}: {_md(e.label)} ({art(e.article)})" for e in digest.timeline]
    out.append("")
    names = _claimant_names(digest)
    out += [f"## Claims ({len(digest.claims)})", "", "### By claimant", ""]
    for key, ids in digest.claims_by_claimant.items():
        out.append(f"- **{_md(names.get(key, key))}**")
        for i in ids:
            c = claims[i]
            out.append(f"  - {_label(c.kind)}: {_md(c.statement)} ({art(c.article)})")
    out += ["", "### By target", ""]
    for key, ids in digest.claims_by_target.items():
        out.append(f"- **{_md(names.get(key, key))}**")
        for i in ids:
            c = claims[i]
            out.append(f"  - {_md(c.claimant)}, {_label(c.kind)}: {_md(c.statement)}")
    out += ["", f"## Accusations and denials ({len(digest.disputes)})", ""]
    for dispute in digest.disputes:
        out.append(f"### About {_md(names.get(dispute.target_key, dispute.target))}")
        out += ["", "| Accused | Denied |", "| --- | --- |"]
        acc, den = dispute.accusations, dispute.denials
        for k in range(max(len(acc), len(den))):
            cells = [
                (
                    f"{_md(claims[ids[k]].claimant)}: {_md(claims[ids[k]].statement)}"
                    if k < len(ids)
                    else ""
                )
                for ids in (acc, den)
            ]
            out.append(f"| {cells[0]} | {cells[1]} |")
        out.append("")
    out += [f"## Merges ({len(digest.decisions)})", ""]
    out += [f"- {d.entity}: {d.a} + {d.b}: {_md(d.reason)}" for d in digest.decisions]
    return "\n".join(out).rstrip() + "\n"


def tables(digest: Digest) -> dict[str, Any]:
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a dev dependency
        from briefing.errors import ConfigurationError

        raise ConfigurationError("Digest.tables() needs pandas: pip install pandas") from None
    people = [
        {
            "id": p.id,
            "name": p.name,
            "names": "; ".join(p.names),
            "titles": "; ".join(s.title for s in p.titles),
            "countries": "; ".join(p.countries),
            "articles": len(p.articles),
        }
        for p in digest.people
    ]
    mentions = [
        {"person": p.id, **m.model_dump(exclude={"quotes", "names"}), "quote": "; ".join(m.quotes)}
        for p in digest.people
        for m in p.mentions
    ]
    agreements = [
        a.model_dump(include={"id", "title", "kind", "status"})
        | {"parties": "; ".join(a.parties), "steps": len(a.history)}
        for a in digest.agreements
    ]
    history = [{"agreement": a.id, **s.model_dump()} for a in digest.agreements for s in a.history]
    disputes = [
        {"target": d.target, "accusation": x, "denial": y}
        for d in digest.disputes
        for x in d.accusations
        for y in d.denials
    ]

    def frame(rows: list[dict[str, Any]], columns: list[str]) -> Any:
        return pd.DataFrame(rows, columns=columns if not rows else None)

    return {
        "people": frame(people, ["id", "name", "names", "titles", "countries", "articles"]),
        "mentions": frame(mentions, ["person", "id", "article", "name"]),
        "agreements": frame(agreements, ["id", "title", "kind", "status", "parties", "steps"]),
        "history": frame(history, ["agreement", "status", "date", "article"]),
        "claims": frame([c.model_dump() for c in digest.claims], ["id", "claimant", "kind"]),
        "disputes": frame(disputes, ["target", "accusation", "denial"]),
        "timeline": frame([e.model_dump() for e in digest.timeline], ["date", "kind", "label"]),
        "decisions": frame(
            [d.model_dump() for d in digest.decisions], ["kind", "entity", "a", "b"]
        ),
    }
