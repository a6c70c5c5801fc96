"""`fetch --check`: a dry run that asks each live source only what it is, never its data.

Per source it prints what a clerk adding a city needs first: the server's version and the
kind of thing configured (Decidim component type, Opendatasoft dataset, CKAN resource), the
record count, mapped fields the source does not have, and the labels the source uses that the
vocabularies do not map yet (those rows would be rejected by a real fetch). Nothing is
recorded and nothing is published.

Decidim's API has no count, so its items are counted by listing their ids and label fields;
Opendatasoft answers from the dataset's metadata and facets; CKAN from `status_show`,
`package_show` and DataStore queries with `limit=0` or `distinct`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.adapters import auth_headers
from ingest.adapters.ckan import _action, _resource
from ingest.adapters.decidim import Inspection
from ingest.adapters.decidim import inspect as inspect_decidim
from ingest.adapters.mapping import FieldMissing, FieldShapeError, Template, resolve
from ingest.adapters.opendatasoft import dataset_url
from ingest.fetch import DEFAULT_REQUESTS_PER_MINUTE
from ingest.http import HttpSettings, SourceClient, api_key_from_env, make_session
from ingest.records import SourceError
from ingest.sources_config import CkanSource, LiveSource, OpendatasoftSource, select_live_sources
from ingest.vocab import Vocabularies, load_vocabularies

# (table, column) -> vocabulary its labels go through (as in ingest/validate.py)
VOCABULARY_COLUMNS = {
    ("responses", "stance"): "stance",
    ("status_events", "status"): "implementation",
    ("outcome_reports", "status"): "implementation",
}
DISTINCT_LIMIT = 1000


@dataclass
class SourceCheck:
    """What the dry run found for one source (`error` set when it could not tell)."""

    source_id: str
    kind: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    records: int | None = None
    labels: dict[str, list[str]] = field(default_factory=dict)  # vocabulary -> labels seen
    unmapped: dict[str, list[str]] = field(default_factory=dict)  # vocabulary -> unmapped
    missing_fields: list[str] = field(default_factory=list)
    error: str | None = None


def check_sources(
    config_path: Path,
    source_ids: Sequence[str] | None = None,
    *,
    settings: HttpSettings | None = None,
    vocabularies: Vocabularies | None = None,
) -> list[SourceCheck]:
    """One SourceCheck per live source (or per named one), in configuration order."""
    live = select_live_sources(Path(config_path), source_ids)
    settings = settings or HttpSettings()
    vocabularies = vocabularies or load_vocabularies()
    return [check_source(source, settings, vocabularies) for source in live]


def check_source(
    source: LiveSource, settings: HttpSettings, vocabularies: Vocabularies
) -> SourceCheck:
    result = SourceCheck(source.id, source.kind)
    per_minute = source.requests_per_minute or DEFAULT_REQUESTS_PER_MINUTE.get(source.kind)
    if per_minute:
        settings = dataclasses.replace(settings, min_interval=60.0 / per_minute)
    session = make_session(dataclasses.replace(settings, cache_path=None))
    key = api_key_from_env(source.api_key_env) if source.api_key_env else None
    client = SourceClient(
        source.id, session, settings, secret_headers=auth_headers(source.kind, key) if key else {}
    )
    try:
        inspection = INSPECTORS[source.kind](source, client)
    except SourceError as exc:
        result.error = str(exc)
        return result
    except Exception as exc:  # one source's surprise must not hide the others' answers
        result.error = f"{source.id}: unexpected {type(exc).__name__}: {exc}"
        return result
    finally:
        session.close()
    result.facts = inspection.facts
    result.records = inspection.records
    result.missing_fields = missing_fields(source, inspection)
    result.labels, result.unmapped = vocabulary_labels(source, inspection, vocabularies)
    return result


def vocabulary_labels(
    source: LiveSource, inspection: Inspection, vocabularies: Vocabularies
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Labels the source's vocabulary columns would hold, and those no vocabulary maps."""
    seen: dict[str, set[str]] = {}
    for table_map in source.maps:
        for column, template in table_map.columns.items():
            name = VOCABULARY_COLUMNS.get((table_map.table, column))
            if name is None:
                continue
            if not template.fields:  # a fixed label, e.g. a dated milestone's name
                labels_found = [template.render({}, {})]
            else:
                labels_found = [
                    _label(template, table_map.skip_unless, record)
                    for record in inspection.label_records
                ]
            for label in labels_found:
                if label is not None:
                    seen.setdefault(name, set()).add(label)
    labels = {name: sorted(values) for name, values in seen.items()}
    unmapped = {
        name: [label for label in values if vocabularies.get(name).lookup(label) is None]
        for name, values in labels.items()
    }
    return labels, {name: values for name, values in unmapped.items() if values}


def _label(template: Template, skip_unless: Sequence[str], record: Mapping[str, Any]) -> str | None:
    """The label a record gives, or None when it gives none (or lacks the fields)."""
    try:
        for name in skip_unless:
            value = resolve(record, name)
            if value in (None, "", []):
                return None
        return template.render(record, {})
    except (FieldMissing, FieldShapeError):
        return None


def missing_fields(source: LiveSource, inspection: Inspection) -> list[str]:
    """Fields the mapping names that the source's metadata does not list (Opendatasoft and
    CKAN publish their field lists; Decidim's are checked by the probe)."""
    known = dict(inspection.facts).get("fields")
    if known is None:
        return []
    available = set(known.split(", "))
    wanted = {
        name.split("/")[0]
        for table_map in source.maps
        for template in table_map.columns.values()
        for name in template.fields
        if not name.startswith("@")
    }
    return sorted(wanted - available)


# ---------------------------------------------------------------------------------------------
# Opendatasoft


def _label_fields(source: LiveSource) -> list[str]:
    """Fields whose values become vocabulary labels: the ones worth a facet query."""
    names: list[str] = []
    for table_map in source.maps:
        for column, template in table_map.columns.items():
            if (table_map.table, column) in VOCABULARY_COLUMNS:
                names += [n for n in template.fields if not n.startswith("@") and n not in names]
    return names


def inspect_opendatasoft(source: LiveSource, client: SourceClient) -> Inspection:
    if not isinstance(source, OpendatasoftSource):
        raise TypeError(f"{source.id} is not an Opendatasoft source")
    url = dataset_url(source)
    meta, _ = client.get_json(url)
    if not isinstance(meta, Mapping) or not isinstance(meta.get("fields"), list):
        raise SourceError(
            source.id, "dataset metadata has no 'fields' (is this an Explore v2.1 URL?)", url=url
        )
    default = (meta.get("metas") or {}).get("default") or {}
    count_page, _ = client.get_json(
        f"{url}/records", {"limit": 0, **({"where": source.where} if source.where else {})}
    )
    total = count_page.get("total_count") if isinstance(count_page, Mapping) else None
    facts = [
        ("dataset", f"{meta.get('dataset_id', source.dataset)}: {default.get('title', '')}"),
        ("last modified", str(default.get("modified") or "not given")),
        ("fields", ", ".join(str(f.get("name")) for f in meta["fields"])),
    ]
    records: list[dict[str, Any]] = []
    for name in _label_fields(source):
        params: dict[str, Any] = {"facet": name}
        if source.where:
            params["where"] = source.where
        answer, _ = client.get_json(f"{url}/facets", params)
        for facet in answer.get("facets", []) if isinstance(answer, Mapping) else []:
            if facet.get("name") != name:
                continue
            records += [{name: value.get("value")} for value in facet.get("facets") or []]
    return Inspection(facts, total if isinstance(total, int) else None, records)


# ---------------------------------------------------------------------------------------------
# CKAN


def inspect_ckan(source: LiveSource, client: SourceClient) -> Inspection:
    if not isinstance(source, CkanSource):
        raise TypeError(f"{source.id} is not a CKAN source")
    status, _ = _action(source, client, "status_show", {})
    version = status.get("ckan_version") if isinstance(status, Mapping) else None
    resource = _resource(source, client)
    facts = [
        ("CKAN version", str(version or "not given")),
        ("resource", f"{resource.get('name')!r} ({resource.get('id')}), {resource.get('format')}"),
    ]
    if not resource.get("datastore_active"):
        facts.append(("note", "no DataStore table: count and labels need the full download"))
        return Inspection(facts, None, [])
    resource_id = str(resource["id"])
    result, _ = _action(
        source, client, "datastore_search", {"resource_id": resource_id, "limit": 0}
    )
    fields = [str(f.get("id")) for f in result.get("fields") or [] if isinstance(f, Mapping)]
    facts.append(("fields", ", ".join(fields)))
    records: list[dict[str, Any]] = []
    for name in _label_fields(source):
        if name not in fields:
            continue
        params = {
            "resource_id": resource_id,
            "fields": name,
            "distinct": "true",
            "limit": DISTINCT_LIMIT,
        }
        answer, _ = _action(source, client, "datastore_search", params)
        records += [dict(r) for r in answer.get("records") or [] if isinstance(r, Mapping)]
    total = result.get("total")
    return Inspection(facts, total if isinstance(total, int) else None, records)


INSPECTORS = {
    "decidim": inspect_decidim,
    "opendatasoft": inspect_opendatasoft,
    "ckan": inspect_ckan,
}
