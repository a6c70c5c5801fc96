"""The register format: which tables and columns a register has, read from register_columns.csv.

The column reference is data so that the checker, the templates and the documentation
can never disagree about it.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from ingest.paths import REGISTER_COLUMNS_FILE

# Load order: a table may only reference tables earlier in this list.
TABLE_ORDER = (
    "institutions",
    "cycles",
    "milestones",
    "recommendations",
    "collective_responses",
    "outcome_reports",
    "responses",
    "status_events",
    "congruence",
    "summaries",
)


@dataclass(frozen=True)
class ColumnSpec:
    table: str
    name: str
    type: str
    is_key: bool
    required: bool
    description: str
    example: str

    @property
    def vocabulary(self) -> str | None:
        return self.type.removeprefix("vocab:") if self.type.startswith("vocab:") else None

    @property
    def referenced_table(self) -> str | None:
        """The table a `ref:` (one id) or `refs:` (ids separated by spaces) column points at."""
        for prefix in ("ref:", "refs:"):
            if self.type.startswith(prefix):
                return self.type.removeprefix(prefix)
        return None

    @property
    def is_id_list(self) -> bool:
        return self.type.startswith("refs:")


@cache
def register_columns() -> dict[str, tuple[ColumnSpec, ...]]:
    """Columns per table, in template order."""
    tables: dict[str, list[ColumnSpec]] = {name: [] for name in TABLE_ORDER}
    with REGISTER_COLUMNS_FILE.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            spec = ColumnSpec(
                table=row["table"],
                name=row["column"],
                type=row["type"],
                is_key=row["required"] == "key",
                required=row["required"] in ("key", "yes"),
                description=row["description"],
                example=row["example"],
            )
            tables[spec.table].append(spec)
    return {name: tuple(columns) for name, columns in tables.items()}


def key_columns(table: str) -> tuple[str, ...]:
    return tuple(c.name for c in register_columns()[table] if c.is_key)


def column_reference_markdown() -> str:
    """The column reference as Markdown tables, one per register table."""
    parts: list[str] = []
    for table, columns in register_columns().items():
        parts.append(f"### `{table}`\n")
        parts.append("| column | type | required | meaning | example |")
        parts.append("|---|---|---|---|---|")
        for c in columns:
            required = "key" if c.is_key else ("yes" if c.required else "no")
            example = f"`{c.example}`" if c.example else ""
            parts.append(f"| `{c.name}` | {c.type} | {required} | {c.description} | {example} |")
        parts.append("")
    return "\n".join(parts)
