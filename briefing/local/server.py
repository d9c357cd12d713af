"""A llama.cpp server of the library's own, for `local="MODEL.gguf"` and `briefing --local`.

A child process (`python -m llama_cpp.server`, from the `local` extra) on a free port of
127.0.0.1, with every core and a context sized to the articles, stopped when the run ends. A
child rather than in-process: the model's threads, memory and any crash stay out of the
caller's process, and the pipeline talks to it as to any OpenAI-compatible endpoint.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import anyio
import anyio.to_thread
import openai

from briefing.errors import ConfigurationError, InputError

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


@dataclass(frozen=True)
class LocalServer:
    """A running server: where it answers, under which model name, and its settings."""

    base_url: str
    model: str
    n_ctx: int
    threads: int
    log: Path


def context_for(sizes: list[int], answer_tokens: int | None = None) -> int:
    """A context window that holds the longest article (`sizes` in characters, or bytes of
    a file) with the prompt and an answer: about three characters a token (fewer for most
    scripts than for English, so this errs long), a multiple of 1024 in [4096, 32768]."""
    longest = max(sizes, default=0)
    wanted = longest // 3 + PROMPT_TOKENS + (answer_tokens or ANSWER_TOKENS)
    return max(MIN_CONTEXT, min(MAX_CONTEXT, -(-wanted // 1024) * 1024))


def check_model_file(model: str | os.PathLike[str]) -> Path:
    path = Path(model).expanduser()
    if not path.is_file():
        raise InputError(f"local model {str(model)!r}: no such file")
    with path.open("rb") as f:
        if f.read(4) != b"GGUF":
            raise InputError(f"local model {str(path)!r} is not a GGUF file (llama.cpp's format)")
    return path


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


@contextlib.contextmanager
def local_server(
    model: str | os.PathLike[str],
    *,
    n_ctx: int = 8192,
    threads: int | None = None,
    wait_seconds: float = 300.0,
) -> Iterator[LocalServer]:
    """Start llama.cpp's server on `model`, yield it once it answers, stop it afterwards."""
    path = check_model_file(model)
    if importlib.util.find_spec("llama_cpp") is None:
        raise ConfigurationError(f"local=... needs llama.cpp: {INSTALL_HINT}")
    cores = threads or os.cpu_count() or 1
    port = _free_port()
    alias = path.name.removesuffix(".gguf")
    base_url = f"http://127.0.0.1:{port}/v1"
    log = Path(tempfile.mkdtemp(prefix="briefing-llama-")) / "server.log"
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(path), "--model_alias", alias,
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(n_ctx),
        "--n_threads", str(cores), "--n_threads_batch", str(cores),
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + wait_seconds
        while not _answers(base_url):
            if process.poll() is not None:
                raise ConfigurationError(
                    f"llama.cpp's server stopped while loading {path.name} (exit "
                    f"{process.returncode}); its log {log} ends:\n{_tail(log)}"
                )
            if time.monotonic() > deadline:
                raise ConfigurationError(
                    f"llama.cpp's server did not answer within {wait_seconds:.0f} s of loading "
                    f"{path.name}; its log {log} ends:\n{_tail(log)}"
                )
            time.sleep(0.25)
        yield LocalServer(base_url, alias, n_ctx, cores, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.asynccontextmanager
async def local_client(
    model: str | os.PathLike[str], sizes: list[int], *, answer_tokens: int | None = None
) -> AsyncIterator[tuple[openai.AsyncOpenAI, str]]:
    """A client of a local server sized for articles of `sizes`, and the model it serves."""
    stack = contextlib.ExitStack()
    server = await anyio.to_thread.run_sync(
        stack.enter_context, local_server(model, n_ctx=context_for(sizes, answer_tokens))
    )
    try:
        client = openai.AsyncOpenAI(base_url=server.base_url, api_key="local", max_retries=0)
        try:
            yield client, server.model
        finally:
            await client.close()
    finally:
        await anyio.to_thread.run_sync(stack.close)
