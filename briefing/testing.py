"""A fake OpenAI-compatible model for tests: queued replies, or a function that answers.

The fake sits under a real `openai` client as an httpx2 transport, so requests go through the
real client, instructor and our retry code; only the network is replaced.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import httpx2
import openai

FAKE_BASE_URL = "http://fake-model.invalid/v1"


@dataclass(frozen=True)
class Reply:
    """One answer: a payload (dict, sent as the tool call or JSON content) or raw text."""

    payload: dict[str, Any] | str
    finish_reason: str = "stop"
    refusal: str | None = None


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
            raise AssertionError(f"FakeModel got request {len(self.requests)} with no answer left")
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


def completion_envelope(request: dict[str, Any], reply: Reply, *, model: str) -> dict[str, Any]:
    """A chat.completion answering `request`: a tool call when tools were offered, else content.

    Token counts are estimates (characters / 4), since nothing here runs a tokenizer.
    """
    text = reply.payload if isinstance(reply.payload, str) else json.dumps(reply.payload)
    message: dict[str, Any] = {"role": "assistant", "content": None, "refusal": reply.refusal}
    tools = request.get("tools") or []
    if reply.refusal:
        pass
    elif tools:
        message["tool_calls"] = [
            {
                "id": f"call_{len(text)}",
                "type": "function",
                "function": {"name": tools[0]["function"]["name"], "arguments": text},
            }
        ]
    else:
        message["content"] = text
    prompt_tokens = len(json.dumps(request.get("messages", []))) // 4 + len(json.dumps(tools)) // 4
    completion_tokens = max(len(text) // 4, 1)
    return {
        "id": "chatcmpl-fake-" + hashlib.sha256(text.encode()).hexdigest()[:12],
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls"
                if tools and reply.finish_reason == "stop"
                else reply.finish_reason,
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }
