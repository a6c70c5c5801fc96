"""Read hand-kept registers (CSV files or an XLSX workbook) into raw rows.

Registers come from real offices: Excel saves CSV with a BOM, with ';' in French, German and
Italian locales, sometimes as Windows-1252; workbooks gain a title row above the header.
Those are read as meant, with a warning; only what cannot be read is an error. Cells lose
the padding spreadsheets and web forms leave (spaces, no-break and zero-width spaces), so an
id is the same however it was typed. A register that cannot be read at all is a failed
source, and a table that cannot be read to its end keeps its previous rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from ingest.adapters.cells import clean_cell
from ingest.columnar import open_csv_file
from ingest.records import FORMULA_WITHOUT_VALUE, Problem, RawRow, SourceError, SourceRows
from ingest.register_format import TABLE_ORDER, key_columns, register_columns

HEADER_SEARCH_ROWS = 10
DELIMITERS = (",", ";", "\t")
# Lock and metadata files that office software and file systems leave next to a register.
IGNORED_PREFIXES = ("~$", ".~lock", "._", ".")
MONTH_FORMATS = ("mmm-yy", "mmm yy", "mmmm yyyy", "mmm-yyyy", "mm/yyyy", "mm.yyyy", "yyyy-mm")
YEAR_FORMATS = ("yyyy",)


def read_register(
    source_id: str,
    path: Path,
    display_root: Path | None = None,
    columnar: bool = False,
    streamed: bool = False,
) -> SourceRows:
    """Read a register: a folder of `<table>.csv` / `.xlsx` files, or one such file.

    With `columnar`, a well-formed CSV is kept as a frame (`SourceRows.frames`) for the fast
    path instead of one RawRow per line; validation gives the same result either way. With
    `streamed` too, such a file is only checked here and read block by block as it is
    validated (a `RegisterFile`), so a build never holds a whole register.
    """
    rows = SourceRows(source_id=source_id)
    files = register_files(path)
    if not files:
        raise SourceError(source_id, "no register files (CSV or XLSX) found", str(path))
    for file in files:
        if file.suffix.lower() == ".xlsx":
            _read_workbook(rows, file, display_root)
        else:
            _read_csv(rows, file, display_root, columnar, streamed)
    return rows


def register_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        return []
    found = [
        p
        for p in path.iterdir()
        if p.is_file()
        and p.suffix.lower() in (".csv", ".xlsx")
        and not p.name.startswith(IGNORED_PREFIXES)
    ]
    order = {name: i for i, name in enumerate(TABLE_ORDER)}
    return sorted(
        found,
        key=lambda p: (p.suffix.lower() == ".xlsx", order.get(p.stem.lower(), 99), p.name),
    )


def _display(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return str(path.resolve().relative_to(root.resolve()))
        except ValueError:
            pass
    return str(path)


def _file_problem(
    rows: SourceRows,
    file: str,
    row: int | None,
    message: str,
    column: str | None = None,
    severity: str = "error",
) -> None:
    """A finding about a whole file or its header, which rejects no particular row."""
    rows.notices.append(
        Problem(rows.source_id, file, row, column, message, severity=severity, about_row=False)
    )


def _decode(data: bytes, rows: SourceRows, display: str) -> str:
    """UTF-8 as it should be; Windows-1252 line by line where a line is not UTF-8.

    Decoding line by line keeps a file that mixes both (one line pasted from an old
    spreadsheet) readable without garbling the UTF-8 lines.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    lines = data.split(b"\n")
    decoded: list[str] = []
    legacy: list[int] = []
    for number, line in enumerate(lines, start=1):
        try:
            decoded.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            decoded.append(line.decode("cp1252", errors="replace"))
            legacy.append(number)
    shown = ", ".join(map(str, legacy[:5])) + (" …" if len(legacy) > 5 else "")
    _file_problem(
        rows,
        display,
        legacy[0],
        f"line(s) {shown} are not UTF-8; read as Windows-1252 (Latin-1) — "
        "please save the file as UTF-8",
        severity="warning",
    )
    return "\n".join(decoded)


def _read_csv(
    rows: SourceRows,
    file: Path,
    root: Path | None,
    columnar: bool = False,
    streamed: bool = False,
) -> None:
    display = _display(file, root)
    table = file.stem.strip().lower()
    if table not in register_columns():
        _file_problem(
            rows,
            display,
            None,
            f"'{file.name}' is not a register table; expected one of "
            + ", ".join(f"{t}.csv" for t in TABLE_ORDER),
        )
        return
    if columnar and table not in rows.tables:
        source = open_csv_file(file, table, display)
        frame = source if streamed or source is None else source.frame()
        if frame is not None:
            rows.frames[table] = frame
            rows.tables[table] = []
            return
    data = file.read_bytes()
    text = _decode(data, rows, display)
    del data
    if not text.strip():
        _file_problem(rows, display, 1, "file is empty: expected a header row")
        rows.unreadable_tables.add(table)
        rows.tables.setdefault(table, [])
        return
    candidates = []
    for delimiter in DELIMITERS:
        numbered, error = _parse_csv(text, delimiter)
        if _find_header(table, numbered) is not None:
            candidates.append((delimiter, numbered, error))
    delimiter, numbered, error = candidates[0] if candidates else (",", *_parse_csv(text, ","))
    if delimiter != ",":
        name = "semicolons" if delimiter == ";" else "tabs"
        _file_problem(
            rows,
            display,
            1,
            f"columns are separated by {name}, not commas; read as such",
            severity="warning",
        )
    if error is not None:
        line, reason = error
        _file_problem(
            rows,
            display,
            line,
            f"cannot read the file from row {line} on ({reason}): a quote left open, or a "
            "cell larger than 128 KB? The table's previous rows are kept",
        )
        rows.unreadable_tables.add(table)
    _collect(rows, table, display, numbered)


def _parse_csv(
    text: str, delimiter: str
) -> tuple[list[tuple[int, list[str]]], tuple[int, str] | None]:
    """Numbered records, and where and why parsing stopped if the text is not CSV to the end."""
    records: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for record in reader:
            records.append((len(records) + 1, record))
    except csv.Error as error:
        return records, (len(records) + 1, str(error))
    return records, None


def _cell_text(cell: object) -> str:
    """A workbook cell as a clerk would have typed it, with its date precision kept."""
    value = getattr(cell, "value", cell)
    if value is None:
        return ""
    number_format = (getattr(cell, "number_format", "") or "").lower()
    if isinstance(value, dt.datetime | dt.date):
        day = value.date() if isinstance(value, dt.datetime) else value
        if number_format in MONTH_FORMATS:
            return day.strftime("%Y-%m")
        if number_format in YEAR_FORMATS:
            return day.strftime("%Y")
        return day.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_workbook(rows: SourceRows, file: Path, root: Path | None) -> None:
    from openpyxl import load_workbook  # imported here: only XLSX registers need it

    display = _display(file, root)
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
        formulas = load_workbook(file, read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises many types for a damaged file
        raise SourceError(rows.source_id, f"cannot open workbook: {error}", display) from None
    try:
        for sheet in workbook.worksheets:
            table = sheet.title.strip().lower()
            where = f"{display}[{sheet.title}]"
            if table not in register_columns():
                if table not in ("columns", "readme", "read me"):
                    _file_problem(
                        rows,
                        where,
                        None,
                        f"sheet '{sheet.title}' is not a register table; ignored",
                        severity="warning",
                    )
                continue
            records: list[tuple[int, list[str]]] = []
            formula_rows = formulas[sheet.title].iter_rows()
            for number, (cells, raw_cells) in enumerate(
                zip(sheet.iter_rows(), formula_rows, strict=False), start=1
            ):
                texts = []
                for cell, raw in zip(cells, raw_cells, strict=False):
                    text = _cell_text(cell)
                    if not text and isinstance(raw.value, str) and raw.value.startswith("="):
                        text = FORMULA_WITHOUT_VALUE
                    texts.append(text)
                records.append((number, texts))
            _collect(rows, table, where, records)
    finally:
        workbook.close()
        formulas.close()


def _find_header(table: str, records: list[tuple[int, list[str]]]) -> int | None:
    """Index of the header record: the first one naming every key column of the table."""
    keys = set(key_columns(table))
    for index, (_, record) in enumerate(records[:HEADER_SEARCH_ROWS]):
        names = {clean_cell(cell).lower() for cell in record}
        if keys <= names:
            return index
    return None


def _collect(
    rows: SourceRows, table: str, display: str, records: list[tuple[int, list[str]]]
) -> None:
    out = rows.tables.setdefault(table, [])
    records = [(n, r) for n, r in records if any(clean_cell(cell) for cell in r)]
    if not records:
        _file_problem(rows, display, 1, "file is empty: expected a header row")
        rows.unreadable_tables.add(table)
        return
    header_index = _find_header(table, records)
    if header_index is None:
        line, first = records[0]
        present = {clean_cell(c).lower() for c in first}
        for column in [k for k in key_columns(table) if k not in present]:
            _file_problem(
                rows,
                display,
                line,
                f"missing required column '{column}' in the header row",
                column=column,
            )
        rows.unreadable_tables.add(table)
        header_index = 0
    elif header_index > 0:
        _file_problem(
            rows,
            display,
            records[header_index][0],
            f"header found on row {records[header_index][0]}; "
            f"{header_index} row(s) above it ignored",
            severity="warning",
        )
    header_line, header = records[header_index]
    names = [clean_cell(cell).lower() for cell in header]
    known = {c.name for c in register_columns()[table]}
    for position, name in enumerate(names):
        if name and name not in known:
            _file_problem(
                rows,
                display,
                header_line,
                f"unknown column '{clean_cell(header[position])}' ignored",
                column=name,
                severity="warning",
            )
        if name in known and names.index(name) != position:
            _file_problem(
                rows,
                display,
                header_line,
                f"column '{name}' appears twice in the header",
                column=name,
            )
            rows.unreadable_tables.add(table)
    for column in register_columns()[table]:
        if column.required and not column.is_key and column.name not in names:
            _file_problem(
                rows,
                display,
                header_line,
                f"missing required column '{column.name}' in the header row",
                column=column.name,
            )
            rows.unreadable_tables.add(table)
    for line, record in records[header_index + 1 :]:
        values: dict[str, str | None] = {}
        for position, name in enumerate(names):
            if name in known:
                cell = record[position] if position < len(record) else ""
                values[name] = clean_cell(cell) or None
        # A value under no header (beyond the header's end, or below a blank header cell, as
        # a workbook pads its rows) belongs to no column: never dropped silently.
        extra = [
            clean_cell(cell)
            for position, cell in enumerate(record)
            if position >= len(names) or not names[position]
        ]
        if any(extra):
            values["__extra__"] = " | ".join(c for c in extra if c)
        out.append(RawRow(values=values, ref=f"{display}:{line}", file=display, row=line))
