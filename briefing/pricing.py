"""What a run cost: a price table per model that users can extend, and budgets."""

from __future__ import annotations

from dataclasses import dataclass

from briefing.models import Usage


@dataclass(frozen=True)
class Price:
    """US dollars per million tokens."""

    input: float
    output: float

    def of(self, usage: Usage) -> float:
        return (usage.prompt_tokens * self.input + usage.completion_tokens * self.output) / 1e6


# OpenAI's list prices per million tokens (standard tier) as published when this table was
# written; check current prices, and add or override entries for your models:
#     briefing.PRICES["my-model"] = briefing.Price(input=0.2, output=0.8)
PRICES: dict[str, Price] = {
    "gpt-4.1": Price(2.00, 8.00),
    "gpt-4.1-mini": Price(0.40, 1.60),
    "gpt-4.1-nano": Price(0.10, 0.40),
    "gpt-4o": Price(2.50, 10.00),
    "gpt-4o-mini": Price(0.15, 0.60),
    "gpt-5": Price(1.25, 10.00),
    "gpt-5-mini": Price(0.25, 2.00),
    "gpt-5-nano": Price(0.05, 0.40),
    "o4-mini": Price(1.10, 4.40),
}


def price_for(model: str) -> Price | None:
    """The entry for `model`, or for the longest name it extends ("gpt-4.1-mini-2025-04-14")."""
    if model in PRICES:
        return PRICES[model]
    prefixes = [name for name in PRICES if model.startswith(name + "-")]
    return PRICES[max(prefixes, key=len)] if prefixes else None


def cost_of(usage: Usage, model: str) -> float | None:
    price = price_for(model)
    return None if price is None else round(price.of(usage), 6)
