"""`python -m ingest fetch` end to end: every shipped live source served by a local server,
published with the registers, then `--replay` of that recorded run gives identical tables."""

from __future__ import annotations

from pathlib import Path

import duckdb
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner

from ingest.cli import app
from ingest.snapshot import current_snapshot

from .support import REAL_SOURCES
from .test_fetch_runner import serve_everything

LIVE_BASE_URLS = (
    "https://opendata.paris.fr",
    "https://partecipazione.comune.milano.it",
    "https://democratie.brussels",
)
TABLES = {
    "institutions": "institution_id",
    "cycles": "cycle_id",
    "milestones": "milestone_id",
    "recommendations": "recommendation_id",
    "responses": "response_id",
    "outcome_reports": "outcome_report_id",
    "congruence": "congruence_id",
}


def shipped_config_on(httpserver: HTTPServer, tmp_path: Path) -> Path:
    text = REAL_SOURCES.read_text(encoding="utf-8")
    for real in LIVE_BASE_URLS:
        text = text.replace(f'base_url = "{real}"', f'base_url = "{httpserver.url_for("/")}"')
    text = text.replace('path = "registers/', f'path = "{REAL_SOURCES.parent}/registers/')
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def fetch(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["fetch", *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def contents(data_dir: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(current_snapshot(data_dir)), read_only=True) as con:
        tables = {
            t: con.execute(f"SELECT * EXCLUDE (source_ref) FROM {t} ORDER BY {k}").fetchall()
            for t, k in TABLES.items()
        }
        # Register rows are observed when the build reads them; live rows when fetched.
        tables["status_events"] = con.execute(
            "SELECT * EXCLUDE (source_ref, observed_at), "
            "CASE WHEN origin = 'observed' THEN observed_at END FROM status_events "
            "ORDER BY event_id"
        ).fetchall()
        return tables


def test_fetch_publishes_live_rows_with_the_registers_and_replays_identically(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    serve_everything(httpserver)
    config = shipped_config_on(httpserver, tmp_path)
    live_dir = tmp_path / "live"
    code, output = fetch("--sources", str(config), "--data-dir", str(live_dir))
    assert "page" in output  # progress per source
    with duckdb.connect(str(current_snapshot(live_dir)), read_only=True) as con:
        per_source = dict(
            con.execute("SELECT source_id, count(*) FROM recommendations GROUP BY ALL").fetchall()
        )
        statuses = dict(con.execute("SELECT source_id, last_status FROM sources").fetchall())
    assert per_source["paris-budget-participatif"] > 0
    assert per_source["milano-partecipa-assemblea-clima"] > 0
    assert per_source["register-milan"] == 7
    assert all(status == "ok" for status in statuses.values()), statuses
    assert code in (0, 1)  # 1 only for rows rejected as unmapped labels, listed in output
    if code == 1:
        assert "unknown implementation label" in output or "unknown stance label" in output

    recorded = next((live_dir / "raw").iterdir())
    httpserver.clear()  # nothing answers from here on
    replay_dir = tmp_path / "replayed"
    replay_code, _ = fetch(
        "--sources", str(config), "--data-dir", str(replay_dir), "--replay", str(recorded)
    )
    assert len(httpserver.log) == 0
    assert replay_code == code
    assert contents(replay_dir) == contents(live_dir)
