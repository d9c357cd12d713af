"""A local stand-in for OpenAI's chat-completions endpoint, with OpenAI's rate limits.

`POST /v1/chat/completions` answers like OpenAI, on 127.0.0.1, over HTTP/1.1 with keep-alive
(a small asyncio-streams server: no dependency beyond the standard library):

* Answers. A request whose article ends with the marker `benchmark item ID of STEM.` (what
  `benchmarks/throughput.py` appends to each seed article) is answered with the authored reply
  `cassettes/authored/STEM.json`; any other request (briefing's repair follow-ups carry no
  `<article>`) with `{}`. The answer is a tool call when the request offers `tools` (function
  name = `tools[0].function.name`, arguments = the JSON text), else message content. The body
  carries `usage` (prompt_tokens, completion_tokens, total_tokens).
* Tokens. prompt_tokens = (characters of the message contents + characters of the `tools` /
  `response_format` JSON) / 4 + 3 per message; completion_tokens = characters of the answer / 4.
* Latency. An accepted request is answered after `first-token latency + completion_tokens /
  tokens-per-second` (defaults 0.3 s and 60 tokens/s, roughly gpt-4.1-mini), divided by
  `--speed`. A 429 is answered at once.
* Rate limits. Two token buckets as OpenAI describes them: capacity = the per-minute limit,
  refilled continuously at limit / 60 s, both full at start (and after `POST /bench/reset`).
  Each request is charged at arrival, one request and its prompt + completion tokens (the
  reply is known at arrival, so the charge is exact; OpenAI charges an estimate and corrects
  it later). A request that does not fit is answered 429 with `retry-after-ms` (the time until
  it would fit), `retry-after` (whole seconds, rounded up), the `x-ratelimit-*` headers and
  OpenAI's error body, and costs nothing. Every 200 carries `x-ratelimit-limit-requests`,
  `x-ratelimit-limit-tokens`, `x-ratelimit-remaining-requests`, `x-ratelimit-remaining-tokens`,
  `x-ratelimit-reset-requests` and `x-ratelimit-reset-tokens` (time until the bucket is full,
  as "1.2s" / "6m0s" / "450ms"). By default these are the values computed when the request
  was admitted, as a gateway that checks limits before the model runs reports them (they are
  a latency old when a non-streamed answer arrives); `--headers-at response` computes them
  when the answer is sent instead.
* Time scale. `--speed S` divides every latency by S and multiplies both limits by S, so a
  run takes 1/S of the time and sends the same requests. The window stays 60 s of wall time,
  and the limits the server advertises and enforces are per wall-clock minute (S x the
  nominal ones), so a client that reads them sees one consistent endpoint: exactly a real
  endpoint with S times the limits and a model S times faster. What S changes relative to the
  nominal endpoint is the size of a full bucket (one minute of tokens) measured in requests:
  S times as many fit in the initial burst.

`GET /bench/stats` returns the counters (requests, 429s, tokens accepted, connections, in flight)
and the event log since the last reset: for every admitted or rejected request its arrival
time (seconds since the reset), tokens, and both bucket levels just after it.
`POST /bench/reset` clears them and refills both buckets (a fresh minute for the next run).

Run alone: `python benchmarks/fake_openai_server.py --tpm 200000 --rpm 500 --speed 10`; it
prints `PORT n` and serves http://127.0.0.1:n/v1 until stdin closes or Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

AUTHORED = Path(__file__).resolve().parent.parent / "cassettes" / "authored"
MARKER = re.compile(r"benchmark item (\S+) of ([\w.-]+)\.")
REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 429: "Too Many Requests"}


def marker(item: str, stem: str) -> str:
    """The sentence a benchmark appends to an article so this server knows its reply."""
    return f"This copy is benchmark item {item} of {stem}."


def duration(seconds: float) -> str:
    """A reset time as OpenAI writes it: 450ms, 1.2s, 6m0s."""
    if seconds < 1:
        return f"{max(round(seconds * 1000), 0)}ms"
    if seconds < 60:
        return f"{seconds:.3g}s"
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}m{rest:.0f}s"


class Bucket:
    """A token bucket: `capacity` per minute, refilled continuously, full at start."""

    def __init__(self, capacity: float, now: float) -> None:
        self.capacity = capacity
        self.rate = capacity / 60.0
        self.level = capacity
        self.stamp = now

    def refill(self, now: float) -> float:
        self.level = min(self.capacity, self.level + (now - self.stamp) * self.rate)
        self.stamp = now
        return self.level

    def wait_for(self, amount: float) -> float:
        return max(amount - self.level, 0.0) / self.rate

    def until_full(self) -> float:
        return (self.capacity - self.level) / self.rate


@dataclass
class Event:
    at: float  # seconds since the last reset, at arrival
    status: int  # 200 or 429
    prompt: int
    completion: int
    tokens_left: float  # token bucket just after this request
    requests_left: float


@dataclass
class State:
    rpm: float  # per wall-clock minute (nominal x speed)
    tpm: float
    speed: float
    first_token: float
    tokens_per_second: float
    headers_at: str
    replies: dict[str, str]
    clock: Callable[[], float] = time.monotonic
    started: float = 0.0
    requests: Bucket = field(init=False)
    tokens: Bucket = field(init=False)
    events: list[Event] = field(default_factory=list)
    completions: int = 0
    rejected: int = 0
    unmatched: int = 0
    tokens_accepted: int = 0
    connections: int = 0
    in_flight: int = 0
    max_in_flight: int = 0

    def __post_init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        now = self.clock()
        self.started = now
        self.requests = Bucket(self.rpm, now)
        self.tokens = Bucket(self.tpm, now)
        self.events = []
        self.completions = self.rejected = self.unmatched = self.tokens_accepted = 0
        self.max_in_flight = self.in_flight

    def stats(self) -> dict[str, Any]:
        return {
            "rpm": self.rpm,
            "tpm": self.tpm,
            "speed": self.speed,
            "requests": self.completions + self.rejected,
            "completions": self.completions,
            "rejected": self.rejected,
            "unmatched": self.unmatched,
            "tokens_accepted": self.tokens_accepted,
            "connections": self.connections,
            "in_flight": self.in_flight,
            "max_in_flight": self.max_in_flight,
            "elapsed": self.clock() - self.started,
            "events": [
                [e.at, e.status, e.prompt, e.completion, e.tokens_left, e.requests_left]
                for e in self.events
            ],
        }

    def limit_headers(self) -> dict[str, str]:
        now = self.clock()
        self.requests.refill(now)
        self.tokens.refill(now)
        return {
            "x-ratelimit-limit-requests": str(int(self.rpm)),
            "x-ratelimit-limit-tokens": str(int(self.tpm)),
            "x-ratelimit-remaining-requests": str(max(int(self.requests.level), 0)),
            "x-ratelimit-remaining-tokens": str(max(int(self.tokens.level), 0)),
            "x-ratelimit-reset-requests": duration(self.requests.until_full()),
            "x-ratelimit-reset-tokens": duration(self.tokens.until_full()),
        }


def prompt_tokens(request: dict[str, Any]) -> int:
    messages = request.get("messages") or []
    chars = sum(len(str(m.get("content") or "")) for m in messages)
    for key in ("tools", "response_format"):
        if request.get(key):
            chars += len(json.dumps(request[key]))
    return math.ceil(chars / 4) + 3 * len(messages)


def answer_text(state: State, request: dict[str, Any]) -> str:
    """The authored reply of the article's seed, or `{}` for a request without an article."""
    for m in request.get("messages") or []:
        content = str(m.get("content") or "")
        if m.get("role") == "user" and "<article" in content and (hit := MARKER.search(content)):
            reply = state.replies.get(hit.group(2))
            if reply is not None:
                return reply
            state.unmatched += 1
    return "{}"


def envelope(request: dict[str, Any], text: str, prompt: int, completion: int) -> dict[str, Any]:
    tools = request.get("tools") or []
    message: dict[str, Any] = {"role": "assistant", "content": None, "refusal": None}
    if tools:
        name = tools[0]["function"]["name"]
        message["tool_calls"] = [
            {"id": "call_bench", "type": "function", "function": {"name": name, "arguments": text}}
        ]
    else:
        message["content"] = text
    return {
        "id": f"chatcmpl-bench-{time.monotonic_ns()}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": str(request.get("model") or "bench-model"),
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if tools else "stop",
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": 0},
        },
    }


def _error(message: str, kind: str, code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


async def complete(state: State, body: bytes) -> tuple[int, dict[str, str], Any]:
    try:
        request = json.loads(body)
    except json.JSONDecodeError:
        return 400, {}, _error("the body is not JSON", "invalid_request_error")
    text = answer_text(state, request)
    prompt = prompt_tokens(request)
    completion = max(math.ceil(len(text) / 4), 1)
    cost = prompt + completion
    now = state.clock()
    requests, tokens = state.requests.refill(now), state.tokens.refill(now)
    if cost > state.tokens.capacity:
        message = f"Request too large: {cost} tokens, limit {int(state.tpm)} per min."
        return 400, {}, _error(message, "invalid_request_error", "rate_limit_exceeded")
    at = now - state.started
    if requests < 1 or tokens < cost:
        state.rejected += 1
        state.events.append(Event(at, 429, prompt, completion, tokens, requests))
        wait = max(state.requests.wait_for(1), state.tokens.wait_for(cost))
        which, limit, used = (
            ("tokens per min (TPM)", state.tpm, state.tpm - tokens)
            if tokens < cost
            else ("requests per min (RPM)", state.rpm, state.rpm - requests)
        )
        headers = {
            **state.limit_headers(),
            "retry-after-ms": str(max(math.ceil(wait * 1000), 1)),
            "retry-after": str(max(math.ceil(wait), 1)),
        }
        message = (
            f"Rate limit reached for {request.get('model')} on {which}: Limit {int(limit)}, "
            f"Used {int(used)}, Requested {cost if tokens < cost else 1}. Please try again in "
            f"{duration(wait)}."
        )
        return (
            429,
            headers,
            _error(message, "tokens" if tokens < cost else "requests", "rate_limit_exceeded"),
        )
    state.requests.level -= 1
    state.tokens.level -= cost
    state.completions += 1
    state.tokens_accepted += cost
    state.events.append(
        Event(at, 200, prompt, completion, state.tokens.level, state.requests.level)
    )
    headers = state.limit_headers()
    state.in_flight += 1
    state.max_in_flight = max(state.max_in_flight, state.in_flight)
    try:
        await asyncio.sleep(
            (state.first_token + completion / state.tokens_per_second) / state.speed
        )
    finally:
        state.in_flight -= 1
    if state.headers_at == "response":
        headers = state.limit_headers()
    return 200, headers, envelope(request, text, prompt, completion)


async def route(
    state: State, method: str, target: str, body: bytes
) -> tuple[int, dict[str, str], Any]:
    path = target.split("?", 1)[0].rstrip("/")
    if method == "POST" and path.endswith("/chat/completions"):
        return await complete(state, body)
    if method == "GET" and path == "/bench/stats":
        return 200, {}, state.stats()
    if method == "POST" and path == "/bench/reset":
        state.reset()
        return 200, {}, {"reset": True}
    return 404, {}, _error(f"no route {method} {path}", "invalid_request_error")


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if "content-length" in headers:
        return await reader.readexactly(int(headers["content-length"]))
    if headers.get("transfer-encoding", "").lower() == "chunked":
        chunks: list[bytes] = []
        while True:
            size = int((await reader.readline()).split(b";")[0].strip(), 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                return b"".join(chunks)
            chunks.append(chunk[:-2])
    return b""


async def connection(
    state: State, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    """One keep-alive connection: requests answered in order until the client closes."""
    state.connections += 1
    try:
        while True:
            line = await reader.readline()
            if not line:
                break
            if not line.strip():
                continue
            method, target, version = line.decode("latin-1").split()
            headers: dict[str, str] = {}
            while (raw := await reader.readline()) not in (b"\r\n", b"\n", b""):
                name, _, value = raw.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
            body = await _read_body(reader, headers)
            status, extra, payload = await route(state, method, target, body)
            data = json.dumps(payload).encode()
            keep = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
            lines = [
                f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}",
                "content-type: application/json",
                f"content-length: {len(data)}",
                f"connection: {'keep-alive' if keep else 'close'}",
                *(f"{k}: {v}" for k, v in extra.items()),
            ]
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + data)
            await writer.drain()
            if not keep:
                break
    except (ConnectionError, asyncio.IncompleteReadError, ValueError):
        pass
    except asyncio.CancelledError:
        pass  # the server is stopping with this keep-alive connection still open
    finally:
        writer.close()


def load_replies(folder: Path = AUTHORED) -> dict[str, str]:
    """Each authored reply as the JSON text the model would send (compact separators)."""
    return {
        path.stem: json.dumps(json.loads(path.read_text(encoding="utf-8")), ensure_ascii=False)
        for path in sorted(folder.glob("*.json"))
    }


async def serve(args: argparse.Namespace) -> None:
    state = State(
        rpm=args.rpm * args.speed,
        tpm=args.tpm * args.speed,
        speed=args.speed,
        first_token=args.first_token_latency,
        tokens_per_second=args.tokens_per_second,
        headers_at=args.headers_at,
        replies=load_replies(Path(args.replies)),
    )
    server = await asyncio.start_server(
        lambda r, w: connection(state, r, w), "127.0.0.1", args.port, backlog=1024
    )
    port = server.sockets[0].getsockname()[1]
    print(f"PORT {port}", flush=True)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()

    def watch_stdin() -> None:
        sys.stdin.read()
        loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=watch_stdin, daemon=True).start()
    async with server:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), args.max_seconds)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    p.add_argument("--rpm", type=float, default=500, help="requests per minute at speed 1")
    p.add_argument("--tpm", type=float, default=200_000, help="tokens per minute at speed 1")
    p.add_argument("--speed", type=float, default=1.0, help="time-scale factor (see above)")
    p.add_argument("--first-token-latency", type=float, default=0.3, help="seconds at speed 1")
    p.add_argument("--tokens-per-second", type=float, default=60.0, help="output speed at speed 1")
    p.add_argument(
        "--headers-at",
        choices=("arrival", "response"),
        default="arrival",
        help="when x-ratelimit-remaining-* of a 200 are computed (default: at admission)",
    )
    p.add_argument("--replies", default=str(AUTHORED), help="folder of authored replies")
    p.add_argument("--max-seconds", type=float, default=3600, help="stop after this long")
    return p


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(parser().parse_args()))
