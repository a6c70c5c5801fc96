"""The published snapshot as a Frictionless data package: datapackage.json, CSV and Parquet.

Each resource is one view of ingest/views.sql; its columns are described with the words of
that view's header comment, so the package documents itself with the same definitions the
app uses. Nothing is recomputed: the files hold the views' rows as they are.
"""

from __future__ import annotations

import io
import json
import re
import tomllib
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl

import ingest
from dashboard import queries
from dashboard.exports import to_csv, to_parquet

PUBLISHED = Path(__file__).with_name("published.toml")
VIEWS_SQL = Path(ingest.__file__).with_name("views.sql")
_CREATE = re.compile(r"^CREATE OR REPLACE (?:VIEW|MACRO) (\w+)", re.MULTILINE)
# Frictionless reads Parquet through pandas, where a null integer becomes NaN; the views never
# hold NaN (an empty share is NULL), so NaN in a Parquet file can only mean "missing".
_PARQUET_MISSING = ["", "nan", "NaN", "NaT", "None"]


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    description: str


@cache
def published_tables() -> tuple[Table, ...]:
    with PUBLISHED.open("rb") as handle:
        return tuple(Table(**entry) for entry in tomllib.load(handle)["table"])


def table_names() -> tuple[str, ...]:
    return tuple(table.name for table in published_tables())


@cache
def view_comments() -> dict[str, list[str]]:
    """Each view's header comment, as the lines (without '--') just above its CREATE."""
    lines = VIEWS_SQL.read_text(encoding="utf-8").splitlines()
    comments: dict[str, list[str]] = {}
    for index, line in enumerate(lines):
        found = _CREATE.match(line)
        if not found:
            continue
        block: list[str] = []
        cursor = index - 1
        while cursor >= 0 and lines[cursor].startswith("--"):
            block.insert(0, lines[cursor][2:])
            cursor -= 1
        comments[found.group(1)] = block
    return comments


def _entries(block: list[str]) -> list[tuple[str, str]]:
    """(names, description) per column entry of a header comment. An entry starts with three
    spaces; its names run to the first gap of two or more spaces (continuing on the next line
    while they end with a comma); deeper-indented lines continue its description."""
    entries: list[tuple[str, str]] = []
    index = 0
    while index < len(block):
        line = block[index]
        index += 1
        if not re.match(r"^   \S", line):
            continue
        names, _, rest = line.strip().partition("  ")
        while not rest and names.endswith(",") and index < len(block) and block[index].strip():
            more, _, rest = block[index].strip().partition("  ")
            names = f"{names} {more}"
            index += 1
        description = [rest.strip()]
        while index < len(block) and block[index].startswith("    "):
            follow = block[index].strip()
            index += 1
            if names.endswith(","):
                more, _, tail = follow.partition("  ")
                names = f"{names} {more}"
                description.append(tail.strip())
            else:
                description.append(follow)
        entries.append((names, " ".join(part for part in description if part)))
    return entries


def _name_patterns(names: str) -> list[re.Pattern[str]]:
    """Column-name patterns of an entry: `a(_x, _y)` stands for a, a_x and a_y; `n_<status>`
    and `report_*` for any column of that shape."""
    patterns: list[re.Pattern[str]] = []
    for base, group in re.findall(r"([\w<>*]+)(?:\(([^)]*)\))?", names):
        variants = [base] + [base + suffix.strip() for suffix in group.split(",") if group]
        for variant in variants:
            escaped = re.escape(variant)
            escaped = re.sub(r"<[^>]*>|\\\*", r"\\w+", re.sub(r"\\([<>])", r"\1", escaped))
            patterns.append(re.compile(rf"^{escaped}$"))
    return patterns


def column_description(view: str, column: str) -> str:
    """What the view's header comment says about `column`; else a pointer to that header."""
    for names, description in _entries(view_comments().get(view, [])):
        if any(pattern.match(column) for pattern in _name_patterns(names)):
            # "as in cycle_indicators, pooled ...": that view's words, then how this one differs.
            other = re.match(r"as in (\w+)", description)
            if other and other.group(1) in view_comments() and other.group(1) != view:
                return f"{column_description(other.group(1), column)} Here: {description}"
            return f"{names}: {description}" if description else names
    return f"See the header comment of view {view} in ingest/views.sql."


def _field_type(dtype: pl.DataType) -> str:
    if dtype.is_integer():
        return "integer"
    if dtype.is_float() or dtype.is_decimal():
        return "number"
    if dtype == pl.Boolean:
        return "boolean"
    if dtype == pl.Date:
        return "date"
    if isinstance(dtype, pl.Datetime):
        return "datetime"
    if isinstance(dtype, pl.List | pl.Array):
        return "array"
    if isinstance(dtype, pl.Struct):
        return "object"
    return "string"


def schema(view: str, frame: pl.DataFrame) -> dict[str, Any]:
    return {
        "fields": [
            {
                "name": name,
                "type": _field_type(dtype),
                "description": column_description(view, name),
            }
            for name, dtype in frame.schema.items()
        ],
        "missingValues": [""],
    }


def descriptor(
    frames: dict[str, pl.DataFrame], snapshot_id: str, built_at: datetime | None, as_of: date
) -> dict[str, Any]:
    """datapackage.json: one CSV and one Parquet resource per table, each with its schema."""
    resources: list[dict[str, Any]] = []
    for table in published_tables():
        frame = frames[table.name]
        table_schema = schema(table.name, frame)
        common = {"title": table.title, "description": table.description}
        resources.append(
            {
                "name": table.name.replace("_", "-"),
                "path": f"data/{table.name}.csv",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                **common,
                "schema": table_schema,
            }
        )
        resources.append(
            {
                "name": f"{table.name.replace('_', '-')}-parquet",
                "path": f"data/{table.name}.parquet",
                "format": "parquet",
                **common,
                "schema": {**table_schema, "missingValues": _PARQUET_MISSING},
            }
        )
    return {
        "name": "uptake-snapshot",
        "title": f"Uptake snapshot {snapshot_id}",
        "description": (
            "Follow-up of citizens' assemblies' recommendations, as published by Uptake. "
            f"Built {built_at:%Y-%m-%d %H:%M} UTC; figures as of {as_of.isoformat()}."
            if built_at
            else f"Follow-up of citizens' assemblies' recommendations; as of {as_of.isoformat()}."
        ),
        "version": snapshot_id.removesuffix(".duckdb"),
        "created": built_at.isoformat() if built_at else None,
        "licenses": [
            {
                "name": "various",
                "title": "Each fact keeps its source's licence; see source_freshness.licence "
                "and the source_url of every row.",
            }
        ],
        "resources": resources,
    }


def build_zip(snapshot_path: str, snapshot_id: str) -> bytes:
    """The whole published snapshot as a zip: datapackage.json and data/*.csv|parquet."""
    facts = queries.snapshot_facts(snapshot_path)
    frames = {name: queries.published_view(snapshot_path, name) for name in table_names()}
    package = descriptor(frames, snapshot_id, facts.get("built_at"), facts["as_of"])
    if package["created"] is None:
        del package["created"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("datapackage.json", json.dumps(package, indent=2, ensure_ascii=False))
        for name, frame in frames.items():
            archive.writestr(f"data/{name}.csv", to_csv(frame))
            archive.writestr(f"data/{name}.parquet", to_parquet(frame))
    return buffer.getvalue()
