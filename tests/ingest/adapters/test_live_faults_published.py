"""What a reader of the published snapshot sees when a live source misbehaves: one bad value
costs one row, with its reason; a source that pages short keeps its previous rows."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
from pytest_httpserver import HTTPServer

from ingest.snapshot import current_snapshot

from .support import fixture_json
from .test_fetch_command import fetch, shipped_config_on
from .test_fetch_runner import ODS_RECORDS, serve_everything

PARIS = "paris-budget-participatif"


def ods_page(title_of_first: str | None = None) -> bytes:
    page1 = fixture_json("opendatasoft/records_page1.json")
    page2 = fixture_json("opendatasoft/records_page2.json")
    whole = page1 | {"results": page1["results"] + page2["results"]}
    if title_of_first is not None:
        whole["results"][0]["titre_operation"] = title_of_first
    return json.dumps(whole).encode()  # ASCII JSON: a lone surrogate travels as "\ud800"


def query(data_dir: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(current_snapshot(data_dir)), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_an_unstorable_value_costs_its_row_not_the_run(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    httpserver.expect_request(ODS_RECORDS).respond_with_data(
        ods_page("Synthetic: broken \ud800 title"), content_type="application/json"
    )
    serve_everything(httpserver)
    config = shipped_config_on(httpserver, tmp_path)
    data_dir = tmp_path / "live"

    fetch("--sources", str(config), "--data-dir", str(data_dir))

    recommendations = dict(
        query(data_dir, "SELECT source_id, count(*) FROM recommendations GROUP BY ALL")
    )
    assert recommendations[PARIS] == 2  # three operations, one left out
    assert recommendations["milano-partecipa-assemblea-clima"] > 0
    rejects = query(
        data_dir,
        'SELECT file, "row", "column", value, reason FROM rejects WHERE source_id = ?',
        [PARIS],
    )
    bad = [r for r in rejects if "surrogate" in r[4]]
    assert len(bad) == 1
    file, row, column, value, reason = bad[0]
    assert ODS_RECORDS.split("/records")[0] in file
    assert row == 1
    assert column == "title"
    assert value == "Synthetic: broken \\ud800 title"
    assert "in field 'titre_operation'" in reason


def test_a_page_short_of_the_total_fails_the_source_and_keeps_its_rows(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    serve_everything(httpserver)
    config = shipped_config_on(httpserver, tmp_path)
    data_dir = tmp_path / "live"
    fetch("--sources", str(config), "--data-dir", str(data_dir))
    before = query(
        data_dir,
        "SELECT recommendation_id FROM recommendations "
        "WHERE source_id = ? AND withdrawn_run_id IS NULL ORDER BY 1",
        [PARIS],
    )
    assert len(before) == 3

    httpserver.clear()
    empty = fixture_json("opendatasoft/records_page1.json") | {"results": [], "total_count": 3}
    httpserver.expect_request(ODS_RECORDS).respond_with_json(empty)
    serve_everything(httpserver)
    _, output = fetch("--sources", str(config), "--data-dir", str(data_dir))

    after = query(
        data_dir,
        "SELECT recommendation_id FROM recommendations "
        "WHERE source_id = ? AND withdrawn_run_id IS NULL ORDER BY 1",
        [PARIS],
    )
    assert after == before
    assert "paging delivered 0 of the 3 records" in " ".join(output.split())
