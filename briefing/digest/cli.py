"""`briefing digest`: one digest of many briefings (JSON briefs, batch logs, or articles
briefed live or replayed from their cassettes).

Its command line follows the brief command's: `-o` and `-f` mean the same
(`briefing.cli.output`), article files are found in folders and replayed the same way
(`briefing.cli.replayed`), and nothing is written unless every input was briefed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from briefing.batch.run import BriefResult
from briefing.cli.brief import ARTICLE_SUFFIXES, EXIT_OK, expand, report_failure
from briefing.cli.console import say
from briefing.cli.output import UsageError, add_output_options, iso_date, plural, resolve_output
from briefing.digest.build import collect, digest
from briefing.digest.model import Digest
from briefing.extract.settings import ENV_BASE_URL, ENV_KEY, env_configured
from briefing.load.article import load_article
from briefing.models import Brief

DIGEST_NAMES = {"md": "digest.md", "json": "digest.json", "html": "index.html"}


def _articles(paths: list[Path], *, quiet: bool) -> tuple[list[Path], list[Path]]:
    """Article files (to brief) and everything else (briefs, logs, folders of them)."""
    articles: list[Path] = []
    others: list[Path] = []
    for path in paths:
        if path.is_dir() and not any(path.glob("*.json*")):
            articles += expand([path], quiet=quiet)
        elif path.suffix.lower() in ARTICLE_SUFFIXES:
            articles.append(path)
        else:
            others.append(path)
    return articles, others


def _brief_articles(files: list[Path], options: argparse.Namespace) -> tuple[list[Brief], int, int]:
    """Brief article files: live with an endpoint configured (and no --replay), otherwise
    from each article's cassette, found as `briefing FILE` finds it."""
    from briefing.batch.run import generate_briefs

    if env_configured() and not options.replay:
        results: Iterator[BriefResult] = generate_briefs(files, progress=False)
    else:
        results = _replayed(files, options)
    worst, failed = EXIT_OK, 0
    briefs = []
    for result in results:
        if result.brief is None:
            worst, failed = max(worst, report_failure(result)), failed + 1
        else:
            briefs.append(result.brief)
    return briefs, worst, failed


def _replayed(files: list[Path], options: argparse.Namespace) -> Iterator[BriefResult]:
    from briefing.cli.replayed import replay_files

    return replay_files(
        files,
        load=load_article,
        folder=options.cassettes,
        why="--replay given" if options.replay else f"{ENV_KEY} and {ENV_BASE_URL} unset",
        notice=lambda message: _notice(options, message),
    )


def run_digest(options: argparse.Namespace) -> int:
    resolve_output(options)
    if options.format == "html" and options.output is None:
        raise UsageError(
            "an HTML digest is a page and one page per article: give -o FILE.html or -o FOLDER/"
        )
    articles, others = _articles(options.inputs, quiet=options.quiet)
    briefs, worst, failed = _brief_articles(articles, options) if articles else ([], EXIT_OK, 0)
    briefs += collect(others)
    if failed:
        say(
            f"no digest written: {plural(failed, 'article')} of {len(articles)} could not be "
            "briefed (see above); a digest without them would read as complete"
        )
        return worst
    if not briefs:
        raise UsageError("no briefings to digest: the inputs hold no briefs")
    result = digest(briefs, overrides=options.overrides, since=options.since, until=options.until)
    if options.previous is not None:
        previous = Digest.from_json(Path(options.previous).read_bytes())
        result = result.model_copy(update={"since_previous": result.changes(previous)})
    target: Path | None = options.output
    if target is not None and options.output_folder:
        target = target / DIGEST_NAMES[options.format]
    if options.format == "html":
        assert target is not None
        index = result.write_html(target)
        pages = plural(len(result.articles), "article page")
        _notice(options, f"wrote {index}, and beside it in {index.parent}/ {pages} it links to")
        return worst
    text = result.to_json() if options.format == "json" else result.to_markdown()
    if target is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        _notice(options, f"wrote {target}")
    return worst


def _notice(options: argparse.Namespace, message: str) -> None:
    if not options.quiet:
        say(message)


def add_digest_parser(sub: Any) -> argparse.ArgumentParser:
    """Register `briefing digest` on the subparsers of the `briefing` command."""
    parser: argparse.ArgumentParser = sub.add_parser(
        "digest",
        help="one digest (people, agreements, timeline, claims) across many briefings",
        description=(
            "Digest briefings: Brief JSON files, folders of them, batch JSONL logs, or article "
            "files and folders (briefed live with an endpoint set, else replayed from their "
            "cassettes, found as the brief command finds them). Nothing is written unless "
            "every input could be briefed."
        ),
    )
    parser.add_argument(
        "inputs",
        nargs="+",
        type=Path,
        metavar="FILE|DIR|run.jsonl",
        help="article files or folders of them, Brief JSON files or folders, batch JSONL logs",
    )
    add_output_options(
        parser,
        what="the digest",
        folder_help="digest.md or digest.json, or for HTML index.html; HTML always writes "
        "each article's briefing page beside the index, which links to them",
    )
    parser.add_argument(
        "--since",
        type=iso_date,
        metavar="YYYY-MM-DD",
        help="only articles published on or after this date",
    )
    parser.add_argument(
        "--until",
        type=iso_date,
        metavar="YYYY-MM-DD",
        help="only articles published on or before this date",
    )
    parser.add_argument("--previous", type=Path, help="an earlier digest.json: show what changed")
    parser.add_argument(
        "--overrides", type=Path, help='JSON {"never_merge": [[a, b]], "same": [[a, b]]}'
    )
    parser.add_argument("--replay", action="store_true", help="replay cassettes even with a key")
    parser.add_argument(
        "--cassettes",
        type=Path,
        help="folder of cassettes to replay (default: found as the brief command finds them)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no notices on stderr")
    parser.set_defaults(run=run_digest)
    return parser
