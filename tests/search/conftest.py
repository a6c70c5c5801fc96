"""Small registers written by the tests themselves, built into real snapshots."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from ingest.cli import app
from ingest.search_text import query_terms
from ingest.snapshot import current_snapshot

Rows = dict[str, list[dict[str, str]]]
URL = "https://example.org/fixture"


def write_register(folder: Path, tables: Rows) -> None:
    """One `<table>.csv` per table, with the union of its rows' columns as the header."""
    folder.mkdir(parents=True, exist_ok=True)
    for table, rows in tables.items():
        columns = list(dict.fromkeys(name for row in rows for name in row))
        with (folder / f"{table}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)


def build(root: Path, tables: Rows, *extra: str) -> tuple[int, str, Path]:
    """Write the register under `root`, run `ingest build` on it in-process; return the exit
    code, what it printed and the published snapshot."""
    write_register(root / "registers" / "fixture", tables)
    sources = root / "sources.toml"
    sources.write_text(
        '[[sources]]\nid = "register-fixture"\nkind = "register"\npath = "registers/fixture"\n'
        'title = "Fixture register"\nlicence = "CC0"\nattribution = "Uptake tests"\n',
        encoding="utf-8",
    )
    data_dir = root / "build"
    result = CliRunner().invoke(
        app, ["build", "--sources", str(sources), "--data-dir", str(data_dir), *extra]
    )
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    snapshot = current_snapshot(data_dir)
    assert snapshot is not None, result.output
    return result.exit_code, result.output, snapshot


def institution(institution_id: str, name: str, city: str, languages: str) -> dict[str, str]:
    return {
        "institution_id": institution_id,
        "name": name,
        "city": city,
        "country": "BE",
        "kind": "citizens_assembly",
        "languages": languages,
        "source_url": URL,
    }


def cycle(cycle_id: str, institution_id: str, title: str, topic: str, language: str) -> dict:
    return {
        "cycle_id": cycle_id,
        "institution_id": institution_id,
        "title": title,
        "topic": topic,
        "language": language,
        "source_url": URL,
    }


def recommendation(
    recommendation_id: str, cycle_id: str, title: str, body: str, language: str
) -> dict[str, str]:
    return {
        "recommendation_id": recommendation_id,
        "cycle_id": cycle_id,
        "title": title,
        "body": body,
        "language": language,
        "source_url": URL,
    }


def summary(recommendation_id: str, language: str, text: str, keywords: str = "") -> dict[str, str]:
    return {
        "recommendation_id": recommendation_id,
        "language": language,
        "summary": text,
        "keywords": keywords,
        "source_url": URL,
    }


Search = Callable[[str], list[tuple]]


def searcher(snapshot: Path) -> Search:
    """Run a query through the snapshot's search macro: (id, score, field, words) best first."""

    def search(text: str) -> list[tuple]:
        with duckdb.connect(str(snapshot), read_only=True) as con:
            return con.execute(
                """
                SELECT recommendation_id, score, matched_field, matched_words, words_matched
                FROM search_recommendations(CAST(? AS VARCHAR[][]))
                ORDER BY score DESC, recommendation_id
                """,
                [query_terms(text)],
            ).fetchall()

    return search


@pytest.fixture
def search_root(tmp_path: Path) -> Path:
    return tmp_path
