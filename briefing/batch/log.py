"""The resumable JSONL log of a batch: one line per finished article, appended and synced to
disk as it finishes.

One writer at a time: opening takes an exclusive lock on the log, and a second opener gets a
`StorageError` naming the process that holds it. An open log is only appended to, never
rewritten. The reader trusts no line: a line that is not a record is skipped and counted (one
warning says how many), the lines after it still count, and an article's last record wins.
Only a Brief counts as done: an error of any kind is tried again by the rerun (a load error
costs nothing to repeat, and a fixed file must not stay failed). A torn last line, which only
a power cut can leave, is cut off before the first append.
"""

from __future__ import annotations

import contextlib
import json
import os
import warnings
from pathlib import Path
from typing import Any

from briefing.errors import BriefingError, BriefingWarning, StorageError
from briefing.models import Brief
from briefing.redact import redact

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; one writer is the user's to keep
    fcntl = None  # type: ignore[assignment]


class ResultLog:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.done: dict[str, dict[str, Any]] = {}
        self.skipped = 0
        self._owner = self.path.with_name(f".{self.path.name}.owner")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        except OSError as exc:
            raise StorageError(f"the log {self.path} cannot be opened: {_why(exc)}") from None
        try:
            self._lock()
            self._load()
        except BaseException:
            os.close(self._fd)
            raise

    def _lock(self) -> None:
        if fcntl is None:
            return
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                holder = self._owner.read_text(encoding="utf-8").strip() or "another process"
            except OSError:
                holder = "another process"
            raise StorageError(
                f"the log {self.path} is being written by {holder}; wait for that batch to "
                "end (it resumes from the same log), or give this one another output"
            ) from None
        with contextlib.suppress(OSError):  # only the message above reads it
            self._owner.write_text(f"process {os.getpid()}\n", encoding="utf-8")

    def _load(self) -> None:
        raw = _read_all(self._fd)
        if raw and not raw.endswith(b"\n"):  # a torn last line: cut it, we hold the lock
            os.ftruncate(self._fd, raw.rfind(b"\n") + 1)
            raw = raw[: raw.rfind(b"\n") + 1]
            self.skipped += 1
        for line in raw.splitlines():
            record = _record(line)
            if record is None:
                self.skipped += line.strip() != b""
                continue
            if record["status"] == "ok":
                self.done[record["key"]] = record
            else:
                self.done.pop(record["key"], None)
        if self.skipped:
            warnings.warn(
                f"{self.path}: skipped {self.skipped} line(s) that are not results of a batch; "
                "their articles are briefed again",
                BriefingWarning,
                stacklevel=4,
            )

    def write(
        self, key: str, source: str, brief: Brief | None, error: BriefingError | None
    ) -> None:
        """Append one result and sync it to disk; raises OSError if the disk refuses."""
        record: dict[str, Any] = {"key": key, "source": source}
        if brief is not None:
            record["status"] = "ok"
            record["brief"] = json.loads(brief.to_json(indent=None))
        else:
            record["status"] = "error"
            record["error"] = {"type": type(error).__name__, "message": redact(str(error))}
        data = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8", "surrogatepass")
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view) :]
        os.fsync(self._fd)
        if brief is not None:
            self.done[key] = record

    def close(self) -> None:
        if self._fd < 0:
            return
        with contextlib.suppress(OSError):
            self._owner.unlink(missing_ok=True)
        os.close(self._fd)  # releases the lock
        self._fd = -1


def read_back(record: dict[str, Any]) -> Brief | None:
    """A logged Brief, or None when the line holds something that is not one (a foreign or
    older line): the article is briefed again."""
    try:
        return Brief.model_validate(record["brief"])
    except (ValueError, TypeError, KeyError):
        return None


def _record(line: bytes) -> dict[str, Any] | None:
    try:
        record = json.loads(line)
    except ValueError:
        return None
    if not isinstance(record, dict) or not isinstance(record.get("key"), str):
        return None
    if record.get("status") == "ok" and isinstance(record.get("brief"), dict):
        return record
    error = record.get("error")
    if record.get("status") == "error" and isinstance(error, dict):
        return record
    return None


def _read_all(fd: int) -> bytes:
    chunks = []
    offset = 0
    while chunk := os.pread(fd, 1 << 20, offset):
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks)


def _why(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__
