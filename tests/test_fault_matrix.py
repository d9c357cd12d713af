"""The fault matrix: every fault the fault server can inject, through every entry point that
runs a batch (`generate_briefs`, `agenerate_briefs`, the command line, `brief_frame`).

For each run it asserts what a production user relies on: every article ends as a Brief or a
typed error, none is missing, the run ends before its deadline (a hang fails the test rather
than the suite), no article is requested more often than its retries allow, and no request is
answered (billed) twice. Each row is written to build/fault-matrix.md for the closing note.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openai
import pytest

from briefing import Article, BriefingError, ConfigurationError, agenerate_briefs, generate_briefs
from briefing.batch.run import BriefResult

from .conftest import ROOT, SEEDS, authored
from .fault_server import JSON, MODEL, Fault, FaultServer

ARTICLES = 10
TRANSPORT_RETRIES = 2
MAX_RETRIES = 1
TIMEOUT = 3.0  # seconds for one answer; the "hang" fault holds its answer far longer
DEADLINE = 120.0  # seconds a whole run may take before it counts as hung
# requests one article may cost: each logical request (the first, a re-ask, a repair) retried
MAX_REQUESTS = (TRANSPORT_RETRIES + 1) * (1 + 2 * MAX_RETRIES)
TABLE = ROOT / "build" / "fault-matrix.md"
MARK = re.compile(r"Dispatch number (\d+)\.")


def _articles() -> list[Article]:
    """Ten distinct articles (a seed's text and a numbered last line), so answers ground."""
    out = []
    for i in range(ARTICLES):
        seed = SEEDS[i % len(SEEDS)]
        text = seed.read_text(encoding="utf-8").split("\n\n", 1)[1]
        out.append(
            Article(text=f"{text.rstrip()}\n\nDispatch number {i}.", name=f"a{i:02d}-{seed.stem}")
        )
    return out


ITEMS = _articles()


def _which(body: dict[str, Any]) -> int | None:
    found = MARK.search(json.dumps(body.get("messages", [])))
    return int(found.group(1)) if found else None


def _good(i: int) -> Fault:
    return Fault.reply(authored(SEEDS[i % len(SEEDS)].stem))


def _context_error() -> Fault:
    error = {
        "message": "This model's maximum context length is 8192 tokens",
        "type": "invalid_request_error",
        "code": "context_length_exceeded",
    }
    return Fault(
        http_status=400, headers={"content-type": JSON}, http_body=json.dumps({"error": error})
    )


def _cut(i: int) -> Fault:
    """An answer cut off at the length limit, two thirds of the way through."""
    text = json.dumps(authored(SEEDS[i % len(SEEDS)].stem))
    return Fault.reply(text[: len(text) * 2 // 3], finish_reason="length")


# fault name -> (what the first request of each article gets, whether later requests are good)
FAULTS: dict[str, tuple[Callable[[int], Fault], bool]] = {
    "none": (_good, True),
    "500 once": (lambda i: Fault.status(500), True),
    "500 always": (lambda i: Fault.status(500), False),
    "429 retry-after 0": (lambda i: Fault.rate_limit(0), True),
    "429 retry-after nan": (lambda i: Fault.rate_limit("nan"), True),
    "429 no hint": (lambda i: Fault.rate_limit(None), True),
    "hang": (lambda i: Fault.slow(60, authored(SEEDS[i % len(SEEDS)].stem)), True),
    "reset": (lambda i: Fault.drop(), True),
    "not JSON": (lambda i: Fault.body("<html>bad gateway</html>"), True),
    "truncated body": (lambda i: Fault.body('{"id": "x", "choices": [{"mess'), True),
    "empty choices": (
        lambda i: Fault.body('{"id": "x", "object": "chat.completion", "choices": []}'),
        True,
    ),
    "cut answer": (lambda i: _cut(i), True),  # the finished items are kept: a Brief
    "malformed answer": (lambda i: Fault.raw('{"agreements": [oops'), True),
    "refusal": (lambda i: Fault.reply({}, refusal="I can't help with that."), False),
    "400 context length": (lambda i: _context_error(), False),
    "401 wrong key": (lambda i: Fault.status(401), False),
    "404 wrong model": (lambda i: Fault.status(404), False),
}


@dataclass
class Outcome:
    briefs: int
    errors: int
    untyped: int
    hung: bool
    lost: int


@dataclass(frozen=True)
class Run:
    fault: str
    entry: str
    outcome: Outcome
    per_article: Counter[int | None]
    paid_twice: int


def _script(server: FaultServer, fault: str) -> None:
    first, then_good = FAULTS[fault]
    seen: Counter[int] = Counter()
    lock = threading.Lock()

    def respond(body: dict[str, Any]) -> Fault:
        i = _which(body)
        if i is None:  # a repair request shows passages, not the whole article
            return Fault.reply({})
        with lock:
            seen[i] += 1
            n = seen[i]
        if n == 1 or not then_good:
            return first(i)
        return _good(i)

    server.responder = respond


def _tally(results: list[BriefResult]) -> Outcome:
    names = [r.source for r in results]
    return Outcome(
        briefs=sum(r.ok for r in results),
        errors=sum(isinstance(r.error, BriefingError) for r in results),
        untyped=sum(r.brief is None and not isinstance(r.error, BriefingError) for r in results),
        hung=False,
        lost=len({a.name for a in ITEMS} - set(names)),
    )


BATCH: dict[str, Any] = {
    "model": MODEL, "mode": "json", "cache": False, "concurrency": 4,
    "transport_retries": TRANSPORT_RETRIES, "max_retries": MAX_RETRIES, "timeout": TIMEOUT,
}  # fmt: skip


def _sync(url: str, out: Path) -> Outcome:
    client = openai.OpenAI(base_url=url, api_key="matrix-key")
    return _tally(list(generate_briefs(ITEMS, client=client, **BATCH)))


def _async(url: str, out: Path) -> Outcome:
    async def main() -> list[BriefResult]:
        client = openai.AsyncOpenAI(base_url=url, api_key="matrix-key")
        return [r async for r in agenerate_briefs(ITEMS, client=client, **BATCH)]

    return _tally(asyncio.run(main()))


def _frame(url: str, out: Path) -> Outcome:
    pandas = pytest.importorskip("pandas")
    from briefing import brief_frame

    df = pandas.DataFrame({"text": [a.text for a in ITEMS]}, index=[a.name for a in ITEMS])
    client = openai.OpenAI(base_url=url, api_key="matrix-key")
    rows = brief_frame(
        df, text="text", published=None, client=client, model=MODEL, mode="json", cache=False,
        concurrency=4, transport_retries=TRANSPORT_RETRIES, max_retries=MAX_RETRIES,
        timeout=TIMEOUT,
    )  # fmt: skip
    errors = rows["error_type"].notna()
    return Outcome(
        briefs=int((~errors).sum()),
        errors=int(errors.sum()),
        untyped=int((errors & ~rows["error_type"].isin(_error_names())).sum()),
        hung=False,
        lost=len(df) - len(rows) + int((rows.index != df.index).sum()),
    )


def _error_names() -> set[str]:
    import briefing.errors as errors

    return {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type) and issubclass(value, BriefingError)
    }


def _cli(url: str, out: Path) -> Outcome:
    folder = out / "in"
    folder.mkdir(parents=True)
    for a in ITEMS:
        (folder / f"{a.name}.txt").write_text(f"date 2024-01-01\n\n{a.text}", encoding="utf-8")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "BRIEFING_"))}
    env = {
        **clean, "OPENAI_BASE_URL": url, "OPENAI_API_KEY": "matrix-key", "BRIEFING_MODEL": MODEL,
        "BRIEFING_MODE": "json", "BRIEFING_CACHE_DIR": str(out / "cache"),
    }  # fmt: skip
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "briefing.cli.main",
            "-o",
            f"{out / 'out'}{os.sep}",
            "--no-cache",
            "--concurrency",
            "4",
            "--transport-retries",
            str(TRANSPORT_RETRIES),
            "--max-retries",
            str(MAX_RETRIES),
            "--timeout",
            str(TIMEOUT),
            str(folder),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=DEADLINE,
    )
    assert "Traceback" not in done.stderr, done.stderr
    written = {p.stem for p in (out / "out").glob("*.md")} if (out / "out").exists() else set()
    failed = {
        Path(m.group(1)).stem
        for m in re.finditer(r"^briefing: error: (\S+?\.txt):", done.stderr, re.MULTILINE)
    }
    expected_code = (
        0 if not failed else (2 if "wrong" in done.stderr or "context" in done.stderr else 1)
    )
    assert done.returncode in (0, 1, 2) and (done.returncode == 0) == (not failed), done.stderr
    del expected_code
    names = {a.name for a in ITEMS}
    return Outcome(
        briefs=len(written & names),
        errors=len(failed & names),
        untyped=0,
        hung=False,
        lost=len(names - written - failed),
    )


ENTRIES: dict[str, Callable[[str, Path], Outcome]] = {
    "generate_briefs": _sync,
    "agenerate_briefs": _async,
    "CLI": _cli,
    "brief_frame": _frame,
}


def _run_bounded(entry: Callable[[str, Path], Outcome], url: str, out: Path) -> Outcome:
    """Run `entry` in a thread; past the deadline it counts as hung (the thread is left)."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["outcome"] = entry(url, out)
        except BaseException as exc:  # reported below, on the test's thread
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(DEADLINE)
    if thread.is_alive():
        return Outcome(0, 0, 0, hung=True, lost=ARTICLES)
    if "error" in box:
        raise box["error"]
    outcome: Outcome = box["outcome"]
    return outcome


RUNS: list[Run] = []


@pytest.fixture(scope="module", autouse=True)
def _write_table() -> Iterator[None]:
    yield
    if not RUNS:
        return
    TABLE.parent.mkdir(exist_ok=True)
    lines = [
        "| fault | entry point | articles | Briefs | typed errors | hung | lost | "
        "paid more than once |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in RUNS:
        o = r.outcome
        lines.append(
            f"| {r.fault} | {r.entry} | {ARTICLES} | {o.briefs} | {o.errors} | "
            f"{int(o.hung)} | {o.lost} | {r.paid_twice} |"
        )
    TABLE.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("entry", list(ENTRIES))
@pytest.mark.parametrize("fault", list(FAULTS))
def test_every_article_ends_typed_in_bounded_time_and_requests(
    fault: str, entry: str, tmp_path: Path
) -> None:
    with FaultServer() as server:
        _script(server, fault)
        outcome = _run_bounded(ENTRIES[entry], server.url, tmp_path)
        per_article = Counter(_which(body) for body in server.requests)
        paid_twice = sum(  # the same request of one article answered twice
            n > 1 and _which(server.paid_bodies[digest]) is not None
            for digest, n in server.paid.items()
        )
    RUNS.append(Run(fault, entry, outcome, per_article, paid_twice))
    assert not outcome.hung, f"{entry} under {fault!r} did not end within {DEADLINE} s"
    assert outcome.lost == 0 and outcome.untyped == 0
    assert outcome.briefs + outcome.errors == ARTICLES
    assert max(n for i, n in per_article.items() if i is not None) <= MAX_REQUESTS, per_article
    assert sum(per_article.values()) <= ARTICLES * MAX_REQUESTS
    assert paid_twice == 0
    if FAULTS[fault][1]:
        assert outcome.briefs == ARTICLES, f"{entry}: a passing fault ({fault}) cost an article"
    else:
        assert outcome.errors == ARTICLES


@pytest.mark.parametrize("status", [401, 404])
def test_a_wrong_key_or_model_ends_every_article_as_a_configuration_error(status: int) -> None:
    """The first refusal stops the batch's sending: every article gets the error, few pay it."""
    with FaultServer() as server:
        server.default = Fault.status(status)
        client = openai.OpenAI(base_url=server.url, api_key="matrix-key")
        results = list(generate_briefs(ITEMS, client=client, model=MODEL, mode="json", cache=False))
        sent = server.count
    assert len(results) == ARTICLES
    assert all(isinstance(r.error, ConfigurationError) for r in results)
    assert sent < ARTICLES  # the probes, not one request per article
