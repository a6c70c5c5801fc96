"""`ingest check`: validate register files without loading anything.

References are checked against the other tables of the same register folder, so a
secretariat can check one edited file and still be told when it points at a cycle that does
not exist; only problems in the files named on the command line are printed.
"""

from __future__ import annotations

from pathlib import Path

from ingest.records import Problem, SourceError, SourceRows
from ingest.register_format import TABLE_ORDER
from ingest.registers import read_register
from ingest.validate import check_references, validate_source
from ingest.vocab import load_vocabularies


def check_paths(paths: list[Path]) -> list[Problem]:
    vocabularies = load_vocabularies()
    problems: list[Problem] = []
    for path in paths:
        if not path.exists():
            problems.append(Problem("check", str(path), None, None, "no such file or folder"))
            continue
        try:
            rows = read_register("check", path)
        except SourceError as error:
            problems.append(Problem("check", str(path), None, None, str(error)))
            continue
        if path.is_file():
            _add_sibling_context(rows, path)
        canonical = validate_source(rows, vocabularies)
        check_references([canonical])
        problems.extend(
            p for p in canonical.problems if path.is_dir() or p.file.split("[")[0] == str(path)
        )
    return sorted(problems, key=lambda p: (p.file, p.row or 0, p.column or ""))


def _add_sibling_context(rows: SourceRows, path: Path) -> None:
    """Read the other tables of the file's register folder, for reference checks only."""
    if path.suffix.lower() != ".csv":
        return
    for sibling in sorted(path.parent.glob("*.csv")):
        if sibling == path or sibling.stem.lower() not in TABLE_ORDER:
            continue
        try:
            context = read_register("check", sibling)
        except SourceError:
            continue
        for table, table_rows in context.tables.items():
            rows.tables.setdefault(table, table_rows)
