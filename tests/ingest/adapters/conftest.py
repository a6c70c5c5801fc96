"""Fixtures for the live-adapter tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ingest.http import SourceClient

from .support import DroppingServer, Progress, client_for


@pytest.fixture
def client() -> Iterator[SourceClient]:
    yield from client_for("test-source")


@pytest.fixture
def progress() -> Progress:
    return Progress()


@pytest.fixture
def dropping_server() -> Iterator[DroppingServer]:
    server = DroppingServer(b"Numero,Raccomandazione\nR1,Synthetic: met", promised_length=5000)
    yield server
    server.close()
