"""The blank register a secretariat starts from, and its documentation."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from ingest.cli import app
from ingest.paths import REPO_ROOT
from ingest.register_format import column_reference_markdown, register_columns


def test_template_writes_csv_and_xlsx_with_the_documented_columns(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["template", str(tmp_path)])
    assert result.exit_code == 0, result.output
    header = (tmp_path / "recommendations.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.split(",") == [c.name for c in register_columns()["recommendations"]]
    workbook = load_workbook(tmp_path / "register.xlsx", read_only=True)
    assert workbook.sheetnames == [*register_columns(), "columns"]
    first_row = next(workbook["cycles"].iter_rows(values_only=True))
    assert list(first_row) == [c.name for c in register_columns()["cycles"]]
    # A blank register is valid: a secretariat can start from it and check as it goes.
    result = CliRunner().invoke(app, ["check", str(tmp_path)])
    assert result.exit_code == 0, result.output


def test_register_documentation_matches_the_column_reference() -> None:
    doc = (REPO_ROOT / "docs" / "register.md").read_text(encoding="utf-8")
    assert column_reference_markdown().strip() in doc, (
        "docs/register.md is out of date: regenerate its column reference with "
        "`python -m ingest reference`"
    )
