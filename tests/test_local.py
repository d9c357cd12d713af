"""Local models without a running model: which GGUF file `local=` names (the default model
joined from its packages, a file, a Hugging Face file through HF_ENDPOINT), threads, the answer
allowance that cuts instead of retrying, progress per section, and the server's temp log."""

from __future__ import annotations

import hashlib
import http.server
import importlib.util
import json
import shutil
import struct
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx2
import openai
import pytest

from briefing import Article, ConfigurationError, InputError, generate_brief
from briefing.extract.sections import SectionStarted, section_progress
from briefing.local import server as local
from briefing.local.models import DEFAULT_MODEL, PartedModel, joined_model, resolve_local
from briefing.local.stream import AllowanceTransport, AnswerProgress, allowance_for

# --- GGUF files ------------------------------------------------------------------------------


def gguf(meta: dict[str, str]) -> bytes:
    """A GGUF v3 header with string metadata and no tensors."""
    out = b"GGUF" + struct.pack("<IQQ", 3, 0, len(meta))
    for key, value in meta.items():
        for text in (key,):
            out += struct.pack("<Q", len(text.encode())) + text.encode()
        out += struct.pack("<I", 8) + struct.pack("<Q", len(value.encode())) + value.encode()
    return out


def test_a_gguf_file_is_served_under_its_name_with_the_licence_it_names(tmp_path: Path) -> None:
    path = tmp_path / "tiny-model.gguf"
    path.write_bytes(gguf({"general.name": "Tiny", "general.license": "mit"}))
    resolved = resolve_local(str(path))
    assert (resolved.path, resolved.name, resolved.licence) == (path, "tiny-model", "mit")
    (tmp_path / "not.gguf").write_bytes(b"PK\x03\x04")
    with pytest.raises(InputError, match="not a GGUF file"):
        resolve_local(tmp_path / "not.gguf")
    with pytest.raises(InputError, match=r"no such file.*'default'.*hf:OWNER/REPO/FILE\.gguf"):
        resolve_local(tmp_path / "missing.gguf")


# --- the default model, joined from its packages ----------------------------------------------


def fake_parts(root: Path, chunks: list[bytes]) -> PartedModel:
    """Installed packages `fakepart-model-partN`, each holding one part, on sys.path."""
    for n, chunk in enumerate(chunks, start=1):
        package = root / f"fakepart_model_part{n}"
        (package / "data").mkdir(parents=True)
        (package / "data" / f"part{n:02d}.bin").write_bytes(chunk)
        info = root / f"fakepart_model_part{n}-0.2.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: fakepart-model-part{n}\nVersion: 0.2.0\n"
        )
        (info / "RECORD").write_text(f"fakepart_model_part{n}/data/part{n:02d}.bin,,\n")
    whole = b"".join(chunks)
    return PartedModel(
        name="fake-model", title="Fake 1B", package="fakepart-model-part{n}",
        parts=len(chunks), size=len(whole), sha256=hashlib.sha256(whole).hexdigest(),
        licence="Apache-2.0 (test)",
    )  # fmt: skip


@pytest.fixture
def on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    return site


def test_the_default_model_is_joined_once_in_order_and_says_its_licence(
    on_path: Path, tmp_path: Path
) -> None:
    chunks = [gguf({"general.name": "Fake"}), b"second part " * 100, b"third"]
    model = fake_parts(on_path, chunks)
    heard: list[str] = []
    path = joined_model(model, cache=tmp_path / "cache", say=heard.append)
    assert path == tmp_path / "cache" / "fake-model.gguf"
    assert path.read_bytes() == b"".join(chunks)
    assert "joining its 3 parts" in heard[0] and "Apache-2.0 (test)" in heard[0]
    assert [p.name for p in path.parent.iterdir()] == ["fake-model.gguf"]  # no partial left
    heard.clear()
    assert joined_model(model, cache=tmp_path / "cache", say=heard.append) == path
    assert "joined before" in heard[0]


def test_parts_that_do_not_join_to_the_published_file_leave_nothing_behind(
    on_path: Path, tmp_path: Path
) -> None:
    model = fake_parts(on_path, [gguf({}), b"part two"])
    corrupt = on_path / "fakepart_model_part2" / "data" / "part02.bin"
    corrupt.write_bytes(b"part tw0")
    with pytest.raises(ConfigurationError, match=r"not the published .*force-reinstall"):
        joined_model(model, cache=tmp_path / "cache")
    assert list((tmp_path / "cache").iterdir()) == []


def test_missing_parts_name_the_command_that_installs_them(on_path: Path, tmp_path: Path) -> None:
    model = fake_parts(on_path, [gguf({})])
    missing = PartedModel(**{**model.__dict__, "parts": 3})
    with pytest.raises(ConfigurationError) as caught:
        joined_model(missing, cache=tmp_path / "cache")
    message = str(caught.value)
    assert "2 of its 3 packages are missing (fakepart-model-part2, fakepart-model-part3)" in message
    assert "bash scripts/llama-server install" in message
    assert "pip install fakepart-model-part{1..3}" in message


def test_local_true_and_default_name_the_default_model_in_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIEFING_CACHE_DIR", str(tmp_path))
    joined = tmp_path / "models" / f"{DEFAULT_MODEL.name}.gguf"
    joined.parent.mkdir()
    with joined.open("wb") as f:  # sparse: the size of the published file, read by no one
        f.write(b"GGUF")
        f.truncate(DEFAULT_MODEL.size)
    for spec in (True, "default", "DEFAULT"):
        resolved = resolve_local(spec)
        assert resolved.path == joined and resolved.name == DEFAULT_MODEL.name
        assert resolved.licence is not None and resolved.licence.startswith("Apache-2.0")


# --- a Hugging Face file, from a hub at HF_ENDPOINT ------------------------------------------


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """A hub on 127.0.0.1 serving one GGUF file as huggingface.co's resolve URLs do."""
    content = gguf({"general.license": "apache-2.0"})
    seen: list[str] = []

    class Hub(http.server.BaseHTTPRequestHandler):
        def answer(self, body: bool) -> None:
            seen.append(f"{self.command} {self.path}")
            if self.path != "/owner/repo/resolve/main/small.gguf":
                self.send_response(404)
                self.send_header("X-Error-Code", "EntryNotFound")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("X-Repo-Commit", "a" * 40)
            self.send_header("ETag", '"etag-of-small"')
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            if body:
                self.wfile.write(content)

        def do_HEAD(self) -> None:
            self.answer(body=False)

        def do_GET(self) -> None:
            self.answer(body=True)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{server.server_port}")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    yield seen
    server.shutdown()


def test_an_hf_reference_is_fetched_through_huggingface_hub_from_hf_endpoint(
    hub: list[str], tmp_path: Path
) -> None:
    pytest.importorskip("huggingface_hub")
    resolved = resolve_local("hf:owner/repo/small.gguf")
    assert resolved.path.read_bytes()[:4] == b"GGUF"
    assert resolved.path.is_relative_to(tmp_path / "hf")
    assert (resolved.name, resolved.licence) == ("small", "apache-2.0")
    assert "GET /owner/repo/resolve/main/small.gguf" in hub
    with pytest.raises(InputError, match=r"has no file 'other\.gguf'"):
        resolve_local("hf:owner/repo/other.gguf")
    with pytest.raises(InputError, match=r"write hf:OWNER/REPO/FILE\.gguf"):
        resolve_local("hf:owner/small.gguf")


# --- threads ---------------------------------------------------------------------------------


def test_threads_are_chosen_for_the_machine_and_overridable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(local.ENV_THREADS, raising=False)
    monkeypatch.delenv(local.ENV_BATCH_THREADS, raising=False)
    assert local.choose_threads(cpus=2, busy=0.1) == local.Threads(decode=2, prompt=2)
    assert local.choose_threads(cpus=2, busy=1.2) == local.Threads(decode=1, prompt=2)
    assert local.choose_threads(cpus=2, busy=6.0) == local.Threads(decode=1, prompt=2)
    assert local.choose_threads(cpus=16, busy=0.0) == local.Threads(decode=8, prompt=16)
    assert local.choose_threads(cpus=16, busy=11.7) == local.Threads(decode=4, prompt=16)
    monkeypatch.setenv(local.ENV_THREADS, "2")
    monkeypatch.setenv(local.ENV_BATCH_THREADS, "3")
    assert local.choose_threads(cpus=2) == local.Threads(decode=2, prompt=3)
    assert local.choose_threads(4, 5, cpus=2) == local.Threads(decode=4, prompt=5)
    monkeypatch.setenv(local.ENV_THREADS, "all")
    with pytest.raises(ConfigurationError, match="BRIEFING_LOCAL_THREADS='all'"):
        local.choose_threads(cpus=2)
    with pytest.raises(ConfigurationError, match="threads must be 1 or more"):
        local.choose_threads(0)


# --- the server's log, through local_session with a stand-in server --------------------------

STAND_IN = """
import http.server, json, sys
argv = sys.argv[1:]
port = int(argv[argv.index("--port") + 1])
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"data": [{"id": "stand-in", "argv": argv}]}).encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body)))
        self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): print("served", *a[1:], flush=True)
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
"""


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """llama-cpp-python's server replaced by a small HTTP server taking the same options."""
    script = tmp_path / "stand_in.py"
    script.write_text(STAND_IN)
    real = local.server_command

    def command(*args: Any) -> list[str]:
        return [sys.executable, str(script), *real(*args)[3:]]  # not `-m llama_cpp.server`

    monkeypatch.setattr(local, "server_command", command)
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: object() if name == "llama_cpp" else find_spec(name, *a),
    )
    model = tmp_path / "m.gguf"
    model.write_bytes(gguf({}))
    return model


def started(model: Path, **options: Any) -> tuple[local.LocalServer, list[str]]:
    heard: list[str] = []

    async def run() -> local.LocalServer:
        async with local.local_session(model, [9000], say=heard.append, **options) as session:
            models = await session.client.models.list()
            assert models.data[0].id == "stand-in"
            argv = models.data[0].model_extra["argv"]  # type: ignore[index]
            assert argv[argv.index("--n_threads") + 1] == "1"
            assert argv[argv.index("--n_threads_batch") + 1] == "2"
            assert session.server.log.is_file()
            return session.server

    return anyio.run(run), heard


def test_the_servers_temp_log_is_removed_on_exit_unless_kept(
    stand_in: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(local.ENV_KEEP_LOG, raising=False)
    server, heard = started(stand_in, threads=1, batch_threads=2)
    assert not server.log.parent.exists()
    assert "threads 1 writing, 2 reading the prompt" in heard[-1] and "; log " not in heard[-1]
    server, heard = started(stand_in, threads=1, batch_threads=2, keep_log=True)
    assert server.log.is_file() and f"log {server.log}" in heard[-1]
    shutil.rmtree(server.log.parent)
    monkeypatch.setenv(local.ENV_KEEP_LOG, "1")
    server, _ = started(stand_in, threads=1, batch_threads=2)
    assert server.log.is_file()
    shutil.rmtree(server.log.parent)


# --- the allowance: a long answer is cut and kept, not retried from scratch ------------------


def sse(text: str, *, tokens: int = 4) -> bytes:
    chunks = [text[i : i + tokens] for i in range(0, len(text), tokens)]
    lines = [{"id": "c1", "model": "stand-in", "created": 1,
              "choices": [{"index": 0, "delta": {"content": c}, "finish_reason": None}]}
             for c in chunks]  # fmt: skip
    lines.append({"id": "c1", "model": "stand-in", "created": 1,
                  "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})  # fmt: skip
    return b"".join(f"data: {json.dumps(c)}\n\n".encode() for c in lines) + b"data: [DONE]\n\n"


class Clock:
    """Advances by `step` seconds each time it is read after `start()`."""

    def __init__(self) -> None:
        self.now, self.step = 0.0, 0.0

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def streaming_client(
    answer: Callable[[dict[str, Any]], bytes], clock: Clock, heard: list[AnswerProgress]
) -> tuple[openai.AsyncOpenAI, list[dict[str, Any]]]:
    bodies: list[dict[str, Any]] = []

    async def upstream(request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        bodies.append(body)
        headers = {"content-type": "text/event-stream"}
        return httpx2.Response(200, content=answer(body), headers=headers)

    transport = AllowanceTransport(
        httpx2.MockTransport(upstream), clock=clock, on_answer=heard.append
    )
    client = openai.AsyncOpenAI(
        base_url="http://127.0.0.1:9/v1", api_key="local", max_retries=0,
        http_client=httpx2.AsyncClient(transport=transport),
    )  # fmt: skip
    return client, bodies


ARTICLE = Article(
    text=(
        "Iran and Russia signed a security pact in Moscow on Wednesday. Ahmad-Reza Radan said "
        'the visit "opens a new chapter" for the two countries. Viktor Zolotov said the pact '
        "covers policing."
    ),
    published="2023-06-29",
)
ANSWERS: dict[str, dict[str, Any]] = {
    "headline": {"headline": "Iran and Russia sign a pact", "bluf": "A pact.", "key_points": []},
    "agreements": {"agreements": []},
    "officials": {"officials": [
        {"name": "Ahmad-Reza Radan", "title": None, "affiliation": None, "country": "Iran",
         "other_names": [], "evidence": [2]}]},
    "claims": {"rows": [
        {"sentence": 2, "claimant": "Ahmad-Reza Radan", "statement": "The visit opens a new "
         "chapter.", "kind": "assertion", "target": None},
        {"sentence": 3, "claimant": "Viktor Zolotov", "statement": "The pact covers policing.",
         "kind": "assertion", "target": None}]},
}  # fmt: skip


def section_of(body: dict[str, Any]) -> str:
    if '"rows"' in body["messages"][-1]["content"]:
        return "claims"  # asked about the sentences that report speech, a row each
    asked = body["messages"][-1]["content"].split("\n\n")[0].lower()
    return next(k for k in ("agreements", "officials", "claims") if k in asked) if any(
        k in asked for k in ("agreements", "officials", "claims")
    ) else "headline"  # fmt: skip


def test_an_answer_past_its_allowance_is_cut_and_its_finished_items_kept_not_retried() -> None:
    clock, heard = Clock(), list[AnswerProgress]()
    claims_text = json.dumps(ANSWERS["claims"])

    def answer(body: dict[str, Any]) -> bytes:
        section = section_of(body)
        # the claims answer is slow: its allowance runs out inside the second claim
        clock.step = 0.0
        if section == "claims":
            allowance = allowance_for(body, ceiling=900).seconds
            lines = 2 * (claims_text.index("Viktor Zolotov") // 4)  # an event and a blank line
            clock.step = allowance / lines
        return sse(json.dumps(ANSWERS[section]))

    client, bodies = streaming_client(answer, clock, heard)
    brief = generate_brief(ARTICLE, client=client, mode="sections", max_retries=0, timeout=900)
    assert len(bodies) == 4 and all(b["stream"] is True for b in bodies)
    assert [h.cut for h in heard] == [False, False, False, True]
    assert [c.claimant for c in brief.claims] == ["Ahmad-Reza Radan"]
    assert any("cut off at the length limit" in n for n in brief.record.notes)
    assert [o.name for o in brief.officials] == ["Ahmad-Reza Radan"]
    assert heard[0].tokens == -(-len(json.dumps(ANSWERS["headline"])) // 4)  # chunks


def test_the_allowance_grows_with_the_request_and_stays_within_the_callers_timeout() -> None:
    short = {"messages": [{"role": "user", "content": "x" * 300}], "max_tokens": 100}
    long = {"messages": [{"role": "user", "content": "x" * 30_000}], "max_tokens": 1024}
    assert allowance_for(short).seconds < allowance_for(long).seconds
    assert allowance_for(long, ceiling=120).seconds == pytest.approx(114)
    assert allowance_for(long).prompt_tokens == len(json.dumps(long["messages"])) // 3


# --- progress per section --------------------------------------------------------------------


def test_each_section_is_announced_as_it_starts() -> None:
    from briefing.testing import FakeModel

    fake = FakeModel([ANSWERS[k] for k in ("headline", "agreements", "officials", "claims")])
    events: list[SectionStarted] = []
    with section_progress(events.append):
        generate_brief(ARTICLE, client=fake.client(), mode="sections", max_retries=0)
    assert [(e.name, e.number, e.total) for e in events] == [
        ("Summary", 1, 4), ("Agreements", 2, 4), ("Officials", 3, 4), ("Claims", 4, 4)
    ]  # fmt: skip
    assert events[0].article.startswith("Iran and Russia signed")
    generate_brief(ARTICLE, client=FakeModel(list(ANSWERS.values())).client(), mode="sections")
    assert len(events) == 4  # heard only inside the block


# --- `briefing --local [MODEL]`, through the command, with a stand-in llama.cpp server ---------

CHAT_STAND_IN = """
import http.server, json, sys
from pathlib import Path
here = Path(__file__).parent
argv = sys.argv[1:]
port = int(argv[argv.index("--port") + 1])
with (here / "started.jsonl").open("a") as f:
    f.write(json.dumps(argv) + "\\n")
answers = json.loads((here / "answers.json").read_text())
def section(body):
    if '"rows"' in body["messages"][-1]["content"]:
        return "claims"
    asked = body["messages"][-1]["content"].split("\\n\\n")[0].lower()
    return next((k for k in ("agreements", "officials", "claims") if k in asked), "headline")
def sse(text):
    chunks = [text[i : i + 4] for i in range(0, len(text), 4)]
    events = [{"id": "c1", "model": "m", "created": 1,
               "choices": [{"index": 0, "delta": {"content": c}, "finish_reason": None}]}
              for c in chunks]
    events.append({"id": "c1", "model": "m", "created": 1,
                   "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    return b"".join(f"data: {json.dumps(e)}\\n\\n".encode() for e in events) + b"data: [DONE]\\n\\n"
class H(http.server.BaseHTTPRequestHandler):
    def reply(self, body, kind):
        self.send_response(200); self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        self.reply(json.dumps({"data": [{"id": "stand-in"}]}).encode(), "application/json")
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with (here / "requests.jsonl").open("a") as f:
            f.write(json.dumps(body["model"]) + "\\n")
        self.reply(sse(json.dumps(answers[section(body)])), "text/event-stream")
    def log_message(self, *a): print("served", *a[1:], flush=True)
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
"""


@pytest.fixture
def chat_stand_in(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """llama-cpp-python's server replaced by one answering each section as ANSWERS says, with
    the default model "joined" in a private cache (a sparse GGUF file of the published size)."""
    folder = tmp_path / "stand-in"
    folder.mkdir()
    (folder / "server.py").write_text(CHAT_STAND_IN)
    (folder / "answers.json").write_text(json.dumps(ANSWERS))
    real = local.server_command
    monkeypatch.setattr(
        local,
        "server_command",
        lambda *args: [sys.executable, str(folder / "server.py"), *real(*args)[3:]],
    )
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: object() if name == "llama_cpp" else find_spec(name, *a),
    )
    monkeypatch.setenv("BRIEFING_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv(local.ENV_KEEP_LOG, raising=False)
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "BRIEFING_MODEL", "BRIEFING_MODE"):
        monkeypatch.delenv(name, raising=False)
    joined = tmp_path / "cache" / "models" / f"{DEFAULT_MODEL.name}.gguf"
    joined.parent.mkdir(parents=True)
    with joined.open("wb") as f:
        f.write(gguf({}))
        f.truncate(DEFAULT_MODEL.size)
    (tmp_path / "pact.txt").write_text(ARTICLE.text)
    return folder


def lines(path: Path) -> list[Any]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_local_alone_briefs_with_the_default_model_showing_licence_and_progress(
    chat_stand_in: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from briefing.cli.main import main

    article = str(tmp_path / "pact.txt")
    flags = ["--date", "2023-06-29", "--threads", "1", "--batch-threads", "2"]
    assert main(["--local", article, *flags]) == 0  # the article is not taken for the model
    out, err = capsys.readouterr()
    assert "Ahmad-Reza Radan" in out and "Viktor Zolotov" in out
    (argv,) = lines(chat_stand_in / "started.jsonl")
    assert argv[argv.index("--model") + 1].endswith(f"models/{DEFAULT_MODEL.name}.gguf")
    assert argv[argv.index("--n_threads") + 1] == "1"
    assert argv[argv.index("--n_threads_batch") + 1] == "2"
    assert f"licence {DEFAULT_MODEL.licence}" in err
    assert "; log " not in err  # the server's temp log is not kept
    sections = [line for line in err.splitlines() if ": section " in line]
    assert [line.rsplit(": section ", 1)[1] for line in sections] == [
        "1/4: summary", "2/4: agreements", "3/4: officials", "4/4: claims in sentences 2-3"
    ]  # fmt: skip
    assert sections[0].startswith("briefing: Iran and Russia signed")
    assert len([line for line in err.splitlines() if line.startswith("briefing: answer: ")]) == 4
    assert lines(chat_stand_in / "requests.jsonl") == [DEFAULT_MODEL.name] * 4

    # the rerun is answered by the cache, says so, and starts no model
    assert main(["--local", article, *flags]) == 0
    again, err = capsys.readouterr()
    assert again == out
    assert "every briefing is in the cache; the model was not started" in err
    assert f"{article}: from the cache (" in err
    assert len(lines(chat_stand_in / "started.jsonl")) == 1
    assert len(lines(chat_stand_in / "requests.jsonl")) == 4


def test_local_takes_a_gguf_file_and_keeps_the_servers_log_when_asked(
    chat_stand_in: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from briefing.cli.main import main

    model = tmp_path / "tiny-model.gguf"
    model.write_bytes(gguf({"general.license": "mit"}))
    article = str(tmp_path / "pact.txt")
    assert (
        main(["--local", str(model), article, "--keep-server-log", "--no-cache", "-f", "json"]) == 0
    )
    out, err = capsys.readouterr()
    assert json.loads(out)["officials"][0]["name"] == "Ahmad-Reza Radan"
    (argv,) = lines(chat_stand_in / "started.jsonl")
    assert argv[argv.index("--model") + 1] == str(model)
    assert lines(chat_stand_in / "requests.jsonl") == ["tiny-model"] * 4
    assert "licence mit" in err
    log = Path(err.split("; log ", 1)[1].split()[0])
    assert log.name == "server.log" and "served" in log.read_text()
    shutil.rmtree(log.parent)


def test_local_refuses_before_loading_a_model_when_no_article_can_be_read(
    chat_stand_in: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from briefing.cli.main import main

    assert main(["--local", str(tmp_path / "missing.txt")]) == 2
    assert "missing.txt: no such file" in capsys.readouterr().err
    assert main(["--local"]) == 2
    assert "give the article FILE(s)" in capsys.readouterr().err
    assert main(["--threads", "2", str(tmp_path / "pact.txt")]) == 2
    assert "go with --local" in capsys.readouterr().err
    assert not (chat_stand_in / "started.jsonl").exists()


def test_the_batch_apis_take_local_as_generate_brief_does(
    chat_stand_in: Path, tmp_path: Path
) -> None:
    """generate_briefs, agenerate_briefs and brief_frame serve the default model for the batch."""
    import asyncio

    import pandas

    from briefing import agenerate_briefs, brief_frame, generate_briefs

    [result] = list(generate_briefs([ARTICLE], local=True, cache=False))
    assert result.ok and result.brief is not None
    assert [o.name for o in result.brief.officials] == ["Ahmad-Reza Radan"]

    async def run() -> list[Any]:
        return [r async for r in agenerate_briefs([ARTICLE], local="default", cache=False)]

    assert [r.ok for r in asyncio.run(run())] == [True]
    rows = brief_frame(pandas.DataFrame({"text": [ARTICLE.text]}), published=None, local=True,
                       cache=False)  # fmt: skip
    assert rows["error_type"].isna().all()
    assert len(lines(chat_stand_in / "started.jsonl")) == 3  # one server per batch


# --- SIGTERM while a local model answers: the server stops and its temp folder goes ----------

STALLING_SERVER = """
import http.server, json, os, sys, threading
from pathlib import Path
here = Path(__file__).parent
argv = sys.argv[1:]
port = int(argv[argv.index("--port") + 1])
(here / "server.pid").write_text(str(os.getpid()))
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"data": [{"id": "stand-in"}]}).encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body)))
        self.end_headers(); self.wfile.write(body)
    def do_POST(self):
        (here / "asked").touch()
        threading.Event().wait()
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
"""

TERMINATED_DRIVER = """
import importlib.util, sys
from briefing.local import server as local
folder, model, article = sys.argv[1:4]
real = local.server_command
local.server_command = lambda *a: [sys.executable, folder + "/server.py", *real(*a)[3:]]
find_spec = importlib.util.find_spec
importlib.util.find_spec = lambda n, *a: object() if n == "llama_cpp" else find_spec(n, *a)
from briefing.cli.entry import main
raise SystemExit(main(["--local", model, article, "--no-cache", "--threads", "1"]))
"""


def until(path: Path, process: Any) -> None:
    """Wait until PATH exists, failing if the process ends first or a minute goes by."""
    for _ in range(1200):
        if path.exists():
            return
        if process.poll() is not None:
            pytest.fail(f"the command ended first: {process.communicate()}")
        threading.Event().wait(0.05)
    pytest.fail(f"{path.name} never appeared")


def test_sigterm_stops_the_local_server_and_removes_its_temp_folder(tmp_path: Path) -> None:
    """A scheduler's or container's `kill` ends the command as Ctrl-C does: exit 143, no
    llama.cpp server left running, no briefing-llama-* folder left in the temp folder."""
    import os
    import signal
    import subprocess

    (tmp_path / "server.py").write_text(STALLING_SERVER)
    model = tmp_path / "m.gguf"
    model.write_bytes(gguf({}))
    (tmp_path / "pact.txt").write_text(ARTICLE.text)
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "BRIEFING_"))}
    env |= {"TMPDIR": str(temp), "BRIEFING_CACHE_DIR": str(tmp_path / "cache")}
    args = [str(tmp_path), str(model), str(tmp_path / "pact.txt")]
    process = subprocess.Popen(
        [sys.executable, "-c", TERMINATED_DRIVER, *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        until(tmp_path / "asked", process)
        assert list(temp.glob("briefing-llama-*"))  # the server's log folder, while it runs
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 128 + signal.SIGTERM, err
    assert "Traceback" not in err
    server = int((tmp_path / "server.pid").read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(server, 0)
    assert not list(temp.glob("briefing-llama-*"))
