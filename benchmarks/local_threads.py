"""Threads for a local model: tokens per second writing and reading the prompt, per thread count.

    python benchmarks/local_threads.py [--model default|FILE.gguf] [--threads 1 2 ...]

For each thread count it starts the server the way `--local` does, reads one seed article
(the prompt), then asks again with the prompt cached and times 128 written tokens, so reading
and writing are timed apart. Run it on an otherwise idle machine; it prints one row per count
and each count's writing speed as a ratio to the first.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import anyio

from briefing.local.server import local_session

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_b6e8438b54aa0c6d.txt"
WRITTEN = 128


async def measure(model: str, threads: int) -> tuple[float, float]:
    prompt = "Summarise this article:\n" + SEED.read_text(encoding="utf-8")
    messages = [{"role": "user", "content": prompt}]
    async with local_session(model, [len(prompt)], threads=threads, batch_threads=threads) as s:
        started = time.monotonic()
        first = await s.client.chat.completions.create(
            model=s.model, messages=messages, max_tokens=1, temperature=0, timeout=900
        )  # type: ignore[call-overload]
        read = time.monotonic() - started
        started = time.monotonic()
        second = await s.client.chat.completions.create(
            model=s.model, messages=messages, max_tokens=WRITTEN, temperature=0, timeout=900
        )  # type: ignore[call-overload]
        wrote = time.monotonic() - started
    prompt_tokens = first.usage.prompt_tokens if first.usage else 0
    written = second.usage.completion_tokens if second.usage else WRITTEN
    return prompt_tokens / read, written / wrote


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="default")
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    args = p.parse_args()
    print("| threads | prompt tok/s | written tok/s | writing vs first |")
    print("|---|---|---|---|")
    base = None
    for n in args.threads:
        reading, writing = anyio.run(measure, args.model, n)
        base = base or writing
        print(f"| {n} | {reading:.1f} | {writing:.2f} | {writing / base:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
