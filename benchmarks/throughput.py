"""Batch throughput under OpenAI-style rate limits: how much of the limit briefing uses.

`benchmarks/fake_openai_server.py` runs in a child process on 127.0.0.1 as an OpenAI-like
chat-completions endpoint: answers take 0.3 s + 1/60 s per output token, requests and tokens
per minute are token buckets charged at arrival, a request over either limit gets 429 with
`retry-after-ms`, and every answer carries the `x-ratelimit-*` headers. `--speed S` divides
the latencies by S and multiplies the limits by S (the window stays 60 s of wall time; see the
server's docstring), so a run is S times shorter.

Three runs of N distinct articles (the seeds cycled, each with its own closing sentence,
answered with its seed's authored reply so quotes ground), each on a freshly reset server:

1. briefing, limits learned: `agenerate_briefs(..., concurrency=C)` with no limits given, so
   it learns them from the `x-ratelimit-*` headers;
2. briefing, limits given: the same with `max_requests_per_minute` / `max_tokens_per_minute`
   set to the server's limits;
3. control: the same request bodies through a plain `openai.AsyncOpenAI` (its default
   retries, which honour `retry-after-ms`), C at a time, no throttling.

C is far above what the limit lets be in flight, so the limit binds, not the concurrency (the
report shows the mean in flight). For each run it prints the sustained share of the token
limit used, i.e. tokens the server accepted per minute over the steady part / TPM (the steady
part starts once the first minute's full bucket has been spent, i.e. the server's token
bucket first gets within one request of its low point, and ends at the last accepted request),
the share of requests answered 429, articles per minute, and wall time. Target for briefing:
at least 90% of the token limit used, under 2% of requests answered 429.

The default N is sized from the limits (the first minute's bucket, the time to spend it, then
`--steady-seconds` at the limit), so the whole script takes about 3 minutes; `--quick` runs a
smaller, faster configuration (speed 20, 50,000 TPM, concurrency 64) in about a minute, as a
smoke test. The script exits 0 once it has measured, whether or not the target is met (the
verdict is printed); `--timeline` adds each run in 20 slices of time.

Speed. The default is 3, not more, because the time scale is not neutral for a run that
learns its limits: at speed S the full bucket a run starts with holds S times as many
requests as at the nominal endpoint (a minute of tokens at S times the limit), while the
number in flight at the limit stays the same, and such a run sends `concurrency` requests
before its first answer tells it any limit. A higher S therefore hides part of what that burst
costs; `--speed 1 --runs learned,given` is the nominal endpoint (about 2.5 minutes a run).

Run as `python benchmarks/throughput.py [--quick]`.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import math
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openai
from _bench import Seed, environment_line, load_seeds
from fake_openai_server import load_replies, marker, prompt_tokens

from briefing import Article, agenerate_briefs, generate_brief
from briefing.testing import FakeModel
from briefing.version import library_version

SERVER = Path(__file__).resolve().parent / "fake_openai_server.py"
MODEL = "gpt-4.1-mini"
TARGET_SHARE = 0.90
TARGET_429 = 0.02

# -- the server (child process) -----------------------------------------------------------


class Server:
    """fake_openai_server.py in a child process; stops when this script closes its stdin."""

    def __init__(self, args: argparse.Namespace) -> None:
        command = [
            sys.executable,
            str(SERVER),
            "--rpm",
            str(args.rpm),
            "--tpm",
            str(args.tpm),
            "--speed",
            str(args.speed),
            "--first-token-latency",
            str(args.first_token_latency),
            "--tokens-per-second",
            str(args.tokens_per_second),
            "--headers-at",
            args.headers_at,
        ]
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith("PORT "):
            self.stop()
            raise SystemExit(f"the fake OpenAI server did not start: {line!r}")
        self.port = int(line.split()[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def _call(self, method: str, path: str) -> dict[str, Any]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, headers={"connection": "close"})
            result: dict[str, Any] = json.loads(connection.getresponse().read())
            return result
        finally:
            connection.close()

    def stats(self) -> dict[str, Any]:
        return self._call("GET", "/bench/stats")

    def reset(self) -> None:
        self._call("POST", "/bench/reset")

    def stop(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# -- the articles and the request bodies --------------------------------------------------


def make_corpus(seeds: list[Seed], n: int, run: str) -> list[Article]:
    """N distinct articles: the seeds cycled, each ending with its own marker sentence."""
    corpus = []
    for i in range(n):
        seed = seeds[i % len(seeds)]
        text = f"{seed.article.text}\n\n{marker(f'{run}-{i + 1}', seed.stem)}"
        corpus.append(seed.article.model_copy(update={"text": text, "name": f"{seed.stem}#{i}"}))
    return corpus


def seed_bodies(seeds: list[Seed], base_url: str, mode: Any) -> dict[str, dict[str, Any]]:
    """The first request body briefing sends for each seed article (captured via FakeModel,
    on the benchmark's base URL so the same mode resolves)."""
    bodies = {}
    for seed in seeds:
        fake = FakeModel([seed.reply], model=MODEL)
        client = fake.client(base_url=base_url)
        generate_brief(seed.article, client=client, model=MODEL, mode=mode, cache=None)
        bodies[seed.stem] = fake.requests[0]
    return bodies


def body_for(article: Article, bodies: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The body briefing sends for a corpus article: its seed's body with the marker sentence
    put where the article text ends."""
    stem = (article.name or "").split("#")[0]
    body = bodies[stem]
    suffix = "\n\n" + article.text.rsplit("\n\n", 1)[1]
    messages = []
    for m in body["messages"]:
        if m["role"] == "user" and "\n</article>" in m["content"]:
            head, tail = m["content"].rsplit("\n</article>", 1)
            m = {**m, "content": f"{head}{suffix}\n</article>{tail}"}
        messages.append(m)
    return {**body, "messages": messages}


def check_bodies(
    corpus: list[Article], seeds: list[Seed], bodies: dict[str, dict[str, Any]], base_url: str,
    mode: Any,
) -> None:  # fmt: skip
    """The control's bodies must be exactly briefing's: one article of each seed is briefed
    through FakeModel and its request compared."""
    replies = {s.stem: s.reply for s in seeds}
    for article in corpus[: len(seeds)]:
        fake = FakeModel([replies[(article.name or "").split("#")[0]]], model=MODEL)
        client = fake.client(base_url=base_url)
        generate_brief(article, client=client, model=MODEL, mode=mode, cache=None)
        if fake.requests[0] != body_for(article, bodies):
            raise SystemExit("the control's request bodies differ from briefing's; fix body_for")


# -- one run ------------------------------------------------------------------------------


@dataclass
class Run:
    name: str
    wall: float = 0.0
    ok: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    repairs: int = 0
    stats: dict[str, Any] = field(default_factory=dict)


async def run_briefing(
    name: str, server: Server, corpus: list[Article], args: argparse.Namespace, given: bool
) -> Run:
    limits: dict[str, float] = (
        {
            "max_requests_per_minute": args.rpm * args.speed,
            "max_tokens_per_minute": args.tpm * args.speed,
        }
        if given
        else {}
    )
    client = openai.AsyncOpenAI(base_url=server.base_url, api_key="bench-key")
    await asyncio.to_thread(server.reset)
    run = Run(name)
    started = time.perf_counter()
    try:
        async for result in agenerate_briefs(
            corpus,
            client=client,
            model=MODEL,
            mode=args.mode,
            concurrency=args.concurrency,
            cache=False,
            **limits,  # type: ignore[arg-type]
        ):
            if result.ok:
                run.ok += 1
                assert result.brief is not None
                run.repairs += result.brief.record.repairs
            else:
                run.failed += 1
                run.errors.append(f"{type(result.error).__name__}: {result.error}")
    finally:
        run.wall = time.perf_counter() - started
        await client.close()
    run.stats = await asyncio.to_thread(server.stats)
    return run


async def run_control(
    name: str, server: Server, bodies: list[dict[str, Any]], args: argparse.Namespace
) -> Run:
    client = openai.AsyncOpenAI(base_url=server.base_url, api_key="bench-key")  # default retries
    gate = asyncio.Semaphore(args.control_concurrency)
    run = Run(name)

    async def one(body: dict[str, Any]) -> None:
        async with gate:
            try:
                await client.chat.completions.create(**body)
                run.ok += 1
            except openai.OpenAIError as exc:
                run.failed += 1
                run.errors.append(f"{type(exc).__name__}: {str(exc)[:160]}")

    await asyncio.to_thread(server.reset)
    started = time.perf_counter()
    try:
        await asyncio.gather(*(one(body) for body in bodies))
    finally:
        run.wall = time.perf_counter() - started
        await client.close()
    run.stats = await asyncio.to_thread(server.stats)
    return run


# -- the figures --------------------------------------------------------------------------


@dataclass
class Figures:
    requests: int
    rejected: int
    share_429: float
    window: tuple[float, float]
    levels: tuple[float, float]  # server token bucket at the window's ends
    tokens_per_minute: float
    share_tpm: float
    requests_per_minute: float
    share_rpm: float
    mean_in_flight: float
    max_in_flight: int
    articles_per_minute: float
    steady_articles_per_minute: float
    steady: bool = True


def figures(run: Run, args: argparse.Namespace) -> Figures:
    stats = run.stats
    events = stats["events"]  # [at, status, prompt, completion, tokens_left, requests_left]
    accepted = [e for e in events if e[1] == 200]
    requests = len(events)
    rejected = sum(1 for e in events if e[1] == 429)
    tpm, rpm = stats["tpm"], stats["rpm"]
    if len(accepted) < 3:
        return Figures(requests, rejected, rejected / max(requests, 1), (0, 0), (0, 0), 0, 0, 0,
                       0, 0, stats["max_in_flight"], run.ok / run.wall * 60, 0, False)  # fmt: skip
    end = accepted[-1][0]
    cost = sum(e[2] + e[3] for e in accepted) / len(accepted)
    # The steady part begins once the first minute's full bucket has been spent: the first
    # moment the server's token bucket is within one mean request of its lowest level (the
    # low point looked for in the first 80% of the run, so a last dip does not shorten it).
    early = [e for e in events if e[0] <= 0.8 * end] or events
    low = min(e[4] for e in early)
    start_event = next(e for e in events if e[4] <= low + cost)
    start = min(start_event[0], accepted[-3][0])
    inside = [e for e in accepted if start < e[0] <= end]
    # Without a steady part (the run ended while the initial bucket was still being spent),
    # the figure mixes the burst in: it is flagged.
    steady = end - start >= 0.25 * end and start_event[4] <= accepted[-1][4] + 2 * cost
    span = end - start
    tokens_per_minute = sum(e[2] + e[3] for e in inside) / span * 60
    requests_per_minute = len(inside) / span * 60

    def latency(e: list[Any]) -> float:
        return float((args.first_token_latency + e[3] / args.tokens_per_second) / args.speed)

    busy = sum(max(min(e[0] + latency(e), end) - max(e[0], start), 0.0) for e in accepted)
    return Figures(
        requests=requests,
        rejected=rejected,
        share_429=rejected / max(requests, 1),
        window=(start, end),
        levels=(start_event[4], accepted[-1][4]),
        tokens_per_minute=tokens_per_minute,
        share_tpm=tokens_per_minute / tpm,
        requests_per_minute=requests_per_minute,
        share_rpm=requests_per_minute / rpm,
        mean_in_flight=busy / span,
        max_in_flight=stats["max_in_flight"],
        articles_per_minute=run.ok / run.wall * 60,
        steady_articles_per_minute=tokens_per_minute * run.ok / max(stats["tokens_accepted"], 1),
        steady=steady,
    )


def report(runs: list[Run], args: argparse.Namespace) -> None:
    tpm = args.tpm * args.speed
    print()
    print(
        "TPM used: tokens accepted per minute over the steady part / TPM; 429s: requests "
        "answered 429 / all requests;\narticles/min: ok articles over the whole run; steady: "
        "articles/min at the steady token rate.\nPer-minute figures are per wall-clock "
        f"minute: for the nominal endpoint (speed 1) divide articles/min by {args.speed:g}."
    )
    header = (
        f"{'run':<28} {'TPM used':>9} {'429s':>13} {'articles/min':>12} {'steady':>7} "
        f"{'wall':>7} {'ok/failed':>10}"
    )
    print(header)
    print("-" * len(header))
    table = []
    for run in runs:
        f = figures(run, args)
        table.append((run, f))
        print(
            f"{run.name:<28} {f.share_tpm:>8.1%}{' ' if f.steady else '*'} "
            f"{f'{f.rejected}/{f.requests}':>7} {f.share_429:>5.1%} "
            f"{f.articles_per_minute:>12.1f} {f.steady_articles_per_minute:>7.1f} "
            f"{run.wall:>6.1f}s {f'{run.ok}/{run.failed}':>10}"
        )
    if not all(f.steady for _, f in table):
        print("* no steady part: the run ended while the first minute's bucket was still being")
        print("  spent, so the figure counts that burst too (more articles would show it)")
    print()
    print("details (times are seconds since the run's start, wall clock):")
    for run, f in table:
        start, end = f.window
        limit = args.concurrency if run.name.startswith("briefing") else args.control_concurrency
        print(
            f"  {run.name}: steady part {start:.1f}-{end:.1f} s, "
            f"{f.tokens_per_minute:,.0f} tokens/min of {tpm:,.0f} "
            f"(bucket {f.levels[0]:,.0f} -> {f.levels[1]:,.0f} tokens at its ends), "
            f"{f.requests_per_minute:.0f} requests/min ({f.share_rpm:.0%} of RPM); "
            f"in flight at the server: mean {f.mean_in_flight:.1f}, max {f.max_in_flight} "
            f"(concurrency {limit}); "
            f"{run.stats['tokens_accepted']:,} tokens accepted, {run.repairs} repair rounds, "
            f"{run.stats['unmatched']} unmatched"
        )
        for error in sorted(set(run.errors))[:3]:
            print(f"    e.g. {error[:200]}")
        if args.timeline:
            timeline(run, args)
    print()
    for run, f in table:
        if not run.name.startswith("briefing"):
            continue
        verdict = "meets" if f.share_tpm >= TARGET_SHARE and f.share_429 < TARGET_429 else "MISSES"
        print(
            f"target ({TARGET_SHARE:.0%} of TPM, <{TARGET_429:.0%} 429s) {verdict}: {run.name}: "
            f"{f.share_tpm:.1%} of TPM, {f.share_429:.1%} 429s"
        )


def timeline(run: Run, args: argparse.Namespace, slots: int = 20) -> None:
    """The run in `slots` equal slices of time: tokens accepted per minute (share of TPM),
    requests answered 429, and the server's token bucket at the slice's end."""
    events = run.stats["events"]
    if not events:
        return
    tpm = run.stats["tpm"]
    width = events[-1][0] / slots or 1.0
    print(f"    {'from':>6} {'to':>6} {'TPM used':>8} {'429s':>5} {'bucket at end':>14}")
    for i in range(slots):
        lo, hi = i * width, (i + 1) * width
        part = [e for e in events if lo <= e[0] < hi or (i == slots - 1 and e[0] == hi)]
        tokens = sum(e[2] + e[3] for e in part if e[1] == 200)
        level = f"{part[-1][4]:,.0f}" if part else "-"
        print(
            f"    {lo:>6.1f} {hi:>6.1f} {tokens / width * 60 / tpm:>8.0%} "
            f"{sum(1 for e in part if e[1] == 429):>5} {level:>14}"
        )


def default_articles(
    args: argparse.Namespace, seeds: list[Seed], bodies: dict[str, dict[str, Any]]
) -> int:
    """Enough articles to spend the initial full bucket and then run `steady_seconds` at the
    limit: the full bucket in requests, plus the drain time and the steady part at the rate."""
    replies = load_replies()
    costs = [prompt_tokens(bodies[s.stem]) + math.ceil(len(replies[s.stem]) / 4) for s in seeds]
    latencies = [
        (args.first_token_latency + len(replies[s.stem]) / 4 / args.tokens_per_second) / args.speed
        for s in seeds
    ]
    cost, latency = sum(costs) / len(costs), sum(latencies) / len(latencies)
    rate = min(args.rpm, args.tpm / cost) * args.speed / 60  # requests per second at the limit
    bucket = 60 * rate
    drain = bucket / max(args.concurrency / latency - rate, rate)
    return math.ceil(bucket + rate * (drain + args.steady_seconds))


QUICK = {"speed": 20.0, "tpm": 50_000.0, "concurrency": 64, "steady_seconds": 10.0}
FULL = {"speed": 3.0, "tpm": 200_000.0, "concurrency": 128, "steady_seconds": 35.0}


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="a short run (about a minute)")
    p.add_argument("--articles", type=int, help="articles per run (default: sized from limits)")
    p.add_argument("--speed", type=float, help=f"time-scale factor (default {FULL['speed']:g})")
    p.add_argument("--rpm", type=float, default=500.0, help="requests/min at speed 1")
    p.add_argument("--tpm", type=float, help=f"tokens/min at speed 1 (default {FULL['tpm']:,.0f})")
    p.add_argument("--concurrency", type=int, help=f"default {FULL['concurrency']}")
    p.add_argument("--control-concurrency", type=int, help="default: --concurrency")
    p.add_argument("--steady-seconds", type=float, help="wall seconds at the limit, for sizing N")
    p.add_argument("--mode", default="tools_strict", help="briefing mode (default tools_strict)")
    p.add_argument("--first-token-latency", type=float, default=0.3, help="s at speed 1")
    p.add_argument("--tokens-per-second", type=float, default=60.0, help="output, at speed 1")
    p.add_argument(
        "--headers-at",
        choices=("arrival", "response"),
        default="arrival",
        help="when the server computes x-ratelimit-remaining-* (default: at admission)",
    )
    p.add_argument("--timeline", action="store_true", help="print each run over time")
    p.add_argument("--runs", default="learned,given,control", help="any of learned,given,control")
    args = p.parse_args(argv)
    for key, value in (QUICK if args.quick else FULL).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.control_concurrency is None:
        args.control_concurrency = args.concurrency
    return args


async def bench(args: argparse.Namespace) -> int:
    print(f"{environment_line('openai', 'httpx2', 'anyio')}; briefing {library_version()}")
    server = Server(args)
    try:
        seeds = load_seeds()
        bodies = seed_bodies(seeds, server.base_url, args.mode)
        n = args.articles or default_articles(args, seeds, bodies)
        print(
            f"settings: {n} articles per run, concurrency {args.concurrency} (control "
            f"{args.control_concurrency}), mode {args.mode}, model name {MODEL}; server: "
            f"{args.tpm:,.0f} TPM and {args.rpm:,.0f} RPM at speed 1, latency "
            f"{args.first_token_latency:g} s + 1/{args.tokens_per_second:g} s per output token; "
            f"speed {args.speed:g} -> {args.tpm * args.speed:,.0f} TPM, "
            f"{args.rpm * args.speed:,.0f} RPM per wall minute, latencies / {args.speed:g}; "
            f"remaining-* headers computed at {args.headers_at}"
        )
        wanted = args.runs.split(",")
        runs = []
        for key in wanted:
            corpus = make_corpus(seeds, n, key)
            if key == "learned":
                runs.append(
                    await run_briefing("briefing, limits learned", server, corpus, args, False)
                )
            elif key == "given":
                runs.append(
                    await run_briefing("briefing, limits given", server, corpus, args, True)
                )
            elif key == "control":
                check_bodies(corpus, seeds, bodies, server.base_url, args.mode)
                control = [body_for(a, bodies) for a in corpus]
                runs.append(await run_control("control: plain AsyncOpenAI", server, control, args))
            else:
                raise SystemExit(f"unknown run {key!r}; choose from learned, given, control")
            print(f"  {runs[-1].name}: done in {runs[-1].wall:.1f} s", flush=True)
        report(runs, args)
    finally:
        server.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(bench(parse(argv)))


if __name__ == "__main__":
    sys.exit(main())
