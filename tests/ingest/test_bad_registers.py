"""Registers as real offices send them: every fault is named by file, row and column,
and the good rows still load."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from typer.testing import CliRunner

from ingest.cli import app
from tests.ingest.conftest import Workspace


def check(*paths: Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["check", *map(str, paths)])
    return result.exit_code, result.output


def recommendation_titles(ws: Workspace) -> list[str]:
    return [r[0] for r in ws.query("SELECT title FROM recommendations ORDER BY 1")]


def test_the_bundled_fixture_register_is_clean(workspace: Workspace) -> None:
    code, output = check(workspace.register)
    assert code == 0, output
    assert "no problems found" in output


def test_missing_required_column_is_named_and_other_tables_still_load(
    workspace: Workspace,
) -> None:
    lines = workspace.file("cycles").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    position = header.index("title")
    workspace.file("cycles").write_text(
        "\n".join(
            ",".join(c for i, c in enumerate(line.split(",")) if i != position)
            for line in lines[:3]
        )
        + "\n",
        encoding="utf-8",
    )
    code, output = check(workspace.file("cycles"))
    assert code == 1
    assert f"{workspace.file('cycles')}:1:title: missing required column 'title'" in output
    code, output = workspace.build()
    assert code == 1
    assert workspace.query("SELECT count(*) FROM institutions") == [(1,)]
    assert workspace.query("SELECT count(*) FROM cycles") == [(0,)]


def test_bad_date_is_rejected_with_its_cell_and_the_rest_loads(workspace: Workspace) -> None:
    workspace.replace_in("recommendations", "2023-06-10,,item", "2023-02-30,,item")
    code, output = check(workspace.file("recommendations"))
    assert code == 1
    assert (
        f"{workspace.file('recommendations')}:3:adopted_on: '2023-02-30' is not a real date"
        in output
    )
    code, output = workspace.build()
    assert code == 1
    assert recommendation_titles(workspace) == [
        "Contrôle de la certification PEB",
        "Espaces communs obligatoires",
    ]
    rejects = workspace.query('SELECT file, "row", "column", value, reason FROM rejects')
    assert rejects[0][1:4] == (3, "adopted_on", "2023-02-30")
    # What hangs from a rejected recommendation is rejected too, saying why.
    cascaded = sorted((Path(r[0]).name, r[2], r[3]) for r in rejects[1:])
    assert cascaded == [
        ("congruence.csv", "recommendation_id", "test-2023-housing-r02"),
        ("responses.csv", "recommendation_id", "test-2023-housing-r02"),
        ("status_events.csv", "recommendation_id", "test-2023-housing-r02"),
    ]
    assert all("not a known recommendation" in r[4] for r in rejects[1:])


def test_unknown_status_label_is_reported_never_guessed(workspace: Workspace) -> None:
    workspace.replace_in("status_events", "en cours", "à moitié fait")
    code, output = check(workspace.file("status_events"))
    assert code == 1
    assert "status_events.csv:2:status: unknown implementation label 'à moitié fait'" in output
    assert "data/vocabularies/implementation.csv" in output
    workspace.build()
    assert workspace.query("SELECT count(*) FROM status_events") == [(1,)]


def test_duplicate_id_rejects_the_second_row(workspace: Workspace) -> None:
    path = workspace.file("recommendations")
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*lines, lines[1].replace("PEB", "PEB (bis)")]) + "\n", "utf-8")
    code, output = check(path)
    assert code == 1
    assert (
        f"{path}:5:recommendation_id: duplicate: the same recommendation as at {path}:2" in output
    )
    workspace.build()
    assert "Contrôle de la certification PEB (bis)" not in recommendation_titles(workspace)
    assert len(recommendation_titles(workspace)) == 3


def test_utf8_bom_is_read_as_plain_utf8(workspace: Workspace) -> None:
    path = workspace.file("recommendations")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    code, output = check(path)
    assert code == 0, output
    assert workspace.build()[0] == 0
    assert "Végétaliser" not in recommendation_titles(workspace)  # titles, not themes
    assert "Site unique de conseils de végétalisation" in recommendation_titles(workspace)


def test_semicolon_delimited_export_is_read_with_a_warning(workspace: Workspace) -> None:
    path = workspace.file("institutions")
    path.write_text(
        "institution_id;name;country;kind;languages;source_url\n"
        "test-assembly;Test Assembly;BE;citizens_assembly;fr nl;https://example.org/a\n",
        encoding="utf-8",
    )
    code, output = check(path)
    assert code == 0
    assert f"{path}:1:: warning: columns are separated by semicolons" in output
    assert workspace.build()[0] == 0
    assert workspace.query("SELECT languages FROM institutions") == [(["fr", "nl"],)]


def test_latin1_file_is_decoded_with_a_warning(workspace: Workspace) -> None:
    path = workspace.file("recommendations")
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1252"))
    code, output = check(path)
    assert code == 0
    assert "warning: line(s) 2, 3 are not UTF-8; read as Windows-1252" in output
    assert workspace.build()[0] == 0
    assert "Contrôle de la certification PEB" in recommendation_titles(workspace)


def test_empty_file_is_an_error_and_keeps_previous_rows(workspace: Workspace) -> None:
    assert workspace.build()[0] == 0
    workspace.file("recommendations").write_text("", encoding="utf-8")
    code, output = check(workspace.file("recommendations"))
    assert code == 1
    assert f"{workspace.file('recommendations')}:1:: file is empty" in output
    code, _ = workspace.build()
    assert code == 1
    assert workspace.query(
        "SELECT count(*) FROM recommendations WHERE withdrawn_run_id IS NULL"
    ) == [(3,)]


def test_xlsx_with_a_title_row_above_the_header(workspace: Workspace) -> None:
    for table in ("recommendations", "responses", "status_events", "congruence"):
        workspace.file(table).unlink()
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "recommendations"
    sheet.append(["Recommandations — registre du secrétariat"])
    sheet.append(["recommendation_id", "cycle_id", "number", "title", "adopted_on", "source_url"])
    sheet.append(["x-r1", "test-2023-housing", 1, "Première", "2023-06-10", "https://e.org/1"])
    sheet.append(["x-r2", "test-2023-housing", 2, "Deuxième", "10 juin", "https://e.org/2"])
    path = workspace.register / "register.xlsx"
    workbook.save(path)
    code, output = check(path)
    assert code == 1
    assert f"{path}[recommendations]:2:: warning: header found on row 2" in output
    assert (
        f"{path}[recommendations]:4:adopted_on: '10 juin' is not a date; write YYYY-MM-DD" in output
    )
    workspace.build()
    assert recommendation_titles(workspace) == ["Première"]


def test_check_on_a_missing_file_fails_clearly(tmp_path: Path) -> None:
    code, output = check(tmp_path / "nope.csv")
    assert code == 1
    assert "nope.csv::: no such file or folder" in output


def test_unknown_file_name_is_not_silently_ignored(workspace: Workspace) -> None:
    path = workspace.register / "recomendations.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    code, output = check(path)
    assert code == 1
    assert "'recomendations.csv' is not a register table" in output


def test_a_line_pasted_in_windows_1252_does_not_garble_the_utf8_lines(
    workspace: Workspace,
) -> None:
    path = workspace.file("recommendations")
    legacy = "mixed-r9,test-2023-housing,9,Qualité de l'air,,fr,,,,,,https://e.org/9,\n"
    path.write_bytes(path.read_bytes() + legacy.encode("cp1252"))
    code, output = check(path)
    assert code == 0
    assert "line(s) 5 are not UTF-8" in output
    workspace.build()
    titles = recommendation_titles(workspace)
    assert "Contrôle de la certification PEB" in titles
    assert "Qualité de l'air" in titles


def test_duplicates_differing_only_in_case_or_date_form_are_caught(workspace: Workspace) -> None:
    path = workspace.file("milestones")
    path.write_text(
        path.read_text(encoding="utf-8")
        + "test-2023-housing,2023-06-10,Handover,Same step again,https://e.org/x,\n",
        encoding="utf-8",
    )
    responses = workspace.file("responses")
    responses.write_text(
        responses.read_text(encoding="utf-8")
        + "test-2023-housing-r01,Final,2024-05-16,Gouvernement,retenue,,https://e.org/y,\n",
        encoding="utf-8",
    )
    code, output = check(workspace.register)
    assert code == 1
    assert "milestones.csv:4:cycle_id: duplicate: the same milestone as at" in output
    assert "responses.csv:4:recommendation_id: duplicate: the same response as at" in output
    code, output = workspace.build()
    assert code == 1
    assert "Traceback" not in output
    assert workspace.query("SELECT count(*) FROM milestones") == [(2,)]


def test_semicolon_export_with_a_title_row(workspace: Workspace) -> None:
    path = workspace.file("institutions")
    path.write_text(
        "Registre des institutions;;;;;\n"
        "institution_id;name;country;kind;languages;source_url\n"
        "test-assembly;Test Assembly;BE;citizens_assembly;fr nl;https://example.org/a\n",
        encoding="utf-8",
    )
    code, output = check(path)
    assert code == 0, output
    assert "header found on row 2" in output
    assert workspace.build()[0] == 0


def test_xlsx_real_dates_month_formats_and_formulas_without_values(
    workspace: Workspace,
) -> None:
    import datetime as dt

    workspace.file("cycles").unlink()
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "cycles"
    sheet.append(["cycle_id", "institution_id", "title", "started_on", "ended_on", "members"])
    sheet.append(["test-2023-housing", "test-assembly", "Habiter", dt.date(2023, 2, 4)])
    sheet["E2"] = dt.date(2023, 6, 1)
    sheet["E2"].number_format = "mmm-yy"
    sheet["F2"] = "=40+60"
    sheet["G1"] = "source_url"
    sheet["G2"] = "https://example.org/cycle-1"
    sheet.append(["test-2024-food", "test-assembly", "Alimentation", None, None, 64])
    sheet["G3"] = "https://example.org/cycle-2"
    path = workspace.register / "cycles.xlsx"
    workbook.save(path)  # saved by a script: formulas carry no computed value
    code, output = check(path)
    assert code == 1
    assert f"{path}[cycles]:2:members: formula without a saved result" in output
    workspace.build()
    assert workspace.query("SELECT cycle_id FROM cycles WHERE withdrawn_run_id IS NULL") == [
        ("test-2024-food",)
    ]
    sheet["F2"] = 100
    workbook.save(path)
    workspace.build()
    assert workspace.query(
        "SELECT started_on::VARCHAR, started_on_precision, ended_on::VARCHAR, "
        "ended_on_precision, members FROM cycles WHERE cycle_id = 'test-2023-housing'"
    ) == [("2023-02-04", "day", "2023-06-01", "month", 100)]


COLLECTIVE_HEADER = (
    "cycle_id,responded_on,response_kind,title,responder,recommendation_ids,covered_count,"
    "stance,body,source_url,locator,note\n"
)


def test_collective_responses_load_and_their_faults_are_named(workspace: Workspace) -> None:
    """A collective answer naming its recommendations loads; one naming an id nobody has, or
    with a count that is not a number, is rejected at its cell while the good one loads."""
    path = workspace.file("collective_responses")
    path.write_text(
        COLLECTIVE_HEADER
        + "test-2023-housing,2023-09-28,interim,Rapport intermédiaire,Gouvernement,"
        "test-2023-housing-r01 test-2023-housing-r02,,,,https://example.org/c1,p. 2,\n"
        + "test-2023-housing,2024-05-15,final,Rapport final,Gouvernement,"
        "test-2023-housing-r01 test-2023-housing-r99,,,,https://example.org/c2,,\n"
        + "test-2024-food,2024-04-22,interim,Premier rapport,Gouvernement,,trente-trois,,,"
        "https://example.org/c3,,\n",
        encoding="utf-8",
    )
    code, output = check(workspace.register)
    assert code == 1
    assert f"{path}:4:covered_count: 'trente-trois' is not a whole number" in output
    code, output = workspace.build()
    assert code == 1
    assert workspace.query(
        "SELECT title, recommendation_ids, locator FROM collective_responses"
    ) == [("Rapport intermédiaire", ["test-2023-housing-r01", "test-2023-housing-r02"], "p. 2")]
    rejects = workspace.query('SELECT "row", "column", value, reason FROM rejects ORDER BY 1')
    assert rejects[0][:3] == (3, "recommendation_ids", "test-2023-housing-r99")
    assert "not a known recommendation" in rejects[0][3]
    assert rejects[1][:3] == (4, "covered_count", "trente-trois")


def test_a_cycle_declared_complete_must_say_yes_or_no(workspace: Workspace) -> None:
    text = workspace.file("cycles").read_text(encoding="utf-8").splitlines()
    rows = [text[0] + ",follow_up_complete,checked_on"]
    rows.append(text[1] + ",oui,2026-11-30")
    rows.append(text[2] + ",peut-être,2026-11-30")
    workspace.file("cycles").write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, output = check(workspace.file("cycles"))
    assert code == 1
    assert f"{workspace.file('cycles')}:3:follow_up_complete: 'peut-être' is not yes or no" in (
        output
    )
    workspace.build()
    assert workspace.query("SELECT cycle_id, follow_up_complete, checked_on FROM cycles") == [
        ("test-2023-housing", True, dt.date(2026, 11, 30))
    ]


def test_a_count_too_large_to_store_rejects_its_row_not_the_build(workspace: Workspace) -> None:
    workspace.replace_in("cycles", "2024-02-06,64,56", "2024-02-06,99999999999999999999999,56")
    code, output = workspace.build()
    assert code == 1
    assert "members: '99999999999999999999999' is too large for a count" in output
    assert workspace.query("SELECT cycle_id FROM cycles") == [("test-2023-housing",)]
