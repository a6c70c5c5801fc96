"""The moments a build can publish or prune under a running page, made to happen on cue.

The browser load test (test_publish_under_load.py) shows that sessions stay clean while builds
run, but whether CURRENT flips in the middle of one particular run is up to chance there.
Here the app script runs under AppTest and the flip — or the pruning of the file the run is
reading — happens at the first query a page makes, so each case is certain to occur.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import queries, snapshot
from tests.dashboard.app_driver import (
    APP,
    PAGES,
    TIMEOUT_SECONDS,
    as_shown,
    assert_no_exception,
    texts,
)
from tests.dashboard.app_driver import copy_snapshot as publish_copy
from tests.dashboard.snapshot_build import build_snapshot, snapshot_file


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return snapshot_file(build_snapshot(tmp_path_factory.mktemp("switch-build")))


def _footer_snapshot(app: AppTest) -> str:
    footer = next(
        as_shown(c.value) for c in app.caption if as_shown(c.value).startswith("Snapshot ")
    )
    return footer.removeprefix("Snapshot ").split(",")[0]


def _on_first_page_query(monkeypatch: pytest.MonkeyPatch, action: Callable[[], None]) -> list[str]:
    """Record the snapshot every query of the next run reads; `action` runs once, just before
    the first query a page makes (the app's own snapshot checks come before it)."""
    read: list[str] = []
    real_cursor = snapshot.cursor
    done = False

    def recording_cursor(snapshot_path: str) -> object:
        nonlocal done
        read.append(snapshot_path)
        if not done and len(read) > 2:  # after app.py's snapshot_facts and missing_views
            done = True
            action()
        return real_cursor(snapshot_path)

    monkeypatch.setattr(queries, "cursor", recording_cursor)
    return read


def _open(page: str) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=TIMEOUT_SECONDS)
    app.run()
    if page != "overview":
        app.switch_page(f"views/{page}.py")
        app.run()
    return app


@pytest.mark.parametrize("page", PAGES)
def test_a_run_reads_one_snapshot_when_current_flips_under_it(
    page: str, built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "build"
    publish_copy(built, folder, f"uptake-flip-{page}-a.duckdb")
    monkeypatch.setenv(snapshot.DATA_DIR_ENV, str(folder))
    app = _open(page)
    assert_no_exception(app)
    # The run under test starts on a snapshot nothing has read yet, so every query reaches it.
    started_on = publish_copy(built, folder, f"uptake-flip-{page}-b.duckdb")
    newer = f"uptake-flip-{page}-c.duckdb"
    read = _on_first_page_query(monkeypatch, lambda: publish_copy(built, folder, newer))
    app.run()

    assert_no_exception(app)
    assert (folder / "CURRENT").read_text(encoding="utf-8").strip() == newer
    assert len(read) > 2, "the page made no query of its own"
    assert set(read) == {str(started_on.resolve())}
    assert _footer_snapshot(app) == started_on.name
    app.run()
    assert _footer_snapshot(app) == newer


@pytest.mark.parametrize("page", PAGES)
def test_a_run_whose_snapshot_is_pruned_under_it_moves_to_the_current_one(
    page: str, built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "build"
    publish_copy(built, folder, f"uptake-prune-{page}-a.duckdb")
    monkeypatch.setenv(snapshot.DATA_DIR_ENV, str(folder))
    app = _open(page)
    started_on = publish_copy(built, folder, f"uptake-prune-{page}-b.duckdb")
    newer = f"uptake-prune-{page}-c.duckdb"

    def publish_and_prune() -> None:
        # A build publishes, prunes the file this run reads, and the app's shared connection
        # to it has aged out: no open handle keeps the deleted file readable.
        publish_copy(built, folder, newer)
        started_on.unlink()
        snapshot._connection.clear()
        gc.collect()

    read = _on_first_page_query(monkeypatch, publish_and_prune)
    app.run()

    assert len(read) > 2, "the page made no query of its own"
    assert not started_on.exists()
    assert_no_exception(app)
    assert not app.error, [error.value for error in app.error]
    assert _footer_snapshot(app) == newer
    assert any(newer in as_shown(toast.value) for toast in app.toast), texts(app)


def test_a_session_left_on_a_pruned_snapshot_reads_the_current_one(
    built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "build"
    first = publish_copy(built, folder, "uptake-left-a.duckdb")
    monkeypatch.setenv(snapshot.DATA_DIR_ENV, str(folder))
    app = _open("explorer")
    assert _footer_snapshot(app) == first.name

    publish_copy(built, folder, "uptake-left-b.duckdb")
    first.unlink()
    snapshot._connection.clear()
    gc.collect()
    app.run()

    assert_no_exception(app)
    assert not app.error, [error.value for error in app.error]
    assert _footer_snapshot(app) == "uptake-left-b.duckdb"
    assert any("uptake-left-b.duckdb" in as_shown(toast.value) for toast in app.toast)
