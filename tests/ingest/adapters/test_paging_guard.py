"""Paging that goes round in circles or stops short fails the source within a few requests.

Each loop is served by a local server the way a misbehaving portal would page: ignoring the
offset, or answering an empty page while its total says there is more. The guard itself is
also driven through the cursor patterns a GraphQL API can produce.
"""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from ingest.adapters import ckan, opendatasoft
from ingest.adapters.paging import PagingGuard
from ingest.records import SourceError

from .support import Progress, client_for, fixture_json, real_source
from .test_ckan_adapter import (
    PACKAGE,
    RESOURCE_ID,
    SOURCE_ID,
    ckan_source,
    package_with_resource_url,
)

ODS_RECORDS = (
    "/api/explore/v2.1/catalog/datasets/"
    "budget-participatif_operations-projets-gagnants-realisations/records"
)
CKAN_SEARCH = "/api/3/action/datastore_search"


def paris(httpserver: HTTPServer, **changes):
    source = real_source("paris-budget-participatif", httpserver.url_for("/"))
    return dataclasses.replace(source, **changes)


def test_opendatasoft_server_ignoring_the_offset_is_stopped_on_the_second_page(
    httpserver: HTTPServer, progress: Progress
) -> None:
    page = fixture_json("opendatasoft/records_page1.json") | {"total_count": 5_000}
    httpserver.expect_request(ODS_RECORDS).respond_with_json(page)  # whatever the offset

    for client in client_for("paris-budget-participatif"):
        with pytest.raises(SourceError) as failure:
            opendatasoft.read(paris(httpserver, page_size=2), client, progress)

    message = str(failure.value)
    assert "paris-budget-participatif" in message
    assert ODS_RECORDS in message
    assert "repeats 2 record(s) already read" in message
    assert len(httpserver.log) == 2


def test_opendatasoft_empty_page_while_the_total_says_more_fails_the_source(
    httpserver: HTTPServer, progress: Progress
) -> None:
    first = fixture_json("opendatasoft/records_page1.json") | {"total_count": 5}
    empty = first | {"results": []}
    httpserver.expect_request(
        ODS_RECORDS, query_string={"order_by": "identifiant_operation", "limit": "2", "offset": "0"}
    ).respond_with_json(first)
    httpserver.expect_request(
        ODS_RECORDS, query_string={"order_by": "identifiant_operation", "limit": "2", "offset": "2"}
    ).respond_with_json(empty)

    for client in client_for("paris-budget-participatif"):
        with pytest.raises(SourceError) as failure:
            opendatasoft.read(paris(httpserver, page_size=2), client, progress)

    message = str(failure.value)
    assert "paris-budget-participatif" in message
    assert "paging delivered 2 of the 5 records the API announced" in message
    assert len(httpserver.log) == 2


def ckan_datastore_package(httpserver: HTTPServer) -> None:
    httpserver.expect_request(
        "/api/3/action/package_show", query_string={"id": PACKAGE}
    ).respond_with_json(package_with_resource_url("https://dati.example.it/r.csv"))


def test_ckan_datastore_ignoring_the_offset_is_stopped_on_the_second_page(
    httpserver: HTTPServer, progress: Progress, tmp_path: Path
) -> None:
    ckan_datastore_package(httpserver)
    page = fixture_json("ckan/datastore_search_p1.json")
    page["result"]["total"] = 1_000_000
    httpserver.expect_request(CKAN_SEARCH).respond_with_json(page)  # whatever the offset

    for client in client_for(SOURCE_ID):
        with pytest.raises(SourceError) as failure:
            ckan.read(ckan_source(tmp_path, httpserver), client, progress)

    message = str(failure.value)
    assert SOURCE_ID in message
    assert CKAN_SEARCH in message
    assert "seems to ignore the paging parameters" in message
    assert len(httpserver.log) == 3  # package_show and two pages, not a million


def test_ckan_empty_page_while_the_total_says_more_fails_the_source(
    httpserver: HTTPServer, progress: Progress, tmp_path: Path
) -> None:
    ckan_datastore_package(httpserver)
    first = fixture_json("ckan/datastore_search_p1.json")
    first["result"]["total"] = 40
    empty = copy.deepcopy(first)
    empty["result"]["records"] = []
    for offset, page in (("0", first), ("2", empty)):
        query = {"resource_id": RESOURCE_ID, "limit": "2", "offset": offset, "sort": "_id asc"}
        httpserver.expect_request(CKAN_SEARCH, query_string=query).respond_with_json(page)

    for client in client_for(SOURCE_ID):
        with pytest.raises(SourceError, match="paging delivered 2 of the 40 records"):
            ckan.read(ckan_source(tmp_path, httpserver), client, progress)


def test_a_cursor_cycling_back_is_stopped_at_once() -> None:
    guard = PagingGuard("decidim-test")
    guard.page("https://x.example/api", ids=["1", "2"], next_page="A", more=True)
    guard.page("https://x.example/api", ids=["3", "4"], next_page="B", more=True)

    with pytest.raises(SourceError) as failure:
        guard.page("https://x.example/api", ids=["5", "6"], next_page="A", more=True)

    message = str(failure.value)
    assert "decidim-test (https://x.example/api)" in message
    assert "back to 'A', already used after page 1" in message


def test_empty_pages_announcing_more_with_new_cursors_stop_within_three_pages() -> None:
    guard = PagingGuard("decidim-test")
    guard.page("https://x.example/api", ids=["1"], next_page="c0", more=True)
    with pytest.raises(SourceError, match="3 pages in a row held no records") as failure:
        for n in range(1, 10_000):
            guard.page("https://x.example/api", ids=[], next_page=f"c{n}", more=True)
    assert guard.pages == 4
    assert "decidim-test" in str(failure.value)


def test_more_announced_without_a_cursor_is_stopped() -> None:
    guard = PagingGuard("decidim-test")
    with pytest.raises(SourceError, match="announces more but gives no way to reach it"):
        guard.page("https://x.example/api", ids=["1"], next_page=None, more=True)


def test_honest_paging_passes_and_a_page_cap_still_holds() -> None:
    guard = PagingGuard("ok", max_pages=1_000)
    for n in range(10):
        guard.page("u", ids=[f"r{n}a", f"r{n}b"], next_page=f"c{n}", more=n < 9)
    guard.complete("u", total=20)
    assert (guard.pages, guard.records) == (10, 20)

    capped = PagingGuard("capped", max_pages=3)
    with pytest.raises(SourceError, match="stopped after 3 pages"):
        for n in range(10):
            capped.page("u", ids=[n], next_page=n + 1, more=True)


def test_records_without_ids_are_counted_but_never_taken_for_repeats() -> None:
    guard = PagingGuard("decidim-test")
    guard.page("u", ids=[None, None], next_page="A", more=True)
    guard.page("u", ids=[None, None], next_page="B", more=False)
    guard.complete("u", total=4)
    assert guard.records == 4
