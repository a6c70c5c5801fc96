"""What citizens type, in six languages, against a build of the bundled registers.

tests/search/everyday_queries.csv was written from the recommendations' titles, texts and
cycles (not from any keyword list): each query names the recommendations (or the cycle) the
person means, or `none` where no listed recommendation is about it (the search must then
find nothing rather than something loosely similar). The search is the explorer's own
query. Queries marked `needs_summaries` can only be met through the registers' summaries
and keywords: they are expected to fail (not strictly) while no register has a
summaries.csv, and must pass once summaries are there.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from dashboard.queries import EXPLORER_SQL, ExplorerFilters
from tests.dashboard.snapshot_build import REPO_ROOT, build_snapshot, snapshot_file

QUERIES_FILE = Path(__file__).parent / "everyday_queries.csv"
LANGUAGES = ("da", "de", "en", "fr", "it", "nl")
HAS_SUMMARIES = any((REPO_ROOT / "data" / "registers").glob("*/summaries.csv"))
TOP = 10


def _rows() -> list[dict[str, str]]:
    with QUERIES_FILE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _params() -> list[object]:
    params = []
    for row in _rows():
        marks = []
        if row["needs_summaries"] == "yes" and not HAS_SUMMARIES:
            marks.append(
                pytest.mark.xfail(
                    strict=False, reason="found only through summaries; none in the registers"
                )
            )
        params.append(pytest.param(row, marks=marks, id=f"{row['language']}:{row['query']}"))
    return params


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    snapshot = snapshot_file(build_snapshot(tmp_path_factory.mktemp("bundled")))
    con = duckdb.connect(str(snapshot), read_only=True)
    yield con
    con.close()


def _expected(con: duckdb.DuckDBPyConnection, expects: str) -> list[str]:
    ids: list[str] = []
    for item in expects.split():
        if item.startswith("cycle:"):
            rows = con.execute(
                "SELECT recommendation_id FROM current_recommendations WHERE cycle_id = ? "
                "ORDER BY recommendation_id",
                [item.removeprefix("cycle:")],
            ).fetchall()
            assert rows, f"no recommendation in {item}"
            ids.extend(r[0] for r in rows)
        else:
            ids.append(item)
    return ids


def test_the_file_has_at_least_five_queries_per_language() -> None:
    rows = _rows()
    for language in LANGUAGES:
        assert sum(r["language"] == language for r in rows) >= 5, language
    typed = {r["query"] for r in rows}
    brief = {"cykel", "cykler", "klima", "bolig", "trasporti", "alberi", "verde", "mobilità",
             "dakloos", "sans-abri", "gron"}  # fmt: skip
    assert brief <= typed


@pytest.mark.parametrize("row", _params())
def test_everyday_query_finds_what_the_citizen_means(
    bundled: duckdb.DuckDBPyConnection, row: dict[str, str]
) -> None:
    expected = _expected(bundled, row["expects"])
    known = {
        r[0]
        for r in bundled.execute("SELECT recommendation_id FROM current_recommendations").fetchall()
    }
    assert set(expected) <= known, f"the file names unknown ids: {set(expected) - known}"
    found = [
        r[0]
        for r in bundled.execute(
            f"SELECT recommendation_id FROM ({EXPLORER_SQL})",
            ExplorerFilters(text=row["query"]).params(),
        ).fetchall()
    ]
    if row["match"] == "none":
        assert not found, (
            f"{row['query']!r} claimed {found[:TOP]}, though no listed item is about it"
        )
        return
    if row["match"] == "any":
        assert set(expected) & set(found), f"{row['query']!r} found none of {expected}"
        return
    missing = [i for i in expected if i not in found]
    assert not missing, f"{row['query']!r} missed {missing} (found {found[:TOP]})"
    assert set(expected) & set(found[:TOP]), f"{row['query']!r}: none in the first {TOP}"
