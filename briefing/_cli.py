"""The `briefing` command: briefings of article files (Markdown, HTML or JSON), live or
replayed offline from cassettes.

Exit codes: 0 every article briefed; 1 the model or endpoint failed for some article;
2 a usage, input or configuration error (for any article); 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import webbrowser
from collections.abc import Sequence
from pathlib import Path

from briefing._article import Article, load_article
from briefing._config import ENV_BASE_URL, ENV_KEY, ENV_MODEL, env_configured
from briefing._errors import BriefingError, ModelError, UserError
from briefing._models import Brief

EXIT_OK, EXIT_MODEL, EXIT_USER, EXIT_INTERRUPTED = 0, 1, 2, 130
SUBCOMMANDS = {"brief", "cassettes", "schema"}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in SUBCOMMANDS | {"-h", "--help", "--version"}:
        args.insert(0, "brief")
    parser = _parser()
    options = parser.parse_args(args)
    logging.getLogger("instructor").setLevel(logging.CRITICAL)
    try:
        code: int = options.run(options)
        return code
    except KeyboardInterrupt:
        print("briefing: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BriefingError as exc:
        print(f"briefing: error: {exc}", file=sys.stderr)
        return EXIT_USER if isinstance(exc, UserError) else EXIT_MODEL


def _parser() -> argparse.ArgumentParser:
    from briefing._generate import library_version

    parser = argparse.ArgumentParser(
        prog="briefing",
        description="Grounded analyst briefings of news articles.",
        epilog="Exit codes: 0 ok, 1 model or endpoint failure, 2 usage/input/config error.",
    )
    parser.add_argument("--version", action="version", version=library_version())
    sub = parser.add_subparsers(dest="command", required=True)

    brief = sub.add_parser(
        "brief",
        help="print the Markdown briefing of each FILE (the default command)",
        description=(
            f"Brief each article FILE. With {ENV_KEY} or {ENV_BASE_URL} set, the model is called "
            "live; otherwise the article's recorded cassette is replayed, and stderr says so."
        ),
    )
    brief.add_argument(
        "files", nargs="+", metavar="FILE", type=Path, help="article files; - reads stdin"
    )
    brief.add_argument(
        "-f", "--format", choices=["md", "html", "json"], default="md", help="output format"
    )
    brief.add_argument(
        "-o",
        "--output",
        type=Path,
        help="write to this file, or into this folder (required for several HTML briefings)",
    )
    brief.add_argument("--open", action="store_true", help="write HTML and open it in a browser")
    brief.add_argument("-q", "--quiet", action="store_true", help="no notices on stderr")
    brief.add_argument(
        "--templates", type=Path, help="folder with brief.md.j2 / brief.html.j2 to use instead"
    )
    brief.add_argument("--model", help=f"model name (default: ${ENV_MODEL} or gpt-4.1-mini)")
    brief.add_argument(
        "--mode",
        default="auto",
        choices=["auto", "tools_strict", "tools", "json_schema", "json", "md_json"],
        help="how to ask for structured output (auto: strict tools on OpenAI, JSON elsewhere)",
    )
    brief.add_argument("--max-retries", type=int, default=2, help="re-asks on bad output")
    brief.add_argument(
        "--replay", action="store_true", help="replay cassettes even when an endpoint is set"
    )
    brief.add_argument("--cassettes", type=Path, help="folder of cassettes to replay")
    brief.set_defaults(run=_brief)

    cassettes = sub.add_parser(
        "cassettes",
        help="write the cassettes tests and offline runs replay",
        description=(
            "author: rebuild the hand-written cassettes from cassettes/authored/*.json (no "
            f"network). record: re-record every seed live from {ENV_KEY}/{ENV_BASE_URL} "
            f"(and {ENV_MODEL}), replacing authored cassettes with real recordings."
        ),
    )
    cassettes.add_argument("action", choices=["author", "record"])
    cassettes.add_argument("files", nargs="*", type=Path, help="seed files (default: seeds/*.txt)")
    cassettes.add_argument("--out", type=Path, default=Path("cassettes"))
    cassettes.add_argument("--model", help="model to record (default: $BRIEFING_MODEL)")
    cassettes.add_argument("--mode", default="auto")
    cassettes.set_defaults(run=_cassettes)

    schema = sub.add_parser("schema", help="print the JSON Schema of a Brief")
    schema.set_defaults(run=_schema)
    return parser


def _brief(options: argparse.Namespace) -> int:
    if options.open:
        options.format = "html"
    several = len(options.files) > 1
    if several and options.format == "html" and options.output is None and not options.open:
        raise UsageError("several HTML briefings need -o FOLDER (one page per article)")
    worst = EXIT_OK
    printed = 0
    for path in options.files:
        try:
            article = _read(path)
            brief = _run(article, str(path), options)
            text = _format(brief, options)
            target = _target(options, article.name or "stdin", several)
        except BriefingError as exc:
            print(f"briefing: error: {exc}", file=sys.stderr)
            worst = max(worst, EXIT_USER if isinstance(exc, UserError) else EXIT_MODEL)
            continue
        if target is None:
            if printed and options.format == "md":
                sys.stdout.write("\n\n")
            sys.stdout.write(text if options.format != "json" or not several else text + "\n")
            printed += 1
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            _notice(options, f"wrote {target}")
            if options.open:
                webbrowser.open(target.resolve().as_uri())
    return worst


class UsageError(UserError):
    """A command-line mistake."""


def _read(path: Path) -> Article:
    if str(path) == "-":
        return Article.from_string(sys.stdin.read())
    return load_article(path)


def _run(article: Article, shown: str, options: argparse.Namespace) -> Brief:
    from briefing._cassettes import cassette_dirs, describe, find_cassette, provenance, replay
    from briefing._generate import generate_brief

    if env_configured() and not options.replay:
        return generate_brief(
            article, model=options.model, mode=options.mode, max_retries=options.max_retries
        )
    dirs = [options.cassettes] if options.cassettes else cassette_dirs()
    cassette = find_cassette(article, dirs)
    if cassette is None:
        raise _no_endpoint(shown, dirs)
    why = "--replay given" if options.replay else f"{ENV_KEY} and {ENV_BASE_URL} unset"
    _notice(options, f"{why}; replaying {cassette} ({describe(provenance(cassette))})")
    return replay(article, cassette)


def _format(brief: Brief, options: argparse.Namespace) -> str:
    if options.format == "json":
        return brief.to_json(indent=None if len(options.files) > 1 else 2)
    if options.format == "html":
        return brief.to_html(templates=options.templates)
    return brief.to_markdown(templates=options.templates)


def _target(options: argparse.Namespace, name: str, several: bool) -> Path | None:
    """Where one briefing goes: stdout (None), the -o file, or a file in the -o folder."""
    output: Path | None = options.output
    if output is None:
        if not options.open:
            return None
        output = Path(tempfile.mkdtemp(prefix="briefing-"))
    if several or output.is_dir() or str(options.output).endswith(("/", os.sep)):
        return output / f"{name}.{options.format}"
    return output


def _notice(options: argparse.Namespace, message: str) -> None:
    if not options.quiet:
        print(f"briefing: {message}", file=sys.stderr)


def _no_endpoint(path: str, dirs: list[Path]) -> UserError:
    from briefing._errors import ConfigurationError

    return ConfigurationError(
        f"{path}: no model endpoint is configured and no recorded cassette for this article "
        f"was found (looked in {', '.join(str(d) for d in dirs)}); set {ENV_KEY} to use OpenAI, "
        f"or {ENV_BASE_URL} for an OpenAI-compatible server (llama.cpp, Ollama), and optionally "
        f"{ENV_MODEL}"
    )


def _cassettes(options: argparse.Namespace) -> int:
    from briefing._cassettes import author, record
    from briefing._config import client_from_env, settings_for

    files = options.files or sorted(Path("seeds").glob("*.txt"))
    if not files:
        raise UserError("no seed files given and none found in seeds/")
    for seed in files:
        out = options.out / f"{seed.stem}.yaml"
        if options.action == "author":
            reply = options.out / "authored" / f"{seed.stem}.json"
            if not reply.is_file():
                print(f"briefing: skipping {seed}: no authored reply {reply}", file=sys.stderr)
                continue
            brief = author(seed, reply, out)
        else:
            client = client_from_env()
            settings = settings_for(client, options.model, options.mode)
            brief = record(
                seed,
                out,
                client=client,
                model=settings.model,
                mode=settings.mode_name,
            )
        dropped = len(brief.record.unverified)
        print(f"{out}: {options.action}ed; {dropped} item(s) unverified", file=sys.stderr)
        if options.action == "author" and dropped:
            raise ModelError(f"{out}: the authored reply has unverifiable items; fix {seed.stem}")
    return EXIT_OK


def _schema(options: argparse.Namespace) -> int:
    from briefing._models import Brief

    print(json.dumps(Brief.model_json_schema(), indent=2))
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
