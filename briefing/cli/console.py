"""One console for the command's stderr: notices go through tqdm's `write`, which lifts a
running progress bar, prints the line and redraws the bar, so neither overwrites the other."""

from __future__ import annotations

import sys

from tqdm import tqdm


def say(message: str) -> None:
    """One `briefing: ...` line on stderr."""
    tqdm.write(f"briefing: {message}", file=sys.stderr)
