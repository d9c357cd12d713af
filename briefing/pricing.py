"""What a run cost: a price table per model that users can extend, and budgets."""

from __future__ import annotations

from dataclasses import dataclass

from briefing.models import Usage


@dataclass(frozen=True)
class Price:
    """US dollars per million tokens."""

    input: float
    output: float
    cached: float | None = None  # cached prompt tokens; None: billed as input

    def __post_init__(self) -> None:
        rates = (self.input, self.output, self.cached if self.cached is not None else 0.0)
        if any(rate < 0 for rate in rates):
            raise ValueError(f"prices must not be negative: {self}")

    def of(self, usage: Usage) -> float:
        cached = min(usage.cached_tokens, usage.prompt_tokens)
        rate = self.input if self.cached is None else self.cached
        fresh = usage.prompt_tokens - cached
        return (fresh * self.input + cached * rate + usage.completion_tokens * self.output) / 1e6


# OpenAI's list prices per million tokens (standard tier) as published when this table was
# written; check current prices, and add or override entries for your models:
#     briefing.PRICES["my-model"] = briefing.Price(input=0.2, output=0.8)
PRICES: dict[str, Price] = {
    "gpt-4.1": Price(2.00, 8.00, cached=0.50),
    "gpt-4.1-mini": Price(0.40, 1.60, cached=0.10),
    "gpt-4.1-nano": Price(0.10, 0.40, cached=0.025),
    "gpt-4o": Price(2.50, 10.00, cached=1.25),
    "gpt-4o-mini": Price(0.15, 0.60, cached=0.075),
    "gpt-5": Price(1.25, 10.00, cached=0.125),
    "gpt-5-mini": Price(0.25, 2.00, cached=0.025),
    "gpt-5-nano": Price(0.05, 0.40, cached=0.005),
    "o4-mini": Price(1.10, 4.40, cached=0.275),
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
