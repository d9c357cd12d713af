"""A Brief as pandas DataFrames, one row per item, for analysts who live in notebooks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from briefing.errors import ConfigurationError

if TYPE_CHECKING:
    from briefing.models import Brief, Evidence


def _evidence_columns(evidence: list[Evidence]) -> dict[str, Any]:
    return {
        "evidence": [e.quote for e in evidence],
        "spans": [(e.start, e.end) for e in evidence],
    }


def tables(brief: Brief) -> dict[str, Any]:
    try:
        import pandas as pd
    except ImportError:
        raise ConfigurationError(
            "brief.tables() needs pandas: pip install 'briefing[tables]'"
        ) from None
    article = brief.article.name or brief.article.key
    rows: dict[str, list[dict[str, Any]]] = {
        "officials": [
            {
                "name": o.name,
                "title": o.title,
                "affiliation": o.affiliation,
                "country": o.country,
                "other_names": o.names[1:],
                **_evidence_columns(o.evidence),
            }
            for o in brief.officials
        ],
        "agreements": [
            {
                **a.model_dump(exclude={"evidence", "date"}),
                "date_text": a.date.text if a.date else None,
                "date": a.date.value if a.date else None,
                "date_precision": a.date.precision if a.date else None,
                **_evidence_columns(a.evidence),
            }
            for a in brief.agreements
        ],
        "claims": [
            {**c.model_dump(exclude={"evidence"}), **_evidence_columns(c.evidence)}
            for c in brief.claims
        ],
        "key_points": [{"text": p.text, **_evidence_columns(p.evidence)} for p in brief.key_points],
    }
    frames = {}
    for name, items in rows.items():
        frame = pd.DataFrame(items)
        frame.insert(0, "article", article)
        frames[name] = frame
    return frames
