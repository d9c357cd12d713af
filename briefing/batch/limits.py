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

PROBES = 4  # requests sent before any limit is known


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
        # While no limit is known (none given, no answer yet), only a few requests go out:
        # the first answer, or the first 429, says what the limits are.
        self._probes = 0
        self._learned = anyio.Event()
        if requests_per_minute or tokens_per_minute or not learn:
            self._learned.set()

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

    async def acquire(self, tokens: int) -> int:
        """Wait until one request of `tokens` fits under both limits, first come, first served;
        returns the tokens charged (none while the token limit is unknown)."""
        if not self._learned.is_set():
            if self._probes >= PROBES:
                await self._learned.wait()
            else:
                self._probes += 1
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
                        return tokens
                    return 0
                await self._sleep(wait)

    def observe(self, headers: Mapping[str, str], charged: int, used: int) -> None:
        """After an answer (or a 429, with `used` 0): correct what was charged by what was
        used, and learn the limits from the headers."""
        lower = {k.lower(): v for k, v in headers.items()}
        learned_now = False
        if self.learn:
            if self.rpm is None and (limit := _number(lower.get("x-ratelimit-limit-requests"))):
                self.rpm = limit
                self._requests = _number(lower.get("x-ratelimit-remaining-requests")) or 0
            if self.tpm is None and (limit := _number(lower.get("x-ratelimit-limit-tokens"))):
                self.tpm = limit
                self._tokens = _number(lower.get("x-ratelimit-remaining-tokens")) or 0
                learned_now = True  # the server's count already holds this request
        self._learned.set()  # an answer came: what its headers say (maybe nothing) is known
        if self.tpm and not learned_now:
            self._tokens = min(self.tpm, self._tokens + charged - used)
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
