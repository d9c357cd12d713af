"""One exception root, the user's mistakes apart from the model's or the endpoint's.

    BriefingError
    ├── UserError                  the caller can fix it
    │   ├── InputError             the article (text, file, metadata) cannot be briefed as given
    │   ├── ConfigurationError     no usable client, model, endpoint or option; names the setting
    │   └── StorageError           a file the batch needs (its log) is locked, read-only or full
    ├── ModelError                 the model or its endpoint failed
    │   ├── TransportError         the endpoint kept failing after backoff (429, 5xx, timeouts)
    │   └── OutputError            the output could not be used (cut off, refused, unreadable)
    │       └── RetriesExhaustedError   every re-ask still failed
    ├── BudgetExceededError        a batch's cost or token budget was reached before this article
    └── UnexpectedError            anything else that went wrong with one article; the original
                                   exception is its __cause__

Warnings (a cache that cannot be written, log lines that cannot be read) are `BriefingWarning`s.

Errors from the model carry what was spent (`attempts`, `last_output`, `usage`), so a failed run
can still be accounted for.
"""

from __future__ import annotations

from typing import Any

from briefing.redact import redact


class BriefingError(Exception):
    """Root of every error `briefing` raises on purpose."""


class UserError(BriefingError):
    """Something the caller can fix: the input or the configuration."""


class InputError(UserError, ValueError):
    """The article (text, file or metadata) cannot be briefed as given."""


class ConfigurationError(UserError):
    """No usable client, model, endpoint or option; the message names the setting to change.

    `batch_wide` marks a refusal that no other article of the batch would escape (a rejected
    key, a model the endpoint does not have): a batch stops sending after the first."""

    def __init__(self, message: str, *, batch_wide: bool = False) -> None:
        super().__init__(message)
        self.batch_wide = batch_wide


class StorageError(UserError):
    """A file the batch needs cannot be used: its log is locked by another process, or cannot
    be written (read-only, full disk)."""


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


class UnexpectedError(BriefingError):
    """Something no other error describes stopped one article (a bug, a fault of the machine);
    the original exception is kept as `__cause__`, and the batch goes on."""

    @classmethod
    def wrap(cls, exc: BaseException) -> UnexpectedError:
        text = redact(str(exc)).strip()
        detail = text.splitlines()[0][:200] if text else ""
        error = cls(f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__)
        error.__cause__ = exc
        return error


class BriefingWarning(UserWarning):
    """Something the user should know that costs nothing yet (the cache turned off, log lines
    skipped)."""


def by_name(name: str) -> type[BriefingError]:
    """The error class called `name` (for results read back from a log), else the root."""
    found = globals().get(name)
    return found if isinstance(found, type) and issubclass(found, BriefingError) else BriefingError
