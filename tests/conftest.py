"""Shared fixtures. Tests never reach the network: sockets may only connect to loopback."""

from __future__ import annotations

import json
import socket
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from briefing import Article, load_article

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
CASSETTES = ROOT / "cassettes"
FIRST_SEED = ROOT / "seeds" / "000_b6e8438b54aa0c6d.txt"
_LOOPBACK = ("127.", "::1", "localhost")


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else str(address)
        if self.family != socket.AF_UNIX and not str(host).startswith(_LOOPBACK):
            raise OSError(f"test tried to reach the network ({address!r}); use a cassette")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    for name in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "BRIEFING_MODEL",
        "BRIEFING_MODE",
        "BRIEFING_CASSETTE_DIR",
    ):
        monkeypatch.delenv(name, raising=False)
    yield


def recorder(waits: list[float]) -> Callable[[float], Awaitable[None]]:
    """A backoff pause that records its length instead of waiting (a fake clock)."""

    async def pause(seconds: float) -> None:
        waits.append(seconds)

    return pause


@pytest.fixture(autouse=True)
def _no_real_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Backoff is behaviour, not time: tests never sleep through it."""
    monkeypatch.setattr("briefing.extract.call.sleep", recorder([]))


@pytest.fixture(autouse=True)
def _private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test reads or fills the user's real cache."""
    monkeypatch.setenv("BRIEFING_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


def authored(stem: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CASSETTES / "authored" / f"{stem}.json").read_text())
    return data


@pytest.fixture
def first_article() -> Article:
    return load_article(FIRST_SEED)


@pytest.fixture
def first_payload() -> dict[str, Any]:
    return authored(FIRST_SEED.stem)


TWO_SEEDS = ("000_b6e8438b54aa0c6d", "012_uk-us-diplomatic-immunity-sacoolas")


@pytest.fixture(scope="module")
def cassettes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Cassettes of TWO_SEEDS authored afresh from their reply files, as
    `briefing cassettes author` writes them."""
    from briefing.replay.cassettes import author

    folder = tmp_path_factory.mktemp("cassettes")
    for seed in TWO_SEEDS:
        reply = CASSETTES / "authored" / f"{seed}.json"
        author(ROOT / "seeds" / f"{seed}.txt", reply, folder / f"{seed}.yaml")
    return folder
