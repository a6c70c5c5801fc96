"""Coverage tables of the bundled data, generated from a published snapshot.

`docs/data-coverage.md` says how much of each assembly's follow-up the registers hold. Its
figures used to be typed by hand and drifted from the data; now the tables between marker
comments (`<!-- coverage:NAME:start -->` … `<!-- coverage:NAME:end -->`) are rendered here from
the snapshot's views, and the prose around them stays hand-written. The "searches made" list
comes from a small data file, because a search that found nothing leaves no row in a register.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingest.paths import DATA_DIR

SEARCHES_FILE = DATA_DIR / "coverage_searches.csv"
SEARCH_COLUMNS = ("cycle_id", "searched", "found_nothing_because")
TABLE_NAMES = ("institutions", "cycles", "searches")


class CoverageError(ValueError):
    """The document or the searches file cannot be rendered as asked."""


@dataclass(frozen=True)
class Search:
    cycle_id: str
    searched: str
    found_nothing_because: str


def read_searches(path: Path = SEARCHES_FILE) -> list[Search]:
    """The searches that found nothing, in file order; a malformed row is an error naming it."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in SEARCH_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise CoverageError(f"{path}: missing column(s) {', '.join(missing)}")
        searches = []
        for line, row in enumerate(reader, start=2):
            values = {c: (row.get(c) or "").strip() for c in SEARCH_COLUMNS}
            empty = [c for c, v in values.items() if not v]
            if empty:
                raise CoverageError(f"{path}:{line}: empty {', '.join(empty)}")
            searches.append(Search(**values))
    return searches


def _cell(value: object) -> str:
    """A value as a Markdown table cell: pipes escaped, line breaks flattened."""
    if value is None:
        return "—"
    return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _share(part: int, whole: int | None) -> str:
    if not whole:
        return "—"
    return f"{round(100 * part / whole)} %"


def _table(header: list[str], rows: list[list[object]], align_right_from: int) -> str:
    lines = ["| " + " | ".join(header) + " |"]
    lines.append(
        "|" + "|".join("---:" if i >= align_right_from else "---" for i in range(len(header))) + "|"
    )
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _cycle_rows(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        """
        SELECT
            c.institution_id,
            c.cycle_id,
            CASE WHEN c.handed_over_on IS NULL THEN NULL
                 WHEN c.handed_over_on_precision = 'year' THEN strftime(c.handed_over_on, '%Y')
                 WHEN c.handed_over_on_precision = 'month'
                     THEN strftime(c.handed_over_on, '%Y-%m')
                 ELSE strftime(c.handed_over_on, '%Y-%m-%d')
            END AS handed_over,
            c.declared_count,
            c.items_known,
            c.chapters_known,
            c.responses_known,
            c.items_with_status,
            (SELECT count(*) FROM current_outcome_reports AS o WHERE o.cycle_id = c.cycle_id),
            (SELECT count(*) FROM current_milestones AS m WHERE m.cycle_id = c.cycle_id)
        FROM cycle_indicators AS c
        WHERE NOT c.is_synthetic
        ORDER BY c.institution_id, c.started_on NULLS LAST, c.cycle_id
        """
    ).fetchall()


def cycles_table(con: duckdb.DuckDBPyConnection) -> str:
    """Per cycle: declared, listed, answered and observed recommendations."""
    rows = []
    for (
        _inst,
        cycle_id,
        handed,
        declared,
        items,
        chapters,
        answered,
        with_status,
        reports,
        milestones,
    ) in _cycle_rows(con):
        rows.append(
            [
                f"`{cycle_id}`",
                handed,
                declared,
                items,
                _share(items, declared),
                chapters,
                answered,
                _share(answered, items),
                with_status,
                reports,
                milestones,
            ]
        )
    header = [
        "Cycle",
        "Handed over",
        "Declared",
        "Listed",
        "Listed of declared",
        "Chapters",
        "With a response",
        "Response share",
        "With a status",
        "Outcome reports",
        "Milestones",
    ]
    return _table(header, rows, align_right_from=2)


def institutions_table(con: duckdb.DuckDBPyConnection) -> str:
    """Per institution, and in total: cycles, declared and listed recommendations, evidence."""
    figures = con.execute(
        """
        SELECT
            i.institution_id,
            i.institution_name,
            (SELECT min(c.source_id) FROM current_cycles AS c
             WHERE c.institution_id = i.institution_id) AS source_id,
            i.n_cycles,
            i.declared_count,
            i.n_cycles - i.cycles_with_declared AS cycles_without_count,
            i.items_known,
            i.items_in_declared_cycles,
            (SELECT count(*) FROM current_recommendations AS r
             JOIN current_cycles AS c USING (cycle_id)
             WHERE c.institution_id = i.institution_id AND r.granularity = 'chapter'),
            i.responses_known,
            i.items_with_status,
            (SELECT count(*) FROM current_outcome_reports AS o
             JOIN current_cycles AS c USING (cycle_id)
             WHERE c.institution_id = i.institution_id),
            (SELECT count(*) FROM current_milestones AS m
             JOIN current_cycles AS c USING (cycle_id)
             WHERE c.institution_id = i.institution_id)
        FROM institution_indicators AS i
        WHERE NOT i.is_synthetic
        ORDER BY i.institution_id
        """
    ).fetchall()
    rows: list[list[object]] = []
    totals = [0] * 10
    for inst_id, name, source_id, *numbers in figures:
        numbers = [n or 0 for n in numbers]
        n_cycles, declared, without, items, in_declared, chapters, answered, status, rep, ms = (
            numbers
        )
        totals = [t + n for t, n in zip(totals, numbers, strict=True)]
        register = (source_id or "").removeprefix("register-") or None
        rows.append(
            [
                f"{name} (`{inst_id}`)",
                register,
                n_cycles,
                f"{declared} ({without})",
                items,
                _share(in_declared, declared),
                chapters,
                answered,
                _share(answered, items),
                status,
                rep,
                ms,
            ]
        )
    n_cycles, declared, without, items, in_declared, chapters, answered, status, rep, ms = totals
    rows.append(
        [
            "**Total**",
            "",
            f"**{n_cycles}**",
            f"**{declared} ({without})**",
            f"**{items}**",
            f"**{_share(in_declared, declared)}**",
            f"**{chapters}**",
            f"**{answered}**",
            f"**{_share(answered, items)}**",
            f"**{status}**",
            f"**{rep}**",
            f"**{ms}**",
        ]
    )
    header = [
        "Institution",
        "Register",
        "Cycles",
        "Declared (cycles without a count)",
        "Listed",
        "Listed of declared",
        "Chapters",
        "With a response",
        "Response share",
        "With a status",
        "Outcome reports",
        "Milestones",
    ]
    return _table(header, rows, align_right_from=2)


def searches_list(con: duckdb.DuckDBPyConnection, searches: list[Search]) -> str:
    """The searches that found nothing, grouped by cycle in the cycles table's order."""
    order = [row[1] for row in _cycle_rows(con)]
    unknown = sorted({s.cycle_id for s in searches} - set(order))
    if unknown:
        raise CoverageError(
            f"{SEARCHES_FILE.name}: cycle(s) not in the snapshot: {', '.join(unknown)}"
        )
    lines: list[str] = []
    for cycle_id in order:
        mine = [s for s in searches if s.cycle_id == cycle_id]
        if not mine:
            continue
        lines.append(f"- `{cycle_id}`")
        lines += [
            f"  - Searched {_flat(s.searched)} — {_flat(s.found_nothing_because)}" for s in mine
        ]
    return "\n".join(lines) if lines else "_No search is recorded._"


def _flat(text: str) -> str:
    return " ".join(text.split())


def render_tables(
    con: duckdb.DuckDBPyConnection, searches: list[Search] | None = None
) -> dict[str, str]:
    """Every generated block, by marker name."""
    return {
        "institutions": institutions_table(con),
        "cycles": cycles_table(con),
        "searches": searches_list(con, read_searches() if searches is None else searches),
    }


def _markers(name: str) -> tuple[str, str]:
    return f"<!-- coverage:{name}:start -->", f"<!-- coverage:{name}:end -->"


def fill_document(text: str, blocks: dict[str, str]) -> str:
    """The document with each marked block replaced; everything outside the markers is kept."""
    for name, block in blocks.items():
        start, end = _markers(name)
        pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
        found = pattern.findall(text)
        if len(found) != 1:
            raise CoverageError(
                f"expected one '{start}' … '{end}' block, found {len(found)}: "
                "add the two marker lines where the table belongs"
            )
        replacement = f"{start}\n{block}\n{end}"
        text = pattern.sub(lambda _match, new=replacement: new, text)
    return text
