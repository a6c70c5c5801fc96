"""Polars frames handed to DuckDB through Arrow's C stream interface, without pyarrow.

DuckDB reads a registered Polars frame by converting it with pyarrow, and a build needs
pyarrow for nothing else: loading it maps 45 MB of its libraries (libarrow, libparquet and
the rest) into the build's memory, about a tenth of a large build's peak, and its first
conversion of Python values imports pandas as well. arro3's table and stream reader speak the
same C interface that Polars writes and DuckDB reads, so a frame passes from one to the other
without a copy and without either library.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import polars as pl
from arro3.core import RecordBatchReader, Table


@contextmanager
def registered(
    con: duckdb.DuckDBPyConnection, name: str, rows: pl.DataFrame | RecordBatchReader
) -> Iterator[None]:
    """`rows` readable in SQL as `name` while the block runs (a frame as often as needed, a
    stream once)."""
    if isinstance(rows, pl.DataFrame):
        rows = Table.from_arrow(_typed_nulls(rows))
    con.register(name, rows)
    try:
        yield
    finally:
        con.unregister(name)


def _typed_nulls(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with every column of Polars' Null type (no value anywhere, such as a
    `pl.lit(None)`) as an empty text column, which DuckDB casts to its column's type: arro3
    refuses Polars' Null arrays as they are exported."""
    nulls = {name: pl.String for name, dtype in frame.schema.items() if dtype == pl.Null}
    return frame.cast(nulls) if nulls else frame


def frame_stream(schema: pl.Schema, frames: Iterator[pl.DataFrame]) -> RecordBatchReader:
    """The frames as one Arrow stream of `schema`, each made only when DuckDB asks for it: one
    INSERT reads them all while no more than the frame at hand is held."""
    arrow_schema = Table.from_arrow(pl.DataFrame(schema=schema)).schema
    batches = (batch for frame in frames for batch in Table.from_arrow(frame).to_batches())
    return RecordBatchReader.from_batches(arrow_schema, batches)


def query_frame(relation: duckdb.DuckDBPyRelation) -> pl.DataFrame:
    """A query's result as a Polars frame (DuckDB's own `.pl()` goes through pyarrow)."""
    return pl.DataFrame(relation)
