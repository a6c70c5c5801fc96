"""Decidim adapter: GraphQL paging, proposals with answers, results, open-data export."""

from __future__ import annotations

import dataclasses
import io
import json
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from ingest.adapters.decidim import read
from ingest.http import SourceClient
from ingest.records import SourceError
from ingest.sources_config import DecidimSource, load_sources

from .decidim_server import probe_answer
from .support import FAST, Progress, client_for, fixture_bytes, fixture_json, real_source

MILAN = "milano-partecipa-assemblea-clima"
BRUSSELS = "democratie-brussels-sans-abrisme"


@pytest.fixture
def milan_client() -> Iterator[SourceClient]:
    yield from client_for(MILAN)


@pytest.fixture
def brussels_client() -> Iterator[SourceClient]:
    yield from client_for(BRUSSELS)


def graphql_pages(pages: dict[str | None, str], seen: list[dict], version: str = "0.27"):
    """A GraphQL endpoint that answers the probe as a Decidim `version` would (component type
    taken from the first page), then pages by the `after` cursor, as a Relay connection does."""
    first_page = json.loads(fixture_bytes(pages[None]))["data"]["component"]
    probe = probe_answer(version, first_page["id"], first_page["__typename"])

    def handler(request: Request) -> Response:
        payload = json.loads(request.get_data())
        if payload["query"].lstrip().startswith("query UptakeProbe"):
            return Response(json.dumps(probe), content_type="application/json")
        seen.append(payload)
        fixture = pages[payload["variables"]["after"]]
        return Response(fixture_bytes(fixture), content_type="application/json")

    return handler


def test_proposals_are_paged_by_cursor_and_answers_become_responses(
    httpserver: HTTPServer, milan_client: SourceClient, progress: Progress
) -> None:
    seen: list[dict] = []
    httpserver.expect_request("/api", method="POST").respond_with_handler(
        graphql_pages({None: "decidim/proposals_p1.json", "Mg": "decidim/proposals_p2.json"}, seen)
    )

    rows = read(real_source(MILAN, httpserver.url_for("/")), milan_client, progress)

    assert [p["variables"]["after"] for p in seen] == [None, "Mg"]
    assert all(p["variables"]["componentId"] == "358" for p in seen)
    assert all(p["variables"]["first"] <= 50 for p in seen)
    recommendations = rows.tables["recommendations"]
    assert [r.values["recommendation_id"] for r in recommendations] == [
        "milano-partecipa-9001",
        "milano-partecipa-9002",
        "milano-partecipa-9003",
    ]
    first = recommendations[0].values
    assert first["title"] == "Synthetic: 1 | Vernici chiare sui tetti"
    assert first["body"] == "Synthetic proposal text & details.\nSecond paragraph."
    assert first["adopted_on"] == "2023-05-20"
    assert first["source_url"].endswith("/f/358/proposals/9001")
    # the unanswered proposal has no response row; answered ones keep the source's own label
    responses = {r.values["recommendation_id"]: r.values for r in rows.tables["responses"]}
    assert set(responses) == {"milano-partecipa-9001", "milano-partecipa-9003"}
    assert responses["milano-partecipa-9001"]["stance"] == "accepted"
    assert responses["milano-partecipa-9001"]["responded_on"] == "2024-02-10"
    assert responses["milano-partecipa-9001"]["body"] == "Synthetic answer: accolta."
    assert responses["milano-partecipa-9003"]["stance"] == "approvata con alcune specifiche"
    assert progress.calls == [(1, 2), (2, 3)]
    assert rows.status_origin == "observed"


def test_results_bring_status_label_and_progress(
    httpserver: HTTPServer, brussels_client: SourceClient, progress: Progress
) -> None:
    seen: list[dict] = []
    httpserver.expect_request("/api", method="POST").respond_with_handler(
        graphql_pages({None: "decidim/results_p1.json"}, seen)
    )

    rows = read(real_source(BRUSSELS, httpserver.url_for("/")), brussels_client, progress)

    assert "Accountability" in seen[0]["query"]
    events = [
        (
            r.values["recommendation_id"],
            r.values["status"],
            r.values["progress"],
            r.values["occurred_on"],
        )
        for r in rows.tables["status_events"]
    ]
    assert events == [
        ("bxl-prb-2021-sans-abrisme-decidim-412", "En cours", "40", "2022-06-18"),
        # an unmapped label reaches SourceRows exactly as written, for validation to reject
        (
            "bxl-prb-2021-sans-abrisme-decidim-413",
            "En cours d'examen approfondi",
            None,
            "2022-06-18",
        ),
    ]


def test_renamed_graphql_field_fails_naming_the_field(
    httpserver: HTTPServer, milan_client: SourceClient, progress: Progress
) -> None:
    httpserver.expect_request("/api", method="POST").respond_with_json(
        fixture_json("decidim/errors_renamed_field.json")
    )

    with pytest.raises(SourceError) as failure:
        read(real_source(MILAN, httpserver.url_for("/")), milan_client, progress)

    message = str(failure.value)
    assert MILAN in message
    assert "Field 'answeredAt' doesn't exist on type 'Proposal'" in message


def test_component_of_another_kind_is_named(
    httpserver: HTTPServer, brussels_client: SourceClient, progress: Progress
) -> None:
    httpserver.expect_request("/api", method="POST").respond_with_json(
        {"data": {"component": {"id": "115", "__typename": "Pages"}}}
    )

    with pytest.raises(
        SourceError,
        match="component 115 is a Pages component; Uptake reads Proposals or Accountability",
    ):
        read(real_source(BRUSSELS, httpserver.url_for("/")), brussels_client, progress)


def test_unknown_component_is_reported(
    httpserver: HTTPServer, milan_client: SourceClient, progress: Progress
) -> None:
    httpserver.expect_request("/api", method="POST").respond_with_json(
        {"data": {"component": None}}
    )

    with pytest.raises(SourceError, match="component 358 not found"):
        read(real_source(MILAN, httpserver.url_for("/")), milan_client, progress)


def test_requests_are_paced_under_the_rate_limit(
    httpserver: HTTPServer, progress: Progress
) -> None:
    seen: list[dict] = []
    httpserver.expect_request("/api", method="POST").respond_with_handler(
        graphql_pages({None: "decidim/proposals_p1.json", "Mg": "decidim/proposals_p2.json"}, seen)
    )
    settings = dataclasses.replace(FAST, min_interval=0.3)

    started = time.monotonic()
    for client in client_for(MILAN, settings):
        read(real_source(MILAN, httpserver.url_for("/")), client, progress)

    assert time.monotonic() - started >= 0.3


OPEN_DATA_CONFIG = """
[[sources]]
id = "decidim-export"
kind = "decidim"
title = "Synthetic Decidim export"
licence = "ODbL"
attribution = "Synthetic"
base_url = "{base_url}"
component_id = "115"
resource = "results"
locale = "fr"
access = "open_data"

[[sources.maps]]
table = "recommendations"
[sources.maps.columns]
recommendation_id = "export-{{id}}"
cycle_id = "export-cycle"
title = "{{title/fr}}"
body = "{{description/fr|csv_cell}}"
source_url = "{{url}}"

[[sources.maps]]
table = "status_events"
skip_unless = ["status/key"]
[sources.maps.columns]
recommendation_id = "export-{{id}}"
occurred_on = "{{created_at|date}}"
assessor = "administration"
status = "{{status/name/fr}}"
progress = "{{progress|int}}"
source_url = "{{url}}"
"""


def export_source(tmp_path: Path, httpserver: HTTPServer) -> DecidimSource:
    path = tmp_path / "sources.toml"
    base_url = httpserver.url_for("/").rstrip("/")
    path.write_text(OPEN_DATA_CONFIG.format(base_url=base_url), encoding="utf-8")
    source = load_sources(path).by_id("decidim-export")
    assert isinstance(source, DecidimSource)
    return source


def open_data_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README.md", "# Open data\n")
        archive.writestr("LICENSE.md", "ODbL\n")
        archive.writestr("decidim.example.org-open-data-proposals.csv", "id,title/fr\n1,x\n")
        archive.writestr(
            "decidim.example.org-open-data-results.csv",
            fixture_bytes("decidim/open-data-results.csv"),
        )
    return buffer.getvalue()


def test_open_data_export_csv_with_flattened_columns(
    httpserver: HTTPServer, progress: Progress, tmp_path: Path
) -> None:
    httpserver.expect_request("/open-data/download").respond_with_data(
        open_data_zip(), content_type="application/zip"
    )

    for client in client_for("decidim-export"):
        rows = read(export_source(tmp_path, httpserver), client, progress)

    recommendations = rows.tables["recommendations"]
    # result 900 belongs to another component and is left out
    assert [r.values["recommendation_id"] for r in recommendations] == ["export-412", "export-413"]
    assert recommendations[0].values["title"] == "Synthetic: encadrement des loyers"
    # Decidim's CSV-injection guard (a leading ') is undone
    assert recommendations[1].values["body"] == "-Synthetic: texte commençant par un tiret"
    events = [(r.values["status"], r.values["progress"]) for r in rows.tables["status_events"]]
    assert events == [("En cours", "40"), ("Réalisé", "100")]
    assert recommendations[0].file.endswith("-open-data-results.csv line")
    assert recommendations[0].row == 2


def test_open_data_export_not_generated_yet(
    httpserver: HTTPServer, progress: Progress, tmp_path: Path
) -> None:
    # Decidim queues the export job and redirects back to its HTML page with a flash message.
    httpserver.expect_request("/open-data/download").respond_with_data(
        "", status=302, headers={"Location": httpserver.url_for("/open-data")}
    )
    httpserver.expect_request("/open-data").respond_with_data(
        fixture_bytes("decidim/open_data_not_ready.html"), content_type="text/html; charset=utf-8"
    )

    for client in client_for("decidim-export"):
        with pytest.raises(SourceError) as failure:
            read(export_source(tmp_path, httpserver), client, progress)

    message = str(failure.value)
    assert "decidim-export" in message
    assert "open-data export is not ready" in message
    assert httpserver.url_for("/open-data") in message


def test_open_data_zip_without_the_resource(
    httpserver: HTTPServer, progress: Progress, tmp_path: Path
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("decidim.example.org-open-data-proposals.csv", "id\n1\n")
    httpserver.expect_request("/open-data/download").respond_with_data(
        buffer.getvalue(), content_type="application/zip"
    )

    for client in client_for("decidim-export"):
        with pytest.raises(SourceError, match="has no results file"):
            read(export_source(tmp_path, httpserver), client, progress)
