"""Reports of an Evaluation: a table for the terminal, JSON, and one self-contained HTML page
with gold beside predicted for every article, spans highlighted, misses and false alarms shown."""

from __future__ import annotations

import html
import json
from collections import Counter
from itertools import pairwise
from pathlib import Path
from typing import Any

from briefing.errors import ConfigurationError
from briefing.eval.run import KINDS, ArticleResult, Evaluation
from briefing.eval.score import Counts
from briefing.replay.cassettes import provenance

REPLAYED = "replayed from "


def _origin(prov: dict[str, Any]) -> str:
    if prov.get("kind") == "recorded":
        day = str(prov.get("created") or "")[:10] or "an unknown date"
        return f"recorded from {prov.get('model')} at {prov.get('endpoint')} on {day}"
    return f"authored by hand (standing for {prov.get('model')}; not a model's answers)"


def answers_line(evaluation: Evaluation) -> str:
    """Where the scored answers came from, first thing a reader sees: a score of hand-written
    answers measures the pipeline and the gold, not a model."""
    if not evaluation.source.startswith(REPLAYED):
        models = Counter(
            f"{r.brief.record.model} at {r.brief.record.endpoint} on "
            f"{r.brief.record.created.date().isoformat()}"
            for r in evaluation.results
            if r.brief is not None
        )
        said = "; ".join(f"{n} from {m}" for m, n in models.items()) or "none received"
        return f"Answers: live, {said}"
    folder = Path(evaluation.source.removeprefix(REPLAYED))
    origins: Counter[str] = Counter()
    for result in evaluation.results:
        try:
            origins[_origin(provenance(folder / f"{result.name}.yaml"))] += 1
        except ConfigurationError:
            origins["no readable cassette"] += 1
    total = len(evaluation.results)
    if len(origins) == 1:
        [(origin, _)] = origins.items()
        return f"Answers: all {total} {origin}, replayed from {folder}"
    mixed = "; ".join(f"{n} of {total} {origin}" for origin, n in origins.most_common())
    return f"Answers: mixed: {mixed}; replayed from {folder}"


def _row(name: str, c: Counts) -> list[str]:
    split = f" ({c.split} split)" if c.split else ""  # the same claim in two entries
    return [name, f"{c.precision:.3f}", f"{c.recall:.3f}", f"{c.f1:.3f}",
            f"{c.matched}/{c.predicted}/{c.gold}{split}"]  # fmt: skip


def rows(evaluation: Evaluation) -> list[list[str]]:
    out = [_row(kind, evaluation.totals[kind]) for kind in KINDS]
    out.append(_row("same-person pairs", evaluation.pairs))
    return out


def attribute_rows(evaluation: Evaluation) -> list[list[str]]:
    out = []
    for kind in KINDS:
        for name, (right, asked) in evaluation.totals[kind].attributes.items():
            out.append([kind, name, f"{right / asked:.3f}" if asked else "-", f"{right}/{asked}"])
    return out


def fidelity_line(evaluation: Evaluation) -> str:
    fates = ", ".join(f"{n} {fate}" for fate, n in sorted(evaluation.fates.items()))
    proposed = sum(evaluation.fates.values()) + evaluation.unexplained
    return f"fidelity: {proposed} items proposed: {fates}; {evaluation.unexplained} unexplained"


def cost_line(evaluation: Evaluation) -> str:
    n = max(len(evaluation.results), 1)
    failed = sum(1 for r in evaluation.results if r.brief is None)
    return (
        f"cost: {evaluation.tokens / n:,.0f} tokens, ${evaluation.cost / n:.4f} and "
        f"{evaluation.repairs / n:.2f} repairs per article; {failed} article(s) failed"
    )


def table(evaluation: Evaluation, *, rich_output: bool) -> str:
    """The summary as text: a rich table on a terminal, plain aligned columns otherwise."""
    header = ["items", "precision", "recall", "F1", "matched/pred/gold"]
    lines = [answers_line(evaluation), f"{len(evaluation.results)} articles, {evaluation.source}"]
    if rich_output:
        from rich.console import Console
        from rich.table import Table

        console = Console(record=True, width=100)
        summary = Table(*header, title="briefing eval")
        for row in rows(evaluation):
            summary.add_row(*row)
        attrs = Table("items", "attribute", "accuracy", "right/asked", title="on matched items")
        for row in attribute_rows(evaluation):
            attrs.add_row(*row)
        with console.capture() as capture:
            console.print(summary, attrs)
        lines.append(capture.get().rstrip())
    else:
        widths = [18, 10, 8, 7, 18]
        for row in [header, *rows(evaluation)]:
            lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
        lines.append("")
        for row in attribute_rows(evaluation):
            lines.append(f"  {row[0]:<11} {row[1]:<12} {row[2]:>6}  ({row[3]})")
    lines += [f"mean F1 {evaluation.f1:.3f}", fidelity_line(evaluation), cost_line(evaluation)]
    lines += [f"failed: {r.name}: {r.error}" for r in evaluation.results if r.error]
    return "\n".join(lines)


def to_json(evaluation: Evaluation) -> str:
    def counts(c: Counts) -> dict[str, Any]:
        attributes = {k: {"right": r, "asked": a} for k, (r, a) in c.attributes.items()}
        return {"precision": c.precision, "recall": c.recall, "f1": c.f1, "matched": c.matched,
                "predicted": c.predicted, "gold": c.gold, "split": c.split,
                "attributes": attributes}  # fmt: skip

    articles = []
    for r in evaluation.results:
        entry: dict[str, Any] = {"name": r.name, "error": r.error}
        if r.score is not None:
            entry.update(
                {k: counts(r.score.kinds[k]) for k in KINDS},
                same_person_pairs=counts(r.score.pairs), fates=r.score.fates,
                unexplained=r.score.unexplained, tokens=r.score.tokens,
                cost_usd=r.score.cost, repairs=r.score.repairs,
            )  # fmt: skip
        articles.append(entry)
    data = {
        "answers": answers_line(evaluation),
        "source": evaluation.source,
        "mean_f1": evaluation.f1,
        **{k: counts(evaluation.totals[k]) for k in KINDS},
        "same_person_pairs": counts(evaluation.pairs),
        "fates": evaluation.fates,
        "unexplained": evaluation.unexplained,
        "tokens": evaluation.tokens,
        "cost_usd": evaluation.cost,
        "repairs": evaluation.repairs,
        "articles": articles,
    }
    return json.dumps(data, indent=2, ensure_ascii=False)


STYLE = """
:root { color-scheme: light dark; --bg: #fff; --fg: #1b1b1b; --gold: #fde68a; --pred: #bfdbfe;
  --both: #bbf7d0; --miss: #b91c1c; --line: #ddd; --link: #1a56b8; }
@media (prefers-color-scheme: dark) { :root { --bg: #161616; --fg: #e8e8e8; --gold: #6b5310;
  --pred: #1e3a8a; --both: #14532d; --miss: #f87171; --line: #444; --link: #8ab4f8; } }
html { background: var(--bg); }
body { background: var(--bg); color: var(--fg); font: 15px/1.5 system-ui, sans-serif;
  max-width: 72rem; margin: 2rem auto; padding: 0 1rem; overflow-wrap: break-word; }
a { color: var(--link); }
.answers { border-left: 4px solid var(--miss); padding: .4rem .8rem; font-weight: 600; }
.scroll { overflow-x: auto; max-width: 100%; }
table.pairs { width: 100%; table-layout: fixed; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
td, th { border: 1px solid var(--line); padding: .2rem .5rem; text-align: left;
  vertical-align: top; }
mark.g { background: var(--gold); color: inherit; }
mark.p { background: var(--pred); color: inherit; }
mark.b { background: var(--both); color: inherit; } .miss { color: var(--miss); font-weight: 600; }
.article { white-space: pre-wrap; border: 1px solid var(--line); padding: .8rem; }
section { border-top: 2px solid var(--line); margin-top: 2rem; }
"""


def _marked(text: str, gold: list[tuple[int, int]], pred: list[tuple[int, int]]) -> str:
    cuts = sorted({0, len(text), *(x for s in gold + pred for x in s)})
    out = []
    for a, b in pairwise(cuts):
        in_g = any(s <= a and b <= e for s, e in gold)
        in_p = any(s <= a and b <= e for s, e in pred)
        piece = html.escape(text[a:b])
        cls = "b" if in_g and in_p else "g" if in_g else "p" if in_p else ""
        out.append(f'<mark class="{cls}">{piece}</mark>' if cls else piece)
    return "".join(out)


def _item_label(item: Any) -> str:
    """Who or what an item is: an agreement's title, an official's name with the title
    (two presidents must not both read "President"), a claim's claimant and statement."""
    if hasattr(item, "claimant"):
        return f"{item.claimant}: {item.statement}"
    if hasattr(item, "name"):
        return f"{item.name} ({item.title})" if item.title else str(item.name)
    return str(item.title)


def _article_section(r: ArticleResult) -> str:
    e = html.escape
    parts = [f'<section id="{e(r.name)}"><h2>{e(r.name)}</h2>']
    if r.error:
        parts.append(f'<p class="miss">failed: {e(r.error)}</p>')
    gold_spans: list[tuple[int, int]] = []
    pred_spans: list[tuple[int, int]] = []
    for kind in KINDS:
        gold_items = getattr(r.gold, kind)
        pred_items = getattr(r.brief, kind) if r.brief else []
        matched = dict(r.score.matches.get(kind, [])) if r.score else {}
        matched_pred = set(matched.values())
        parts.append(
            f'<h3>{kind}</h3><table class="pairs"><tr><th>gold</th><th>predicted</th></tr>'
        )
        for i, g in enumerate(gold_items):
            gold_spans += [(s.start, s.end) for s in g.spans]
            label = _item_label(g)
            if i in matched:
                p = pred_items[matched[i]]
                plabel = _item_label(p)
                parts.append(f"<tr><td>{e(label)}</td><td>{e(plabel)}</td></tr>")
            else:
                parts.append(f'<tr><td>{e(label)}</td><td class="miss">missed</td></tr>')
        for j, p in enumerate(pred_items):
            pred_spans += [(ev.start, ev.end) for ev in p.evidence]
            if j not in matched_pred:
                plabel = _item_label(p)
                parts.append(f'<tr><td class="miss">false alarm</td><td>{e(plabel)}</td></tr>')
        parts.append("</table>")
    if r.brief is not None and r.brief.record.unverified:
        parts.append("<h3>dropped (unverified)</h3><ul>")
        parts += [
            f"<li>{e(u.label)}: {e('; '.join(u.reasons))}</li>" for u in r.brief.record.unverified
        ]
        parts.append("</ul>")
    parts.append(
        '<p>Article: <mark class="g">gold only</mark> <mark class="p">predicted only</mark> '
        '<mark class="b">both</mark></p>'
    )
    parts.append(f'<div class="article">{_marked(r.article.text, gold_spans, pred_spans)}</div>')
    parts.append("</section>")
    return "\n".join(parts)


def to_html(evaluation: Evaluation) -> str:
    """One page, inline CSS, no script, no external request."""
    e = html.escape
    summary = "".join(
        "<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in rows(evaluation)
    )
    index = "".join(
        f'<li><a href="#{e(r.name)}">{e(r.name)}</a>{" (failed)" if r.error else ""}</li>'
        for r in evaluation.results
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>briefing eval</title><style>{STYLE}</style></head><body>"
        f'<h1>briefing eval</h1><p class="answers">{e(answers_line(evaluation))}</p>'
        f"<p>{e(str(len(evaluation.results)))} articles, {e(evaluation.source)}</p>"
        '<div class="scroll"><table><tr><th>items</th><th>precision</th><th>recall</th>'
        f"<th>F1</th><th>matched/pred/gold</th></tr>{summary}</table></div>"
        f"<p>{e(fidelity_line(evaluation))}</p><p>{e(cost_line(evaluation))}</p>"
        f"<ul>{index}</ul>"
        + "".join(_article_section(r) for r in evaluation.results)
        + "</body></html>"
    )
