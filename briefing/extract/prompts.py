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
from urllib.parse import unquote, urlsplit

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


# Words kept lower case inside a title derived from an address, unless first.
_SMALL_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "by",
        "for",
        "from",
        "in",
        "into",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
        "vs",
        "via",
        "over",
        "upon",
    ]
)
_FILE_SUFFIX = re.compile(r"\.(?:s?html?|php|aspx?|jsp)$", re.IGNORECASE)


def title_from_url(url: str | None) -> str | None:
    """A title read from a page address whose last path segment is a slug of words
    (`.../statement-by-president-biden-on-5g-agreement/` -> "Statement by President Biden on
    5G Agreement"): statement pages often name their author only there. None when the address
    has no such slug (an id, a date, a single word)."""
    if not url:
        return None
    path = urlsplit(url.strip()).path
    segments = [s for s in unquote(path).split("/") if s]
    if not segments:
        return None
    words = [w for w in re.split(r"[-_+\s]+", _FILE_SUFFIX.sub("", segments[-1])) if w]
    alphabetic = [w for w in words if re.search(r"[^\W\d_]", w)]
    if len(alphabetic) < 3 or len(alphabetic) < len(words) / 2:
        return None
    out = []
    for i, word in enumerate(words):
        if re.search(r"\d", word) and re.search(r"[^\W\d_]", word) and len(word) <= 4:
            out.append(word.upper())
        elif i and word.lower() in _SMALL_WORDS:
            out.append(word.lower())
        else:
            out.append(word[:1].upper() + word[1:])
    return " ".join(out)


def authorship(article: Article) -> dict[str, str]:
    """What the source says about who wrote the article, as request attributes: the title,
    the byline and the address, and a title read from the address when there is no title.
    The model attributes first-person text to the author these name."""
    title = article.title or ""
    author = getattr(article, "author", None)
    shown = {"title": _attribute(title)}
    if isinstance(author, str) and author.strip():
        shown["author"] = _attribute(author)
    if article.url:
        shown["url"] = _attribute(article.url)
        derived = None if title.strip() else title_from_url(article.url)
        if derived:
            shown["title_from_url"] = _attribute(derived)
    return shown


def article_messages(article: Article, *, system: str = "system.j2") -> list[Message]:
    """The system and user messages for one article."""
    published = article.published.isoformat() if article.published else "unknown"
    text = re.sub(r"<(/?article)", "<\u200b\\1", article.text, flags=re.IGNORECASE)
    user = render(
        "user.j2",
        text=text,
        published=published,
        source=_attribute(article.source or "unknown"),
        authorship=authorship(article),
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
