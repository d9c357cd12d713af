"""The installed version of briefing, recorded in every Brief and in cache keys."""

from __future__ import annotations

import functools
from importlib.metadata import PackageNotFoundError, version

# The import name stays `briefing`; the PyPI project named "briefing" is someone else's.
DISTRIBUTION = "grounded-briefing"


@functools.cache
def library_version() -> str:
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return "0+unknown"
