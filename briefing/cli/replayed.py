"""Offline runs, the same for `briefing brief` and `briefing digest`: each article's cassette
found and replayed, and one piece of advice when there is neither an endpoint nor a cassette.

A cassette is found by the article's file name in the cassette folders (`--cassettes`, else
$BRIEFING_CASSETTE_DIR, ./cassettes and the checkout's), else by the article's key (its text
and given metadata) in those folders and any folder below them, so `briefing corpus/dev` finds
`cassettes/dev/` and a PDF of a seed finds the seed's cassette.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

from briefing.batch.run import BriefResult
from briefing.cli.console import say
from briefing.cli.output import plural
from briefing.errors import BriefingError, ConfigurationError
from briefing.extract.settings import ENV_BASE_URL, ENV_KEY, ENV_MODEL, OFFLINE_GUIDE
from briefing.load.article import Article
from briefing.replay.cassettes import cassette_dirs, describe, provenance, replay

_ARTICLE_KEY = re.compile(r"^\s*article_key:\s*['\"]?([0-9a-f]+)", re.MULTILINE)


class Cassettes:
    """The cassette folders of a run, searched in order: first every folder for a cassette
    named after the article's file, then each folder and the folders below it for one recorded
    for the article's key."""

    def __init__(self, folder: Path | None = None) -> None:
        self.dirs = [folder] if folder is not None else cassette_dirs()
        self._keys: dict[Path, dict[str, Path]] = {}

    def find(self, article: Article) -> Path | None:
        folders = [d for d in self.dirs if d.is_dir()]
        for folder in folders if article.name else []:
            if (candidate := folder / f"{article.name}.yaml").is_file():
                return candidate
        for folder in folders:
            if found := self._below(folder).get(article.key):
                return found
        return None

    def _below(self, folder: Path) -> dict[str, Path]:
        if folder not in self._keys:
            keys: dict[str, Path] = {}
            for path in sorted(folder.rglob("*.yaml"), key=lambda p: (len(p.parts), p)):
                with path.open(encoding="utf-8", errors="replace") as cassette:
                    head = cassette.read(4096)  # the provenance block comes first
                if match := _ARTICLE_KEY.search(head):
                    keys.setdefault(match[1], path)
            self._keys[folder] = keys
        return self._keys[folder]

    def where(self) -> str:
        return ", ".join(str(d) for d in self.dirs)


def no_endpoint_advice(missing: str, looked_in: str) -> str:
    """What to do when an article has no cassette and no model endpoint is configured."""
    return (
        f"no model endpoint is configured and {missing} (looked in {looked_in} and the folders "
        f"below them); set {ENV_KEY} to use OpenAI, or {ENV_BASE_URL} for an OpenAI-compatible "
        f"server (llama.cpp, Ollama), and optionally {ENV_MODEL}; or brief with a local model: "
        f"--local (the default model, after `bash scripts/llama-server install`) or --local "
        f"MODEL.gguf (see {OFFLINE_GUIDE})"
    )


def replay_files(
    paths: list[Path],
    *,
    load: Callable[[Path], Article],
    folder: Path | None,
    why: str,
    notice: Callable[[str], None],
) -> Iterator[BriefResult]:
    """Replay each article's cassette. An article without one is an error naming it; with
    several articles the advice on what to set is said once, after them."""
    cassettes = Cassettes(folder)
    missing: list[str] = []
    for path in paths:
        try:
            article = load(path)
            cassette = cassettes.find(article)
            if cassette is None:
                missing.append(str(path))
                if len(paths) == 1:
                    advice = no_endpoint_advice(
                        "no recorded cassette for this article was found", cassettes.where()
                    )
                    raise ConfigurationError(f"{path}: {advice}")
                raise ConfigurationError(f"{path}: no recorded cassette for this article")
            notice(f"{why}; replaying {cassette} ({describe(provenance(cassette))})")
            yield BriefResult(str(path), article, replay(article, cassette))
        except BriefingError as exc:
            yield BriefResult(str(path), None, None, exc)
    if len(paths) > 1 and missing:
        verb = "has" if len(missing) == 1 else "have"
        what = f"{plural(len(missing), 'article')} of {len(paths)} {verb} no recorded cassette"
        say(no_endpoint_advice(what, cassettes.where()))
