"""Brief a folder of articles with a budget, resumable, and print one line per article.

    python examples/brief_folder.py corpus/dev --max-cost 1.00 --jsonl build/run.jsonl

With OPENAI_API_KEY (or OPENAI_BASE_URL) set, the articles are briefed live through
`generate_briefs`, stopping new work at the budget; rerunning resumes from the JSONL log.
Without one, each article with a cassette is replayed offline instead, so the script runs
anywhere (it does in CI).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from briefing import BriefingError, generate_briefs, load_article, replay_brief


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--max-cost", type=float, default=1.00, help="US dollars")
    parser.add_argument("--jsonl", type=Path, default=Path("build/run.jsonl"))
    parser.add_argument("--cassettes", type=Path, help="replay from here when no key is set")
    options = parser.parse_args()
    files = sorted(options.folder.glob("*.txt"))
    if os.environ.get("OPENAI_API_KEY") or os.environ.get("OPENAI_BASE_URL"):
        for result in generate_briefs(files, max_cost=options.max_cost, output=options.jsonl):
            cost = result.brief.record.cost_usd if result.brief else None
            print(f"{result.source}: {result.brief.headline if result.brief else result.error}"
                  f" (${cost or 0:.4f})")  # fmt: skip
        return 0
    cassettes = options.cassettes or Path("cassettes") / options.folder.name
    for path in files:
        try:
            brief = replay_brief(load_article(path), cassettes / f"{path.stem}.yaml")
        except BriefingError as exc:
            print(f"{path.name}: skipped ({exc})")
            continue
        agreements = _count(len(brief.agreements), "agreement")
        counts = f"{agreements}, {_count(len(brief.officials), 'official')}"
        print(f"{path.name}: {brief.headline} ({counts}, replayed)")
    return 0


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


if __name__ == "__main__":
    raise SystemExit(main())
