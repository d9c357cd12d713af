from __future__ import annotations

import sys
from typing import Any

import pytest

from briefing import Article, ConfigurationError, generate_brief
from briefing.testing import FakeModel


def test_tables_one_row_per_item_with_evidence(
    first_article: Article, first_payload: dict[str, Any]
) -> None:
    pytest.importorskip("pandas")
    brief = generate_brief(first_article, client=FakeModel([first_payload]).client())
    frames = brief.tables()
    assert set(frames) == {"officials", "agreements", "claims", "key_points"}
    officials = frames["officials"]
    assert len(officials) == len(brief.officials)
    radan = officials.set_index("name").loc["Ahmad-Reza Radan"]
    assert "Radan" in radan["other_names"]
    assert radan["evidence"][0] in first_article.text
    agreement = frames["agreements"].iloc[0]
    assert (agreement["date"], agreement["date_precision"]) == ("2023-06-28", "day")
    assert agreement["article"] == first_article.name
    assert list(frames["claims"]["kind"]) == [c.kind for c in brief.claims]


def test_missing_pandas_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, first_article: Article, first_payload: dict[str, Any]
) -> None:
    brief = generate_brief(first_article, client=FakeModel([first_payload]).client())
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ConfigurationError, match=r"briefing\[tables\]"):
        brief.tables()
