"""The core's promises: importing briefing changes nothing outside it, the package has no
import cycle, rate limits hold on a fake clock, and names in any script stay apart."""

from __future__ import annotations

import ast
import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any

import anyio

from briefing.batch.limits import RateLimits
from briefing.ground.people import Entry, merge_officials

from .conftest import ROOT

PROBE = """
import httpx2, instructor, openai, logging
def snapshot(module):
    return {name: id(value) for name, value in vars(module).items()}
mods = [openai, instructor, httpx2, openai.resources.chat.completions]
import instructor.v2.core.patch, instructor.v2.validation.async_validators
mods += [instructor.v2.core.patch, instructor.v2.validation.async_validators]
before = [snapshot(m) for m in mods]
known = logging.root.manager.loggerDict.items()
loggers = {n: (list(lg.filters), list(lg.handlers)) for n, lg in known
           if isinstance(lg, logging.Logger)}
import briefing
from briefing.testing import FakeModel
from briefing import generate_brief, Article
payload = {"headline": "h", "bluf": "b", "key_points": [], "agreements": [], "officials": [],
           "claims": []}
article = Article(text="A short article.\\nIt says little.")
generate_brief(article, client=FakeModel([payload]).client())
after = [snapshot(m) for m in mods]
changed = [m.__name__ for m, b, a in zip(mods, before, after)
           if {k: v for k, v in a.items() if k in b} != b]
touched = [n for n, (f, h) in loggers.items()
           if (list(logging.getLogger(n).filters), list(logging.getLogger(n).handlers)) != (f, h)]
print(changed, touched)
"""


def test_importing_and_using_briefing_changes_no_other_library() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[] []", out.stdout + out.stderr


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    # Module-level imports only: `Brief.to_markdown` importing the renderer when called is the
    # one-line delegate the layout allows, not a dependency of models on render.
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("briefing"):
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("briefing")}
    return found


def test_the_package_has_no_import_cycle_and_never_imports_testing() -> None:
    package = ROOT / "briefing"
    modules = {}
    for path in package.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    graph = {name: {m for m in _imports(path) if m in modules and m != name}
             for name, path in modules.items()}  # fmt: skip
    for name in graph:
        if name != "briefing.testing":
            assert "briefing.testing" not in graph[name], f"{name} imports briefing.testing"
    # The package's __init__ re-exports everything, so edges into it are not cycles of stages.
    graph = {
        n: {m for m in deps if m != "briefing"} for n, deps in graph.items() if n != "briefing"
    }
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for dep in graph.get(node, ()):
            if state.get(dep) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*trail, node, dep]))
            if dep not in state:
                visit(dep, [*trail, node])
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node, [])


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_rate_limits_space_requests_under_both_limits_on_a_fake_clock() -> None:
    clock = FakeClock()
    limits = RateLimits(
        requests_per_minute=60, tokens_per_minute=6_000, clock=clock, sleep=clock.sleep
    )

    async def burst() -> list[float]:
        starts = []
        for _ in range(5):
            await limits.acquire(3_000)
            starts.append(clock.now)
        return starts

    starts = asyncio.run(burst())
    # the bucket starts full (two requests at once); then 3,000 tokens refill in 30 s
    assert [round(t, 6) for t in starts] == [0.0, 0.0, 30.0, 60.0, 90.0]


def test_usage_below_the_estimate_is_given_back_and_a_429_pauses_everyone() -> None:
    clock = FakeClock()
    limits = RateLimits(tokens_per_minute=6_000, clock=clock, sleep=clock.sleep)

    async def run() -> float:
        await limits.acquire(6_000)
        limits.observe({}, charged=6_000, used=3_000)  # half of it came back
        await limits.acquire(3_000)
        assert clock.now == 0.0
        limits.slow_down(12.0)
        await limits.acquire(1)
        return clock.now

    assert asyncio.run(run()) >= 12.0


def test_limits_are_learned_from_the_headers() -> None:
    limits = RateLimits()
    limits.observe(
        {"x-ratelimit-limit-requests": "500", "x-ratelimit-limit-tokens": "200000",
         "x-ratelimit-remaining-requests": "499", "x-ratelimit-remaining-tokens": "190000"},
        charged=0, used=4_000,
    )  # fmt: skip
    assert (limits.rpm, limits.tpm) == (500, 200_000)


def entry(name: str, *others: str) -> Entry:
    return ([name, *others], None, None, None, [])


def test_names_in_any_script_stay_different_people() -> None:
    officials, _ = merge_officials(
        [entry("Путин"), entry("Лавров"), entry("Зариф"), entry("Владимир Путин", "Путин")]
    )
    assert sorted(o.name for o in officials) == ["Владимир Путин", "Зариф", "Лавров"]
    greek, _ = merge_officials([entry("Κυριάκος Μητσοτάκης"), entry("Μητσοτάκης")])
    assert len(greek) == 1
    arabic, _ = merge_officials([entry("محمد بن سلمان"), entry("عباس عراقجي")])
    assert len(arabic) == 2
    cjk, _ = merge_officials([entry("习近平"), entry("李强")])
    assert len(cjk) == 2
    accents, _ = merge_officials([entry("Recep Tayyip Erdoğan"), entry("Erdogan")])
    assert len(accents) == 1


def test_a_russian_article_with_three_officials_briefs_into_three() -> None:
    from briefing import Article, generate_brief
    from briefing.testing import FakeModel

    text = (
        "Президент России Владимир Путин провёл переговоры в Кремле. Министр иностранных дел "
        "Сергей Лавров встретился с министром иностранных дел Ирана Мохаммадом Джавадом "  # noqa: RUF001
        "Зарифом. Путин, Лавров и Зариф обсудили ядерную сделку."
    )

    def official(name: str, short: str, quote: str) -> dict[str, object]:
        return {"name": name, "title": None, "affiliation": None, "country": None,
                "other_names": [short], "evidence": [quote]}  # fmt: skip

    payload = {
        "headline": "h", "bluf": "b", "key_points": [], "agreements": [], "claims": [],
        "officials": [
            official("Владимир Путин", "Путин", "Президент России Владимир Путин провёл"),
            official("Сергей Лавров", "Лавров", "Министр иностранных дел Сергей Лавров встретился"),
            official("Мохаммадом Джавадом Зарифом", "Зариф", "Путин, Лавров и Зариф обсудили"),
        ],
    }  # fmt: skip
    article = Article(text=text, language="ru")
    brief = generate_brief(article, client=FakeModel([payload]).client(), max_retries=0)
    assert len(brief.officials) == 3 and brief.record.unverified == []


def test_with_no_limit_known_only_a_few_probes_go_out_until_an_answer_says_the_limits() -> None:
    from briefing.batch.limits import PROBES

    clock = FakeClock()
    limits = RateLimits(clock=clock, sleep=clock.sleep)
    headers = {"x-ratelimit-limit-tokens": "10000", "x-ratelimit-remaining-tokens": "4000"}

    async def run() -> tuple[int, int, float]:
        sent = 0

        async def one() -> None:
            nonlocal sent
            await limits.acquire(1_000)
            sent += 1

        async with anyio.create_task_group() as group:
            for _ in range(PROBES + 3):
                group.start_soon(one)
            await anyio.wait_all_tasks_blocked()
            probes = sent
            limits.observe(headers, charged=0, used=2_000)  # nothing charged: no refund
            await anyio.wait_all_tasks_blocked()
            group.cancel_scope.cancel()
        return probes, sent, limits._tokens

    probes, sent, left = asyncio.run(run())
    assert probes == PROBES
    # the bucket starts from the server's remaining 4,000: three more requests of 1,000 fit
    assert sent == PROBES + 3 and left == 1_000


def test_an_endpoint_that_sends_no_limit_headers_is_not_throttled_after_its_first_answer(
    first_payload: dict[str, Any],
) -> None:
    from briefing import generate_briefs
    from briefing.testing import FakeModel

    from .conftest import SEEDS

    fake = FakeModel(function=lambda _: first_payload)
    results = list(
        generate_briefs([SEEDS[0]] * 1 + SEEDS[1:], client=fake.async_client(), cache=False)
    )
    assert len(results) == len(SEEDS) and len(fake.requests) >= len(SEEDS)


def test_the_public_names_load_on_first_use() -> None:
    probe = (
        "import sys, briefing\n"
        "heavy = [m for m in ('openai', 'pydantic', 'pandas') if m in sys.modules]\n"
        "missing = [n for n in briefing.__all__ if getattr(briefing, n, None) is None]\n"
        "print(heavy, missing, sorted(dir(briefing)) == sorted(briefing.__all__))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[] [] True", out.stdout + out.stderr
