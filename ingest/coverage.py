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


def _table(
    header: list[str],
    rows: list[list[object]],
    align_right_from: int,
    left: tuple[int, ...] = (),
) -> str:
    """A Markdown table; numeric columns (from `align_right_from`, except `left`) align right."""
    lines = ["| " + " | ".join(header) + " |"]
    aligns = [
        "---:" if i >= align_right_from and i not in left else "---" for i in range(len(header))
    ]
    lines.append("|" + "|".join(aligns) + "|")
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


_CYCLE_SQL = """
    SELECT
        c.institution_id,
        c.institution_name,
        (SELECT min(k.source_id) FROM current_cycles AS k WHERE k.cycle_id = c.cycle_id),
        c.cycle_id,
        uptake_date_label(c.handed_over_on, c.handed_over_on_precision),
        c.declared_count,
        c.items_known,
        c.chapters_known,
        c.responses_item,
        c.responses_collective,
        c.responses_in_aggregate,
        c.round_response_basis,
        c.items_with_status,
        (SELECT count(*) FROM current_outcome_reports AS o WHERE o.cycle_id = c.cycle_id),
        (SELECT count(*) FROM current_milestones AS m WHERE m.cycle_id = c.cycle_id),
        uptake_date_label(c.checked_on, c.checked_on_precision),
        c.follow_up_complete
    FROM cycle_indicators AS c
    WHERE NOT c.is_synthetic
    ORDER BY c.institution_id, c.started_on NULLS LAST, c.cycle_id
"""

_DATE_LABEL_MACRO = """
CREATE OR REPLACE TEMP MACRO uptake_date_label(day, precision) AS
    CASE WHEN day IS NULL THEN NULL
         WHEN precision = 'year' THEN strftime(day, '%Y')
         WHEN precision = 'month' THEN strftime(day, '%Y-%m')
         ELSE strftime(day, '%Y-%m-%d')
    END
"""


@dataclass(frozen=True)
class CycleFigures:
    """One cycle's row of the coverage tables, straight from cycle_indicators."""

    institution_id: str
    institution_name: str
    source_id: str | None
    cycle_id: str
    handed_over: str | None
    declared: int | None
    listed: int
    chapters: int
    answered_item: int
    answered_collective: int
    in_aggregate: int
    round_basis: str
    with_status: int
    outcome_reports: int
    milestones: int
    checked_on: str | None
    follow_up_complete: bool | None

    @property
    def answered(self) -> int:
        return self.answered_item + self.answered_collective


def cycle_figures(con: duckdb.DuckDBPyConnection) -> list[CycleFigures]:
    """Every real cycle's figures, ordered by institution, then start."""
    con.execute(_DATE_LABEL_MACRO)
    return [CycleFigures(*row) for row in con.execute(_CYCLE_SQL).fetchall()]


ROUND_BASIS_LABELS = {
    "item": "item answers",
    "collective": "collective answer",
    "aggregate": "answer in aggregate",
    "not_recorded": "not recorded",
}


def _checked(cycle: CycleFigures) -> str | None:
    if cycle.checked_on is None:
        return None
    return f"{cycle.checked_on} (complete)" if cycle.follow_up_complete else cycle.checked_on


def cycles_table(cycles: list[CycleFigures]) -> str:
    """Per cycle: declared, listed, answered (by evidence) and observed recommendations."""
    header = [
        "Cycle",
        "Handed over",
        "Declared",
        "Listed",
        "Listed of declared",
        "Chapters",
        "Answered: item",
        "Answered: collective",
        "Answered in aggregate only",
        "Answered of listed",
        "The round's own answer",
        "With a status",
        "Outcome reports",
        "Milestones",
        "Sources checked",
    ]
    rows: list[list[object]] = [
        [
            f"`{c.cycle_id}`",
            c.handed_over,
            c.declared,
            c.listed,
            _share(c.listed, c.declared),
            c.chapters,
            c.answered_item,
            c.answered_collective,
            c.in_aggregate,
            _share(c.answered, c.listed),
            ROUND_BASIS_LABELS.get(c.round_basis, c.round_basis),
            c.with_status,
            c.outcome_reports,
            c.milestones,
            _checked(c),
        ]
        for c in cycles
    ]
    return _table(header, rows, align_right_from=2, left=(10, 14))


def institutions_table(cycles: list[CycleFigures]) -> str:
    """Per institution, and in total: the cycle figures summed (all of them are counts)."""
    header = [
        "Institution",
        "Register",
        "Cycles",
        "Declared (cycles without a count)",
        "Listed",
        "Listed of declared",
        "Chapters",
        "Answered: item",
        "Answered: collective",
        "Answered in aggregate only",
        "Answered of listed",
        "With a status",
        "Outcome reports",
        "Milestones",
    ]
    groups: dict[str, list[CycleFigures]] = {}
    for c in cycles:
        groups.setdefault(c.institution_id, []).append(c)
    rows: list[list[object]] = []
    for inst_id, mine in groups.items():
        register = (mine[0].source_id or "").removeprefix("register-") or None
        rows.append([f"{mine[0].institution_name} (`{inst_id}`)", register, *_sums(mine)])
    rows.append(["**Total**", "", *(f"**{v}**" for v in _sums(cycles))])
    return _table(header, rows, align_right_from=2)


def _sums(cycles: list[CycleFigures]) -> list[object]:
    declared = sum(c.declared or 0 for c in cycles)
    without = sum(1 for c in cycles if c.declared is None)
    listed = sum(c.listed for c in cycles)
    in_declared = sum(c.listed for c in cycles if c.declared is not None)
    answered = sum(c.answered for c in cycles)
    return [
        len(cycles),
        f"{declared} ({without})",
        listed,
        _share(in_declared, declared),
        sum(c.chapters for c in cycles),
        sum(c.answered_item for c in cycles),
        sum(c.answered_collective for c in cycles),
        sum(c.in_aggregate for c in cycles),
        _share(answered, listed),
        sum(c.with_status for c in cycles),
        sum(c.outcome_reports for c in cycles),
        sum(c.milestones for c in cycles),
    ]


def searches_list(cycles: list[CycleFigures], searches: list[Search]) -> str:
    """The searches that found nothing, grouped by cycle in the cycles table's order."""
    order = [c.cycle_id for c in cycles]
    unknown = sorted({s.cycle_id for s in searches} - set(order))
    if unknown:
        raise CoverageError(f"searches name cycle(s) not in the snapshot: {', '.join(unknown)}")
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


def render_tables(con: duckdb.DuckDBPyConnection, searches: list[Search]) -> dict[str, str]:
    """Every generated block, by marker name."""
    cycles = cycle_figures(con)
    return {
        "institutions": institutions_table(cycles),
        "cycles": cycles_table(cycles),
        "searches": searches_list(cycles, searches),
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
