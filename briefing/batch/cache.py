"""A content-addressed cache of Briefs on disk: a rerun of the same corpus calls no model.

The key covers everything that changes the answer: the article's text and metadata, the model,
the structured-output mode, the prompt version (which digests the prompts and the response
schema), the library's version (a fix to grounding or merging changes the answer too) and the
Brief's own schema.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache
from pathlib import Path

from briefing.extract.prompts import prompt_version
from briefing.extract.settings import Settings
from briefing.load.article import Article
from briefing.models import Brief
from briefing.version import library_version

ENV_CACHE_DIR = "BRIEFING_CACHE_DIR"


def default_cache_dir() -> Path:
    explicit = os.environ.get(ENV_CACHE_DIR)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "briefing"


@cache
def _brief_schema_digest() -> str:
    schema = json.dumps(Brief.model_json_schema(), sort_keys=True).encode()
    return hashlib.sha256(schema).hexdigest()[:12]


class BriefCache:
    """Briefs stored as JSON files named by the hash of what produced them."""

    def __init__(self, folder: str | os.PathLike[str] | None = None) -> None:
        self.folder = Path(folder) if folder is not None else default_cache_dir()

    def key(self, article: Article, settings: Settings) -> str:
        material = {
            "article": article.model_dump(mode="json", exclude={"name", "language"}),
            "model": settings.model,
            "mode": settings.mode_name,
            "prompt": prompt_version(),
            "library": library_version(),
            "brief_schema": _brief_schema_digest(),
        }
        return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> Brief | None:
        path = self._path(key)
        try:
            brief = Brief.from_json(path.read_bytes())
        except FileNotFoundError:
            return None
        except ValueError:
            path.unlink(missing_ok=True)  # a torn or outdated entry is a miss, not an error
            return None
        record = brief.record.model_copy(update={"from_cache": True})
        return brief.model_copy(update={"record": record})

    def put(self, key: str, brief: Brief) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.partial")
        partial.write_text(brief.to_json(indent=None), encoding="utf-8")
        os.replace(partial, path)

    def clear(self) -> int:
        """Remove every cached Brief; returns how many there were."""
        removed = 0
        for path in self.folder.glob("*/*.json"):
            path.unlink(missing_ok=True)
            removed += 1
        return removed
