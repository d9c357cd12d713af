"""Secrets never leave in text: not in an error message, a log line, a cassette or `doctor`.

The keys the library was configured with are redacted by value, whatever their shape (`sk-...`,
`gsk_...`, 32 hex digits); key-shaped text and credentials written into a URL are redacted too,
for keys this process never saw (a server echoing another one).
"""

from __future__ import annotations

import re
import threading

_known: set[str] = set()
_lock = threading.Lock()

MIN_SECRET = 8  # shorter "keys" ("x", "none" for local servers) would mangle ordinary words

_KEY_SHAPED = re.compile(r"(sk-[A-Za-z0-9_*-]{8,}|Bearer\s+\S+|key[=:]\s*\S{8,})", re.IGNORECASE)
_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/@\s:]+(?::[^/@\s]*)?@", re.I)


def remember(secret: str | None) -> None:
    """Redact `secret` by value from now on (the configured API key)."""
    if secret and len(secret) >= MIN_SECRET:
        with _lock:
            _known.add(secret)


def redact(text: str) -> str:
    """`text` with every known secret, key-shaped token and URL credential replaced."""
    with _lock:
        known = sorted(_known, key=len, reverse=True)
    for secret in known:
        text = text.replace(secret, "[redacted]")
    text = _URL_CREDENTIALS.sub(r"\g<scheme>[redacted]@", text)
    return _KEY_SHAPED.sub("[redacted]", text)
