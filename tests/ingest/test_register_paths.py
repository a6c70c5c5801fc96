"""A build publishes the same snapshot whichever way the registers are read: row by row
(UPTAKE_REGISTER_PATH=per-cell) or by columns, a block at a time, staged in DuckDB."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from ingest import columnar
from ingest.cli import app
from ingest.snapshot import current_snapshot
from ingest.validate import ID_COLUMNS
from tests.ingest.test_history import history_document

REPO = Path(__file__).resolve().parents[2]


def _build(sources: Path, data_dir: Path, path: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(columnar.PATH_VARIABLE, path)
    result = CliRunner().invoke(
        app,
        [
            "build", "--allow-rejects", "--as-of", "2026-12-02",
            "--sources", str(sources), "--data-dir", str(data_dir),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return result.output


def _published(data_dir: Path) -> dict[str, list]:
    """Every canonical table, the history, the per-source counts and the rejects (in the
    order they were recorded), without the build's clock."""
    path = current_snapshot(data_dir)
    assert path is not None
    found: dict[str, list] = {}
    with duckdb.connect(str(path), read_only=True) as con:
        for table, key in ID_COLUMNS.items():
            clock = " EXCLUDE (observed_at)" if table == "status_events" else ""
            found[table] = con.execute(f"SELECT *{clock} FROM {table} ORDER BY {key}").fetchall()
        found["changes"] = sorted(
            (
                [r[0], r[1], r[2], r[3], history_document(r[4]), history_document(r[5])]
                for r in con.execute(
                    "SELECT run_id, table_name, row_id, change, before, after FROM changes"
                ).fetchall()
            ),
            key=lambda r: json.dumps(r, sort_keys=True, default=str),
        )
        found["source_runs"] = con.execute(
            "SELECT * FROM source_runs ORDER BY source_id"
        ).fetchall()
        found["rejects"] = con.execute(
            'SELECT source_id, file, "row", "column", value, reason, raw FROM rejects '
            "ORDER BY rowid"
        ).fetchall()
    return found


def _assert_same_snapshot(
    sources: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, list]:
    _build(sources, tmp_path / "per-cell", "per-cell", monkeypatch)
    _build(sources, tmp_path / "columnar", "columnar", monkeypatch)
    slow = _published(tmp_path / "per-cell")
    fast = _published(tmp_path / "columnar")
    assert fast.keys() == slow.keys()
    for name in slow:
        assert fast[name] == slow[name], name
    return fast


def _synthetic_registers(folder: Path, institutions: int, items: int, events: int) -> Path:
    """Small synthetic registers written as CSV files by `ingest synth --as-registers`."""
    result = CliRunner().invoke(
        app,
        [
            "synth", "--as-registers", str(folder), "--institutions", str(institutions),
            "--recommendations", str(items), "--events", str(events),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return folder


def test_the_bundled_registers_build_the_same_either_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    published = _assert_same_snapshot(REPO / "data" / "sources.toml", tmp_path, monkeypatch)
    assert len(published["recommendations"]) > 100


def test_bad_rows_in_many_blocks_are_rejected_the_same_either_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _synthetic_registers(tmp_path / "registers", 3, 300, 3000)
    register = folder / "synthetic"
    recommendations = (register / "recommendations.csv").read_text(encoding="utf-8").split("\n")
    events = (register / "status_events.csv").read_text(encoding="utf-8").split("\n")

    def edit(lines: list[str], index: int, **cells: str) -> None:
        header = lines[0].split(",")
        values = lines[index].split(",")
        assert len(values) == len(header), lines[index]
        for name, value in cells.items():
            values[header.index(name)] = value
        lines[index] = ",".join(values)

    # Line n is item n - 1. A bad date; a recommendation pointing at no cycle (the events
    # hanging from it, in later blocks, are rejected too); an id listed again far below.
    edit(recommendations, 40, adopted_on="2023-02-30")
    edit(recommendations, 150, cycle_id="synth-cycle-404")
    first_id = recommendations[20].split(",")[0]
    edit(recommendations, 280, recommendation_id=first_id, title="Listed twice")
    # An unknown status, an event slot listed again blocks later, a quoted note.
    edit(events, 500, status="whatever")
    events[2500] = events[1]
    edit(events, 2500, note="listed again")
    edit(events, 1200, note='"a note, with ""quotes"""')
    (register / "recommendations.csv").write_text("\n".join(recommendations), encoding="utf-8")
    (register / "status_events.csv").write_text("\n".join(events), encoding="utf-8")
    monkeypatch.setattr(columnar, "CHUNK_BYTES", 8192)
    source = columnar.open_csv_file(register / "status_events.csv", "status_events", "e")
    assert source is not None and len(list(source.blocks())) > 10

    published = _assert_same_snapshot(folder / "sources.toml", tmp_path, monkeypatch)
    reasons = [(Path(r[1]).name, r[2], r[5]) for r in published["rejects"]]
    assert any(name == "recommendations.csv" and row == 281 and "duplicate" in reason
               for name, row, reason in reasons)  # fmt: skip
    assert any(name == "status_events.csv" and row == 2501 and "duplicate" in reason
               for name, row, reason in reasons)  # fmt: skip
    assert any(name == "status_events.csv" and row == 501 for name, row, _reason in reasons)
    assert any("synth-cycle-404" in reason for _name, _row, reason in reasons)
    notes = [r for r in published["status_events"] if 'a note, with "quotes"' in r]
    assert len(notes) == 1


def test_a_block_the_fast_reader_cannot_read_sends_the_file_the_careful_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _synthetic_registers(tmp_path / "registers", 2, 100, 1000)
    monkeypatch.setattr(columnar, "CHUNK_BYTES", 8192)
    read_chunk = columnar._read_chunk
    gave_up: list[int] = []

    def fails_late(data: bytes, names: list[str], first: bool, first_line: int):
        if "progress" in names and first_line > 500:  # a later block of the status events
            gave_up.append(first_line)
            return None
        return read_chunk(data, names, first, first_line)

    monkeypatch.setattr(columnar, "_read_chunk", fails_late)
    published = _assert_same_snapshot(folder / "sources.toml", tmp_path, monkeypatch)
    assert gave_up, "the fast reader never reached a later block"
    assert len(published["status_events"]) > 500
