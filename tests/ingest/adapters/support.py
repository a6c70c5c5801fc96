"""Helpers for the live-adapter tests: fixtures in the real APIs' shapes, a fast HTTP
configuration, and a local server that drops connections half-way."""

from __future__ import annotations

import dataclasses
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ingest.http import HttpSettings, SourceClient, make_session
from ingest.sources_config import LiveSource, load_sources

REPO_ROOT = Path(__file__).resolve().parents[3]
FIXTURES = REPO_ROOT / "tests" / "fixtures" / "api"
REAL_SOURCES = REPO_ROOT / "data" / "sources.toml"

# Real retry logic, tiny waits: the suite stays fast but every retry path still runs.
FAST = HttpSettings(
    connect_timeout=2.0,
    read_timeout=2.0,
    retries=2,
    backoff_factor=0.01,
    backoff_max=0.05,
    retry_after_max=2,
)


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_json(name: str) -> Any:
    return json.loads(fixture_bytes(name))


def real_source(source_id: str, base_url: str) -> LiveSource:
    """A source exactly as shipped in data/sources.toml, pointed at the local server."""
    source = load_sources(REAL_SOURCES).by_id(source_id)
    assert isinstance(source, LiveSource)
    return dataclasses.replace(source, base_url=base_url.rstrip("/"))


def client_for(
    source_id: str, settings: HttpSettings = FAST, **kwargs: Any
) -> Iterator[SourceClient]:
    session = make_session(settings)
    try:
        yield SourceClient(source_id, session, settings, **kwargs)
    finally:
        session.close()


class Progress:
    """Collects the (pages, records) an adapter reports."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    def __call__(self, pages: int, records: int) -> None:
        self.calls.append((pages, records))


class DroppingServer:
    """A bare HTTP server that promises a body, sends part of it and closes the connection:
    what a client sees when a link or a proxy fails mid-transfer."""

    def __init__(self, partial_body: bytes, promised_length: int) -> None:
        self.partial_body = partial_body
        self.promised_length = promised_length
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(5)
        self.port = self.listener.getsockname()[1]
        self.requests = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            with connection:
                connection.recv(65536)
                self.requests += 1
                head = (
                    "HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\n"
                    f"Content-Length: {self.promised_length}\r\nConnection: close\r\n\r\n"
                ).encode()
                connection.sendall(head + self.partial_body)

    def close(self) -> None:
        self.listener.close()


class RawResponseServer:
    """A bare HTTP server that answers every request with exactly the bytes it is given, then
    closes: for bodies no well-behaved server would send (a gzip stream cut short, a
    Content-Length that lies). With `byte_interval`, it trickles the body one byte at a time,
    as a stalled proxy does, until the client hangs up."""

    def __init__(self, head: str, body: bytes, byte_interval: float | None = None) -> None:
        self.head = head.replace("\n", "\r\n").encode() + b"\r\n"
        self.body = body
        self.byte_interval = byte_interval
        self.bytes_sent = 0
        self._stopped = threading.Event()
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(5)
        self.port = self.listener.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _serve(self) -> None:
        while not self._stopped.is_set():
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            with connection:
                connection.recv(65536)
                try:
                    self._answer(connection)
                except OSError:  # the client hung up
                    continue

    def _answer(self, connection: socket.socket) -> None:
        connection.sendall(self.head)
        if self.byte_interval is None:
            connection.sendall(self.body)
            self.bytes_sent += len(self.body)
            return
        for index in range(len(self.body)):
            connection.sendall(self.body[index : index + 1])
            self.bytes_sent += 1
            if self._stopped.wait(self.byte_interval):
                return

    def close(self) -> None:
        self._stopped.set()
        self.listener.close()
