"""Cassettes: recorded (or hand-authored) model exchanges that tests and the offline CLI replay.

Every cassette says where it came from in `metadata.provenance`: `recorded` from which endpoint
and model, or `authored` by hand and what it stands for. Secrets never reach a cassette: auth,
organisation and project headers and cookies are scrubbed both ways, and 429/5xx answers are not
recorded. Bodies are stored as indented JSON and requests match on their parsed JSON, so a
cassette is readable and stays valid whatever the client's JSON spacing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx2
import openai
import vcr
import yaml
from vcr.errors import CannotOverwriteExistingCassetteException

from briefing.errors import ConfigurationError
from briefing.extract.core import generate_brief
from briefing.extract.prompts import prompt_version
from briefing.extract.settings import DEFAULT_MODEL, DEFAULT_TIMEOUT, ModeName
from briefing.load.article import Article, load_article
from briefing.local.stream import AllowanceTransport
from briefing.models import Brief
from briefing.replay.envelope import Reply, completion_envelope

OPENAI_BASE_URL = "https://api.openai.com/v1"
SCRUBBED_HEADERS = (
    "authorization",
    "api-key",
    "openai-organization",
    "openai-project",
    "cookie",
    "set-cookie",
    "x-api-key",
)
ENV_CASSETTE_DIR = "BRIEFING_CASSETTE_DIR"


class _ReadableYaml:
    """YAML with multi-line strings as literal blocks, so JSON bodies read as JSON."""

    @staticmethod
    def serialize(cassette: dict[str, Any]) -> str:
        class Dumper(yaml.SafeDumper):
            pass

        def text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
            style = "|" if "\n" in value else None
            return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

        Dumper.add_representer(str, text)
        if "metadata" in cassette:
            cassette = {"metadata": cassette["metadata"], **cassette}
        return yaml.dump(cassette, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=100)

    @staticmethod
    def deserialize(data: str) -> Any:
        return yaml.safe_load(data)


def _json_or_raw(body: Any) -> Any:
    if body is None:
        return None
    raw = body.decode() if isinstance(body, bytes) else str(body)
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _json_body(r1: Any, r2: Any) -> None:
    if _json_or_raw(r1.body) != _json_or_raw(r2.body):
        raise AssertionError("request bodies differ")


def _pretty(body: Any) -> Any:
    """Indented JSON of the same type (bytes or str); vcrpy also runs this on playback."""
    parsed = _json_or_raw(body)
    if isinstance(parsed, str) or parsed is None:
        return body
    choices = parsed.get("choices") if isinstance(parsed, dict) else None
    for choice in choices if isinstance(choices, list) else []:
        for call in (choice.get("message") or {}).get("tool_calls") or []:
            arguments = _json_or_raw(call["function"]["arguments"])
            if not isinstance(arguments, str):
                call["function"]["arguments"] = json.dumps(arguments, indent=2, ensure_ascii=False)
    pretty = json.dumps(parsed, indent=2, ensure_ascii=False)
    return pretty.encode() if isinstance(body, bytes) else pretty


def _before_record_request(request: Any) -> Any:
    for name in list(request.headers):
        if name.lower() in SCRUBBED_HEADERS:
            del request.headers[name]
    if request.body:
        request.body = _pretty(request.body)
    return request


def _before_record_response(response: dict[str, Any]) -> dict[str, Any] | None:
    if response["status"]["code"] == 429 or response["status"]["code"] >= 500:
        return None
    headers = response["headers"]
    for name in list(headers):
        if name.lower() in (*SCRUBBED_HEADERS, "content-length", "content-encoding"):
            del headers[name]
    response["body"]["string"] = _pretty(response["body"]["string"])
    return response


def make_vcr(record_mode: str = "none") -> vcr.VCR:
    """A VCR that scrubs secrets, stores readable JSON and matches on method, path and body."""
    recorder = vcr.VCR(
        serializer="readable-yaml",
        record_mode=record_mode,
        match_on=["method", "path", "json_body"],
        before_record_request=_before_record_request,
        before_record_response=_before_record_response,
        decode_compressed_response=True,
        filter_query_parameters=["api-key", "api_key", "key", "token"],
    )
    recorder.register_serializer("readable-yaml", _ReadableYaml())
    recorder.register_matcher("json_body", _json_body)
    return recorder


def provenance(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The provenance block of a cassette file."""
    return _provenance_block(_read(path), path)


def _read(path: str | os.PathLike[str]) -> Any:
    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"{path}: not a readable cassette ({_first_line(exc)})") from None


def _provenance_block(data: Any, path: str | os.PathLike[str]) -> dict[str, Any]:
    block = (data.get("metadata") or {}).get("provenance") if isinstance(data, dict) else None
    missing = {"kind", "base_url", "model", "mode"} - set(block or {})
    if not isinstance(block, dict) or missing:
        raise ConfigurationError(
            f"{path}: the cassette's provenance block is missing or lacks {sorted(missing)}"
        )
    return block


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def describe(prov: dict[str, Any]) -> str:
    """One line for humans: what this cassette is, honestly."""
    if prov.get("kind") == "recorded":
        return (
            f"recorded from {prov.get('model')} at {prov.get('endpoint')} on {prov.get('created')}"
        )
    return (
        f"authored by hand, standing for {prov.get('model')} at {prov.get('endpoint')}; "
        "not a recording of a real model"
    )


def cassette_dirs() -> list[Path]:
    """Where to look for cassettes: $BRIEFING_CASSETTE_DIR, ./cassettes, the source checkout's."""
    dirs = [Path(p) for p in [os.environ.get(ENV_CASSETTE_DIR)] if p]
    dirs += [Path.cwd() / "cassettes", Path(__file__).resolve().parents[2] / "cassettes"]
    unique: dict[Path, Path] = {}
    for folder in dirs:
        unique.setdefault(folder.resolve(), folder)
    return list(unique.values())


def find_cassette(article: Article, dirs: list[Path] | None = None) -> Path | None:
    """The cassette named after the article's file, else one recorded for the same text."""
    folders = [d for d in (dirs or cassette_dirs()) if d.is_dir()]
    for folder in folders if article.name else []:
        candidate = folder / f"{article.name}.yaml"
        if candidate.is_file():
            return candidate
    for folder in folders:
        for candidate in sorted(folder.glob("*.yaml")):
            if f"article_key: {article.key}" in candidate.read_text(encoding="utf-8"):
                return candidate
    return None


def replay(article: Article, cassette: str | os.PathLike[str]) -> Brief:
    """Brief `article` from a cassette through the real client and HTTP stack, offline."""
    cassette = Path(cassette)
    data = _read(cassette)
    prov = _provenance_block(data, cassette)
    client: openai.OpenAI | openai.AsyncOpenAI
    if _streamed(data):  # a local model's run: its answers streamed under their allowance
        transport = AllowanceTransport()
        client = openai.AsyncOpenAI(
            api_key="replay-needs-no-key", base_url=prov["base_url"], max_retries=0,
            http_client=httpx2.AsyncClient(transport=transport, timeout=None),
        )  # fmt: skip
    else:
        client = openai.OpenAI(
            api_key="replay-needs-no-key", base_url=prov["base_url"], max_retries=0
        )
    try:
        with make_vcr("none").use_cassette(str(cassette)):
            brief = generate_brief(
                article, client=client, model=prov["model"], mode=prov["mode"], transport_retries=0
            )
    except Exception as exc:
        if _caused_by(exc, CannotOverwriteExistingCassetteException):
            raise ConfigurationError(_mismatch(cassette, prov, article)) from None
        raise
    note = (
        f"Replayed offline from {cassette.name}: {describe(prov)}. Nothing was spent: the "
        "token counts are the ones the cassette holds"
        + (" (estimates, for an authored reply)." if prov["kind"] == "authored" else ".")
    )
    update = {"notes": [note, *brief.record.notes], "replayed": True, "cost_usd": 0.0}
    return brief.model_copy(update={"record": brief.record.model_copy(update=update)})


def _streamed(data: dict[str, Any]) -> bool:
    """Whether the cassette's requests were streamed (recorded from a local model's server)."""
    interactions = data.get("interactions") or []
    body = _json_or_raw(interactions[0]["request"]["body"]) if interactions else None
    return isinstance(body, dict) and body.get("stream") is True


def _mismatch(cassette: Path, prov: dict[str, Any], article: Article) -> str:
    if prov.get("article_key") not in (None, article.key):
        why = "the article's text or metadata differ from the recorded article"
    elif prov.get("prompt_version") != prompt_version():
        why = f"the prompt changed ({prov.get('prompt_version')} -> {prompt_version()})"
    else:
        why = "the request differs (a re-ask the cassette does not hold, or another version)"
    return (
        f"{cassette} does not match this request: {why}; re-author or re-record it with "
        "`briefing cassettes author|record`"
    )


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, kind):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


@contextmanager
def _recording(path: Path, prov: dict[str, Any]) -> Iterator[None]:
    """Record into a temporary cassette that replaces `path` only if the run succeeds, so a
    failed re-record never destroys a good cassette."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        with make_vcr("all").use_cassette(str(partial)) as cassette:
            cassette.get_metadata("provenance", prov)
            yield
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def author(seed: Path, reply_file: Path, out: Path, *, model: str = DEFAULT_MODEL) -> Brief:
    """Write a cassette whose answer is a hand-written reply, marked `authored`.

    The real client, instructor and HTTP stack build the request, so the cassette holds exactly
    what this version sends; only the answer comes from `reply_file` instead of a model.
    """
    article = load_article(seed)
    try:
        payload = json.loads(reply_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"{reply_file}: not a readable JSON reply ({exc})") from None

    def answer(request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        return httpx2.Response(200, json=completion_envelope(body, Reply(payload), model=model))

    client = openai.OpenAI(
        api_key="authoring-needs-no-key",
        base_url=OPENAI_BASE_URL,
        http_client=httpx2.Client(transport=httpx2.MockTransport(answer)),
        max_retries=0,
    )
    prov = _provenance(
        "authored",
        article,
        base_url=OPENAI_BASE_URL,
        model=model,
        mode="tools_strict",
        note=(
            f"Written by hand from {reply_file.as_posix()} as a careful analyst would extract "
            "this article; stands for the model named here, not a recording of it. Token "
            "counts are estimates (characters / 4). `briefing cassettes record` replaces it "
            "with a real recording."
        ),
    )
    with _recording(out, prov):
        return generate_brief(article, client=client, model=model, mode="tools_strict")


def record(
    seed: Path,
    out: Path,
    *,
    client: openai.OpenAI | openai.AsyncOpenAI,
    model: str,
    mode: ModeName,
    timeout: float = DEFAULT_TIMEOUT,
) -> Brief:
    """Record a live exchange with the endpoint `client` points at, marked `recorded`;
    `timeout` is seconds per answer (a local model needs minutes)."""
    article = load_article(seed)
    url = httpx2.URL(str(client.base_url))
    base_url = str(url.copy_with(username=None, password=None, query=None)).rstrip("/")
    prov = _provenance("recorded", article, base_url=base_url, model=model, mode=mode, note="")
    with _recording(out, prov):
        brief = generate_brief(article, client=client, model=model, mode=mode, timeout=timeout)
        prov["served_model"] = brief.record.model
    return brief


def _provenance(
    kind: str, article: Article, *, base_url: str, model: str, mode: str, note: str
) -> dict[str, Any]:
    host = httpx2.URL(base_url)
    return {
        "kind": kind,
        "endpoint": f"{host.scheme}://{host.host}",
        "base_url": base_url,
        "model": model,
        "mode": mode,
        "article": article.name,
        "article_key": article.key,
        "prompt_version": prompt_version(),
        "created": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "note": note,
    }
