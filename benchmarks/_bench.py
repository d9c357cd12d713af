"""Shared helpers of the benchmark scripts: the seed articles with their authored replies,
and the small statistics the scripts print.

Not a benchmark itself; `python benchmarks/NAME.py` finds it beside the script.
"""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from briefing import Article, load_article

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
AUTHORED = ROOT / "cassettes" / "authored"
CASSETTES = ROOT / "cassettes"


@dataclass(frozen=True)
class Seed:
    """A seed article and the hand-written reply that stands for the model's answer."""

    stem: str
    article: Article
    reply: dict[str, Any]

    @property
    def cassette(self) -> Path:
        return CASSETTES / f"{self.stem}.yaml"


def load_seeds(folder: Path = SEEDS, replies: Path = AUTHORED) -> list[Seed]:
    """Every `seeds/*.txt` that has an authored reply, in name order."""
    seeds = []
    for path in sorted(folder.glob("*.txt")):
        reply = replies / f"{path.stem}.json"
        if not reply.is_file():
            continue
        payload = json.loads(reply.read_text(encoding="utf-8"))
        seeds.append(Seed(path.stem, load_article(path), payload))
    if not seeds:
        raise SystemExit(f"no seed article with an authored reply in {folder} / {replies}")
    return seeds


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def p90(values: Sequence[float]) -> float:
    """Nearest-rank 90th percentile."""
    ordered = sorted(values)
    return ordered[max(math.ceil(0.9 * len(ordered)) - 1, 0)]


def package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def environment_line(*packages: str) -> str:
    """One line naming the interpreter, the cores and the versions the figures depend on."""
    names = ", ".join(f"{p} {package_version(p)}" for p in packages)
    return (
        f"python {platform.python_version()}, {os.cpu_count()} cores, {platform.machine()}; {names}"
    )
