"""What a GGUF file says about itself: its `general.*` metadata (name, licence, ...).

A GGUF file starts with key-value metadata before its tensors; the licence a model is published
under is there (`general.license`, and for some `general.license.link`). Only the header is read,
and the tokenizer's long arrays are skipped without being decoded.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import BinaryIO

from briefing.errors import InputError

_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q",
            11: "<q", 12: "<d"}  # fmt: skip
_STRING, _ARRAY = 8, 9


def _read(f: BinaryIO, size: int) -> bytes:
    data = f.read(size)
    if len(data) != size:
        raise EOFError
    return data


def _u(f: BinaryIO, fmt: str) -> int:
    value: int = struct.unpack(fmt, _read(f, struct.calcsize(fmt)))[0]
    return value


def _string(f: BinaryIO) -> str:
    return _read(f, _u(f, "<Q")).decode("utf-8", errors="replace")


def _value(f: BinaryIO, kind: int, keep: bool) -> object:
    if kind in _SCALARS:
        fmt = _SCALARS[kind]
        value: object = struct.unpack(fmt, _read(f, struct.calcsize(fmt)))[0]
        return value
    if kind == _STRING:
        return _string(f)
    if kind == _ARRAY:
        inner, count = _u(f, "<I"), _u(f, "<Q")
        if inner in _SCALARS and not keep:
            f.seek(struct.calcsize(_SCALARS[inner]) * count, os.SEEK_CUR)
            return None
        values = [_value(f, inner, keep) for _ in range(count)]
        return values if keep else None
    raise ValueError(f"unknown GGUF value type {kind}")


def gguf_metadata(path: str | os.PathLike[str], prefix: str = "general.") -> dict[str, object]:
    """The metadata of a GGUF file whose keys start with `prefix` (others are skipped)."""
    with Path(path).open("rb") as f:
        try:
            if _read(f, 4) != b"GGUF":
                raise InputError(f"{path}: not a GGUF file (llama.cpp's format)")
            version = _u(f, "<I")
            if version < 2:
                raise InputError(f"{path}: GGUF version {version} is too old to read")
            _u(f, "<Q")  # tensor count
            found: dict[str, object] = {}
            for _ in range(_u(f, "<Q")):
                key = _string(f)
                keep = key.startswith(prefix)
                value = _value(f, _u(f, "<I"), keep)
                if keep:
                    found[key] = value
            return found
        except (EOFError, ValueError, struct.error) as exc:
            raise InputError(
                f"{path}: its GGUF header cannot be read ({exc or 'cut short'})"
            ) from None


def licence_of(path: str | os.PathLike[str]) -> str | None:
    """The licence the file names (`general.license`, with its link when given), or None."""
    meta = gguf_metadata(path)
    name, link = meta.get("general.license"), meta.get("general.license.link")
    if not isinstance(name, str) or not name.strip():
        return None
    return f"{name} ({link})" if isinstance(link, str) and link else name
