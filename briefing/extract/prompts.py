"""Prompt files, rendered with strict templates (a missing variable is an error, not a blank)."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

import jinja2

from briefing.extract.schema import Extraction


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
def prompt_version() -> str:
    """The declared version plus a digest of every prompt file and the response schema.

    Any edit to a prompt or a field description changes it, so records and caches can tell
    which prompt produced a brief.
    """
    root = prompts_dir()
    digest = hashlib.sha256()
    for path in sorted(root.glob("*.j2")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    digest.update(json.dumps(Extraction.model_json_schema(), sort_keys=True).encode())
    declared = (root / "VERSION").read_text().strip()
    return f"{declared}.{digest.hexdigest()[:8]}"
