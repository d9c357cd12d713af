"""Reliability under a misbehaving endpoint, through the real network stack.

Each fault is served by `FaultServer` on 127.0.0.1 and reached by a real `openai.OpenAI` (and,
below, by the `briefing` command in a real process). For every fault the library either retries
within its bounds or raises a typed error whose message says what happened and what to do; a
briefing never holds an ungrounded item; the server's request count proves every loop bounded.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openai
import pytest

from briefing import (
    Agreement,
    Article,
    Brief,
    BriefingError,
    Claim,
    InputError,
    KeyPoint,
    ModelError,
    Official,
    OutputError,
    RetriesExhaustedError,
    TransportError,
    generate_brief,
    load_article,
)
from briefing.cli.main import main
from briefing.ground.quotes import mentioned

from .conftest import FIRST_SEED, ROOT, authored, recorder
from .fault_server import Fault, FaultServer, fault_server_fixture  # noqa: F401

GOOD = authored(FIRST_SEED.stem)
INVENTED = "Radan signed a treaty in Paris"
KINDS = ("key_points", "agreements", "officials", "claims")
ADVICE = re.compile(r"\b(try|pass|use|set|raise|check|convert|split|rerun)\b", re.IGNORECASE)


def client(server: FaultServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url, api_key="test", max_retries=0)


@pytest.fixture(autouse=True)
def one_json_request(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fault server is on 127.0.0.1, where "auto" would choose sections mode (four requests
    per article); these tests script one JSON request per article."""
    monkeypatch.setenv("BRIEFING_MODE", "json")


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The backoff waits tenacity asks for, recorded instead of slept."""
    asked: list[float] = []
    monkeypatch.setattr("briefing.extract.call.sleep", recorder(asked))
    return asked


def with_bad_quote(payload: dict[str, Any]) -> dict[str, Any]:
    bad = copy.deepcopy(payload)
    bad["officials"][1]["evidence"] = [INVENTED]  # Viktor Zolotov
    return bad


def schema_broken(payload: dict[str, Any]) -> dict[str, Any]:
    bad = copy.deepcopy(payload)
    del bad["bluf"]
    bad["agreements"][0]["kind"] = "alliance"
    return bad


def emptied(payload: dict[str, Any]) -> dict[str, Any]:
    return {**payload, **{kind: [] for kind in KINDS}}


def duplicated(payload: dict[str, Any]) -> dict[str, Any]:
    twice = copy.deepcopy(payload)
    for kind in KINDS:
        twice[kind] = twice[kind] + copy.deepcopy(twice[kind])
    return twice


TRUNCATED = json.dumps(GOOD)[:400]
REFUSAL = "I'm sorry, but I can't help with that."


def assert_grounded(brief: Brief) -> None:
    """Every rendered item rests on the article's own characters, and every name is in it."""
    text = brief.article.text
    items: list[KeyPoint | Agreement | Official | Claim] = [
        *brief.key_points,
        *brief.agreements,
        *brief.officials,
        *brief.claims,
    ]
    for item in items:
        assert item.evidence, item
        for evidence in item.evidence:
            assert text[evidence.start : evidence.end] == evidence.quote
    for official in brief.officials:
        assert all(mentioned(name, text) for name in official.names), official
    assert INVENTED not in brief.to_markdown().split("## Not verified")[0]


def test_the_server_speaks_openai_and_refuses_unscripted_requests(
    fault_server: FaultServer, first_article: Article
) -> None:
    assert [m.id for m in client(fault_server).models.list()] == ["fault-model"]
    with pytest.raises(BriefingError):  # nothing scripted: a loud HTTP 599, then give up
        generate_brief(first_article, client=client(fault_server), transport_retries=0)
    assert fault_server.count == 1


# --- transport faults: backoff within transport_retries, then TransportError -------------------


def test_rate_limit_honours_retry_after_then_succeeds(
    fault_server: FaultServer, waits: list[float], first_article: Article
) -> None:
    fault_server.queue(Fault.rate_limit(retry_after=0), Fault.rate_limit(2), Fault.reply(GOOD))
    brief = generate_brief(first_article, client=client(fault_server), model="x")
    assert waits == [0.0, 2.0]
    assert brief.record.transport_retries == 2 and brief.record.attempts == 1
    assert fault_server.count == 3
    assert_grounded(brief)


def test_persistent_rate_limit_is_a_transport_error_with_capped_waits(
    fault_server: FaultServer, waits: list[float], first_article: Article
) -> None:
    fault_server.default = Fault.rate_limit(retry_after=3600)
    with pytest.raises(TransportError) as info:
        generate_brief(first_article, client=client(fault_server), transport_retries=2)
    assert waits == [60.0, 60.0]  # an hour asked, a minute granted
    assert fault_server.count == 3
    assert info.value.status_code == 429 and info.value.attempts == 3
    message = str(info.value)
    assert "HTTP 429" in message and fault_server.url.removesuffix("/v1") in message
    assert "try again later" in message


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_back_off_exponentially_then_raise(
    fault_server: FaultServer, waits: list[float], first_article: Article, status: int
) -> None:
    fault_server.default = Fault.status(status)  # no retry-after: our own backoff
    with pytest.raises(TransportError, match=f"HTTP {status}") as info:
        generate_brief(first_article, client=client(fault_server), transport_retries=3)
    assert fault_server.count == 4 and info.value.attempts == 4
    assert len(waits) == 3
    assert all(0 <= wait <= 0.5 * 2**i for i, wait in enumerate(waits, start=1))


def test_server_error_then_success(
    fault_server: FaultServer, waits: list[float], first_article: Article
) -> None:
    fault_server.queue(Fault.status(502), Fault.status(503), Fault.reply(GOOD))
    brief = generate_brief(first_article, client=client(fault_server))
    assert brief.record.transport_retries == 2 and len(brief.officials) == 7


def test_slow_answer_times_out_retries_and_raises_in_bounded_time(
    fault_server: FaultServer, waits: list[float], first_article: Article
) -> None:
    fault_server.default = Fault.slow(2.0, GOOD)
    started = time.monotonic()
    with pytest.raises(TransportError, match="timed out") as info:
        generate_brief(first_article, client=client(fault_server), timeout=0.5, transport_retries=2)
    assert time.monotonic() - started < 6  # three tries of 0.5 s, not three answers of 2 s
    assert fault_server.count == 3 and info.value.attempts == 3
    assert info.value.status_code is None
    assert "try again later" in str(info.value)


def test_slow_answer_once_then_a_prompt_one(
    fault_server: FaultServer, waits: list[float], first_article: Article
) -> None:
    fault_server.queue(Fault.slow(2.0, GOOD), Fault.reply(GOOD))
    brief = generate_brief(first_article, client=client(fault_server), timeout=0.5)
    assert brief.record.transport_retries == 1 and fault_server.count == 2


def test_trickled_answer_is_bounded_by_the_timeout(
    fault_server: FaultServer, waits: list[float], first_article: Article
) -> None:
    fault_server.default = Fault.trickle(0.15, GOOD)  # ten chunks: 1.5 s in all
    with pytest.raises(TransportError, match="timed out"):
        generate_brief(first_article, client=client(fault_server), timeout=0.4, transport_retries=0)


def test_dropped_connection_is_retried_then_a_transport_error(
    fault_server: FaultServer, waits: list[float], first_article: Article
) -> None:
    fault_server.default = Fault.drop()
    with pytest.raises(TransportError, match="connection failed") as info:
        generate_brief(first_article, client=client(fault_server), transport_retries=2)
    assert fault_server.count == 3 and info.value.attempts == 3 and len(waits) == 2


def test_dropped_connection_once_then_success(
    fault_server: FaultServer, waits: list[float], first_article: Article
) -> None:
    fault_server.queue(Fault.drop(), Fault.reply(GOOD))
    brief = generate_brief(first_article, client=client(fault_server))
    assert brief.record.transport_retries == 1
    assert_grounded(brief)


# --- output faults: re-asked within max_retries, then OutputError ------------------------------


@pytest.mark.parametrize("mode", ["json", "tools"])
def test_malformed_json_is_reasked_then_recovers(
    fault_server: FaultServer, first_article: Article, mode: Any
) -> None:
    fault_server.queue(Fault.raw('{"headline": "Iranian police sign'), Fault.reply(GOOD))
    brief = generate_brief(first_article, client=client(fault_server), mode=mode)
    assert brief.record.attempts == 2 and fault_server.count == 2
    offered_tools = "tools" in fault_server.requests[0]
    assert offered_tools == (mode == "tools")
    assert_grounded(brief)


def test_malformed_json_every_time_exhausts_into_a_typed_error(
    fault_server: FaultServer, first_article: Article
) -> None:
    fault_server.default = Fault.raw('{"headline": "Iranian police sign')
    with pytest.raises(RetriesExhaustedError) as info:
        generate_brief(first_article, client=client(fault_server), max_retries=2)
    # the same malformed answer twice: a third ask would cost the same for nothing
    assert fault_server.count == 2 and info.value.attempts == 2
    assert info.value.last_output == '{"headline": "Iranian police sign'
    assert "could not be read" in str(info.value)
    assert any("no JSON object" in error for error in info.value.errors)


def test_broken_envelope_is_a_typed_error_in_bounded_requests(
    fault_server: FaultServer, waits: list[float], first_article: Article
) -> None:
    fault_server.default = Fault.body("<html><body>502 Bad Gateway</body></html>")
    with pytest.raises(ModelError):
        generate_brief(
            first_article, client=client(fault_server), max_retries=2, transport_retries=2
        )
    assert fault_server.count == 3  # the transport bound; re-asks do not multiply it


def test_broken_envelope_is_reported_as_the_endpoint_s_fault(
    fault_server: FaultServer, waits: list[float], first_article: Article
) -> None:
    fault_server.default = Fault.body("<html><body>502 Bad Gateway</body></html>")
    with pytest.raises(BriefingError) as info:
        generate_brief(first_article, client=client(fault_server), transport_retries=1)
    assert not isinstance(info.value, OutputError)
    assert "chat completion" in str(info.value)


def test_truncated_output_is_an_output_error_without_reasking(
    fault_server: FaultServer, first_article: Article
) -> None:
    fault_server.default = Fault.reply(TRUNCATED, finish_reason="length")
    with pytest.raises(OutputError, match=r"finish_reason=length.*max_tokens") as info:
        generate_brief(first_article, client=client(fault_server), max_tokens=100)
    assert fault_server.count == 1 and info.value.attempts == 1
    assert fault_server.requests[0]["max_tokens"] == 100
    assert info.value.last_output == TRUNCATED


def test_refusal_is_an_output_error_quoting_the_refusal(
    fault_server: FaultServer, first_article: Article
) -> None:
    fault_server.default = Fault.reply("", refusal=REFUSAL)
    with pytest.raises(OutputError, match="refused") as info:
        generate_brief(first_article, client=client(fault_server), max_retries=2)
    assert not isinstance(info.value, RetriesExhaustedError)
    assert REFUSAL in str(info.value) and info.value.last_output == REFUSAL
    assert fault_server.count == 1  # a refusal is final: not re-asked


# --- grounding faults: never an ungrounded item in a briefing ----------------------------------


def test_quote_not_in_the_article_is_dropped_and_listed(
    fault_server: FaultServer, first_article: Article
) -> None:
    fault_server.default = Fault.reply(with_bad_quote(GOOD))
    brief = generate_brief(first_article, client=client(fault_server), max_retries=2)
    assert fault_server.count == 3  # re-asked twice, naming the quote
    assert INVENTED in json.dumps(fault_server.requests[1]["messages"])
    assert "Viktor Zolotov" not in [o.name for o in brief.officials]
    [dropped] = brief.record.unverified
    assert dropped.label == "Official: Viktor Zolotov" and INVENTED in dropped.reasons[0]
    assert "## Not verified" in brief.to_markdown()
    assert_grounded(brief)


def test_nothing_grounded_leaves_an_empty_briefing_with_everything_listed(
    fault_server: FaultServer, first_article: Article
) -> None:
    invented = copy.deepcopy(GOOD)
    for kind in KINDS:
        for item in invented[kind]:
            item["evidence"] = [INVENTED]
    fault_server.default = Fault.reply(invented)
    brief = generate_brief(first_article, client=client(fault_server), max_retries=1)
    assert not (brief.key_points or brief.agreements or brief.officials or brief.claims)
    assert len(brief.record.unverified) == sum(len(GOOD[kind]) for kind in KINDS)
    assert_grounded(brief)


def test_empty_lists_give_an_empty_but_valid_briefing(
    fault_server: FaultServer, first_article: Article
) -> None:
    fault_server.default = Fault.reply(emptied(GOOD))
    brief = generate_brief(first_article, client=client(fault_server))
    assert fault_server.count == 1  # nothing failed, so nothing is re-asked
    assert not (brief.key_points or brief.agreements or brief.officials or brief.claims)
    assert brief.record.unverified == []
    assert "None attributed." in brief.to_markdown()
    assert_grounded(brief)


def test_exact_duplicates_are_folded(fault_server: FaultServer, first_article: Article) -> None:
    fault_server.default = Fault.reply(duplicated(GOOD))
    brief = generate_brief(first_article, client=client(fault_server))
    assert len(brief.key_points) == len(GOOD["key_points"])
    assert len(brief.agreements) == len(GOOD["agreements"])
    assert len(brief.officials) == len(GOOD["officials"])
    assert len(brief.claims) == len(GOOD["claims"])
    assert brief.record.unverified == []
    assert_grounded(brief)


def test_reworded_duplicate_agreement_is_folded(
    fault_server: FaultServer, first_article: Article
) -> None:
    again = copy.deepcopy(GOOD)
    repeat = copy.deepcopy(again["agreements"][0])
    repeat["title"] = "Iran-Russia police cooperation memorandum"
    repeat["evidence"] = repeat["evidence"][:2]
    again["agreements"].append(repeat)
    fault_server.default = Fault.reply(again)
    brief = generate_brief(first_article, client=client(fault_server))
    assert len(brief.agreements) == len(GOOD["agreements"])
    assert any(i.fate == "folded" and i.kind == "agreement" for i in brief.record.items)


def test_duplicate_claim_under_a_shorter_name_is_folded(
    fault_server: FaultServer, first_article: Article
) -> None:
    again = copy.deepcopy(GOOD)
    repeat = copy.deepcopy(again["claims"][0])  # Ahmad-Reza Radan's
    repeat["claimant"] = "Radan"
    again["claims"].append(repeat)
    distinct = copy.deepcopy(again["claims"][0])  # another statement drawn from the same quote
    distinct["statement"] = "Radan says Iran and Russia face the same Western pressure."
    again["claims"].append(distinct)
    fault_server.default = Fault.reply(again)
    brief = generate_brief(first_article, client=client(fault_server))
    assert len(brief.claims) == len(GOOD["claims"]) + 1  # the restatement folds, not the other
    folds = [f for f in brief.record.items if f.fate == "folded" and f.kind == "claim"]
    assert len(folds) == 1 and folds[0].reason and "same statement" in folds[0].reason


def test_non_english_article_is_briefed_with_its_own_words(fault_server: FaultServer) -> None:
    article = Article.from_string(
        "date 2023-06-29\nlanguage fr\n\nLes ministres des Affaires étrangères de l'Égypte et "
        "de la Grèce ont signé mercredi un accord maritime au Caire."
    )
    payload = emptied(GOOD)
    payload["key_points"] = [
        {
            "text": "Egypt and Greece signed a maritime agreement in Cairo on Wednesday.",
            "evidence": ["ont signé mercredi un accord maritime au Caire"],
        }
    ]
    fault_server.default = Fault.reply(payload)
    brief = generate_brief(article, client=client(fault_server))
    assert [p.evidence[0].quote for p in brief.key_points] == [
        "ont signé mercredi un accord maritime au Caire"
    ]
    assert 'language="fr"' in fault_server.requests[0]["messages"][1]["content"]


# --- error messages: what happened and what to do ----------------------------------------------

MESSAGE_CASES: dict[str, tuple[Fault, str]] = {
    "rate limit": (Fault.rate_limit(0), "HTTP 429"),
    "server error": (Fault.status(502, retry_after=0), "HTTP 502"),
    "dropped": (Fault.drop(), "connection failed"),
    "slow": (Fault.slow(2.0, GOOD), "timed out"),
    "truncated": (Fault.reply(TRUNCATED, finish_reason="length"), "cut off"),
    "malformed json": (Fault.raw('{"headline": "Iranian'), "JSON"),
    "refusal": (Fault.reply("", refusal=REFUSAL), "refused"),
}


@pytest.mark.parametrize("case", list(MESSAGE_CASES))
def test_error_message_says_what_happened_and_what_to_do(
    fault_server: FaultServer, waits: list[float], first_article: Article, case: str
) -> None:
    fault_server.default, what = MESSAGE_CASES[case]
    with pytest.raises(BriefingError) as info:
        generate_brief(first_article, client=client(fault_server), transport_retries=1, timeout=0.3)
    message = str(info.value)
    assert what in message
    assert ADVICE.search(message), message
    assert "<failed_attempts>" not in message and "Traceback" not in message


# --- the command line: exit 1 or 2, one clean line per article, no traceback --------------------
#
# The command spends most of a second importing, so the faults run as a few processes side by
# side: one holds every model fault (each its own article file; the server scripts each article
# by the "case" in its title), one every grounding fault, plus a lone file, a folder, a timeout.


@dataclass(frozen=True)
class CliCase:
    default: Fault
    says: tuple[str, ...] = ()
    max_requests: int = 5  # transport_retries 4 + 1, or max_retries 2 + 1


MODEL_FAULTS: dict[str, CliCase] = {
    "rate-limit": CliCase(Fault.rate_limit(0), ("HTTP 429", "try again later")),
    "http-500": CliCase(Fault.status(500, retry_after=0), ("HTTP 500", "try again later")),
    "http-502": CliCase(Fault.status(502, retry_after=0), ("HTTP 502", "try again later")),
    "http-503": CliCase(Fault.status(503, retry_after=0), ("HTTP 503", "try again later")),
    "dropped": CliCase(Fault.drop(), ("connection failed", "try again later")),
    "malformed-json": CliCase(
        Fault.raw('{"headline": "Iran'), ("could not be read", "holds no JSON object")
    ),
    "broken-envelope": CliCase(Fault.body("<html>Bad Gateway</html>")),
    "truncated": CliCase(
        Fault.reply(TRUNCATED, finish_reason="length"), ("length limit", "max_tokens")
    ),
    "refusal": CliCase(Fault.reply("", refusal=REFUSAL), ("refused", REFUSAL)),
}
GROUNDING_FAULTS: dict[str, CliCase] = {
    "quote-not-in-article": CliCase(Fault.reply(with_bad_quote(GOOD))),
    "empty-lists": CliCase(Fault.reply(emptied(GOOD)), max_requests=3),
    "duplicates": CliCase(Fault.reply(duplicated(GOOD)), max_requests=1),
}
_CASE = re.compile(r'title="case ([\w-]+)"')


class CaseServer(FaultServer):
    """Answers each request with the fault of the case named in its article's title."""

    def __init__(self, cases: dict[str, CliCase]) -> None:
        super().__init__()
        self.cases = cases
        self.counts: Counter[str] = Counter()

    def next_fault(self, body: dict[str, Any]) -> Fault:
        self.requests.append(body)
        found = _CASE.search(body["messages"][1]["content"])
        if found is None or found[1] not in self.cases:
            return Fault.status(599)
        self.counts[found[1]] += 1
        return self.cases[found[1]].default


@dataclass(frozen=True)
class CliRun:
    returncode: int
    stdout: str
    stderr: str
    counts: Counter[str]
    files: dict[str, Path]
    out: Path
    seconds: float

    def error_line(self, case: str) -> str:
        prefix = f"briefing: error: {self.files[case]}: "
        [line] = [line for line in self.stderr.splitlines() if line.startswith(prefix)]
        return line.removeprefix(prefix)


def _run_cli(scratch: Path, cases: dict[str, CliCase], *args: str, live: bool = True) -> CliRun:
    """The command on one article file per case (after `args`), writing into scratch/out/."""
    first = load_article(FIRST_SEED)
    files = {}
    for name in cases:
        files[name] = scratch / f"{name}.txt"
        files[name].write_text(f"date {first.published}\ntitle case {name}\n\n{first.text}")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "BRIEFING_"))}
    env = {**clean, "BRIEFING_CACHE_DIR": str(scratch / "cache")}
    out = scratch / "out"
    args = ("-o", f"{out}{os.sep}", *args)
    with CaseServer(cases) as server:
        if live:
            env |= {"OPENAI_BASE_URL": server.url, "BRIEFING_MODEL": "x", "BRIEFING_MODE": "json"}
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "briefing.cli.main", *args, *map(str, files.values())],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=90,
        )
        seconds = time.monotonic() - started
    return CliRun(done.returncode, done.stdout, done.stderr, server.counts, files, out, seconds)


def _folder(folder: Path) -> Path:
    """A folder as a user might point the command at: one good article among bad files."""
    (folder / FIRST_SEED.name).write_bytes(FIRST_SEED.read_bytes())
    (folder / "empty.txt").write_text("   \n\t\n")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (folder / "latin1.txt").write_bytes("date 2024-01-01\n\nCafé talks.".encode("latin-1"))
    (folder / "page.html").write_text(
        "<html><body><p>The ministers of Egypt and Greece met in Cairo.</p></body></html>"
    )
    return folder


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> dict[str, CliRun]:
    """The command's runs, side by side."""
    scratch = tmp_path_factory.mktemp
    runs = {
        "model": lambda: _run_cli(scratch("model"), MODEL_FAULTS),
        "grounding": lambda: _run_cli(scratch("grounding"), GROUNDING_FAULTS),
        "folder": lambda: _run_cli(scratch("run"), {}, str(_folder(scratch("in"))), live=False),
    }
    with ThreadPoolExecutor(max_workers=len(runs)) as pool:
        futures = {name: pool.submit(run) for name, run in runs.items()}
        return {name: future.result() for name, future in futures.items()}


def _main(server: FaultServer, monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    """The command in this process (so backoff can be skipped), against the fault server."""
    monkeypatch.setenv("OPENAI_BASE_URL", server.url)
    monkeypatch.setenv("BRIEFING_MODEL", "x")
    try:
        return main([*args, str(FIRST_SEED)])
    except SystemExit as exit:
        return int(exit.code or 0)


def test_cli_lone_model_fault_is_one_clean_error_line(
    fault_server: FaultServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fault_server.default = Fault.rate_limit(0)
    assert _main(fault_server, monkeypatch) == 1
    out, err = capsys.readouterr()
    assert err.startswith("briefing: error:") and err.count("\n") == 1
    assert "HTTP 429" in err and "try again later" in err
    assert out == "" and fault_server.count == 5


def test_cli_model_faults_exit_1_without_a_traceback(cli: dict[str, CliRun]) -> None:
    run = cli["model"]
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr and run.stdout == ""
    assert all(line.startswith("briefing: ") for line in run.stderr.splitlines()), run.stderr
    assert f"0 of {len(MODEL_FAULTS)} articles briefed" in run.stderr
    assert run.seconds < 30


@pytest.mark.parametrize("case", MODEL_FAULTS)
def test_cli_model_fault_says_what_happened(cli: dict[str, CliRun], case: str) -> None:
    run = cli["model"]
    line = run.error_line(case)
    for fragment in MODEL_FAULTS[case].says:
        assert fragment in line
    assert 1 <= run.counts[case] <= MODEL_FAULTS[case].max_requests


@pytest.mark.parametrize("case", GROUNDING_FAULTS)
def test_cli_grounding_fault_briefs_only_grounded_items(cli: dict[str, CliRun], case: str) -> None:
    run = cli["grounding"]
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    markdown = (run.out / f"{case}.md").read_text()
    body = markdown.split("## Not verified")[0]
    assert markdown.startswith("# ") and INVENTED not in body
    assert body.count(GOOD["agreements"][0]["title"]) <= 1
    assert 1 <= run.counts[case] <= GROUNDING_FAULTS[case].max_requests


def test_cli_lists_the_dropped_official_as_not_verified(cli: dict[str, CliRun]) -> None:
    run = cli["grounding"]
    markdown = (run.out / "quote-not-in-article.md").read_text()
    assert "Viktor Zolotov" in markdown.split("## Not verified")[1]
    assert run.counts["quote-not-in-article"] >= 1


def test_cli_slow_endpoint_with_a_short_timeout(
    fault_server: FaultServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    waits: list[float],
) -> None:
    fault_server.default = Fault.slow(2.0, GOOD)
    assert _main(fault_server, monkeypatch, "--timeout", "0.5", "--transport-retries", "1") == 1
    assert "timed out" in capsys.readouterr().err and fault_server.count == 2


def test_cli_folder_briefs_the_good_file_and_names_each_bad_one(cli: dict[str, CliRun]) -> None:
    run = cli["folder"]
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "Viktor Zolotov" in (run.out / f"{FIRST_SEED.stem}.md").read_text()
    errors = [line for line in run.stderr.splitlines() if line.startswith("briefing: error:")]
    assert len(errors) == 4  # the HTML page is read, but has no cassette to replay
    assert "not UTF-8" in run.stderr and "binary" in run.stderr and "is empty" in run.stderr


def test_cli_folder_includes_html_pages(cli: dict[str, CliRun]) -> None:
    assert "1 of 5 articles briefed" in cli["folder"].stderr


def test_cli_names_each_bad_file_once(cli: dict[str, CliRun]) -> None:
    for line in cli["folder"].stderr.splitlines():
        if line.startswith("briefing: error:"):
            path = line.removeprefix("briefing: error: ").split(": ")[0]
            assert line.count(path) == 1, line


# --- bad inputs not covered in test_article.py or test_text.py ----------------------------------


def test_near_miss_date_header_is_read_or_rejected(tmp_path: Path) -> None:
    file = tmp_path / "dated.txt"
    file.write_text("Date: 2023-06-29\n\nThe ministers met on Wednesday.")
    try:
        article = load_article(file)
    except InputError:
        return
    assert article.published is not None and "Date:" not in article.text


def test_trickled_answer_with_gaps_just_under_the_timeout_is_cut_at_the_deadline(
    fault_server: FaultServer, first_article: Article
) -> None:
    """Each read waits 0.45 s, under the 0.5 s timeout: only cutting the connection at the
    deadline stops the answer there rather than at the first read that ends after it."""
    fault_server.default = Fault.trickle(0.45, GOOD)
    started = time.monotonic()
    with pytest.raises(TransportError, match="timed out"):
        generate_brief(first_article, client=client(fault_server), timeout=0.5, transport_retries=0)
    assert time.monotonic() - started < 0.8  # the first read past the deadline would end at 0.9
