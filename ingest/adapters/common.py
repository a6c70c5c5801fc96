"""What the live adapters share: the progress hook, CSV reading and assembling SourceRows."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple, Protocol

from ingest.adapters.mapping import map_records
from ingest.http import Exchange, looks_like_html
from ingest.records import Problem, RawRow, SourceError, SourceRows
from ingest.sources_config import LiveSource

HTML_INSTEAD_OF_CSV = (
    "expected a CSV file but the server sent an HTML page; a maintenance or login page may "
    "have been served, or the URL leads to a web page rather than a file"
)


class Record(NamedTuple):
    """One payload record, where it came from (`file`: URL, plus the ZIP member or query;
    `row`: its number there, from 1) and the fetch facts its templates may use."""

    data: Mapping[str, Any]
    file: str
    row: int
    context: Mapping[str, Any]


class PageProgress(Protocol):
    """Told after every page: pages fetched so far and records read so far."""

    def __call__(self, pages: int, records: int) -> None: ...


def fetch_context(exchange: Exchange) -> dict[str, str]:
    """The values a template can name with `@`: taken from the response, so a replay of the
    recorded response yields the very same rows."""
    return {"@fetched_on": exchange.fetched_on, "@page_url": exchange.url}


def assemble(source: LiveSource, records: Iterable[Record]) -> SourceRows:
    """The source's fixed rows (institution, cycles) followed by its mapped records.

    Live sources report a current state on every read, hence status_origin "observed".
    """
    tables: dict[str, list[RawRow]] = {}
    for table, rows in source.fixed_rows.items():
        file = f"sources.toml [{source.id}] fixed_rows.{table}"
        tables[table] = [
            RawRow(values=dict(values), ref=f"{file}:{n}", file=file, row=n)
            for n, values in enumerate(rows, start=1)
        ]
    rejected: list[Problem] = []
    for table, rows in map_records(source.id, records, source.maps, rejected).items():
        tables.setdefault(table, []).extend(_without_repeats(rows))
    return SourceRows(
        source_id=source.id, tables=tables, status_origin="observed", notices=rejected
    )


def read_csv(source_id: str, data: bytes, url: str, delimiter: str | None = None) -> list[dict]:
    """Rows of a CSV export as dicts; BOM, `;` or `,` (or tab) separators are all handled.

    A web page where the file should be (a maintenance or login page, served with whatever
    Content-Type) is named as such, rather than reported as a malformed CSV.
    """
    if looks_like_html(data):
        raise SourceError(source_id, HTML_INSTEAD_OF_CSV, url=url)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(source_id, f"CSV is not UTF-8 text: {exc}", url=url) from exc
    if delimiter is None:
        header = text.split("\n", 1)[0]
        delimiter = max((";", ",", "\t"), key=header.count)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    if not reader.fieldnames:
        raise SourceError(source_id, "CSV export is empty (no header row)", url=url)
    rows = []
    for row in reader:
        if None in row:
            raise SourceError(
                source_id,
                f"CSV line {reader.line_num} has more cells than the header; "
                "the export may be truncated or use another separator",
                url=url,
            )
        rows.append(dict(row))
    return rows


def record_identity(record: Any) -> str:
    """A record's whole content as one comparable value, for sources whose records carry no
    id of their own: a page of records already seen is then recognised."""
    return json.dumps(record, sort_keys=True, ensure_ascii=True, default=str)


def _without_repeats(rows: list[RawRow]) -> list[RawRow]:
    """Drops rows identical to an earlier one: a cycle mapped from every record of its edition
    is one cycle. Rows that share a key but differ are kept, for validation to report."""
    seen: set[tuple[tuple[str, str | None], ...]] = set()
    kept = []
    for row in rows:
        signature = tuple(sorted(row.values.items()))
        if signature not in seen:
            seen.add(signature)
            kept.append(row)
    return kept
