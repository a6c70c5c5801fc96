"""The snapshot is the one contract between the wings: the app reads views, never tables.

A page that queried a base table would have to repeat what "current", "answered" or "overdue"
means, and the two definitions would drift. These tests read the SQL the dashboard runs and
the scales it shows, and check both against a real snapshot.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from pathlib import Path

from dashboard import palette

REPO_ROOT = Path(__file__).resolve().parents[2]
QUERIES = REPO_ROOT / "dashboard" / "queries.py"
SCHEMA = REPO_ROOT / "ingest" / "schema.sql"
_RELATION = re.compile(r"\b(?:FROM|JOIN)\s+([A-Za-z_][A-Za-z0-9_]*)", re.IGNORECASE)


def _relations_named_in(sql: str) -> set[str]:
    return {name.lower() for name in _RELATION.findall(sql)}


def _sql_strings(module: Path) -> list[str]:
    """Every string literal of the module that is a SQL statement (holds SELECT), including
    the literal parts of f-strings."""
    tree = ast.parse(module.read_text(encoding="utf-8"))
    texts = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]
    return [text for text in texts if "SELECT" in text.upper()]


def _base_tables() -> set[str]:
    text = SCHEMA.read_text(encoding="utf-8")
    return {name.lower() for name in re.findall(r"CREATE TABLE\s+(\w+)", text)}


def test_the_dashboard_queries_name_only_views(query: Callable[..., list[tuple]]) -> None:
    named = set().union(*(_relations_named_in(sql) for sql in _sql_strings(QUERIES)))
    # duckdb_views() is DuckDB's own catalogue, asked which views a snapshot has.
    named.discard("duckdb_views")
    views = {row[0] for row in query("SELECT view_name FROM duckdb_views() WHERE NOT internal")}
    macros = {
        row[0]
        for row in query(
            "SELECT function_name FROM duckdb_functions() "
            "WHERE macro_definition IS NOT NULL AND NOT internal"
        )
    }
    assert named, "no FROM/JOIN found: the pattern no longer matches the query module"
    assert not named & _base_tables(), f"queries.py reads base tables: {named & _base_tables()}"
    assert named <= views | macros, f"not views of the snapshot: {named - views - macros}"


def test_a_base_table_in_the_queries_would_be_caught() -> None:
    """The check above can fail: a statement over `responses` is seen as a base-table read."""
    assert "responses" in _relations_named_in("SELECT * FROM responses AS p JOIN cycles c")
    assert {"responses", "cycles"} <= _base_tables()


def test_every_state_the_snapshot_can_show_has_a_colour(query: Callable[..., list[tuple]]) -> None:
    """palette.py maps values to colours and nothing else; the values come from the snapshot's
    scales, so a value added to scales.csv without a colour is caught here."""
    for scale, colours in palette.SCALES.items():
        values = [
            row[0]
            for row in query(
                "SELECT value FROM scale_values WHERE vocabulary = ? ORDER BY value_order",
                [scale],
            )
        ]
        assert values, f"the snapshot has no scale {scale!r}"
        assert list(colours) == values, f"{scale}: palette {list(colours)} != scale {values}"
