"""The briefings a digest is built from: Brief objects, BriefResults, JSONL logs, Brief
JSON files and folders of them, one per article, in publication order."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TypeAlias

from briefing.batch.run import BriefResult
from briefing.digest.model import Digest
from briefing.errors import InputError
from briefing.load.article import Article
from briefing.models import Brief

Item: TypeAlias = "Brief | BriefResult | str | os.PathLike[str]"
Source: TypeAlias = "Item | Iterable[Item]"


def collect(source: Source) -> list[Brief]:
    """Briefs from Brief objects, BriefResults, JSONL logs, Brief JSON files or folders."""
    if isinstance(source, Brief | BriefResult | str | os.PathLike):
        return list(_one(source))
    return [brief for item in source for brief in _one(item)]


def _one(item: Item) -> Iterator[Brief]:
    if isinstance(item, Brief):
        yield item
    elif isinstance(item, BriefResult):
        if item.brief is not None:
            yield item.brief
    else:
        yield from _from_path(Path(item))


def _from_path(path: Path) -> Iterator[Brief]:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in (".json", ".jsonl"))
        for file in files:
            yield from _from_path(file)
        return
    if not path.is_file():
        raise InputError(f"{path}: no such file or folder")
    if path.suffix == ".jsonl":
        for number, line in enumerate(path.read_bytes().splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                if number == len(path.read_bytes().splitlines()):
                    break  # a torn last line, as a crash mid-write leaves it
                raise InputError(f"{path}:{number}: not a JSON line") from None
            if record.get("status") == "ok" and "brief" in record:
                yield Brief.model_validate(record["brief"])
        return
    try:
        data = json.loads(path.read_bytes())
    except ValueError:
        raise InputError(f"{path}: not JSON") from None
    if isinstance(data, dict) and "people" in data and "briefs" in data:
        yield from Digest.model_validate(data).briefs
    else:
        try:
            yield Brief.model_validate(data)
        except ValueError as exc:
            raise InputError(f"{path}: not a briefing: {str(exc).splitlines()[0]}") from None


def canonical(briefs: Iterable[Brief]) -> list[Brief]:
    """One brief per article (the latest run), ordered by publication date and key: the
    order everything is resolved in, whatever order the briefs came in."""
    latest: dict[str, Brief] = {}
    for brief in briefs:
        key = article_key(brief)
        old = latest.get(key)
        if old is None or (brief.record.created, brief.to_json()) > (
            old.record.created,
            old.to_json(),
        ):
            latest[key] = brief
    return sorted(latest.values(), key=lambda b: (published(b) or "", article_key(b)))


def published(brief: Brief) -> str | None:
    return brief.article.published.isoformat() if brief.article.published else None


def window(
    briefs: list[Brief], since: dt.date | str | None, until: dt.date | str | None
) -> list[Brief]:
    low = dt.date.fromisoformat(since) if isinstance(since, str) else since
    high = dt.date.fromisoformat(until) if isinstance(until, str) else until
    if low is None and high is None:
        return briefs
    return [
        b
        for b in briefs
        if b.article.published is not None
        and (low is None or b.article.published >= low)
        and (high is None or b.article.published <= high)
    ]


_KEYS: dict[int, tuple[Article, str]] = {}


def article_key(brief: Brief) -> str:
    """The article's key (a content hash), computed once per article during a build."""
    found = _KEYS.get(id(brief.article))
    if found is not None and found[0] is brief.article:
        return found[1]
    key = brief.article.key
    _KEYS[id(brief.article)] = (brief.article, key)
    return key


def forget_keys() -> None:
    """Drop the keys cached during one build (they hold the articles alive)."""
    _KEYS.clear()


def page_names(briefs: Sequence[Brief]) -> dict[str, str]:
    pages: dict[str, str] = {}
    taken: set[str] = set()
    for brief in briefs:
        stem = re.sub(r"[^A-Za-z0-9._-]+", "-", brief.article.name or "").strip("-.")[:80]
        stem = stem or f"article-{article_key(brief)}"
        if stem.lower() in taken or stem.lower() == "index":
            stem = f"{stem}-{article_key(brief)[:8]}"
        taken.add(stem.lower())
        pages[article_key(brief)] = f"{stem}.html"
    return pages
