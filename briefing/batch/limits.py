"""Rate limits as OpenAI sets them: requests and tokens per minute.

Two buckets that refill continuously. A request takes one request and its estimated tokens
before it is sent; its answer's real usage corrects the estimate. Limits not given are learned
from the `x-ratelimit-limit-*` headers of the first answers, and `x-ratelimit-remaining-*`
lowers a bucket that thinks it holds more than the server says. A 429's retry-after pauses the
whole batch, not only the request that got it.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping

import anyio

from briefing.errors import ConfigurationError


class RateLimits:
    def __init__(
        self,
        *,
        requests_per_minute: float | None = None,
        tokens_per_minute: float | None = None,
        learn: bool = True,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
    ) -> None:
        for name, value in (
            ("max_requests_per_minute", requests_per_minute),
            ("max_tokens_per_minute", tokens_per_minute),
        ):
            if value is not None and not value > 0:
                raise ConfigurationError(f"{name} must be a positive number, not {value}")
        self.rpm = requests_per_minute
        self.tpm = tokens_per_minute
        self.learn = learn
        self._clock = clock
        self._sleep = sleep
        self._requests = requests_per_minute or 0.0
        self._tokens = tokens_per_minute or 0.0
        self._stamp = clock()
        self._paused_until = 0.0
        self._lock = anyio.Lock()

    def _refill(self, now: float) -> None:
        elapsed = max(now - self._stamp, 0.0)
        self._stamp = now
        if self.rpm:
            self._requests = min(self.rpm, self._requests + elapsed * self.rpm / 60)
        if self.tpm:
            self._tokens = min(self.tpm, self._tokens + elapsed * self.tpm / 60)

    def _wait_for(self, tokens: int, now: float) -> float:
        waits = [self._paused_until - now]
        if self.rpm:
            waits.append((1 - self._requests) * 60 / self.rpm)
        if self.tpm:
            waits.append((min(tokens, self.tpm) - self._tokens) * 60 / self.tpm)
        return max(waits)

    async def acquire(self, tokens: int) -> None:
        """Wait until one request of `tokens` fits under both limits; first come, first served."""
        async with self._lock:
            while True:
                now = self._clock()
                self._refill(now)
                wait = self._wait_for(tokens, now)
                if wait <= 0:
                    if self.rpm:
                        self._requests -= 1
                    if self.tpm:
                        self._tokens -= tokens
                    return
                await self._sleep(wait)

    def observe(self, headers: Mapping[str, str], estimated: int, used: int) -> None:
        """Correct the estimate by the real usage, and learn limits from the headers."""
        lower = {k.lower(): v for k, v in headers.items()}
        if self.learn:
            if self.rpm is None and (limit := _number(lower.get("x-ratelimit-limit-requests"))):
                self.rpm, self._requests = (
                    limit,
                    _number(lower.get("x-ratelimit-remaining-requests")) or 0,
                )
            if self.tpm is None and (limit := _number(lower.get("x-ratelimit-limit-tokens"))):
                self.tpm, self._tokens = (
                    limit,
                    _number(lower.get("x-ratelimit-remaining-tokens")) or 0,
                )
        if self.tpm:
            self._tokens = min(self.tpm, self._tokens + estimated - used)
            remaining = _number(lower.get("x-ratelimit-remaining-tokens"))
            if remaining is not None and self.learn:
                self._tokens = min(self._tokens, remaining)

    def slow_down(self, seconds: float) -> None:
        """A 429 said to wait: no request of the batch starts before then."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
