"""OpenAI's Batch API: brief a corpus beyond one machine's rate limits, at half the price.

Four steps, each usable on its own, since a batch may take up to 24 hours and outlive the
process that submitted it; `run_batch` does all four:

    ids = write_requests(articles, "requests.jsonl")      # one request line per article
    batch_id = submit(client, "requests.jsonl")             # upload it, create the batch
    batch = wait(client, batch_id)                          # bounded polling
    results = collect(client, batch, articles, requests="requests.jsonl")  # BriefResults

**The requests are the live requests.** `write_requests` does not rebuild request bodies: it runs
the real `generate_brief` (prompts, schema, instructor's tool or JSON mode, our strict-tool
rewrite, the splitting of long articles) over an `openai.OpenAI` whose `httpx2.MockTransport`
records each request body and answers it with a minimal valid extraction that is thrown away.
Answering rather than aborting at the first request lets a long article's run go on to its
later parts, so every part's request is recorded, in order. Only what goes on the wire is in a
body; `max_retries` and the timeout are not.

**The replies are validated as live.** `collect` runs `generate_brief` again for each article,
with `max_retries=0` and `transport_retries=0`, over a MockTransport that answers each request
with the status and body the batch stored for it. The stored reply therefore goes through the
same parsing, validation and grounding as a live one: items whose quotes cannot be found in the
article are dropped into `record.unverified` (a batch cannot re-ask, so this happens without
one), output that breaks the schema is a `RetriesExhaustedError`, a refusal or truncation an
`OutputError`, and a stored HTTP error the typed error a live call would raise (429 and 5xx a
`TransportError` naming the batch request; the request can be resubmitted). Requests the batch
never ran (expired, cancelled) and articles with no line in either file are error results too.
With `requests=` (the JSONL written for the batch), `collect` also checks that the request it
would send now is the one that was submitted, so a different model, mode, `max_article_tokens`
or briefing version cannot silently pair a reply with the wrong request.

**custom_id** is the article's `key` (a hash of its text and metadata); a long article briefed
in parts has one request per part, `key#1`, `key#2`, ... (see `custom_ids`). Identical articles
share one request. Usage is each response's own; `record.cost_usd` is at the Batch API's
discount (`BATCH_DISCOUNT` of the list price in `briefing.PRICES`), and `record.notes` says so
and names the batch.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import openai
from openai.types import Batch

from briefing.batch.openai_wire import BATCH_DISCOUNT as BATCH_DISCOUNT
from briefing.batch.openai_wire import (
    BATCH_ENDPOINT,
    FINISHED,
    _api_error,
    _download,
    _load,
    _raise_unless_running,
    _read_requests,
    _Recorder,
    _Replayer,
    custom_ids,
)
from briefing.batch.run import BriefResult
from briefing.batch.run import label as _label
from briefing.errors import (
    BriefingError,
    ConfigurationError,
    InputError,
    TransportError,
)
from briefing.extract.core import ArticleLike
from briefing.extract.prompts import prompt_version
from briefing.extract.settings import DEFAULT_ARTICLE_TOKENS, ModeName, resolve_mode
from briefing.load.article import Article, as_article
from briefing.models import Brief
from briefing.version import library_version

OPENAI_BASE_URL = "https://api.openai.com/v1"
MAX_REQUESTS = 50_000  # the Batch API's limits per batch
MAX_FILE_BYTES = 200 * 1024 * 1024
DEFAULT_POLL_SECONDS = 30.0
DEFAULT_WAIT_TIMEOUT = 25 * 3600.0  # the 24 h completion window and an hour to finalize
MAX_POLL_ERRORS = 5  # consecutive transient failures tolerated while polling
sleep = time.sleep  # module-level so tests can poll without waiting
clock = time.monotonic


def write_requests(
    articles: Iterable[ArticleLike],
    path: str | os.PathLike[str],
    *,
    model: str | None = None,
    mode: ModeName = "auto",
    base_url: str = OPENAI_BASE_URL,
    temperature: float | None = None,
    max_tokens: int | None = None,
    max_article_tokens: int = DEFAULT_ARTICLE_TOKENS,
) -> list[str]:
    """Write the Batch API input file: one chat-completions request per article (per part of a
    long article), each exactly what `generate_brief` would send to `base_url`. Returns the
    custom_ids in file order. An article that cannot be loaded raises `InputError`."""
    mode = _batch_mode(mode, base_url)
    lines: list[str] = []
    ids: list[str] = []
    seen: set[str] = set()
    recorder = _Recorder(base_url)
    try:
        for item in articles:
            article = _load(item)
            if article.key in seen:
                continue
            seen.add(article.key)
            bodies = recorder.bodies(
                article,
                model=model,
                mode=mode,
                temperature=temperature,
                max_tokens=max_tokens,
                max_article_tokens=max_article_tokens,
            )
            for custom_id, body in zip(custom_ids(article, len(bodies)), bodies, strict=True):
                line = {"custom_id": custom_id, "method": "POST", "url": BATCH_ENDPOINT}
                lines.append(json.dumps({**line, "body": body}, ensure_ascii=False))
                ids.append(custom_id)
    finally:
        recorder.close()
    if not lines:
        raise InputError("no articles to batch")
    if len(lines) > MAX_REQUESTS:
        raise InputError(
            f"{len(lines):,} requests are more than the {MAX_REQUESTS:,} one batch takes; "
            "split the articles into several batches"
        )
    data = ("\n".join(lines) + "\n").encode()
    if len(data) > MAX_FILE_BYTES:
        raise InputError(
            f"the requests take {len(data):,} bytes, more than the {MAX_FILE_BYTES:,} one batch "
            "file may; split the articles into several batches"
        )
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.write_bytes(data)
    os.replace(partial, target)
    return ids


def submit(
    client: openai.OpenAI,
    path: str | os.PathLike[str],
    *,
    metadata: dict[str, str] | None = None,
) -> str:
    """Upload the requests file (purpose "batch") and create a batch on it; returns its id."""
    source = Path(path)
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise InputError(f"{source}: cannot read the batch requests ({exc.strerror})") from None
    tags = {"created_by": f"briefing {library_version()}", "prompt_version": prompt_version()}
    try:
        uploaded = client.files.create(
            file=(source.name, data, "application/jsonl"), purpose="batch"
        )
        batch = client.batches.create(
            input_file_id=uploaded.id,
            endpoint=BATCH_ENDPOINT,
            completion_window="24h",
            metadata={**tags, **(metadata or {})},
        )
    except openai.APIError as exc:
        raise _api_error(exc, client, f"submitting {source.name}") from None
    return batch.id


def wait(
    client: openai.OpenAI,
    batch_id: str,
    *,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
    timeout: float = DEFAULT_WAIT_TIMEOUT,
) -> Batch:
    """Poll until the batch completes and return it; raise if it failed (`ConfigurationError`:
    the input was rejected), expired (`TransportError`), was cancelled (`ModelError`), or is
    still running after `timeout` seconds (`TransportError`; the batch keeps running, so wait
    again later). At most `timeout / poll_seconds + 2` polls; a few transient polling failures
    in a row are tolerated."""
    if not (math.isfinite(poll_seconds) and poll_seconds > 0):
        raise ConfigurationError(f"poll_seconds must be a positive number, not {poll_seconds}")
    if not (math.isfinite(timeout) and timeout > 0):
        raise ConfigurationError(f"timeout must be a positive number of seconds, not {timeout}")
    deadline = clock() + timeout
    max_polls = int(timeout // poll_seconds) + 2
    status = "not yet seen"
    failures = polls = 0
    while polls < max_polls:
        polls += 1
        try:
            batch = client.batches.retrieve(batch_id)
        except openai.APIError as exc:
            error = _api_error(exc, client, f"polling batch {batch_id}")
            failures += 1
            if not isinstance(error, TransportError) or failures > MAX_POLL_ERRORS:
                raise error from None
        else:
            failures = 0
            status = batch.status
            if status == "completed":
                return batch
            _raise_unless_running(batch)
        remaining = deadline - clock()
        if remaining <= 0:
            break
        sleep(min(poll_seconds, remaining))
    raise TransportError(
        f"batch {batch_id} is still {status} after {timeout:g} s ({polls} polls); it keeps "
        f"running: wait(client, {batch_id!r}) again later, then collect",
        attempts=polls,
    )


def collect(
    client: openai.OpenAI,
    batch: Batch | str,
    articles: Iterable[ArticleLike],
    *,
    model: str | None = None,
    mode: ModeName = "auto",
    max_article_tokens: int = DEFAULT_ARTICLE_TOKENS,
    requests: str | os.PathLike[str] | None = None,
) -> list[BriefResult]:
    """One BriefResult per article, in order: its Brief from the batch's stored reply, through
    the same validation and grounding as `generate_brief`, or the typed error that stopped it.

    `batch` is a finished Batch or its id; an expired or cancelled batch yields the requests it
    finished. Pass the `model`, `mode` and `max_article_tokens` the requests were written with,
    and `requests` (their JSONL file) to have that checked.
    """
    mode = _batch_mode(mode, str(client.base_url))
    if isinstance(batch, str):
        try:
            batch = client.batches.retrieve(batch)
        except openai.APIError as exc:
            raise _api_error(exc, client, f"retrieving batch {batch}") from None
    if batch.status == "failed":
        _raise_unless_running(batch)
    if batch.status not in FINISHED:
        raise ConfigurationError(
            f"batch {batch.id} is {batch.status}, not finished; wait(client, {batch.id!r}) first"
        )
    stored: dict[str, dict[str, Any]] = {}
    for file_id in (batch.output_file_id, batch.error_file_id):
        for custom_id, entry in _download(client, file_id).items() if file_id else ():
            stored.setdefault(custom_id, entry)  # the output file's line wins
    submitted = _read_requests(Path(requests)) if requests is not None else None
    replayer = _Replayer(str(client.base_url))
    results: list[BriefResult] = []
    try:
        for item in articles:
            source = _label(item)
            try:
                article = as_article(item)
            except BriefingError as exc:
                results.append(BriefResult(source, None, None, exc))
                continue
            started = time.perf_counter()
            try:
                brief: Brief | None = replayer.brief(
                    batch,
                    article,
                    stored,
                    submitted,
                    model=model,
                    mode=mode,
                    max_article_tokens=max_article_tokens,
                )
                error: BriefingError | None = None
            except BriefingError as exc:
                brief, error = None, exc
            seconds = time.perf_counter() - started
            results.append(BriefResult(source, article, brief, error, seconds=seconds))
    finally:
        replayer.close()
    return results


def run(
    articles: Iterable[ArticleLike],
    client: openai.OpenAI,
    *,
    model: str | None = None,
    mode: ModeName = "auto",
    path: str | os.PathLike[str] | None = None,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
    timeout: float = DEFAULT_WAIT_TIMEOUT,
    temperature: float | None = None,
    max_tokens: int | None = None,
    max_article_tokens: int = DEFAULT_ARTICLE_TOKENS,
) -> list[BriefResult]:
    """write_requests + submit + wait + collect: one BriefResult per article, in order.

    An article that cannot be loaded is an error result and is not submitted. `path` keeps the
    requests file (default: a temporary one); `timeout` bounds the wait in seconds.
    """
    items = list(articles)
    loaded: dict[int, Article] = {}
    results: dict[int, BriefResult] = {}
    for index, item in enumerate(items):
        try:
            loaded[index] = as_article(item)
        except BriefingError as exc:
            results[index] = BriefResult(_label(item), None, None, exc)
    if not loaded:
        raise InputError("no articles to batch: none of them could be loaded")
    with tempfile.TemporaryDirectory(prefix="briefing-batch-") as scratch:
        target = Path(path) if path is not None else Path(scratch) / "requests.jsonl"
        write_requests(
            loaded.values(),
            target,
            model=model,
            mode=mode,
            base_url=str(client.base_url),
            temperature=temperature,
            max_tokens=max_tokens,
            max_article_tokens=max_article_tokens,
        )
        batch = wait(client, submit(client, target), poll_seconds=poll_seconds, timeout=timeout)
        briefed = collect(
            client,
            batch,
            loaded.values(),
            model=model,
            mode=mode,
            max_article_tokens=max_article_tokens,
            requests=target,
        )
    for index, result in zip(loaded, briefed, strict=True):
        results[index] = dataclasses.replace(result, source=_label(items[index]))
    return [results[index] for index in range(len(items))]


def _batch_mode(mode: ModeName, base_url: str) -> ModeName:
    """One request per article (per part): sections mode's four are not for a batch."""
    if mode == "sections":
        raise ConfigurationError(
            "mode 'sections' sends four requests per article, for small local models; a "
            "batch takes json, json_schema, tools or tools_strict"
        )
    resolved = resolve_mode(mode, base_url)
    return "json" if resolved == "sections" else resolved
