"""The stable addresses of `streamlit run dashboard/server.py`, over real HTTP: Atom feeds a
feed reader parses, open-data files, 404s for unknown ids, and the pages still served."""

from __future__ import annotations

import io
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import feedparser
import polars as pl
import pytest

from tests.app_server import running_app
from tests.dashboard.snapshot_build import snapshot_file

pytestmark = pytest.mark.e2e

REC = "bxl-prb-2021-5g-r05"
RENDER_TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def server_url(e2e_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log_path = tmp_path_factory.mktemp("routes-log") / "server.log"
    with running_app(e2e_data_dir, log_path, script="dashboard/server.py") as url:
        yield url


def _get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def test_recommendation_feed_parses_and_is_dated_by_the_event(
    server_url: str, e2e_data_dir: Path
) -> None:
    status, kind, body = _get(f"{server_url}/feeds/recommendation/{REC}.atom")
    assert status == 200 and kind.startswith("application/atom+xml")
    feed = feedparser.parse(body)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    with duckdb.connect(str(snapshot_file(e2e_data_dir)), read_only=True) as con:
        dates = [
            row[0]
            for row in con.execute(
                "SELECT on_date FROM scope_changes WHERE recommendation_id = ? "
                "ORDER BY on_date DESC",
                [REC],
            ).fetchall()
        ]
        (title,) = con.execute(
            "SELECT title FROM recommendation_status WHERE recommendation_id = ?", [REC]
        ).fetchone()
    assert len(feed.entries) == len(dates) > 1
    assert [entry.updated[:10] for entry in feed.entries] == [d.isoformat() for d in dates]
    assert title in feed.feed.title
    assert any(link.rel == "self" for link in feed.feed.links)
    # Entry ids come from the record, so the same record keeps its id on the next request.
    again = feedparser.parse(_get(f"{server_url}/feeds/recommendation/{REC}.atom")[2])
    assert [e.id for e in again.entries] == [e.id for e in feed.entries]


@pytest.mark.parametrize(("asked", "spoken"), [("fr", "fr"), ("fr-BE", "fr"), ("xx", "en")])
def test_a_feed_speaks_the_language_its_link_names(
    server_url: str, asked: str, spoken: str
) -> None:
    """Read as the pages read `lang`: a regional code is its language, an unknown one English."""
    _, _, body = _get(f"{server_url}/feeds/institution/bxl-parlement-bruxellois.atom?lang={asked}")
    assert f'xml:lang="{spoken}"' in body.decode("utf-8")


@pytest.mark.parametrize(
    "path",
    ["/feeds/institution/bxl-parlement-bruxellois.atom", "/feeds/cycle/bxl-prb-2021-5g.atom"],
)
def test_institution_and_cycle_feeds_parse(server_url: str, path: str) -> None:
    status, _, body = _get(server_url + path)
    assert status == 200
    feed = feedparser.parse(body)
    assert not feed.bozo and feed.entries


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/feeds/recommendation/no-such-rec.atom", 'No recommendation with id "no-such-rec"'),
        ("/feeds/institution/nowhere.atom", 'No institution with id "nowhere"'),
        ("/feeds/cycle/nope.atom", 'No cycle with id "nope"'),
        ("/data/responses.csv", 'No published table "responses"'),
        ("/data/cycle_indicators.exe", 'format "exe"'),
    ],
)
def test_unknown_ids_get_a_404_with_a_short_text(server_url: str, path: str, words: str) -> None:
    status, kind, body = _get(server_url + path)
    assert status == 404 and kind.startswith("text/plain")
    assert words in body.decode("utf-8")


def test_table_downloads_hold_the_snapshot_rows(server_url: str, e2e_data_dir: Path) -> None:
    status, kind, body = _get(f"{server_url}/data/institution_indicators.csv")
    assert status == 200 and kind.startswith("text/csv")
    frame = pl.read_csv(io.BytesIO(body), infer_schema_length=None)
    with duckdb.connect(str(snapshot_file(e2e_data_dir)), read_only=True) as con:
        expected = con.execute(
            "SELECT institution_id, responses_known FROM institution_indicators"
        ).fetchall()
    assert sorted(zip(frame["institution_id"], frame["responses_known"], strict=True)) == sorted(
        expected
    )
    status, _, body = _get(f"{server_url}/data/institution_indicators.parquet")
    assert status == 200 and pl.read_parquet(io.BytesIO(body)).height == len(expected)


def test_datapackage_zip_is_served(server_url: str) -> None:
    status, kind, body = _get(f"{server_url}/data/datapackage.zip")
    assert status == 200 and kind == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(body)).namelist()
    assert "datapackage.json" in names and "data/recommendation_status.parquet" in names


def test_pages_are_still_served_beside_the_routes(server_url: str, browser: object) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    try:
        page.goto(f"{server_url}/briefing")
        page.get_by_text("Headline figures").first.wait_for(timeout=RENDER_TIMEOUT_MS)
        assert page.locator("[data-testid='stException']").count() == 0
    finally:
        page.close()


def test_a_recommendation_page_shows_its_title_on_a_phone_first_screen(
    server_url: str, browser: object, e2e_data_dir: Path
) -> None:
    with duckdb.connect(str(snapshot_file(e2e_data_dir)), read_only=True) as con:
        (title,) = con.execute(
            "SELECT title FROM recommendation_status WHERE recommendation_id = ?", [REC]
        ).fetchone()
    page = browser.new_page(viewport={"width": 390, "height": 844})  # type: ignore[attr-defined]
    try:
        page.goto(f"{server_url}/recommendation?rec={REC}")
        heading = page.get_by_text(title).first
        heading.wait_for(timeout=RENDER_TIMEOUT_MS)
        box = heading.bounding_box()
        assert box is not None and box["y"] + box["height"] <= 844
        assert page.locator("[data-testid='stException']").count() == 0
    finally:
        page.close()
