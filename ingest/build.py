"""Build and publish a snapshot: validate → load → views → publish.

A build reads its sources, starts a new snapshot file from a copy of the current one,
merges every source that could be read, creates the indicator views and only then publishes
the file. A source that fails keeps its previous rows; a build that dies leaves the previous
snapshot current.
"""

from __future__ import annotations

import datetime as dt
import time
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from ingest import __version__
from ingest.load import (
    MergeCounts,
    copy_previous,
    create_schema,
    foreign_owned_ids,
    merge_entities,
    merge_status_events,
)
from ingest.paths import SOURCES_FILE, VIEWS_FILE
from ingest.records import CanonicalRows, Problem, SourceError, SourceRows
from ingest.register_format import TABLE_ORDER
from ingest.registers import read_register
from ingest.snapshot import (
    build_lock,
    current_snapshot,
    new_snapshot_name,
    partial_path,
    prune,
    publish,
    remove_stale_partials,
)
from ingest.validate import ID_COLUMNS, check_references, validate_source
from ingest.vocab import Vocabularies, load_vocabularies

Step = Callable[[str], None]


@dataclass
class SourceOutcome:
    """What happened to one source in one run: the row of the summary table."""

    source_id: str
    kind: str
    status: str = "ok"
    rows_read: int = 0
    counts: MergeCounts = field(default_factory=MergeCounts)
    problems: list[Problem] = field(default_factory=list)
    error: str | None = None

    @property
    def rejected(self) -> int:
        """Rows rejected: distinct (file, row) pairs with an error."""
        return len({(p.file, p.row) for p in self.problems if p.severity == "error"})


@dataclass
class BuildResult:
    run_id: int
    snapshot: Path | None
    outcomes: list[SourceOutcome]

    @property
    def failed_sources(self) -> list[SourceOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def rejected_rows(self) -> int:
        return sum(o.rejected for o in self.outcomes)


def load_source_config(path: Path = SOURCES_FILE) -> list[dict[str, Any]]:
    """The [[sources]] tables of the source configuration file."""
    with path.open("rb") as handle:
        config = tomllib.load(handle)
    sources = config.get("sources", [])
    for source in sources:
        source.setdefault("_base", str(path.parent))
    return sources


def read_registers(
    config: Iterable[dict[str, Any]], display_root: Path | None = None
) -> list[tuple[dict[str, Any], SourceRows | SourceError]]:
    """Read every configured register source from disk."""
    read: list[tuple[dict[str, Any], SourceRows | SourceError]] = []
    for source in config:
        if source.get("kind") != "register":
            continue
        path = Path(source["_base"]) / source["path"]
        if not path.exists():
            read.append((source, SourceError(source["id"], "register not found", str(path))))
            continue
        read.append((source, read_register(source["id"], path, display_root)))
    return read


def _current_ids(
    con: duckdb.DuckDBPyConnection, reread: set[str]
) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Current ids of the previous snapshot: those of sources not re-read in this run
    (references may use them as they are) and all of them (a rejected row keeps its
    previous version, which references may still use)."""
    carried: dict[str, set[str]] = {}
    everything: dict[str, set[str]] = {}
    for table in ("institutions", "cycles", "recommendations"):
        key = ID_COLUMNS[table]
        rows = con.execute(
            f"SELECT {key}, source_id FROM main.{table} WHERE withdrawn_run_id IS NULL"  # noqa: S608
        ).fetchall()
        everything[table] = {r[0] for r in rows}
        carried[table] = {r[0] for r in rows if r[1] not in reread}
    return carried, everything


def build_snapshot(
    data_dir: Path,
    inputs: list[tuple[dict[str, Any], SourceRows | SourceError]],
    command: str = "build",
    step: Step | None = None,
    vocabularies: Vocabularies | None = None,
    as_of: dt.date | None = None,
) -> BuildResult:
    """Validate, load, create views and publish one snapshot from the given inputs."""
    say = step or (lambda _message: None)
    data_dir.mkdir(parents=True, exist_ok=True)
    vocabularies = vocabularies or load_vocabularies()
    started_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with build_lock(data_dir):
        remove_stale_partials(data_dir)
        previous = current_snapshot(data_dir)

        t0 = time.perf_counter()
        outcomes: dict[str, SourceOutcome] = {}
        validated: list[CanonicalRows] = []
        for config, read in inputs:
            outcome = SourceOutcome(source_id=config["id"], kind=config.get("kind", "register"))
            outcomes[outcome.source_id] = outcome
            if isinstance(read, SourceError):
                outcome.status = "failed"
                outcome.error = str(read)
                continue
            canonical = validate_source(read, vocabularies)
            outcome.rows_read = canonical.rows_read
            validated.append(canonical)
        say(f"validate: {len(validated)} source(s) read in {time.perf_counter() - t0:.2f}s")

        t0 = time.perf_counter()
        name_placeholder = partial_path(data_dir, f"building-{started_at:%Y%m%dT%H%M%S%f}")
        con = duckdb.connect(str(name_placeholder))
        try:
            create_schema(con)
            last_run = copy_previous(con, previous) if previous else 0
            run_id = last_run + 1
            reread = {c.source_id for c in validated}
            check_references(validated, *_current_ids(con, reread))
            for canonical in validated:
                outcome = outcomes[canonical.source_id]
                _merge_source(con, canonical, outcome, run_id, started_at)
                outcome.problems = canonical.problems
            _record_run(con, run_id, command, started_at, inputs, outcomes, as_of)
            say(f"load: run {run_id} merged in {time.perf_counter() - t0:.2f}s")

            t0 = time.perf_counter()
            con.execute(VIEWS_FILE.read_text(encoding="utf-8"))
            say(f"views: created in {time.perf_counter() - t0:.2f}s")

            t0 = time.perf_counter()
            name = new_snapshot_name(run_id, started_at, synthetic=command == "synth")
            con.execute("UPDATE ingest_runs SET snapshot_file = ? WHERE run_id = ?", [name, run_id])
            con.execute("CHECKPOINT")
        finally:
            con.close()
        final_partial = partial_path(data_dir, name)
        name_placeholder.replace(final_partial)
        snapshot = publish(data_dir, final_partial, name)
        prune(data_dir)
        say(f"publish: {snapshot.name} is current ({time.perf_counter() - t0:.2f}s)")
    return BuildResult(run_id=run_id, snapshot=snapshot, outcomes=list(outcomes.values()))


def _merge_source(
    con: duckdb.DuckDBPyConnection,
    canonical: CanonicalRows,
    outcome: SourceOutcome,
    run_id: int,
    started_at: dt.datetime,
) -> None:
    for table in TABLE_ORDER:
        if table in canonical.unreadable_tables:
            continue
        rows = canonical.tables.get(table, [])
        owned = foreign_owned_ids(
            con, table, canonical.source_id, [r[ID_COLUMNS[table]] for r in rows]
        )
        if owned:
            for row in rows:
                row_id = row[ID_COLUMNS[table]]
                if row_id not in owned:
                    continue
                file, _, line = row["source_ref"].rpartition(":")
                canonical.problems.append(
                    Problem(
                        canonical.source_id,
                        file,
                        int(line) if line.isdigit() else None,
                        ID_COLUMNS[table],
                        f"id '{row_id}' is already provided by source '{owned[row_id]}'",
                        value=row_id,
                    )
                )
            rows = [r for r in rows if r[ID_COLUMNS[table]] not in owned]
        keep = canonical.rejected_keys.get(table, set())
        if table == "status_events":
            counts = merge_status_events(
                con, canonical.source_id, rows, run_id, started_at, canonical.status_origin, keep
            )
        else:
            counts = merge_entities(con, table, canonical.source_id, rows, run_id, keep)
        outcome.counts.add(counts)


def _record_run(
    con: duckdb.DuckDBPyConnection,
    run_id: int,
    command: str,
    started_at: dt.datetime,
    inputs: list[tuple[dict[str, Any], SourceRows | SourceError]],
    outcomes: dict[str, SourceOutcome],
    as_of: dt.date | None,
) -> None:
    finished_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    failed = any(o.status == "failed" for o in outcomes.values())
    con.execute(
        "INSERT INTO ingest_runs VALUES (?, ?, ?, ?, ?, NULL, ?, ?)",
        [
            run_id,
            command,
            started_at,
            finished_at,
            "partial" if failed else "ok",
            __version__,
            command == "synth",
        ],
    )
    for config, _read in inputs:
        outcome = outcomes[config["id"]]
        location = config.get("path") or config.get("endpoint") or config.get("base_url")
        con.execute(
            """INSERT INTO sources (source_id, kind, title, location, licence, attribution,
                                    last_run_id, last_status)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (source_id) DO UPDATE SET kind = excluded.kind,
                   title = excluded.title, location = excluded.location,
                   licence = excluded.licence, attribution = excluded.attribution,
                   last_run_id = excluded.last_run_id, last_status = excluded.last_status""",
            [
                outcome.source_id,
                outcome.kind,
                config.get("title"),
                location,
                config.get("licence"),
                config.get("attribution"),
                run_id,
                outcome.status,
            ],
        )
        if outcome.status == "ok":
            con.execute(
                "UPDATE sources SET last_success_run_id = ?, last_success_at = ? "
                "WHERE source_id = ?",
                [run_id, finished_at, outcome.source_id],
            )
        con.execute(
            "INSERT INTO source_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                run_id,
                outcome.source_id,
                outcome.status,
                outcome.rows_read,
                outcome.counts.new,
                outcome.counts.changed,
                outcome.counts.unchanged,
                outcome.counts.withdrawn,
                outcome.rejected,
                outcome.error,
            ],
        )
        for problem in outcome.problems:
            if problem.severity != "error":
                continue
            con.execute(
                "INSERT INTO rejects VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    run_id,
                    problem.source_id,
                    problem.file,
                    problem.row,
                    problem.column,
                    problem.value,
                    problem.message,
                    problem.raw,
                ],
            )
    if as_of is not None:
        con.execute("INSERT OR REPLACE INTO snapshot_meta VALUES ('as_of', ?)", [as_of.isoformat()])
    con.execute(
        "INSERT OR REPLACE INTO snapshot_meta VALUES ('run_id', ?), ('built_at', ?)",
        [str(run_id), finished_at.isoformat()],
    )
