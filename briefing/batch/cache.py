"""A content-addressed cache of Briefs on disk: a rerun of the same corpus calls no model.

The key covers everything that changes the answer: the article's text and metadata, the model,
the structured-output mode, the prompt version (which digests the prompts and the response
schema), the library's version (a fix to grounding or merging changes the answer too) and the
Brief's own schema.

A cache is a convenience, never a risk: an entry that cannot be read or written (a read-only
or full disk, a folder where a file should be) turns the cache off for the rest of the run
with one `BriefingWarning`, and an entry that does not match its article is a miss.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from functools import cache
from pathlib import Path

from briefing.errors import BriefingWarning
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
        self.off: str | None = None  # why the cache turned itself off, if it did

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

    def get(self, key: str, article: Article | None = None) -> Brief | None:
        """The Brief stored under `key`; with `article`, only if it is that article's (every
        quote where its span says)."""
        if self.off:
            return None
        path = self._path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            self._turn_off(f"{path} cannot be read ({_why(exc)})")
            return None
        try:
            brief = Brief.from_json(data)
        except ValueError:
            self._discard(path)  # a torn or outdated entry is a miss, not an error
            return None
        if article is not None and not _belongs(brief, article):
            self._discard(path)
            return None
        record = brief.record.model_copy(update={"from_cache": True})
        return brief.model_copy(update={"record": record})

    def put(self, key: str, brief: Brief) -> None:
        """Store `brief`; a disk that refuses turns the cache off, it never raises."""
        if self.off:
            return
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, partial = tempfile.mkstemp(
                dir=path.parent, prefix=f".{key[:8]}.", suffix=".partial"
            )
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as out:
                    out.write(brief.to_json(indent=None))
                os.replace(partial, path)
            except BaseException:
                Path(partial).unlink(missing_ok=True)
                raise
        except OSError as exc:
            self._turn_off(f"{path} cannot be written ({_why(exc)})")

    def _turn_off(self, why: str) -> None:
        if not self.off:
            self.off = why
            warnings.warn(
                f"the cache is off for the rest of this run: {why}", BriefingWarning, stacklevel=3
            )

    def _discard(self, path: Path) -> None:
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            self._turn_off(f"{path} cannot be removed ({_why(exc)})")

    def clear(self) -> int:
        """Remove every cached Brief; returns how many there were."""
        removed = 0
        for path in self.folder.glob("*/*.json"):
            path.unlink(missing_ok=True)
            removed += 1
        return removed


def _belongs(brief: Brief, article: Article) -> bool:
    if brief.article.text != article.text:
        return False
    return all(
        article.text[e.start : e.end] == e.quote
        for item in brief.evidenced()
        for e in item.evidence
    )


def _why(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__
