"""A llama.cpp server of the library's own, for `local=...` and `briefing --local`.

A child process (`python -m llama_cpp.server`, from the `local` extra) on a free port of
127.0.0.1, with threads chosen for the machine and a context sized to the articles, stopped when
the run ends. A child rather than in-process: the model's threads, memory and any crash stay out
of the caller's process, and the pipeline talks to it as to any OpenAI-compatible endpoint.
`local_session` is the entry point: it resolves what `local` names (the default model, a file,
hf:REPO/FILE.gguf), starts the server and yields a client whose answers are streamed under an
allowance that scales with each request (see `briefing.local.stream`).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import anyio
import anyio.to_thread
import httpx2
import openai

from briefing.errors import ConfigurationError
from briefing.local.models import LocalModel, ResolvedModel, check_model_file, resolve_local
from briefing.local.stream import AllowanceTransport, AnswerProgress

__all__ = [
    "LocalServer", "LocalSession", "Threads", "check_model_file", "choose_threads",
    "client_for", "context_for", "local_client", "local_server", "local_session",
]  # fmt: skip

INSTALL_HINT = (
    "install llama-cpp-python's server: `bash scripts/llama-server install` in a clone (builds "
    "it once and caches the wheel), or pip install 'grounded-briefing[local]'"
)
LOCAL_ENDPOINT = "http://127.0.0.1"
# Seconds for one answer of a local model, when the caller kept the default: a 1.5B model on
# two cores reads about 35 prompt tokens and writes 4-11 tokens a second.
LOCAL_TIMEOUT = 900.0
MIN_CONTEXT, MAX_CONTEXT = 4096, 32768
PROMPT_TOKENS = 2500  # the system prompt, the schema and a section request, with room to spare
ANSWER_TOKENS = 2048


ENV_THREADS = "BRIEFING_LOCAL_THREADS"
ENV_BATCH_THREADS = "BRIEFING_LOCAL_BATCH_THREADS"
ENV_KEEP_LOG = "BRIEFING_LOCAL_KEEP_LOG"


@dataclass(frozen=True)
class Threads:
    """CPU threads for writing tokens (decode) and for reading the prompt (batched work)."""

    decode: int
    prompt: int

    def __str__(self) -> str:
        return f"{self.decode} writing, {self.prompt} reading the prompt"


@dataclass(frozen=True)
class LocalServer:
    """A running server: where it answers, under which model name, and its settings."""

    base_url: str
    model: str
    n_ctx: int
    threads: Threads
    log: Path


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity, which containers narrow)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_decode_threads(cpus: int, busy: float) -> int:
    """Writing threads for a machine with `cpus` CPUs of which `busy` are in use by others
    (the load average). Each thread needs a core of its own: on this 2-core machine, idle, two
    threads wrote the 1.5B model 1.75x faster than one, and with the other core busy several
    times slower (`python benchmarks/local_threads.py`). So the idle cores, at most the
    physical ones (half the CPUs from 4 up), and at least one."""
    physical = cpus if cpus <= 3 else cpus // 2
    return max(1, min(physical, cpus - round(busy)))


def machine_load(window: float = 0.3) -> float:
    """How many CPUs other work keeps busy now: sampled from /proc/stat over `window` seconds
    (the load average lags a minute behind, and still counts a server that just stopped),
    else the 1-minute load average, else none."""
    try:
        before = _cpu_times()
        time.sleep(window)
        after = _cpu_times()
        total = sum(after) - sum(before)
        idle = (after[3] + after[4]) - (before[3] + before[4])
        return (1 - idle / total) * usable_cpus() if total > 0 else 0.0
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.getloadavg()[0]
    except OSError:
        return 0.0


def _cpu_times() -> list[int]:
    with open("/proc/stat", encoding="ascii") as stat:
        return [int(field) for field in stat.readline().split()[1:]]


def _env_threads(name: str) -> int | None:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigurationError(f"{name}={raw!r}: give a whole number of threads, 1 or more")
    return int(raw)


def choose_threads(
    threads: int | None = None,
    batch_threads: int | None = None,
    *,
    cpus: int | None = None,
    busy: float | None = None,
) -> Threads:
    """Threads for the server: the arguments, else BRIEFING_LOCAL_THREADS /
    BRIEFING_LOCAL_BATCH_THREADS, else chosen for this machine's CPUs and how busy they are."""
    cpus = cpus or usable_cpus()
    for name, value in (("threads", threads), ("batch_threads", batch_threads)):
        if value is not None and value < 1:
            raise ConfigurationError(f"{name} must be 1 or more, not {value}")
    decode = (
        threads
        or _env_threads(ENV_THREADS)
        or default_decode_threads(cpus, machine_load() if busy is None else busy)
    )
    prompt = batch_threads or _env_threads(ENV_BATCH_THREADS) or cpus
    return Threads(decode, prompt)


def keep_log_default() -> bool:
    return os.environ.get(ENV_KEEP_LOG, "").strip().lower() in ("1", "true", "yes", "on")


def context_for(sizes: list[int], answer_tokens: int | None = None) -> int:
    """A context window that holds the longest article (`sizes` in characters, or bytes of
    a file) with the prompt and an answer: about three characters a token (fewer for most
    scripts than for English, so this errs long), a multiple of 1024 in [4096, 32768]."""
    longest = max(sizes, default=0)
    wanted = longest // 3 + PROMPT_TOKENS + (answer_tokens or ANSWER_TOKENS)
    return max(MIN_CONTEXT, min(MAX_CONTEXT, -(-wanted // 1024) * 1024))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _answers(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/models", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def server_command(path: Path, alias: str, port: int, n_ctx: int, threads: Threads) -> list[str]:
    """The command line of llama-cpp-python's server (the seam tests replace)."""
    return [
        sys.executable, "-m", "llama_cpp.server", "--model", str(path), "--model_alias", alias,
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(n_ctx),
        "--n_threads", str(threads.decode), "--n_threads_batch", str(threads.prompt),
    ]  # fmt: skip


@contextlib.contextmanager
def local_server(
    model: str | os.PathLike[str],
    *,
    n_ctx: int = 8192,
    threads: int | Threads | None = None,
    wait_seconds: float = 300.0,
    keep_log: bool | None = None,
    alias: str | None = None,
) -> Iterator[LocalServer]:
    """Start llama.cpp's server on the GGUF file `model`, yield it once it answers, stop it
    afterwards. Its log is in a temporary folder removed on exit, unless `keep_log` (or
    BRIEFING_LOCAL_KEEP_LOG=1) keeps it, or the server failed (the error names the log)."""
    path = check_model_file(model)
    if importlib.util.find_spec("llama_cpp") is None:
        raise ConfigurationError(f"a local model needs llama.cpp: {INSTALL_HINT}")
    chosen = threads if isinstance(threads, Threads) else choose_threads(threads)
    keep = keep_log_default() if keep_log is None else keep_log
    port = _free_port()
    name = alias or path.name.removesuffix(".gguf")
    base_url = f"http://127.0.0.1:{port}/v1"
    folder = Path(tempfile.mkdtemp(prefix="briefing-llama-"))
    log = folder / "server.log"
    failed = False
    with log.open("wb") as out:
        process = subprocess.Popen(
            server_command(path, name, port, n_ctx, chosen), stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + wait_seconds
        while not _answers(base_url):
            if process.poll() is not None:
                failed = True
                raise ConfigurationError(
                    f"llama.cpp's server stopped while loading {path.name} (exit "
                    f"{process.returncode}); its log {log} ends:\n{_tail(log)}"
                )
            if time.monotonic() > deadline:
                failed = True
                raise ConfigurationError(
                    f"llama.cpp's server did not answer within {wait_seconds:.0f} s of loading "
                    f"{path.name}; its log {log} ends:\n{_tail(log)}"
                )
            time.sleep(0.25)
        yield LocalServer(base_url, name, n_ctx, chosen, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if not (keep or failed):
            shutil.rmtree(folder, ignore_errors=True)


def client_for(
    server: LocalServer, *, on_answer: Callable[[AnswerProgress], None] | None = None
) -> openai.AsyncOpenAI:
    """A client of `server` whose answers stream under their allowance (closing the client
    closes its transport)."""
    transport = AllowanceTransport(on_answer=on_answer)
    return openai.AsyncOpenAI(
        base_url=server.base_url,
        api_key="local",
        max_retries=0,
        http_client=httpx2.AsyncClient(transport=transport, timeout=None),
    )


@dataclass(frozen=True)
class LocalSession:
    """What a batch needs from a local model: a client of its server and the model's name."""

    client: openai.AsyncOpenAI
    model: str
    server: LocalServer
    resolved: ResolvedModel


Notice = Callable[[str], None]


@contextlib.asynccontextmanager
async def local_session(
    local: LocalModel,
    sizes: list[int],
    *,
    answer_tokens: int | None = None,
    threads: int | None = None,
    batch_threads: int | None = None,
    keep_log: bool | None = None,
    say: Notice | None = None,
    on_answer: Callable[[AnswerProgress], None] | None = None,
) -> AsyncIterator[LocalSession]:
    """A local model served for the length of a run over articles of `sizes` (characters):
    `local` is True / "default" (the default model), "hf:OWNER/REPO/FILE.gguf" or a GGUF path.
    `say` hears what is happening (joining the default model, the server's settings, its
    licence); `on_answer` hears each answer as it ends (tokens, seconds, cut at its allowance)."""
    chosen = choose_threads(threads, batch_threads)  # a bad setting is refused before loading
    resolved = await anyio.to_thread.run_sync(lambda: resolve_local(local, say=say))
    n_ctx = context_for(sizes, answer_tokens)
    stack = contextlib.ExitStack()
    server = await anyio.to_thread.run_sync(
        stack.enter_context,
        local_server(resolved.path, n_ctx=n_ctx, threads=chosen, keep_log=keep_log,
                     alias=resolved.name),
    )  # fmt: skip
    try:
        if say is not None:
            licence = f"; licence {resolved.licence}" if resolved.licence else ""
            kept = (
                f"; log {server.log}"
                if (keep_log_default() if keep_log is None else keep_log)
                else ""
            )
            say(
                f"local model {resolved.name} ({resolved.origin}) served by llama.cpp on "
                f"{server.base_url}: context {n_ctx} tokens, threads {chosen}{licence}{kept}"
            )
        client = client_for(server, on_answer=on_answer)
        try:
            yield LocalSession(client, server.model, server, resolved)
        finally:
            await client.close()
    finally:
        await anyio.to_thread.run_sync(stack.close)


@contextlib.asynccontextmanager
async def local_client(
    model: LocalModel, sizes: list[int], *, answer_tokens: int | None = None
) -> AsyncIterator[tuple[openai.AsyncOpenAI, str]]:
    """A client of a local server sized for articles of `sizes`, and the model it serves
    (`local_session` with its defaults, for `generate_brief(local=...)`)."""
    async with local_session(model, sizes, answer_tokens=answer_tokens) as session:
        yield session.client, session.model
