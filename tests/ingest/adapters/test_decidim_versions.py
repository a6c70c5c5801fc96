"""Decidim 0.20 to 0.30: every query the adapter can send validates against each version's
schema (written from Decidim's type definitions), and the adapter reads a local server that
answers exactly like each version."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from graphql import graphql_sync, parse, validate
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from ingest.adapters import decidim
from ingest.adapters.decidim import (
    BARE_PROBE_QUERY,
    NEWEST_PROPOSAL_FIELDS,
    NEWEST_RESULT_FIELDS,
    PROBE_QUERY,
    DecidimServer,
    check_query,
    field_types,
    proposals_query,
    query_for,
    read,
)
from ingest.http import SourceClient
from ingest.records import SourceError
from ingest.validate import validate_source
from ingest.vocab import load_vocabularies

from .decidim_server import VERSIONS, instance, probe_answer, schema_for, serve
from .decidim_server import DecidimServer as LocalDecidim
from .support import Progress, client_for, real_source

MILAN = "milano-partecipa-assemblea-clima"
BRUSSELS = "democratie-brussels-sans-abrisme"


@pytest.fixture
def milan_client() -> Iterator[SourceClient]:
    yield from client_for(MILAN)


@pytest.fixture
def brussels_client() -> Iterator[SourceClient]:
    yield from client_for(BRUSSELS)


def probed(version: str) -> DecidimServer:
    """What the adapter learns from `version`'s schema, through the real probe query."""
    answer = graphql_sync(schema_for(version), PROBE_QUERY, variable_values={"componentId": "1"})
    assert not answer.errors
    data: dict[str, Any] = answer.data or {}
    return DecidimServer(
        version=None,
        component_type=None,
        proposal_fields=field_types(data["proposalType"]),
        result_fields=field_types(data["resultType"]),
    )


def errors_of(version: str, query: str) -> list[str]:
    return [e.message for e in validate(schema_for(version), parse(query))]


@pytest.mark.parametrize("version", VERSIONS)
def test_every_query_the_adapter_can_send_validates(version: str) -> None:
    server = probed(version)
    queries = [PROBE_QUERY, BARE_PROBE_QUERY]
    for resource in ("proposals", "results"):
        if resource == "results" and not server.result_fields:
            continue  # no Accountability API before 0.21: the probe stops the source first
        queries += [query_for(resource, server), check_query(resource, server)]

    for query in queries:
        assert errors_of(version, query) == [], query


def test_the_assumed_shape_without_introspection_is_the_newest_version() -> None:
    newest = DecidimServer(None, None, NEWEST_PROPOSAL_FIELDS, NEWEST_RESULT_FIELDS)
    for resource in ("proposals", "results"):
        assert errors_of("0.29-0.30", query_for(resource, newest)) == []


def test_a_query_built_for_0_27_fails_validation_on_0_20() -> None:
    errors = errors_of("0.20", proposals_query(probed("0.27").proposal_fields))

    assert len(errors) == 4
    assert any("'title'" in e and "String" in e for e in errors)
    assert any("'body'" in e for e in errors)
    assert any("Cannot query field 'answer'" in e for e in errors)
    assert any("Cannot query field 'answeredAt'" in e for e in errors)


def test_results_have_no_proposals_link_in_any_version() -> None:
    linked = (
        "query { component(id: 1) { ... on Accountability "
        "{ results { edges { node { proposals { id } } } } } } }"
    )
    for version in ("0.27", "0.28", "0.29-0.30"):
        assert errors_of(version, linked) == ["Cannot query field 'proposals' on type 'Result'."]
        assert "proposals" not in query_for("results", probed(version))


def test_0_20_proposals_plain_titles_and_no_answer_text(
    httpserver: HTTPServer, milan_client: SourceClient, progress: Progress
) -> None:
    server = serve(httpserver, LocalDecidim("0.20", instance("milano-0.20.json")))

    rows = read(real_source(MILAN, httpserver.url_for("/")), milan_client, progress)

    assert "$locale" not in server.requests[1]["query"]
    recommendations = {
        r.values["recommendation_id"]: r.values for r in rows.tables["recommendations"]
    }
    assert (
        recommendations["milano-partecipa-9001"]["title"]
        == "Synthetic: 1 | Vernici chiare sui tetti"
    )
    assert (
        recommendations["milano-partecipa-9001"]["body"] == "Synthetic proposal text.\nSecond line."
    )
    responses = {r.values["recommendation_id"]: r.values for r in rows.tables["responses"]}
    assert sorted(responses) == [
        "milano-partecipa-9001",
        "milano-partecipa-9003",
        "milano-partecipa-9004",
    ]
    # 0.20 publishes no answer text or date: they are not recorded, not invented
    assert responses["milano-partecipa-9001"]["body"] is None
    assert responses["milano-partecipa-9001"]["responded_on"] is None
    assert [responses[k]["stance"] for k in sorted(responses)] == [
        "accepted",
        "evaluating",
        "withdrawn",
    ]
    assert validate_source(rows, load_vocabularies()).problems == []


def test_0_27_states_map_without_rejects(
    httpserver: HTTPServer, milan_client: SourceClient, progress: Progress
) -> None:
    serve(httpserver, LocalDecidim("0.27", instance("milano-0.27.json")))

    rows = read(real_source(MILAN, httpserver.url_for("/")), milan_client, progress)
    canonical = validate_source(rows, load_vocabularies())

    assert canonical.problems == []
    stances = {
        r["recommendation_id"]: (r["stance"], r["stance_label"])
        for r in canonical.tables["responses"]
    }
    assert stances == {
        "milano-partecipa-9001": ("accepted", "accepted"),
        "milano-partecipa-9003": ("noted", "evaluating"),
        "milano-partecipa-9004": ("pending", "withdrawn"),
        "milano-partecipa-9005": ("rejected", "rejected"),
    }


def test_0_29_custom_states_by_token_with_their_name(
    httpserver: HTTPServer, milan_client: SourceClient, progress: Progress
) -> None:
    serve(httpserver, LocalDecidim("0.29-0.30", instance("milano-0.29.json")))

    rows = read(real_source(MILAN, httpserver.url_for("/")), milan_client, progress)

    responses = {r.values["recommendation_id"]: r.values for r in rows.tables["responses"]}
    # "not_answered" is Decidim 0.29+'s word for no answer: no response row, as before
    assert "milano-partecipa-9002" not in responses
    custom = responses["milano-partecipa-9003"]
    assert custom["stance"] == "accolta_con_specifiche"
    assert custom["note"] == "Decidim state: Accolta con alcune specifiche"
    problems = validate_source(rows, load_vocabularies()).problems
    # a custom token no vocabulary knows yet is rejected by name, for the clerk to map
    assert [p.value for p in problems] == ["accolta_con_specifiche"]


def test_refused_introspection_falls_back_to_the_newest_shape(
    httpserver: HTTPServer, milan_client: SourceClient, progress: Progress
) -> None:
    server = serve(
        httpserver, LocalDecidim("0.29-0.30", instance("milano-0.29.json"), introspection=False)
    )

    rows = read(real_source(MILAN, httpserver.url_for("/")), milan_client, progress)

    assert [p["query"].split("(")[0].strip() for p in server.requests[:2]] == [
        "query UptakeProbe",
        "query UptakeProbeBare",
    ]
    assert len(rows.tables["recommendations"]) == 4


def test_pages_component_is_named_plainly(
    httpserver: HTTPServer, brussels_client: SourceClient, progress: Progress
) -> None:
    serve(httpserver, LocalDecidim("0.27", instance("brussels-pages.json")))

    with pytest.raises(SourceError) as failure:
        read(real_source(BRUSSELS, httpserver.url_for("/")), brussels_client, progress)

    assert "component 115 is a Pages component; Uptake reads Proposals or Accountability" in str(
        failure.value
    )


def test_accountability_on_0_20_has_no_api(
    httpserver: HTTPServer, brussels_client: SourceClient, progress: Progress
) -> None:
    data = {
        "decidim": {"version": "0.20.1", "applicationName": "Synthetic"},
        "components": {"115": {"__typename": "Component", "id": "115"}},
    }
    serve(httpserver, LocalDecidim("0.20", data))

    with pytest.raises(SourceError, match="no typed GraphQL API on this server"):
        read(real_source(BRUSSELS, httpserver.url_for("/")), brussels_client, progress)


def test_proposals_component_configured_as_results_says_which_resource(
    httpserver: HTTPServer, brussels_client: SourceClient, progress: Progress
) -> None:
    data = instance("milano-0.27.json")
    data["components"]["115"] = data["components"].pop("358") | {"id": "115"}
    serve(httpserver, LocalDecidim("0.27", data))

    with pytest.raises(SourceError, match=r"is a Proposals component.*set resource = 'proposals'"):
        read(real_source(BRUSSELS, httpserver.url_for("/")), brussels_client, progress)


def brussels_in_pages_of_two() -> Any:
    source = real_source(BRUSSELS, "http://placeholder")
    return dataclasses.replace(source, page_size=2)


def results_with_children() -> dict[str, Any]:
    data = instance("brussels-results-0.28.json")
    results = data["components"]["115"]["results"]
    results[0]["children"] = [{"id": "413"}, {"id": "414"}]
    results[2]["parent"] = {"id": "412"}
    return data


def test_result_listed_twice_while_paging_is_kept_once(
    httpserver: HTTPServer, brussels_client: SourceClient, progress: Progress
) -> None:
    def insert_before_page_two(request: int, items: Sequence[Any]) -> Sequence[Any]:
        # request 1 is the probe; a result created between pages 1 and 2 shifts the rest
        return items if request <= 2 else [{"id": "999", "weight": 9}, *items]

    data = results_with_children()
    serve(httpserver, LocalDecidim("0.28", data, order=insert_before_page_two))
    source = dataclasses.replace(
        brussels_in_pages_of_two(), base_url=httpserver.url_for("/").rstrip("/")
    )

    rows = read(source, brussels_client, progress)

    ids = [r.values["recommendation_id"][-3:] for r in rows.tables["recommendations"]]
    assert ids == ["412", "413", "414"]
    assert [n.message for n in rows.notices] == [
        "1 result(s) listed twice while paging (the server gives them no stable order); "
        "each was kept once"
    ]


def test_result_lost_while_paging_fails_the_source(
    httpserver: HTTPServer, brussels_client: SourceClient, progress: Progress
) -> None:
    def remove_before_page_two(request: int, items: Sequence[Any]) -> Sequence[Any]:
        return items if request <= 2 else items[1:]

    serve(httpserver, LocalDecidim("0.28", results_with_children(), order=remove_before_page_two))
    source = dataclasses.replace(
        brussels_in_pages_of_two(), base_url=httpserver.url_for("/").rstrip("/")
    )

    with pytest.raises(
        SourceError, match=r"1 result\(s\) named as parent or child were never listed \(ids 414\)"
    ):
        read(source, brussels_client, progress)


def scripted(httpserver: HTTPServer, pages: list[dict[str, Any]]) -> None:
    """Answers the probe as Decidim 0.28, then the given pages in turn."""
    answers = iter(pages)

    def handler(request: Request) -> Response:
        payload = json.loads(request.get_data())
        if payload["query"].lstrip().startswith("query UptakeProbe"):
            body = probe_answer("0.28", "358", "Proposals")
        else:
            body = next(answers)
        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request("/api", method="POST").respond_with_handler(handler)


def page(ids: list[str], has_next: bool, cursor: str | None) -> dict[str, Any]:
    edges = [{"node": {"id": i, "title": {"translation": f"Synthetic {i}"}}} for i in ids]
    return {
        "data": {
            "component": {
                "id": "358",
                "__typename": "Proposals",
                "proposals": {
                    "pageInfo": {"hasNextPage": has_next, "endCursor": cursor},
                    "edges": edges,
                },
            }
        }
    }


def test_repeated_cursor_stops_the_pager(
    httpserver: HTTPServer, milan_client: SourceClient, progress: Progress
) -> None:
    scripted(
        httpserver, [page(["1"], True, "MQ"), page(["2"], True, "Mg"), page(["3"], True, "MQ")]
    )

    with pytest.raises(SourceError, match="page 3 sends paging back to 'MQ'"):
        read(real_source(MILAN, httpserver.url_for("/")), milan_client, progress)


def test_empty_page_claiming_more_stops_the_pager(
    httpserver: HTTPServer, milan_client: SourceClient, progress: Progress
) -> None:
    # Ever-new cursors, no records, "more" every time: stopped on the third empty page.
    scripted(
        httpserver,
        [page(["1"], True, "MQ"), page([], True, "Mg"), page([], True, "Mw"), page([], True, "NA")],
    )

    with pytest.raises(SourceError, match="3 pages in a row held no records"):
        read(real_source(MILAN, httpserver.url_for("/")), milan_client, progress)


def test_module_documents_the_missing_result_proposal_link() -> None:
    assert "Results are not linked to proposals" in (decidim.__doc__ or "")
