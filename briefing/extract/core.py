"""One article through the model into a grounded Brief: the one code path.

messages -> send (transport retries, whole-answer timeout) -> parse item by item -> ground ->
repair what failed (a short follow-up naming only those items) -> assemble. `agenerate_brief`
is that coroutine; `generate_brief` runs the same coroutine from synchronous code. A long
article is split on paragraph boundaries, each part extracted on its own, and everything
grounded and assembled once against the whole article.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from typing import Any, TypeVar

import anyio
import anyio.from_thread
import openai
from pydantic import BaseModel

from briefing.batch.cache import BriefCache
from briefing.errors import (
    BriefingError,
    ConfigurationError,
    OutputError,
    RetriesExhaustedError,
)
from briefing.extract.call import Answer, Calls, ClientEndpoint, Endpoint, Pacing, first_line, send
from briefing.extract.chunk import split_article
from briefing.extract.parse import Parsed, Proposed, Unusable, json_object, parse, salvage
from briefing.extract.prompts import (
    Message,
    article_messages,
    prompt_version,
    render,
    request_body,
)
from briefing.extract.repair import apply_repair, repair_messages, repair_model
from briefing.extract.schema import Extraction
from briefing.extract.sections import (
    claims_of_rows,
    merge,
    numbered,
    plan,
    section_messages,
    section_model,
)
from briefing.extract.settings import (
    DEFAULT_ARTICLE_TOKENS,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    DEFAULT_TRANSPORT_RETRIES,
    ModeName,
    Options,
    Settings,
    async_client_from_env,
    resolve_mode,
    settings_for,
)
from briefing.ground.assemble import assemble
from briefing.ground.rules import item_problems, repairable, without_unsupported
from briefing.load.article import Article, as_article
from briefing.local.models import LocalModel
from briefing.local.server import LOCAL_ENDPOINT, LOCAL_TIMEOUT, local_client
from briefing.models import Brief, RunRecord
from briefing.pricing import cost_of
from briefing.sync import run_sync
from briefing.version import library_version

ArticleLike = Article | str | os.PathLike[str]
T = TypeVar("T")


async def agenerate_brief(
    article: ArticleLike,
    *,
    client: openai.OpenAI | openai.AsyncOpenAI | None = None,
    local: LocalModel | None = None,
    model: str | None = None,
    mode: ModeName = "auto",
    max_retries: int = DEFAULT_MAX_RETRIES,
    transport_retries: int = DEFAULT_TRANSPORT_RETRIES,
    temperature: float | None = None,
    max_tokens: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_article_tokens: int = DEFAULT_ARTICLE_TOKENS,
    cache: BriefCache | None = None,
) -> Brief:
    """Brief one article. `client` is an `openai.OpenAI` or `openai.AsyncOpenAI`, used as
    given with its own retries off in favour of ours; without one, OPENAI_API_KEY /
    OPENAI_BASE_URL and BRIEFING_MODEL configure it. `local` is a local model instead: True
    (the default model), a GGUF file or "hf:OWNER/REPO/FILE.gguf"; llama.cpp's server is
    started on it for this article and stopped after (the `local` extra), and the default
    timeout becomes 900 s an answer. `cache` is a `BriefCache`."""
    doc = as_article(article)
    options = Options(
        max_retries, transport_retries, temperature, max_tokens, timeout, max_article_tokens
    )
    if local is not None:
        if client is not None:
            raise ConfigurationError("pass client= or local=, not both")
        resolve_mode(mode, LOCAL_ENDPOINT)  # a wrong mode is refused before the model loads
        if timeout == DEFAULT_TIMEOUT:
            options = dataclasses.replace(options, timeout=LOCAL_TIMEOUT)
        async with local_client(local, [len(doc.text)], answer_tokens=max_tokens) as (served, name):
            return await _brief(doc, served, model or name, mode, options, cache, owned=False)
    chosen = async_client_from_env() if client is None else client
    return await _brief(doc, chosen, model, mode, options, cache, owned=client is None)


async def _brief(
    doc: Article,
    chosen: openai.OpenAI | openai.AsyncOpenAI,
    model: str | None,
    mode: ModeName,
    options: Options,
    cache: BriefCache | None,
    *,
    owned: bool,
) -> Brief:
    if not isinstance(chosen, openai.OpenAI | openai.AsyncOpenAI):
        raise ConfigurationError(
            f"client must be an openai.OpenAI or openai.AsyncOpenAI, not {type(chosen).__name__}"
        )
    settings = settings_for(chosen, model, mode)
    try:
        key = cache.key(doc, settings) if cache is not None else None
        if cache is not None and key and (hit := cache.get(key, doc)):
            return hit
        brief = await brief_article(doc, ClientEndpoint(chosen), settings, options)
        if cache is not None and key:
            await anyio.to_thread.run_sync(cache.put, key, brief)
        return brief
    finally:
        if owned and isinstance(chosen, openai.AsyncOpenAI):
            await chosen.close()


def generate_brief(
    article: ArticleLike,
    *,
    client: openai.OpenAI | openai.AsyncOpenAI | None = None,
    local: LocalModel | None = None,
    model: str | None = None,
    mode: ModeName = "auto",
    max_retries: int = DEFAULT_MAX_RETRIES,
    transport_retries: int = DEFAULT_TRANSPORT_RETRIES,
    temperature: float | None = None,
    max_tokens: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_article_tokens: int = DEFAULT_ARTICLE_TOKENS,
    cache: BriefCache | None = None,
) -> Brief:
    """Brief one article from synchronous code: `agenerate_brief`, run to completion."""
    return run_sync(
        agenerate_brief(
            article,
            client=client,
            local=local,
            model=model,
            mode=mode,
            max_retries=max_retries,
            transport_retries=transport_retries,
            temperature=temperature,
            max_tokens=max_tokens,
            timeout=timeout,
            max_article_tokens=max_article_tokens,
            cache=cache,
        )
    )


# Tokens allowed per item in a small model's repair answer (sections mode).
REPAIR_TOKENS = 160


async def brief_article(
    article: Article,
    endpoint: Endpoint,
    settings: Settings,
    options: Options,
    *,
    pacing: Pacing | None = None,
    calls: Calls | None = None,
) -> Brief:
    """The pipeline for one article against any Endpoint (the documented seam)."""
    calls = calls if calls is not None else Calls()
    parts = split_article(article, options.max_article_tokens)
    headline = bluf = ""
    items: list[Proposed] = []
    notes: list[str] = []
    repairs = 0
    for number, (_, part) in enumerate(parts, start=1):
        parsed, used = await _extract(
            part, article.text, endpoint, settings, options, calls, pacing, notes
        )
        repairs += used
        prefix = f"part{number}." if len(parts) > 1 else ""
        for p in parsed.items:
            p.ref = prefix + p.ref
        items += parsed.items
        headline, bluf = headline or parsed.headline, bluf or parsed.bluf
    if len(parts) > 1:
        notes.insert(
            0,
            f"Briefed in {len(parts)} parts split on paragraph boundaries; headline and bottom "
            "line come from the first part.",
        )
    return assemble(article, headline, bluf, items, record(settings, calls, repairs, notes))


async def _extract(
    part: Article,
    whole: str,
    endpoint: Endpoint,
    settings: Settings,
    options: Options,
    calls: Calls,
    pacing: Pacing | None,
    notes: list[str],
) -> tuple[Parsed, int]:
    """The first answer read item by item (re-asked whole only when it cannot be read at
    all), then up to `max_retries` repair rounds for the items that failed."""
    if settings.mode_name == "sections":
        shown, sentences = numbered(part)
        prefix = article_messages(shown, system="system-sections.j2")
        answers: list[dict[str, Any]] = []
        failed: list[BriefingError] = []
        sections = plan(sentences)
        for number, section in enumerate(sections, start=1):
            messages = section_messages(prefix, section, number, len(sections), sentences)
            try:
                read = await _readable(
                    messages, section_model(section), endpoint, settings, options, calls,
                    pacing, notes,
                )  # fmt: skip
                answers.append(claims_of_rows(read, section))
            except BriefingError as exc:  # the other sections' items still stand
                if not answers and isinstance(exc, ConfigurationError) and exc.batch_wide:
                    raise  # a rejected key or model: the next sections would be rejected too
                failed.append(exc)
                notes.append(
                    f"The {section.label} section's answer could not be read "
                    f"({first_line(str(exc))}); that section is empty here."
                )
        if len(failed) == len(sections):
            raise failed[0]
        merged = merge(answers, sentences)
        if merged.matched:
            notes.append(
                f"{merged.matched} evidence passage(s) were taken as the article sentence the "
                "model pointed at or nearly copied, or (for an official) the one naming them."
            )
        parsed = parse(merged.json)
    else:
        data = await _readable(
            article_messages(part), Extraction, endpoint, settings, options, calls, pacing, notes
        )
        parsed = parse(json.dumps(data, ensure_ascii=False))
    for p in parsed.items:
        if p.draft is not None:
            p.problems = item_problems(p.draft, whole)
    if settings.mode_name == "sections":
        _drop_unsupported_fields(parsed, whole)  # a small model's repair seldom finds them
    repairs = 0
    previous: str | None = None
    while repairs < options.max_retries:
        failing = [
            p
            for p in parsed.items
            if (p.problems or p.draft is None) and not p.withdrawn and repairable(p.problems)
        ]
        if not failing:
            break
        repair = repair_model(frozenset(p.kind for p in failing))
        body = request_body(repair_messages(failing, whole), repair, settings, options)
        if settings.mode_name == "sections" and options.max_tokens is None:
            # a small model that rambles in a repair is cut where the items it was asked
            # about should have ended: a long repair costs minutes and seldom fixes more
            body["max_tokens"] = min(body["max_tokens"], REPAIR_TOKENS * (len(failing) + 1))
        try:
            answer = await _ask(endpoint, body, settings, options, calls, pacing)
        except BriefingError as exc:  # the first answer is paid for: a failed repair costs
            # only the items it was to fix (a context overrun, a 4xx, an outage)
            notes.append(
                f"A repair request failed ({first_line(str(exc))}); the items it was "
                "to fix are listed as unverified."
            )
            break
        repairs += 1
        if answer.text == previous:
            break  # the model repeats itself: another round would cost the same for nothing
        previous = answer.text
        fixed = {p.ref: p for p in apply_repair(failing, answer.text)}
        for p in fixed.values():
            if p.draft is not None and not p.withdrawn:
                p.problems = item_problems(p.draft, whole)
        parsed.items = [fixed.get(p.ref, p) for p in parsed.items]
    _drop_unsupported_fields(parsed, whole)
    return parsed, repairs


def _drop_unsupported_fields(parsed: Parsed, whole: str) -> None:
    """Items whose quotes ground but some secondary field does not lose that field, not the
    item; the ledger says what was taken out."""
    for p in parsed.items:
        if p.draft is None or p.withdrawn:
            continue
        stripped = without_unsupported(p.draft, p.problems)
        if stripped is not None:
            p.draft, reasons = stripped
            p.fixed += reasons
            p.problems = item_problems(p.draft, whole)


async def _readable(
    messages: list[Message],
    response: type[BaseModel],
    endpoint: Endpoint,
    settings: Settings,
    options: Options,
    calls: Calls,
    pacing: Pacing | None,
    notes: list[str],
) -> dict[str, Any]:
    """The JSON object of an answer to `messages`, re-asked while it cannot be read at all
    (up to `max_retries` times, and not when the model repeats itself)."""
    body = request_body(messages, response, settings, options)
    last: str | None = None
    for attempt in range(options.max_retries + 1):
        answer = await _ask(endpoint, body, settings, options, calls, pacing)
        _refuse(answer, calls)
        try:
            return json_object(answer.text)
        except Unusable as exc:
            if _cut(answer, options):  # not re-asked: the same limit would cut it again
                kept = _salvaged(answer, calls)
                notes.append(
                    "An answer was cut off at the length limit; the items it had finished "
                    "are kept, the one it was writing is lost (raise max_tokens to keep it)."
                )
                return kept
            if answer.text == last or attempt == options.max_retries:
                raise RetriesExhaustedError(
                    f"the model's answer could not be read after {calls.attempts} attempt(s) "
                    f"({exc}); try a stronger model, more re-asks (max_retries) or another mode",
                    attempts=calls.attempts,
                    last_output=calls.last_output,
                    usage=calls.usage,
                    errors=[str(exc)],
                ) from None
            last = answer.text
            retry = [
                *messages,
                {"role": "assistant", "content": answer.text or ""},
                {"role": "user", "content": render("reask.j2", problem=str(exc))},
            ]
            body = request_body(retry, response, settings, options)
    raise AssertionError("unreachable")  # pragma: no cover


async def _ask(
    endpoint: Endpoint,
    body: dict[str, Any],
    settings: Settings,
    options: Options,
    calls: Calls,
    pacing: Pacing | None,
) -> Answer:
    return await send(
        endpoint,
        body,
        calls=calls,
        settings=settings,
        retries=options.transport_retries,
        timeout=options.timeout,
        pacing=pacing,
    )


def _refuse(answer: Any, calls: Calls) -> None:
    """A refusal is final, not re-asked."""
    if answer.refusal:
        raise OutputError(
            f"the model refused to answer: {first_line(answer.refusal)}; check the article is "
            "news text, or try another model",
            attempts=calls.attempts,
            last_output=answer.refusal,
            usage=calls.usage,
        )


def _salvaged(answer: Any, calls: Calls) -> dict[str, Any]:
    """The finished part of an answer cut at the length limit, or the error saying so."""
    kept = salvage(answer.text)
    if kept is None:
        raise OutputError(
            "the model's output was cut off at its length limit (finish_reason=length) "
            "before it finished any item; pass a larger max_tokens or use a model with a "
            "larger output limit",
            attempts=calls.attempts,
            last_output=answer.text,
            usage=calls.usage,
        )
    return kept


def _cut(answer: Any, options: Options) -> bool:
    used = answer.usage.completion_tokens
    return bool(
        answer.finish_reason == "length"
        or (options.max_tokens is not None and used >= options.max_tokens)
    )


def record(settings: Settings, calls: Calls, repairs: int, notes: list[str]) -> RunRecord:
    model = calls.served_model or settings.model
    return RunRecord(
        model=model,
        endpoint=settings.endpoint,
        mode=settings.mode_name,
        prompt_version=prompt_version(),
        attempts=calls.attempts,
        transport_retries=calls.transport_retries,
        usage=calls.usage,
        cost_usd=cost_of(calls.usage, model),
        repairs=repairs,
        notes=notes,
        created=dt.datetime.now(dt.UTC).replace(microsecond=0),
        library_version=library_version(),
    )
