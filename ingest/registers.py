"""Read hand-kept registers (CSV files or an XLSX workbook) into raw rows.

Registers come from real offices: Excel saves CSV with a BOM, with ';' in French, German and
Italian locales, sometimes as Windows-1252; workbooks gain a title row above the header.
Those are read as meant, with a warning; only what cannot be read is an error.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from ingest.records import Problem, RawRow, SourceRows
from ingest.register_format import TABLE_ORDER, key_columns, register_columns

HEADER_SEARCH_ROWS = 10


def read_register(source_id: str, path: Path, display_root: Path | None = None) -> SourceRows:
    """Read a register: a folder of `<table>.csv` / `.xlsx` files, or one such file."""
    rows = SourceRows(source_id=source_id)
    files = _register_files(path)
    if not files:
        rows.notices.append(
            Problem(source_id, _display(path, display_root), None, None, "no register files found")
        )
    for file in files:
        if file.suffix.lower() == ".xlsx":
            _read_workbook(rows, file, display_root)
        else:
            _read_csv(rows, file, display_root)
    return rows


def _register_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        return []
    found = [p for p in path.iterdir() if p.suffix.lower() in (".csv", ".xlsx")]
    order = {name: i for i, name in enumerate(TABLE_ORDER)}
    return sorted(found, key=lambda p: (p.suffix.lower() == ".xlsx", order.get(p.stem, 99), p.name))


def _display(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return str(path.resolve().relative_to(root.resolve()))
        except ValueError:
            pass
    return str(path)


def _decode(data: bytes, rows: SourceRows, display: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        rows.notices.append(
            Problem(
                rows.source_id,
                display,
                line,
                None,
                "file is not UTF-8; read as Windows-1252 (Latin-1) — please save it as UTF-8",
                severity="warning",
            )
        )
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")


def _sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _read_csv(rows: SourceRows, file: Path, root: Path | None) -> None:
    display = _display(file, root)
    table = file.stem
    if table not in register_columns():
        rows.notices.append(
            Problem(
                rows.source_id,
                display,
                None,
                None,
                f"'{file.name}' is not a register table; expected one of "
                + ", ".join(f"{t}.csv" for t in TABLE_ORDER),
            )
        )
        return
    text = _decode(file.read_bytes(), rows, display)
    if not text.strip():
        rows.notices.append(
            Problem(rows.source_id, display, 1, None, "file is empty: expected a header row")
        )
        rows.unreadable_tables.add(table)
        return
    first_line = text.splitlines()[0]
    delimiter = _sniff_delimiter(first_line)
    if delimiter != ",":
        name = "semicolon" if delimiter == ";" else "tab"
        rows.notices.append(
            Problem(
                rows.source_id,
                display,
                1,
                None,
                f"columns are separated by {name}s, not commas; read as such",
                severity="warning",
            )
        )
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    _collect(rows, table, display, [(i + 1, rec) for i, rec in enumerate(records)])


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_workbook(rows: SourceRows, file: Path, root: Path | None) -> None:
    from openpyxl import load_workbook  # imported here: only XLSX registers need it

    display = _display(file, root)
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a damaged file
        rows.notices.append(
            Problem(rows.source_id, display, None, None, f"cannot open workbook: {error}")
        )
        return
    try:
        for sheet in workbook.worksheets:
            table = sheet.title.strip().lower()
            if table not in register_columns():
                if table not in ("columns", "readme", "read me"):
                    rows.notices.append(
                        Problem(
                            rows.source_id,
                            f"{display}[{sheet.title}]",
                            None,
                            None,
                            f"sheet '{sheet.title}' is not a register table; ignored",
                            severity="warning",
                        )
                    )
                continue
            records = [
                (i, ["" if v is None else (_cell_text(v) or "") for v in row])
                for i, row in enumerate(sheet.iter_rows(values_only=True), start=1)
            ]
            _collect(rows, table, f"{display}[{sheet.title}]", records)
    finally:
        workbook.close()


def _find_header(table: str, records: list[tuple[int, list[str]]]) -> int | None:
    """Index of the header record: the first one naming every key column of the table."""
    keys = set(key_columns(table))
    for index, (_, record) in enumerate(records[:HEADER_SEARCH_ROWS]):
        names = {cell.strip().lower() for cell in record}
        if keys <= names:
            return index
    return None


def _collect(
    rows: SourceRows, table: str, display: str, records: list[tuple[int, list[str]]]
) -> None:
    records = [(n, r) for n, r in records if any(cell.strip() for cell in r)] or records
    if not records:
        rows.notices.append(
            Problem(rows.source_id, display, 1, None, "file is empty: expected a header row")
        )
        rows.unreadable_tables.add(table)
        return
    header_index = _find_header(table, records)
    if header_index is None:
        line, first = records[0]
        missing = [k for k in key_columns(table) if k not in {c.strip().lower() for c in first}]
        for column in missing:
            rows.notices.append(
                Problem(
                    rows.source_id,
                    display,
                    line,
                    column,
                    f"missing required column '{column}' in the header row",
                )
            )
        header_index = 0
        if missing:
            rows.unreadable_tables.add(table)
    elif header_index > 0:
        rows.notices.append(
            Problem(
                rows.source_id,
                display,
                records[header_index][0],
                None,
                f"header found on row {records[header_index][0]}; "
                f"{header_index} row(s) above it ignored",
                severity="warning",
            )
        )
    header_line, header = records[header_index]
    names = [cell.strip().lower() for cell in header]
    known = {c.name for c in register_columns()[table]}
    for position, name in enumerate(names):
        if name and name not in known:
            rows.notices.append(
                Problem(
                    rows.source_id,
                    display,
                    header_line,
                    name,
                    f"unknown column '{header[position].strip()}' ignored",
                    severity="warning",
                )
            )
    for column in register_columns()[table]:
        if column.required and not column.is_key and column.name not in names:
            rows.notices.append(
                Problem(
                    rows.source_id,
                    display,
                    header_line,
                    column.name,
                    f"missing required column '{column.name}' in the header row",
                )
            )
            rows.unreadable_tables.add(table)
    out = rows.tables.setdefault(table, [])
    for line, record in records[header_index + 1 :]:
        if not any(cell.strip() for cell in record):
            continue
        values: dict[str, str | None] = {}
        for position, name in enumerate(names):
            if name in known:
                cell = record[position] if position < len(record) else ""
                values[name] = cell.strip() or None
        if len(record) > len(names) and any(c.strip() for c in record[len(names) :]):
            values["__extra__"] = " | ".join(c for c in record[len(names) :] if c.strip())
        out.append(RawRow(values=values, ref=f"{display}:{line}", file=display, row=line))
