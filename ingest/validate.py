"""Turn raw rows into canonical rows, or into rejects that say exactly what is wrong.

Each cell is checked against the register format; vocabulary cells are mapped to the
canonical scales (an unmapped label is an error, never a guess). A row with any error is
rejected whole and kept, raw, for review; the rest of the source goes on loading.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable
from typing import Any

from ingest.records import CanonicalRows, Problem, RawRow, SourceRows
from ingest.register_format import TABLE_ORDER, ColumnSpec, key_columns, register_columns
from ingest.vocab import Vocabularies

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$")
DATE_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
LANGUAGE_PATTERN = re.compile(r"^[a-z]{2}$")
COUNTRY_PATTERN = re.compile(r"^[A-Z]{2}$")

# Columns whose canonical form is a label kept as the source wrote it plus a mapped value.
LABELLED_COLUMNS = {
    ("responses", "stance"): ("stance", "stance_label"),
    ("status_events", "status"): ("status", "status_label"),
    ("outcome_reports", "status"): ("status", "status_label"),
}
DEFAULTS = {
    ("responses", "response_kind"): "final",
    ("recommendations", "granularity"): "item",
}


class CellError(ValueError):
    """A cell whose text does not fit its column's type."""


def parse_date(text: str) -> tuple[dt.date, str]:
    """Parse YYYY-MM-DD, YYYY-MM or YYYY into (first day, precision)."""
    match = DATE_PATTERN.match(text)
    if not match:
        raise CellError(f"'{text}' is not a date; write YYYY-MM-DD (or YYYY-MM, YYYY)")
    year, month, day = match.groups()
    try:
        value = dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError as error:
        raise CellError(f"'{text}' is not a real date ({error})") from None
    return value, "day" if day else ("month" if month else "year")


def _parse_int(text: str) -> int:
    cleaned = text.replace("\u202f", "").replace(" ", "")
    if not re.fullmatch(r"\d+", cleaned):
        raise CellError(f"'{text}' is not a whole number")
    return int(cleaned)


def _parse_float(text: str) -> float:
    try:
        return float(text.replace(",", "."))
    except ValueError:
        raise CellError(f"'{text}' is not a number") from None


def _parse_languages(text: str) -> list[str]:
    codes = [c for c in re.split(r"[\s,;|]+", text.lower()) if c]
    bad = [c for c in codes if not LANGUAGE_PATTERN.match(c)]
    if bad or not codes:
        raise CellError(f"'{text}' is not a list of ISO 639-1 language codes (e.g. 'de fr')")
    return codes


def _parse_cell(spec: ColumnSpec, text: str, vocabularies: Vocabularies) -> Any:
    kind = spec.type
    if kind == "id" or kind.startswith("ref:"):
        if not ID_PATTERN.match(text):
            raise CellError(
                f"'{text}' is not a valid id (letters, digits, '.', '_', '-', ':'; no spaces)"
            )
        return text
    if kind == "text":
        return text
    if kind == "url":
        if not re.match(r"^https?://\S+$", text):
            raise CellError(f"'{text}' is not a web address starting with http:// or https://")
        return text
    if kind == "date":
        return parse_date(text)
    if kind == "int":
        return _parse_int(text)
    if kind == "float":
        value = _parse_float(text)
        if spec.name == "support" and not 0 <= value <= 1:
            raise CellError(f"'{text}' is outside 0..1")
        if spec.name == "progress" and not 0 <= value <= 100:
            raise CellError(f"'{text}' is outside 0..100")
        return value
    if kind == "language":
        if not LANGUAGE_PATTERN.match(text.lower()):
            raise CellError(f"'{text}' is not an ISO 639-1 language code (e.g. 'fr')")
        return text.lower()
    if kind == "languages":
        return _parse_languages(text)
    if kind == "country":
        if not COUNTRY_PATTERN.match(text.upper()):
            raise CellError(f"'{text}' is not an ISO 3166-1 alpha-2 country code (e.g. 'BE')")
        return text.upper()
    if spec.vocabulary:
        vocabulary = vocabularies.get(spec.vocabulary)
        value = vocabulary.lookup(text)
        if value is None:
            raise CellError(
                f"unknown {spec.vocabulary} label '{text}': add it to "
                f"data/vocabularies/{spec.vocabulary}.csv with its canonical value "
                f"({', '.join(vocabulary.values)})"
            )
        return value
    raise CellError(f"column type '{kind}' is not supported")


def _short_hash(*parts: object) -> str:
    payload = json.dumps([str(p) if p is not None else None for p in parts], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:20]


def _canonical(
    table: str, parsed: dict[str, Any], raw: RawRow, source_id: str, status_origin: str
) -> dict[str, Any]:
    """Map parsed register cells to the canonical table's columns."""
    row: dict[str, Any] = {}
    for name, value in parsed.items():
        labelled = LABELLED_COLUMNS.get((table, name))
        if labelled:
            row[labelled[0]] = value
            row[labelled[1]] = raw.values.get(name)
        elif isinstance(value, tuple):
            row[name], row[f"{name}_precision"] = value
        else:
            row[name] = value
    row["source_id"] = source_id
    row["source_ref"] = raw.ref
    if table == "milestones":
        row["milestone_id"] = "/".join([row["cycle_id"], _iso(row.get("occurred_on")), row["kind"]])
    elif table == "responses":
        row["response_id"] = f"{row['recommendation_id']}/{row['response_kind']}"
    elif table == "outcome_reports":
        row["outcome_report_id"] = "/".join(
            [
                row["cycle_id"],
                _iso(row.get("reported_on")),
                row.get("reported_by") or "",
                row["status_label"],
            ]
        )
    elif table == "congruence":
        row["congruence_id"] = f"{row['recommendation_id']}/{row['assessor']}"
    elif table == "status_events":
        occurred = _iso(row.get("occurred_on"))
        row["origin"] = status_origin
        if status_origin == "listed":
            row["slot_key"] = f"{row['recommendation_id']}/{occurred}/{row['assessor']}"
        else:
            row["slot_key"] = f"{row['recommendation_id']}/{row['assessor']}"
        row["event_id"] = _short_hash(
            row["recommendation_id"],
            occurred,
            row["assessor"],
            row["status"],
            row["status_label"],
            row.get("progress"),
            row.get("note"),
            row.get("source_url"),
            status_origin,
        )
    return row


def _iso(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def row_key(table: str, values: dict[str, str | None]) -> str | None:
    """The register key of a raw row, when every key cell is present."""
    parts = [values.get(k) for k in key_columns(table)]
    if table in ("responses",) and not values.get("response_kind"):
        parts[-1] = "final"
    if any(p is None for p in parts):
        return None
    return "/".join(p or "" for p in parts)


def validate_source(rows: SourceRows, vocabularies: Vocabularies) -> CanonicalRows:
    """Check every cell of every row; keep good rows, reject the rest with reasons."""
    result = CanonicalRows(
        source_id=rows.source_id,
        status_origin=rows.status_origin,
        unreadable_tables=set(rows.unreadable_tables),
    )
    result.problems.extend(rows.notices)
    fatal_files = {(p.file, p.column) for p in rows.notices if p.severity == "error"}
    for table in TABLE_ORDER:
        specs = register_columns()[table]
        seen: dict[str, str] = {}
        for raw in rows.tables.get(table, []):
            result.rows_read += 1
            problems: list[Problem] = []
            parsed: dict[str, Any] = {}
            raw_text = json.dumps(
                {k: v for k, v in raw.values.items() if v is not None}, ensure_ascii=False
            )
            for spec in specs:
                text = raw.values.get(spec.name)
                if text is None:
                    text = DEFAULTS.get((table, spec.name))
                if text is None:
                    if spec.required:
                        reason = f"required column '{spec.name}' is empty"
                        if (raw.file, spec.name) in fatal_files:
                            reason = f"file lacks required column '{spec.name}'"
                        problems.append(_problem(rows, raw, spec.name, reason, None, raw_text))
                    continue
                try:
                    parsed[spec.name] = _parse_cell(spec, text, vocabularies)
                except CellError as error:
                    problems.append(_problem(rows, raw, spec.name, str(error), text, raw_text))
            if "__extra__" in raw.values:
                problems.append(
                    _problem(
                        rows,
                        raw,
                        None,
                        "row has more cells than the header has columns "
                        "(a stray separator or an unquoted comma?)",
                        raw.values["__extra__"],
                        raw_text,
                    )
                )
            key = row_key(table, raw.values)
            if key is not None and not problems:
                if key in seen:
                    problems.append(
                        _problem(
                            rows,
                            raw,
                            key_columns(table)[0],
                            f"duplicate key '{key}': already given at {seen[key]}",
                            key,
                            raw_text,
                        )
                    )
                else:
                    seen[key] = raw.ref
            if problems:
                result.problems.extend(problems)
                if key is not None:
                    result.rejected_keys.setdefault(table, set()).add(key)
                continue
            result.tables.setdefault(table, []).append(
                _canonical(table, parsed, raw, rows.source_id, rows.status_origin)
            )
    return result


def _problem(
    rows: SourceRows,
    raw: RawRow,
    column: str | None,
    message: str,
    value: str | None,
    raw_text: str,
) -> Problem:
    file, _, line = raw.ref.rpartition(":") if raw.row is None else (raw.file, "", raw.row)
    row_number = raw.row if raw.row is not None else (int(line) if str(line).isdigit() else None)
    return Problem(
        source_id=rows.source_id,
        file=raw.file or file or raw.ref,
        row=row_number,
        column=column,
        message=message,
        value=value,
        raw=raw_text,
    )


# Which canonical id column each reference points at.
REFERENCE_TARGETS = {
    "institutions": "institution_id",
    "cycles": "cycle_id",
    "recommendations": "recommendation_id",
}


def canonical_id(table: str, row: dict[str, Any]) -> str:
    return row[ID_COLUMNS[table]]


ID_COLUMNS = {
    "institutions": "institution_id",
    "cycles": "cycle_id",
    "milestones": "milestone_id",
    "recommendations": "recommendation_id",
    "responses": "response_id",
    "status_events": "event_id",
    "outcome_reports": "outcome_report_id",
    "congruence": "congruence_id",
}


def check_references(
    sources: Iterable[CanonicalRows],
    known_elsewhere: dict[str, set[str]] | None = None,
    previous_ids: dict[str, set[str]] | None = None,
) -> None:
    """Reject rows that point at an id nobody provides (including ids rejected just now).

    Tables are checked in load order so that a rejected cycle also rejects the rows that
    hang from it, each with a reason that names the missing id.
    """
    sources = list(sources)
    known: dict[str, set[str]] = {t: set(v) for t, v in (known_elsewhere or {}).items()}
    previous_ids = previous_ids or {}
    for table in TABLE_ORDER:
        ref_specs = [c for c in register_columns()[table] if c.referenced_table]
        for source in sources:
            kept: list[dict[str, Any]] = []
            for row in source.tables.get(table, []):
                missing = [
                    spec
                    for spec in ref_specs
                    if row.get(spec.name) not in known.get(spec.referenced_table or "", set())
                ]
                if not missing:
                    kept.append(row)
                    continue
                file, _, line = row["source_ref"].rpartition(":")
                for spec in missing:
                    source.problems.append(
                        Problem(
                            source_id=source.source_id,
                            file=file,
                            row=int(line) if line.isdigit() else None,
                            column=spec.name,
                            message=(
                                f"{spec.name} '{row.get(spec.name)}' is not a known "
                                f"{spec.referenced_table[:-1]} (missing, or rejected itself)"
                            ),
                            value=row.get(spec.name),
                            raw=json.dumps(row, default=str, ensure_ascii=False),
                        )
                    )
                source.rejected_keys.setdefault(table, set()).add(canonical_id(table, row))
            source.tables[table] = kept
            known.setdefault(table, set()).update(canonical_id(table, r) for r in kept)
        # A rejected row whose previous version stays current can still be pointed at.
        for source in sources:
            known[table].update(
                source.rejected_keys.get(table, set()) & previous_ids.get(table, set())
            )
