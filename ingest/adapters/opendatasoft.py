"""Opendatasoft Explore API v2.1: one dataset, read page by page or as a full export.

`/records` serves at most 100 records a page and nothing beyond offset + limit = 10 000; past
that it answers 400, and a loop that stops on a short page would silently miss the rest. So
the first page's `total_count` decides: within the window the adapter pages through
`/records` (always with `order_by`, since the default order is not stable); beyond it, it
switches to `/exports/json` (a bare array) or `/exports/csv` (`;`-separated with a BOM), which
have no cap.
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
from ingest.http import SourceClient, is_html
from ingest.records import SourceError, SourceRows
from ingest.sources_config import LiveSource, OpendatasoftSource

MAX_LIMIT = 100
OFFSET_WINDOW = 10_000


def auth_headers(api_key: str) -> dict[str, str]:
    """The key goes in a header, never in the query string, so it stays out of URLs and logs."""
    return {"Authorization": f"Apikey {api_key}"}


def dataset_url(source: OpendatasoftSource) -> str:
    return f"{source.base_url}/api/explore/v2.1/catalog/datasets/{source.dataset}"


def read(source: LiveSource, client: SourceClient, progress: PageProgress) -> SourceRows:
    if not isinstance(source, OpendatasoftSource):
        raise TypeError(f"{source.id} is not an Opendatasoft source")
    return assemble(source, _records(source, client, progress))


def _query(source: OpendatasoftSource) -> dict[str, str]:
    query = {"order_by": source.order_by, "where": source.where, "select": source.select}
    return {k: v for k, v in query.items() if v}


def _records(
    source: OpendatasoftSource, client: SourceClient, progress: PageProgress
) -> list[Record]:
    url = f"{dataset_url(source)}/records"
    limit = min(source.page_size, MAX_LIMIT)
    records: list[Record] = []
    offset = 0
    page = 0
    guard = PagingGuard(source.id)
    while True:
        params = {**_query(source), "limit": limit, "offset": offset}
        payload, exchange = client.get_json(url, params)
        if not isinstance(payload, Mapping) or not isinstance(payload.get("results"), list):
            raise SourceError(
                source.id,
                "records page has no 'results' list (is this an Explore v2.1 URL?)",
                url=exchange.url,
            )
        total = payload.get("total_count")
        if not isinstance(total, int):
            raise SourceError(source.id, "records page has no 'total_count'", url=exchange.url)
        if total > OFFSET_WINDOW:
            return _export_records(source, client, progress, total)
        page += 1
        context = fetch_context(exchange)
        results = payload["results"]
        for index, record in enumerate(results, start=offset + 1):
            records.append(_checked(source, record, dataset_url(source), index, context))
        progress(page, len(records))
        offset += len(results)
        ids = [record_identity(r) for r in results]
        if not results or offset >= total:
            # An empty page before the total is reached is a shortfall, never the end.
            guard.page(exchange.url, ids=ids, next_page=None, more=False)
            guard.complete(exchange.url, total)
            return records
        guard.page(exchange.url, ids=ids, next_page=offset, more=True)
        if offset + limit > OFFSET_WINDOW:
            limit = OFFSET_WINDOW - offset


def _export_records(
    source: OpendatasoftSource, client: SourceClient, progress: PageProgress, total: int
) -> list[Record]:
    """The whole dataset in one response, for datasets larger than the /records window."""
    url = f"{dataset_url(source)}/exports/{source.export_format}"
    if source.export_format == "csv":
        exchange = client.get(url, {**_query(source), "delimiter": ";", "with_bom": "true"})
        if is_html(exchange):
            raise SourceError(source.id, HTML_INSTEAD_OF_CSV, url=exchange.url)
        rows: list[Any] = read_csv(source.id, exchange.body, exchange.url, delimiter=";")
    else:
        rows, exchange = client.get_json(url, _query(source))
        if not isinstance(rows, list):
            raise SourceError(source.id, "JSON export is not an array of records", url=exchange.url)
    context = fetch_context(exchange)
    records = [
        _checked(source, row, exchange.url, index, context)
        for index, row in enumerate(rows, start=1)
    ]
    progress(1, len(records))
    # /records counted with the same filter, so fewer records means a cut-short download.
    if len(records) < total:
        raise SourceError(
            source.id,
            f"export returned {len(records)} records but the dataset counts {total}: "
            "the download was cut short",
            url=exchange.url,
        )
    return records


def _checked(
    source: OpendatasoftSource, record: Any, file: str, row: int, context: Mapping[str, Any]
) -> Record:
    if not isinstance(record, Mapping):
        raise SourceError(source.id, f"record {row} is not a JSON object", url=file)
    return Record(record, file, row, context)
