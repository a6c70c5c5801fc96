"""Which snapshot the app reads: none yet, a newly published one, a synthetic one."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from ingest.indicators import create_indicators
from tests.dashboard.app_driver import (
    as_shown,
    assert_no_exception,
    copy_snapshot,
    open_page,
    texts,
)


def test_without_a_snapshot_the_app_says_which_command_to_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UPTAKE_DATA_DIR", str(tmp_path))
    app = open_page("overview")
    assert_no_exception(app)
    assert "python -m ingest build" in [code.value for code in app.code]
    assert "there is no CURRENT file" in app.error[0].value


def test_a_current_file_naming_a_missing_snapshot_is_explained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "CURRENT").write_text("uptake-gone.duckdb\n", encoding="utf-8")
    monkeypatch.setenv("UPTAKE_DATA_DIR", str(tmp_path))
    app = open_page("overview")
    assert_no_exception(app)
    assert "does not exist" in app.error[0].value


def test_a_corrupt_snapshot_gives_a_notice_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "uptake-broken.duckdb").write_bytes(b"this is not a database")
    (tmp_path / "CURRENT").write_text("uptake-broken.duckdb\n", encoding="utf-8")
    monkeypatch.setenv("UPTAKE_DATA_DIR", str(tmp_path))
    app = open_page("overview")
    assert_no_exception(app)
    assert "could not be opened" in app.error[0].value


def test_a_snapshot_without_the_indicator_views_asks_for_a_rebuild(
    built_snapshot: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "old"
    copy = copy_snapshot(built_snapshot, folder, "uptake-old.duckdb")
    with duckdb.connect(str(copy)) as con:
        con.execute("DROP VIEW assessor_disagreements")
    monkeypatch.setenv("UPTAKE_DATA_DIR", str(folder))
    app = open_page("overview")
    assert_no_exception(app)
    assert "assessor_disagreements" in as_shown(app.error[0].value)
    assert "python -m ingest build" in [code.value for code in app.code]


def test_a_newly_published_snapshot_is_read_without_restarting(
    built_snapshot: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "build"
    copy_snapshot(built_snapshot, folder, "uptake-first.duckdb")
    monkeypatch.setenv("UPTAKE_DATA_DIR", str(folder))
    app = open_page("explorer")
    before = next(m.value for m in app.markdown if "recommendations match" in m.value)

    second = copy_snapshot(built_snapshot, folder, "uptake-second.duckdb")
    with duckdb.connect(str(second)) as con:
        (victim,) = con.execute("SELECT min(recommendation_id) FROM recommendations").fetchone()
        con.execute(
            "UPDATE recommendations SET withdrawn_run_id = 99 WHERE recommendation_id = ?",
            [victim],
        )
        # Publishing stores the indicators computed from the rows, as a build does.
        (as_of,) = con.execute("SELECT value FROM snapshot_meta WHERE key = 'as_of'").fetchone()
        create_indicators(con, date.fromisoformat(as_of))
    app.run()
    assert_no_exception(app)
    after = next(m.value for m in app.markdown if "recommendations match" in m.value)
    total = int(before.split("**")[1])
    assert after == f"**{total - 1}** of {total - 1} recommendations match."
    assert "uptake-second.duckdb" in texts(app)


@pytest.mark.parametrize("page", ["overview", "explorer", "timelines", "compare", "sources"])
def test_synthetic_data_is_bannered_on_every_page(
    page: str, built_snapshot: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "synthetic"
    copy = copy_snapshot(built_snapshot, folder, "uptake-synthetic.duckdb")
    with duckdb.connect(str(copy)) as con:
        con.execute("UPDATE ingest_runs SET is_synthetic = TRUE")
    monkeypatch.setenv("UPTAKE_DATA_DIR", str(folder))
    app = open_page(page)
    assert_no_exception(app)
    assert app.warning[0].value.startswith("**Synthetic data.**")


def test_the_warm_up_leaves_an_outdated_snapshot_to_the_page_notice(
    built_snapshot: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The start-up warm-up answers the default page's queries; on a snapshot that lacks a
    view they read, it does not fail, and the page asks for a rebuild as it always did."""
    from dashboard import server

    folder = tmp_path / "old"
    copy = copy_snapshot(built_snapshot, folder, "uptake-old.duckdb")
    with duckdb.connect(str(copy)) as con:
        con.execute("DROP VIEW uptake_funnel")
    monkeypatch.setenv("UPTAKE_DATA_DIR", str(folder))
    server._warm_up()
    app = open_page("overview")
    assert_no_exception(app)
    assert "uptake_funnel" in as_shown(app.error[0].value)
    assert "python -m ingest build" in [code.value for code in app.code]
