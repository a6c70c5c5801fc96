"""Register cells as spreadsheets leave them: padding is not part of an id, a value under no
header is never dropped silently, and a runaway cell does not crash the build."""

from __future__ import annotations

from openpyxl import Workbook

from ingest.registers import read_register
from tests.ingest.conftest import Workspace


def test_ids_padded_with_invisible_characters_load_as_the_plain_id(workspace: Workspace) -> None:
    workspace.replace_in(
        "recommendations", "test-2023-housing-r01,", "\u00a0test-2023-housing-r01\u200b ,"
    )
    workspace.replace_in("status_events", "en cours", "\ufeffen cours\u3000")

    code, output = workspace.build()

    assert code == 0, output
    assert workspace.query(
        "SELECT count(*) FROM recommendations WHERE recommendation_id = 'test-2023-housing-r01'"
    ) == [(1,)]


def test_a_workbook_value_under_a_blank_header_cell_rejects_its_row(workspace: Workspace) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "recommendations"
    sheet.append(["recommendation_id", "cycle_id", "title", "source_url"])
    sheet.append(["x-r1", "test-2023-housing", "Première", "https://e.org/1"])
    sheet.append(["x-r2", "test-2023-housing", "Deuxième", "https://e.org/2", None, "stray"])
    path = workspace.root / "register.xlsx"
    workbook.save(path)

    rows = read_register("synthetic", path)

    second = rows.tables["recommendations"][1]
    assert second.row == 3
    assert second.values["__extra__"] == "stray"  # validation rejects it, naming the row


def test_a_cell_beyond_the_csv_field_limit_is_reported_and_keeps_the_table(
    workspace: Workspace,
) -> None:
    workspace.build()
    workspace.replace_in("recommendations", "Mieux contrôler", "Lorem ipsum " * 12_000)

    code, output = workspace.build()

    assert code == 1
    assert "recommendations.csv:2::" in output
    assert "cannot read the file from row 2" in " ".join(output.split())
    assert workspace.query(
        "SELECT count(*) FROM recommendations WHERE withdrawn_run_id IS NULL"
    ) == [(3,)]
