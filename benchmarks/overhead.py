"""Per-article time briefing spends around the model, with the model answering instantly.

For each seed article and its hand-written reply (cassettes/authored/<stem>.json), repeated
and interleaved so that machine noise hits every variant alike:

  (a) full  `briefing.generate_brief(article, client=FakeModel(...).client(...), cache=None)`:
            prompt rendering, instructor with the grounding validator, strict tools, our
            transport retry wrapper, assembly (grounding again for spans, dates, officials
            merge, dedupe) and the run record;
  (b) bare  `instructor.from_openai(client, mode=TOOLS).chat.completions.create(
            response_model=Extraction, messages=..., model=...)` on the same request and the
            same fake transport, with no validation context (so no grounding);
  (c) render `brief.to_markdown()` and `brief.to_html()`.

(a) - (b) is briefing's own work per article; (a) / (b) the overhead ratio. Optionally
`briefing.replay_brief` replays the article's cassette through vcrpy and the real HTTP stack,
so replay - (a) is what vcrpy (with cassette loading and a fresh client) adds.

By default the grounding's per-article fold cache is cleared before each repetition, since
in real use every article is new; `--warm` keeps it, as for one article briefed repeatedly.

Run as `python benchmarks/overhead.py`. There is no target by default; `--max-own-ms` and
`--max-ratio` make the script exit 1 when the median over all seeds exceeds them.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import instructor
from _bench import Seed, environment_line, load_seeds, median, p90

from briefing import generate_brief, replay_brief
from briefing.extract.schema import Extraction
from briefing.ground.quotes import _fold_article
from briefing.testing import FakeModel

OPENAI_URL = "https://api.openai.com/v1"  # so mode "auto" picks strict tools, as on OpenAI


@dataclass
class Timings:
    """Milliseconds per repetition of each variant for one article."""

    full: list[float] = field(default_factory=list)
    bare: list[float] = field(default_factory=list)
    raw: list[float] = field(default_factory=list)
    markdown: list[float] = field(default_factory=list)
    html: list[float] = field(default_factory=list)
    replay: list[float] = field(default_factory=list)
    attempts: int = 0
    unverified: int = 0


def _ms(action: Callable[[], Any]) -> float:
    started = time.perf_counter_ns()
    action()
    return (time.perf_counter_ns() - started) / 1e6


def time_seed(seed: Seed, *, repeats: int, warmup: int, replays: int, warm: bool) -> Timings:
    fake = FakeModel(function=lambda _body: seed.reply)
    client = fake.client(base_url=OPENAI_URL)
    bare = instructor.from_openai(fake.client(base_url=OPENAI_URL), mode=instructor.Mode.TOOLS)
    raw = fake.client(base_url=OPENAI_URL)

    brief = generate_brief(seed.article, client=client, cache=None)
    request = fake.requests[0]
    messages, model = request["messages"], request["model"]
    timings = Timings(attempts=brief.record.attempts, unverified=len(brief.record.unverified))

    def full() -> None:
        if not warm:
            _fold_article.cache_clear()
        generate_brief(seed.article, client=client, cache=None)

    def bare_call() -> None:
        bare.chat.completions.create(response_model=Extraction, messages=messages, model=model)

    def raw_call() -> None:
        raw.chat.completions.create(**request)

    variants: list[tuple[list[float], Callable[[], None]]] = [
        (timings.full, full),
        (timings.bare, bare_call),
        (timings.raw, raw_call),
    ]
    gc.collect()
    for i in range(warmup + repeats):
        # rotate the order so no variant always runs on another's warm caches
        for k in range(len(variants)):
            samples, action = variants[(i + k) % len(variants)]
            elapsed = _ms(action)
            if i >= warmup:
                samples.append(elapsed)
        t_md, t_html = _ms(brief.to_markdown), _ms(brief.to_html)
        if i >= warmup:
            timings.markdown.append(t_md)
            timings.html.append(t_html)

    if replays:
        replay_brief(seed.article, seed.cassette)  # warm-up: vcrpy's first patching
        for _ in range(replays):
            if not warm:
                _fold_article.cache_clear()
            timings.replay.append(_ms(lambda: replay_brief(seed.article, seed.cassette)))
    return timings


def breakdown(seeds: list[Seed], repeats: int) -> list[tuple[str, list[float]]]:
    """Pieces of the per-article work, each timed alone (no profiler inflation); milliseconds,
    one median per seed. Uses private functions of briefing and instructor 1.17, so a piece
    that no longer exists is skipped."""
    from briefing.extract.core import build_messages, library_version
    from briefing.ground.assemble import assemble
    from briefing.ground.quotes import problems

    pieces: list[tuple[str, Callable[[_Raw, Any, Any], Callable[[], Any]]]] = []
    try:
        from instructor.v2.core.response_model import prepare_response_model

        pieces.append(
            (
                "instructor prepare_response_model(Extraction) (new subclass, validator walk)",
                lambda _s, _x, _b: lambda: prepare_response_model(Extraction),
            )
        )
    except ImportError:
        pass
    try:
        from instructor.v2.core.mode import Mode
        from instructor.v2.core.templating import (  # type: ignore[attr-defined,unused-ignore]
            handle_templating,
        )

        pieces.append(
            (
                "instructor renders each message as Jinja, as context= is passed",
                lambda s, _x, _b: (
                    lambda: handle_templating(
                        {"messages": build_messages(s.article)},
                        mode=Mode.TOOLS,
                        context={"article": s.article.text},
                    )
                ),
            )
        )
    except ImportError:
        pass
    pieces += [
        (
            "Extraction.model_json_schema() (instructor redoes it per call)",
            lambda _s, _x, _b: Extraction.model_json_schema,
        ),
        (
            "parse the reply, no validation context (model_validate_json)",
            lambda s, _x, _b: lambda: Extraction.model_validate_json(s.raw),
        ),
        (
            "grounding in the validator, new article (problems, fold cache cleared)",
            lambda s, x, _b: lambda: _cold(problems, x, s.article.text),
        ),
        (
            "  of which folding the article (_fold_article)",
            lambda s, _x, _b: lambda: _fold_article.__wrapped__(s.article.text),
        ),
        (
            "grounding again, same article (problems, fold cache warm)",
            lambda s, x, _b: lambda: problems(x, s.article.text),
        ),
        (
            "assemble (grounding, spans, dates, officials merge, dedupe)",
            lambda s, x, b: lambda: assemble(s.article, x, b.record),
        ),
        ("build_messages (prompt rendering)", lambda s, _x, _b: lambda: build_messages(s.article)),
        ("library_version() in each run record", lambda _s, _x, _b: library_version),
    ]
    results: list[tuple[str, list[float]]] = []
    prepared = []
    for seed in seeds:
        extraction = Extraction.model_validate_json(json.dumps(seed.reply))
        brief = generate_brief(seed.article, client=FakeModel([seed.reply]).client(), cache=None)
        prepared.append((_Raw(seed, json.dumps(seed.reply)), extraction, brief))
    for label, make in pieces:
        per_seed = []
        for raw_seed, extraction, brief in prepared:
            action = make(raw_seed, extraction, brief)
            action()
            per_seed.append(median([_ms(action) for _ in range(repeats)]))
        results.append((label, per_seed))
    return results


def _cold(check: Callable[[Any, str], Any], extraction: Any, text: str) -> Any:
    """Run `check` as on a new article: the fold cache emptied first."""
    _fold_article.cache_clear()
    return check(extraction, text)


@dataclass(frozen=True)
class _Raw:
    """A seed with its reply as the JSON text the model sends."""

    seed: Seed
    raw: str

    @property
    def article(self) -> Any:
        return self.seed.article


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="(a) full pipeline, (b) bare instructor call, (c) rendering; see the module doc.",
    )
    parser.add_argument("-n", "--repeats", type=int, default=100, help="timed runs per article")
    parser.add_argument("--warmup", type=int, default=5, help="untimed runs first (default 5)")
    parser.add_argument(
        "--replays",
        type=int,
        default=20,
        help="timed cassette replays per article through vcrpy (0 skips them; default 20)",
    )
    parser.add_argument(
        "--warm",
        action="store_true",
        help="keep the grounding's fold cache between runs (default: cleared, as for a new "
        "article each time)",
    )
    parser.add_argument("--seed", action="append", help="only seeds whose name contains this")
    parser.add_argument(
        "--no-breakdown", action="store_true", help="skip timing the pieces one by one"
    )
    parser.add_argument("--max-own-ms", type=float, help="exit 1 if median (a)-(b) exceeds this")
    parser.add_argument("--max-ratio", type=float, help="exit 1 if median (a)/(b) exceeds this")
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.warmup < 0 or args.replays < 0:
        parser.error("--repeats must be at least 1; --warmup and --replays at least 0")

    seeds = [s for s in load_seeds() if not args.seed or any(k in s.stem for k in args.seed)]
    if not seeds:
        parser.error("no seed matches --seed")
    print(environment_line("briefing", "instructor", "openai", "httpx2", "pydantic", "vcrpy"))
    print(
        f"{args.repeats} timed runs per article after {args.warmup} warm-up runs; fold cache "
        f"{'kept (--warm)' if args.warm else 'cleared each run'}; milliseconds, median / p90"
    )
    print()
    header = (
        f"{'article':<34} {'chars':>5} {'(a) full':>13} {'(b) bare':>13} {'(b0) raw':>11} "
        f"{'(a)/(b)':>7} {'ours':>6} {'instr':>6} {'(c) md':>11} {'(c) html':>11}"
    )
    if args.replays:
        header += f" {'replay':>13} {'vcr':>6}"
    print(header)

    keys = ("full", "bare", "raw", "ratio", "ours", "instructor", "md", "html", "replay", "vcr")
    totals: dict[str, list[float]] = {key: [] for key in keys}
    warnings: list[str] = []
    for seed in seeds:
        t = time_seed(
            seed, repeats=args.repeats, warmup=args.warmup, replays=args.replays, warm=args.warm
        )
        if t.attempts != 1 or t.unverified:
            warnings.append(
                f"{seed.stem}: {t.attempts} model call(s), {t.unverified} unverified item(s); "
                "(a) is not one clean call, so (a)-(b) overstates our own work"
            )
        full, bare, raw = median(t.full), median(t.bare), median(t.raw)
        # paired differences: each repetition ran every variant back to back
        ours = median([a - b for a, b in zip(t.full, t.bare, strict=True)])
        instr = median([b - r for b, r in zip(t.bare, t.raw, strict=True)])
        row = (
            f"{seed.stem[:34]:<34} {len(seed.article.text):>5} "
            f"{full:>6.2f}/{p90(t.full):<6.2f} {bare:>6.2f}/{p90(t.bare):<6.2f} "
            f"{raw:>5.2f}/{p90(t.raw):<5.2f} {full / bare:>7.2f} {ours:>6.2f} {instr:>6.2f} "
            f"{median(t.markdown):>5.2f}/{p90(t.markdown):<5.2f} "
            f"{median(t.html):>5.2f}/{p90(t.html):<5.2f}"
        )
        for key, value in (("full", full), ("bare", bare), ("raw", raw), ("ours", ours)):
            totals[key].append(value)
        totals["instructor"].append(instr)
        totals["ratio"].append(full / bare)
        totals["md"].append(median(t.markdown))
        totals["html"].append(median(t.html))
        if t.replay:
            replay = median(t.replay)
            row += f" {replay:>6.2f}/{p90(t.replay):<6.2f} {replay - full:>6.2f}"
            totals["replay"].append(replay)
            totals["vcr"].append(replay - full)
        print(row, flush=True)

    full, bare, own = median(totals["full"]), median(totals["bare"]), median(totals["ours"])
    ratio = median(totals["ratio"])
    print()
    print("Across articles (median of the per-article figures):")
    print(f"  (a) full pipeline        {full:7.2f} ms")
    print(f"  (b) bare instructor call {bare:7.2f} ms")
    print(f"  (b0) raw openai call     {median(totals['raw']):7.2f} ms (same body, no instructor)")
    print(f"  (a)/(b) overhead ratio   {ratio:7.2f}x")
    print(f"  (a)-(b) our own work     {own:7.2f} ms per article (median of paired differences)")
    print(f"  (b)-(b0) instructor      {median(totals['instructor']):7.2f} ms per call")
    print(
        f"  (c) Markdown / HTML      {median(totals['md']):7.2f} / {median(totals['html']):.2f} ms"
    )
    if totals["replay"]:
        print(
            f"  replay_brief             {median(totals['replay']):7.2f} ms; vcrpy, cassette "
            f"load and a fresh client add {median(totals['vcr']):.2f} ms over (a)"
        )
    if not args.no_breakdown:
        print()
        print(
            "Breakdown, each piece timed alone (ms per article: median over seeds, "
            "min-max across seeds):"
        )
        for label, per_seed in breakdown(seeds, max(args.repeats // 2, 5)):
            print(
                f"  {label:<76} {median(per_seed):6.2f}  ({min(per_seed):.2f}-{max(per_seed):.2f})"
            )
        _fold_article.cache_clear()
    for warning in warnings:
        print(f"warning: {warning}")

    missed = []
    if args.max_own_ms is not None and own > args.max_own_ms:
        missed.append(f"own work {own:.2f} ms > {args.max_own_ms:g} ms")
    if args.max_ratio is not None and ratio > args.max_ratio:
        missed.append(f"overhead ratio {ratio:.2f}x > {args.max_ratio:g}x")
    for line in missed:
        print(f"TARGET MISSED: {line}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
