"""Open data: every published table in four formats, and a data package that validates."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from dashboard import exports, queries
from dashboard.briefing import Scope, build
from dashboard.exports import datapackage
from tests.dashboard.app_driver import assert_no_exception, open_page

BRUSSELS = "bxl-parlement-bruxellois"


@pytest.fixture(scope="module")
def package_dir(built_snapshot: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("package")
    data = datapackage.build_zip(str(built_snapshot), built_snapshot.name)
    zipfile.ZipFile(io.BytesIO(data)).extractall(folder)
    return folder


def _frictionless(package_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The frictionless command, in its own process: importing the library raises the csv
    module's field size limit for the whole process, which other tests rely on."""
    return subprocess.run(
        [sys.executable, "-m", "frictionless", "validate", "datapackage.json", *args],
        cwd=package_dir,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_data_package_validates_with_frictionless(package_dir: Path) -> None:
    report = json.loads(_frictionless(package_dir, "--json").stdout)
    assert report["valid"], report["tasks"][:2]
    validated = {task["name"] for task in report["tasks"]}
    descriptor = json.loads((package_dir / "datapackage.json").read_text(encoding="utf-8"))
    names = {resource["name"] for resource in descriptor["resources"]}
    assert validated == names
    for table in datapackage.table_names():
        slug = table.replace("_", "-")
        assert {slug, f"{slug}-parquet"} <= names
    for resource in descriptor["resources"]:
        assert resource["schema"]["fields"], resource["name"]


def test_the_frictionless_command_accepts_the_package(package_dir: Path) -> None:
    done = _frictionless(package_dir)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def test_rates_travel_with_their_numerator_denominator_and_documentation(
    package_dir: Path, query: Callable[..., list[tuple]]
) -> None:
    ((known, decidable, rate),) = query(
        "SELECT responses_known, responses_decidable, response_rate FROM institution_indicators"
        " WHERE institution_id = ?",
        [BRUSSELS],
    )
    frame = pl.read_csv(package_dir / "data" / "institution_indicators.csv")
    row = frame.filter(pl.col("institution_id") == BRUSSELS).row(0, named=True)
    assert (row["responses_known"], row["responses_decidable"]) == (known, decidable)
    assert row["response_rate"] == pytest.approx(rate)
    # A rate with an empty denominator is empty (n/a), never 0.
    empty = frame.filter(pl.col("responses_decidable") == 0)
    assert empty.height and empty["response_rate"].null_count() == empty.height
    descriptor = json.loads((package_dir / "datapackage.json").read_text(encoding="utf-8"))
    fields = {field["name"]: field for field in descriptor["resources"][0]["schema"]["fields"]}
    assert "responses_decidable" in fields["response_rate"]["description"]
    assert fields["response_rate"]["type"] == "number"


def test_parquet_holds_the_same_rows_as_the_view(package_dir: Path, built_snapshot: Path) -> None:
    view = queries.published_view(str(built_snapshot), "recommendation_status")
    stored = pl.read_parquet(package_dir / "data" / "recommendation_status.parquet")
    assert stored.equals(view)


@pytest.mark.parametrize("fmt", exports.FORMATS)
def test_every_format_of_a_table_reads_back(built_snapshot: Path, fmt: str) -> None:
    frame = queries.published_view(str(built_snapshot), "cycle_indicators")
    data = exports.export(frame, fmt, "cycle_indicators")
    if fmt == "csv":
        back = pl.read_csv(io.BytesIO(data), infer_schema_length=None)
        assert back.columns == frame.columns and back.height == frame.height
    elif fmt == "parquet":
        assert pl.read_parquet(io.BytesIO(data)).equals(frame)
    elif fmt == "json":
        rows = json.loads(data)
        assert len(rows) == frame.height
        assert rows[0]["cycle_id"] == frame["cycle_id"][0]
        # Not recorded stays null in JSON, never 0.
        assert any(row["response_rate"] is None for row in rows)
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        assert [cell.value for cell in sheet[1]] == frame.columns
        assert sheet.max_row == frame.height + 1


def test_an_unknown_or_base_table_cannot_be_downloaded(built_snapshot: Path) -> None:
    for name in ("responses", "no_such_view", 'x"; DROP TABLE cycles; --'):
        with pytest.raises(KeyError):
            queries.published_view(str(built_snapshot), name)


def test_charts_export_as_svg_and_png_with_title_caption_and_n(built_snapshot: Path) -> None:
    briefing = build(str(built_snapshot), built_snapshot.name, Scope(institution_id=BRUSSELS))
    chart = briefing.charts[0]
    svg = chart.svg()
    assert chart.title in svg
    assert f"n = {chart.n} recommendations" in svg and built_snapshot.name in svg
    assert chart.png().startswith(b"\x89PNG")


def test_open_data_page_offers_the_package_and_every_table(data_dir: Path) -> None:
    app = open_page("open_data")
    assert_no_exception(app)
    labels = [button.proto.label for button in app.get("download_button")]
    assert labels[0].startswith("Download the whole snapshot")
    assert labels.count("CSV") == len(datapackage.table_names())
    assert labels.count("PARQUET") == len(datapackage.table_names())
