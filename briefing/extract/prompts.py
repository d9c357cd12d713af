"""Prompt files and the request bodies built from them.

Prompts are files in `prompts/`, rendered with strict templates (a missing variable is an
error, not a blank). The response schema is built by instructor from the drafts
(`instructor.generate_openai_schema`), with pydantic's titles taken out, and sent the way the
mode asks: a tool definition, a `json_schema` response format, or written into the system
message for JSON mode.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import instructor
import jinja2
from pydantic import BaseModel

from briefing.extract.schema import Extraction, without_descriptions, without_titles
from briefing.extract.settings import Options, Settings
from briefing.load.article import Article

Message = dict[str, str]
# One section's answer in sections mode, unless max_tokens says otherwise: a small model that
# starts repeating itself is stopped there, and the items it finished are kept (parse.salvage).
SECTION_TOKENS = 1024


@cache
def prompts_dir() -> Path:
    """`briefing/prompts` in a wheel; the repository's top-level `prompts/` in a checkout."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package / "prompts", package.parent / "prompts"):
        if (candidate / "system.j2").is_file():
            return candidate
    raise FileNotFoundError("briefing's prompt files are missing from the installation")


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(prompts_dir()),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
    )


def render(name: str, **variables: object) -> str:
    return _environment().get_template(name).render(**variables).strip()


@cache
def tool_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The function definition instructor builds for `model`, without titles."""
    built = instructor.generate_openai_schema(model)
    parameters = without_titles(built["parameters"])
    if not getattr(model, "describe_fields", True):
        parameters = without_descriptions(parameters)
    return {"name": built["name"], "description": built["description"], "parameters": parameters}


@cache
def prompt_version() -> str:
    """The declared version plus a digest of every prompt file and the response schema, so
    that records and caches can tell which prompt produced a brief."""
    root = prompts_dir()
    digest = hashlib.sha256()
    for path in sorted(root.glob("*.j2")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    digest.update(json.dumps(tool_schema(Extraction), sort_keys=True).encode())
    declared = (root / "VERSION").read_text().strip()
    return f"{declared}.{digest.hexdigest()[:8]}"


def _attribute(value: str) -> str:
    """Metadata as a safe attribute value: it cannot close the tag or the attribute."""
    return " ".join(value.replace('"', "'").replace("<", "(").replace(">", ")").split())


def article_messages(article: Article, *, system: str = "system.j2") -> list[Message]:
    """The system and user messages for one article."""
    published = article.published.isoformat() if article.published else "unknown"
    text = re.sub(r"<(/?article)", "<\u200b\\1", article.text, flags=re.IGNORECASE)
    user = render(
        "user.j2",
        text=text,
        published=published,
        source=_attribute(article.source or "unknown"),
        title=_attribute(article.title or ""),
        language=_attribute(article.language or "unknown"),
    )
    return [{"role": "system", "content": render(system)}, {"role": "user", "content": user}]


def request_body(
    messages: list[Message], response: type[BaseModel], settings: Settings, options: Options
) -> dict[str, Any]:
    """The chat-completion body for `messages`, asking for `response` the way the mode does.
    In JSON mode the schema is written into the system message, as compact JSON, and sent as
    the `response_format` schema that local servers enforce; in sections mode it goes into the
    last message, so that every section's request shares the article prefix."""
    schema = tool_schema(response)
    mode = settings.mode_name
    if mode in ("json", "sections"):
        compact = json.dumps(schema["parameters"], separators=(",", ":"), ensure_ascii=False)
        at = 0 if mode == "json" else len(messages) - 1
        asked = messages[at]["content"] + "\n\n" + render("json.j2", schema=compact)
        messages = [*messages[:at], {**messages[at], "content": asked}, *messages[at + 1 :]]
    body: dict[str, Any] = {"model": settings.model, "messages": messages}
    if mode in ("tools", "tools_strict"):
        function = {**schema, "strict": True} if mode == "tools_strict" else schema
        body["tools"] = [{"type": "function", "function": function}]
        body["tool_choice"] = {"type": "function", "function": {"name": schema["name"]}}
    elif mode == "json_schema":
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": schema["name"], "schema": schema["parameters"], "strict": True},
        }
    else:
        # llama.cpp's servers (llama-cpp-python and llama-server) turn `schema` into a grammar,
        # so even a small local model answers in the schema's shape; others ignore it.
        body["response_format"] = {"type": "json_object", "schema": schema["parameters"]}
    if options.temperature is not None:
        body["temperature"] = options.temperature
    elif mode == "sections":
        body["temperature"] = 0  # a small model sampled gave another list on every run
    if options.max_tokens is not None:
        body["max_tokens"] = options.max_tokens
    elif mode == "sections":
        body["max_tokens"] = SECTION_TOKENS
    return body
