"""The fast path for large registers: a well-formed UTF-8 CSV read and checked by columns.

Checking every cell of a million-row register in Python costs minutes. Most cells repeat (a
date, a status label, an assessor), so each distinct text of a column is parsed once, by the
very function the row-by-row path uses, and the result is spread over the column by Polars.
Rows where anything is wrong (a cell that does not parse, an empty required cell, a duplicate)
go through the row-by-row path, so every message stays exactly what it is there.

A file takes this path only when nothing about it needs the careful reader: UTF-8, commas,
the header on the first line naming only known columns, quotes only around whole cells and
never around a line break (so a line is a record), no blank lines and no control
characters. Anything else is read the careful way.
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from ingest.frames import query_frame, registered
from ingest.register_format import key_columns, register_columns
from ingest.vocab import Vocabularies, normalise_label

# Force the row-by-row path everywhere (for comparison and benchmarks): "per-cell".
PATH_VARIABLE = "UPTAKE_REGISTER_PATH"
# Bytes the careful reader treats in ways a plain split would not: control characters
# (Python's str.isspace counts \x1c-\x1f as padding), a lone carriage return.
_CAREFUL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# The same bytes as a translation table (each to 0, every other byte to 1): translating a
# block and looking for a 0 is several times faster than the expression on 100 MB.
_CAREFUL_TABLE = bytes(0 if _CAREFUL_BYTES.match(bytes([b])) else 1 for b in range(256))
# A quoted cell as the csv module and Polars both read it: quotes around the whole cell,
# inner quotes doubled, no line break inside.
_QUOTED_CELL = re.compile(rb'"[^"\r\n]*(?:""[^"\r\n]*)*"')
# clean_cell's padding, as the characters to strip: every character Python's \s matches (the
# very set clean_cell removes) and the invisible ones. Stripping a set is far cheaper than a
# regular expression over every cell.
# (str.isspace, which \s uses; every Unicode whitespace character lies in the first plane).
_PADDING_CHARS = "".join(chr(code) for code in range(0x10000) if chr(code).isspace()) + (
    "\u200b\u200c\u200d\u2060\ufeff"
)
# Cells every parser accepts as they are (ASCII only, so Rust's regex and Python's agree):
# checked by columns, so only the texts that fail go through the row-by-row parser.
_SURE_PATTERNS = {
    "id": r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$",
    "url": r"^https?://[!-~]+$",
}
ROW = "__row__"
# Hashing a column of payloads needs little of DuckDB's memory: it streams them.
HASH_MEMORY_LIMIT = "64MB"
# A status event's id: the first 20 hex digits of the SHA-256 of its payload (validate.py's
# _short_hash), in DuckDB's SQL over a column named `payload`.
EVENT_ID_SQL = "left(sha256(payload), 20)"
# The column a block of status events carries instead of `event_id` when the staging INSERT
# computes the id (ingest.staging.SourceStage.stream).
EVENT_PAYLOAD = "payload"


@dataclass
class RegisterFrame:
    """One register table read by columns: cleaned text cells (None when empty) plus the
    record number of each row, as the careful reader would number it."""

    file: str
    frame: pl.DataFrame


def columnar_enabled() -> bool:
    return os.environ.get(PATH_VARIABLE, "columnar") != "per-cell"


class NotColumnar(Exception):
    """A block of a file that qualified turned out not to read as the careful reader reads it."""


@dataclass
class RegisterFile:
    """A CSV file that qualifies for the fast path, read a block of whole lines at a time, so
    that what the reader holds is one block, never the whole register."""

    path: Path
    file: str
    names: list[str]

    def blocks(self) -> Iterator[bytes]:
        """The file's bytes (without a BOM) in blocks of about CHUNK_BYTES, each ending after a
        line break (but the last)."""
        with self.path.open("rb") as handle:
            rest = handle.read(3)
            if rest == b"\xef\xbb\xbf":
                rest = b""
            while True:
                data = handle.read(CHUNK_BYTES)
                if not data:
                    if rest:
                        yield rest
                    return
                data = rest + data
                end = data.rfind(b"\n")
                if end < 0:
                    rest = data
                    continue
                rest = data[end + 1 :]
                yield data[: end + 1]

    def chunks(self) -> Iterator[RegisterFrame]:
        """Each block as cleaned cells with the record number of each row."""
        lines = 0  # lines read so far, the header's included
        for index, block in enumerate(self.blocks()):
            first = index == 0
            chunk = _read_chunk(block, self.names, first=first, first_line=lines + 1)
            expected = block.count(b"\n") + (0 if block.endswith(b"\n") else 1)
            if chunk is None or chunk[1] != expected - (1 if first else 0):
                raise NotColumnar(self.file)
            lines += expected
            yield RegisterFrame(file=self.file, frame=chunk[0])

    def frame(self) -> RegisterFrame | None:
        """The whole file as one frame, or None when a block does not read as it should."""
        try:
            chunks = [chunk.frame for chunk in self.chunks()]
        except NotColumnar:
            return None
        return RegisterFrame(file=self.file, frame=pl.concat(chunks))


def open_csv_file(path: Path, table: str, display: str) -> RegisterFile | None:
    """The file, ready to be read by columns, when it qualifies for the fast path; else None.

    Every block is checked before any is read: a file that does not qualify is read the
    careful way from the start, so its warnings come where that reader gives them.
    """
    if not columnar_enabled():
        return None
    names: list[str] | None = None
    for index, block in enumerate(RegisterFile(path, display, []).blocks()):
        if index == 0:
            names = _header_names(block, table)
            if names is None:
                return None
        if (
            b"\x00" in block.translate(_CAREFUL_TABLE)
            or _blank_line_or_lone_carriage_return(block)
            or block.startswith((b"\n", b"\r"))
            or not _quotes_are_whole_cells(block)
            or _may_hold_an_overlong_cell(block)
        ):
            return None
        if not block.isascii() and not is_utf8(block):
            return None
    return None if names is None else RegisterFile(path, display, names)


def is_utf8(data: bytes) -> bool:
    """Whether bytes are well-formed UTF-8 as Python's strict decoder judges them (no
    surrogates, overlong forms or code points past U+10FFFF). Polars checks them without
    building the text: 0.03 s for a 228 MB register, where decoding it took 0.3 s. (Arrow's
    check is as quick, but its memory pool, once used, raised the build's peak by 45 MB.)"""
    try:
        pl.Series([data], dtype=pl.Binary).cast(pl.String)
    except (pl.exceptions.ComputeError, pl.exceptions.InvalidOperationError):
        return False
    return True


def _may_hold_an_overlong_cell(block: bytes) -> bool:
    """Whether a line may hold a cell beyond the csv module's field limit, where the careful
    reader stops and reports: such a file is read that way from the start. A line that long
    spans a whole window of half the limit, so finding a line break in every such window
    (a few dozen searches a block) rules it out."""
    window = csv.field_size_limit() // 2
    return any(
        block.find(b"\n", start, start + window) < 0
        for start in range(0, len(block) - window + 1, window)
    )


def _blank_line_or_lone_carriage_return(block: bytes) -> bool:
    """A blank line (with either line end), or a carriage return not followed by a line feed.
    Most registers hold no carriage return at all, and finding one byte is far quicker than
    counting them or looking for a three-byte sequence, so those are done only when there
    are some. (CPython looks for the two-byte blank line more than twice as fast from the
    end: 0.06 s against 0.14 s in the 177 MB of the largest registers' blocks.)"""
    if block.rfind(b"\n\n") >= 0:
        return True
    if b"\r" not in block:
        return False
    return block.count(b"\r") != block.count(b"\r\n") or b"\n\r\n" in block


def _header_names(block: bytes, table: str) -> list[str] | None:
    """The header's column names when it is the plain first line the fast path expects."""
    end = block.find(b"\n")
    first_line = (block if end < 0 else block[:end]).rstrip(b"\r")
    try:
        raw = first_line.decode("utf-8").split(",")
    except UnicodeDecodeError:
        return None
    names = [cell.strip().lower() for cell in raw]
    known = {c.name: c for c in register_columns()[table]}
    required = {c.name for c in known.values() if c.required}
    if (
        any(name != cell for name, cell in zip(names, raw, strict=True))
        or len(set(names)) != len(names)
        or not set(names) <= set(known)
        or not required <= set(names)
        or not set(key_columns(table)) <= set(names)
    ):
        return None
    return names


def _quotes_are_whole_cells(data: bytes) -> bool:
    """Whether every quote of the file opens or closes a whole cell (or is doubled inside
    one), so that a plain CSV parser reads each line as the csv module would: each quoted
    cell stands between delimiters, and no quote stands between two of them."""
    if b'"' not in data:
        return True
    size = len(data)
    previous = 0  # where the last quoted cell ended
    for match in _QUOTED_CELL.finditer(data):
        start, stop = match.span()
        if (
            (start and data[start - 1] not in b",\n")
            or (stop < size and data[stop] not in b",\r\n")
            or data.find(b'"', previous, start) >= 0
        ):
            return False
        previous = stop
    return data.find(b'"', previous) < 0


# A large file is read, parsed and cleaned this many bytes at a time (whole lines): what the
# reader holds is one block's worth, not a copy of the register.
CHUNK_BYTES = 4 * 1024 * 1024


def _read_chunk(
    data: bytes, names: list[str], first: bool, first_line: int
) -> tuple[pl.DataFrame, int] | None:
    """One chunk as cleaned cells with their record numbers, blank lines dropped, and how
    many records it held; None when Polars cannot read it as the careful reader would."""
    try:
        frame = pl.read_csv(
            data,
            has_header=first,
            schema=None if first else dict.fromkeys(names, pl.String),
            infer_schema=False,
            quote_char='"',
            encoding="utf8",
            raise_if_empty=False,
        )
    except (pl.exceptions.ComputeError, pl.exceptions.PolarsError):
        return None
    if frame.columns != names:
        return None
    # The careful reader stops at a cell beyond the csv module's field limit: let it.
    longest = frame.select(pl.max_horizontal(pl.all().str.len_chars().max())).item()
    if longest is not None and longest > csv.field_size_limit():
        return None
    read = frame.height
    offset = first_line + 1 if first else first_line
    frame = frame.with_columns(
        [
            pl.col(name).str.strip_chars(_PADDING_CHARS).replace("", None).alias(name)
            for name in names
        ]
    ).with_row_index(ROW, offset=offset)
    blank = pl.all_horizontal([pl.col(name).is_null() for name in names])
    return frame.filter(~blank), read


@dataclass
class ColumnValues:
    """What each distinct text of one column parses to, and which texts do not parse."""

    parsed: dict[str, Any]
    bad: set[str]


def parse_distinct(
    spec: Any, texts: pl.Series, vocabularies: Vocabularies, parse: Any, error: type
) -> ColumnValues:
    """Parse each distinct text once with the row-by-row path's own parser."""
    parsed: dict[str, Any] = {}
    bad: set[str] = set()
    for text in texts.drop_nulls().unique().to_list():
        try:
            parsed[text] = parse(spec, text, vocabularies)
        except error:
            bad.add(text)
    return ColumnValues(parsed, bad)


def json_text(column: pl.Expr) -> pl.Expr:
    """A string column as json.dumps writes it (ensure_ascii=False): only for cells with no
    quote, backslash or control character, which callers check first."""
    return pl.when(column.is_null()).then(pl.lit("null")).otherwise('"' + column + '"')


NEEDS_JSON_ESCAPE = r'["\\\x00-\x1f]'


def python_payload(parts: list[Any]) -> str:
    return json.dumps([str(p) if p is not None else None for p in parts], ensure_ascii=False)


def normalised(texts: pl.Series) -> dict[str, str]:
    return {t: normalise_label(t) for t in texts.drop_nulls().unique().to_list()}


def _raw_row(table: str, file: str, record: dict[str, Any]) -> Any:
    from ingest.records import RawRow

    line = record.pop(ROW)
    return RawRow(values=record, ref=f"{file}:{line}", file=file, row=line)


def raw_rows(table: str, register: RegisterFrame) -> list[Any]:
    """The frame as the careful reader's rows (for a table that also has rows from elsewhere)."""
    return [_raw_row(table, register.file, r) for r in register.frame.iter_rows(named=True)]


def _identity(table: str, iso: dict[str, pl.Expr]) -> pl.Expr:
    """validate.identity for every row at once, from the parsed columns."""
    from ingest.validate import ID_COLUMNS

    col = pl.col
    parts: list[pl.Expr]
    if table == "milestones":
        parts = [col("cycle_id"), iso["occurred_on"], col("kind")]
    elif table == "responses":
        parts = [col("recommendation_id"), col("response_kind")]
    elif table == "outcome_reports":
        parts = [col("cycle_id"), iso["reported_on"], col("__by__"), col("__status__")]
    elif table == "congruence":
        parts = [col("recommendation_id"), col("assessor")]
    elif table == "summaries":
        parts = [col("recommendation_id"), col("language")]
    elif table == "collective_responses":
        parts = [col("cycle_id"), iso["responded_on"], col("response_kind")]
    elif table == "status_events":
        parts = [col("recommendation_id"), iso["occurred_on"], col("assessor")]
    else:
        return col(ID_COLUMNS[table])
    return pl.concat_str(parts, separator="/")


def _mapped(text: pl.Expr, mapping: dict[str, Any], dtype: pl.DataType) -> pl.Expr:
    if not mapping:
        return pl.lit(None, dtype=dtype)
    keys = list(mapping)
    return text.replace_strict(keys, [mapping[k] for k in keys], default=None, return_dtype=dtype)


def _raw(name: str) -> str:
    return f"raw:{name}"


def validate_frame(
    table: str,
    register: RegisterFrame,
    rows: Any,
    vocabularies: Vocabularies,
    result: Any,
    dedupe: bool = True,
    hash_ids: bool = True,
) -> None:
    """validate_source for one table read by columns: the same canonical rows, the same
    problems in the same order. Without `dedupe` (one block of a file read in blocks), rows
    with the key of an earlier one are kept: duplicates are found over the whole file."""
    from ingest.validate import (
        DEFAULTS,
        ID_COLUMNS,
        LABELLED_COLUMNS,
        CellError,
        _parse_cell,
        duplicate_problem,
        validate_row,
    )

    header = [c for c in register.frame.columns if c != ROW]
    if table == "status_events" and (rows.status_origin != "listed" or rows.observed_at):
        seen: dict[str, str] = {}
        for raw in raw_rows(table, register):
            validate_row(table, raw, rows, vocabularies, result, seen, set())
        return
    specs = register_columns()[table]
    result.rows_read += register.frame.height
    work = register.frame.rename({c: _raw(c) for c in header})
    bad_row = pl.lit(False)
    outputs: list[pl.Expr] = []
    iso: dict[str, pl.Expr] = {}
    for spec in specs:
        name = spec.name
        if name not in header:
            work = work.with_columns(pl.lit(None, dtype=pl.String).alias(_raw(name)))
        text = pl.col(_raw(name))
        default = DEFAULTS.get((table, name))
        if default is not None:
            text = text.fill_null(pl.lit(default))
        if spec.type == "text":  # any text is a text (a formula cell never reaches here)
            values = ColumnValues({}, set())
        else:
            sure = _SURE_PATTERNS.get("id" if spec.type.startswith("ref:") else spec.type)
            distinct = work.select(text.alias("t"))["t"]
            if sure is not None:  # the parsed value is the text: only doubtful ones are parsed
                distinct = distinct.filter(~distinct.str.contains(sure))
            values = parse_distinct(spec, distinct, vocabularies, _parse_cell, CellError)
        if spec.required:
            bad_row = bad_row | text.is_null()
        if values.bad:
            bad_row = bad_row | text.is_in(list(values.bad)).fill_null(False)
        good = values.parsed
        if spec.type == "date":
            outputs.append(_mapped(text, {k: v[0] for k, v in good.items()}, pl.Date()).alias(name))
            precision = {k: v[1] for k, v in good.items()}
            outputs.append(_mapped(text, precision, pl.String()).alias(f"{name}_precision"))
            iso[name] = pl.col(f"__iso_{name}__")
            work = work.with_columns(
                _mapped(text, {k: v[0].isoformat() for k, v in good.items()}, pl.String()).alias(
                    f"__iso_{name}__"
                )
            )
            continue
        if spec.type in ("text", "id", "url") or spec.type.startswith("ref:"):
            parsed = text
        else:
            parsed = _mapped(text, good, _dtype(spec))
        labelled = LABELLED_COLUMNS.get((table, name))
        if labelled:
            outputs.append(parsed.alias(labelled[0]))
            outputs.append(pl.col(_raw(name)).alias(labelled[1]))
        else:
            outputs.append(parsed.alias(name))
    if table == "outcome_reports":
        by = normalised(work[_raw("reported_by")])
        status = normalised(work[_raw("status")])
        work = work.with_columns(
            _mapped(pl.col(_raw("reported_by")), by, pl.String()).fill_null("").alias("__by__"),
            _mapped(pl.col(_raw("status")), status, pl.String()).fill_null("").alias("__status__"),
        )
    work = work.with_columns(*outputs, bad_row.alias("__bad__"))
    work = work.with_columns(_identity(table, iso).alias("__key__"))
    # A duplicate is a later clean row with the key of an earlier clean one. Flagged in
    # place, so the table is copied once (the rows kept), not once more for the clean ones.
    bad = pl.col("__bad__")
    later = ~pl.when(~bad).then(pl.col("__key__")).is_first_distinct() if dedupe else pl.lit(False)
    work = work.with_columns((~bad & later).alias("__duplicate__"))
    duplicate = work.filter(pl.col("__duplicate__"))
    raw_select = [pl.col(ROW), *[pl.col(_raw(c)).alias(c) for c in header]]
    flagged = work.filter(bad).select(raw_select)
    kept = work.filter(~bad & ~pl.col("__duplicate__"))
    del work
    firsts: dict[str, str] = {}
    if duplicate.height:
        earlier = kept.filter(pl.col("__key__").is_in(duplicate["__key__"].implode()))
        firsts = {
            k: f"{register.file}:{r}" for k, r in zip(earlier["__key__"], earlier[ROW], strict=True)
        }
    # Rows with a problem, in file order: the row-by-row path says what is wrong.
    pending = sorted(
        [(r[ROW], None, r) for r in flagged.iter_rows(named=True)]
        + [
            (r[ROW], r.pop("__key__"), r)
            for r in duplicate.select([*raw_select, "__key__"]).iter_rows(named=True)
        ],
        key=lambda item: item[0],
    )
    for _line, key, record in pending:
        raw = _raw_row(table, register.file, record)
        if key is None:
            before = result.rows_read
            validate_row(table, raw, rows, vocabularies, result, {}, set())
            result.rows_read = before
            continue
        raw_text = json.dumps(
            {k: v for k, v in raw.values.items() if v is not None}, ensure_ascii=False
        )
        result.problems.append(duplicate_problem(table, rows, raw, key, firsts[key], raw_text))
        result.rejected_keys.setdefault(table, set()).add(key)
    if not kept.height:
        return
    columns = [
        *[pl.col(o.meta.output_name()) for o in outputs],
        pl.lit(rows.source_id).alias("source_id"),
        (pl.lit(f"{register.file}:") + pl.col(ROW).cast(pl.String)).alias("source_ref"),
    ]
    if table == "status_events":
        canonical = _with_event_ids(kept, columns, rows.status_origin, hash_ids)
    else:
        canonical = kept.select(*columns)
        if ID_COLUMNS[table] not in canonical.columns:
            canonical = canonical.with_columns(kept["__key__"].alias(ID_COLUMNS[table]))
    result.tables[table] = canonical


def validate_streamed(
    table: str,
    source: RegisterFile,
    rows: Any,
    vocabularies: Vocabularies,
    result: Any,
    stage: Any,
) -> bool:
    """validate_frame for a file read block by block, each block's canonical rows staged in
    DuckDB as soon as they are checked; duplicates are found there once every block is in.

    The same rows, problems (in file order) and rejected keys as validate_frame on the whole
    file. False, with nothing recorded, when a block does not read as the careful reader
    would read it: the caller then reads the file that way.
    """
    from ingest.records import CanonicalRows
    from ingest.staging import drop_duplicates, duplicate_rows
    from ingest.validate import duplicate_problem

    staged = stage.new(table)
    by_line: list[tuple[int, list[Any]]] = []
    rejected: set[str] = set()
    rows_read = 0

    def canonical_blocks() -> Iterator[pl.DataFrame]:
        nonlocal rows_read
        for chunk in source.chunks():
            part = CanonicalRows(source_id=result.source_id, status_origin=result.status_origin)
            # A status event's id is hashed by the INSERT staging it (SourceStage.stream).
            validate_frame(table, chunk, rows, vocabularies, part, dedupe=False, hash_ids=False)
            rows_read += part.rows_read
            for problem in part.problems:
                if by_line and by_line[-1][0] == problem.row:
                    by_line[-1][1].append(problem)
                else:
                    by_line.append((problem.row, [problem]))
            rejected.update(part.rejected_keys.get(table, set()))
            canonical = part.tables.get(table)
            del part
            if canonical is not None:
                yield canonical

    try:
        stage.stream(staged, canonical_blocks())
    except NotColumnar:
        stage.con.execute(f"DROP TABLE {staged.name}")
        return False
    duplicates = duplicate_rows(stage.con, staged)
    if duplicates:
        records = _records_at(source, {int(ref.rpartition(":")[2]) for _k, ref, _f in duplicates})
        for key, ref, first_ref in duplicates:
            line = int(ref.rpartition(":")[2])
            raw = _raw_row(table, source.file, {ROW: line, **records[line]})
            raw_text = json.dumps(
                {k: v for k, v in raw.values.items() if v is not None}, ensure_ascii=False
            )
            by_line.append((line, [duplicate_problem(table, rows, raw, key, first_ref, raw_text)]))
            rejected.add(key)
        drop_duplicates(stage.con, staged)
        by_line.sort(key=lambda item: item[0])
    result.rows_read += rows_read
    result.problems.extend(p for _line, problems in by_line for p in problems)
    if rejected:
        result.rejected_keys.setdefault(table, set()).update(rejected)
    result.tables[table] = staged
    return True


def _records_at(source: RegisterFile, lines: set[int]) -> dict[int, dict[str, Any]]:
    """The cleaned cells of some lines of a file, read again (a duplicate's message quotes
    its row, which no longer is in memory)."""
    found: dict[int, dict[str, Any]] = {}
    for chunk in source.chunks():
        wanted = chunk.frame.filter(pl.col(ROW).is_in(sorted(lines)))
        for record in wanted.iter_rows(named=True):
            line = record.pop(ROW)
            found[line] = record
    return found


def as_dicts(rows: list[dict[str, Any]] | pl.DataFrame) -> list[dict[str, Any]]:
    """Canonical rows as the row-by-row path gives them: one dict per row, no empty cells."""
    if isinstance(rows, pl.DataFrame):
        return [{k: v for k, v in r.items() if v is not None} for r in rows.iter_rows(named=True)]
    return rows


def _dtype(spec: Any) -> pl.DataType:
    if spec.type == "int":
        return pl.Int64()
    if spec.type == "float":
        return pl.Float64()
    if spec.type == "bool":
        return pl.Boolean()
    if spec.type == "languages" or spec.is_id_list:
        return pl.List(pl.String)
    return pl.String()


def _with_event_ids(
    kept: pl.DataFrame,
    columns: list[pl.Expr],
    origin: str,
    hash_ids: bool = True,
) -> pl.DataFrame:
    """origin, slot_key and event_id exactly as validate._canonical makes them; without
    `hash_ids`, the payload each id is the hash of, in EVENT_PAYLOAD."""
    shown = {v: str(v) for v in kept["progress"].drop_nulls().unique().to_list()}
    parts = [
        pl.col("recommendation_id"),
        pl.col("__iso_occurred_on__"),
        pl.col("assessor"),
        pl.col("status"),
        pl.col("status_label"),
        _mapped(pl.col("progress"), shown, pl.String()),
        pl.col("note"),
        pl.col("source_url"),
        pl.lit(origin),
    ]
    careful = pl.any_horizontal([p.fill_null("").str.contains(NEEDS_JSON_ESCAPE) for p in parts])
    payload = pl.lit("[") + pl.concat_str([json_text(p) for p in parts], separator=", ") + ", null]"
    hashed = kept.select(payload.alias("payload"), careful.alias("careful"))
    payloads = hashed["payload"]
    if hashed["careful"].any():
        frame = kept.select([p.alias(f"p{i}") for i, p in enumerate(parts)])
        indices = hashed.with_row_index()["index"].filter(hashed["careful"]).to_list()
        payloads = payloads.scatter(
            indices, [python_payload([*frame.row(index), None]) for index in indices]
        )
    return kept.select(
        *columns,
        pl.lit(origin).alias("origin"),
        pl.col("__key__").alias("slot_key"),
        short_hashes_of(payloads).alias("event_id") if hash_ids else payloads.alias(EVENT_PAYLOAD),
    )


def short_hashes_of(payloads: pl.Series) -> pl.Series:
    """Event ids for a whole column of payloads (validate._short_hash's digest of the same
    UTF-8 bytes), computed by DuckDB's sha256 on every core instead of a million hashlib
    calls. A build hashes in its staging INSERT instead (SourceStage.stream)."""
    frame = payloads.alias("payload").to_frame()
    with (
        duckdb.connect(config={"memory_limit": HASH_MEMORY_LIMIT}) as con,
        registered(con, "payloads", frame),
    ):
        hashed = con.sql(f"SELECT {EVENT_ID_SQL} AS event_id FROM payloads")  # noqa: S608
        return query_frame(hashed)["event_id"].cast(pl.String)
