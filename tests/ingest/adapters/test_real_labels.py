"""The labels the real sources emit map onto the canonical scales without a single reject:
Paris's `avancement_operation` values and Decidim's proposal states."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer

from ingest.adapters.opendatasoft import read
from ingest.http import SourceClient
from ingest.validate import validate_source
from ingest.vocab import load_vocabularies

from .support import Progress, client_for, fixture_json, real_source

PARIS = "paris-budget-participatif"
RECORDS = (
    "/api/explore/v2.1/catalog/datasets/"
    "budget-participatif_operations-projets-gagnants-realisations/records"
)


@pytest.fixture
def paris_client() -> Iterator[SourceClient]:
    yield from client_for(PARIS)


def test_every_paris_progress_label_maps_onto_the_implementation_scale(
    httpserver: HTTPServer, paris_client: SourceClient, progress: Progress
) -> None:
    httpserver.expect_request(RECORDS).respond_with_json(
        fixture_json("opendatasoft/paris_records_real_labels.json")
    )

    rows = read(real_source(PARIS, httpserver.url_for("/")), paris_client, progress)
    canonical = validate_source(rows, load_vocabularies())

    assert canonical.problems == []
    statuses = {e["status_label"]: e["status"] for e in canonical.tables["status_events"]}
    assert statuses == {
        "(non démarré)": "not_started",
        "ETUDES": "not_started",
        "PROCEDURES": "in_progress",
        "TRAVAUX": "in_progress",
        "LIVRAISON": "implemented",
        "FIN": "implemented",
        "ABANDONNÉ": "abandoned",
    }


@pytest.mark.parametrize(
    ("label", "stance"),
    [
        ("accepted", "accepted"),
        ("rejected", "rejected"),
        ("evaluating", "noted"),
        ("withdrawn", "pending"),
        ("not_answered", "pending"),
    ],
)
def test_decidim_states_are_in_the_stance_vocabulary(label: str, stance: str) -> None:
    assert load_vocabularies().get("stance").lookup(label) == stance


def test_the_crosswalk_shows_the_paris_labels_with_their_source() -> None:
    rows = load_vocabularies().crosswalk()
    paris = [r for r in rows if "avancement_operation" in r["note"]]

    assert sorted(r["label"] for r in paris) == sorted(
        ["(non démarré)", "ETUDES", "PROCEDURES", "TRAVAUX", "LIVRAISON", "FIN", "ABANDONNÉ"]
    )
