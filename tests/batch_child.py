"""A batch run in its own process, for the kill-and-resume test: briefs every seed through a
fake model that answers slowly and logs each request, writing results to a JSONL file.

Usage: python -m tests.batch_child RESULTS.jsonl REQUESTS.log
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from briefing import generate_briefs
from briefing.testing import Answer, FakeModel

from .batchkit import seed_of
from .conftest import SEEDS, authored


def main(results: Path, requests: Path) -> None:
    def answer(request: dict[str, Any]) -> Answer:
        stem = seed_of(request)
        with requests.open("a") as log:
            log.write(stem + "\n")
        time.sleep(0.4)
        return authored(stem)

    client = FakeModel(function=answer).client(base_url="https://api.openai.com/v1")
    for result in generate_briefs(SEEDS, client=client, cache=False, output=results, concurrency=2):
        print(result.source, "ok" if result.ok else result.error, flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
