"""From the model's raw answer to items, one at a time: a broken item is kept aside with its
problems (for repair, or for `record.unverified`) while the rest of the answer stands.

What is unambiguous is coerced and not reported as a problem: a missing list is empty, a
missing nullable field is null, a bare date string is that text with tense unknown, a single
quote given as a string is a list of one, an agreement without a role is `reported`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from briefing.extract.schema import DRAFTS, GROUPS, DateMention, Draft, ItemKind


class Unusable(Exception):
    """The answer as a whole cannot be read (not JSON, not an object)."""


@dataclass
class Proposed:
    """One item as the model proposed it, and what is wrong with it so far."""

    kind: ItemKind
    ref: str
    raw: Any
    draft: Draft | None
    problems: list[str] = field(default_factory=list)
    repaired: bool = False
    withdrawn: bool = False
    fixed: list[str] = field(default_factory=list)  # what code took out, and why


@dataclass
class Parsed:
    headline: str
    bluf: str
    items: list[Proposed]


def json_object(raw: str | None) -> dict[str, Any]:
    """The JSON object in a reply that may wrap it in prose or a Markdown fence."""
    if not raw or not raw.strip():
        raise Unusable("the answer is empty")
    start, end = raw.find("{"), raw.rfind("}")
    if start < 0 or end < start:
        raise Unusable("the answer holds no JSON object")
    try:
        value = json.loads(raw[start : end + 1])
    except ValueError as exc:
        raise Unusable(f"the answer is not valid JSON ({exc})") from None
    if not isinstance(value, dict):
        raise Unusable("the answer is not a JSON object")
    return value


def parse(raw: str | None) -> Parsed:
    data = json_object(raw)
    items: list[Proposed] = []
    for kind, group in GROUPS.items():
        values = data.get(group)
        if values is None:
            continue
        if not isinstance(values, list):
            values = [values]
        items += [item(kind, f"{group}[{i}]", value) for i, value in enumerate(values)]
    return Parsed(_text(data.get("headline")), _text(data.get("bluf")), items)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def item(kind: ItemKind, ref: str, raw: Any) -> Proposed:
    """Validate one item after coercing what is unambiguous; problems in plain words."""
    model = DRAFTS[kind]
    if not isinstance(raw, dict):
        return Proposed(kind, ref, raw, None, [f"the item is {type(raw).__name__}, not an object"])
    try:
        return Proposed(kind, ref, raw, model.model_validate(coerce(model, raw)))
    except ValidationError as exc:
        return Proposed(kind, ref, raw, None, plain_errors(exc))


# Fields whose absence has one reading: an agreement the model did not classify is one the
# article reports.
DEFAULTS = {"role": "reported"}


def coerce(model: type[Draft], raw: dict[str, Any]) -> dict[str, Any]:
    fixed = {k: v for k, v in raw.items() if k in model.model_fields}
    for name, default in DEFAULTS.items():
        if name in model.model_fields and fixed.get(name) is None:
            fixed[name] = default
    for name, info in model.model_fields.items():
        value = fixed.get(name)
        annotation = str(info.annotation)
        if name not in fixed:
            if annotation.startswith("list"):
                fixed[name] = []
            elif "None" in annotation:
                fixed[name] = None
        elif annotation.startswith("list") and isinstance(value, str):
            fixed[name] = [value]
        elif "DateMention" in annotation and isinstance(value, str):
            fixed[name] = {"text": value, "tense": "unknown"} if value.strip() else None
        elif "DateMention" in annotation and isinstance(value, dict) and "tense" not in value:
            fixed[name] = {**value, "tense": "unknown"}
    if "date" in fixed and isinstance(fixed["date"], DateMention):
        fixed["date"] = fixed["date"].model_dump()
    return fixed


def plain_errors(exc: ValidationError) -> list[str]:
    """pydantic's errors as short sentences: the field and what it must be, no input dumps."""
    out = []
    for error in exc.errors(include_url=False, include_input=False):
        where = ".".join(str(part) for part in error["loc"]) or "item"
        if error["type"] == "missing":
            out.append(f"{where}: required, but missing")
        elif error["type"] == "extra_forbidden":
            out.append(f"{where}: not a field of this item; remove it")
        elif error["type"] == "literal_error":
            out.append(f"{where}: {error['msg'].replace('Input should be', 'must be')}")
        else:
            out.append(f"{where}: {error['msg']}")
    return out


def salvage(raw: str | None) -> dict[str, Any] | None:
    """The complete part of a JSON object cut off at the length limit: the object up to its
    last complete value, closed. Items the model finished are kept; the one it was writing
    when it was cut is not (there is nothing to check it against). None when nothing is whole.
    """
    text = raw or ""
    start = text.find("{")
    if start < 0:
        return None
    stack: list[str] = []
    cut: tuple[int, str] | None = None  # end of the last complete value, and its closers
    in_string = escaped = False
    for i in range(start, len(text)):
        char = text[i]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            continue
        if char == '"':
            in_string = True
        elif char in "{[":
            stack.append("}" if char == "{" else "]")
        elif char in "}]":
            if not stack:
                break
            stack.pop()
            if not stack:
                return json_object(text[start : i + 1])
            if stack[-1] == "]":  # a whole item of a list
                cut = (i + 1, "".join(reversed(stack)))
    if cut is None:
        return None
    try:
        value = json.loads(text[start : cut[0]] + cut[1])
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
