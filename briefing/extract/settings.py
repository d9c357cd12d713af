"""Which client, model and instructor mode a run uses: explicit arguments first, then env vars."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal, cast
from urllib.parse import urlsplit

import instructor
import openai

from briefing.errors import ConfigurationError

DEFAULT_MODEL = "gpt-4.1-mini"
ENV_KEY = "OPENAI_API_KEY"
ENV_BASE_URL = "OPENAI_BASE_URL"
ENV_MODEL = "BRIEFING_MODEL"
ModeName = Literal["auto", "tools_strict", "tools", "json_schema", "json", "md_json"]

_MODES: dict[str, instructor.Mode] = {
    "tools_strict": instructor.Mode.TOOLS,  # instructor 1.17 sends strict only on request
    "tools": instructor.Mode.TOOLS,
    "json_schema": instructor.Mode.JSON_SCHEMA,
    "json": instructor.Mode.JSON,
    "md_json": instructor.Mode.MD_JSON,
}
OPENAI_HOSTS = ("api.openai.com",)


@dataclass(frozen=True)
class Settings:
    model: str
    mode_name: ModeName
    endpoint: str

    @property
    def mode(self) -> instructor.Mode:
        return _MODES[self.mode_name]

    @property
    def strict(self) -> bool:
        """Whether to ask for OpenAI strict function calling (schema-exact tool arguments)."""
        return self.mode_name == "tools_strict"


def env_configured() -> bool:
    """Whether the environment names an endpoint (a key for OpenAI, or a base URL)."""
    return bool(os.environ.get(ENV_KEY) or os.environ.get(ENV_BASE_URL))


def _env_endpoint() -> tuple[str, str | None]:
    key = os.environ.get(ENV_KEY)
    base_url = os.environ.get(ENV_BASE_URL) or None
    if not key and not base_url:
        raise ConfigurationError(
            f"no model endpoint configured: pass client=..., or set {ENV_KEY} (OpenAI) or "
            f"{ENV_BASE_URL} (an OpenAI-compatible server such as llama.cpp or Ollama), and "
            f"optionally {ENV_MODEL}"
        )
    return key or "no-key-needed", base_url


def client_from_env() -> openai.OpenAI:
    """A client from OPENAI_API_KEY / OPENAI_BASE_URL; local servers need no key."""
    key, base_url = _env_endpoint()
    return openai.OpenAI(api_key=key, base_url=base_url, max_retries=0)


def async_client_from_env() -> openai.AsyncOpenAI:
    key, base_url = _env_endpoint()
    return openai.AsyncOpenAI(api_key=key, base_url=base_url, max_retries=0)


def settings_for(
    client: openai.OpenAI | openai.AsyncOpenAI, model: str | None, mode: str
) -> Settings:
    """Resolve model (argument, $BRIEFING_MODEL, default) and mode ("auto" by endpoint)."""
    url = urlsplit(str(client.base_url))
    endpoint = f"{url.scheme}://{url.hostname}" + (f":{url.port}" if url.port else "")
    if mode == "auto":
        mode = "tools_strict" if url.hostname in OPENAI_HOSTS else "json"
    if mode not in _MODES:
        raise ConfigurationError(f"unknown mode {mode!r}; choose one of auto, {', '.join(_MODES)}")
    chosen = model or os.environ.get(ENV_MODEL) or DEFAULT_MODEL
    if not chosen.strip():
        raise ConfigurationError(f"the model name is empty; pass model=... or set {ENV_MODEL}")
    return Settings(model=chosen, mode_name=cast(ModeName, mode), endpoint=endpoint)
