"""brief_frame and BriefMapper: one row out per row in, failures as rows, a fixed schema, and
a mapper that pickles without a client or a key (FakeModel, or the benchmarks' fake OpenAI
server on 127.0.0.1 for the mapper, which builds its own client)."""

from __future__ import annotations

import os
import pickle
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from briefing import (
    BriefMapper,
    ConfigurationError,
    FrameSettings,
    brief_frame,
    frame_schema,
    load_article,
)
from briefing.models import Brief
from briefing.testing import FakeModel, HTTPFailure

from .conftest import ROOT, SEEDS, authored

pd = pytest.importorskip("pandas")
pa = pytest.importorskip("pyarrow")

SERVER = ROOT / "benchmarks" / "fake_openai_server.py"
STEMS = [p.stem for p in SEEDS if (ROOT / "cassettes" / "authored" / f"{p.stem}.json").exists()]


class FakeServer:
    """benchmarks/fake_openai_server.py in a child process on 127.0.0.1 (fast and with
    limits far away unless told otherwise); it answers an article that ends with
    `marker(item, stem)` with that seed's authored reply, anything else with `{}`."""

    def __init__(self, *args: str) -> None:
        command = [sys.executable, str(SERVER), "--speed", "100", "--tpm", "1e8", *args]
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith("PORT "):
            self.stop()
            raise RuntimeError(f"the fake OpenAI server did not start: {line!r}")
        self.base_url = f"http://127.0.0.1:{int(line.split()[1])}/v1"

    def stop(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(timeout=20)


def marked(stem: str, item: str) -> str:
    """A seed's text with the sentence that makes the fake server answer with its reply."""
    text = load_article(ROOT / "seeds" / f"{stem}.txt").text
    return f"{text}\n\nThis copy is benchmark item {item} of {stem}."


def seed_frame(stems: list[str], index: list[Any] | None = None) -> Any:
    rows = []
    for stem in stems:
        article = load_article(ROOT / "seeds" / f"{stem}.txt")
        rows.append({"text": article.text, "published": article.published,
                     "source": article.source, "title": article.title})  # fmt: skip
    return pd.DataFrame(rows, index=index)


def by_text(request: dict[str, Any]) -> dict[str, Any]:
    """FakeModel's answer: the authored reply of the seed whose text the request carries."""
    content = "".join(str(m.get("content") or "") for m in request["messages"])
    for stem in STEMS:
        if load_article(ROOT / "seeds" / f"{stem}.txt").text[:300] in content:
            return authored(stem)
    return {}


@pytest.fixture(scope="module")
def server() -> Iterator[FakeServer]:
    running = FakeServer()
    yield running
    running.stop()


def test_one_row_per_row_in_order_and_index_with_the_schemas_exact_types() -> None:
    stems = [STEMS[2], STEMS[0], STEMS[1]]
    df = seed_frame(stems, index=[10, 5, 7])
    fake = FakeModel(function=by_text)
    out = brief_frame(df, source="source", title="title", client=fake.async_client(), cache=False)
    assert list(out.index) == [10, 5, 7]
    assert list(out.columns) == frame_schema().names
    assert list(out.dtypes) == [pd.ArrowDtype(f.type) for f in frame_schema()]
    table = pa.Table.from_pandas(out, preserve_index=False)
    assert [(f.name, f.type) for f in table.schema] == [(f.name, f.type) for f in frame_schema()]
    assert out["ok"].tolist() == [True, True, True]
    assert out["headline"].tolist() == [authored(s)["headline"] for s in stems]
    for (_, row), stem in zip(out.iterrows(), stems, strict=True):
        brief = Brief.from_json(row["brief"])
        assert row["key"] == brief.article.key and brief.article.text.startswith(
            load_article(ROOT / "seeds" / f"{stem}.txt").text[:200]
        )
        assert row["officials"] == len(brief.officials) and row["claims"] == len(brief.claims)
        assert row["total_tokens"] == brief.record.usage.total_tokens > 0
        assert row["model"] == brief.record.model and row["error_type"] is pd.NA


def test_bad_rows_and_a_failing_article_are_error_rows_beside_the_good_ones() -> None:
    good = seed_frame([STEMS[0]])
    df = pd.DataFrame(
        {
            "text": [good["text"][0], "   ", None, good["text"][0], "A short text.\nThat fails."],
            "published": [good["published"][0], None, None, "29 June", None],
        }
    )

    def answer(request: dict[str, Any]) -> Any:
        content = "".join(str(m.get("content") or "") for m in request["messages"])
        return HTTPFailure(500) if "That fails." in content else by_text(request)

    fake = FakeModel(function=answer)
    out = brief_frame(df, client=fake.async_client(), cache=False, transport_retries=1)
    assert len(out) == 5 and out["ok"].tolist() == [True, False, False, False, False]
    assert out["error_type"].tolist()[1:4] == ["InputError"] * 3
    assert "empty" in out["error_message"][1] and "empty" in out["error_message"][2]
    assert "'29 June'" in out["error_message"][3]
    assert out["error_type"][4] == "TransportError"
    assert out["error_message"][4] and out["key"][4] is not pd.NA
    assert out["brief"][1:].isna().all() and out["headline"][1:].isna().all()
    assert (out["total_tokens"][1:4] == 0).all()


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"text": "body"}, "text='body'"),
        ({"source": "outlet"}, "source='outlet'"),
        ({"keep": ["id"]}, "keep='id'"),
        ({"mode": "yaml"}, "yaml"),
        ({"concurrency": 0}, "concurrency"),
        ({"max_tokens_per_minute": -1}, "max_tokens_per_minute"),
    ],
)
def test_bad_options_are_refused_before_any_request(options: dict[str, Any], named: str) -> None:
    fake = FakeModel(function=by_text)
    with pytest.raises(ConfigurationError, match=named.replace("(", r"\(")):
        brief_frame(seed_frame(STEMS[:2]), client=fake.async_client(), cache=False, **options)
    assert fake.requests == []


def test_a_missing_published_column_says_how_to_go_without_dates() -> None:
    df = pd.DataFrame({"text": ["An article.\nWith two lines."]})
    with pytest.raises(ConfigurationError, match=r"published=None"):
        brief_frame(df, client=FakeModel().async_client())
    out = brief_frame(df, published=None, client=FakeModel([authored(STEMS[0])]).async_client())
    assert len(out) == 1  # the reply's quotes are not in this text: ok or not, it is a row


def test_kept_columns_come_first_and_an_empty_frame_has_the_schema() -> None:
    df = seed_frame(STEMS[:1]).assign(id=["a-1"])
    out = brief_frame(df, keep=["id"], client=FakeModel(function=by_text).async_client())
    assert list(out.columns) == ["id", *frame_schema().names] and out["id"][0] == "a-1"
    empty = brief_frame(df.iloc[:0], client=FakeModel().async_client())
    assert len(empty) == 0 and list(empty.dtypes) == [pd.ArrowDtype(f.type) for f in frame_schema()]


def test_settings_are_checked_where_the_job_is_defined() -> None:
    with pytest.raises(ConfigurationError, match="mode"):
        FrameSettings(mode="yaml")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="max_retries"):
        FrameSettings(max_retries=99)
    with pytest.raises(ConfigurationError, match="keep"):
        FrameSettings(keep=("headline",))


def test_the_mapper_pickles_without_a_client_or_a_key_and_briefs_batches(
    server: FakeServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FRAME_TEST_KEY", "sk-secret-do-not-log")
    shared = str(tmp_path / "shared")
    settings = FrameSettings(base_url=server.base_url, api_key_env="FRAME_TEST_KEY",
                             cache=shared, keep=("id",), published=None)  # fmt: skip
    mapper = pickle.loads(pickle.dumps(BriefMapper(settings)))
    assert mapper.settings == settings
    df = pd.DataFrame(
        {"id": [1, 2, 3], "text": [marked(STEMS[0], "m-1"), "", marked(STEMS[1], "m-2")]}
    )
    out = mapper(df)
    assert out["id"].tolist() == [1, 2, 3] and out["ok"].tolist() == [True, False, True]
    assert out["headline"][0] == authored(STEMS[0])["headline"]
    blob = pickle.dumps(mapper)  # used: its worker holds a live client, the pickle does not
    assert b"sk-secret" not in blob and "sk-secret" not in repr(mapper)
    assert len(blob) < 2_000
    # Spark's form: an iterator of batches in, one frame out per batch; the second mapper
    # (another worker, same cache folder) answers from the shared cache
    other = BriefMapper(FrameSettings(base_url=server.base_url, api_key_env=None, published=None,
                                      cache=shared))  # fmt: skip
    frames = list(other(iter([df[["text"]].iloc[:1], df[["text"]].iloc[1:]])))
    assert [len(f) for f in frames] == [1, 2]
    assert frames[0]["from_cache"].tolist() == [True] and frames[0]["total_tokens"][0] == 0
    assert frames[1]["ok"].tolist() == [False, True]


def test_an_endpoint_that_keeps_failing_gives_error_rows_not_an_exception() -> None:
    with socket.socket() as probe:  # a port nothing listens on: every request is refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = FrameSettings(base_url=f"http://127.0.0.1:{port}/v1", api_key_env=None,
                             cache=False, published=None, transport_retries=1)  # fmt: skip
    out = BriefMapper(settings)(pd.DataFrame({"text": ["An article.\nWith two lines.", ""]}))
    assert out["ok"].tolist() == [False, False]
    assert out["error_type"].tolist() == ["TransportError", "InputError"]
    assert "connect" in out["error_message"][0].lower() and out["key"][0] is not pd.NA


def test_a_workers_token_budget_holds_across_its_batches(
    server: FakeServer, tmp_path: Path
) -> None:
    settings = FrameSettings(
        base_url=server.base_url,
        api_key_env=None,
        cache=False,
        published=None,
        max_total_tokens=100,
        concurrency=1,
        max_article_tokens=24_001,
    )  # fmt: skip  (its own worker)
    mapper = BriefMapper(settings)
    first = mapper(pd.DataFrame({"text": [marked(STEMS[0], "b-1")]}))
    assert first["ok"].tolist() == [True] and first["total_tokens"][0] > 100
    second = mapper(pd.DataFrame({"text": [marked(STEMS[1], "b-2")]}))
    assert second["error_type"].tolist() == ["BudgetExceededError"]


def test_a_missing_key_on_the_worker_is_a_configuration_error_naming_the_variable() -> None:
    mapper = BriefMapper(FrameSettings(api_key_env="FRAME_TEST_UNSET_KEY", published=None))
    assert "FRAME_TEST_UNSET_KEY" not in os.environ
    with pytest.raises(ConfigurationError, match="FRAME_TEST_UNSET_KEY"):
        mapper(pd.DataFrame({"text": ["An article.\nWith two lines."]}))
