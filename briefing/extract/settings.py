"""Which client, model and output mode a run uses: explicit arguments first, then env vars.

Every default a run takes (model, mode, retries, timeout) is defined here once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal, get_args
from urllib.parse import urlsplit

import openai

from briefing.errors import ConfigurationError

DEFAULT_MODEL = "gpt-4.1-mini"
DEFAULT_TIMEOUT = 120.0
DEFAULT_MAX_RETRIES = 2
DEFAULT_TRANSPORT_RETRIES = 4
DEFAULT_ARTICLE_TOKENS = 24_000
ENV_KEY = "OPENAI_API_KEY"
ENV_BASE_URL = "OPENAI_BASE_URL"
ENV_MODEL = "BRIEFING_MODEL"
ENV_MODE = "BRIEFING_MODE"
OFFLINE_GUIDE = "docs/offline-models.md"

ModeName = Literal["auto", "tools_strict", "tools", "json_schema", "json", "sections"]
MODES: tuple[ModeName, ...] = get_args(ModeName)
OPENAI_HOSTS = ("api.openai.com",)
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
Client = openai.OpenAI | openai.AsyncOpenAI


@dataclass(frozen=True)
class Settings:
    """The resolved model, mode and endpoint of a run."""

    model: str
    mode_name: ModeName
    endpoint: str


@dataclass(frozen=True)
class Options:
    """How hard to try, per article; checked before any request is made."""

    max_retries: int = DEFAULT_MAX_RETRIES
    transport_retries: int = DEFAULT_TRANSPORT_RETRIES
    temperature: float | None = None
    max_tokens: int | None = None
    timeout: float = DEFAULT_TIMEOUT
    max_article_tokens: int = DEFAULT_ARTICLE_TOKENS

    def __post_init__(self) -> None:
        if not 0 <= self.max_retries <= 10:
            raise ConfigurationError(f"max_retries must be 0 to 10, not {self.max_retries}")
        if not 0 <= self.transport_retries <= 20:
            raise ConfigurationError(
                f"transport_retries must be 0 to 20, not {self.transport_retries}"
            )
        if self.max_article_tokens < 500:
            raise ConfigurationError("max_article_tokens must be at least 500")
        if not self.timeout > 0:
            raise ConfigurationError(
                f"timeout must be a positive number of seconds, not {self.timeout}"
            )
        if self.max_tokens is not None and self.max_tokens < 1:
            raise ConfigurationError(f"max_tokens must be at least 1, not {self.max_tokens}")
        if self.temperature is not None and not 0 <= self.temperature <= 2:
            raise ConfigurationError(f"temperature must be 0 to 2, not {self.temperature}")


def no_endpoint_message() -> str:
    """What to do without an endpoint, naming what each entry point takes."""
    return (
        f"no model endpoint configured. Three ways on: set {ENV_KEY} (OpenAI) or pass "
        "client=...; a local model: generate_brief, agenerate_brief, generate_briefs, "
        "agenerate_briefs and brief_frame take local=True (the default model, "
        "Qwen2.5-Coder-1.5B: `bash scripts/llama-server install` gets it), "
        "local='MODEL.gguf' or local='hf:OWNER/REPO/FILE.gguf' (--local [MODEL] on the "
        f"command line), or {ENV_BASE_URL} pointing at a server such as Ollama (see "
        f"{OFFLINE_GUIDE}); or replay a recorded cassette (replay_brief, or the command line "
        "with no key set)"
    )


def env_configured() -> bool:
    """Whether the environment names an endpoint (a key for OpenAI, or a base URL)."""
    return bool(os.environ.get(ENV_KEY) or os.environ.get(ENV_BASE_URL))


def _env_endpoint() -> tuple[str, str | None]:
    key = os.environ.get(ENV_KEY)
    base_url = os.environ.get(ENV_BASE_URL) or None
    if not key and not base_url:
        raise ConfigurationError(no_endpoint_message())
    return key or "no-key-needed", base_url


def async_client_from_env() -> openai.AsyncOpenAI:
    """A client from OPENAI_API_KEY / OPENAI_BASE_URL; local servers need no key."""
    key, base_url = _env_endpoint()
    return openai.AsyncOpenAI(api_key=key, base_url=base_url, max_retries=0)


def client_from_env() -> openai.OpenAI:
    """The same as a sync client, for the Batch API's file and batch calls."""
    key, base_url = _env_endpoint()
    return openai.OpenAI(api_key=key, base_url=base_url, max_retries=0)


def resolve_model(model: str | None) -> str:
    """The model a run uses: the argument, else $BRIEFING_MODEL, else the default."""
    chosen = model if model is not None else os.environ.get(ENV_MODEL) or DEFAULT_MODEL
    if not chosen.strip():
        raise ConfigurationError(f"the model name is empty; pass model=... or set {ENV_MODEL}")
    return chosen.strip()


def endpoint_of(client: Client) -> str:
    url = urlsplit(str(client.base_url))
    return f"{url.scheme}://{url.hostname}" + (f":{url.port}" if url.port else "")


def resolve_mode(mode: str, endpoint: str) -> ModeName:
    """ "auto" is strict tools on OpenAI; sections on a server on this machine, which is
    most often a small model (see `briefing.extract.sections`); JSON elsewhere (servers vary
    in what they enforce, and JSON with a schema is what most of them do). $BRIEFING_MODE,
    when set, stands in for "auto"."""
    if mode == "auto" and os.environ.get(ENV_MODE, "").strip():
        mode = os.environ[ENV_MODE].strip()
        if mode not in MODES:
            raise ConfigurationError(
                f"{ENV_MODE}={mode!r} is not a mode; choose one of {', '.join(MODES)}"
            )
    if mode == "auto":
        host = urlsplit(endpoint).hostname or ""
        if host in OPENAI_HOSTS:
            return "tools_strict"
        return "sections" if host in LOOPBACK_HOSTS or host.startswith("127.") else "json"
    if mode not in MODES:
        raise ConfigurationError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
    return mode


def settings_for(client: Client, model: str | None, mode: str) -> Settings:
    endpoint = endpoint_of(client)
    return Settings(resolve_model(model), resolve_mode(mode, endpoint), endpoint)
