"""A chat.completion envelope around a given answer: what the offline Batch API recorder, the
cassette author and `briefing.testing` answer with."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Reply:
    """One answer: a payload (dict, sent as the tool call or JSON content) or raw text."""

    payload: dict[str, Any] | str
    finish_reason: str = "stop"
    refusal: str | None = None


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
