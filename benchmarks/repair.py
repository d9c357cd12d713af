"""What a targeted repair costs beside the first call, on the seeds with planted failures.

Each seed's authored reply is broken in one way a model breaks answers: a misquoted quote (one
word changed), an agreement with its parties left out, an official's name misspelt. The fake
model answers the first request with the broken reply and the repair request with the item as
it was meant (found by the refs the repair request names). Tokens are counted on the request
bodies as sent (messages + tool schema) and on the answers, with OpenAI's o200k tokenizer when
`pip install -e ".[bench]"` provides it, else chars / 4.

Printed per case: first-call tokens (input + output), repair tokens (input + output), ratio.
Target: every ratio at most 0.30. Run: `python benchmarks/repair.py`.
"""

from __future__ import annotations

import copy
import json
import re
import sys
from collections.abc import Callable
from typing import Any

from _bench import environment_line, load_seeds, median
from tokens import load_tokenizer

from briefing import generate_brief
from briefing.testing import FakeModel

OPENAI = "https://api.openai.com/v1"
TARGET = 0.30


def misquote(reply: dict[str, Any]) -> dict[str, Any] | None:
    broken = copy.deepcopy(reply)
    for claim in broken["claims"]:
        quote = claim["evidence"][0]
        words = quote.split()
        if len(words) > 6:
            words[3] = words[3] + "s" if not words[3].endswith("s") else words[3][:-1]
            claim["evidence"][0] = " ".join(words)
            return broken
    return None


def no_parties(reply: dict[str, Any]) -> dict[str, Any] | None:
    if not reply["agreements"]:
        return None
    broken = copy.deepcopy(reply)
    broken["agreements"][0]["parties"] = []
    return broken


def misspelt_name(reply: dict[str, Any]) -> dict[str, Any] | None:
    if not reply["officials"]:
        return None
    broken = copy.deepcopy(reply)
    broken["officials"][0]["name"] = broken["officials"][0]["name"] + "x"
    return broken


PLANTS: dict[str, Callable[[dict[str, Any]], dict[str, Any] | None]] = {
    "misquote": misquote,
    "no parties": no_parties,
    "misspelt name": misspelt_name,
}
REF = re.compile(r"^## (\w+)\[(\d+)\]$", re.MULTILINE)


def responder(broken: dict[str, Any], good: dict[str, Any]) -> Callable[[dict[str, Any]], Any]:
    def answer(request: dict[str, Any]) -> Any:
        name = request["tools"][0]["function"]["name"]
        if name == "Extraction":
            return broken
        text = request["messages"][-1]["content"]
        fixes: dict[str, list[dict[str, Any]]] = {}
        for group, index in REF.findall(text):
            item = good[group][int(index)]
            fixes.setdefault(group, []).append(
                {"ref": f"{group}[{index}]", "withdraw": False, "item": item}
            )
        return fixes

    return answer


def main() -> int:
    tokenizer = load_tokenizer("gpt-4.1-mini")
    count = tokenizer.count
    print(environment_line("openai", "instructor"))
    print(f"tokenizer: {tokenizer.label}")
    print(f"{'seed':<36} {'failure':<14} {'first':>7} {'repair':>7} {'ratio':>6}")
    ratios = []
    for seed in load_seeds():
        for label, plant in PLANTS.items():
            broken = plant(seed.reply)
            if broken is None:
                continue
            fake = FakeModel(function=responder(broken, seed.reply))
            brief = generate_brief(seed.article, client=fake.client(base_url=OPENAI))
            if brief.record.repairs == 0:
                print(f"{seed.stem}: {label}: the plant still grounds; skipped", file=sys.stderr)
                continue
            if brief.record.repairs != 1 or brief.record.unverified:
                print(f"{seed.stem}: {label}: not repaired in one round", file=sys.stderr)
                return 1
            first_in = count(json.dumps(fake.requests[0]["messages"])) + count(
                json.dumps(fake.requests[0]["tools"])
            )
            first_out = count(json.dumps(broken))
            repair_in = count(json.dumps(fake.requests[1]["messages"])) + count(
                json.dumps(fake.requests[1]["tools"])
            )
            fixed = responder(broken, seed.reply)(fake.requests[1])
            repair_out = count(json.dumps(fixed))
            ratio = (repair_in + repair_out) / (first_in + first_out)
            ratios.append(ratio)
            print(
                f"{seed.stem[:36]:<36} {label:<14} {first_in + first_out:>7,} "
                f"{repair_in + repair_out:>7,} {ratio:>6.3f}"
            )
    print(
        f"repair / first call: median {median(ratios):.3f}, max {max(ratios):.3f} over "
        f"{len(ratios)} cases (target <= {TARGET}: {'met' if max(ratios) <= TARGET else 'NOT met'})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
