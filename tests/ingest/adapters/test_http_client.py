"""The shared HTTP layer against a real local server: retries, timeouts, bad bodies, secrets."""

from __future__ import annotations

import dataclasses
import gzip
import time
import zlib
from collections.abc import Callable, Iterator

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from ingest.http import SourceClient, make_session, redact_url
from ingest.records import SourceError

from .support import FAST, DroppingServer, RawResponseServer, client_for, fixture_bytes


def test_429_with_retry_after_is_waited_out_then_succeeds(
    httpserver: HTTPServer, client: SourceClient
) -> None:
    httpserver.expect_ordered_request("/data").respond_with_data(
        fixture_bytes("opendatasoft/quota_429.json"),
        status=429,
        headers={"Retry-After": "1"},
        content_type="application/json",
    )
    httpserver.expect_ordered_request("/data").respond_with_json({"ok": True})

    started = time.monotonic()
    payload, exchange = client.get_json(httpserver.url_for("/data"))

    assert payload == {"ok": True}
    assert exchange.status == 200
    assert time.monotonic() - started >= 1.0  # the server's Retry-After was honoured
    assert len(httpserver.log) == 2


def test_500_then_success(httpserver: HTTPServer, client: SourceClient) -> None:
    httpserver.expect_ordered_request("/data").respond_with_data("boom", status=500)
    httpserver.expect_ordered_request("/data").respond_with_json({"ok": 1})

    payload, _ = client.get_json(httpserver.url_for("/data"))

    assert payload == {"ok": 1}
    assert len(httpserver.log) == 2


def test_persistent_429_fails_with_the_portals_quota_message(
    httpserver: HTTPServer, client: SourceClient
) -> None:
    httpserver.expect_request("/data").respond_with_data(
        fixture_bytes("opendatasoft/quota_429.json"),
        status=429,
        headers={"Retry-After": "0"},
        content_type="application/json",
    )

    with pytest.raises(SourceError) as failure:
        client.get(httpserver.url_for("/data"))

    message = str(failure.value)
    assert "test-source" in message
    assert httpserver.url_for("/data") in message
    assert "HTTP 429" in message
    assert "Too many requests on the domain" in message
    assert len(httpserver.log) == FAST.retries + 1


def test_a_server_that_never_answers_times_out_with_a_clear_error(
    httpserver: HTTPServer,
) -> None:
    def slow(request: Request) -> Response:
        time.sleep(0.5)
        return Response("{}", content_type="application/json")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    settings = dataclasses.replace(FAST, read_timeout=0.1, retries=1)

    for client in client_for("slow-portal", settings):
        with pytest.raises(SourceError) as failure:
            client.get(httpserver.url_for("/slow"))

    message = str(failure.value)
    assert "slow-portal" in message
    assert "timed out" in message
    assert httpserver.url_for("/slow") in message


def test_truncated_json_is_reported_not_half_read(
    httpserver: HTTPServer, client: SourceClient
) -> None:
    whole = fixture_bytes("opendatasoft/records_page1.json")
    httpserver.expect_request("/records").respond_with_data(
        whole[: len(whole) // 2], content_type="application/json"
    )

    with pytest.raises(SourceError, match="invalid or truncated JSON"):
        client.get_json(httpserver.url_for("/records"))


def test_html_where_json_was_expected(httpserver: HTTPServer, client: SourceClient) -> None:
    httpserver.expect_request("/api").respond_with_data(
        "<!DOCTYPE html><html><body>Maintenance</body></html>", content_type="text/html"
    )

    with pytest.raises(SourceError, match="HTML page"):
        client.get_json(httpserver.url_for("/api"))


def test_connection_dropped_mid_body(dropping_server: DroppingServer) -> None:
    for client in client_for("dropping-portal"):
        with pytest.raises(SourceError) as failure:
            client.get(dropping_server.url("/download.csv"))

    message = str(failure.value)
    assert "dropping-portal" in message
    assert "connection dropped" in message
    assert dropping_server.url("/download.csv") in message


def test_unreachable_host_names_source_and_url() -> None:
    for client in client_for("gone-portal", dataclasses.replace(FAST, retries=0)):
        with pytest.raises(SourceError) as failure:
            client.get("http://127.0.0.1:9/nothing-listens-here")
    assert "gone-portal" in str(failure.value)
    assert "connection failed" in str(failure.value)


def test_user_agent_is_descriptive(httpserver: HTTPServer, client: SourceClient) -> None:
    httpserver.expect_request("/ua").respond_with_json({})
    client.get(httpserver.url_for("/ua"))
    user_agent = httpserver.log[0][0].headers["User-Agent"]
    assert user_agent.startswith("Uptake/")
    assert "citizens' assemblies" in user_agent


def test_pause_between_requests_keeps_under_the_rate_limit(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/page").respond_with_json({})
    settings = dataclasses.replace(FAST, min_interval=0.15)

    for client in client_for("paced", settings):
        started = time.monotonic()
        for _ in range(3):
            client.get(httpserver.url_for("/page"))
        elapsed = time.monotonic() - started

    assert elapsed >= 0.3


def test_conditional_request_reuses_the_cached_body_on_304(
    httpserver: HTTPServer, tmp_path
) -> None:
    body = fixture_bytes("opendatasoft/records_page1.json")
    httpserver.expect_ordered_request("/records").respond_with_data(
        body, content_type="application/json", headers={"ETag": '"v1"'}
    )

    def not_modified(request: Request) -> Response:
        assert request.headers.get("If-None-Match") == '"v1"'
        return Response(status=304, headers={"ETag": '"v1"'})

    httpserver.expect_ordered_request("/records").respond_with_handler(not_modified)
    settings = dataclasses.replace(FAST, cache_path=tmp_path / "cache" / "http.sqlite")

    for client in client_for("cached", settings):
        first, _ = client.get_json(httpserver.url_for("/records"))
        second, exchange = client.get_json(httpserver.url_for("/records"))

    assert second == first
    assert exchange.status == 200
    assert len(httpserver.log) == 2
    assert httpserver.log[1][1].status_code == 304


def test_api_key_travels_in_header_and_never_in_the_cache_file(
    httpserver: HTTPServer, tmp_path
) -> None:
    httpserver.expect_request(
        "/records", headers={"Authorization": "Apikey s3cret-key"}
    ).respond_with_json({"total_count": 0, "results": []}, headers={"ETag": '"x"'})
    settings = dataclasses.replace(FAST, cache_path=tmp_path / "http.sqlite")
    session = make_session(settings)
    client = SourceClient(
        "keyed", session, settings, secret_headers={"Authorization": "Apikey s3cret-key"}
    )

    client.get(httpserver.url_for("/records"))
    session.close()

    assert b"s3cret-key" not in (tmp_path / "http.sqlite").read_bytes()


def test_redact_url_strips_key_parameters() -> None:
    url = "https://portal.example/api/records?limit=10&apikey=abc&where=x"
    assert redact_url(url) == "https://portal.example/api/records?limit=10&where=x"


def gzip_csv(rows: int) -> bytes:
    lines = ["Numero,Raccomandazione"] + [
        f"R{n},Synthetic: recommendation {n}" for n in range(rows)
    ]
    return gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0)


@pytest.fixture
def raw_server() -> Iterator[Callable[..., RawResponseServer]]:
    servers: list[RawResponseServer] = []

    def start(head: str, body: bytes, byte_interval: float | None = None) -> RawResponseServer:
        servers.append(RawResponseServer(head, body, byte_interval))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


@pytest.mark.parametrize("announce_length", [False, True], ids=["until-close", "length-of-cut"])
def test_gzip_body_cut_short_fails_instead_of_loading_part(
    raw_server: Callable[..., RawResponseServer], announce_length: bool
) -> None:
    whole = gzip_csv(200)
    cut = whole[: len(whole) // 2]
    length = f"Content-Length: {len(cut)}\n" if announce_length else ""
    server = raw_server(
        "HTTP/1.1 200 OK\nContent-Type: text/csv\nContent-Encoding: gzip\n"
        f"{length}Connection: close\n",
        cut,
    )

    for client in client_for("gzip-portal"):
        with pytest.raises(SourceError) as failure:
            client.get(server.url("/export.csv"))

    message = str(failure.value)
    assert "gzip-portal" in message
    assert server.url("/export.csv") in message
    assert "stops before the end of its compressed stream" in message


def test_deflate_body_cut_short_fails(raw_server: Callable[..., RawResponseServer]) -> None:
    whole = zlib.compress(b'{"results": [' + b'{"id": 1},' * 500 + b'{"id": 2}]}')
    server = raw_server(
        "HTTP/1.1 200 OK\nContent-Type: application/json\nContent-Encoding: deflate\n"
        "Connection: close\n",
        whole[: len(whole) - 20],
    )

    for client in client_for("deflate-portal"):
        with pytest.raises(SourceError, match="stops before the end of its compressed stream"):
            client.get(server.url("/records"))


def test_whole_gzip_body_is_read_in_full(raw_server: Callable[..., RawResponseServer]) -> None:
    whole = gzip_csv(200)
    server = raw_server(
        "HTTP/1.1 200 OK\nContent-Type: text/csv\nContent-Encoding: gzip\n"
        f"Content-Length: {len(whole)}\nConnection: close\n",
        whole,
    )

    for client in client_for("gzip-portal"):
        exchange = client.get(server.url("/export.csv"))

    assert exchange.body == gzip.decompress(whole)
    assert exchange.body.count(b"\n") == 201


def test_body_shorter_than_its_content_length_fails(
    raw_server: Callable[..., RawResponseServer],
) -> None:
    server = raw_server(
        "HTTP/1.1 200 OK\nContent-Type: text/csv\nContent-Length: 5000\nConnection: close\n",
        b"Numero,Raccomandazione\nR1,Synthetic: met",
    )

    for client in client_for("short-portal"):
        with pytest.raises(SourceError) as failure:
            client.get(server.url("/export.csv"))

    assert "short-portal" in str(failure.value)
    assert server.url("/export.csv") in str(failure.value)


def test_a_body_trickling_in_byte_by_byte_hits_the_overall_deadline(
    raw_server: Callable[..., RawResponseServer],
) -> None:
    body = b"x" * 5000
    server = raw_server(
        "HTTP/1.1 200 OK\nContent-Type: text/csv\nContent-Length: 5000\nConnection: close\n",
        body,
        byte_interval=0.005,  # far quicker than the read timeout: it never trips
    )
    settings = dataclasses.replace(FAST, read_timeout=10.0, body_timeout=0.3)

    for client in client_for("trickling-portal", settings):
        with pytest.raises(SourceError) as failure:
            client.get(server.url("/export.csv"))

    message = str(failure.value)
    assert "trickling-portal" in message
    assert server.url("/export.csv") in message
    assert "gave up waiting for the whole response body" in message
    assert "still arriving after 0.3s" in message
    assert server.bytes_sent < len(body)  # stopped long before the body was complete
