"""Property-based tests: thousands of malformed registers, as offices really send them.

Each example is one register file for one table (any table of the register format): good rows
of synthetic data with a faulty row between them, in a CSV or an XLSX workbook, damaged the
ways hand-kept files are — wrong types, broken encodings, other delimiters, merged cells,
huge cells, duplicate headers, formulas, padding, stray cells. Whatever the damage, reading
and validating the file never crashes, every problem names its file (and, for a row, its row
and column), and every good row still loads when the file's structure is readable at all.

The examples are derived from a fixed seed (derandomize), so the suite never flakes.
"""

from __future__ import annotations

import csv
import io
import string
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from ingest.records import CanonicalRows, Problem, SourceError
from ingest.register_format import ColumnSpec, key_columns, register_columns
from ingest.registers import read_register
from ingest.validate import DEFAULTS, ID_COLUMNS, identity, parse_date, validate_source
from ingest.vocab import load_vocabularies

VOCABULARIES = load_vocabularies()
TABLES = sorted(register_columns())
# The one problem about a row that concerns no single column: cells beyond the header.
EXTRA_CELLS = "row has more cells than the header has columns"
# Derived from a fixed seed and with no example database: every run checks the same examples.
PROPERTY_SETTINGS = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def good_value(spec: ColumnSpec, n: int) -> str:
    """A valid synthetic cell; ids are unique per row so rows never collide."""
    kind = spec.type
    if kind == "id" or kind.startswith(("ref:", "refs:")):
        return f"synthetic-{n}"
    if spec.vocabulary:
        values = VOCABULARIES.get(spec.vocabulary).values
        return values[n % len(values)]
    return {
        "date": f"20{10 + n % 10}-0{1 + n % 9}-1{n % 10}",
        "int": str(3 + n),
        "float": "0.5",
        "url": f"https://example.org/synthetic/{n}",
        "language": "fr",
        "languages": "fr nl",
        "country": "BE",
        "bool": ("yes", "no")[n % 2],
    }.get(kind, f"Synthetic text {n}")


def bad_value(spec: ColumnSpec) -> str | None:
    """A value validation must refuse for this column, or None when any text is acceptable."""
    kind = spec.type
    if kind == "id" or kind.startswith(("ref:", "refs:")):
        return "not an id!"
    if spec.vocabulary:
        return "no such label 42"
    return {
        "date": "31/02/sometime",
        "int": "twelve",
        "float": "a lot",
        "url": "www.example.org without scheme",
        "language": "French",
        "languages": "Français, Nederlands",
        "country": "Belgium",
        "bool": "perhaps",
    }.get(kind)


@dataclass
class Register:
    """One generated register file and what reading it must yield."""

    table: str
    header: list[str]
    rows: list[list[object]]  # cells in header order; objects for XLSX (numbers, dates)
    good_lines: dict[int, str] = field(default_factory=dict)  # file line -> identity
    bad_lines: set[int] = field(default_factory=set)  # lines that must be rejected
    readable: bool = True  # the file's structure survives the damage
    file_problem: str | None = None  # a problem the file as a whole must produce


def row_identity(table: str, specs: dict[str, ColumnSpec], values: dict[str, str]) -> str | None:
    parsed = {}
    for name in key_columns(table):
        text = values[name]
        spec = specs[name]
        if spec.type == "date":
            parsed[name] = parse_date(text)
        elif spec.vocabulary:
            parsed[name] = VOCABULARIES.get(spec.vocabulary).lookup(text)
        else:
            parsed[name] = text
    return identity(table, parsed, values)


ROW_FAULTS = ("bad_type", "missing_required", "extra_cells", "formula")
HARMLESS = ("padding", "huge_text", "blank_row", "control_chars", "none")
# Beyond the CSV reader's field limit (128 KB): only a quote left open makes such a cell.
OVERSIZED_CELL = "Lorem ipsum " * 12_000
PADDING = [" ", "\u00a0", "\t", "\u200b", " \ufeff", "\u3000"]


@st.composite
def registers(draw: st.DrawFn, xlsx: bool) -> Register:
    table = draw(st.sampled_from(TABLES))
    specs = {s.name: s for s in register_columns()[table]}
    required = [s.name for s in specs.values() if s.required or s.is_key]
    must_fill = [name for name in required if (table, name) not in DEFAULTS]
    optional = [s.name for s in specs.values() if s.name not in required]
    header = required + draw(st.lists(st.sampled_from(optional), unique=True, max_size=4))
    header = draw(st.permutations(header))
    register = Register(table, list(header), [])
    line = 1
    for n in range(draw(st.integers(2, 6))):
        fault = draw(st.sampled_from(ROW_FAULTS + HARMLESS))
        values = {name: good_value(specs[name], n) for name in header}
        cells: list[object] = [values[name] for name in header]
        column = draw(st.sampled_from(header))
        must_reject = True
        if fault == "bad_type":
            bad = bad_value(specs[column])
            if bad is None:
                must_reject = False
            else:
                cells[header.index(column)] = bad
        elif fault == "missing_required":
            cells[header.index(draw(st.sampled_from(must_fill)))] = ""
        elif fault == "extra_cells":
            cells += ["", draw(st.text(string.ascii_letters, min_size=1, max_size=8))]
        elif fault == "formula":
            if not xlsx:
                must_reject = bad_value(specs[column]) is not None
            # In a workbook, a formula without a saved value is never a value; in a CSV it
            # is just text, which only a typed column refuses.
            cells[header.index(column)] = f"=SUM(A1:A{n + 2})"
        else:
            must_reject = False
            if fault == "padding":
                pad = draw(st.sampled_from(PADDING))
                cells = [f"{pad}{c}{pad}" for c in cells]
            elif fault == "huge_text":
                text_columns = [h for h in header if specs[h].type == "text"]
                oversized = not xlsx and draw(st.booleans())
                if text_columns:
                    index = header.index(draw(st.sampled_from(text_columns)))
                    cells[index] = OVERSIZED_CELL if oversized else "Lorem " * 5000
                    if oversized:
                        register.readable = False
                        register.file_problem = "cannot read the file from row"
            elif fault == "blank_row":
                register.rows.append(["" for _ in header])
                line += 1
            elif fault == "control_chars" and not xlsx:  # a workbook cannot hold them
                text_columns = [h for h in header if specs[h].type == "text"]
                if text_columns:
                    index = header.index(draw(st.sampled_from(text_columns)))
                    cells[index] = f"Synthetic\x0bline\x07 {n}"
        line += 1
        register.rows.append(cells)
        if must_reject:
            register.bad_lines.add(line)
        else:
            values = {
                name: str(c).strip("".join(PADDING)) for name, c in zip(header, cells, strict=True)
            }
            register.good_lines[line] = row_identity(table, specs, values)
    return register


@st.composite
def header_damage(draw: st.DrawFn, register: Register) -> None:
    """Damage to the header row, as clerks and exports make it."""
    damage = draw(
        st.sampled_from(
            ("none", "duplicate_header", "title_row", "missing_key", "padded_header", "upper")
        )
    )
    if damage == "duplicate_header":
        register.header.append(register.header[0])
        for row in register.rows:
            row.append(row[0] if row else "")
        register.readable = False
        register.file_problem = "appears twice in the header"
    elif damage == "title_row":
        register.rows.insert(0, list(register.header))
        register.header = ["Synthetic register — exported 2024"]
        register.good_lines = {line + 1: key for line, key in register.good_lines.items()}
        register.bad_lines = {line + 1 for line in register.bad_lines}
        register.file_problem = register.file_problem or "header found on row 2"
    elif damage == "missing_key":
        dropped = key_columns(register.table)[0]
        index = register.header.index(dropped)
        register.header.pop(index)
        for row in register.rows:
            if len(row) > index:
                row.pop(index)
        register.readable = False
        register.file_problem = f"missing required column '{dropped}'"
    elif damage == "padded_header":
        register.header = [f" {h}\u00a0" for h in register.header]
    elif damage == "upper":
        register.header = [h.upper() for h in register.header]


@st.composite
def csv_form(draw: st.DrawFn, register: Register) -> tuple[str, str]:
    """How the CSV is written: (encoding, delimiter); some of them cannot be read as meant."""
    encoding = draw(st.sampled_from(("utf-8", "utf-8-sig", "cp1252", "utf-16", "latin-1")))
    delimiter = draw(st.sampled_from((",", ";", "\t", "|")))
    if encoding == "utf-16" or delimiter == "|":
        register.readable = False
        register.file_problem = "missing required column"  # no header can be found
    return encoding, delimiter


def write_csv(register: Register, path: Path, encoding: str, delimiter: str, newline: str) -> None:
    """Written as the encoding allows: what it cannot hold (a zero-width space in Latin-1)
    becomes a plain space, which the reader trims like any padding."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    writer.writerow(register.header)
    writer.writerows(register.rows)
    text = buffer.getvalue()
    if encoding in ("cp1252", "latin-1"):
        text = "".join(c if c.encode(encoding, "ignore") else " " for c in text)
    path.write_bytes(text.encode(encoding))


def read_and_validate(path: Path, source_id: str = "synthetic") -> CanonicalRows:
    return validate_source(read_register(source_id, path), VOCABULARIES)


def assert_named(problems: list[Problem], path: Path) -> None:
    """Every problem names its file; one about a row names the row and the column (cells
    beyond the header belong to no column); one about a header names the header's row."""
    for problem in problems:
        assert path.name in problem.file, problem
        if problem.about_row:
            assert problem.row is not None, problem
            assert problem.column is not None or EXTRA_CELLS in problem.message, problem
        elif "column" in problem.message and "header" in problem.message:
            assert problem.row is not None and problem.column is not None, problem


def assert_outcome(register: Register, result: CanonicalRows, path: Path) -> None:
    assert_named(result.problems, path)
    messages = " ".join(p.message for p in result.problems)
    if register.file_problem is not None:
        assert register.file_problem in messages, messages
    if not register.readable:
        assert any(p.severity == "error" for p in result.problems), "damage went unreported"
        return
    assert register.table not in result.unreadable_tables, messages
    loaded = {
        row[ID_COLUMNS[register.table]] if register.table != "status_events" else None
        for row in result.tables.get(register.table, [])
    }
    rejected_lines = {p.row for p in result.problems if p.about_row and p.severity == "error"}
    for line, key in register.good_lines.items():
        assert line not in rejected_lines, (line, messages)
        if register.table != "status_events":
            assert key in loaded, (line, key, messages)
    for line in register.bad_lines:
        assert line in rejected_lines, (line, messages)


@settings(PROPERTY_SETTINGS, max_examples=800)
@given(data=st.data(), newline=st.sampled_from(("\n", "\r\n", "\r")))
def test_malformed_csv_registers_never_crash_and_keep_their_good_rows(
    data: st.DataObject, newline: str
) -> None:
    register = data.draw(registers(xlsx=False))
    data.draw(header_damage(register))
    encoding, delimiter = data.draw(csv_form(register))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{register.table}.csv"
        write_csv(register, path, encoding, delimiter, newline)
        result = read_and_validate(path)
    assert_outcome(register, result, path)


@st.composite
def workbook_damage(draw: st.DrawFn, register: Register) -> list[str]:
    """Merged cells across a row, typed cells, error values: what a workbook adds."""
    ranges = []
    if draw(st.booleans()) and len(register.rows) > 1:
        index = draw(st.integers(0, len(register.rows) - 1))
        line = index + 2
        width = len(register.header)
        if width > 1:
            ranges.append(f"A{line}:B{line}")
            register.good_lines.pop(line, None)
            register.bad_lines.discard(line)
    return ranges


@settings(PROPERTY_SETTINGS, max_examples=500)
@given(data=st.data())
def test_malformed_xlsx_registers_never_crash_and_keep_their_good_rows(
    data: st.DataObject,
) -> None:
    register = data.draw(registers(xlsx=True))
    data.draw(header_damage(register))
    merged = data.draw(workbook_damage(register))
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = data.draw(st.sampled_from([register.table, register.table.upper() + " "]))
    sheet.append(register.header)
    for row in register.rows:
        sheet.append([_typed(cell) for cell in row])
    for cell_range in merged:
        sheet.merge_cells(cell_range)
    if data.draw(st.booleans()):
        extra = workbook.create_sheet("Notes")
        extra.append(["Synthetic notes sheet", "=1/0"])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "register.xlsx"
        workbook.save(path)
        result = read_and_validate(path)
    assert_outcome(register, result, path)


def _typed(cell: object) -> object:
    """Numbers typed as numbers, as a spreadsheet stores them."""
    if isinstance(cell, str) and cell.isdigit() and len(cell) < 10:
        return int(cell)
    return cell


@settings(PROPERTY_SETTINGS, max_examples=100)
@given(junk=st.binary(min_size=0, max_size=2000))
def test_a_file_that_is_not_a_workbook_fails_its_source_by_name(junk: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "register.xlsx"
        path.write_bytes(junk)
        try:
            read_and_validate(path)
        except SourceError as error:
            assert "register.xlsx" in str(error)
            assert "cannot open workbook" in str(error)
        else:
            raise AssertionError("junk bytes were read as a workbook")


@settings(PROPERTY_SETTINGS, max_examples=100)
@given(junk=st.binary(min_size=0, max_size=2000), table=st.sampled_from(TABLES))
def test_random_bytes_as_a_csv_register_are_reported_not_crashed_on(
    junk: bytes, table: str
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{table}.csv"
        path.write_bytes(junk)
        result = read_and_validate(path)
    assert_named(result.problems, path)
    assert any(p.severity == "error" for p in result.problems)
