"""What `-o` and `-f` mean, the same in every command that writes briefings or digests, and
the option types and wording those commands share.

- `-o PATH.md`, `.html` or `.json` (`.markdown`, `.htm`, `.jsonl`): a file, and its extension
  gives the format; a `-f` that says otherwise is refused.
- `-o PATH/`, an existing folder, or a PATH without an extension that does not exist yet: a
  folder, created when something is written into it.
- `-o PATH.txt` or an existing file without an extension (`/dev/stdout`): a file in the format
  `-f` gives (Markdown by default).
- Any other extension (`-o x.pdf`) is refused before any request, naming the formats.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
from pathlib import Path
from typing import Any

from briefing.errors import UserError

FORMATS = ("md", "html", "json")
FORMAT_NAMES = {"md": "Markdown", "html": "HTML", "json": "JSON"}
FORMAT_OF = {
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".json": "json",
    ".jsonl": "json",
}
ANY_FORMAT = (".txt",)


class UsageError(UserError):
    """A command-line mistake."""


def plural(count: int, noun: str, many: str | None = None) -> str:
    """`1 agreement`, `2 agreements`, `0 articles`: a count with its noun."""
    return f"{count:,} {noun if count == 1 else many or noun + 's'}"


def iso_date(value: str) -> dt.date:
    """An argparse type: a calendar date written YYYY-MM-DD."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            raise ValueError
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a calendar date in YYYY-MM-DD form"
        ) from None


def add_output_options(group: Any, *, what: str, folder_help: str) -> None:
    """-f/--format and -o/--output on a parser or argument group, with the same names,
    choices and help in every command."""
    group.add_argument(
        "-f",
        "--format",
        choices=FORMATS,
        help="output format: md (Markdown), html or json (default: from -o's extension, else md)",
    )
    group.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        help=f"write {what} to PATH.md, PATH.html or PATH.json (the extension gives the "
        f"format), or into the folder PATH/ (created if missing): {folder_help}",
    )


def resolve_output(options: argparse.Namespace) -> None:
    """Check -o and -f before any request, and settle them: `options.output` becomes a Path
    (or None), `options.output_folder` whether it names a folder, and `options.format` the
    format to write."""
    raw: str | Path | None = options.output
    chosen: str | None = options.format
    options.output_folder = False
    if raw is None:
        options.format = chosen or "md"
        return
    text = str(raw)
    if not text.strip():
        raise UsageError("-o: the path is empty")
    path = Path(text)
    suffix = path.suffix.lower()
    folder = text.endswith(("/", os.sep)) or path.is_dir() or (not suffix and not path.exists())
    if folder:
        if path.exists() and not path.is_dir():
            raise UsageError(f"-o {text}: {path} is a file, not a folder")
    elif suffix in FORMAT_OF:
        implied = FORMAT_OF[suffix]
        if chosen is not None and chosen != implied:
            raise UsageError(
                f"-o {text} names a {FORMAT_NAMES[implied]} file but -f {chosen} was given; "
                f"drop -f (the extension gives the format) or name a .{chosen} file"
            )
        chosen = implied
    elif suffix and suffix not in ANY_FORMAT:
        extensions = ", ".join(FORMAT_OF)
        raise UsageError(
            f"-o {text}: {suffix} is not a format briefing writes; it writes Markdown, HTML or "
            f"JSON ({extensions}), or into a folder (-o FOLDER/)"
        )
    parent = path if folder else path.parent
    for above in [parent, *parent.parents]:
        if above.exists():
            if not above.is_dir():
                raise UsageError(f"-o {text}: {above} is a file, not a folder")
            break
    options.output, options.output_folder, options.format = path, folder, chosen or "md"
