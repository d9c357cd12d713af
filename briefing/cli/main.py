"""The `briefing` command: briefings of article files (Markdown, HTML or JSON), live or
replayed offline from cassettes.

Exit codes: 0 every article briefed; 1 the model or endpoint failed for some article;
2 a usage, input or configuration error (for any article); 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from briefing.cli.batch import add_batch_parser
from briefing.cli.brief import EXIT_MODEL, EXIT_OK, EXIT_USER, add_arguments, run_brief
from briefing.cli.evaluate import add_eval_parser
from briefing.errors import BriefingError, ModelError, UserError
from briefing.extract.settings import ENV_BASE_URL, ENV_KEY, ENV_MODEL

EXIT_INTERRUPTED = 130
SUBCOMMANDS = {"batch", "brief", "cache", "cassettes", "eval", "schema"}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in SUBCOMMANDS | {"-h", "--help", "--version"}:
        args.insert(0, "brief")
    parser = _parser()
    options = parser.parse_args(args)
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
    from briefing.version import library_version

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
    add_arguments(brief)
    brief.set_defaults(run=run_brief)

    cache = sub.add_parser("cache", help="show or clear the cache of briefs")
    cache.add_argument("action", choices=["path", "clear"])
    cache.add_argument("--cache-dir", type=Path, help="cache folder (default ~/.cache/briefing)")
    cache.set_defaults(run=_cache)

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

    add_batch_parser(sub)
    add_eval_parser(sub)

    schema = sub.add_parser("schema", help="print the JSON Schema of a Brief")
    schema.set_defaults(run=_schema)
    return parser


def _cache(options: argparse.Namespace) -> int:
    from briefing.batch.cache import BriefCache

    store = BriefCache(options.cache_dir)
    if options.action == "clear":
        print(f"briefing: removed {store.clear()} cached brief(s) from {store.folder}")
    else:
        print(store.folder)
    return EXIT_OK


def _cassettes(options: argparse.Namespace) -> int:
    from briefing.extract.settings import async_client_from_env, settings_for
    from briefing.replay.cassettes import author, record

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
            client = async_client_from_env()
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
    from briefing.models import Brief

    print(json.dumps(Brief.model_json_schema(), indent=2))
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
