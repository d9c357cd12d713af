"""The console script's entry point: the command's modules load inside the Ctrl-C guard, so an
interrupt while they import (a second or two on a cold start) ends quietly like any other.

SIGTERM (`kill`, a job scheduler, a container stopping) ends the command the way Ctrl-C does, so
the same clean-up runs: a local model's server is stopped and its temp folder removed, the batch
log closed. Python's default would end the process at once and leave those behind.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import FrameType

EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 128 + signal.SIGTERM


def main(argv: Sequence[str] | None = None) -> int:
    with _terminate_as_interrupt() as terminated:
        try:
            from briefing.cli.main import main as run

            code = run(argv)
        except KeyboardInterrupt:
            print("briefing: interrupted", file=sys.stderr)
            code = EXIT_INTERRUPTED
    return EXIT_TERMINATED if terminated and code == EXIT_INTERRUPTED else code


@contextmanager
def _terminate_as_interrupt() -> Iterator[list[int]]:
    """While the command runs, SIGTERM raises KeyboardInterrupt in the main thread; the list
    yielded is not empty once it did. A handler someone else installed is left alone."""
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread() or (
        signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    ):
        yield received
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    try:
        yield received
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
