"""The summaries register table: bad rows are rejected with file, row and column and kept
for review; the good ones load and are searched."""

from __future__ import annotations

from pathlib import Path

import duckdb
from typer.testing import CliRunner

from ingest.cli import app
from tests.search.conftest import (
    build,
    cycle,
    institution,
    recommendation,
    searcher,
    summary,
)

REGISTER = {
    "institutions": [institution("kbh", "Københavnertinget", "København", "da")],
    "cycles": [cycle("kbh-2023", "kbh", "Trivsel og rum til alle", "well-being", "da")],
    "recommendations": [
        recommendation("kbh-r1", "kbh-2023", "Mere kollektiv transport", "", "da"),
        recommendation("kbh-r2", "kbh-2023", "Den grønne by", "", "da"),
    ],
    "summaries": [
        summary("kbh-r1", "da", "Flere cykelstier.", "cykel; cykelsti"),  # row 2: good
        summary("kbh-r99", "da", "Ingen sådan anbefaling.", "hjemløse"),  # 3: unknown id
        summary("kbh-r2", "dk", "Grønne tage.", "tage"),  # 4: a country code, not a language
        summary("kbh-r2", "en", ""),  # 5: no summary
        {**summary("kbh-r2", "fr", "Toits verts."), "source_url": "www.example.org"},  # 6
        summary("kbh-r1", "da", "Samme sprog igen.", "igen"),  # 7: duplicate of row 2
        summary("kbh-r2", "de", "Grüne Dächer.", "Dachbegrünung"),  # 8: good
    ],
}


def test_bad_summary_rows_are_rejected_with_their_place_and_kept(tmp_path: Path) -> None:
    code, _output, snapshot = build(tmp_path, REGISTER)
    assert code != 0, "a build with rejected rows exits non-zero"
    with duckdb.connect(str(snapshot), read_only=True) as con:
        rejects = con.execute(
            """
            SELECT file, "row", "column", value, reason, raw FROM rejects
            WHERE file LIKE '%summaries.csv' ORDER BY "row", "column"
            """
        ).fetchall()
        loaded = con.execute(
            "SELECT summary_id FROM current_summaries ORDER BY summary_id"
        ).fetchall()
    by_row = {row: (column, value, reason) for _, row, column, value, reason, _ in rejects}
    assert set(by_row) == {3, 4, 5, 6, 7}
    assert by_row[3][:2] == ("recommendation_id", "kbh-r99")
    assert "not a known recommendation" in by_row[3][2]
    assert by_row[4][:2] == ("language", "dk")
    assert "ISO 639-1" in by_row[4][2]
    assert by_row[5][0] == "summary" and "empty" in by_row[5][2]
    assert by_row[6][:2] == ("source_url", "www.example.org")
    assert "duplicate" in by_row[7][2]
    # nothing is lost: every rejected row is kept whole for review
    assert all(raw for *_, raw in rejects)
    assert any("Ingen sådan anbefaling" in raw for *_, raw in rejects)
    assert loaded == [("kbh-r1/da",), ("kbh-r2/de",)]
    assert [row[0] for row in searcher(snapshot)("Dachbegrünung")] == ["kbh-r2"]
    assert searcher(snapshot)("hjemløse") == []


def test_check_names_file_row_and_column(tmp_path: Path) -> None:
    build(tmp_path, REGISTER)
    folder = tmp_path / "registers" / "fixture"
    result = CliRunner().invoke(app, ["check", str(folder)])
    assert result.exit_code != 0
    lines = result.output.splitlines()
    assert any("summaries.csv:3:recommendation_id:" in line for line in lines), result.output
    assert any("summaries.csv:4:language:" in line for line in lines), result.output


def test_the_template_has_a_summaries_sheet(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["template", str(tmp_path / "blank")])
    assert result.exit_code == 0, result.output
    header = (tmp_path / "blank" / "summaries.csv").read_text(encoding="utf-8").strip()
    assert header == "recommendation_id,language,summary,keywords,source_url,note"
