"""One exception root, the user's mistakes apart from the model's."""

from __future__ import annotations

from typing import Any


class BriefingError(Exception):
    """Root of every error `briefing` raises on purpose."""


class UserError(BriefingError):
    """Something the caller can fix: the input or the configuration."""


class InputError(UserError, ValueError):
    """The article (text, file or metadata) cannot be briefed as given."""


class ConfigurationError(UserError):
    """No usable client, model or endpoint; the message names the setting to change."""


class ModelError(BriefingError):
    """The model or its endpoint failed to produce a usable briefing."""


class TransportError(ModelError):
    """The endpoint kept failing (rate limits, server errors, timeouts) after the backoff."""

    def __init__(self, message: str, *, attempts: int, status_code: int | None = None) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.status_code = status_code


class OutputError(ModelError):
    """The model's output could not be used (truncated, refused, or not the schema).

    Carries what was spent, so a failed run can still be accounted for.
    """

    def __init__(
        self,
        message: str,
        *,
        attempts: int,
        last_output: str | None,
        usage: Any,
        errors: list[str] | None = None,
    ) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.last_output = last_output
        self.usage = usage
        self.errors = errors or []


class RetriesExhaustedError(OutputError):
    """Every re-ask still failed validation; `errors` holds the last validation errors."""
