"""Validated rows staged in DuckDB as they are produced, instead of held in Python.

A million status events are a few hundred megabytes as Python or Polars objects, and
holding every table of every source until the merge made a build's memory grow with the
register. Here each validated block is appended to a temporary table of the snapshot being
built (DuckDB keeps it within its memory limit and spills the rest to disk) and then
dropped; duplicates across blocks and references between tables are found in SQL over the
staged rows, and only the rows found wrong come back to Python, to be worded by the same
code as before. The merge reads each staged table as its `incoming` rows. In a first build,
where the snapshot holds no row of a table yet, the table is staged in place instead, and
the merge renames it into the canonical one (SourceStage.new).

Table and column names in the SQL below come from our own schema and register format,
never from input; every value is a bound parameter or a registered frame.
"""

from __future__ import annotations

import datetime as dt
import queue
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import duckdb
import polars as pl

from ingest.columnar import EVENT_ID_SQL, EVENT_PAYLOAD
from ingest.frames import frame_stream, query_frame, registered
from ingest.records import CanonicalRows
from ingest.register_format import TABLE_ORDER, register_columns
from ingest.validate import (
    ID_COLUMNS,
    LABELLED_COLUMNS,
    reference_problems,
    row_identity,
)

T = TypeVar("T")
# Columns a staged row may lack, filled as the merge always filled them.
STAGED_DEFAULTS = {"is_synthetic": False}
# Rows converted to Arrow per INSERT: a whole-frame copy would double a large frame.
STAGE_SLICE_ROWS = 250_000
BOOKKEEPING_COLUMNS = ("source_ref", "first_run_id", "changed_run_id", "withdrawn_run_id")


@dataclass
class StagedTable:
    """One canonical table of one source, validated and waiting in DuckDB for the merge."""

    name: str  # the staged table: temporary, or in the snapshot when `in_place`
    table: str  # the canonical table it will be merged into
    rows: int = 0
    # Staged as a table of the snapshot itself, shaped and filled as the canonical table
    # would be (see SourceStage.new): the merge can make it that table instead of copying it.
    in_place: bool = False
    # The canonical columns in the order validation gives them: a rejected row's raw JSON
    # lists them in that order, as it did when the row was a dict.
    columns: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return self.rows


def canonical_order(table: str, observed: bool) -> list[str]:
    """The canonical columns of a table in the order validation builds a row."""
    order: list[str] = []
    for spec in register_columns()[table]:
        labelled = LABELLED_COLUMNS.get((table, spec.name))
        if labelled:
            order.extend(labelled)
        elif spec.type == "date":
            order.extend([spec.name, f"{spec.name}_precision"])
        else:
            order.append(spec.name)
    order += ["source_id", "source_ref"]
    if table == "status_events":
        order += ["origin", "slot_key", *(["observed_at"] if observed else []), "event_id"]
    elif ID_COLUMNS[table] not in order:
        order.append(ID_COLUMNS[table])
    return order


def key_column(table: str) -> str:
    """The column that identifies a row within one source: its slot for a listed event."""
    return "slot_key" if table == "status_events" else ID_COLUMNS[table]


class SourceStage:
    """Where one source's validated rows go, table by table."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        prefix: str,
        observed_at: dt.datetime,
        observed: bool = False,
        run_id: int | None = None,
    ) -> None:
        self.con = con
        self.prefix = prefix
        # The run the rows will be merged in: given, a table the snapshot does not hold yet
        # is staged in place.
        self.run_id = run_id
        # What a status event's observed_at is when its source gives none: the build's time.
        self.observed_at = observed_at
        self.observed = observed
        self._targets: dict[str, list[str]] = {}  # each staged table's insertable columns
        self._types: dict[str, pl.Schema] = {}  # and their types, as Polars names them

    def new(self, table: str) -> StagedTable:
        """An empty staged table. When the snapshot holds no row of the canonical table yet
        (a first build), it is staged in place: a table of the snapshot with the canonical
        table's own definition and this run as every row's first, so the merge renames it
        instead of copying every row once more (a million status events took 2 s to copy).
        Otherwise a temporary table, which nothing leaves in the snapshot."""
        name = f"staged_{self.prefix}_{table}"
        self.con.execute(f"DROP TABLE IF EXISTS {name}")
        columns = canonical_order(table, self.observed)
        definition = self._definition(table) if self.run_id is not None else None
        if definition is not None and is_empty(self.con, table):
            self.con.execute(f"CREATE TABLE {name}{definition}")
            return StagedTable(name, table, columns=columns, in_place=True)
        self.con.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM main.{table} LIMIT 0")  # noqa: S608
        return StagedTable(name, table, columns=columns)

    def _definition(self, table: str) -> str | None:
        """The canonical table's column list and constraints, as DuckDB keeps its definition."""
        sql = self.con.execute(
            "SELECT sql FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = 'main' AND table_name = ?",
            [table],
        ).fetchone()
        prefix = f"CREATE TABLE {table}("
        if not sql or not sql[0].startswith(prefix):
            return None
        return sql[0][len(prefix) - 1 :].rstrip().rstrip(";")

    def put(self, table: str, rows: list[dict[str, Any]] | pl.DataFrame) -> StagedTable:
        """Stage a whole validated table (a frame or the row-by-row path's dicts)."""
        staged = self.new(table)
        self.append(staged, rows)
        return staged

    def append(self, staged: StagedTable, rows: list[dict[str, Any]] | pl.DataFrame) -> None:
        if len(rows) == 0:
            return
        columns = self._columns(staged)
        types = self._column_types(staged)
        defaults = self._defaults(staged)
        if isinstance(rows, pl.DataFrame):
            for part in rows.iter_slices(STAGE_SLICE_ROWS):
                # One Arrow chunk: DuckDB reads many small chunks far more slowly.
                self._insert(staged, columns, _complete(part, columns, defaults).cast(types))
        else:
            # Typed like the staged table: a column that no row fills has no type of its own.
            complete = [{c: row.get(c, defaults.get(c)) for c in columns} for row in rows]
            frame = pl.DataFrame(complete, infer_schema_length=None).cast(types)
            self._insert(staged, columns, frame)
        staged.rows += len(rows)

    def stream(self, staged: StagedTable, frames: Iterator[pl.DataFrame]) -> None:
        """Stage the frames of a table read block by block, as they are produced, in one
        INSERT that reads them as an Arrow stream. Status events come with the payload their
        id is the hash of (EVENT_PAYLOAD), which the INSERT hashes: no round trip per block.

        DuckDB stores rows in groups of 122 880; an INSERT per 4 MB block starts and ends
        inside a group, which cost several times more per row (a million status events took
        1.8 s that way, 0.7 s in one INSERT), and holding blocks back until they fill whole
        groups held a hundred megabytes more. DuckDB pulls each block when it needs it, and
        the next one is validated meanwhile (prefetched), so two blocks are held at most. An
        error raised while producing the frames is raised again as it was, and nothing is
        staged.
        """
        columns = self._columns(staged)
        defaults = self._defaults(staged)
        types = pl.Schema(self._column_types(staged))
        selected = {c: f'"{c}"' for c in columns}
        if staged.table == "status_events":
            del types["event_id"]
            types[EVENT_PAYLOAD] = pl.String()
            selected["event_id"] = EVENT_ID_SQL
        failures: list[BaseException] = []
        # Each block validated while DuckDB stores the one before.
        blocks = prefetched(frames)

        def completed() -> Iterator[pl.DataFrame]:
            try:
                for frame in blocks:
                    staged.rows += frame.height
                    yield _complete(frame, list(types), defaults).cast(types)
            except BaseException as error:
                failures.append(error)
                raise

        try:
            with registered(self.con, "staging_arrow", frame_stream(types, completed())):
                self.con.execute(
                    f"INSERT INTO {staged.name} ({_names(list(selected))}) "  # noqa: S608
                    f"SELECT {', '.join(selected.values())} FROM staging_arrow"
                )
        except duckdb.Error:
            if failures:
                raise failures[0] from None
            raise
        finally:
            blocks.close()

    def _columns(self, staged: StagedTable) -> list[str]:
        if staged.name in self._targets:
            return self._targets[staged.name]
        target = [
            r[0]
            for r in self.con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
                "AND schema_name = 'main' AND database_name = "
                "(CASE WHEN ? THEN current_database() ELSE 'temp' END) ORDER BY column_index",
                [staged.name, staged.in_place],
            ).fetchall()
        ]
        # A row staged in place is merged in this run: its first and last change.
        left_out = BOOKKEEPING_COLUMNS[3:] if staged.in_place else BOOKKEEPING_COLUMNS[1:]
        self._targets[staged.name] = [c for c in target if c not in left_out]
        return self._targets[staged.name]

    def _column_types(self, staged: StagedTable) -> pl.Schema:
        if staged.name not in self._types:
            names = _names(self._columns(staged))
            empty = self.con.sql(f"SELECT {names} FROM {staged.name} LIMIT 0")  # noqa: S608
            self._types[staged.name] = query_frame(empty).schema
        return self._types[staged.name]

    def _defaults(self, staged: StagedTable) -> dict[str, Any]:
        defaults: dict[str, Any] = dict(STAGED_DEFAULTS)
        if staged.table == "status_events":
            defaults["observed_at"] = self.observed_at
        if staged.in_place:
            defaults["first_run_id"] = defaults["changed_run_id"] = self.run_id
        return defaults

    def _insert(self, staged: StagedTable, columns: list[str], rows: pl.DataFrame) -> None:
        names = _names(columns)
        with registered(self.con, "staging_arrow", rows):
            self.con.execute(
                f"INSERT INTO {staged.name} ({names}) SELECT {names} FROM staging_arrow"  # noqa: S608
            )


def prefetched(items: Iterator[T]) -> Iterator[T]:
    """The items, each produced in a thread of its own while the caller uses the one before.

    Validating a block is Polars' work and storing one is DuckDB's, and both let go of the
    interpreter while they work: one block ahead, the two run side by side on two cores
    instead of taking turns. An error raised producing an item is raised here, in order;
    a caller that stops early stops the producer at its next item.
    """
    ready: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        ready.put(("item", item), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            ready.put(("done", None))
        except BaseException as error:  # handed to the consumer, raised there
            ready.put(("error", error))

    producer = threading.Thread(target=produce, name="uptake-prefetch", daemon=True)
    producer.start()
    try:
        while True:
            kind, value = ready.get()
            if kind == "done":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        while producer.is_alive():
            try:
                ready.get(timeout=0.1)
            except queue.Empty:
                continue
        producer.join()


def id_frame(ids: Iterable[str]) -> pl.DataFrame:
    """Ids as a one-column frame to register with DuckDB (ingest.frames.registered), sorted."""
    return pl.DataFrame({"id": sorted(ids)}, schema={"id": pl.String})


def is_empty(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether the snapshot being built holds no row of a canonical table."""
    # The name comes from our schema, never from input.
    return con.execute(f"SELECT NOT EXISTS (FROM main.{table})").fetchone()[0]


def drop_leftover_stages(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the tables staged in place that no merge made canonical (a table the merge
    skipped), so the snapshot holds none of them."""
    for (name,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND starts_with(table_name, 'staged_')"
    ).fetchall():
        con.execute(f'DROP TABLE main."{name}"')


def _names(columns: list[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def _complete(frame: pl.DataFrame, columns: list[str], defaults: dict[str, Any]) -> pl.DataFrame:
    """The staged table's columns in its order, a missing one filled with its default, in one
    chunk."""
    return frame.select(
        pl.col(c) if c in frame.columns else pl.lit(defaults.get(c)).alias(c) for c in columns
    ).rechunk()


def fetch_rows(
    con: duckdb.DuckDBPyConnection, staged: StagedTable, where: str, params: list[Any]
) -> list[tuple[int, dict[str, Any]]]:
    """Staged rows matching `where` (in staging order) as (rowid, the canonical dict)."""
    names = ", ".join(f'"{c}"' for c in staged.columns)
    result = con.execute(
        f"SELECT rowid, {names} FROM {staged.name} WHERE {where} ORDER BY rowid",  # noqa: S608
        params,
    )
    rows = result.fetchall()
    return [
        (
            row[0],
            {c: v for c, v in zip(staged.columns, row[1:], strict=True) if v is not None},
        )
        for row in rows
    ]


def delete_rows(con: duckdb.DuckDBPyConnection, staged: StagedTable, rowids: list[int]) -> None:
    if not rowids:
        return
    with registered(con, "doomed_rows", pl.DataFrame({"id": rowids}, schema={"id": pl.Int64})):
        deleted = con.execute(
            f"DELETE FROM {staged.name} WHERE rowid IN (SELECT id FROM doomed_rows)"  # noqa: S608
        ).fetchone()[0]
    staged.rows -= deleted


def duplicate_rows(
    con: duckdb.DuckDBPyConnection, staged: StagedTable
) -> list[tuple[str, str, str]]:
    """Rows whose key an earlier staged row already has: (key, its ref, the first row's ref),
    in file order. Rows are staged in file order, so the earliest rowid is the first row."""
    key = key_column(staged.table)
    return con.execute(
        f"""WITH twice AS (
                SELECT "{key}" AS k FROM {staged.name} GROUP BY "{key}" HAVING count(*) > 1
            ),
            ranked AS (
                SELECT "{key}" AS k, source_ref, rowid AS position,
                       first_value(source_ref) OVER (PARTITION BY "{key}" ORDER BY rowid)
                           AS first_ref,
                       row_number() OVER (PARTITION BY "{key}" ORDER BY rowid) AS n
                FROM {staged.name} WHERE "{key}" IN (SELECT k FROM twice)
            )
            SELECT k, source_ref, first_ref FROM ranked WHERE n > 1 ORDER BY position"""  # noqa: S608
    ).fetchall()


def drop_duplicates(con: duckdb.DuckDBPyConnection, staged: StagedTable) -> None:
    """Remove the staged rows duplicate_rows named."""
    key = key_column(staged.table)
    deleted = con.execute(
        f"""DELETE FROM {staged.name} WHERE rowid IN (
                SELECT rowid FROM (
                    SELECT rowid, row_number() OVER (PARTITION BY "{key}" ORDER BY rowid) AS n
                    FROM {staged.name}
                    WHERE "{key}" IN (SELECT "{key}" FROM {staged.name}
                                      GROUP BY "{key}" HAVING count(*) > 1)
                ) WHERE n > 1)"""  # noqa: S608
    ).fetchone()[0]
    staged.rows -= deleted


def check_staged_references(
    con: duckdb.DuckDBPyConnection, sources: list[CanonicalRows], reread: set[str]
) -> None:
    """validate.check_references for staged tables: the same rejects, worded by the same
    code, found by anti-joins against the ids known so far instead of Python sets.

    Known at first: the current ids of the sources not read in this run (as the snapshot
    being built holds them). Then, table by table in load order, each source's rows that
    pass; and after each table, the ids rejected just now whose previous version stays.
    """
    referenced = sorted(
        {
            spec.referenced_table
            for specs in register_columns().values()
            for spec in specs
            if spec.referenced_table
        }
    )
    with registered(con, "reread_sources", id_frame(reread)):
        for table in referenced:
            key = ID_COLUMNS[table]
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE known_{table} AS
                    SELECT {key} AS id FROM main.{table}
                    WHERE withdrawn_run_id IS NULL
                      AND source_id NOT IN (SELECT id FROM reread_sources)"""  # noqa: S608
            )
    for table in TABLE_ORDER:
        ref_specs = [c for c in register_columns()[table] if c.referenced_table]
        for source in sources:
            staged = source.tables.get(table)
            if not isinstance(staged, StagedTable):
                continue
            if ref_specs and staged.rows:
                _reject_unknown_references(con, source, staged, ref_specs)
            if table in referenced:
                con.execute(
                    f"INSERT INTO known_{table} SELECT {ID_COLUMNS[table]} FROM {staged.name}"  # noqa: S608
                )
        if table in referenced:
            # A rejected row whose previous version stays current can still be pointed at.
            rejected = {k for s in sources for k in s.rejected_keys.get(table, set())}
            if rejected:
                with registered(con, "rejected_ids", id_frame(rejected)):
                    con.execute(
                        f"""INSERT INTO known_{table}
                            SELECT {ID_COLUMNS[table]} FROM main.{table}
                            WHERE withdrawn_run_id IS NULL
                              AND {ID_COLUMNS[table]} IN (SELECT id FROM rejected_ids)"""  # noqa: S608
                    )
    for table in referenced:
        con.execute(f"DROP TABLE known_{table}")


def _reject_unknown_references(
    con: duckdb.DuckDBPyConnection,
    source: CanonicalRows,
    staged: StagedTable,
    ref_specs: list[Any],
) -> None:
    conditions = []
    for spec in ref_specs:
        known = f"(SELECT id FROM known_{spec.referenced_table})"  # noqa: S608
        column = f'"{spec.name}"'
        if spec.is_id_list:
            listed = f"SELECT rowid AS position, unnest({column}) AS id FROM {staged.name}"  # noqa: S608
            conditions.append(
                f"(rowid IN (SELECT position FROM ({listed}) WHERE id NOT IN {known}))"  # noqa: S608
            )
        elif spec.required:
            conditions.append(f"({column} IS NULL OR {column} NOT IN {known})")
        else:
            conditions.append(f"({column} IS NOT NULL AND {column} NOT IN {known})")
    bad = fetch_rows(con, staged, " OR ".join(conditions), [])
    if not bad:
        return
    known = _known_subset(con, ref_specs, [row for _rowid, row in bad])
    for _rowid, row in bad:
        source.problems.extend(reference_problems(source.source_id, row, ref_specs, known))
        source.rejected_keys.setdefault(staged.table, set()).add(row_identity(staged.table, row))
    delete_rows(con, staged, [rowid for rowid, _row in bad])


def _known_subset(
    con: duckdb.DuckDBPyConnection, ref_specs: list[Any], rows: list[dict[str, Any]]
) -> dict[str, set[str]]:
    """Which of the ids the rejected rows point at are known: all the messages need."""
    wanted: dict[str, set[str]] = {}
    for spec in ref_specs:
        ids = wanted.setdefault(spec.referenced_table or "", set())
        for row in rows:
            value = row.get(spec.name)
            if spec.is_id_list:
                ids.update(value or [])
            elif value is not None:
                ids.add(value)
    known: dict[str, set[str]] = {}
    for table, ids in wanted.items():
        with registered(con, "wanted_ids", id_frame(ids)):
            known[table] = {
                r[0]
                for r in con.execute(
                    f"SELECT DISTINCT id FROM known_{table} "  # noqa: S608
                    "WHERE id IN (SELECT id FROM wanted_ids)"
                ).fetchall()
            }
    return known
