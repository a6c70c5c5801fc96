"""Blank registers for a committee secretariat: CSV files and one XLSX workbook.

Both carry exactly the columns of register_columns.csv; the workbook adds a `columns`
sheet with the reference, so the person filling it in does not need the documentation open.
"""

from __future__ import annotations

import csv
from pathlib import Path

from ingest.register_format import register_columns

WORKBOOK_NAME = "register.xlsx"


def write_template(out_dir: Path) -> list[Path]:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    for table, columns in register_columns().items():
        path = out_dir / f"{table}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerow([c.name for c in columns])
        written.append(path)
        sheet = workbook.create_sheet(table)
        sheet.append([c.name for c in columns])
        for cell in sheet[1]:
            cell.font = bold
        sheet.freeze_panes = "A2"
    reference = workbook.create_sheet("columns")
    reference.append(["table", "column", "type", "required", "meaning", "example"])
    for cell in reference[1]:
        cell.font = bold
    for table, columns in register_columns().items():
        for c in columns:
            required = "key" if c.is_key else ("yes" if c.required else "no")
            reference.append([table, c.name, c.type, required, c.description, c.example])
    workbook_path = out_dir / WORKBOOK_NAME
    workbook.save(workbook_path)
    written.append(workbook_path)
    return written
