"""`briefing batch`: OpenAI's Batch API from the command line, in steps that outlive a shell.

    briefing batch submit FOLDER/ --requests run.jsonl     # prints the batch id
    briefing batch status BATCH_ID
    briefing batch collect BATCH_ID FOLDER/ --requests run.jsonl [--wait] [-o out/]

`collect` reads the model and structured-output mode from the requests file, so the briefings
are checked exactly as the requests were written; it emits them like `briefing brief`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from briefing.cli.brief import EXIT_OK, UsageError, emit, expand, report_failure
from briefing.errors import InputError, UserError
from briefing.extract.settings import DEFAULT_ARTICLE_TOKENS, ENV_KEY, ModeName


def add_batch_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    batch = sub.add_parser(
        "batch",
        help="brief a corpus through OpenAI's Batch API (half price, up to 24 h)",
        description=(
            f"OpenAI's Batch API in three steps (needs {ENV_KEY}): submit writes one request "
            "per article to --requests and creates the batch; status shows its progress; "
            "collect validates and grounds the stored replies exactly as live answers are, "
            "and prints or writes the briefings."
        ),
    )
    steps = batch.add_subparsers(dest="step", required=True)

    submit = steps.add_parser("submit", help="write the requests and create the batch")
    submit.add_argument("files", nargs="+", metavar="FILE", type=Path, help="articles or folders")
    submit.add_argument("--requests", type=Path, required=True, help="JSONL of requests to keep")
    submit.add_argument("--model", help="model name (default: $BRIEFING_MODEL or gpt-4.1-mini)")
    submit.add_argument(
        "--mode",
        default="auto",
        choices=["auto", "tools_strict", "tools", "json_schema", "json"],
        help="how to ask for structured output (auto: strict tools on OpenAI)",
    )
    submit.add_argument("--max-tokens", type=int, help="cap on each answer's output tokens")
    submit.set_defaults(run=_submit)

    status = steps.add_parser("status", help="show a batch's status and request counts")
    status.add_argument("batch_id")
    status.set_defaults(run=_status)

    collect = steps.add_parser("collect", help="validate the replies and emit the briefings")
    collect.add_argument("batch_id")
    collect.add_argument("files", nargs="+", metavar="FILE", type=Path, help="the same articles")
    collect.add_argument("--requests", type=Path, required=True, help="the submitted JSONL")
    collect.add_argument("--wait", action="store_true", help="poll until the batch finishes")
    collect.add_argument("--poll-seconds", type=float, default=60.0)
    collect.add_argument("--timeout", type=float, default=25 * 3600.0, help="seconds to wait")
    collect.add_argument("-f", "--format", choices=["md", "html", "json"], default="md")
    collect.add_argument("-o", "--output", type=Path, help="file, or folder for several")
    collect.add_argument("-q", "--quiet", action="store_true")
    collect.add_argument("--templates", type=Path, help="folder with your own templates")
    collect.set_defaults(run=_collect, open=False)


def _submit(options: argparse.Namespace) -> int:
    from briefing.extract.settings import client_from_env
    from briefing.openai_batch import submit, write_requests

    client = client_from_env()
    ids = write_requests(
        expand(options.files),
        options.requests,
        model=options.model,
        mode=options.mode,
        base_url=str(client.base_url),
        max_tokens=options.max_tokens,
    )
    batch_id = submit(client, options.requests)
    print(batch_id)
    print(
        f"briefing: submitted {len(ids)} request(s) from {options.requests} as batch {batch_id}; "
        f"later: briefing batch collect {batch_id} FILE... --requests {options.requests}",
        file=sys.stderr,
    )
    return EXIT_OK


def _status(options: argparse.Namespace) -> int:
    import openai

    from briefing.batch.openai_wire import _api_error
    from briefing.extract.settings import client_from_env

    client = client_from_env()
    try:
        batch = client.batches.retrieve(options.batch_id)
    except openai.APIError as exc:
        raise _api_error(exc, client, f"retrieving batch {options.batch_id}") from None
    counts = batch.request_counts
    done = f"{counts.completed}/{counts.total} done, {counts.failed} failed" if counts else ""
    print(f"{batch.id}: {batch.status}" + (f" ({done})" if done else ""))
    return EXIT_OK


def _collect(options: argparse.Namespace) -> int:
    from briefing.extract.settings import client_from_env
    from briefing.openai_batch import collect, wait

    model, mode = submitted_settings(options.requests)
    files = expand(options.files)
    several, printed, worst = len(files) > 1, 0, EXIT_OK
    if several and options.format == "html" and options.output is None:
        raise UsageError("several HTML briefings need -o FOLDER (one page per article)")
    client = client_from_env()
    batch = (
        wait(client, options.batch_id, poll_seconds=options.poll_seconds, timeout=options.timeout)
        if options.wait
        else options.batch_id
    )
    results = collect(
        client,
        batch,
        files,
        model=model,
        mode=mode,
        max_article_tokens=DEFAULT_ARTICLE_TOKENS,
        requests=options.requests,
    )
    for result in results:
        if result.brief is None:
            worst = max(worst, report_failure(result))
            continue
        printed += emit(result.brief, options, several, printed)
    return worst


def submitted_settings(requests: Path) -> tuple[str, ModeName]:
    """The model and mode a requests file was written with, read from its first request."""
    try:
        with requests.open(encoding="utf-8") as lines:
            body = json.loads(next(lines))["body"]
    except (OSError, StopIteration, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{requests}: not a batch requests file ({exc})") from None
    tools = body.get("tools") or []
    response_format = (body.get("response_format") or {}).get("type")
    mode: ModeName
    if tools:
        mode = "tools_strict" if tools[0].get("function", {}).get("strict") else "tools"
    elif response_format in ("json_object", "json_schema"):
        mode = "json" if response_format == "json_object" else "json_schema"
    else:
        raise UserError(f"{requests}: its requests ask for no structured output; not briefing's")
    return str(body.get("model")), mode
