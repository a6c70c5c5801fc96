"""The change history of an edited register, compared with what the build wrote before new
rows' documents were left to the `changes` view: the same rows, word for word."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from ingest.load import check_unique_keys, create_schema
from tests.ingest.conftest import Workspace

EXPECTED = Path(__file__).parent / "fixtures" / "history_small_register.json"
R03 = "test-2023-housing-r03,test-2023-housing,3,"
R09 = "test-2023-housing-r09,test-2023-housing,9,"
# One build per step, each on its own reference date: (table, text, replacement) edits.
SCENARIO = [
    [],
    [
        ("recommendations", "Contrôle de la certification PEB", "Contrôle renforcé du PEB"),
        ("recommendations", R03, R09),  # r03 withdrawn, r09 new
        ("status_events", "en cours,,Decree being adopted", "mis en œuvre,,Decree adopted"),
        ("responses", "Gouvernement,retenue,", "Gouvernement,accepted,"),
    ],
    [("recommendations", R09, R03)],  # r03 restored, r09 withdrawn
]
SQL = "SELECT run_id, table_name, row_id, change, before, after FROM changes"


def history_document(text: str | None) -> dict | None:
    """A history document with the build's own clock (observed_at) blanked."""
    if text is None:
        return None
    value = json.loads(text)
    if "observed_at" in value:
        value["observed_at"] = "(build time)"
    return value


def normalised(rows: list[tuple]) -> list[list]:
    """History rows in a stable order, with the build's own clock (observed_at) blanked."""
    shown = [[r[0], r[1], r[2], r[3], history_document(r[4]), history_document(r[5])] for r in rows]
    return sorted(shown, key=lambda r: json.dumps(r, ensure_ascii=False, sort_keys=True))


def test_history_is_what_the_build_wrote_before(workspace: Workspace) -> None:
    for day, edits in enumerate(SCENARIO, start=1):
        for table, old, new in edits:
            workspace.replace_in(table, old, new)
        code, output = workspace.build("--allow-rejects", "--as-of", f"2026-01-0{day}")
        assert code == 0, output
    history = normalised(workspace.query(SQL))
    changes = {(r[0], r[3]) for r in history}
    assert {(2, "changed"), (2, "withdrawn"), (2, "superseded"), (3, "restored")} <= changes
    assert history == json.loads(EXPECTED.read_text(encoding="utf-8"))


def test_a_snapshot_with_the_older_changes_table_keeps_its_history(workspace: Workspace) -> None:
    assert workspace.build("--as-of", "2026-01-01")[0] == 0
    first = normalised(workspace.query(SQL))
    # Made as before: the whole history in a `changes` table, new rows' documents written out.
    path = workspace.data_dir / (workspace.data_dir / "CURRENT").read_text().strip()
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE older AS SELECT * FROM changes")
        con.execute("DROP VIEW changes")
        con.execute("DROP TABLE change_log")
        con.execute("ALTER TABLE older RENAME TO changes")
    workspace.replace_in("recommendations", "Contrôle de la certification PEB", "Contrôle du PEB")
    assert workspace.build("--as-of", "2026-01-02")[0] == 0
    history = normalised(workspace.query(SQL))
    assert [r for r in history if r[0] == 1] == first
    assert [r[3] for r in history if r[0] == 2] == ["changed"]


def test_a_key_twice_fails_the_check_that_replaces_the_primary_key() -> None:
    with duckdb.connect() as con:
        create_schema(con)
        row = (
            "INSERT INTO institutions (institution_id, name, country, kind, languages, "
            "source_url, source_id, first_run_id, changed_run_id) "
            "VALUES ('i-1', 'Name', 'BE', 'citizens_assembly', ['fr'], 'https://e.org', 's', 1, 1)"
        )
        con.execute(row)
        check_unique_keys(con)
        con.execute(row)
        with pytest.raises(duckdb.ConstraintException, match="i-1"):
            check_unique_keys(con)
