"""Polars frames reach DuckDB through Arrow's C stream interface (ingest.frames): whole, as a
stream made block by block, and with columns that hold no value at all."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import duckdb
import polars as pl
import pytest

from ingest.frames import frame_stream, query_frame, registered
from ingest.load import create_schema
from ingest.staging import SourceStage


def test_a_registered_frame_is_read_as_often_as_asked_and_then_forgotten() -> None:
    con = duckdb.connect()
    frame = pl.DataFrame({"id": ["a", "b", "c"], "n": [1, 2, None]})
    with registered(con, "incoming", frame):
        assert con.execute("SELECT count(*), sum(n) FROM incoming").fetchone() == (3, 3)
        assert con.execute("SELECT id FROM incoming WHERE n IS NULL").fetchall() == [("c",)]
    with pytest.raises(duckdb.CatalogException):
        con.execute("SELECT * FROM incoming")


def test_a_column_without_any_value_is_stored_as_nulls_of_the_tables_type() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (id VARCHAR, decided_on DATE)")
    frame = pl.DataFrame({"id": ["a", "b"]}).with_columns(pl.lit(None).alias("decided_on"))
    assert frame.schema["decided_on"] == pl.Null
    with registered(con, "incoming", frame):
        con.execute("INSERT INTO t BY NAME SELECT * FROM incoming")
    assert con.execute("SELECT * FROM t ORDER BY id").fetchall() == [("a", None), ("b", None)]


def test_a_stream_makes_each_frame_only_when_duckdb_asks_for_it() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (n INTEGER)")
    made: list[int] = []

    def frames() -> Iterator[pl.DataFrame]:
        for block in range(3):
            made.append(block)
            yield pl.DataFrame({"n": [block * 10 + i for i in range(5)]}, schema={"n": pl.Int32})

    stream = frame_stream(pl.Schema({"n": pl.Int32}), frames())
    with registered(con, "incoming", stream):
        assert made == []
        con.execute("INSERT INTO t SELECT n FROM incoming")
    assert made == [0, 1, 2]
    assert con.execute("SELECT count(*), sum(n) FROM t").fetchone() == (15, 180)


def test_query_frame_keeps_the_types_of_an_empty_result() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (d DATE, seen_at TIMESTAMP, ids VARCHAR[], ok BOOLEAN)")
    schema = query_frame(con.sql("SELECT * FROM t LIMIT 0")).schema
    assert schema == pl.Schema(
        {"d": pl.Date, "seen_at": pl.Datetime("us"), "ids": pl.List(pl.String), "ok": pl.Boolean}
    )


class Unreadable(Exception):
    """Raised by a block that cannot be read, as a register reader would."""


def test_an_error_while_a_table_is_streamed_is_raised_as_it_was_and_stages_nothing() -> None:
    con = duckdb.connect()
    create_schema(con)
    stage = SourceStage(con, "test", dt.datetime(2026, 12, 1))
    staged = stage.new("institutions")
    first = pl.DataFrame(
        {"institution_id": ["i-1"], "name": ["Bürgerrat"], "source_id": ["s"]},
    )

    def blocks() -> Iterator[pl.DataFrame]:
        yield first
        raise Unreadable("row 7: the file ends inside a quoted cell")

    with pytest.raises(Unreadable, match="row 7"):
        stage.stream(staged, blocks())
    assert con.execute(f"SELECT count(*) FROM {staged.name}").fetchone() == (0,)


def test_rows_as_dicts_are_staged_with_the_tables_types() -> None:
    con = duckdb.connect()
    create_schema(con)
    stage = SourceStage(con, "test", dt.datetime(2026, 12, 1))
    # The second row alone has a city: the first gives the column no type.
    rows = [
        {"institution_id": "i-1", "name": "Bürgerrat", "source_id": "s"},
        {"institution_id": "i-2", "name": "Assemblée", "source_id": "s", "city": "Paris"},
    ]
    staged = stage.put("institutions", rows)
    assert con.execute(
        f"SELECT institution_id, city, is_synthetic FROM {staged.name} ORDER BY 1"
    ).fetchall() == [("i-1", None, False), ("i-2", "Paris", False)]
