"""Decidim: one component's proposals (with the administration's answer) or accountability results.

Two ways in, chosen per source:
- the GraphQL API (`POST /api`), paged Relay-style with at most 50 items per page (the
  server's cap). Results bring status, progress, parent/children and their timeline entries,
  which the open-data export does not carry;
- the open-data export (`GET /open-data/download`), a ZIP of CSVs whose nested columns are
  flattened with `/` (`title/it`, `title/machine_translations/en`). When the export has not
  been generated yet, Decidim queues it and redirects to an HTML page: that is reported as
  such, not parsed.

Decidim instances also rate-limit (about 100 requests a minute per address); the pause between
requests is set from the source's `requests_per_minute` by the fetch runner.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator, Mapping
from typing import Any

from ingest.adapters.common import PageProgress, Record, assemble, fetch_context, read_csv
from ingest.http import SourceClient
from ingest.records import SourceError, SourceRows
from ingest.sources_config import DecidimSource, LiveSource

MAX_PAGE_SIZE = 50
MAX_PAGES = 10_000

PROPOSALS_QUERY = """
query UptakeProposals($componentId: ID!, $first: Int!, $after: String, $locale: String!) {
  component(id: $componentId) {
    id
    __typename
    ... on Proposals {
      proposals(first: $first, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges {
          node {
            id
            reference
            state
            publishedAt
            answeredAt
            title { translation(locale: $locale) }
            body { translation(locale: $locale) }
            answer { translation(locale: $locale) }
          }
        }
      }
    }
  }
}
"""

RESULTS_QUERY = """
query UptakeResults($componentId: ID!, $first: Int!, $after: String, $locale: String!) {
  component(id: $componentId) {
    id
    __typename
    ... on Accountability {
      results(first: $first, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges {
          node {
            id
            reference
            progress
            startDate
            endDate
            createdAt
            updatedAt
            title { translation(locale: $locale) }
            description { translation(locale: $locale) }
            parent { id }
            children { id }
            proposals { id }
            status { key progress name { translation(locale: $locale) } }
            timelineEntries {
              entryDate
              title { translation(locale: $locale) }
              description { translation(locale: $locale) }
            }
          }
        }
      }
    }
  }
}
"""

# resource -> (GraphQL query, component __typename, connection field)
RESOURCES = {
    "proposals": (PROPOSALS_QUERY, "Proposals", "proposals"),
    "results": (RESULTS_QUERY, "Accountability", "results"),
}
COMPONENT_COLUMNS = ("component/id", "feature/id")  # "feature" in the oldest exports


def auth_headers(api_key: str) -> dict[str, str]:
    """Instances with `force_api_authentication` want a bearer token (not yet tried live)."""
    return {"Authorization": f"Bearer {api_key}"}


def read(source: LiveSource, client: SourceClient, progress: PageProgress) -> SourceRows:
    if not isinstance(source, DecidimSource):
        raise TypeError(f"{source.id} is not a Decidim source")
    if source.access == "open_data":
        records = _open_data_records(source, client, progress)
    else:
        records = list(_graphql_records(source, client, progress))
    return assemble(source, records)


def _graphql_records(
    source: DecidimSource, client: SourceClient, progress: PageProgress
) -> Iterator[Record]:
    query, typename, connection = RESOURCES[source.resource]
    api_url = f"{source.base_url}/api"
    after: str | None = None
    count = 0
    for page in range(1, MAX_PAGES + 1):
        variables = {
            "componentId": source.component_id,
            "first": min(source.page_size, MAX_PAGE_SIZE),
            "after": after,
            "locale": source.locale,
        }
        payload, exchange = client.post_graphql(api_url, {"query": query, "variables": variables})
        items = _connection(source, payload, typename, connection, api_url)
        context = fetch_context(exchange)
        for edge in items.get("edges") or []:
            node = edge.get("node") if isinstance(edge, Mapping) else None
            if not isinstance(node, Mapping):
                raise SourceError(source.id, "a page edge has no node", url=api_url)
            count += 1
            yield Record(node, f"{api_url} ({source.resource})", count, context)
        progress(page, count)
        page_info = items.get("pageInfo") or {}
        if not page_info.get("hasNextPage"):
            return
        cursor = page_info.get("endCursor")
        if not cursor or cursor == after:
            raise SourceError(
                source.id,
                f"page {page} says there is a next page but gives no new cursor ({cursor!r})",
                url=api_url,
            )
        after = cursor
    raise SourceError(source.id, f"stopped after {MAX_PAGES} pages", url=api_url)


def _connection(
    source: DecidimSource, payload: Any, typename: str, connection: str, api_url: str
) -> Mapping[str, Any]:
    """The Relay connection inside a GraphQL answer, or a SourceError saying what is wrong."""
    if not isinstance(payload, Mapping):
        raise SourceError(source.id, "GraphQL answer is not a JSON object", url=api_url)
    if payload.get("errors"):
        # A renamed or removed field shows up here: "Field 'x' doesn't exist on type 'Y'".
        messages = [
            str(e.get("message", e)) if isinstance(e, Mapping) else str(e)
            for e in payload["errors"]
        ]
        raise SourceError(source.id, f"GraphQL error: {'; '.join(messages)}", url=api_url)
    component = (payload.get("data") or {}).get("component")
    if component is None:
        raise SourceError(
            source.id,
            f"component {source.component_id} not found: wrong id, or it is unpublished or in "
            "a private space",
            url=api_url,
        )
    if component.get("__typename") != typename:
        raise SourceError(
            source.id,
            f"component {source.component_id} is a {component.get('__typename')!r} component, "
            f"not {typename!r} (resource {source.resource!r})",
            url=api_url,
        )
    items = component.get(connection)
    if not isinstance(items, Mapping):
        raise SourceError(
            source.id, f"field {connection!r} is missing from the GraphQL answer", url=api_url
        )
    return items


def _open_data_records(
    source: DecidimSource, client: SourceClient, progress: PageProgress
) -> list[Record]:
    url = f"{source.base_url}/open-data/download"
    exchange = client.get(url)
    body = exchange.body
    if body.startswith(b"PK\x03\x04"):
        name, data = _zip_member(source, body, exchange.url)
    elif "csv" in exchange.headers.get("content-type", ""):
        name, data = exchange.url, body  # newer versions: one CSV per resource
    else:
        raise SourceError(
            source.id,
            "the open-data export is not ready: the server answered with a web page instead "
            "of the ZIP file (Decidim generates the export in the background after the first "
            'request; try again later, or use access = "graphql")',
            url=exchange.url,
        )
    rows = read_csv(source.id, data, f"{exchange.url} {name}")
    column = next((c for c in COMPONENT_COLUMNS if rows and c in rows[0]), None)
    if rows and column is None:
        raise SourceError(
            source.id,
            f"field 'component/id' is missing from {name}; the export's columns changed",
            url=exchange.url,
        )
    context = fetch_context(exchange)
    records: list[Record] = []
    for line, row in enumerate(rows, start=2):
        if column is not None and row[column] != source.component_id:
            continue
        records.append(Record(row, f"{exchange.url} {name} line", line, context))
    progress(1, len(records))
    return records


def _zip_member(source: DecidimSource, body: bytes, url: str) -> tuple[str, bytes]:
    """The CSV of this source's resource inside the open-data ZIP."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(body))
    except zipfile.BadZipFile as exc:
        raise SourceError(source.id, f"open-data ZIP is damaged: {exc}", url=url) from exc
    suffixes = (f"-open-data-{source.resource}.csv", f"_{source.resource}.csv")
    with archive:
        names = archive.namelist()
        for name in names:
            if name.endswith(suffixes):
                return name, archive.read(name)
    raise SourceError(
        source.id,
        f"the open-data ZIP has no {source.resource} file (members: {', '.join(names)}); "
        "older Decidim versions leave accountability results out of the export",
        url=url,
    )
