"""Typed view of data/sources.toml: which sources exist and how each live one is read.

The configuration is data a maintainer edits by hand, so every mistake is caught here, at load
time, with the file, the source id and the key named — long before a fetch runs. Column names
are checked against the register format (register_columns.csv) because a live source produces
exactly the rows a clerk would type into a register.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ingest.adapters.mapping import Template, TemplateError
from ingest.register_format import register_columns as register_column_specs

LIVE_KINDS = ("decidim", "opendatasoft", "ckan")
KINDS = ("register", *LIVE_KINDS)

COMMON_KEYS = {"id", "kind", "title", "licence", "attribution", "verified"}
LIVE_KEYS = COMMON_KEYS | {
    "base_url",
    "fixed_rows",
    "maps",
    "api_key_env",
    "requests_per_minute",
    "page_size",
}
KIND_KEYS: dict[str, set[str]] = {
    "register": COMMON_KEYS | {"path"},
    "decidim": LIVE_KEYS | {"component_id", "resource", "locale", "access"},
    "opendatasoft": LIVE_KEYS | {"dataset", "order_by", "where", "select", "export_format"},
    "ckan": LIVE_KEYS | {"package", "resource_id", "resource_name", "access"},
}
MAP_KEYS = {"table", "columns", "each", "skip_unless"}


class SourceConfigError(ValueError):
    """The configuration file is wrong; the message names file, source and key."""


@dataclass(frozen=True)
class TableMap:
    """How one payload record becomes one row of a register table.

    `each` names a list inside the record (e.g. Decidim timeline entries): one row per element.
    `skip_unless` lists fields that must hold a value for the row to exist at all (a milestone
    date that is still empty is not an event).
    """

    table: str
    columns: dict[str, Template]
    each: str | None = None
    skip_unless: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class SourceConfig:
    """What every source has: identity, kind and the terms its data come under."""

    id: str
    kind: str
    title: str
    licence: str
    attribution: str
    # False while ids or field names have not been checked against the live service.
    verified: bool = True


@dataclass(frozen=True, kw_only=True)
class RegisterSource(SourceConfig):
    """A hand-kept register (CSV folder or XLSX file) shipped with the project."""

    path: Path


@dataclass(frozen=True, kw_only=True)
class LiveSource(SourceConfig):
    """A source read over HTTP; its rows come from `maps` plus the fixed rows it attaches to."""

    base_url: str
    fixed_rows: dict[str, tuple[dict[str, str | None], ...]]
    maps: tuple[TableMap, ...]
    api_key_env: str | None = None
    requests_per_minute: float | None = None
    page_size: int = 100


@dataclass(frozen=True, kw_only=True)
class DecidimSource(LiveSource):
    """One Decidim component: its proposals (with answers) or its accountability results."""

    component_id: str
    resource: Literal["proposals", "results"]
    locale: str
    access: Literal["graphql", "open_data"] = "graphql"


@dataclass(frozen=True, kw_only=True)
class OpendatasoftSource(LiveSource):
    """One dataset of an Opendatasoft portal, read through the Explore API v2.1."""

    dataset: str
    order_by: str | None = None
    where: str | None = None
    select: str | None = None
    export_format: Literal["json", "csv"] = "json"


@dataclass(frozen=True, kw_only=True)
class CkanSource(LiveSource):
    """One resource of one CKAN package, read from the DataStore or as a CSV download."""

    package: str
    resource_id: str | None = None
    resource_name: str | None = None
    access: Literal["auto", "datastore", "download"] = "auto"


@dataclass(frozen=True)
class SourcesFile:
    """The whole configuration, in file order."""

    path: Path
    sources: tuple[SourceConfig, ...] = field(default_factory=tuple)

    def live(self) -> list[LiveSource]:
        return [s for s in self.sources if isinstance(s, LiveSource)]

    def by_id(self, source_id: str) -> SourceConfig:
        for source in self.sources:
            if source.id == source_id:
                return source
        raise KeyError(source_id)


def register_columns() -> dict[str, tuple[str, ...]]:
    """Table name -> its column names, from the register format."""
    return {
        table: tuple(spec.name for spec in specs)
        for table, specs in register_column_specs().items()
    }


def load_sources(path: Path) -> SourcesFile:
    """Read and validate the sources file; raise SourceConfigError on the first mistake."""
    path = Path(path)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SourceConfigError(f"{path}: cannot read source configuration: {exc}") from exc
    entries = document.get("sources", [])
    if not isinstance(entries, list):
        raise SourceConfigError(f"{path}: 'sources' must be an array of tables ([[sources]])")
    sources: list[SourceConfig] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries, start=1):
        source = _parse_source(entry, _Where(path, f"sources #{index}"))
        if source.id in seen:
            raise SourceConfigError(f"{path}: source id {source.id!r} appears twice")
        seen.add(source.id)
        sources.append(source)
    return SourcesFile(path=path, sources=tuple(sources))


@dataclass(frozen=True)
class _Where:
    """Where a value sits in the file, for error messages."""

    path: Path
    place: str

    def error(self, message: str) -> SourceConfigError:
        return SourceConfigError(f"{self.path}: {self.place}: {message}")

    def at(self, place: str) -> _Where:
        return _Where(self.path, place)


def _parse_source(entry: Any, where: _Where) -> SourceConfig:
    if not isinstance(entry, dict):
        raise where.error("each [[sources]] entry must be a table")
    source_id = _text(entry, "id", where)
    where = where.at(f"source {source_id!r}")
    kind = _text(entry, "kind", where)
    if kind not in KINDS:
        raise where.error(f"kind {kind!r} is not one of {', '.join(KINDS)}")
    unknown = set(entry) - KIND_KEYS[kind]
    if unknown:
        raise where.error(f"unknown key(s) for kind {kind!r}: {', '.join(sorted(unknown))}")
    common: dict[str, Any] = {
        "id": source_id,
        "kind": kind,
        "title": _text(entry, "title", where),
        "licence": _text(entry, "licence", where),
        "attribution": _text(entry, "attribution", where),
        "verified": _flag(entry, "verified", where, default=True),
    }
    if kind == "register":
        return RegisterSource(
            **common, path=(where.path.parent / _text(entry, "path", where)).resolve()
        )
    live: dict[str, Any] = {
        **common,
        "base_url": _text(entry, "base_url", where).rstrip("/"),
        "fixed_rows": _fixed_rows(entry.get("fixed_rows", {}), where),
        "maps": _maps(entry.get("maps"), where),
        "api_key_env": _optional_text(entry, "api_key_env", where),
        "requests_per_minute": _optional_number(entry, "requests_per_minute", where),
        "page_size": int(_optional_number(entry, "page_size", where) or 100),
    }
    if kind == "decidim":
        return DecidimSource(
            **live,
            component_id=_text(entry, "component_id", where),
            resource=_choice(entry, "resource", ("proposals", "results"), where),
            locale=_text(entry, "locale", where),
            access=_choice(entry, "access", ("graphql", "open_data"), where, "graphql"),
        )
    if kind == "opendatasoft":
        return OpendatasoftSource(
            **live,
            dataset=_text(entry, "dataset", where),
            order_by=_optional_text(entry, "order_by", where),
            where=_optional_text(entry, "where", where),
            select=_optional_text(entry, "select", where),
            export_format=_choice(entry, "export_format", ("json", "csv"), where, "json"),
        )
    return CkanSource(
        **live,
        package=_text(entry, "package", where),
        resource_id=_optional_text(entry, "resource_id", where),
        resource_name=_optional_text(entry, "resource_name", where),
        access=_choice(entry, "access", ("auto", "datastore", "download"), where, "auto"),
    )


def _fixed_rows(value: Any, where: _Where) -> dict[str, tuple[dict[str, str | None], ...]]:
    if not isinstance(value, dict):
        raise where.error("fixed_rows must be a table of arrays ([[sources.fixed_rows.TABLE]])")
    tables = register_columns()
    rows: dict[str, tuple[dict[str, str | None], ...]] = {}
    for table, entries in value.items():
        if table not in tables:
            raise where.error(f"fixed_rows: unknown register table {table!r}")
        if not isinstance(entries, list):
            raise where.error(f"fixed_rows.{table} must be an array of tables")
        parsed = []
        for number, entry in enumerate(entries, start=1):
            place = where.at(f"{where.place}: fixed_rows.{table} #{number}")
            if not isinstance(entry, dict):
                raise place.error("must be a table")
            _check_columns(table, entry.keys(), place)
            parsed.append({column: _cell(v, place, column) for column, v in entry.items()})
        rows[table] = tuple(parsed)
    return rows


def _maps(value: Any, where: _Where) -> tuple[TableMap, ...]:
    if not isinstance(value, list) or not value:
        raise where.error("a live source needs at least one [[sources.maps]] entry")
    maps = []
    for number, entry in enumerate(value, start=1):
        place = where.at(f"{where.place}: maps #{number}")
        if not isinstance(entry, dict):
            raise place.error("must be a table")
        unknown = set(entry) - MAP_KEYS
        if unknown:
            raise place.error(f"unknown key(s): {', '.join(sorted(unknown))}")
        table = _text(entry, "table", place)
        if table not in register_columns():
            raise place.error(f"unknown register table {table!r}")
        columns = entry.get("columns")
        if not isinstance(columns, dict) or not columns:
            raise place.error("columns must be a non-empty table of column = template")
        _check_columns(table, columns.keys(), place)
        templates: dict[str, Template] = {}
        for column, text in columns.items():
            if not isinstance(text, str):
                raise place.error(f"column {column!r}: template must be a string")
            try:
                templates[column] = Template.parse(text)
            except TemplateError as exc:
                raise place.error(f"column {column!r}: {exc}") from exc
        skip_unless = entry.get("skip_unless", [])
        if not isinstance(skip_unless, list) or not all(isinstance(s, str) for s in skip_unless):
            raise place.error("skip_unless must be a list of field names")
        maps.append(
            TableMap(
                table=table,
                columns=templates,
                each=_optional_text(entry, "each", place),
                skip_unless=tuple(skip_unless),
            )
        )
    return tuple(maps)


def _check_columns(table: str, columns: Any, where: _Where) -> None:
    unknown = [c for c in columns if c not in register_columns()[table]]
    if unknown:
        raise where.error(f"unknown column(s) of table {table!r}: {', '.join(unknown)}")


def _cell(value: Any, where: _Where, column: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        raise where.error(f"column {column!r}: write text, not a boolean")
    if isinstance(value, int | float):
        return str(value)
    raise where.error(f"column {column!r}: write the value as text (YYYY-MM-DD for dates)")


def _text(entry: dict[str, Any], key: str, where: _Where) -> str:
    value = entry.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # numeric ids such as a Decidim component id
    if not isinstance(value, str) or not value.strip():
        raise where.error(f"{key!r} is required and must be non-empty text")
    return value


def _optional_text(entry: dict[str, Any], key: str, where: _Where) -> str | None:
    if entry.get(key) is None:
        return None
    value = entry[key]
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise where.error(f"{key!r} must be text")
    return value


def _optional_number(entry: dict[str, Any], key: str, where: _Where) -> float | None:
    value = entry.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise where.error(f"{key!r} must be a positive number")
    return float(value)


def _flag(entry: dict[str, Any], key: str, where: _Where, *, default: bool) -> bool:
    value = entry.get(key, default)
    if not isinstance(value, bool):
        raise where.error(f"{key!r} must be true or false")
    return value


def _choice(
    entry: dict[str, Any],
    key: str,
    choices: tuple[str, ...],
    where: _Where,
    default: str | None = None,
) -> Any:
    value = entry.get(key, default)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if value not in choices:
        raise where.error(f"{key!r} must be one of {', '.join(choices)} (found {value!r})")
    return value


def select_live_sources(
    config_path: Path, source_ids: Sequence[str] | None = None
) -> list[LiveSource]:
    """The live sources of a configuration, or the named ones; an id that is not a live source
    is a usage error (ValueError), caught before any request is made."""
    live = load_sources(config_path).live()
    if not source_ids:
        return live
    known = {s.id for s in live}
    unknown = [i for i in source_ids if i not in known]
    if unknown:
        raise ValueError(
            f"not a live source in {config_path}: {', '.join(unknown)} "
            f"(live sources: {', '.join(sorted(known)) or 'none'})"
        )
    return [s for s in live if s.id in set(source_ids)]
