"""One exception root, the user's mistakes apart from the model's or the endpoint's.

    BriefingError
    ├── UserError                  the caller can fix it
    │   ├── InputError             the article (text, file, metadata) cannot be briefed as given
    │   └── ConfigurationError     no usable client, model, endpoint or option; names the setting
    ├── ModelError                 the model or its endpoint failed
    │   ├── TransportError         the endpoint kept failing after backoff (429, 5xx, timeouts)
    │   └── OutputError            the output could not be used (cut off, refused, unreadable)
    │       └── RetriesExhaustedError   every re-ask still failed
    └── BudgetExceededError        a batch's cost or token budget was reached before this article

Errors from the model carry what was spent (`attempts`, `last_output`, `usage`), so a failed run
can still be accounted for.
"""

from __future__ import annotations

from typing import Any


class BriefingError(Exception):
    """Root of every error `briefing` raises on purpose."""


class UserError(BriefingError):
    """Something the caller can fix: the input or the configuration."""


class InputError(UserError, ValueError):
    """The article (text, file or metadata) cannot be briefed as given."""


class ConfigurationError(UserError):
    """No usable client, model, endpoint or option; the message names the setting to change."""


class ModelError(BriefingError):
    """The model or its endpoint failed to produce a usable briefing."""


class TransportError(ModelError):
    """The endpoint kept failing (rate limits, server errors, timeouts) after the backoff."""

    def __init__(self, message: str, *, attempts: int = 0, status_code: int | None = None) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.status_code = status_code


class OutputError(ModelError):
    """The model's output could not be used (truncated, refused, or unreadable)."""

    def __init__(
        self,
        message: str,
        *,
        attempts: int = 0,
        last_output: str | None = None,
        usage: Any = None,
        errors: list[str] | None = None,
    ) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.last_output = last_output
        self.usage = usage
        self.errors = errors or []


class RetriesExhaustedError(OutputError):
    """Every re-ask still failed; `errors` holds the last problems."""


class BudgetExceededError(BriefingError):
    """The batch's cost or token budget was reached before this article was started."""


def by_name(name: str) -> type[BriefingError]:
    """The error class called `name` (for results read back from a log), else the root."""
    found = globals().get(name)
    return found if isinstance(found, type) and issubclass(found, BriefingError) else BriefingError
