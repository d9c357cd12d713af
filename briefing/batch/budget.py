"""A batch's spending limits: checked under a lock before each article starts, charged when
each article finishes (so a batch overshoots by at most the articles in flight)."""

from __future__ import annotations

from dataclasses import dataclass, field

import anyio

from briefing.errors import ConfigurationError
from briefing.models import Usage
from briefing.pricing import price_for


@dataclass
class Budget:
    model: str
    max_cost: float | None = None
    max_total_tokens: int | None = None
    spent: Usage = field(default_factory=Usage)
    cost: float = 0.0
    lock: anyio.Lock = field(default_factory=anyio.Lock)

    def __post_init__(self) -> None:
        if self.max_cost is not None:
            if not self.max_cost > 0:
                raise ConfigurationError(
                    f"max_cost must be a positive dollar amount, not {self.max_cost}"
                )
            if price_for(self.model) is None:
                raise ConfigurationError(
                    f"max_cost needs a price for model {self.model!r}: add it to briefing.PRICES "
                    "(or --price MODEL=IN,OUT), or cap tokens with max_total_tokens"
                )
        if self.max_total_tokens is not None and self.max_total_tokens < 1:
            raise ConfigurationError(
                f"max_total_tokens must be a positive number, not {self.max_total_tokens}"
            )

    def charge(self, usage: Usage, model: str) -> None:
        self.spent += usage
        price = price_for(model) or price_for(self.model)
        if price is not None:
            self.cost += price.of(usage)

    def reached(self) -> str | None:
        if self.max_cost is not None and self.cost >= self.max_cost:
            return f"cost budget of ${self.max_cost:g} reached (${self.cost:.4f} spent)"
        if self.max_total_tokens is not None and self.spent.total_tokens >= self.max_total_tokens:
            return (
                f"token budget of {self.max_total_tokens:,} reached "
                f"({self.spent.total_tokens:,} spent)"
            )
        return None
