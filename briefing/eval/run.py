"""`briefing.evaluate`: brief every gold article (live, or replayed from cassettes) and score it."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openai
import yaml

from briefing.errors import BriefingError, InputError
from briefing.eval.gold import Gold, gold_files, load_gold
from briefing.eval.score import ArticleScore, Counts, score_article
from briefing.extract.call import Answer, ClientEndpoint
from briefing.extract.core import brief_article
from briefing.extract.parse import Unusable, parse
from briefing.extract.settings import ModeName, Options, async_client_from_env, settings_for
from briefing.load.article import Article
from briefing.models import Brief
from briefing.replay.cassettes import replay
from briefing.sync import run_sync

KINDS = ("agreements", "officials", "claims")


@dataclass
class ArticleResult:
    name: str
    gold: Gold
    article: Article
    brief: Brief | None
    score: ArticleScore | None
    error: str | None = None


@dataclass
class Evaluation:
    """Scores per article and in total; `to_json`, `table` and `to_html` report them."""

    results: list[ArticleResult]
    source: str
    totals: dict[str, Counts] = field(default_factory=dict)
    pairs: Counts = field(default_factory=Counts)
    fates: dict[str, int] = field(default_factory=dict)
    unexplained: int = 0
    tokens: int = 0
    cost: float = 0.0
    repairs: int = 0

    def __post_init__(self) -> None:
        self.totals = {k: Counts() for k in KINDS}
        for result in self.results:
            score = result.score
            if score is None:
                for kind in KINDS:
                    self.totals[kind].gold += len(getattr(result.gold, kind))
                continue
            for kind in KINDS:
                self.totals[kind].add(score.kinds[kind])
            self.pairs.add(score.pairs)
            for fate, n in score.fates.items():
                self.fates[fate] = self.fates.get(fate, 0) + n
            self.unexplained += score.unexplained
            self.tokens += score.tokens
            self.cost += score.cost
            self.repairs += score.repairs

    @property
    def f1(self) -> float:
        """The mean of the three item types' F1: the figure `--fail-under` compares."""
        return sum(self.totals[k].f1 for k in KINDS) / len(KINDS)


def proposed_items(body: dict[str, Any], text: str | None) -> int | None:
    """Items in the answer to a first extraction request (not a repair or a re-ask)."""
    tools = body.get("tools") or []
    name = tools[0]["function"]["name"] if tools else None
    if len(body.get("messages", [])) != 2 or name not in (None, "Extraction"):
        return None
    if name is None and "<article" not in str(body["messages"][-1].get("content")):
        return None
    try:
        return len(parse(text).items)
    except Unusable:
        return 0


def _proposed_in_cassette(path: Path) -> int:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    total = 0
    for interaction in data.get("interactions", []):
        body = json.loads(interaction["request"]["body"])
        total += proposed_items(body, _answer_text(interaction["response"]["body"]["string"])) or 0
    return total


def _answer_text(raw: str) -> str | None:
    """The answer a recorded response holds: a completion's tool call or content, or the
    content of a streamed one (server-sent events, as a local model's server answers)."""

    try:
        response = json.loads(raw)
    except ValueError:
        deltas = []
        for line in raw.splitlines():
            data = line.removeprefix("data:").strip()
            if line.startswith("data:") and data != "[DONE]":
                choices = json.loads(data).get("choices") or [{}]
                deltas.append((choices[0].get("delta") or {}).get("content") or "")
        return "".join(deltas)
    message = response["choices"][0]["message"]
    calls = message.get("tool_calls") or []
    text = calls[0]["function"]["arguments"] if calls else message.get("content")
    return text if isinstance(text, str) else None


class _Counting:
    """An Endpoint that counts what the model proposed in its first answers."""

    def __init__(self, inner: ClientEndpoint) -> None:
        self.inner = inner
        self.base_url = inner.base_url
        self.proposed = 0

    async def __call__(self, body: dict[str, Any], timeout: float) -> Answer:
        answer = await self.inner(body, timeout)
        self.proposed += proposed_items(body, answer.text) or 0
        return answer


def evaluate(
    gold_dir: str | os.PathLike[str],
    *,
    cassettes: str | os.PathLike[str] | None = None,
    client: openai.OpenAI | openai.AsyncOpenAI | None = None,
    model: str | None = None,
    mode: ModeName = "auto",
) -> Evaluation:
    """Brief each article of `gold_dir` and score it against its gold file: replayed from
    `cassettes/<name>.yaml` when `cassettes` is given, else live through `client` (or the
    environment)."""
    files = gold_files(gold_dir)
    loaded = [(f.stem, *load_gold(f)) for f in files]
    folder = Path(cassettes) if cassettes is not None else None
    if folder is not None and not folder.is_dir():
        raise InputError(f"{folder}: no such cassette folder")
    live = None if folder is not None else (client or async_client_from_env())
    settings = settings_for(live, model, mode) if live is not None else None
    results = []
    for name, gold, article in loaded:
        brief: Brief | None = None
        proposed: int | None = None
        error = None
        try:
            if folder is not None:
                cassette = folder / f"{name}.yaml"
                if not cassette.is_file():
                    raise InputError(f"{cassette}: no cassette for {name}")
                brief = replay(article, cassette)
                proposed = _proposed_in_cassette(cassette)
            else:
                assert live is not None and settings is not None
                endpoint = _Counting(ClientEndpoint(live))
                brief = run_sync(brief_article(article, endpoint, settings, Options()))
                proposed = endpoint.proposed
        except BriefingError as exc:
            error = f"{type(exc).__name__}: {exc}"
        score = score_article(name, gold, brief, proposed) if brief is not None else None
        results.append(ArticleResult(name, gold, article, brief, score, error))
    source = f"replayed from {folder}" if folder is not None else f"live: {settings}"
    return Evaluation(results, source)
