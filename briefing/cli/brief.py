"""`briefing brief`: articles in (files, folders, stdin), briefings out (stdout or files).

Live (an endpoint configured): a concurrent batch with cache, budget, progress bar and an
optional resumable JSONL log. Offline: each article's cassette replayed, one after another.
"""

from __future__ import annotations

import argparse
import itertools
import re
import sys
import tempfile
import webbrowser
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai

from briefing.batch.cache import BriefCache
from briefing.batch.run import BriefResult, generate_briefs
from briefing.cli.console import say
from briefing.cli.local import (
    DEFAULT,
    LOCAL_CONCURRENCY,
    check_threads,
    served,
    split_local,
    threads_help,
    without_model,
)
from briefing.cli.output import (
    UsageError,
    add_output_options,
    iso_date,
    plural,
    resolve_output,
)
from briefing.errors import BriefingError, BudgetExceededError, UserError
from briefing.extract.settings import (
    DEFAULT_TIMEOUT,
    ENV_BASE_URL,
    ENV_KEY,
    ENV_MODEL,
    MODES,
    OFFLINE_GUIDE,
    env_configured,
)
from briefing.load.article import Article, article_from_bytes, load_article
from briefing.local.server import ENV_BATCH_THREADS, ENV_KEEP_LOG, ENV_THREADS, LOCAL_TIMEOUT
from briefing.models import Brief, Usage

EXIT_OK, EXIT_MODEL, EXIT_USER = 0, 1, 2
CONCURRENCY = 8
ARTICLE_SUFFIXES = (".txt", ".md", ".text", ".html", ".htm", ".pdf", ".docx")
__all__ = ["ARTICLE_SUFFIXES", "UsageError", "add_arguments", "emit", "expand", "run_brief"]


NOT_ARTICLES = re.compile(
    r"^(readme|sources?|licen[cs]e|copying|changelog|changes|notice|authors|credits|contributing)"
    r"(\.|$)",
    re.IGNORECASE,
)


def expand(paths: list[Path], *, quiet: bool = False) -> list[Path]:
    """Files as given; a folder stands for the article files directly inside it. What it
    holds besides (READMEs, SOURCES, LICENSE, files of other kinds) is named in one notice on
    stderr; hidden files and subfolders are passed over."""
    expanded: list[Path] = []
    for path in paths:
        if not path.is_dir():
            expanded.append(path)
            continue
        files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
        found = [p for p in files if p.suffix.lower() in ARTICLE_SUFFIXES]
        not_articles = [p.name for p in found if NOT_ARTICLES.match(p.name)]
        found = [p for p in found if not NOT_ARTICLES.match(p.name)]
        other = [p.name for p in files if p.suffix.lower() not in ARTICLE_SUFFIXES]
        reasons = [
            f"{', '.join(not_articles)} (not articles)" if not_articles else "",
            f"{', '.join(other)} (not {'/'.join(ARTICLE_SUFFIXES)})" if other else "",
        ]
        if any(reasons) and not quiet:
            say(f"{path}: skipped {'; '.join(r for r in reasons if r)}")
        if not found:
            raise UsageError(f"{path}: no article files ({', '.join(ARTICLE_SUFFIXES)}) in it")
        expanded += found
    return expanded


def check_output_options(options: argparse.Namespace) -> None:
    """Every output option, checked before the first request: -o and -f as every command
    reads them (`briefing.cli.output`), and the templates folder must exist."""
    resolve_output(options)
    if options.templates is not None and not options.templates.is_dir():
        raise UsageError(f"--templates {options.templates}: no such folder")


def run_brief(options: argparse.Namespace) -> int:
    if options.open:
        options.format = "html"
    if options.local is not None:
        options.local, options.files = split_local(options.local, options.files, ARTICLE_SUFFIXES)
    elif options.threads or options.batch_threads or options.keep_server_log:
        raise UsageError("--threads, --batch-threads and --keep-server-log go with --local")
    if not options.files:
        raise UsageError("give the article FILE(s) to brief (or - for stdin)")
    check_output_options(options)
    apply_prices(options.price)
    files = expand(options.files, quiet=options.quiet)
    several = len(files) > 1
    if several and options.title is not None:
        raise UsageError("--title names one article; give a single FILE with it")
    output = options.output
    if several and output is not None and not options.output_folder:
        if output.suffix.lower() in (".json", ".jsonl") and options.format == "json":
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text("", encoding="utf-8")  # filled one briefing per line
        else:
            raise UsageError(
                f"-o {output}: several briefings go into a folder (-o FOLDER/), or as JSON "
                "lines into one .json/.jsonl file"
            )
    if several and options.format == "html" and options.output is None and not options.open:
        raise UsageError("several HTML briefings need -o FOLDER (one page per article)")
    live = (env_configured() or options.local is not None) and not options.replay
    if options.jsonl and not live:
        raise UsageError(f"--jsonl logs live runs; set {ENV_KEY} or {ENV_BASE_URL}, or --local")
    if options.timeout is None:
        options.timeout = LOCAL_TIMEOUT if options.local is not None else DEFAULT_TIMEOUT
    if options.concurrency is None:
        options.concurrency = LOCAL_CONCURRENCY if options.local is not None else CONCURRENCY
    if options.local is not None:
        return _run_local(files, options, several)
    results = _live(files, options) if live else _replayed(files, options)
    return _report(results, files, options, several)


def _run_local(files: list[Path], options: argparse.Namespace, several: bool) -> int:
    """--local [MODEL]: llama.cpp's server for the length of the run, sized to the files; not
    started at all when the cache holds every briefing."""
    if options.replay:
        raise UsageError("--local runs a model; --replay replays recordings: give one of them")
    known = without_model(files, options, lambda path: _load(path, options))
    if known is not None:
        if any(result.cached for result in known):
            _notice(options, "--local: every briefing is in the cache; the model was not started")
        return _report(iter(known), files, options, several)
    with served(files, options) as session:
        _notice(options, "a small model takes minutes per article; each section is shown")
        options.model = options.model or session.model
        return _report(_live(files, options, session.client), files, options, several)


def _report(
    results: Iterator[BriefResult], files: list[Path], options: argparse.Namespace, several: bool
) -> int:
    worst, printed, spent, counts = EXIT_OK, 0, Usage(), {"ok": 0, "cached": 0, "failed": 0}
    skipped: list[str] = []
    for result in results:
        spent += result.usage
        if isinstance(result.error, BudgetExceededError):
            skipped.append(result.source)
            continue
        if result.brief is None:
            counts["failed"] += 1
            worst = max(worst, report_failure(result))
            continue
        counts["ok"] += 1
        counts["cached"] += result.cached or result.resumed
        if (result.cached or result.resumed) and not options.quiet:
            where = f"the log {options.jsonl}" if result.resumed else _cache_named(options)
            say(f"{result.source}: from {where}, no request made (--no-cache asks the model)")
        printed += emit(result.brief, options, several, printed)
    if skipped:
        say(
            f"budget reached: {plural(len(skipped), 'article')} not started "
            f"({', '.join(skipped[:3])}{', ...' if len(skipped) > 3 else ''}); rerun with a "
            "larger budget to finish them"
        )
        worst = max(worst, EXIT_MODEL)
    if several and not options.quiet:
        say(
            f"{counts['ok']} of {plural(len(files), 'article')} briefed ({counts['cached']} "
            f"from cache or log), {counts['failed']} failed; "
            f"{plural(spent.total_tokens, 'token')} spent"
        )
    return worst


def _cache_named(options: argparse.Namespace) -> str:
    return f"the cache ({BriefCache(options.cache_dir).folder})"


def apply_prices(prices: list[str]) -> None:
    """--price MODEL=IN,OUT entries into briefing.PRICES, checked before any request."""
    from briefing.pricing import PRICES, Price

    for entry in prices:
        model, _, rates = entry.partition("=")
        try:
            given, out = (float(x) for x in rates.split(","))
            price = Price(given, out)
        except ValueError:
            raise UsageError(
                f"--price {entry!r}: write MODEL=IN,OUT in dollars per million tokens"
            ) from None
        if not model.strip():
            raise UsageError(f"--price {entry!r}: the model name is empty")
        PRICES[model.strip()] = price


def _overrides(options: argparse.Namespace) -> dict[str, Any]:
    """The --date, --source and --title given, as load_article's keywords."""
    given = {"date": options.date, "source": options.source, "title": options.title}
    return {key: value for key, value in given.items() if value is not None}


def _load(path: Path, options: argparse.Namespace) -> Article:
    if str(path) == "-":
        return _read_stdin(options)
    return load_article(path, **_overrides(options))


def _read_stdin(options: argparse.Namespace) -> Article:
    """The article on stdin, read as bytes: text, HTML, a PDF or a Word document, like a file;
    bytes that are not UTF-8 are an InputError, not a traceback."""
    stream = getattr(sys.stdin, "buffer", None)
    data = stream.read() if stream is not None else sys.stdin.read().encode("utf-8")
    return article_from_bytes(data, where="stdin", **_overrides(options))


def _live(
    files: list[Path], options: argparse.Namespace, client: openai.AsyncOpenAI | None = None
) -> Iterator[BriefResult]:
    overrides = _overrides(options)
    unloadable: list[BriefResult] = []
    sources: list[Path | Article] = []
    for path in files:
        if str(path) == "-":
            sources.append(_load(path, options))
        elif not overrides:
            sources.append(path)  # the batch loads it (and logs it if it cannot be loaded)
        else:
            try:
                sources.append(_load(path, options))
            except BriefingError as exc:
                unloadable.append(BriefResult(str(path), None, None, exc))
    return itertools.chain(unloadable, _briefs(sources, len(files), options, client))


def _briefs(
    sources: list[Path | Article],
    count: int,
    options: argparse.Namespace,
    client: openai.AsyncOpenAI | None,
) -> Iterator[BriefResult]:
    if not sources:
        return iter(())
    show_bar = options.progress if options.progress is not None else sys.stderr.isatty()
    return generate_briefs(
        sources,
        client=client,
        model=options.model,
        mode=options.mode,
        max_retries=options.max_retries,
        transport_retries=options.transport_retries,
        timeout=options.timeout,
        max_tokens=options.max_tokens,
        concurrency=options.concurrency,
        cache=False if options.no_cache else BriefCache(options.cache_dir),
        output=options.jsonl,
        max_cost=options.max_cost,
        max_total_tokens=options.max_total_tokens,
        progress=bool(show_bar) and count > 1 and not options.quiet,
    )


def _replayed(files: list[Path], options: argparse.Namespace) -> Iterator[BriefResult]:
    from briefing.cli.replayed import replay_files

    return replay_files(
        files,
        load=lambda path: _load(path, options),
        folder=options.cassettes,
        why="--replay given" if options.replay else f"{ENV_KEY} and {ENV_BASE_URL} unset",
        notice=lambda message: _notice(options, message),
    )


def report_failure(result: BriefResult) -> int:
    """One `briefing: error:` line naming the article; returns the exit code it calls for."""
    message = str(result.error)
    where = "" if message.startswith(result.source) else f"{result.source}: "
    say(f"error: {where}{message}")
    return EXIT_USER if isinstance(result.error, UserError) else EXIT_MODEL


def emit(brief: Brief, options: argparse.Namespace, several: bool, printed: int) -> int:
    """Write one briefing where it belongs; returns 1 if it went to stdout."""
    if options.format == "json":
        text = brief.to_json(indent=None if several else 2)
    elif options.format == "html":
        text = brief.to_html(templates=options.templates)
    else:
        text = brief.to_markdown(templates=options.templates)
    target = _target(options, brief.article.name or "stdin", several)
    if target is None:
        if printed and options.format == "md":
            sys.stdout.write("\n\n")
        sys.stdout.write(text + ("\n" if options.format == "json" and several else ""))
        sys.stdout.flush()
        return 1
    target.parent.mkdir(parents=True, exist_ok=True)
    if several and target == options.output:  # several JSON briefings to one file: one per line
        with target.open("a", encoding="utf-8") as lines:
            lines.write(text + "\n")
        _notice(options, f"added {brief.article.name} to {target}")
        return 0
    target.write_text(text, encoding="utf-8")
    _notice(options, f"wrote {target}")
    if options.open and not _open_in_browser(target):
        say(f"--open: no web browser could be started here; the briefing is at {target}")
    return 0


def _open_in_browser(target: Path) -> bool:
    try:
        return webbrowser.open(target.resolve().as_uri())
    except webbrowser.Error:
        return False


def _target(options: argparse.Namespace, name: str, several: bool) -> Path | None:
    """Where one briefing goes: stdout (None), the -o file, or a file in the -o folder."""
    output: Path | None = options.output
    if output is None:
        if not options.open:
            return None
        output = Path(tempfile.mkdtemp(prefix="briefing-"))
    folder = getattr(options, "output_folder", False) or output.is_dir()
    one_file = output.suffix.lower() in (".json", ".jsonl") and not folder
    if (several and not one_file) or folder:
        return output / f"{name}.{options.format}"
    return output


def _notice(options: argparse.Namespace, message: str) -> None:
    if not options.quiet:
        say(message)


def _text(value: str) -> str:
    if not value.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return value


def add_arguments(brief: argparse.ArgumentParser) -> None:
    brief.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        type=Path,
        help="article files (.txt, .md, .html, .pdf with a text layer, .docx) or folders of "
        "them; - reads stdin",
    )
    given = brief.add_argument_group(
        "article metadata (overrides what the files say: headers, datelines, page metadata)"
    )
    given.add_argument(
        "--date",
        "--published",
        dest="date",
        type=iso_date,
        metavar="YYYY-MM-DD",
        help="publication date of every FILE; anchors relative dates such as 'on Monday'",
    )
    given.add_argument("--source", type=_text, help="source of every FILE, e.g. Reuters")
    given.add_argument("--title", type=_text, help="title of the article (a single FILE only)")
    out = brief.add_argument_group("output")
    add_output_options(
        out,
        what="the briefing",
        folder_help="one file per article (needed for several HTML briefings); several JSON "
        "briefings may also go to one .json/.jsonl file, one per line",
    )
    out.add_argument("--open", action="store_true", help="write HTML and open it in a browser")
    out.add_argument("-q", "--quiet", action="store_true", help="no notices or progress on stderr")
    out.add_argument(
        "--templates", type=Path, help="folder with brief.md.j2 / brief.html.j2 to use instead"
    )
    model = brief.add_argument_group("model")
    model.add_argument("--model", help=f"model name (default: ${ENV_MODEL} or gpt-4.1-mini)")
    model.add_argument(
        "--local",
        nargs="?",
        const=DEFAULT,
        metavar="MODEL",
        help="brief with a local model: alone, the default model (Qwen2.5-Coder-1.5B; `bash "
        "scripts/llama-server install` gets it), or a MODEL.gguf file, or "
        "hf:OWNER/REPO/FILE.gguf; llama.cpp's server is started for the run and stopped after "
        f"(see {OFFLINE_GUIDE})",
    )
    model.add_argument(
        "--threads",
        type=check_threads,
        metavar="N",
        help=threads_help("writing tokens", ENV_THREADS, "1 on up to 3 CPUs, half of them above"),
    )
    model.add_argument(
        "--batch-threads",
        type=check_threads,
        metavar="N",
        help=threads_help("reading the prompt", ENV_BATCH_THREADS, "every CPU"),
    )
    model.add_argument(
        "--keep-server-log",
        action="store_true",
        help=f"keep llama.cpp's server log with --local (else removed at the end; also "
        f"${ENV_KEEP_LOG}=1)",
    )
    model.add_argument(
        "--mode",
        default="auto",
        choices=MODES,
        help=(
            "how to ask for structured output (auto: strict tools on OpenAI, sections on a "
            "server on this machine, JSON elsewhere)"
        ),
    )
    model.add_argument("--max-retries", type=int, default=2, help="re-asks on bad output")
    model.add_argument(
        "--transport-retries", type=int, default=4, help="retries on 429, 5xx and timeouts"
    )
    model.add_argument(
        "--timeout",
        type=float,
        help="seconds for one whole model answer (default 120; 900 with --local)",
    )
    model.add_argument("--max-tokens", type=int, help="cap on the model's output tokens")
    batch = brief.add_argument_group("batches (live runs)")
    batch.add_argument(
        "--concurrency",
        type=int,
        help=f"articles in flight at once (default {CONCURRENCY}; {LOCAL_CONCURRENCY} with "
        "--local, whose server answers one request at a time)",
    )
    batch.add_argument("--no-cache", action="store_true", help="always call the model")
    batch.add_argument("--cache-dir", type=Path, help="cache folder (default ~/.cache/briefing)")
    batch.add_argument("--max-cost", type=float, help="stop starting articles past this many USD")
    batch.add_argument(
        "--price",
        action="append",
        default=[],
        metavar="MODEL=IN,OUT",
        help="US dollars per million input and output tokens for a model briefing has no price "
        "for (a local one), e.g. --price my-model=0.2,0.8",
    )
    batch.add_argument("--max-total-tokens", type=int, help="stop starting articles past this")
    batch.add_argument(
        "--jsonl", type=Path, help="log each result to this JSONL file; a rerun resumes from it"
    )
    batch.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: when it is a terminal)",
    )
    offline = brief.add_argument_group("offline replay")
    offline.add_argument(
        "--replay", action="store_true", help="replay cassettes even when an endpoint is set"
    )
    offline.add_argument("--cassettes", type=Path, help="folder of cassettes to replay")
