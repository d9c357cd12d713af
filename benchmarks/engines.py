"""Ray Data beside generate_briefs: the same articles, the same rate-limited fake endpoint.

`benchmarks/fake_openai_server.py` (as `benchmarks/throughput.py` runs it: answers after
0.3 s + 1/60 s per output token, token buckets of RPM and TPM charged at arrival, 429 with
`retry-after-ms` over either, `x-ratelimit-*` headers on every answer; `--speed S` divides
latencies by S and multiplies the limits by S) serves two runs of N distinct articles (the
seeds with authored replies, cycled, each with its own closing sentence, so no two share a
cache key; the cache is off):

1. `generate_briefs(..., concurrency=C)` in this process, limits learned from the headers;
2. Ray Data in local mode: `ray.data.from_pandas(df).map_batches(BriefMapper, ...)` over W
   actors (W CPUs), each with concurrency C / W and its limits learned from the headers, one
   batch of N / W rows per actor by default (`--batch-size` for more, smaller batches: each
   is its own `agenerate_briefs` call, which drains before the next starts).

Both are timed from the first article sent to the last result (for Ray: from building the
dataset to holding every row, actors' start included; the Ray cluster's own start is printed
apart). It prints articles per minute for both and the ratio; the target is Ray within 1.3x of
generate_briefs on one machine (the limit binds both: Ray's gain is spread, not speed here).

Run as `python benchmarks/engines.py [--articles N]` (default 1,000; needs `.[ray]`).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import time
from typing import Any

import openai
from _bench import environment_line, load_seeds
from throughput import MODEL, Server, make_corpus

from briefing import Article, BriefMapper, FrameSettings, agenerate_briefs
from briefing.frame.frame import Columns, article_of
from briefing.version import library_version

TARGET_RATIO = 1.3


def frame_of(corpus: list[Article]) -> Any:
    import pandas as pd

    return pd.DataFrame(
        {
            "id": range(len(corpus)),
            "text": [a.text for a in corpus],
            "published": [a.published for a in corpus],
            "source": [a.source for a in corpus],
            "title": [a.title for a in corpus],
        }
    )


async def run_core(server: Server, corpus: list[Article], args: argparse.Namespace) -> float:
    """generate_briefs from the same table the Ray run reads: each row's Article is made as
    BriefMapper makes it (briefing.frame's article_of: HTML check, dateline, language guess), in
    the timed part, so both runs do the same work."""
    client = openai.AsyncOpenAI(base_url=server.base_url, api_key="bench-key")
    rows = frame_of(corpus).to_dict("records")
    ok = 0
    started = time.perf_counter()
    try:
        columns = Columns(source="source", title="title")
        articles = [article_of(row, columns) for row in rows]
        async for result in agenerate_briefs(
            articles, client=client, model=MODEL, mode=args.mode, concurrency=args.concurrency,
            cache=False,
        ):  # fmt: skip
            ok += result.ok
    finally:
        wall = time.perf_counter() - started
        await client.close()
    if ok != len(corpus):
        print(f"  generate_briefs: {len(corpus) - ok} articles failed")
    return wall


def run_ray(server: Server, corpus: list[Article], args: argparse.Namespace) -> float:
    import ray

    settings = FrameSettings(
        model=MODEL, mode=args.mode, base_url=server.base_url, api_key_env=None, cache=False,
        source="source", title="title", keep=("id",),
        concurrency=max(args.concurrency // args.workers, 1),
    )  # fmt: skip
    df = frame_of(corpus)
    batch = args.batch_size or math.ceil(len(corpus) / args.workers)
    started = time.perf_counter()
    step = math.ceil(len(df) / args.workers)  # a block per actor, cut here: Ray's own split
    blocks = [df.iloc[i : i + step] for i in range(0, len(df), step)]  # of a pandas 3 frame fails
    ds = ray.data.from_pandas(blocks).map_batches(
        BriefMapper, fn_constructor_args=(settings,), batch_format="pandas", batch_size=batch,
        # a sync actor runs one batch at a time: queueing more on the first actor up would
        # leave the others idle while it works through them
        compute=ray.data.ActorPoolStrategy(size=args.workers, max_tasks_in_flight_per_actor=1),
    )  # fmt: skip
    out = ds.to_pandas()
    wall = time.perf_counter() - started
    failed = len(out) - int(out["ok"].sum())
    if len(out) != len(corpus) or failed:
        print(f"  ray: {len(out)} rows for {len(corpus)} articles, {failed} failed")
        for message in sorted(set(out["error_message"].dropna()))[:3]:
            print(f"    e.g. {message[:200]}")
    return wall


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--articles", type=int, default=1000, help="articles per run (default 1000)")
    p.add_argument("--workers", type=int, default=2, help="Ray actors and CPUs (default 2)")
    p.add_argument("--concurrency", type=int, default=64, help="in flight in all (default 64)")
    p.add_argument("--batch-size", type=int, help="rows per Ray batch (default N / W)")
    p.add_argument("--speed", type=float, default=20.0, help="time scale (default 20)")
    p.add_argument("--rpm", type=float, default=500.0, help="requests/min at speed 1")
    p.add_argument("--tpm", type=float, default=200_000.0, help="tokens/min at speed 1")
    p.add_argument("--mode", default="tools_strict", help="briefing mode (default tools_strict)")
    p.add_argument("--first-token-latency", type=float, default=0.3, help="s at speed 1")
    p.add_argument("--tokens-per-second", type=float, default=60.0, help="output, at speed 1")
    args = p.parse_args(argv)
    args.headers_at = "arrival"
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    import ray
    import ray.data  # imported before any clock starts (tens of seconds on a busy machine)

    print(f"{environment_line('openai', 'ray', 'pandas')}; briefing {library_version()}")
    server = Server(args)
    try:
        seeds = load_seeds()
        n = args.articles
        print(
            f"settings: {n} articles per run, concurrency {args.concurrency} (Ray: "
            f"{args.workers} actors x {max(args.concurrency // args.workers, 1)}), mode "
            f"{args.mode}, cache off; server {args.tpm * args.speed:,.0f} TPM and "
            f"{args.rpm * args.speed:,.0f} RPM per wall minute (speed {args.speed:g}), "
            f"latency ({args.first_token_latency:g} s + 1/{args.tokens_per_second:g} s per "
            f"output token) / {args.speed:g}"
        )
        started = time.perf_counter()
        ray.init(num_cpus=args.workers + 1, include_dashboard=False, log_to_driver=False,
                 _node_ip_address="127.0.0.1")  # fmt: skip
        print(f"  ray cluster started in {time.perf_counter() - started:.1f} s (not counted)")
        server.reset()
        core = asyncio.run(run_core(server, make_corpus(seeds, n, "core"), args))
        core_stats = server.stats()
        print(f"  generate_briefs: done in {core:.1f} s", flush=True)
        server.reset()
        engine = run_ray(server, make_corpus(seeds, n, "ray"), args)
        ray_stats = server.stats()
        print(f"  ray data: done in {engine:.1f} s", flush=True)
    finally:
        server.stop()
        ray.shutdown()
    print()
    for name, wall, stats in (("generate_briefs", core, core_stats),
                              (f"ray data, {args.workers} actors", engine, ray_stats)):  # fmt: skip
        share = stats["rejected"] / max(stats["requests"], 1)
        print(
            f"{name:<24} {n / wall * 60:>9.1f} articles/min  wall {wall:>6.1f} s  "
            f"429s {stats['rejected']}/{stats['requests']} ({share:.1%})  "
            f"tokens {stats['tokens_accepted']:,}"
        )
    ratio = engine / core
    verdict = "meets" if ratio <= TARGET_RATIO else "MISSES"
    print(f"ratio (ray wall / generate_briefs wall): {ratio:.2f}x; target <= {TARGET_RATIO}x "
          f"{verdict}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
