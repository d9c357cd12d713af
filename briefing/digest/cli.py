"""`briefing digest`: one digest of many briefings (JSON briefs, batch logs, or articles
briefed live or replayed from their cassettes)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from briefing.batch.run import BriefResult
from briefing.cli.brief import ARTICLE_SUFFIXES, EXIT_OK, report_failure
from briefing.cli.console import say
from briefing.digest.build import collect, digest
from briefing.digest.model import Digest
from briefing.errors import BriefingError, ConfigurationError, UserError
from briefing.extract.settings import ENV_BASE_URL, ENV_KEY
from briefing.load.article import load_article
from briefing.models import Brief


def _articles(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """Article files (to brief) and everything else (briefs, logs, folders of them)."""
    articles: list[Path] = []
    others: list[Path] = []
    for path in paths:
        if path.is_dir() and not any(path.glob("*.json*")):
            articles += sorted(p for p in path.iterdir() if p.suffix.lower() in ARTICLE_SUFFIXES)
        elif path.suffix.lower() in ARTICLE_SUFFIXES:
            articles.append(path)
        else:
            others.append(path)
    return articles, others


def _brief_articles(files: list[Path], options: argparse.Namespace) -> tuple[list[Brief], int]:
    """Brief article files: live with an endpoint configured (and no --replay), otherwise
    from each article's cassette, found as `briefing FILE` finds it."""
    from briefing.batch.run import generate_briefs
    from briefing.extract.settings import env_configured

    if env_configured() and not options.replay:
        results = list(generate_briefs(files, progress=False))
    else:
        results = list(_replayed(files, options))
    worst = EXIT_OK
    briefs = []
    for result in results:
        if result.brief is None:
            worst = max(worst, report_failure(result))
        else:
            briefs.append(result.brief)
    return briefs, worst


def _replayed(files: list[Path], options: argparse.Namespace) -> Iterator[BriefResult]:
    from briefing.replay.cassettes import cassette_dirs, find_cassette, replay

    dirs = [options.cassettes] if options.cassettes else cassette_dirs()
    for path in files:
        try:
            article = load_article(path)
            cassette = find_cassette(article, dirs)
            if cassette is None:
                raise ConfigurationError(
                    f"{path}: no model endpoint is configured ({ENV_KEY} or {ENV_BASE_URL}) "
                    f"and no cassette for this article in {', '.join(map(str, dirs))}"
                )
            _notice(options, f"replaying {cassette}")
            yield BriefResult(str(path), article, replay(article, cassette))
        except BriefingError as exc:
            yield BriefResult(str(path), None, None, exc)


def run_digest(options: argparse.Namespace) -> int:
    articles, others = _articles(options.inputs)
    briefs, worst = _brief_articles(articles, options) if articles else ([], EXIT_OK)
    briefs += collect(others)
    result = digest(briefs, overrides=options.overrides, since=options.since, until=options.until)
    if options.previous is not None:
        previous = Digest.from_json(Path(options.previous).read_bytes())
        result = result.model_copy(update={"since_previous": result.changes(previous)})
    if options.format == "html":
        if options.output is None:
            raise UserError("an HTML digest needs -o FOLDER or -o FILE.html (pages go beside it)")
        index = result.write_html(options.output)
        _notice(options, f"wrote {index} and {len(result.articles)} article page(s) beside it")
        return worst
    text = result.to_json() if options.format == "json" else result.to_markdown()
    if options.output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        options.output.parent.mkdir(parents=True, exist_ok=True)
        options.output.write_text(text, encoding="utf-8")
        _notice(options, f"wrote {options.output}")
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
            "files (briefed live with an endpoint set, else replayed from their cassettes)."
        ),
    )
    parser.add_argument("inputs", nargs="+", type=Path, metavar="FILE|DIR|run.jsonl")
    parser.add_argument("-f", "--format", choices=["md", "html", "json"], default="md")
    parser.add_argument(
        "-o", "--output", type=Path, help="file to write (HTML: a folder or FILE.html)"
    )
    parser.add_argument("--since", type=dt.date.fromisoformat, help="articles from this date")
    parser.add_argument("--until", type=dt.date.fromisoformat, help="articles up to this date")
    parser.add_argument("--previous", type=Path, help="an earlier digest.json: show what changed")
    parser.add_argument(
        "--overrides", type=Path, help='JSON {"never_merge": [[a, b]], "same": [[a, b]]}'
    )
    parser.add_argument("--replay", action="store_true", help="replay cassettes even with a key")
    parser.add_argument("--cassettes", type=Path, help="folder of cassettes to replay")
    parser.add_argument("-q", "--quiet", action="store_true", help="no notices on stderr")
    parser.set_defaults(run=run_digest)
    return parser
