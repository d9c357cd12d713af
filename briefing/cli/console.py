"""One console for the command's stderr: notices go through tqdm's `write`, which lifts a
running progress bar, prints the line and redraws the bar, so neither overwrites the other."""

from __future__ import annotations

import contextlib
import sys
import warnings
from collections.abc import Iterator
from typing import Any, TextIO

from tqdm import tqdm

from briefing.errors import BriefingWarning


def say(message: str) -> None:
    """One `briefing: ...` line on stderr."""
    tqdm.write(f"briefing: {message}", file=sys.stderr)


@contextlib.contextmanager
def warnings_as_notices() -> Iterator[None]:
    """The library's warnings (the cache turned off, log lines skipped) as `briefing: warning:`
    lines, each once; other warnings as Python shows them."""
    shown = warnings.showwarning

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> Any:
        if issubclass(category, BriefingWarning):
            say(f"warning: {message}")
            return None
        return shown(message, category, filename, lineno, file, line)

    with warnings.catch_warnings():
        warnings.simplefilter("once", BriefingWarning)
        warnings.showwarning = show
        yield
