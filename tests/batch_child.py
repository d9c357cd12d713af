"""A batch run in its own process, for the kill-and-resume tests: briefs N distinct articles
(a seed's text and a numbered last line) through a fake model that answers slowly and logs
each request, writing results to a JSONL file.

Usage: python -m tests.batch_child RESULTS.jsonl REQUESTS.log [N]
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path
from typing import Any

from briefing import Article, generate_briefs
from briefing.testing import Answer, FakeModel

from .conftest import SEEDS, authored

MARK = re.compile(r"Dispatch number (\d+)\.")


def articles(n: int) -> list[Article]:
    out = []
    for i in range(n):
        seed = SEEDS[i % len(SEEDS)]
        text = seed.read_text(encoding="utf-8").split("\n\n", 1)[1].rstrip()
        out.append(Article(text=f"{text}\n\nDispatch number {i}.", name=f"a{i:02d}"))
    return out


def main(results: Path, requests: Path, n: int) -> None:
    def answer(request: dict[str, Any]) -> Answer:
        found = MARK.search(request["messages"][1]["content"])
        number = int(found.group(1)) if found else -1
        with requests.open("a") as log:
            log.write(f"a{number:02d}\n")
        time.sleep(0.3)
        return authored(SEEDS[number % len(SEEDS)].stem)

    client = FakeModel(function=answer).client(base_url="https://api.openai.com/v1")
    items = articles(n)
    for result in generate_briefs(items, client=client, cache=False, output=results, concurrency=2):
        print(result.source, "ok" if result.ok else result.error, flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 7)
