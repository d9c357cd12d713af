"""The console script's entry point: the command's modules load inside the Ctrl-C guard, so an
interrupt while they import (a second or two on a cold start) ends quietly like any other."""

from __future__ import annotations

import sys
from collections.abc import Sequence

EXIT_INTERRUPTED = 130


def main(argv: Sequence[str] | None = None) -> int:
    try:
        from briefing.cli.main import main as run
    except KeyboardInterrupt:
        print("briefing: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return run(argv)
