"""The `briefing` command: briefings of article files (Markdown, HTML or JSON), live or
replayed offline from cassettes.

Exit codes: 0 every article briefed; 1 the model or endpoint failed for some article;
2 a usage, input or configuration error (for any article); 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from briefing.cli.batch import add_batch_parser
from briefing.cli.brief import EXIT_MODEL, EXIT_OK, EXIT_USER, add_arguments, run_brief
from briefing.cli.console import say, warnings_as_notices
from briefing.cli.entry import EXIT_INTERRUPTED
from briefing.cli.evaluate import add_eval_parser
from briefing.cli.output import plural
from briefing.digest.cli import add_digest_parser
from briefing.errors import BriefingError, ModelError, UserError
from briefing.extract.settings import ENV_BASE_URL, ENV_KEY, ENV_MODE, ENV_MODEL, MODES
from briefing.redact import redact

EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as a shell reports a tool cut off by `head`
SUBCOMMANDS = {"batch", "brief", "cache", "cassettes", "digest", "doctor", "eval", "schema"}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not args:
        parser.print_help()
        return EXIT_USER
    if args[0] not in SUBCOMMANDS | {"-h", "--help", "--version"}:
        args.insert(0, "brief")
    options = parser.parse_args(args)
    try:
        with warnings_as_notices():
            code: int = options.run(options)
        sys.stdout.flush()
        return code
    except KeyboardInterrupt:
        say("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`briefing ... | head`): stop quietly, as other tools do, and
        # keep Python from complaining about stdout again when it exits.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except BriefingError as exc:
        say(f"error: {exc}")
        return EXIT_USER if isinstance(exc, UserError) else EXIT_MODEL


def build_parser() -> argparse.ArgumentParser:
    """The `briefing` command's parser, with every subcommand."""
    from briefing.version import library_version

    parser = argparse.ArgumentParser(
        prog="briefing",
        description="Grounded analyst briefings of news articles.",
        epilog=(
            "Exit codes: 0 ok, 1 model or endpoint failure, 2 usage/input/config error, "
            "130 interrupted (Ctrl-C), 141 output pipe closed. Start with `briefing doctor`."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
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

    cache = sub.add_parser("cache", help="show, describe or clear the cache of briefs")
    cache.add_argument("action", choices=["path", "info", "clear"])
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
    cassettes.add_argument(
        "action",
        choices=["author", "record"],
        help="author: from the hand-written replies; record: live from the endpoint",
    )
    cassettes.add_argument("files", nargs="*", type=Path, help="seed files (default: seeds/*.txt)")
    cassettes.add_argument(
        "--out",
        type=Path,
        default=Path("cassettes"),
        metavar="FOLDER",
        help="folder the cassettes are written to, one FOLDER/<seed>.yaml each; author reads "
        "the hand-written replies from FOLDER/authored/<seed>.json",
    )
    cassettes.add_argument("--model", help="model to record (default: $BRIEFING_MODEL)")
    cassettes.add_argument(
        "--mode",
        default="auto",
        choices=MODES,
        help="record: how to ask for structured output (auto: strict tools on OpenAI, sections "
        "on a server on this machine, JSON elsewhere); author always writes strict tools",
    )
    cassettes.set_defaults(run=_cassettes)

    add_batch_parser(sub)
    add_eval_parser(sub)
    add_digest_parser(sub)

    doctor = sub.add_parser(
        "doctor", help="say what is configured (endpoint, model, key, cache, prices) and what next"
    )
    doctor.set_defaults(run=_doctor)

    schema = sub.add_parser("schema", help="print the JSON Schema of a Brief")
    schema.set_defaults(run=_schema)
    return parser


def _cache(options: argparse.Namespace) -> int:
    from briefing.batch.cache import BriefCache

    store = BriefCache(options.cache_dir)
    if options.action == "clear":
        print(f"briefing: removed {plural(store.clear(), 'cached brief')} from {store.folder}")
    elif options.action == "info":
        entries = list(store.folder.glob("*/*.json")) if store.folder.is_dir() else []
        size = sum(p.stat().st_size for p in entries)
        print(f"folder  {store.folder}")
        print(f"entries {len(entries)}")
        print(f"size    {size / 1e6:.2f} MB")
        if entries:
            import datetime as dt

            oldest = min(p.stat().st_mtime for p in entries)
            print(f"oldest  {dt.datetime.fromtimestamp(oldest).isoformat(timespec='seconds')}")
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
                say(f"skipping {seed}: no authored reply {reply}")
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
        print(f"{out}: {options.action}ed; {plural(dropped, 'item')} unverified", file=sys.stderr)
        if options.action == "author" and dropped:
            raise ModelError(f"{out}: the authored reply has unverifiable items; fix {seed.stem}")
    return EXIT_OK


def _doctor(options: argparse.Namespace) -> int:
    """What a run would use, and the next step for what is missing; never prints a key."""
    from briefing.batch.cache import BriefCache
    from briefing.extract.settings import OFFLINE_GUIDE, resolve_mode, resolve_model
    from briefing.pricing import price_for
    from briefing.replay.cassettes import cassette_dirs

    key = bool(os.environ.get(ENV_KEY))
    base_url = os.environ.get(ENV_BASE_URL)
    model = resolve_model(None)
    endpoint = base_url or ("https://api.openai.com/v1" if key else None)
    # A base URL may carry credentials (https://user:secret@host/v1): never printed.
    shown = redact(endpoint) if endpoint else "none"
    print(f"endpoint  {shown}" + (f" ({ENV_BASE_URL})" if base_url else ""))
    print(f"key       {'set' if key else 'not set'} ({ENV_KEY})")
    print(f"model     {model}" + (f" ({ENV_MODEL})" if os.environ.get(ENV_MODEL) else " (default)"))
    if endpoint:
        chosen = resolve_mode("auto", endpoint)
        why = f"${ENV_MODE}" if os.environ.get(ENV_MODE) else "auto for this endpoint"
        print(f"mode      {chosen} ({why})")
    price = price_for(model)
    rates = f"${price.input:g} in / ${price.output:g} out per 1M tokens" if price else "unknown"
    print(f"prices    {rates}")
    store = BriefCache()
    entries = len(list(store.folder.glob("*/*.json"))) if store.folder.is_dir() else 0
    print(f"cache     {store.folder} ({plural(entries, 'brief')})")
    folders = [str(d) for d in cassette_dirs() if d.is_dir()]
    print(f"cassettes {', '.join(folders) or 'none found'}")
    local = importlib.util.find_spec("llama_cpp") is not None
    print(
        f"local     llama.cpp server {'installed' if local else 'not installed'}; "
        f"{_default_model_state()} (--local)"
    )
    if not endpoint:
        print(
            f"next: no model endpoint. Set {ENV_KEY} for OpenAI; or brief with a local model, "
            "briefing --local FILE (the default model) or --local MODEL.gguf FILE"
            + ("" if local else " (after: bash scripts/llama-server install)")
            + f", or point {ENV_BASE_URL} at a local server (see {OFFLINE_GUIDE}); or brief a "
            "seed offline: briefing seeds/000_b6e8438b54aa0c6d.txt"
        )
    elif not price:
        print(f"next: no price for {model}: add briefing.PRICES[{model!r}] to use max_cost")
    else:
        print("next: briefing path/to/article.txt")
    return EXIT_OK


def _default_model_state() -> str:
    """Whether the default local model is ready, installed but not yet joined, or missing."""
    from briefing.local.models import DEFAULT_MODEL, models_dir, part_files

    joined = models_dir() / f"{DEFAULT_MODEL.name}.gguf"
    if joined.is_file() and joined.stat().st_size == DEFAULT_MODEL.size:
        return f"default model {DEFAULT_MODEL.title} at {joined}"
    try:
        part_files(DEFAULT_MODEL)
    except BriefingError:
        return (
            f"default model {DEFAULT_MODEL.title} not installed (bash scripts/llama-server install)"
        )
    return f"default model {DEFAULT_MODEL.title} installed, joined on first use"


def _schema(options: argparse.Namespace) -> int:
    from briefing.models import Brief

    print(json.dumps(Brief.model_json_schema(), indent=2))
    return EXIT_OK


_parser = build_parser  # the name earlier tests use


if __name__ == "__main__":
    raise SystemExit(main())
