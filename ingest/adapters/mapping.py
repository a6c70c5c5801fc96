"""Turns payload records into register rows, following the field mapping in sources.toml.

A mapping is a set of small text templates per register column, e.g.
`recommendation_id = "milano-partecipa-{id}"` or `responded_on = "{answeredAt|date}"`.
Templates keep per-city knowledge in the configuration file, where a maintainer can read and
fix it, instead of in code. Field paths use `/` for nesting, the same way Decidim's CSV
export flattens its columns, so one mapping style serves JSON and CSV payloads alike.

Values are passed through as the source wrote them (labels are never translated here): the
pipeline maps labels through the vocabularies and rejects the ones it does not know. Only
padding is trimmed, so " 12 " and "12" make the same id. A value that cannot be stored (an
unpaired surrogate from a JSON escape) rejects its row, with the reason; it never stops the
source, let alone the run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any

from ingest.adapters.cells import clean_cell, invalid_text_reason, shown
from ingest.records import Problem, RawRow, SourceError

if TYPE_CHECKING:
    from ingest.sources_config import TableMap

PLACEHOLDER = re.compile(r"\{([^{}|]+)(?:\|([a-z_]+))?\}")
DATE_PREFIX = re.compile(r"^\s*(\d{4}(?:-\d{2}(?:-\d{2})?)?)(?:$|[T\s])")
BLOCK_TAGS = {"p", "br", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr"}
# Elements whose content is code or markup, never text a reader should see.
HIDDEN_TAGS = {"script", "style", "template", "noscript"}


class TemplateError(ValueError):
    """A template in the configuration cannot be understood."""


class FieldMissing(LookupError):
    """The payload has no such field: the source's schema changed or the mapping is wrong."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


class InvalidText(ValueError):
    """The field holds text that cannot be stored; its row is rejected, the source goes on."""

    def __init__(self, field: str, reason: str, value: str) -> None:
        super().__init__(field)
        self.field = field
        self.reason = reason
        self.value = value
        self.column: str | None = None  # the register column being built, once known


class FieldShapeError(ValueError):
    """The field exists but holds an object where text was expected."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


@dataclass(frozen=True)
class Placeholder:
    field: str
    filter: str | None


@dataclass(frozen=True)
class Template:
    """A column value built from literal text and `{field|filter}` placeholders.

    Fields starting with `@` come from the fetch, not the record: `@fetched_on` (the day the
    page holding the record was fetched) and `@page_url` (the URL of that page).
    """

    text: str
    parts: tuple[str | Placeholder, ...]

    @classmethod
    def parse(cls, text: str) -> Template:
        parts: list[str | Placeholder] = []
        position = 0
        for match in PLACEHOLDER.finditer(text):
            parts.append(text[position : match.start()])
            name, filter_name = match.group(1).strip(), match.group(2)
            if filter_name is not None and filter_name not in FILTERS:
                known = ", ".join(sorted(FILTERS))
                raise TemplateError(f"unknown filter {filter_name!r} in {text!r} (known: {known})")
            parts.append(Placeholder(name, filter_name))
            position = match.end()
        rest = text[position:]
        if (
            "{" in rest
            or "}" in rest
            or any("{" in p or "}" in p for p in parts if isinstance(p, str))
        ):
            raise TemplateError(f"unbalanced braces in {text!r}")
        parts.append(rest)
        return cls(text=text, parts=tuple(p for p in parts if p != ""))

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(p.field for p in self.parts if isinstance(p, Placeholder))

    def render(self, record: Mapping[str, Any], context: Mapping[str, Any]) -> str | None:
        """The column text, or None when any field it needs is empty (no half-built ids)."""
        pieces: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                pieces.append(part)
                continue
            value = context.get(part.field) if part.field.startswith("@") else None
            if not part.field.startswith("@"):
                value = resolve(record, part.field)
            text = as_text(value, part.field)
            if text is not None and part.filter is not None:
                text = FILTERS[part.filter](text)
            if text is None or text == "":
                return None
            pieces.append(text)
        return "".join(pieces)


def resolve(record: Mapping[str, Any], path: str) -> Any:
    """The value at `path` ("a/b/c"); None when a parent is null; FieldMissing when absent."""
    if path in record:
        return record[path]
    return _walk(record, path.split("/"), path)


def _walk(value: Any, parts: list[str], path: str) -> Any:
    for index, part in enumerate(parts):
        if value is None:
            return None
        if isinstance(value, list):
            return [_walk(item, parts[index:], path) for item in value]
        if not isinstance(value, Mapping):
            raise FieldMissing(path)
        joined = "/".join(parts[index:])
        if joined in value:  # a flattened key further down, e.g. a CSV column "name/it"
            return value[joined]
        if part not in value:
            raise FieldMissing(path)
        value = value[part]
    return value


def as_text(value: Any, field: str) -> str | None:
    """A payload value written the way a clerk would write it in a register."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, str):
        reason = invalid_text_reason(value)
        if reason is not None:
            raise InvalidText(field, reason, shown(value))
        return clean_cell(value)
    if isinstance(value, list):
        texts = [as_text(item, field) for item in value]
        joined = ", ".join(t for t in texts if t)
        return joined or None
    raise FieldShapeError(field)


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def _date(text: str) -> str:
    """The calendar date as the source wrote it; anything unreadable is passed on for validation
    to reject with its reason."""
    match = DATE_PREFIX.match(text)
    return match.group(1) if match else text


def _integer(text: str) -> str:
    try:
        return _number(float(text.replace(",", ".")))
    except ValueError:
        return text


class _TextExtractor(HTMLParser):
    """Collects the text a browser would show. Character references are decoded once, by the
    parser: "&amp;lt;" is the text "&lt;", not "<"."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HIDDEN_TAGS:
            self._hidden_depth += 1
        if tag in BLOCK_TAGS:
            self.chunks.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCK_TAGS:
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN_TAGS and self._hidden_depth:
            self._hidden_depth -= 1
        if tag in BLOCK_TAGS:
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth:
            self.chunks.append(data)


def _plain_text(text: str) -> str:
    """Source HTML (Decidim descriptions) as plain text: the app shows text, never HTML."""
    extractor = _TextExtractor()
    extractor.feed(text)
    extractor.close()
    lines = (" ".join(line.split()) for line in "".join(extractor.chunks).splitlines())
    return "\n".join(line for line in lines if line)


def _strip_csv_guard(text: str) -> str:
    """Undo Decidim's CSV-injection guard, which prefixes cells starting with = + - @ by '."""
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@":
        return text[1:]
    return text


FILTERS = {
    "date": _date,
    "int": _integer,
    "text": _plain_text,
    "csv_cell": _strip_csv_guard,
}


def map_records(
    source_id: str,
    records: Iterable[tuple[Mapping[str, Any], str, int, Mapping[str, Any]]],
    maps: Iterable[TableMap],
    rejected: list[Problem],
) -> dict[str, list[RawRow]]:
    """Rows per register table from (record, file, row, context) tuples.

    A field named by the mapping but absent from a record is schema drift: the whole source
    fails with the field and the record named, rather than loading rows with silent gaps.
    A row with a value that cannot be stored is left out and named in `rejected`.
    """
    maps = tuple(maps)
    tables: dict[str, list[RawRow]] = {m.table: [] for m in maps}
    for record, file, row, context in records:
        for table_map in maps:
            try:
                rows = _rows_for(source_id, record, file, row, context, table_map, rejected)
            except FieldMissing as exc:
                raise SourceError(
                    source_id,
                    f"field {exc.field!r} is missing from the payload (record {row}); the "
                    "source's schema may have changed: check the mapping in sources.toml",
                    url=file,
                ) from exc
            except FieldShapeError as exc:
                raise SourceError(
                    source_id,
                    f"field {exc.field!r} holds an object, not a value (record {row}); "
                    "name one of its sub-fields in the mapping",
                    url=file,
                ) from exc
            tables[table_map.table].extend(rows)
    return tables


def _rows_for(
    source_id: str,
    record: Mapping[str, Any],
    file: str,
    row: int,
    context: Mapping[str, Any],
    table_map: TableMap,
    rejected: list[Problem],
) -> list[RawRow]:
    if table_map.each is None:
        views: list[Mapping[str, Any]] = [record]
    else:
        items = resolve(record, table_map.each)
        if items is None:
            items = []
        if not isinstance(items, list):
            raise FieldShapeError(table_map.each)
        views = [{**record, table_map.each: item} for item in items]
    rows = []
    for view in views:
        if any(_is_empty(resolve(view, name)) for name in table_map.skip_unless):
            continue
        try:
            values = _render_columns(table_map, view, context)
        except InvalidText as bad:
            rejected.append(
                Problem(
                    source_id=source_id,
                    file=file,
                    row=row,
                    column=bad.column,
                    message=f"{bad.reason} in field '{bad.field}'; the row is left out",
                    value=bad.value,
                )
            )
            continue
        rows.append(RawRow(values=values, ref=f"{file}:{row}", file=file, row=row))
    return rows


def _render_columns(
    table_map: TableMap, view: Mapping[str, Any], context: Mapping[str, Any]
) -> dict[str, str | None]:
    values: dict[str, str | None] = {}
    for column, template in table_map.columns.items():
        try:
            values[column] = template.render(view, context)
        except InvalidText as bad:
            bad.column = column
            raise
    return values


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []
