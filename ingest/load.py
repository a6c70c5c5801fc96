"""Merge one source's canonical rows into a snapshot being built, keeping history.

The snapshot under construction starts as a copy of the previous one. For each source:
new rows are inserted; changed rows are updated with their before/after kept in `changes`
(the `change_log` table, read through a view that fills in each new row's first content);
rows the source no longer lists are marked withdrawn, never deleted. Status events are never
updated: a changed status is a new row. Identical input leaves every row untouched, which is
what makes a rebuild idempotent.

Column names in the SQL below come from the database catalog of our own schema, never from
input, so composing them into statements is safe; every value is a bound parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingest.frames import registered
from ingest.paths import SCHEMA_FILE
from ingest.staging import BOOKKEEPING_COLUMNS, StagedTable, id_frame, is_empty
from ingest.validate import ID_COLUMNS


@dataclass
class MergeCounts:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    withdrawn: int = 0

    def add(self, other: MergeCounts) -> None:
        self.new += other.new
        self.changed += other.changed
        self.unchanged += other.unchanged
        self.withdrawn += other.withdrawn


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(SCHEMA_FILE.read_text(encoding="utf-8"))
    create_changes_view(con)


def history_columns(table: str, columns: list[str]) -> list[str]:
    """The columns a history document holds: a row's content, without its bookkeeping (and,
    for a table updated in place, without its key, which the change row names)."""
    if table == "status_events":
        return [c for c in columns if c not in BOOKKEEPING_COLUMNS]
    return [c for c in columns if c not in BOOKKEEPING_COLUMNS and c != ID_COLUMNS[table]]


def create_changes_view(con: duckdb.DuckDBPyConnection) -> None:
    """`changes`: the change log with each new row's `after` filled in.

    A new row's first content is the `before` of the next change that recorded a whole row
    (a move records only the source), or, while there is none, the row as it stands (a new
    status event is not superseded yet). Reading it that way gives the very document a build
    used to write for every new row.
    """
    first_content = []
    for table, key in ID_COLUMNS.items():
        fields = ", ".join(
            f'"{c}" := '
            + ("NULL::VARCHAR" if (table, c) == ("status_events", "superseded_by") else f't."{c}"')
            for c in history_columns(table, table_columns(con, table))
        )
        row = f"SELECT to_json(struct_pack({fields})) FROM main.{table} t"  # noqa: S608
        first_content.append(f"WHEN '{table}' THEN ({row} WHERE t.{key} = c.row_id)")
    con.execute(
        f"""CREATE OR REPLACE VIEW changes AS
            SELECT c.run_id, c.table_name, c.row_id, c.change, c.before,
                   CASE WHEN c.change = 'new' AND c.after IS NULL THEN coalesce(
                       (SELECT n.before FROM change_log n
                        WHERE n.table_name = c.table_name AND n.row_id = c.row_id
                          AND n.run_id > c.run_id AND n.change <> 'moved'
                          AND n.before IS NOT NULL
                        ORDER BY n.run_id LIMIT 1),
                       CASE c.table_name {" ".join(first_content)} END)
                   ELSE c.after END AS after
            FROM change_log c"""  # noqa: S608 - names from our own schema
    )


def check_unique_keys(con: duckdb.DuckDBPyConnection) -> None:
    """Fail the build if a canonical key appears twice: the check a primary-key index made
    row by row, made once over the merged tables."""
    for table, key in ID_COLUMNS.items():
        twice = con.execute(
            f"SELECT {key} FROM main.{table} GROUP BY {key} HAVING count(*) > 1 LIMIT 1"  # noqa: S608
        ).fetchone()
        if twice:
            raise duckdb.ConstraintException(
                f'Constraint Error: duplicate key "{key}: {twice[0]}" in table {table}'
            )


def table_columns(
    con: duckdb.DuckDBPyConnection, table: str, database: str | None = None
) -> list[str]:
    """Column names of a table, in order, in this database or an attached one."""
    if database is None:
        database = con.execute("SELECT current_database()").fetchone()[0]
    rows = con.execute(
        "SELECT column_name FROM duckdb_columns() "
        "WHERE database_name = ? AND schema_name = 'main' AND table_name = ? "
        "ORDER BY column_index",
        [database, table],
    ).fetchall()
    return [r[0] for r in rows]


def copy_previous(con: duckdb.DuckDBPyConnection, previous: Path) -> int:
    """Copy every table of the previous snapshot; return the last run id it recorded."""
    con.execute("ATTACH ? AS previous (READ_ONLY)", [str(previous)])
    try:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
            ).fetchall()
        ]
        for table in tables:
            origin = table
            old = set(table_columns(con, table, database="previous"))
            if not old and table == "change_log":
                # A snapshot made before the log had its name kept the whole history as a
                # table called `changes`, every new row's document written out.
                origin, old = "changes", set(table_columns(con, "changes", database="previous"))
            if not old:
                continue
            shared = [c for c in table_columns(con, table) if c in old]
            names = ", ".join(f'"{c}"' for c in shared)
            con.execute(
                f"INSERT INTO main.{table} ({names}) SELECT {names} FROM previous.{origin}"  # noqa: S608
            )
        last = con.execute("SELECT max(run_id) FROM main.ingest_runs").fetchone()
    finally:
        con.execute("DETACH previous")
    return int(last[0]) if last and last[0] is not None else 0


def _stage(con: duckdb.DuckDBPyConnection, rows: StagedTable, keep_keys: set[str]) -> None:
    """Make the staged rows the `incoming` rows (staged typed like the target, so no copy)
    and the protected keys `kept_keys`."""
    con.execute("DROP TABLE IF EXISTS incoming")
    con.execute("CREATE OR REPLACE TEMP TABLE kept_keys (key VARCHAR)")
    if keep_keys:
        with registered(con, "kept_arrow", id_frame(keep_keys)):
            con.execute("INSERT INTO kept_keys SELECT id FROM kept_arrow")
    if rows.in_place:
        # Staged in place, but another source's rows came first: merged like any other,
        # from a temporary table, so the snapshot keeps nothing of the staged one.
        con.execute(f"CREATE TEMP TABLE incoming AS SELECT * FROM main.{rows.name}")  # noqa: S608
        con.execute(f"DROP TABLE main.{rows.name}")
        return
    con.execute(f"ALTER TABLE {rows.name} RENAME TO incoming")


def _adopt(
    con: duckdb.DuckDBPyConnection, table: str, rows: StagedTable, run_id: int
) -> MergeCounts:
    """A first build's rows staged in place become the canonical table: each logged as new,
    then the staged table renamed to the empty one it replaces (no row copied)."""
    key = ID_COLUMNS[table]
    new = con.execute(
        f"INSERT INTO change_log SELECT ?, ?, {key}, 'new', NULL, NULL FROM main.{rows.name}",  # noqa: S608
        [run_id, table],
    ).fetchone()[0]
    con.execute(f"DROP TABLE main.{table}")
    con.execute(f"ALTER TABLE main.{rows.name} RENAME TO {table}")
    return MergeCounts(new=new)


def _json_struct(alias: str, columns: list[str]) -> str:
    return "to_json(struct_pack(" + ", ".join(f'"{c}" := {alias}."{c}"' for c in columns) + "))"


def merge_entities(
    con: duckdb.DuckDBPyConnection,
    table: str,
    source_id: str,
    rows: StagedTable,
    run_id: int,
    keep_keys: set[str],
) -> MergeCounts:
    """Insert, update or withdraw rows of one source in one canonical table."""
    if rows.in_place and is_empty(con, table):
        return _adopt(con, table, rows, run_id)
    key = ID_COLUMNS[table]
    columns = table_columns(con, table)
    content = history_columns(table, columns)
    _stage(con, rows, keep_keys)
    counts = MergeCounts()
    if is_empty(con, table):
        # Nothing recorded yet (a first build): every row is new, nothing to compare,
        # restore or withdraw, so the statements that look for those are skipped.
        counts.new = _incoming_count(con)
        _insert_new(con, table, key, columns, run_id, anti_join=False)
        return counts
    differs = " OR ".join(f'e."{c}" IS DISTINCT FROM i."{c}"' for c in content)
    counts.new = con.execute(
        f"SELECT count(*) FROM incoming i WHERE i.{key} NOT IN (SELECT {key} FROM main.{table})"  # noqa: S608
    ).fetchone()[0]
    counts.changed = con.execute(
        f"""INSERT INTO change_log
            SELECT ?, ?, e.{key},
                   CASE WHEN e.withdrawn_run_id IS NULL THEN 'changed' ELSE 'restored' END,
                   {_json_struct("e", content)}, {_json_struct("i", content)}
            FROM main.{table} e JOIN incoming i ON e.{key} = i.{key}
            WHERE e.source_id = ? AND (e.withdrawn_run_id IS NOT NULL OR {differs})""",  # noqa: S608
        [run_id, table, source_id],
    ).fetchone()[0]
    assignments = ", ".join(f'"{c}" = i."{c}"' for c in content)
    con.execute(
        f"""UPDATE main.{table} AS e SET {assignments}, source_ref = i.source_ref,
                   changed_run_id = ?, withdrawn_run_id = NULL
            FROM incoming i
            WHERE e.{key} = i.{key} AND e.source_id = ?
              AND (e.withdrawn_run_id IS NOT NULL OR {differs})""",  # noqa: S608
        [run_id, source_id],
    )
    con.execute(
        f"""UPDATE main.{table} AS e SET source_ref = i.source_ref FROM incoming i
            WHERE e.{key} = i.{key} AND e.source_id = ?
              AND e.source_ref IS DISTINCT FROM i.source_ref""",  # noqa: S608
        [source_id],
    )
    _insert_new(con, table, key, columns, run_id, anti_join=True)
    gone = f"""source_id = ? AND withdrawn_run_id IS NULL
            AND {key} NOT IN (SELECT {key} FROM incoming)
            AND {key} NOT IN (SELECT key FROM kept_keys)"""  # noqa: S608
    counts.withdrawn = con.execute(
        f"""INSERT INTO change_log
            SELECT ?, ?, e.{key}, 'withdrawn', {_json_struct("e", content)}, NULL
            FROM main.{table} e WHERE {gone}""",  # noqa: S608
        [run_id, table, source_id],
    ).fetchone()[0]
    con.execute(
        f"UPDATE main.{table} SET withdrawn_run_id = ? WHERE {gone}",  # noqa: S608
        [run_id, source_id],
    )
    counts.unchanged = len(rows) - counts.new - counts.changed
    return counts


def _incoming_count(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("SELECT count(*) FROM incoming").fetchone()[0]


def _insert_new(
    con: duckdb.DuckDBPyConnection,
    table: str,
    key: str,
    columns: list[str],
    run_id: int,
    anti_join: bool,
) -> None:
    """Log and insert the incoming rows the table does not hold (all of them when it holds
    none: `anti_join` False skips looking); this run is their first and their last change."""
    names = ", ".join(f'"{c}"' for c in columns if c not in BOOKKEEPING_COLUMNS[1:])
    new = f"WHERE {key} NOT IN (SELECT {key} FROM main.{table})" if anti_join else ""  # noqa: S608
    con.execute(
        f"INSERT INTO change_log SELECT ?, ?, {key}, 'new', NULL, NULL FROM incoming {new}",  # noqa: S608
        [run_id, table],
    )
    con.execute(
        f"""INSERT INTO main.{table} ({names}, first_run_id, changed_run_id)
            SELECT {names}, ?, ? FROM incoming {new}""",  # noqa: S608
        [run_id, run_id],
    )


def merge_status_events(
    con: duckdb.DuckDBPyConnection,
    source_id: str,
    rows: StagedTable,
    run_id: int,
    origin: str,
    keep_slots: set[str],
) -> MergeCounts:
    """Append new observations; supersede or withdraw listed rows; never update content."""
    table = "status_events"
    if rows.in_place and is_empty(con, table):
        return _adopt(con, table, rows, run_id)
    columns = table_columns(con, table)
    content = history_columns(table, columns)
    # Staged with its observed_at: the source's, or the build's time when it gives none.
    _stage(con, rows, keep_slots)
    if is_empty(con, table):
        # A first build: every event is new, and none recorded can be superseded, restored
        # or withdrawn (or repeat a live source's latest state).
        counts = MergeCounts(new=_incoming_count(con))
        _insert_new(con, table, "event_id", columns, run_id, anti_join=False)
        return counts
    if origin == "observed":
        # A live source reports its current state on every read; only a state that differs
        # from the latest one recorded (same ordering as the views) is a new event.
        con.execute(
            """DELETE FROM incoming i USING (
                   SELECT slot_key, status, status_label, progress FROM status_events
                   WHERE source_id = ? AND origin = 'observed' AND withdrawn_run_id IS NULL
                   QUALIFY row_number() OVER (
                       PARTITION BY slot_key
                       ORDER BY coalesce(occurred_on, observed_at::DATE) DESC, observed_at DESC
                   ) = 1
               ) latest
               WHERE i.slot_key = latest.slot_key AND i.status = latest.status
                 AND i.status_label = latest.status_label
                 AND i.progress IS NOT DISTINCT FROM latest.progress""",
            [source_id],
        )
    counts = MergeCounts()
    counts.new = con.execute(
        "SELECT count(*) FROM incoming WHERE event_id NOT IN (SELECT event_id FROM status_events)"
    ).fetchone()[0]
    counts.changed = con.execute(
        f"""INSERT INTO change_log
            SELECT ?, 'status_events', e.event_id, 'restored', {_json_struct("e", content)}, NULL
            FROM status_events e JOIN incoming i USING (event_id)
            WHERE e.withdrawn_run_id IS NOT NULL OR e.superseded_by IS NOT NULL""",  # noqa: S608
        [run_id],
    ).fetchone()[0]
    con.execute(
        """UPDATE status_events SET withdrawn_run_id = NULL, superseded_by = NULL,
                  changed_run_id = ?
           WHERE event_id IN (SELECT event_id FROM incoming)
             AND (withdrawn_run_id IS NOT NULL OR superseded_by IS NOT NULL)""",
        [run_id],
    )
    superseded = 0
    if origin == "listed":
        superseded = con.execute(
            f"""INSERT INTO change_log
                SELECT ?, 'status_events', e.event_id, 'superseded',
                       {_json_struct("e", content)}, NULL
                FROM status_events e JOIN incoming i USING (slot_key)
                WHERE e.source_id = ? AND e.origin = 'listed' AND e.withdrawn_run_id IS NULL
                  AND e.superseded_by IS NULL AND e.event_id <> i.event_id
                  AND e.event_id NOT IN (SELECT event_id FROM incoming)""",  # noqa: S608
            [run_id, source_id],
        ).fetchone()[0]
        con.execute(
            """UPDATE status_events AS e SET superseded_by = i.event_id, changed_run_id = ?
               FROM incoming i
               WHERE e.slot_key = i.slot_key AND e.source_id = ? AND e.origin = 'listed'
                 AND e.withdrawn_run_id IS NULL AND e.superseded_by IS NULL
                 AND e.event_id <> i.event_id
                 AND e.event_id NOT IN (SELECT event_id FROM incoming)""",
            [run_id, source_id],
        )
        gone = """source_id = ? AND origin = 'listed' AND withdrawn_run_id IS NULL
                AND superseded_by IS NULL
                AND event_id NOT IN (SELECT event_id FROM incoming)
                AND slot_key NOT IN (SELECT slot_key FROM incoming)
                AND slot_key NOT IN (SELECT key FROM kept_keys)"""
        counts.withdrawn = con.execute(
            f"""INSERT INTO change_log
                SELECT ?, 'status_events', event_id, 'withdrawn',
                       {_json_struct("status_events", content)}, NULL
                FROM status_events WHERE {gone}""",  # noqa: S608
            [run_id, source_id],
        ).fetchone()[0]
        con.execute(
            f"UPDATE status_events SET withdrawn_run_id = ? WHERE {gone}",  # noqa: S608
            [run_id, source_id],
        )
    _insert_new(con, table, "event_id", columns, run_id, anti_join=True)
    counts.unchanged = len(rows) - counts.new - counts.changed
    # A superseded row and its successor are one change of status, not a new fact.
    counts.new -= superseded
    counts.changed += superseded
    return counts


def move_to_source(
    con: duckdb.DuckDBPyConnection, table: str, row_id: str, old: str, new: str, run_id: int
) -> None:
    """Hand a row over to the source that lists it now (e.g. a cycle moved between registers)."""
    key = ID_COLUMNS[table]
    # The row's first content names its old source: write it out before the row changes.
    con.execute(
        """UPDATE change_log AS c SET after = v.after FROM changes v
           WHERE c.table_name = ? AND c.row_id = ? AND c.change = 'new' AND c.after IS NULL
             AND v.table_name = c.table_name AND v.row_id = c.row_id AND v.run_id = c.run_id
             AND v.change = 'new'""",
        [table, row_id],
    )
    con.execute(
        f"UPDATE main.{table} SET source_id = ? WHERE {key} = ?",  # noqa: S608
        [new, row_id],
    )
    con.execute(
        "INSERT INTO change_log VALUES (?, ?, ?, 'moved', to_json({'source_id': ?}), "
        "to_json({'source_id': ?}))",
        [run_id, table, row_id, old, new],
    )
