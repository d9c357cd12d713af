"""`briefing --local [MODEL]`: the command's side of a local model.

What `--local`'s optional value means (a model, or the first article argparse took for one),
the server for the length of the run (`local_session`, entered from the command's synchronous
code), what the terminal shows while a small model works (the licence, each section as it
starts, each answer as it ends), and a rerun answered from the cache without loading the model.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

from briefing.batch.cache import BriefCache
from briefing.batch.run import BriefResult
from briefing.cli.console import say
from briefing.errors import BriefingError
from briefing.extract.sections import SectionStarted, section_progress
from briefing.extract.settings import Settings, resolve_mode, resolve_model
from briefing.load.article import Article
from briefing.local.models import DEFAULT_MODEL, HF_PREFIX, is_default
from briefing.local.server import LOCAL_ENDPOINT, LocalSession, local_session
from briefing.local.stream import AnswerProgress
from briefing.sync import run_sync

DEFAULT = "default"
LOCAL_CONCURRENCY = 1  # llama.cpp's server answers one request at a time; a queued one would
# spend its allowance waiting


def split_local(value: str, files: list[Path], article_suffixes: tuple[str, ...]) -> tuple[
    str, list[Path]
]:  # fmt: skip
    """`--local`'s value and the files, with an article argparse took for the model given
    back: `briefing --local seeds/000.txt` means the default model on that article. A value is
    an article when it is stdin (`-`), a folder, an existing file that is not a GGUF file, or a
    missing file with an article's extension; `default` and `hf:...` are always models."""
    if is_default(value) or value.startswith(HF_PREFIX):
        return value, files
    path = Path(value).expanduser()
    if value == "-" or path.is_dir():
        return DEFAULT, [Path(value), *files]
    if path.is_file():
        with path.open("rb") as f:
            is_gguf = f.read(4) == b"GGUF"
        return (value, files) if is_gguf else (DEFAULT, [Path(value), *files])
    if path.suffix.lower() in article_suffixes:
        return DEFAULT, [Path(value), *files]
    return value, files


def model_name(local: str) -> str:
    """The name the server will report for `local`, known before anything is fetched or
    joined (the cache's key holds it)."""
    if is_default(local):
        return DEFAULT_MODEL.name
    return Path(local.removeprefix(HF_PREFIX).partition("@")[0]).name.removesuffix(".gguf")


def without_model(
    files: list[Path], options: argparse.Namespace, load: Callable[[Path], Article]
) -> list[BriefResult] | None:
    """Every article's outcome when none needs the model (each one cached, or not loadable):
    a rerun, or a mistyped file name, then loads no model. None when any article needs it
    (the batch's cache still answers those that are cached)."""
    if options.jsonl is not None or any(str(p) == "-" for p in files):
        return None
    cache = None if options.no_cache else BriefCache(options.cache_dir)
    model = resolve_model(options.model or model_name(options.local))
    settings = Settings(model, resolve_mode(options.mode, LOCAL_ENDPOINT), LOCAL_ENDPOINT)
    results: list[BriefResult] = []
    for path in files:
        try:
            article = load(path)
        except BriefingError as exc:
            results.append(BriefResult(str(path), None, None, exc))
            continue
        hit = cache.get(cache.key(article, settings), article) if cache is not None else None
        if hit is None:
            return None
        results.append(BriefResult(str(path), article, hit, cached=True))
    return results


def _section(event: SectionStarted) -> None:
    say(f"{event.article}: section {event.number}/{event.total}: {event.label}")


def _answer(progress: AnswerProgress) -> None:
    speed = progress.tokens / progress.seconds if progress.seconds > 0 else 0.0
    cut = (
        f"; cut at its allowance of {progress.allowance.seconds:.0f} s, the finished items kept"
        if progress.cut
        else ""
    )
    say(f"answer: {progress.tokens} tokens in {progress.seconds:.0f} s ({speed:.1f}/s){cut}")


@contextlib.contextmanager
def served(files: list[Path], options: argparse.Namespace) -> Iterator[LocalSession]:
    """`local_session` for the command's synchronous code, sized to `files`, telling the
    terminal what happens unless --quiet."""
    quiet = bool(options.quiet)
    sizes = [p.stat().st_size if str(p) != "-" and p.is_file() else 0 for p in files]
    keep_log = True if options.keep_server_log else None  # else BRIEFING_LOCAL_KEEP_LOG
    session_manager = local_session(
        options.local,
        sizes,
        answer_tokens=options.max_tokens,
        threads=options.threads,
        batch_threads=options.batch_threads,
        keep_log=keep_log,
        say=None if quiet else say,
        on_answer=None if quiet else _answer,
    )
    session = run_sync(session_manager.__aenter__())
    try:
        with contextlib.ExitStack() as listening:
            if not quiet:
                listening.enter_context(section_progress(_section))
            yield session
    finally:
        # Closed as after a normal end whatever happened: local_session only stops its server
        # and client, and a KeyboardInterrupt thrown into the shared loop would stop the loop.
        run_sync(session_manager.__aexit__(None, None, None))


def check_threads(value: str) -> int:
    """--threads / --batch-threads: a whole number, 1 or more."""
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r}: give a whole number of threads, 1 or more")
    return int(value)


def threads_help(what: str, env: str, default: str) -> str:
    return f"threads {what} with --local (default: ${env}, else {default})"


__all__ = [
    "DEFAULT",
    "LOCAL_CONCURRENCY",
    "check_threads",
    "model_name",
    "served",
    "split_local",
    "threads_help",
    "without_model",
]  # fmt: skip
