"""A fake OpenAI-compatible model for tests: queued replies, or a function that answers.

The fake sits under a real `openai` client as an httpx2 transport, so requests go through the
real client, instructor and our retry code; only the network is replaced.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import httpx2
import openai

from briefing.replay.envelope import Reply, completion_envelope

FAKE_BASE_URL = "http://fake-model.invalid/v1"


@dataclass(frozen=True)
class HTTPFailure:
    """An HTTP error answer, e.g. `HTTPFailure(429, {"retry-after": "0"})`."""

    status: int
    headers: dict[str, str] | None = None
    body: str = '{"error": {"message": "fake failure", "type": "server_error"}}'


Answer = Reply | HTTPFailure | dict[str, Any] | str | Exception
Responder = Callable[[dict[str, Any]], Answer]


class FakeModel:
    """Answers chat completions from a queue of answers, or by calling `function(request)`.

    Each request's JSON body is kept in `requests`. An exhausted queue fails the test loudly.
    """

    def __init__(
        self,
        answers: Iterable[Answer] = (),
        *,
        function: Responder | None = None,
        model: str = "fake-model",
    ) -> None:
        self._queue = list(answers)
        self._function = function
        self.model = model
        self.requests: list[dict[str, Any]] = []
        self.usage_sent: list[dict[str, int]] = []

    def _answer(self, request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content or b"{}")
        self.requests.append(body)
        if self._function is not None:
            answer = self._function(body)
        elif self._queue:
            answer = self._queue.pop(0)
        else:
            message = f"FakeModel got request {len(self.requests)} with no answer left"
            return httpx2.Response(400, json={"error": {"message": message, "type": "fake"}})
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, HTTPFailure):
            return httpx2.Response(answer.status, headers=answer.headers, text=answer.body)
        reply = answer if isinstance(answer, Reply) else Reply(answer)
        envelope = completion_envelope(body, reply, model=self.model)
        self.usage_sent.append(envelope["usage"])
        return httpx2.Response(200, json=envelope)

    def client(self, **options: Any) -> openai.OpenAI:
        """A real `openai.OpenAI` whose transport is this fake; `options` override defaults."""
        transport = httpx2.MockTransport(self._answer)
        settings = {"api_key": "fake-key", "base_url": FAKE_BASE_URL, "max_retries": 0}
        return openai.OpenAI(
            **{**settings, **options}, http_client=httpx2.Client(transport=transport)
        )

    def async_client(self, **options: Any) -> openai.AsyncOpenAI:
        async def answer(request: httpx2.Request) -> httpx2.Response:
            return self._answer(request)

        transport = httpx2.MockTransport(answer)
        settings = {"api_key": "fake-key", "base_url": FAKE_BASE_URL, "max_retries": 0}
        return openai.AsyncOpenAI(
            **{**settings, **options}, http_client=httpx2.AsyncClient(transport=transport)
        )


__all__ = [
    "FAKE_BASE_URL",
    "Answer",
    "FakeModel",
    "HTTPFailure",
    "Reply",
    "Responder",
    "completion_envelope",
]
