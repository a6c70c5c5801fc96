"""CKAN Action API: one resource of one package, from the DataStore or as a CSV download.

`package_show` lists the package's resources; the configured one is read with
`datastore_search` when it has a DataStore table, else downloaded as CSV. Paging stops on
`total`, never on `_links.next`, which CKAN includes even on the last page. The page size is
read back from each answer because CKAN silently lowers a `limit` above its maximum.

Every answer is an envelope `{"success": …, "result" | "error": …}`; a failure (404 Not Found,
409 Validation Error, or `success: false` under HTTP 200) becomes a SourceError with CKAN's
own message. Values are passed on as text: tables loaded by XLoader type every column as
text, and the register validation types them by the register's column types.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ingest.adapters.common import (
    HTML_INSTEAD_OF_CSV,
    PageProgress,
    Record,
    assemble,
    fetch_context,
    read_csv,
    record_identity,
)
from ingest.adapters.paging import PagingGuard
from ingest.http import SourceClient, describe_ckan_error, is_html
from ingest.records import SourceError, SourceRows
from ingest.sources_config import CkanSource, LiveSource


def auth_headers(api_key: str) -> dict[str, str]:
    """CKAN takes the bare token in the Authorization header, with no scheme word."""
    return {"Authorization": api_key}


def read(source: LiveSource, client: SourceClient, progress: PageProgress) -> SourceRows:
    if not isinstance(source, CkanSource):
        raise TypeError(f"{source.id} is not a CKAN source")
    resource = _resource(source, client)
    use_datastore = source.access == "datastore" or (
        source.access == "auto" and bool(resource.get("datastore_active"))
    )
    if use_datastore:
        records = _datastore_records(source, client, progress, str(resource["id"]))
    else:
        records = _download_records(source, client, progress, resource)
    return assemble(source, records)


def _action(source: CkanSource, client: SourceClient, action: str, params: dict) -> tuple:
    url = f"{source.base_url}/api/3/action/{action}"
    payload, exchange = client.get_json(url, params)
    if not isinstance(payload, Mapping) or "success" not in payload:
        raise SourceError(source.id, f"{action}: not a CKAN API answer", url=exchange.url)
    if payload["success"] is not True:
        error = payload.get("error")
        detail = describe_ckan_error(error) if isinstance(error, Mapping) else repr(error)
        raise SourceError(source.id, f"{action} failed: {detail}", url=exchange.url)
    return payload.get("result"), exchange


def _resource(source: CkanSource, client: SourceClient) -> Mapping[str, Any]:
    package, exchange = _action(source, client, "package_show", {"id": source.package})
    resources = package.get("resources") if isinstance(package, Mapping) else None
    if not isinstance(resources, list) or not resources:
        raise SourceError(
            source.id, f"package {source.package!r} has no resources", url=exchange.url
        )
    for resource in resources:
        if source.resource_id and resource.get("id") == source.resource_id:
            return resource
        if source.resource_name and resource.get("name") == source.resource_name:
            return resource
    if not source.resource_id and not source.resource_name:
        for resource in resources:
            if resource.get("datastore_active") or str(resource.get("format")).upper() == "CSV":
                return resource
    names = ", ".join(f"{r.get('name')!r} ({r.get('id')})" for r in resources)
    wanted = source.resource_id or source.resource_name or "a DataStore or CSV resource"
    raise SourceError(
        source.id,
        f"package {source.package!r} has no resource {wanted!r}; it has: {names}",
        url=exchange.url,
    )


def _datastore_records(
    source: CkanSource, client: SourceClient, progress: PageProgress, resource_id: str
) -> list[Record]:
    records: list[Record] = []
    offset = 0
    guard = PagingGuard(source.id)
    page = 0
    while True:
        page += 1
        params = {
            "resource_id": resource_id,
            "limit": source.page_size,
            "offset": offset,
            "sort": "_id asc",
        }
        result, exchange = _action(source, client, "datastore_search", params)
        page_records = result.get("records") if isinstance(result, Mapping) else None
        total = result.get("total") if isinstance(result, Mapping) else None
        if not isinstance(page_records, list) or not isinstance(total, int):
            raise SourceError(
                source.id, "datastore_search answer lacks 'records' or 'total'", url=exchange.url
            )
        context = fetch_context(exchange)
        file = f"{source.base_url}/api/3/action/datastore_search?resource_id={resource_id}"
        for index, record in enumerate(page_records, start=offset + 1):
            records.append(Record(record, file, index, context))
        progress(page, len(records))
        offset += len(page_records)
        ids = [
            r["_id"] if isinstance(r, Mapping) and "_id" in r else record_identity(r)
            for r in page_records
        ]
        if not page_records or offset >= total:
            # An empty page before the total is reached is a shortfall, never the end.
            guard.page(exchange.url, ids=ids, next_page=None, more=False)
            guard.complete(exchange.url, total)
            return records
        guard.page(exchange.url, ids=ids, next_page=offset, more=True)


def _download_records(
    source: CkanSource, client: SourceClient, progress: PageProgress, resource: Mapping
) -> list[Record]:
    url = resource.get("url")
    if not url:
        raise SourceError(source.id, f"resource {resource.get('id')} has no download URL")
    exchange = client.get(str(url))
    if is_html(exchange):
        raise SourceError(source.id, HTML_INSTEAD_OF_CSV, url=exchange.url)
    rows = read_csv(source.id, exchange.body, exchange.url)
    context = fetch_context(exchange)
    records: list[Record] = [
        Record(row, f"{exchange.url} line", line, context) for line, row in enumerate(rows, start=2)
    ]
    progress(1, len(records))
    return records
