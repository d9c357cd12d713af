"""An answer's time allowance that scales with its request, for a local model.

A local model's answer takes as long as its prompt and output make it: one second for a short
section, ten minutes for the first section of a long article on two cores. One fixed timeout is
either too short for the long ones (and a timed-out request was retried from scratch, to time
out again: a model at temperature 0 writes the same answer at the same speed) or too long to
notice a stuck one. So each chat completion sent to the library's own server is streamed under
an allowance computed from its size (prompt characters and the output cap, at slow-machine
speeds), never beyond the caller's timeout; when the allowance runs out the stream is closed
(llama.cpp stops generating) and what was written so far comes back as an answer cut at its
length limit (`finish_reason: "length"`), whose finished items the pipeline keeps, as it does
for an answer cut by `max_tokens`. The caller sees an ordinary, non-streamed completion.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio
import httpx2

# Slow-machine speeds: a third of what a 1.5B model reads and writes on two idle cores (about
# 35 prompt and 10 output tokens a second), so a busy machine stays within the allowance.
PROMPT_TOKENS_PER_S = 12.0
OUTPUT_TOKENS_PER_S = 3.5
START_SECONDS = 30.0  # queueing behind another request, first use of the model's memory
DEFAULT_OUTPUT = 1024
CHARS_PER_TOKEN = 3.0  # errs long for English (about 4), right for most other scripts
MARGIN = 0.95  # of the caller's timeout, so the cut answer arrives before the caller gives up


@dataclass(frozen=True)
class Allowance:
    """How long one request may take, and why."""

    seconds: float
    prompt_tokens: int
    output_tokens: int


def allowance_for(body: dict[str, Any], ceiling: float | None = None) -> Allowance:
    """The time one chat-completion `body` may take: start + prompt at the slow reading speed +
    its output cap at the slow writing speed, at most `ceiling` (the caller's timeout)."""
    chars = len(json.dumps(body.get("messages", []), ensure_ascii=False))
    chars += len(json.dumps(body.get("response_format", body.get("tools", "")), ensure_ascii=False))
    prompt = int(chars / CHARS_PER_TOKEN)
    output = int(body.get("max_tokens") or body.get("max_completion_tokens") or DEFAULT_OUTPUT)
    seconds = START_SECONDS + prompt / PROMPT_TOKENS_PER_S + output / OUTPUT_TOKENS_PER_S
    if ceiling is not None:
        seconds = min(seconds, ceiling * MARGIN)
    return Allowance(seconds, prompt, output)


@dataclass(frozen=True)
class AnswerProgress:
    """One answer of the local model, as it ended."""

    tokens: int
    seconds: float
    allowance: Allowance
    cut: bool  # stopped at the allowance, not by the model


class AllowanceTransport(httpx2.AsyncBaseTransport):
    """Streams each non-streamed chat completion under its allowance (see the module)."""

    def __init__(
        self,
        inner: httpx2.AsyncBaseTransport | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        on_answer: Callable[[AnswerProgress], None] | None = None,
    ) -> None:
        self.upstream = httpx2.AsyncClient(
            transport=inner or httpx2.AsyncHTTPTransport(), timeout=None
        )
        self.clock = clock
        self.on_answer = on_answer

    async def aclose(self) -> None:
        await self.upstream.aclose()

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        body = _json(request) if request.url.path.endswith("/chat/completions") else None
        if body is None or body.get("stream") or body.get("n", 1) != 1:
            return await self._forward(request)
        allowance = allowance_for(body, _read_timeout(request))
        headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
        started = self.clock()
        state = _Stream()
        async with self.upstream.stream(
            "POST", request.url, headers=headers, json={**body, "stream": True}
        ) as response:
            if response.status_code != 200:
                content = await response.aread()
                return httpx2.Response(
                    response.status_code, headers=response.headers, content=content
                )
            with anyio.move_on_after(allowance.seconds):  # a server that writes nothing
                async for line in response.aiter_lines():
                    if state.feed(line):
                        break
                    if self.clock() - started > allowance.seconds:
                        state.cut = True
                        break
            if not state.finished and state.finish_reason is None:
                state.cut = True
        seconds = self.clock() - started
        if self.on_answer is not None:
            self.on_answer(AnswerProgress(state.tokens, seconds, allowance, state.cut))
        return httpx2.Response(
            200, json=state.completion(body, allowance), headers={"x-briefing-stream": "1"}
        )

    async def _forward(self, request: httpx2.Request) -> httpx2.Response:
        response = await self.upstream.send(request)
        content = await response.aread()
        dropped = ("content-encoding", "transfer-encoding", "content-length")  # read and decoded
        headers = {k: v for k, v in response.headers.items() if k.lower() not in dropped}
        return httpx2.Response(response.status_code, headers=headers, content=content)


def _json(request: httpx2.Request) -> dict[str, Any] | None:
    try:
        value = json.loads(request.content or b"")
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _read_timeout(request: httpx2.Request) -> float | None:
    timeout = request.extensions.get("timeout")
    read = timeout.get("read") if isinstance(timeout, dict) else None
    return float(read) if isinstance(read, int | float) else None


class _Stream:
    """The chunks of a streamed chat completion, put back together."""

    def __init__(self) -> None:
        self.content: list[str] = []
        self.tools: dict[int, dict[str, Any]] = {}
        self.tokens = 0
        self.finish_reason: str | None = None
        self.usage: dict[str, Any] | None = None
        self.id = "chatcmpl-local"
        self.model = ""
        self.created = int(time.time())
        self.finished = False
        self.cut = False

    def feed(self, line: str) -> bool:
        """Take one SSE line; True when the stream says it is done."""
        if not line.startswith("data:"):
            return False
        data = line[5:].strip()
        if data == "[DONE]":
            self.finished = True
            return True
        try:
            chunk = json.loads(data)
        except ValueError:
            return False
        self.id = chunk.get("id") or self.id
        self.model = chunk.get("model") or self.model
        self.created = chunk.get("created") or self.created
        self.usage = chunk.get("usage") or self.usage
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            if delta.get("content"):
                self.content.append(delta["content"])
                self.tokens += 1
            for call in delta.get("tool_calls") or []:
                slot = self.tools.setdefault(
                    call.get("index", 0), {"id": "", "type": "function",
                                           "function": {"name": "", "arguments": ""}}
                )  # fmt: skip
                slot["id"] = call.get("id") or slot["id"]
                function = call.get("function") or {}
                slot["function"]["name"] += function.get("name") or ""
                if function.get("arguments"):
                    slot["function"]["arguments"] += function["arguments"]
                    self.tokens += 1
            if choice.get("finish_reason"):
                self.finish_reason = choice["finish_reason"]
        return False

    def completion(self, body: dict[str, Any], allowance: Allowance) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": "".join(self.content) or None}
        if self.tools:
            message["tool_calls"] = [self.tools[i] for i in sorted(self.tools)]
        usage = self.usage or {
            # llama-cpp-python's stream has no usage: the output is counted a chunk a token, the
            # prompt estimated as the allowance did.
            "prompt_tokens": allowance.prompt_tokens,
            "completion_tokens": self.tokens,
            "total_tokens": allowance.prompt_tokens + self.tokens,
        }
        return {
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.model or str(body.get("model", "")),
            "choices": [{
                "index": 0,
                "message": message,
                "finish_reason": "length" if self.cut else self.finish_reason or "stop",
            }],
            "usage": usage,
        }  # fmt: skip
