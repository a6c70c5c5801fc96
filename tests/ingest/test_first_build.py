"""A first build stages each table in the snapshot itself and renames it into place.

What a reader must not notice: the published tables are defined exactly as the schema
defines them, every row carries the run that first recorded it, the history names every
row as new, and nothing staged is left behind, even for a table the merge skips.
"""

from __future__ import annotations

import duckdb

from ingest.load import create_schema
from ingest.register_format import TABLE_ORDER
from tests.ingest.conftest import Workspace


def _definitions(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    rows = con.execute(
        "SELECT table_name, sql FROM duckdb_tables() "
        "WHERE database_name = current_database() AND schema_name = 'main'"
    ).fetchall()
    return dict(rows)


def test_a_first_build_publishes_the_tables_the_schema_defines(workspace: Workspace) -> None:
    assert workspace.build()[0] == 0
    with duckdb.connect() as fresh:
        create_schema(fresh)
        schema = _definitions(fresh)
    with workspace.snapshot() as con:
        published = _definitions(con)
        for table in TABLE_ORDER:
            assert published[table] == schema[table]
            runs = con.execute(
                f"SELECT DISTINCT first_run_id, changed_run_id, withdrawn_run_id FROM {table}"
            ).fetchall()
            assert runs in ([(1, 1, None)], []), table
        logged = con.execute(
            "SELECT table_name, count(*) FROM change_log WHERE change = 'new' GROUP BY ALL"
        ).fetchall()
    assert not [name for name in published if name.startswith("staged_")]
    counts = workspace.query(
        " UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for t in TABLE_ORDER)
    )
    assert sorted(logged) == sorted((t, n) for t, n in counts if n)


def test_a_table_the_first_build_cannot_read_leaves_nothing_staged(
    workspace: Workspace,
) -> None:
    # A cell beyond the CSV field limit: the row before it is read and staged, but the table
    # is not merged, since its file could not be read to the end.
    path = workspace.file("congruence")
    overlong = "test-2023-housing-r01,independent,unchanged,x,,2024-06,https://example.org/c2,"
    path.write_text(
        path.read_text(encoding="utf-8") + overlong + "Lorem ipsum " * 12_000 + "\n",
        encoding="utf-8",
    )
    code, output = workspace.build("--allow-rejects")
    assert "cannot read the file from row 3" in " ".join(output.split()), output
    assert code == 0
    with workspace.snapshot() as con:
        names = _definitions(con)
        assert con.execute("SELECT count(*) FROM congruence").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM recommendations").fetchone()[0] > 0
    assert not [name for name in names if name.startswith("staged_")]


def test_a_second_build_after_a_first_keeps_the_schema_and_stages_nothing(
    workspace: Workspace,
) -> None:
    workspace.build()
    workspace.replace_in("congruence", "Website online", "Website online and indexed")
    assert workspace.build()[0] == 0
    with workspace.snapshot() as con:
        names = _definitions(con)
        changed = con.execute(
            "SELECT change FROM change_log WHERE table_name = 'congruence' AND run_id = 2"
        ).fetchall()
    assert changed == [("changed",)]
    assert not [name for name in names if name.startswith("staged_")]
