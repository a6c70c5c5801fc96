"""Opendatasoft v2.1 adapter, run with the shipped Paris participatory-budget configuration."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from ingest.adapters.opendatasoft import read
from ingest.http import SourceClient
from ingest.records import SourceError

from .support import Progress, client_for, fixture_bytes, fixture_json, real_source

DATASET = "budget-participatif_operations-projets-gagnants-realisations"
RECORDS = f"/api/explore/v2.1/catalog/datasets/{DATASET}/records"
EXPORT_JSON = f"/api/explore/v2.1/catalog/datasets/{DATASET}/exports/json"
EXPORT_CSV = f"/api/explore/v2.1/catalog/datasets/{DATASET}/exports/csv"


@pytest.fixture
def client() -> Iterator[SourceClient]:
    yield from client_for("paris-budget-participatif")


def paris(httpserver: HTTPServer, **changes):
    source = real_source("paris-budget-participatif", httpserver.url_for("/"))
    return dataclasses.replace(source, **changes)


def serve_two_pages(httpserver: HTTPServer) -> None:
    httpserver.expect_request(
        RECORDS, query_string={"order_by": "identifiant_operation", "limit": "2", "offset": "0"}
    ).respond_with_json(fixture_json("opendatasoft/records_page1.json"))
    httpserver.expect_request(
        RECORDS, query_string={"order_by": "identifiant_operation", "limit": "2", "offset": "2"}
    ).respond_with_json(fixture_json("opendatasoft/records_page2.json"))


def test_pages_through_records_and_maps_operations(
    httpserver: HTTPServer, client: SourceClient, progress: Progress
) -> None:
    serve_two_pages(httpserver)

    rows = read(paris(httpserver, page_size=2), client, progress)

    assert rows.status_origin == "observed"
    assert [r.values["institution_id"] for r in rows.tables["institutions"]] == [
        "paris-budget-participatif"
    ]
    assert rows.tables["institutions"][0].values["kind"] == "participatory_budget"
    # one cycle per edition, even though several operations share one
    assert [r.values["cycle_id"] for r in rows.tables["cycles"]] == [
        "paris-bp-2019",
        "paris-bp-2021",
    ]
    recommendations = rows.tables["recommendations"]
    assert [r.values["recommendation_id"] for r in recommendations] == [
        "paris-bp-op-OP-2019-0101",
        "paris-bp-op-OP-2019-0102",
        "paris-bp-op-OP-2021-0310",
    ]
    assert recommendations[0].values["title"] == "Synthetic: végétaliser la cour de l'école"
    assert progress.calls == [(1, 2), (2, 3)]


def test_milestones_become_dated_status_events_and_the_forecast_does_not(
    httpserver: HTTPServer, client: SourceClient, progress: Progress
) -> None:
    serve_two_pages(httpserver)

    rows = read(paris(httpserver, page_size=2), client, progress)

    events = [
        (r.values["recommendation_id"], r.values["occurred_on"], r.values["status"])
        for r in rows.tables["status_events"]
    ]
    first = [e for e in events if e[0] == "paris-bp-op-OP-2019-0101"]
    fetched_on = first[0][1]
    assert first == [
        ("paris-bp-op-OP-2019-0101", fetched_on, "Réalisé"),
        ("paris-bp-op-OP-2019-0101", "2019-11-04", "début des études"),
        ("paris-bp-op-OP-2019-0101", "2020-03-02", "lancement de la procédure"),
        ("paris-bp-op-OP-2019-0101", "2020-07-06", "lancement des travaux"),
        ("paris-bp-op-OP-2019-0101", "2020-09-14", "ouverture"),
    ]
    assert not any(e[1] in ("2020-09-01", "2026-06-30") for e in events)
    # a datetime milestone keeps its calendar date
    assert ("paris-bp-op-OP-2021-0310", "2022-02-01", "début des études") in events


def test_unmapped_status_label_passes_through_unchanged(
    httpserver: HTTPServer, client: SourceClient, progress: Progress
) -> None:
    serve_two_pages(httpserver)

    rows = read(paris(httpserver, page_size=2), client, progress)

    statuses = {
        r.values["recommendation_id"]: r.values["status"]
        for r in rows.tables["status_events"]
        if r.values["status"] not in ("début des études",)
    }
    # "Projet abandonné" is in no vocabulary: the adapter must not guess, validation rejects it
    assert statuses["paris-bp-op-OP-2021-0310"] == "Projet abandonné"


def test_beyond_the_offset_window_switches_to_the_json_export(
    httpserver: HTTPServer, client: SourceClient, progress: Progress
) -> None:
    httpserver.expect_request(RECORDS).respond_with_json(
        fixture_json("opendatasoft/records_over_window.json")
    )
    export = fixture_json("opendatasoft/export.json")
    httpserver.expect_request(
        EXPORT_JSON, query_string={"order_by": "identifiant_operation"}
    ).respond_with_json(export)

    with pytest.raises(SourceError, match="export returned 3 records but the dataset counts"):
        read(paris(httpserver), client, progress)

    paths = [request.path for request, _ in httpserver.log]
    assert paths == [RECORDS, EXPORT_JSON]  # no offset beyond 10 000 was ever asked


def test_export_is_used_for_the_full_dataset(
    httpserver: HTTPServer, client: SourceClient, progress: Progress
) -> None:
    over = fixture_json("opendatasoft/records_over_window.json")
    export = fixture_json("opendatasoft/export.json")
    over["total_count"] = 10050
    records = [dict(export[0], identifiant_operation=f"OP-{n:05d}") for n in range(10050)]
    httpserver.expect_request(RECORDS).respond_with_json(over)
    httpserver.expect_request(EXPORT_JSON).respond_with_json(records)

    rows = read(paris(httpserver), client, progress)

    assert len(rows.tables["recommendations"]) == 10050
    assert progress.calls == [(1, 10050)]


def test_csv_export_with_bom_and_semicolons(
    httpserver: HTTPServer,
    client: SourceClient,
    progress: Progress,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A window of one record makes this two-record dataset "too large" for /records.
    monkeypatch.setattr("ingest.adapters.opendatasoft.OFFSET_WINDOW", 1)
    page = fixture_json("opendatasoft/records_over_window.json") | {"total_count": 2}
    httpserver.expect_request(RECORDS).respond_with_json(page)
    httpserver.expect_request(
        EXPORT_CSV,
        query_string={
            "order_by": "identifiant_operation",
            "where": "edition = '2019'",
            "delimiter": ";",
            "with_bom": "true",
        },
    ).respond_with_data(
        fixture_bytes("opendatasoft/export.csv"), content_type="text/csv; charset=utf-8"
    )
    source = paris(httpserver, export_format="csv", where="edition = '2019'")

    rows = read(source, client, progress)

    titles = [r.values["title"] for r in rows.tables["recommendations"]]
    assert titles == ["Synthetic: végétaliser la cour de l'école", "Synthetic: fontaine; à boire"]
    assert rows.tables["recommendations"][0].values["recommendation_id"] == (
        "paris-bp-op-OP-2019-0101"
    )
    # empty CSV cells are empty values: no milestone events for the second operation
    events = [r.values for r in rows.tables["status_events"]]
    assert [e["status"] for e in events if e["recommendation_id"].endswith("0102")] == [
        "En cours",
        "début des études",
    ]


def test_offset_window_error_body_is_reported(
    httpserver: HTTPServer, client: SourceClient, progress: Progress
) -> None:
    httpserver.expect_request(RECORDS).respond_with_data(
        fixture_bytes("opendatasoft/offset_window_400.json"),
        status=400,
        content_type="application/json",
    )

    with pytest.raises(SourceError) as failure:
        read(paris(httpserver), client, progress)

    assert "InvalidRESTParameterError" in str(failure.value)
    assert "paris-budget-participatif" in str(failure.value)


def test_renamed_field_fails_the_source_naming_the_field(
    httpserver: HTTPServer, client: SourceClient, progress: Progress
) -> None:
    page = fixture_json("opendatasoft/records_page2.json")
    for record in page["results"]:
        record["avancement"] = record.pop("avancement_operation")  # the portal renamed it
    httpserver.expect_request(RECORDS).respond_with_json(page | {"total_count": 1})

    with pytest.raises(SourceError) as failure:
        read(paris(httpserver), client, progress)

    message = str(failure.value)
    assert "paris-budget-participatif" in message
    assert "'avancement_operation'" in message
    assert "missing" in message


def test_api_key_is_sent_as_header(httpserver: HTTPServer, progress: Progress) -> None:
    def needs_key(request: Request) -> Response:
        assert request.headers.get("Authorization") == "Apikey k-123"
        assert "apikey" not in request.query_string.decode().lower()
        return Response(
            json.dumps({"total_count": 0, "results": []}), content_type="application/json"
        )

    httpserver.expect_request(RECORDS).respond_with_handler(needs_key)
    for client in client_for(
        "paris-budget-participatif", secret_headers={"Authorization": "Apikey k-123"}
    ):
        rows = read(paris(httpserver), client, progress)

    assert rows.tables["recommendations"] == []
    assert len(httpserver.log) == 1


@pytest.mark.parametrize("content_type", ["text/html; charset=utf-8", "text/csv"])
def test_maintenance_page_instead_of_the_csv_export_is_named_as_such(
    httpserver: HTTPServer,
    client: SourceClient,
    progress: Progress,
    monkeypatch: pytest.MonkeyPatch,
    content_type: str,
) -> None:
    monkeypatch.setattr("ingest.adapters.opendatasoft.OFFSET_WINDOW", 1)
    page = fixture_json("opendatasoft/records_over_window.json") | {"total_count": 2}
    httpserver.expect_request(RECORDS).respond_with_json(page)
    httpserver.expect_request(EXPORT_CSV).respond_with_data(
        "\n  <!DOCTYPE html>\n<html><head><title>Maintenance</title></head>"
        "<body><p>Le portail est en maintenance; revenez plus tard.</p></body></html>",
        content_type=content_type,
    )

    with pytest.raises(SourceError) as failure:
        read(paris(httpserver, export_format="csv"), client, progress)

    message = str(failure.value)
    assert "paris-budget-participatif" in message
    assert EXPORT_CSV in message
    assert "the server sent an HTML page" in message
    assert "CSV line" not in message
