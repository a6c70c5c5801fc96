"""CKAN adapter: package_show -> resource, DataStore paging, CSV download, error envelopes."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from ingest.adapters.ckan import read
from ingest.http import SourceClient
from ingest.records import SourceError
from ingest.sources_config import CkanSource, load_sources

from .support import (
    DroppingServer,
    Progress,
    RawResponseServer,
    client_for,
    fixture_bytes,
    fixture_json,
)

SOURCE_ID = "ckan-esempio"
PACKAGE = "raccomandazioni-assemblea-cittadina-clima"
RESOURCE_ID = "a1b2c3d4-0000-4000-8000-000000000001"

CONFIG = """
[[sources]]
id = "ckan-esempio"
kind = "ckan"
title = "Synthetic CKAN portal"
licence = "CC-BY-4.0"
attribution = "Comune di Esempio (synthetic)"
base_url = "{base_url}"
package = "raccomandazioni-assemblea-cittadina-clima"
access = "{access}"
page_size = 2

[[sources.fixed_rows.institutions]]
institution_id = "esempio-assemblea"
name = "Synthetic assembly"
country = "IT"
kind = "citizens_assembly"
languages = "it"
source_url = "https://dati.example.it/"

[[sources.maps]]
table = "recommendations"
[sources.maps.columns]
recommendation_id = "esempio-{{Numero}}"
cycle_id = "esempio-2023"
number = "{{Numero}}"
title = "{{Raccomandazione}}"
source_url = "https://dati.example.it/dataset/raccomandazioni"

[[sources.maps]]
table = "responses"
skip_unless = ["Risposta Giunta"]
[sources.maps.columns]
recommendation_id = "esempio-{{Numero}}"
responded_on = "{{Data risposta|date}}"
stance = "{{Risposta Giunta}}"
source_url = "https://dati.example.it/dataset/raccomandazioni"

[[sources.maps]]
table = "status_events"
skip_unless = ["Avanzamento %"]
[sources.maps.columns]
recommendation_id = "esempio-{{Numero}}"
occurred_on = "{{@fetched_on}}"
assessor = "administration"
status = "in corso"
progress = "{{Avanzamento %|int}}"
source_url = "https://dati.example.it/dataset/raccomandazioni"
"""


def ckan_source(tmp_path: Path, httpserver: HTTPServer, access: str = "auto") -> CkanSource:
    path = tmp_path / "sources.toml"
    base_url = httpserver.url_for("/").rstrip("/")
    path.write_text(CONFIG.format(base_url=base_url, access=access), encoding="utf-8")
    source = load_sources(path).by_id(SOURCE_ID)
    assert isinstance(source, CkanSource)
    return source


@pytest.fixture
def client() -> Iterator[SourceClient]:
    yield from client_for(SOURCE_ID)


def package_with_resource_url(url: str) -> dict:
    package = fixture_json("ckan/package_show.json")
    package["result"]["resources"][0]["url"] = url
    return package


def test_datastore_paging_stops_on_total_despite_a_next_link(
    httpserver: HTTPServer, client: SourceClient, progress: Progress, tmp_path: Path
) -> None:
    httpserver.expect_request(
        "/api/3/action/package_show", query_string={"id": PACKAGE}
    ).respond_with_json(package_with_resource_url("https://dati.example.it/r.csv"))
    search = "/api/3/action/datastore_search"
    httpserver.expect_request(
        search,
        query_string={"resource_id": RESOURCE_ID, "limit": "2", "offset": "0", "sort": "_id asc"},
    ).respond_with_json(fixture_json("ckan/datastore_search_p1.json"))
    httpserver.expect_request(
        search,
        query_string={"resource_id": RESOURCE_ID, "limit": "2", "offset": "2", "sort": "_id asc"},
    ).respond_with_json(fixture_json("ckan/datastore_search_last.json"))

    rows = read(ckan_source(tmp_path, httpserver), client, progress)

    # The last page still carries _links.next; following it would be a 4th request.
    assert len(httpserver.log) == 3
    assert [r.values["recommendation_id"] for r in rows.tables["recommendations"]] == [
        "esempio-R1",
        "esempio-R2",
        "esempio-R3",
    ]
    stances = [
        (r.values["recommendation_id"], r.values["stance"]) for r in rows.tables["responses"]
    ]
    # "In valutazione" is passed on as written, for the vocabulary to accept or reject
    assert stances == [
        ("esempio-R1", "Accolta"),
        ("esempio-R2", "Respinta"),
        ("esempio-R3", "In valutazione"),
    ]
    assert rows.tables["responses"][0].values["responded_on"] == "2024-01-18"
    assert rows.tables["responses"][2].values["responded_on"] is None
    # text-typed numbers are written as a clerk would; empty progress gives no event
    assert [r.values["progress"] for r in rows.tables["status_events"]] == ["25"]
    assert progress.calls == [(1, 2), (2, 3)]


def test_csv_download_when_the_resource_has_no_datastore(
    httpserver: HTTPServer, client: SourceClient, progress: Progress, tmp_path: Path
) -> None:
    package = package_with_resource_url(httpserver.url_for("/download/raccomandazioni.csv"))
    package["result"]["resources"][0]["datastore_active"] = False
    httpserver.expect_request("/api/3/action/package_show").respond_with_json(package)
    httpserver.expect_request("/download/raccomandazioni.csv").respond_with_data(
        fixture_bytes("ckan/raccomandazioni.csv"), content_type="text/csv"
    )

    rows = read(ckan_source(tmp_path, httpserver), client, progress)

    titles = [r.values["title"] for r in rows.tables["recommendations"]]
    assert titles == ["Synthetic: estendere le zone 30", "Synthetic: più alberi, nei cortili"]
    assert rows.tables["recommendations"][0].file.endswith("/download/raccomandazioni.csv line")
    assert rows.tables["recommendations"][0].row == 2


def test_not_found_envelope_becomes_source_error(
    httpserver: HTTPServer, client: SourceClient, progress: Progress, tmp_path: Path
) -> None:
    httpserver.expect_request("/api/3/action/package_show").respond_with_data(
        fixture_bytes("ckan/not_found_404.json"), status=404, content_type="application/json"
    )

    with pytest.raises(SourceError) as failure:
        read(ckan_source(tmp_path, httpserver), client, progress)

    message = str(failure.value)
    assert SOURCE_ID in message
    assert "HTTP 404" in message
    assert "Not Found Error: Not found" in message
    assert "/api/3/action/package_show" in message


def test_validation_error_lists_the_fields(
    httpserver: HTTPServer, client: SourceClient, progress: Progress, tmp_path: Path
) -> None:
    httpserver.expect_request("/api/3/action/package_show").respond_with_json(
        package_with_resource_url("https://dati.example.it/r.csv")
    )
    httpserver.expect_request("/api/3/action/datastore_search").respond_with_data(
        fixture_bytes("ckan/validation_409.json"), status=409, content_type="application/json"
    )

    with pytest.raises(SourceError, match="Validation Error: resource_id: Missing value"):
        read(ckan_source(tmp_path, httpserver), client, progress)


def test_success_false_under_http_200_is_a_failure(
    httpserver: HTTPServer, client: SourceClient, progress: Progress, tmp_path: Path
) -> None:
    body = json.loads(fixture_bytes("ckan/not_found_404.json"))
    httpserver.expect_request("/api/3/action/package_show").respond_with_json(body)

    with pytest.raises(SourceError, match="package_show failed: Not Found Error"):
        read(ckan_source(tmp_path, httpserver), client, progress)


def test_connection_dropping_during_the_download(
    httpserver: HTTPServer,
    client: SourceClient,
    progress: Progress,
    tmp_path: Path,
    dropping_server: DroppingServer,
) -> None:
    package = package_with_resource_url(dropping_server.url("/raccomandazioni.csv"))
    package["result"]["resources"][0]["datastore_active"] = False
    httpserver.expect_request("/api/3/action/package_show").respond_with_json(package)

    with pytest.raises(SourceError) as failure:
        read(ckan_source(tmp_path, httpserver), client, progress)

    assert "connection dropped" in str(failure.value)
    assert dropping_server.url("/raccomandazioni.csv") in str(failure.value)


def test_missing_resource_lists_what_the_package_has(
    httpserver: HTTPServer, client: SourceClient, progress: Progress, tmp_path: Path
) -> None:
    package = package_with_resource_url("https://dati.example.it/r.csv")
    for resource in package["result"]["resources"]:
        resource["datastore_active"] = False
        resource["format"] = "PDF"
    httpserver.expect_request("/api/3/action/package_show").respond_with_json(package)

    with pytest.raises(SourceError, match=r"scheda-metodologica\.pdf"):
        read(ckan_source(tmp_path, httpserver), client, progress)


def test_a_gzip_download_cut_short_fails_instead_of_loading_part_of_the_rows(
    httpserver: HTTPServer, client: SourceClient, progress: Progress, tmp_path: Path
) -> None:
    lines = ["Numero,Raccomandazione,Risposta Giunta,Data risposta,Avanzamento %"]
    lines += [f"R{n},Synthetic: raccomandazione {n},Accolta,2024-01-18,25" for n in range(200)]
    whole = gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0)
    server = RawResponseServer(
        "HTTP/1.1 200 OK\nContent-Type: text/csv\nContent-Encoding: gzip\nConnection: close\n",
        whole[: len(whole) * 45 // 100],
    )
    package = package_with_resource_url(server.url("/raccomandazioni.csv"))
    package["result"]["resources"][0]["datastore_active"] = False
    httpserver.expect_request("/api/3/action/package_show").respond_with_json(package)

    try:
        with pytest.raises(SourceError) as failure:
            read(ckan_source(tmp_path, httpserver), client, progress)
    finally:
        server.close()

    message = str(failure.value)
    assert SOURCE_ID in message
    assert server.url("/raccomandazioni.csv") in message
    assert "stops before the end of its compressed stream" in message
    assert progress.calls == []  # not one row of the partial file was read
