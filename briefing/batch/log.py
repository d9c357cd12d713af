"""The resumable JSONL log of a batch: one line per finished article, flushed as it finishes.

On open, a torn last line (a crash mid-write) is cut off. Briefs and input errors count as
done and are skipped by the rerun; other errors (an endpoint that was down, a key that was
wrong) are taken out of the log so the rerun tries those articles again, and the log keeps
exactly one line per article. A failure read back keeps its type.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from briefing.errors import BriefingError, by_name
from briefing.models import Brief

FINAL_ERRORS = ("InputError",)


class ResultLog:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.done: dict[str, dict[str, Any]] = {}
        if self.path.exists():
            self._load()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("a", encoding="utf-8")

    def _load(self) -> None:
        kept: list[bytes] = []
        for line in self.path.read_bytes().splitlines(keepends=True):
            try:
                record = json.loads(line)
            except ValueError:
                break
            if not line.endswith(b"\n"):
                break
            if record["status"] == "ok" or record["error"]["type"] in FINAL_ERRORS:
                self.done[record["key"]] = record
                kept.append(line)
        partial = self.path.with_name(f".{self.path.name}.partial")
        partial.write_bytes(b"".join(kept))
        os.replace(partial, self.path)

    def write(
        self, key: str, source: str, brief: Brief | None, error: BriefingError | None
    ) -> None:
        record: dict[str, Any] = {"key": key, "source": source}
        if brief is not None:
            record["status"] = "ok"
            record["brief"] = json.loads(brief.to_json(indent=None))
        else:
            record["status"] = "error"
            record["error"] = {"type": type(error).__name__, "message": str(error)}
        self._file.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())
        self.done[key] = record

    def close(self) -> None:
        self._file.close()


def read_back(record: dict[str, Any]) -> tuple[Brief | None, BriefingError | None]:
    """A logged result: its Brief, or its error as the same class with the same message."""
    if record["status"] == "ok":
        return Brief.model_validate(record["brief"]), None
    error = record["error"]
    return None, by_name(error["type"])(f"{error['message']} (from an earlier run)")
