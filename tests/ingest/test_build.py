"""Building and rebuilding snapshots: idempotency, history, withdrawn rows, failed sources."""

from __future__ import annotations

import json
import shutil

from ingest.snapshot import current_snapshot
from tests.ingest.conftest import Workspace

CANONICAL_TABLES = {
    "institutions": "institution_id",
    "cycles": "cycle_id",
    "milestones": "milestone_id",
    "recommendations": "recommendation_id",
    "responses": "response_id",
    "status_events": "event_id",
    "outcome_reports": "outcome_report_id",
    "congruence": "congruence_id",
}


def table_contents(ws: Workspace) -> dict[str, list[tuple]]:
    with ws.snapshot() as con:
        return {
            table: con.execute(f"SELECT * FROM {table} ORDER BY {key}").fetchall()
            for table, key in CANONICAL_TABLES.items()
        }


def test_first_build_publishes_every_table_with_provenance(workspace: Workspace) -> None:
    code, output = workspace.build()
    assert code == 0, output
    counts = {t: workspace.query(f"SELECT count(*) FROM {t}")[0][0] for t in CANONICAL_TABLES}
    assert counts == {
        "institutions": 1,
        "cycles": 2,
        "milestones": 2,
        "recommendations": 3,
        "responses": 2,
        "status_events": 2,
        "outcome_reports": 2,
        "congruence": 1,
    }
    refs = workspace.query("SELECT source_id, source_ref FROM recommendations ORDER BY 2")
    assert refs[0][0] == "register-test"
    assert refs[0][1].endswith("recommendations.csv:2")
    # Source labels are kept next to the canonical value.
    assert workspace.query("SELECT stance, stance_label FROM responses ORDER BY 2") == [
        ("accepted", "accepted"),
        ("accepted", "retenue"),
    ]
    # A month-precision date is stored as its first day, with its precision.
    assert workspace.query(
        "SELECT adopted_on::VARCHAR, adopted_on_precision FROM recommendations "
        "WHERE recommendation_id = 'test-2023-housing-r03'"
    ) == [("2023-06-01", "month")]
    assert "register-test" in output and "new" in output


def test_rebuilding_the_same_inputs_changes_nothing(workspace: Workspace) -> None:
    assert workspace.build()[0] == 0
    first = table_contents(workspace)
    published = sorted(workspace.data_dir.glob("uptake*.duckdb"))
    pointer = (workspace.data_dir / "CURRENT").read_text(encoding="utf-8")
    code, output = workspace.build()
    assert code == 0, output
    # Nothing to do: no new snapshot file, CURRENT as it was, and the summary says so.
    assert sorted(workspace.data_dir.glob("uptake*.duckdb")) == published
    assert (workspace.data_dir / "CURRENT").read_text(encoding="utf-8") == pointer
    assert f"nothing to publish, {pointer.strip()} stays current" in output
    assert "unchanged (same content)" in output
    assert table_contents(workspace) == first
    runs = workspace.query(
        "SELECT run_id, rows_new, rows_changed, rows_unchanged, rows_withdrawn "
        "FROM source_runs ORDER BY run_id"
    )
    assert runs == [(1, 15, 0, 0, 0)]


def test_the_same_registers_under_a_new_title_publish_the_new_title(
    workspace: Workspace,
) -> None:
    assert workspace.build()[0] == 0
    text = workspace.sources.read_text(encoding="utf-8")
    workspace.sources.write_text(text.replace("Test register", "Renamed register"))
    code, output = workspace.build()
    assert code == 0, output
    assert "nothing to publish" not in output
    assert workspace.query("SELECT title FROM sources") == [("Renamed register",)]


def test_the_same_inputs_on_another_day_publish_a_snapshot_as_of_that_day(
    workspace: Workspace,
) -> None:
    assert workspace.build("--as-of", "2026-01-01")[0] == 0
    first = table_contents(workspace)
    code, output = workspace.build("--as-of", "2026-01-02")
    assert code == 0, output
    assert "nothing to publish" not in output
    assert workspace.query("SELECT value FROM snapshot_meta WHERE key = 'as_of'") == [
        ("2026-01-02",)
    ]
    assert table_contents(workspace) == first
    runs = workspace.query(
        "SELECT run_id, rows_new, rows_changed, rows_unchanged, rows_withdrawn "
        "FROM source_runs ORDER BY run_id"
    )
    assert runs == [(1, 15, 0, 0, 0), (2, 0, 0, 15, 0)]


def test_a_changed_status_becomes_a_new_event_and_the_old_one_is_kept(
    workspace: Workspace,
) -> None:
    workspace.build()
    workspace.replace_in("status_events", "en cours", "mis en œuvre")
    code, _ = workspace.build()
    assert code == 0
    rows = workspace.query(
        "SELECT status, status_label, superseded_by IS NOT NULL, first_run_id "
        "FROM status_events WHERE recommendation_id = 'test-2023-housing-r01' "
        "ORDER BY first_run_id"
    )
    assert rows == [
        ("in_progress", "en cours", True, 1),
        ("implemented", "mis en œuvre", False, 2),
    ]
    assert workspace.query("SELECT rows_new, rows_changed FROM source_runs WHERE run_id = 2") == [
        (0, 1)
    ]


def test_a_row_missing_from_its_source_is_withdrawn_then_restored(
    workspace: Workspace,
) -> None:
    workspace.build()
    original = workspace.file("recommendations").read_text(encoding="utf-8")
    kept = [line for line in original.splitlines() if "r03" not in line]
    workspace.file("recommendations").write_text("\n".join(kept) + "\n", encoding="utf-8")
    workspace.build()
    assert workspace.query(
        "SELECT withdrawn_run_id FROM recommendations "
        "WHERE recommendation_id = 'test-2023-housing-r03'"
    ) == [(2,)]
    assert workspace.query(
        "SELECT change FROM changes WHERE row_id = 'test-2023-housing-r03' ORDER BY run_id"
    ) == [("new",), ("withdrawn",)]
    workspace.file("recommendations").write_text(original, encoding="utf-8")
    workspace.build()
    assert workspace.query(
        "SELECT withdrawn_run_id, changed_run_id FROM recommendations "
        "WHERE recommendation_id = 'test-2023-housing-r03'"
    ) == [(None, 3)]


def test_an_edited_row_keeps_its_before_and_after(workspace: Workspace) -> None:
    workspace.build()
    workspace.replace_in("recommendations", "Espaces communs obligatoires", "Espaces partagés")
    workspace.build()
    before, after = workspace.query(
        "SELECT before, after FROM changes WHERE change = 'changed' "
        "AND row_id = 'test-2023-housing-r03'"
    )[0]
    assert json.loads(before)["title"] == "Espaces communs obligatoires"
    assert json.loads(after)["title"] == "Espaces partagés"
    assert workspace.query(
        "SELECT title, first_run_id, changed_run_id FROM recommendations "
        "WHERE recommendation_id = 'test-2023-housing-r03'"
    ) == [("Espaces partagés", 1, 2)]


def test_a_failed_source_keeps_its_previous_rows(workspace: Workspace) -> None:
    workspace.build()
    workspace.register.rename(workspace.root / "moved-away")
    code, output = workspace.build()
    assert code == 1
    assert "failed" in output and "register not found" in output
    assert workspace.query(
        "SELECT count(*) FROM recommendations WHERE withdrawn_run_id IS NULL"
    ) == [(3,)]
    assert workspace.query(
        "SELECT last_status, last_success_run_id FROM sources WHERE source_id = 'register-test'"
    ) == [("failed", 1)]


def test_a_row_rejected_after_an_edit_keeps_its_previous_version(workspace: Workspace) -> None:
    workspace.build()
    workspace.replace_in("recommendations", "2023-06-10,0.92", "10/06/2023,0.92")
    code, output = workspace.build()
    assert code == 1
    assert "recommendations.csv:2:adopted_on:" in output
    assert workspace.query(
        "SELECT adopted_on::VARCHAR, withdrawn_run_id FROM recommendations "
        "WHERE recommendation_id = 'test-2023-housing-r01'"
    ) == [("2023-06-10", None)]
    code, _ = workspace.build("--allow-rejects")
    assert code == 0
    rejects = workspace.query('SELECT file, "row", "column", value, raw FROM rejects')
    assert rejects[-1][1:4] == (2, "adopted_on", "10/06/2023")
    assert "Contrôle de la certification PEB" in rejects[-1][4]


def test_only_the_last_snapshots_are_kept(workspace: Workspace) -> None:
    for day in range(1, 8):  # a new reference date each time, so each build publishes
        workspace.build("--as-of", f"2026-01-0{day}")
    files = sorted(p.name for p in workspace.data_dir.glob("uptake-*.duckdb"))
    assert len(files) == 5
    assert current_snapshot(workspace.data_dir).name == files[-1]
    assert files[-1].endswith("run00007.duckdb")


def test_an_unreadable_register_is_a_failed_source_not_a_mass_withdrawal(
    workspace: Workspace,
) -> None:
    workspace.build()
    for path in workspace.register.iterdir():
        path.unlink()
    (workspace.register / "~$register.xlsx").write_bytes(b"")  # a spreadsheet's lock file
    code, output = workspace.build()
    assert code == 1
    assert "no register files (CSV or XLSX) found" in output
    assert workspace.query(
        "SELECT count(*) FROM recommendations WHERE withdrawn_run_id IS NULL"
    ) == [(3,)]
    (workspace.register / "register.xlsx").write_bytes(b"")
    code, output = workspace.build()
    assert code == 1
    assert "cannot open workbook" in output
    assert workspace.query("SELECT count(*) FROM cycles WHERE withdrawn_run_id IS NULL") == [(2,)]


def test_a_table_file_that_disappears_keeps_its_rows(workspace: Workspace) -> None:
    workspace.build()
    workspace.file("congruence").rename(workspace.root / "congruence-away.csv")
    assert workspace.build()[0] == 0
    assert workspace.query("SELECT withdrawn_run_id FROM congruence") == [(None,)]


def test_a_rejected_row_keyed_by_a_partial_date_keeps_its_previous_version(
    workspace: Workspace,
) -> None:
    workspace.replace_in("milestones", "2024-05-15,final_response", "2024-05,Final_Response")
    assert workspace.build()[0] == 0
    workspace.replace_in("milestones", "https://example.org/m2", "not-a-url")
    code, _ = workspace.build()
    assert code == 1
    assert workspace.query(
        "SELECT occurred_on::VARCHAR, occurred_on_precision, withdrawn_run_id FROM milestones "
        "WHERE kind = 'final_response'"
    ) == [("2024-05-01", "month", None)]


def test_a_cycle_can_move_to_another_register(workspace: Workspace) -> None:
    workspace.build()
    other = workspace.root / "registers" / "other"
    other.mkdir()
    lines = workspace.file("cycles").read_text(encoding="utf-8").splitlines()
    food = [line for line in lines if line.startswith("test-2024-food")]
    (other / "cycles.csv").write_text("\n".join([lines[0], *food]) + "\n", encoding="utf-8")
    workspace.file("cycles").write_text(
        "\n".join(line for line in lines if line not in food) + "\n", encoding="utf-8"
    )
    with workspace.sources.open("a", encoding="utf-8") as handle:
        handle.write(
            '\n[[sources]]\nid = "register-other"\nkind = "register"\npath = "registers/other"\n'
            'title = "Other"\nlicence = "CC0"\nattribution = "Uptake tests"\n'
        )
    code, output = workspace.build()
    assert code == 0, output
    assert workspace.query(
        "SELECT source_id, withdrawn_run_id FROM cycles WHERE cycle_id = 'test-2024-food'"
    ) == [("register-other", None)]
    assert workspace.query(
        "SELECT change FROM changes WHERE row_id = 'test-2024-food' ORDER BY run_id"
    ) == [("new",), ("moved",)]


def test_two_registers_claiming_one_id_is_an_error_naming_both(workspace: Workspace) -> None:
    other = workspace.root / "registers" / "other"
    other.mkdir()
    shutil.copy(workspace.file("institutions"), other / "institutions.csv")
    with workspace.sources.open("a", encoding="utf-8") as handle:
        handle.write(
            '\n[[sources]]\nid = "register-other"\nkind = "register"\npath = "registers/other"\n'
            'title = "Other"\nlicence = "CC0"\nattribution = "Uptake tests"\n'
        )
    code, output = workspace.build()
    assert code == 1
    assert "('test-assembly') is already provided by source 'register-test'" in output


def test_a_dangling_current_pointer_stops_the_build(workspace: Workspace) -> None:
    workspace.build()
    workspace.build()
    current_snapshot(workspace.data_dir).unlink()
    code, output = workspace.build()
    assert code == 2
    assert "does not exist" in output and "nothing published" in output


def test_a_broken_source_configuration_is_reported_without_a_traceback(
    workspace: Workspace,
) -> None:
    workspace.sources.write_text('[[sources]]\nid = "x"\nkind = "register"\n', encoding="utf-8")
    code, output = workspace.build()
    assert code == 2
    assert "source 'x'" in output and "is required" in output


def test_a_real_build_never_starts_from_a_synthetic_snapshot(workspace: Workspace) -> None:
    from ingest.synth import synthesize

    synthesize(workspace.data_dir, institutions=2, recommendations=20, events=40, seed=1)
    code, output = workspace.build()
    assert code == 2
    assert "is synthetic" in output
    assert current_snapshot(workspace.data_dir).name.startswith("uptake-synthetic-")
