"""The fixed columns of a briefed frame, as a pyarrow schema.

Engines need the output schema before they see a row (Spark's `mapInPandas` takes it up
front, Ray's typed batches check it), so every frame `brief_frame` or `BriefMapper` returns
has exactly these columns, in this order, whatever happened to its rows. The pandas columns
are `pandas.ArrowDtype` of these types, so `pyarrow.Table.from_pandas(frame)` gives this
schema back without any guessing (an all-null column stays a string column).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import pyarrow as pa

Kind = Literal["string", "bool", "int64", "float64"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    nullable: bool
    doc: str


COLUMNS: tuple[Column, ...] = (
    Column("key", "string", True, "Article.key of the row's article; null if none could be made"),
    Column("ok", "bool", False, "whether the row has a Brief"),
    Column("headline", "string", True, "the Brief's headline"),
    Column("key_points", "int64", False, "key points in the Brief (0 for an error row)"),
    Column("agreements", "int64", False, "agreements in the Brief"),
    Column("officials", "int64", False, "officials in the Brief"),
    Column("claims", "int64", False, "claims in the Brief"),
    Column("unverified", "int64", False, "items proposed but not grounded (record.unverified)"),
    Column("prompt_tokens", "int64", False, "prompt tokens this run spent on the row"),
    Column("completion_tokens", "int64", False, "completion tokens this run spent on the row"),
    Column("total_tokens", "int64", False, "tokens this run spent (0 for a cache hit)"),
    Column("cached_tokens", "int64", False, "prompt tokens the endpoint served from its cache"),
    Column("cost_usd", "float64", True, "US dollars this run spent, at briefing.PRICES"),
    Column("model", "string", True, "the model that answered (or would have)"),
    Column("from_cache", "bool", False, "answered from the disk cache: nothing spent"),
    Column("seconds", "float64", False, "seconds the row's requests took"),
    Column("error_type", "string", True, "the BriefingError's class name, for an error row"),
    Column("error_message", "string", True, "the error's message, for an error row"),
    Column("brief", "string", True, "the Brief as JSON (Brief.from_json reads it back)"),
)
COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS)


def _arrow_type(kind: Kind) -> Any:
    import pyarrow as pa

    return {"string": pa.string(), "bool": pa.bool_(), "int64": pa.int64(),
            "float64": pa.float64()}[kind]  # fmt: skip


def frame_schema() -> pa.Schema:
    """The pyarrow schema of every briefed frame (for Spark: `from_arrow_schema` of it)."""
    import pyarrow as pa

    return pa.schema([pa.field(c.name, _arrow_type(c.kind), nullable=c.nullable) for c in COLUMNS])


def to_frame(rows: list[dict[str, Any]], index: Any = None) -> Any:
    """The rows as a DataFrame of the schema's ArrowDtype columns, on `index` if given."""
    import pandas as pd
    import pyarrow as pa

    table = pa.Table.from_pylist(rows, schema=frame_schema())
    frame = table.to_pandas(types_mapper=pd.ArrowDtype)
    if index is not None:
        frame.index = index
    return frame
