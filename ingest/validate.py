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
from functools import cache
from typing import Any

import polars as pl

from ingest.records import FORMULA_WITHOUT_VALUE, CanonicalRows, Problem, RawRow, SourceRows
from ingest.register_format import TABLE_ORDER, ColumnSpec, register_columns
from ingest.vocab import Vocabularies, normalise_label

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$")
DATE_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
LANGUAGE_PATTERN = re.compile(r"^[a-z]{2}$")
COUNTRY_PATTERN = re.compile(r"^[A-Z]{2}$")
THOUSANDS_SEPARATORS = str.maketrans("", "", " \u00a0\u202f'")
# Yes/no cells as clerks write them in the assemblies' languages.
BOOLEAN_WORDS = {
    **dict.fromkeys(("yes", "y", "true", "1", "oui", "ja", "sì", "si", "x"), True),
    **dict.fromkeys(("no", "n", "false", "0", "non", "nein", "nee", "nej"), False),
}

# Columns whose canonical form is a label kept as the source wrote it plus a mapped value.
LABELLED_COLUMNS = {
    ("responses", "stance"): ("stance", "stance_label"),
    ("status_events", "status"): ("status", "status_label"),
    ("outcome_reports", "status"): ("status", "status_label"),
    ("collective_responses", "stance"): ("stance", "stance_label"),
}
DEFAULTS = {
    ("responses", "response_kind"): "final",
    ("collective_responses", "response_kind"): "final",
    ("recommendations", "granularity"): "item",
    ("recommendations", "body_kind"): "full_text",
}
ID_COLUMNS = {
    "institutions": "institution_id",
    "cycles": "cycle_id",
    "milestones": "milestone_id",
    "recommendations": "recommendation_id",
    "collective_responses": "collective_response_id",
    "responses": "response_id",
    "status_events": "event_id",
    "outcome_reports": "outcome_report_id",
    "congruence": "congruence_id",
    "summaries": "summary_id",
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


# Whole-number columns are stored as 32-bit integers; a larger value is a typing slip (or a
# phone number in the wrong column), and must cost its row, not crash the load.
MAX_INTEGER = 2**31 - 1


def _parse_int(text: str) -> int:
    cleaned = text.translate(THOUSANDS_SEPARATORS)
    if re.fullmatch(r"\d+(?:\.0+)?", cleaned):
        value = int(cleaned.split(".")[0])
        if value > MAX_INTEGER:
            raise CellError(f"'{text}' is too large for a count (at most {MAX_INTEGER:,})")
        return value
    raise CellError(f"'{text}' is not a whole number")


def _parse_float(text: str) -> float:
    try:
        return float(text.translate(THOUSANDS_SEPARATORS).replace(",", "."))
    except ValueError:
        raise CellError(f"'{text}' is not a number") from None


@cache
def _iso_639_1_codes() -> frozenset[str]:
    """The two-letter language codes CLDR knows (through Babel, already used for plurals), so
    a country code typed for a language ('dk' for Danish) is caught instead of stored."""
    from babel import Locale

    return frozenset(code for code in Locale("en").languages if LANGUAGE_PATTERN.match(code))


def _is_language(code: str) -> bool:
    return bool(LANGUAGE_PATTERN.match(code)) and code in _iso_639_1_codes()


def _parse_languages(text: str) -> list[str]:
    codes = [c for c in re.split(r"[\s,;|]+", text.lower()) if c]
    bad = [c for c in codes if not _is_language(c)]
    if bad or not codes:
        raise CellError(f"'{text}' is not a list of ISO 639-1 language codes (e.g. 'de fr')")
    return codes


def _parse_cell(spec: ColumnSpec, text: str, vocabularies: Vocabularies) -> Any:
    if text == FORMULA_WITHOUT_VALUE:
        raise CellError(
            "formula without a saved result: open and save the workbook in a spreadsheet "
            "program so its values are stored"
        )
    kind = spec.type
    if spec.is_id_list:
        ids = [part for part in re.split(r"[\s,;]+", text) if part]
        bad = [part for part in ids if not ID_PATTERN.match(part)]
        if bad or not ids:
            raise CellError(f"'{text}' is not a list of ids separated by spaces")
        return sorted(set(ids))
    if kind == "bool":
        answer = BOOLEAN_WORDS.get(text.strip().lower())
        if answer is None:
            raise CellError(f"'{text}' is not yes or no")
        return answer
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
        if not _is_language(text.lower()):
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


def _iso(value: Any) -> str:
    if isinstance(value, tuple):
        value = value[0]
    return value.isoformat() if isinstance(value, dt.date) else ""


def identity(table: str, parsed: dict[str, Any], raw: dict[str, str | None]) -> str | None:
    """What makes a row "the same row" across builds: its id, or for a listed status event
    its slot. Built from parsed key cells (so '2023-06' and 'Administration' match what is
    stored); None when a key cell could not be read."""
    try:
        if table == "milestones":
            return "/".join([parsed["cycle_id"], _iso(parsed["occurred_on"]), parsed["kind"]])
        if table == "responses":
            return f"{parsed['recommendation_id']}/{parsed['response_kind']}"
        if table == "outcome_reports":
            return "/".join(
                [
                    parsed["cycle_id"],
                    _iso(parsed["reported_on"]),
                    normalise_label(parsed.get("reported_by") or ""),
                    normalise_label(raw.get("status") or ""),
                ]
            )
        if table == "congruence":
            return f"{parsed['recommendation_id']}/{parsed['assessor']}"
        if table == "summaries":
            return f"{parsed['recommendation_id']}/{parsed['language']}"
        if table == "collective_responses":
            return "/".join(
                [parsed["cycle_id"], _iso(parsed["responded_on"]), parsed["response_kind"]]
            )
        if table == "status_events":
            occurred = _iso(parsed["occurred_on"])
            return f"{parsed['recommendation_id']}/{occurred}/{parsed['assessor']}"
        return parsed[ID_COLUMNS[table]]
    except KeyError:
        return None


def _canonical(
    table: str,
    parsed: dict[str, Any],
    raw: RawRow,
    source: SourceRows,
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
    row["source_id"] = source.source_id
    row["source_ref"] = raw.ref
    key = identity(table, parsed, raw.values)
    if table == "status_events":
        row["origin"] = source.status_origin
        if source.status_origin == "listed":
            row["slot_key"] = key
            seen = None
        else:
            row["slot_key"] = f"{row['recommendation_id']}/{row['assessor']}"
            seen = source.observed_at
        if source.observed_at is not None:
            row["observed_at"] = source.observed_at
        row["event_id"] = _short_hash(
            row["recommendation_id"],
            _iso(row.get("occurred_on")),
            row["assessor"],
            row["status"],
            row["status_label"],
            row.get("progress"),
            row.get("note"),
            row.get("source_url"),
            source.status_origin,
            seen,
        )
    else:
        row[ID_COLUMNS[table]] = key
    return row


def row_identity(table: str, row: dict[str, Any]) -> str:
    """The identity of a canonical row (the slot for a listed status event)."""
    if table == "status_events":
        return row["slot_key"]
    return row[ID_COLUMNS[table]]


def validate_source(
    rows: SourceRows, vocabularies: Vocabularies, stage: Any | None = None
) -> CanonicalRows:
    """Check every cell of every row; keep good rows, reject the rest with reasons.

    With a `stage` (ingest.staging.SourceStage), each table's canonical rows go to DuckDB as
    they are validated (a file read in blocks, block by block) and `tables` holds the staged
    tables; without one, they are kept in memory.
    """
    from ingest.columnar import RegisterFile, raw_rows, validate_frame, validate_streamed

    result = CanonicalRows(
        source_id=rows.source_id,
        status_origin=rows.status_origin,
        unreadable_tables=set(rows.unreadable_tables),
        present_tables=set(rows.tables),
        observed_at=rows.observed_at,
    )
    result.problems.extend(rows.notices)
    missing_columns = {
        (p.file, p.column) for p in rows.notices if p.severity == "error" and p.column
    }
    for table in TABLE_ORDER:
        seen: dict[str, str] = {}
        frame = rows.frames.get(table)
        raws = rows.tables.get(table, [])
        if isinstance(frame, RegisterFile):
            streamable = (
                stage is not None
                and not raws
                and rows.status_origin == "listed"
                and not rows.observed_at
            )
            if streamable and validate_streamed(table, frame, rows, vocabularies, result, stage):
                continue
            source, frame = frame, frame.frame()
            if frame is None:  # a block did not read as it should: the careful way, then
                raws = _read_carefully(source, rows, result) + raws
        if frame is not None:
            if raws:  # another file of the same table: one pass sees every duplicate
                raws = raw_rows(table, frame) + raws
            else:
                validate_frame(table, frame, rows, vocabularies, result)
        for raw in raws:
            validate_row(table, raw, rows, vocabularies, result, seen, missing_columns)
        if stage is not None and table in result.present_tables:
            result.tables[table] = stage.put(table, result.tables.get(table, []))
    return result


def _read_carefully(source: Any, rows: SourceRows, result: CanonicalRows) -> list[RawRow]:
    """A file the fast path gave up on, read the careful way (its warnings included)."""
    from ingest.registers import read_register

    careful = read_register(rows.source_id, source.path)
    result.unreadable_tables |= careful.unreadable_tables
    for problem in careful.notices:
        result.problems.append(
            Problem(
                problem.source_id,
                source.file if problem.file == str(source.path) else problem.file,
                problem.row,
                problem.column,
                problem.message,
                severity=problem.severity,
                about_row=problem.about_row,
            )
        )
    table = next(iter(careful.tables))
    return [
        RawRow(values=raw.values, ref=f"{source.file}:{raw.row}", file=source.file, row=raw.row)
        for raw in careful.tables[table]
    ]


def validate_row(
    table: str,
    raw: RawRow,
    rows: SourceRows,
    vocabularies: Vocabularies,
    result: CanonicalRows,
    seen: dict[str, str],
    missing_columns: set[tuple[str, str | None]],
) -> None:
    """Check one row: keep it canonical in `result`, or reject it with every reason."""
    specs = register_columns()[table]
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
                if (raw.file, spec.name) in missing_columns:
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
    key = identity(table, parsed, raw.values)
    if key is not None and not problems:
        if key in seen:
            problems.append(duplicate_problem(table, rows, raw, key, seen[key], raw_text))
        else:
            seen[key] = raw.ref
    if problems:
        result.problems.extend(problems)
        if key is not None:
            result.rejected_keys.setdefault(table, set()).add(key)
        return
    result.tables.setdefault(table, []).append(_canonical(table, parsed, raw, rows))


def duplicate_problem(
    table: str, rows: SourceRows, raw: RawRow, key: str, first_ref: str, raw_text: str
) -> Problem:
    first_column = next(s.name for s in register_columns()[table] if s.is_key)
    return _problem(
        rows,
        raw,
        first_column,
        f"duplicate: the same {table[:-1].replace('_', ' ')} as at {first_ref} ({key})",
        raw.values.get(first_column),
        raw_text,
    )


def _problem(
    rows: SourceRows,
    raw: RawRow,
    column: str | None,
    message: str,
    value: str | None,
    raw_text: str,
) -> Problem:
    return Problem(
        source_id=rows.source_id,
        file=raw.file or raw.ref,
        row=raw.row,
        column=column,
        message=message,
        value=value,
        raw=raw_text,
    )


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
            rows = source.tables.get(table, [])
            frame = None
            if isinstance(rows, pl.DataFrame):
                frame, rows = _split_unknown_references(rows, ref_specs, known)
            kept: list[dict[str, Any]] = []
            for row in rows:
                problems = reference_problems(source.source_id, row, ref_specs, known)
                if not problems:
                    kept.append(row)
                    continue
                source.problems.extend(problems)
                source.rejected_keys.setdefault(table, set()).add(row_identity(table, row))
            if frame is not None:
                known.setdefault(table, set()).update(frame[ID_COLUMNS[table]].to_list())
                source.tables[table] = frame
                continue
            source.tables[table] = kept
            known.setdefault(table, set()).update(r.get(ID_COLUMNS[table]) for r in kept)
        # A rejected row whose previous version stays current can still be pointed at.
        for source in sources:
            known[table].update(
                source.rejected_keys.get(table, set()) & previous_ids.get(table, set())
            )


def reference_problems(
    source_id: str, row: dict[str, Any], ref_specs: list[ColumnSpec], known: dict[str, set[str]]
) -> list[Problem]:
    """One problem per column of `row` naming an id that `known` does not hold, each saying
    which id is missing: the reason the row-by-row and the staged checks both give."""
    file, _, line = row["source_ref"].rpartition(":")
    problems = []
    for spec in ref_specs:
        if not _unknown_ids(row.get(spec.name), spec, known.get(spec.referenced_table or "")):
            continue
        shown = _shown_ids(row.get(spec.name), spec, known)
        problems.append(
            Problem(
                source_id=source_id,
                file=file,
                row=int(line) if line.isdigit() else None,
                column=spec.name,
                message=(
                    f"{spec.name} '{shown}' is not a known "
                    f"{(spec.referenced_table or '')[:-1]} (missing, or rejected itself)"
                ),
                value=shown,
                raw=json.dumps(row, default=str, ensure_ascii=False),
            )
        )
    return problems


def _split_unknown_references(
    frame: pl.DataFrame, ref_specs: list[ColumnSpec], known: dict[str, set[str]]
) -> tuple[pl.DataFrame, list[dict[str, Any]]]:
    """The rows of a frame whose references all resolve, and (as dicts, for the row-by-row
    check that words their problems) the few that do not."""
    from ingest.columnar import as_dicts

    resolves = pl.lit(True)
    for spec in ref_specs:
        if spec.name not in frame.columns:
            continue
        ids = pl.Series(sorted(known.get(spec.referenced_table or "", set())), dtype=pl.String)
        column = pl.col(spec.name)
        if spec.is_id_list:
            ok = column.is_null() | column.list.eval(pl.element().is_in(ids.implode())).list.all()
        elif spec.required:
            ok = column.is_in(ids.implode())
        else:
            ok = column.is_null() | column.is_in(ids.implode())
        resolves = resolves & ok.fill_null(False)
    marked = frame.with_columns(resolves.alias("__resolves__"))
    good = marked.filter(pl.col("__resolves__")).drop("__resolves__")
    bad = marked.filter(~pl.col("__resolves__")).drop("__resolves__")
    return good, as_dicts(bad)


def _unknown_ids(value: Any, spec: ColumnSpec, known: set[str] | None) -> list[str]:
    """The ids a reference cell names that nobody provides; an empty optional list names none."""
    known = known or set()
    if spec.is_id_list:
        return [v for v in value or [] if v not in known]
    if value is None and not spec.required:
        return []
    return [] if value in known else [str(value)]


def _shown_ids(value: Any, spec: ColumnSpec, known: dict[str, set[str]]) -> str:
    if spec.is_id_list:
        return " ".join(_unknown_ids(value, spec, known.get(spec.referenced_table or "")))
    return str(value)
