"""`python -m ingest fetch --check`: the dry run a clerk runs first, against local servers
that answer like the real ones (Decidim per version, Opendatasoft v2.1, CKAN 2.9-2.11)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner

from ingest.cli import app

from .decidim_server import DecidimServer, instance, serve
from .support import fixture_bytes, fixture_json
from .test_ckan_adapter import CONFIG as CKAN_CONFIG
from .test_fetch_command import shipped_config_on

DATASET = (
    "/api/explore/v2.1/catalog/datasets/"
    "budget-participatif_operations-projets-gagnants-realisations"
)


def check(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["fetch", "--check", *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def serve_paris(httpserver: HTTPServer) -> None:
    httpserver.expect_request(DATASET).respond_with_json(
        fixture_json("opendatasoft/paris_dataset.json")
    )
    httpserver.expect_request(f"{DATASET}/records", query_string={"limit": "0"}).respond_with_json(
        fixture_json("opendatasoft/paris_records_count.json")
    )
    httpserver.expect_request(
        f"{DATASET}/facets", query_string={"facet": "avancement_operation"}
    ).respond_with_json(fixture_json("opendatasoft/paris_facets_avancement.json"))


def decidim_instance(milan: str, brussels: str) -> dict[str, Any]:
    """One local server for both Decidim sources (they share the test's base URL)."""
    data = instance(milan)
    data["components"].update(instance(brussels)["components"])
    return data


def section(output: str, source_id: str) -> str:
    """The lines printed for one source."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{source_id} ("))
    end = next(
        (i for i in range(start + 1, len(lines)) if not lines[i].startswith(" ")), len(lines)
    )
    return "\n".join(lines[start:end])


def test_check_reports_each_shipped_source(httpserver: HTTPServer, tmp_path: Path) -> None:
    serve_paris(httpserver)
    server = serve(
        httpserver,
        DecidimServer("0.20", decidim_instance("milano-0.20.json", "brussels-pages.json")),
    )
    config = shipped_config_on(httpserver, tmp_path)

    code, output = check("--sources", str(config))

    paris = section(output, "paris-budget-participatif")
    assert "records: 7" in paris
    assert "implementation labels: 11, all mapped" in paris  # 7 progress values + 4 milestones
    assert "MISSING" not in paris
    milan = section(output, "milano-partecipa-assemblea-clima")
    assert "Decidim version: 0.20.1" in milan
    assert "component: 358 is a Proposals component" in milan
    assert "plain-text title and body" in milan
    assert "no answer text or date" in milan
    assert "records: 4" in milan
    assert "stance labels: 3, all mapped" in milan  # accepted, evaluating, withdrawn
    brussels = section(output, "democratie-brussels-sans-abrisme")
    assert (
        "component 115 is a Pages component; Uptake reads Proposals or Accountability" in brussels
    )
    assert code == 1  # a source that cannot be read is trouble
    # a dry run asks for ids and labels only, never the texts
    assert all("body" not in r["query"] for r in server.requests)
    assert not (tmp_path / "raw").exists() and not list(tmp_path.glob("**/CURRENT"))


@pytest.mark.parametrize(
    ("milan", "version", "shown", "unmapped"),
    [
        ("milano-0.27.json", "0.27", "Decidim version: 0.27.5", []),
        (
            "milano-0.29.json",
            "0.29-0.30",
            "Decidim version: not disclosed by the server",
            ["accolta_con_specifiche"],
        ),
    ],
)
def test_check_names_version_and_unmapped_states(
    httpserver: HTTPServer,
    tmp_path: Path,
    milan: str,
    version: str,
    shown: str,
    unmapped: list[str],
) -> None:
    serve(httpserver, DecidimServer(version, instance(milan)))
    config = shipped_config_on(httpserver, tmp_path)

    code, output = check("--sources", str(config), "--source", "milano-partecipa-assemblea-clima")

    milan_lines = section(output, "milano-partecipa-assemblea-clima")
    assert shown in milan_lines
    assert "translated title and body; answer text and date" in milan_lines
    assert [
        line.split("unmapped: ")[1] for line in milan_lines.splitlines() if "unmapped:" in line
    ] == [repr(label) for label in unmapped]
    assert code == (1 if unmapped else 0)


def test_check_counts_accountability_results(httpserver: HTTPServer, tmp_path: Path) -> None:
    serve(httpserver, DecidimServer("0.28", instance("brussels-results-0.28.json")))
    config = shipped_config_on(httpserver, tmp_path)

    code, output = check("--sources", str(config), "--source", "democratie-brussels-sans-abrisme")

    brussels = section(output, "democratie-brussels-sans-abrisme")
    assert "Decidim version: 0.28.4" in brussels
    assert "component: 115 is a Accountability component" in brussels
    assert "not linked to proposals" in brussels
    assert "records: 3" in brussels
    assert "implementation labels: 2, all mapped" in brussels  # En cours, Réalisé
    assert code == 0


def test_check_reports_a_mapped_field_the_dataset_lacks(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    dataset = fixture_json("opendatasoft/paris_dataset.json")
    dataset["fields"] = [f for f in dataset["fields"] if f["name"] != "titre_operation"]
    httpserver.expect_request(DATASET).respond_with_json(dataset)
    serve_paris(httpserver)
    config = shipped_config_on(httpserver, tmp_path)

    code, output = check("--sources", str(config), "--source", "paris-budget-participatif")

    assert "MISSING fields named by the mapping: titre_operation" in output
    assert code == 1


@pytest.mark.parametrize("ckan_version", ["2.9", "2.11"])
def test_check_reads_ckan_metadata_and_distinct_labels(
    httpserver: HTTPServer, tmp_path: Path, ckan_version: str
) -> None:
    resource_id = "a1b2c3d4-0000-4000-8000-000000000001"
    httpserver.expect_request("/api/3/action/status_show").respond_with_data(
        fixture_bytes(f"ckan/status_show_{ckan_version}.json"), content_type="application/json"
    )
    httpserver.expect_request("/api/3/action/package_show").respond_with_data(
        fixture_bytes("ckan/package_show.json"), content_type="application/json"
    )
    httpserver.expect_request(
        "/api/3/action/datastore_search", query_string={"resource_id": resource_id, "limit": "0"}
    ).respond_with_data(
        fixture_bytes("ckan/datastore_search_count.json"), content_type="application/json"
    )
    httpserver.expect_request(
        "/api/3/action/datastore_search",
        query_string={
            "resource_id": resource_id,
            "fields": "Risposta Giunta",
            "distinct": "true",
            "limit": "1000",
        },
    ).respond_with_data(
        fixture_bytes("ckan/datastore_search_distinct.json"), content_type="application/json"
    )
    config = tmp_path / "sources.toml"
    base_url = httpserver.url_for("/").rstrip("/")
    config.write_text(CKAN_CONFIG.format(base_url=base_url, access="auto"), encoding="utf-8")

    code, output = check("--sources", str(config))

    assert f"CKAN version: {ckan_version}." in output
    assert "'raccomandazioni.csv'" in output
    assert "records: 3" in output
    assert "stance labels: 3, 1 UNMAPPED" in output
    assert "unmapped: 'Synthetic: in istruttoria'" in output
    assert code == 1
