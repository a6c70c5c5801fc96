"""fetch_sources end to end: every shipped live source against a local server, raw snapshots,
one failing source among working ones, and an offline replay that reproduces the rows."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from ingest.fetch import FetchUpdate, fetch_sources
from ingest.records import SourceError, SourceRows

from .decidim_server import probe_answer
from .support import FAST, REAL_SOURCES, fixture_bytes, fixture_json

ODS_RECORDS = (
    "/api/explore/v2.1/catalog/datasets/"
    "budget-participatif_operations-projets-gagnants-realisations/records"
)
FAILING_CKAN = """
[[sources]]
id = "ckan-gone"
kind = "ckan"
title = "A CKAN package that was deleted"
licence = "CC-BY-4.0"
attribution = "Synthetic"
base_url = "{base_url}"
package = "deleted-package"

[[sources.maps]]
table = "recommendations"
[sources.maps.columns]
recommendation_id = "gone-{{id}}"
cycle_id = "gone"
title = "{{title}}"
source_url = "https://dati.example.it/"
"""


def local_config(tmp_path: Path, httpserver: HTTPServer) -> Path:
    """The shipped sources.toml with every live base_url pointed at the local server, plus a
    CKAN source whose package no longer exists."""
    base_url = httpserver.url_for("/").rstrip("/")
    text = REAL_SOURCES.read_text(encoding="utf-8")
    for real in (
        "https://opendata.paris.fr",
        "https://partecipazione.comune.milano.it",
        "https://democratie.brussels",
    ):
        text = text.replace(f'base_url = "{real}"', f'base_url = "{base_url}"')
    text += FAILING_CKAN.format(base_url=base_url)
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def serve_everything(httpserver: HTTPServer) -> None:
    page1 = fixture_json("opendatasoft/records_page1.json")
    page2 = fixture_json("opendatasoft/records_page2.json")
    whole = page1 | {"results": page1["results"] + page2["results"]}
    httpserver.expect_request(ODS_RECORDS).respond_with_json(whole)

    def graphql(request: Request) -> Response:
        payload = json.loads(request.get_data())
        if payload["query"].lstrip().startswith("query UptakeProbe"):
            component = payload["variables"]["componentId"]
            typename = "Proposals" if component == "358" else "Accountability"
            probe = probe_answer("0.28", component, typename)
            return Response(json.dumps(probe), content_type="application/json")
        if "Accountability" in payload["query"]:
            fixture = "decidim/results_p1.json"
        elif payload["variables"]["after"] == "Mg":
            fixture = "decidim/proposals_p2.json"
        else:
            fixture = "decidim/proposals_p1.json"
        return Response(fixture_bytes(fixture), content_type="application/json")

    httpserver.expect_request("/api", method="POST").respond_with_handler(graphql)
    httpserver.expect_request("/api/3/action/package_show").respond_with_data(
        fixture_bytes("ckan/not_found_404.json"), status=404, content_type="application/json"
    )


def by_id(results: list[SourceRows | SourceError]) -> dict[str, SourceRows | SourceError]:
    return {r.source_id: r for r in results}


def test_one_failing_source_does_not_stop_the_others(
    httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve_everything(httpserver)
    monkeypatch.delenv("UPTAKE_ODS_APIKEY_PARIS", raising=False)
    updates: list[FetchUpdate] = []

    results = fetch_sources(
        local_config(tmp_path, httpserver),
        tmp_path / "data",
        progress=updates.append,
        settings=FAST,
        stamp="20261126T050000Z",
    )

    assert [r.source_id for r in results] == [
        "paris-budget-participatif",
        "milano-partecipa-assemblea-clima",
        "democratie-brussels-sans-abrisme",
        "ckan-gone",
    ]
    found = by_id(results)
    assert isinstance(found["ckan-gone"], SourceError)
    assert "Not Found Error" in str(found["ckan-gone"])
    paris = found["paris-budget-participatif"]
    assert isinstance(paris, SourceRows)
    assert len(paris.tables["recommendations"]) == 3
    assert any("UPTAKE_ODS_APIKEY_PARIS" in n.message for n in paris.notices)
    milan = found["milano-partecipa-assemblea-clima"]
    assert isinstance(milan, SourceRows)
    assert len(milan.tables["recommendations"]) == 3
    assert isinstance(found["democratie-brussels-sans-abrisme"], SourceRows)

    milan_updates = [u for u in updates if u.source_id == "milano-partecipa-assemblea-clima"]
    assert [(u.stage, u.pages, u.records) for u in milan_updates] == [
        ("start", 0, 0),
        ("page", 1, 2),
        ("page", 2, 3),
        ("done", 0, 5),
    ]
    failed = [u for u in updates if u.stage == "failed"]
    assert [u.source_id for u in failed] == ["ckan-gone"]


def test_raw_responses_are_kept_with_their_hash_and_without_the_key(
    httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve_everything(httpserver)
    monkeypatch.setenv("UPTAKE_ODS_APIKEY_PARIS", "very-secret-key")

    fetch_sources(
        local_config(tmp_path, httpserver),
        tmp_path / "data",
        source_ids=["paris-budget-participatif"],
        settings=FAST,
        stamp="20261126T050000Z",
    )

    assert httpserver.log[0][0].headers["Authorization"] == "Apikey very-secret-key"
    folder = tmp_path / "data" / "raw" / "20261126T050000Z" / "paris-budget-participatif"
    meta = json.loads((folder / "0001.json").read_text(encoding="utf-8"))
    body = (folder / meta["body_file"]).read_bytes()
    assert meta["status"] == 200
    assert meta["sha256"] == hashlib.sha256(body).hexdigest()
    assert meta["url"].startswith(httpserver.url_for(ODS_RECORDS))
    assert meta["headers"]["content-type"] == "application/json"
    assert json.loads(body)["total_count"] == 3
    for stored in (tmp_path / "data").rglob("*"):
        if stored.is_file():
            assert b"very-secret-key" not in stored.read_bytes(), stored


def test_replay_reproduces_identical_rows_offline(httpserver: HTTPServer, tmp_path: Path) -> None:
    serve_everything(httpserver)
    config = local_config(tmp_path, httpserver)
    data_dir = tmp_path / "data"
    live = fetch_sources(config, data_dir, settings=FAST, stamp="20261126T050000Z")
    requests_made = len(httpserver.log)
    httpserver.clear()  # from here on the server answers nothing

    replayed = fetch_sources(
        config,
        data_dir,
        replay_dir=data_dir / "raw" / "20261126T050000Z",
        settings=FAST,
    )

    assert len(httpserver.log) == 0
    assert requests_made > 0
    for before, after in zip(live, replayed, strict=True):
        assert type(before) is type(after)
        if isinstance(before, SourceRows):
            assert isinstance(after, SourceRows)
            assert after.tables == before.tables
            assert after.status_origin == before.status_origin == "observed"
        else:
            assert str(after) == str(before)
    # a replay records nothing new
    assert [p.name for p in (data_dir / "raw").iterdir()] == ["20261126T050000Z"]


def test_replay_of_a_source_that_was_never_recorded(tmp_path: Path, httpserver: HTTPServer) -> None:
    config = local_config(tmp_path, httpserver)

    results = fetch_sources(
        config,
        tmp_path / "data",
        source_ids=["milano-partecipa-assemblea-clima"],
        replay_dir=tmp_path / "nothing-recorded",
        settings=FAST,
    )

    assert len(results) == 1
    assert isinstance(results[0], SourceError)
    assert "cannot replay" in str(results[0])


def test_unknown_source_id_is_a_usage_error(tmp_path: Path, httpserver: HTTPServer) -> None:
    with pytest.raises(ValueError, match="register-paris"):
        fetch_sources(local_config(tmp_path, httpserver), tmp_path, source_ids=["register-paris"])
