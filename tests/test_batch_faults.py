"""The failures around a batch: stopping, storage, a second process, odd inputs, the log.

Each test drives the public API (`generate_briefs`, the command line) into one unhappy path
and asserts that every article still ends as a Brief or a typed error, nothing paid for is
lost, and nothing is requested after the caller has left.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from briefing import (
    Article,
    BriefCache,
    BriefingError,
    InputError,
    StorageError,
    UnexpectedError,
    generate_briefs,
)
from briefing.errors import BriefingWarning
from briefing.testing import FakeModel

from .conftest import ROOT
from .fault_server import Fault, FaultServer

EMPTY = {
    "headline": "h",
    "bluf": "b",
    "key_points": [],
    "agreements": [],
    "officials": [],
    "claims": [],
}


def articles(n: int, tag: str = "") -> list[Article]:
    return [
        Article(text=f"The council met in session {tag}{i} and adjourned.", name=f"a{i}")
        for i in range(n)
    ]


class Gate:
    """A fake model whose answers wait until the test lets them through, one event each."""

    def __init__(self) -> None:
        self.asked = threading.Semaphore(0)
        self.release = threading.Semaphore(0)
        self.fake = FakeModel(function=self._answer)

    def _answer(self, request: dict[str, Any]) -> dict[str, Any]:
        self.asked.release()
        self.release.acquire(timeout=30)
        return EMPTY

    def wait_asked(self, n: int) -> None:
        for _ in range(n):
            assert self.asked.acquire(timeout=30), "the batch did not send the request"

    def let_through(self, n: int) -> None:
        for _ in range(n):
            self.release.release()

    @property
    def count(self) -> int:
        return len(self.fake.requests)


def _take_first(batch: Iterator[Any], gate: Gate, started: int) -> Any:
    """The first result, taken on another thread (a generator starts when first asked)."""
    box: list[Any] = []
    taker = threading.Thread(target=lambda: box.append(next(batch)))
    taker.start()
    gate.wait_asked(started)
    gate.let_through(1)
    taker.join(30)
    assert box, "no result came"
    return box[0]


def test_break_while_holding_the_generator_stops_new_requests() -> None:
    """After the caller stops taking results, at most the articles already started finish."""
    gate = Gate()
    batch = generate_briefs(articles(12), client=gate.fake.client(), cache=False, concurrency=2)
    assert _take_first(batch, gate, started=2).ok
    gate.let_through(100)  # the other article in flight finishes
    time.sleep(0.5)  # room for anything that would still start (there must be nothing)
    assert gate.count == 2  # a slot is freed when the caller comes back for the next result
    batch.close()
    assert gate.count == 2


def test_close_cancels_what_is_in_flight() -> None:
    gate = Gate()
    batch = generate_briefs(articles(6), client=gate.fake.client(), cache=False, concurrency=3)
    _take_first(batch, gate, started=3)
    batch.close()  # returns once the batch has wound down
    sent = gate.count
    gate.let_through(100)
    time.sleep(0.3)
    assert gate.count == sent <= 4


def _script(tmp_path: Path, body: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "script.py"
    path.write_text(textwrap.dedent(body))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BRIEFING_CACHE_DIR": str(tmp_path / "c")}
    return subprocess.run(
        [sys.executable, str(path)], env=env, capture_output=True, text=True, timeout=120
    )


def test_an_exception_in_the_loop_body_lets_the_process_exit(tmp_path: Path) -> None:
    done = _script(
        tmp_path,
        f"""
        from briefing import Article, generate_briefs
        from briefing.testing import FakeModel
        fake = FakeModel(function=lambda request: {EMPTY!r})
        items = [Article(text=f"The council met {{i}}.") for i in range(20)]
        for result in generate_briefs(items, client=fake.client(), cache=False):
            raise SystemExit("left the loop with " + type(result).__name__)
        """,
    )
    assert done.returncode == 1 and "left the loop with BriefResult" in done.stderr


def _folder(tmp_path: Path, n: int) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(n):
        (folder / f"a{i}.txt").write_text(f"date 2024-01-01\n\nThe council met {i}.\n")
    return folder


def _env(server: FaultServer, tmp_path: Path) -> dict[str, str]:
    """The command's environment: no key or endpoint of the user's, the fault server's."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "BRIEFING_"))}
    return clean | {
        "OPENAI_BASE_URL": server.url,
        "BRIEFING_MODEL": "m",
        "BRIEFING_MODE": "json",
        "BRIEFING_CACHE_DIR": str(tmp_path / "cache"),
    }


def test_ctrl_c_in_the_command_exits_130_and_sends_nothing_after(tmp_path: Path) -> None:
    folder = _folder(tmp_path, 8)
    with FaultServer() as server:
        server.default = Fault.slow(30, EMPTY)
        env = _env(server, tmp_path)
        child = subprocess.Popen(
            [sys.executable, "-m", "briefing.cli.main", "--concurrency", "2", str(folder)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while server.count < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=60)
        sent = server.count
        time.sleep(0.3)
        assert server.count == sent == 2
    assert child.returncode == 130, err
    assert "Traceback" not in err and err.rstrip().endswith("briefing: interrupted")


def test_a_wrong_key_ends_the_command_with_exit_2_for_every_file(tmp_path: Path) -> None:
    folder = _folder(tmp_path, 10)
    with FaultServer() as server:
        server.default = Fault.status(401)
        env = _env(server, tmp_path) | {"OPENAI_API_KEY": "gsk_not_a_real_key_0123456789"}
        done = subprocess.run(
            [sys.executable, "-m", "briefing.cli.main", str(folder)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("rejected the credentials") >= 1
    assert "gsk_not_a_real_key" not in done.stderr


# storage --------------------------------------------------------------------------------


def _briefs(items: list[Article] | list[Path], **options: Any) -> list[Any]:
    fake = FakeModel(function=lambda request: EMPTY)
    return list(generate_briefs(items, client=fake.client(), **options))


def test_a_cache_folder_that_is_a_file_costs_the_cache_not_the_batch(tmp_path: Path) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("not a folder")
    with pytest.warns(BriefingWarning, match="cache is off"):
        results = _briefs(articles(4), cache=BriefCache(blocker))
    assert [r.ok for r in results] == [True] * 4


def test_a_folder_where_a_cache_entry_should_be_is_a_miss(tmp_path: Path) -> None:
    cache = BriefCache(tmp_path / "cache")
    _briefs(articles(2), cache=cache)
    entries = list((tmp_path / "cache").glob("*/*.json"))
    assert len(entries) == 2
    entries[0].unlink()
    entries[0].mkdir()
    with pytest.warns(BriefingWarning, match="cache is off"):
        results = _briefs(articles(2), cache=BriefCache(tmp_path / "cache"))
    assert all(r.ok for r in results)


def test_a_cached_brief_of_another_article_is_not_served(tmp_path: Path) -> None:
    cache = BriefCache(tmp_path / "cache")
    items = articles(2)
    _briefs(items, cache=cache)
    one, two = sorted((tmp_path / "cache").glob("*/*.json"))
    one.write_bytes(two.read_bytes())  # an entry whose Brief is another article's
    fake = FakeModel(function=lambda request: EMPTY)
    again = list(generate_briefs(items, client=fake.client(), cache=BriefCache(tmp_path / "cache")))
    assert len(fake.requests) == 1 and sum(r.cached for r in again) == 1
    assert all(r.brief is not None and r.brief.article.text == a.text for r, a in zip(
        sorted(again, key=lambda r: r.source), items, strict=True))  # fmt: skip


def _mount(tmp_path: Path, *options: str) -> Path:
    where = tmp_path / "mnt"
    where.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", ",".join(options), "tmpfs", str(where)],
        capture_output=True,
    )
    if done.returncode != 0:
        pytest.skip("this machine does not allow a small or read-only filesystem (mount)")
    return where


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    where = _mount(tmp_path, "size=16k")
    yield where
    subprocess.run(["umount", str(where)], check=False)


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[Path]:
    where = _mount(tmp_path, "size=64k")
    subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True)
    yield where
    subprocess.run(["umount", str(where)], check=False)


def test_a_full_disk_turns_the_cache_off_and_every_article_is_briefed(small_disk: Path) -> None:
    with pytest.warns(BriefingWarning, match="cache is off"):
        results = _briefs(articles(8), cache=BriefCache(small_disk / "cache"), concurrency=2)
    assert len(results) == 8 and all(r.ok for r in results)


def test_a_read_only_cache_folder_costs_the_cache_not_the_batch(read_only: Path) -> None:
    with pytest.warns(BriefingWarning, match="cache is off"):
        results = _briefs(articles(3), cache=BriefCache(read_only / "cache"))
    assert all(r.ok for r in results)


def test_a_log_in_a_read_only_folder_is_refused_before_any_request(read_only: Path) -> None:
    fake = FakeModel(function=lambda request: EMPTY)
    with pytest.raises(StorageError, match="cannot be opened"):
        list(generate_briefs(articles(3), client=fake.client(), output=read_only / "log.jsonl"))
    assert fake.requests == []


def test_a_log_on_a_full_disk_stops_new_articles_and_returns_those_in_flight(
    small_disk: Path,
) -> None:
    filler = small_disk / "filler"
    log = small_disk / "log.jsonl"
    log.touch()
    with filler.open("wb", buffering=0) as out:  # fill the disk to the last block
        try:
            while True:
                out.write(b"x" * 512)
        except OSError:
            pass
    items = articles(6)
    fake = FakeModel(function=lambda request: EMPTY)
    with pytest.warns(BriefingWarning, match="could not be written"):
        results = list(
            generate_briefs(items, client=fake.client(), cache=False, output=log, concurrency=2)
        )
    assert len(results) == 6  # nothing missing
    briefed = [r for r in results if r.ok]
    stopped = [r for r in results if isinstance(r.error, StorageError)]
    assert len(briefed) + len(stopped) == 6
    assert 1 <= len(briefed) <= 3 and len(fake.requests) == len(briefed)


def test_the_log_reader_skips_foreign_and_corrupt_lines_and_keeps_the_rest(
    tmp_path: Path,
) -> None:
    log = tmp_path / "log.jsonl"
    items = articles(4)
    _briefs(items[:3], cache=False, output=log)
    lines = log.read_text().splitlines()
    log.write_text("\n".join([lines[0], "{}", "[1]", "not json {", lines[1], lines[2]]) + "\n")
    fake = FakeModel(function=lambda request: EMPTY)
    with pytest.warns(BriefingWarning, match="skipped 3 line"):
        results = list(generate_briefs(items, client=fake.client(), cache=False, output=log))
    assert len(fake.requests) == 1  # only the fourth article: the lines after the bad ones count
    assert sum(r.resumed for r in results) == 3


def test_texts_that_begin_alike_are_each_briefed(tmp_path: Path) -> None:
    dateline = "WASHINGTON (Reuters) - The council met on Monday in closed session "
    items = [f"{dateline} and item {i} was the last." for i in range(3)]
    fake = FakeModel(function=lambda request: EMPTY)
    results = list(
        generate_briefs(items, client=fake.client(), cache=False, output=tmp_path / "l.jsonl")
    )
    assert all(r.ok for r in results) and len(fake.requests) == 3


def test_a_file_that_failed_to_load_is_read_again_once_fixed(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("   \n")
    log = tmp_path / "log.jsonl"
    first = _briefs([path], cache=False, output=log)
    assert isinstance(first[0].error, InputError)
    path.write_text("date 2024-01-01\n\nThe council met and adjourned.\n")
    again = _briefs([path], cache=False, output=log)
    assert again[0].ok


def test_duplicate_articles_in_one_batch_are_paid_once(tmp_path: Path) -> None:
    one = articles(1)[0]
    fake = FakeModel(function=lambda request: EMPTY)
    results = list(
        generate_briefs(
            [one, one, one], client=fake.client(), cache=BriefCache(tmp_path / "c"), concurrency=3
        )
    )
    assert len(results) == 3 and all(r.ok for r in results)
    assert len(fake.requests) == 1


# a second process ----------------------------------------------------------------------


def test_a_second_process_on_one_log_is_refused_naming_the_first(tmp_path: Path) -> None:
    log = tmp_path / "results.jsonl"
    requests = tmp_path / "requests.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.batch_child", str(log), str(requests)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not requests.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        fake = FakeModel(function=lambda request: EMPTY)
        with pytest.raises(StorageError, match=f"process {child.pid}"):
            list(generate_briefs(articles(2), client=fake.client(), output=log))
        assert fake.requests == []
    finally:
        _, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert all(r["status"] == "ok" for r in records)  # the first one's results all landed


def test_two_processes_on_one_cache_both_finish(tmp_path: Path) -> None:
    body = f"""
        from briefing import Article, BriefCache, generate_briefs
        from briefing.testing import FakeModel
        fake = FakeModel(function=lambda request: {EMPTY!r})
        items = [Article(text=f"The council met in session {{i}}.") for i in range(30)]
        results = list(generate_briefs(items, client=fake.client(), concurrency=8,
                                       cache=BriefCache({str(tmp_path / "shared")!r})))
        print(sum(r.ok for r in results))
    """
    script = tmp_path / "one.py"
    script.write_text(textwrap.dedent(body))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs = [
        subprocess.Popen(
            [sys.executable, str(script)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outs = [run.communicate(timeout=120) for run in runs]
    assert [out.strip() for out, _ in outs] == ["30", "30"], outs
    assert not list((tmp_path / "shared").glob("*/*.tmp"))


# odd inputs ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "The council met \ud800 and adjourned.",  # a lone surrogate
        "The council met\x00 and adjourned.",
        "\x00\x01\x02\x03" * 50,
        "The council met and adjourned. " * 170_000,  # 5 MB
    ],
    ids=["lone surrogate", "NUL byte", "binary", "5 MB"],
)
def test_an_odd_text_is_its_own_typed_error_and_the_batch_goes_on(text: str) -> None:
    fake = FakeModel(function=lambda request: EMPTY)
    good = articles(2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BriefingWarning)
        results = list(
            generate_briefs(
                [good[0], text, good[1]], client=fake.client(), cache=False, max_cost=None
            )
        )
    assert len(results) == 3
    odd = next(r for r in results if r.source not in ("a0", "a1"))
    assert odd.ok or isinstance(odd.error, BriefingError)
    assert not isinstance(odd.error, UnexpectedError), odd.error
    assert sum(r.ok for r in results if r.source in ("a0", "a1")) == 2


# smaller faults --------------------------------------------------------------------------


def test_an_async_client_serves_one_synchronous_batch_after_another(tmp_path: Path) -> None:
    """Connections a real AsyncOpenAI pooled in one call still work in the next."""
    import openai

    with FaultServer() as server:
        server.default = Fault.reply(EMPTY)
        client = openai.AsyncOpenAI(base_url=server.url, api_key="reused-key", max_retries=0)
        for run in range(3):
            results = list(
                generate_briefs(
                    articles(4, tag=f"r{run}-"),
                    client=client,
                    model="m",
                    mode="json",
                    cache=False,
                    transport_retries=0,
                )
            )
            assert all(r.ok for r in results), [str(r.error) for r in results]
        assert server.count == 12  # no request failed and was sent again


def test_a_repair_answered_4xx_keeps_the_paid_first_answer() -> None:
    from briefing import generate_brief
    from briefing.testing import HTTPFailure

    text = "The council met in Riga and adjourned. Mayor Anna Berzina chaired the session."
    first = EMPTY | {
        "officials": [
            {"name": "Anna Berzina", "title": "Mayor", "affiliation": None, "country": None,
             "other_names": [], "evidence": ["Mayor Anna Berzina chaired the session."]},
            {"name": "Janis Ozols", "title": "Deputy", "affiliation": None, "country": None,
             "other_names": [], "evidence": ["Deputy Janis Ozols voted against."]},
        ]
    }  # fmt: skip
    fake = FakeModel([first, HTTPFailure(400)])
    brief = generate_brief(Article(text=text, name="r"), client=fake.client(), mode="json")
    assert [o.name for o in brief.officials] == ["Anna Berzina"]
    assert any("repair request failed" in note for note in brief.record.notes)
    assert len(fake.requests) == 2


@pytest.mark.parametrize("key", ["gsk_0123456789abcdefghijKLMNOP", "0123456789abcdef" * 2])
def test_the_configured_key_is_redacted_by_value_in_errors_and_the_log(
    key: str, tmp_path: Path
) -> None:
    import openai

    with FaultServer() as server:
        server.default = Fault.body(
            json.dumps({"error": {"message": f"bad request for key {key}", "type": "x"}}),
            status=400,
        )
        client = openai.OpenAI(base_url=server.url, api_key=key)
        log = tmp_path / "log.jsonl"
        results = list(
            generate_briefs(articles(2), client=client, model="m", mode="json", output=log)
        )
    assert all(isinstance(r.error, BriefingError) for r in results)
    assert all(key not in str(r.error) for r in results)
    assert "bad request for key [redacted]" in str(results[0].error)
    assert key not in log.read_text()


def test_the_mapper_of_a_data_engine_ends_every_row_on_a_wrong_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pandas = pytest.importorskip("pandas")
    from briefing import BriefMapper, FrameSettings

    with FaultServer() as server:
        server.default = Fault.status(401)
        monkeypatch.setenv("OPENAI_API_KEY", "mapper-key-0123")
        mapper = BriefMapper(
            FrameSettings(base_url=server.url, model="m", mode="json", cache=False, published=None)
        )
        rows = mapper(pandas.DataFrame({"text": [f"The council met {i}." for i in range(10)]}))
    assert len(rows) == 10
    assert set(rows["error_type"]) == {"ConfigurationError"}


def test_a_broken_html_reader_is_a_configuration_error_not_a_traceback(tmp_path: Path) -> None:
    """As a venv whose old pip left lxml without lxml_html_clean has it."""
    page = ROOT / "tests" / "data" / "pages" / "harbour_times_accord.html"
    done = _script(
        tmp_path,
        f"""
        import sys
        sys.modules["lxml_html_clean"] = None  # not installed
        from briefing import ConfigurationError, generate_briefs, load_article
        from briefing.testing import FakeModel
        try:
            load_article({str(page)!r})
        except ConfigurationError as exc:
            print("refused:", exc)
        fake = FakeModel(function=lambda request: {EMPTY!r})
        results = list(generate_briefs([{str(page)!r}, "The council met."],
                                       client=fake.client(), cache=False))
        print(sorted(type(r.error).__name__ for r in results))
        """,
    )
    assert done.returncode == 0, done.stderr
    assert "refused: web pages cannot be read" in done.stdout
    assert "lxml_html_clean" in done.stdout
    assert "['ConfigurationError', 'NoneType']" in done.stdout


def test_the_command_says_the_cache_turned_off_once_as_a_notice(tmp_path: Path) -> None:
    folder = _folder(tmp_path, 4)
    blocker = tmp_path / "cache-file"
    blocker.write_text("not a folder")
    with FaultServer() as server:
        server.default = Fault.reply(EMPTY)
        done = subprocess.run(
            [sys.executable, "-m", "briefing.cli.main", "--cache-dir", str(blocker), str(folder),
             "-o", f"{tmp_path / 'out'}{os.sep}"],
            cwd=ROOT, env=_env(server, tmp_path), capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    notices = [line for line in done.stderr.splitlines() if "cache is off" in line]
    assert len(notices) == 1 and notices[0].startswith("briefing: warning: the cache is off")
    assert "BriefingWarning" not in done.stderr
