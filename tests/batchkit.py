"""Shared pieces for batch tests: a fake model that answers each seed with its authored reply."""

from __future__ import annotations

import json
from typing import Any

from briefing import load_article
from briefing.testing import Answer, FakeModel, HTTPFailure

from .conftest import SEEDS, authored

ARTICLES = {p.stem: load_article(p) for p in SEEDS}


def seed_of(request: dict[str, Any]) -> str:
    user = request["messages"][1]["content"]
    return next(stem for stem, a in ARTICLES.items() if a.text[:200] in user)


def seed_model(failing: set[str] = frozenset(), model: str = "gpt-4.1-mini") -> FakeModel:  # type: ignore[assignment]
    """Answers every seed with its authored reply; seeds in `failing` always get HTTP 500."""

    def answer(request: dict[str, Any]) -> Answer:
        stem = seed_of(request)
        if stem in failing:
            return HTTPFailure(500, {"retry-after": "0"})
        return authored(stem)

    return FakeModel(function=answer, model=model)


def requested(fake: FakeModel) -> list[str]:
    return [seed_of(r) for r in fake.requests]


def dumps(data: Any) -> str:
    return json.dumps(data)
