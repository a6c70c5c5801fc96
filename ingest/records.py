"""The shapes that flow through ingest: raw rows in, canonical rows and rejects out.

Every source, whether a hand-kept register or a live API, is turned into `SourceRows`
with the register's own column names and text formats, so one validation path serves all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

# What a workbook cell holding a formula with no saved result reads as: never a real value.
FORMULA_WITHOUT_VALUE = "\x00formula-without-saved-value"


@dataclass(frozen=True)
class RawRow:
    """One row as a source gave it: register column name -> text value."""

    values: dict[str, str | None]
    ref: str  # where it came from, as "file:row" (for a live source, the config or URL part)
    file: str = ""
    row: int | None = None


@dataclass
class SourceRows:
    """Everything one source yielded in one read, grouped by register table."""

    source_id: str
    tables: dict[str, list[RawRow]] = field(default_factory=dict)
    # "listed": each status row is an explicit dated entry (a register), so a row that
    # disappears was withdrawn. "observed": each read reports a current state (a live API),
    # so an earlier observation stays history when the state moves on.
    status_origin: str = "listed"
    notices: list[Problem] = field(default_factory=list)
    # Tables whose file could not be read as a whole (empty, header unusable): their
    # previous rows stay as they were instead of being marked withdrawn.
    unreadable_tables: set[str] = field(default_factory=set)
    # When a live source was read; a register's rows are observed when the build runs.
    observed_at: dt.datetime | None = None
    # Tables read by columns (the fast path for a well-formed CSV): table -> RegisterFrame,
    # or, for a build, a RegisterFile read block by block as it is validated.
    frames: dict[str, Any] = field(default_factory=dict)


class SourceError(Exception):
    """A source that could not be read at all. The message names the source and where."""

    def __init__(self, source_id: str, message: str, url: str | None = None) -> None:
        self.source_id = source_id
        self.url = url
        where = f" ({url})" if url else ""
        super().__init__(f"{source_id}{where}: {message}")


@dataclass(frozen=True)
class Problem:
    """A finding about one cell, row or file, printed as `file:row:column: message`."""

    source_id: str
    file: str
    row: int | None
    column: str | None
    message: str
    value: str | None = None
    raw: str | None = None
    severity: str = "error"  # error | warning
    # False for findings about a whole file or header: they reject no particular row.
    about_row: bool = True

    def __str__(self) -> str:
        row = "" if self.row is None else str(self.row)
        column = self.column or ""
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{self.file}:{row}:{column}: {prefix}{self.message}"


@dataclass
class CanonicalRows:
    """Validated rows of one source, per canonical table, plus what was rejected."""

    source_id: str
    # One dict per row, or (from the columnar path) a Polars frame with the same columns; in
    # a build, every table staged in DuckDB (an ingest.staging.StagedTable).
    tables: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    # Keys of rows that were rejected but whose key could be read: their previous
    # version stays current instead of being marked withdrawn.
    rejected_keys: dict[str, set[str]] = field(default_factory=dict)
    status_origin: str = "listed"
    rows_read: int = 0
    unreadable_tables: set[str] = field(default_factory=set)
    # Tables the source provided at all (a file was there); the others are left as they were.
    present_tables: set[str] = field(default_factory=set)
    observed_at: dt.datetime | None = None
