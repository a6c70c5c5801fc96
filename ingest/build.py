"""Build and publish a snapshot: validate → load → views → publish.

A build reads its sources, starts a new snapshot file from a copy of the current one,
validates every source into it (each table staged in DuckDB as it is checked, never held
whole in Python), merges every source that could be read, creates the indicator views and
only then publishes the file. A source that fails keeps its previous rows; a build that dies
leaves the previous snapshot current.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from ingest import __version__
from ingest.frames import registered
from ingest.indicators import definitions_hash
from ingest.load import (
    MergeCounts,
    check_unique_keys,
    copy_previous,
    create_schema,
    merge_entities,
    merge_status_events,
    move_to_source,
)
from ingest.publish import seal_and_publish
from ingest.records import CanonicalRows, Problem, SourceError, SourceRows
from ingest.register_format import TABLE_ORDER
from ingest.registers import read_register, register_files
from ingest.snapshot import (
    build_lock,
    current_snapshot,
    new_snapshot_name,
    partial_path,
    remove_stale_partials,
)
from ingest.sources_config import LiveSource, RegisterSource, SourceConfig
from ingest.staging import (
    SourceStage,
    StagedTable,
    check_staged_references,
    delete_rows,
    drop_leftover_stages,
)
from ingest.validate import ID_COLUMNS, validate_source
from ingest.vocab import Vocabularies, load_vocabularies

Step = Callable[[str], None]
# DuckDB's own memory while merging and storing the views. By default it keeps up to 80 % of
# the machine's memory in its buffers; bounded, it writes what does not fit to a temporary
# folder next to the file being built (and removes it), so the build's peak stays modest.
# While rows are staged and merged, less: what the build holds in Python is then largest.
BUILD_MEMORY_LIMIT = "256MB"
STAGING_MEMORY_LIMIT = "192MB"


def leave_a_core_to_validation(con: duckdb.DuckDBPyConnection) -> None:
    """DuckDB keeps to one thread fewer than it would use (one per core) while registers
    are read; `RESET threads` gives it every core again.

    A register's blocks are validated by Polars in one thread while DuckDB stores the block
    before (ingest.staging.prefetched); with as many DuckDB threads as cores, the two compete
    for every core. On two cores, DuckDB kept to one made reading and validating the
    Europe-scale registers 0.7–1.3 s faster (8.0–8.5 s → 7.2–7.3 s).
    """
    threads = int(con.execute("SELECT current_setting('threads')").fetchone()[0])
    con.execute("SET threads = ?", [max(1, threads - 1)])


@dataclass(frozen=True)
class UnreadRegister:
    """A register found on disk, read only when its files differ from the last build's."""

    source_id: str
    path: Path
    display_root: Path | None = None

    def read(self) -> SourceRows:
        return read_register(
            self.source_id, self.path, self.display_root, columnar=True, streamed=True
        )

    def content_hash(self, vocabularies: Vocabularies) -> str:
        """SHA-256 of everything the register's rows are made from: its files' names (as
        messages show them) and bytes, the vocabularies and the ingest version."""
        digest = hashlib.sha256(f"uptake {__version__}\n".encode())
        files = register_files(self.path)
        vocabulary_files = sorted(Path(vocabularies.directory).glob("*.csv"))
        for label, file in [("register", f) for f in files] + [
            ("vocabulary", f) for f in vocabulary_files
        ]:
            name = file.name if label == "vocabulary" else _display_name(file, self.display_root)
            digest.update(f"{label} {name}\n".encode())
            with file.open("rb") as handle:
                digest.update(hashlib.file_digest(handle, "sha256").digest())
        return digest.hexdigest()


SourceInput = tuple[SourceConfig, SourceRows | SourceError | UnreadRegister]
# Which sources list each id in this run: table -> id -> source ids.
Claims = dict[str, dict[str, set[str]]]


class SyntheticSnapshotError(RuntimeError):
    """A real build must not inherit the rows of a synthetic snapshot."""


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
    # The register's files were byte-identical to the last build's: not read, rows kept.
    same_content: bool = False

    @property
    def rejected(self) -> int:
        """Rows rejected: distinct rows with an error (file-level findings reject none)."""
        return len(
            {(p.file, p.row) for p in self.problems if p.severity == "error" and p.about_row}
        )


@dataclass
class BuildResult:
    run_id: int
    snapshot: Path | None
    outcomes: list[SourceOutcome]
    # Nothing to do: every register was as the current snapshot recorded it, so no new
    # snapshot was written and CURRENT still names `snapshot` (built by run `run_id`).
    unchanged: bool = False

    @property
    def failed_sources(self) -> list[SourceOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def problems(self) -> list[Problem]:
        return [p for o in self.outcomes for p in o.problems if p.severity == "error"]


def read_registers(
    sources: Iterable[SourceConfig], display_root: Path | None = None
) -> list[SourceInput]:
    """Find every configured register source on disk; a missing one is a failed source.

    The files are read by the build, and only when their content changed since the last one.
    """
    read: list[SourceInput] = []
    for source in sources:
        if not isinstance(source, RegisterSource):
            continue
        if not source.path.exists():
            read.append((source, SourceError(source.id, "register not found", str(source.path))))
            continue
        if not register_files(source.path):
            read.append(
                (
                    source,
                    SourceError(
                        source.id, "no register files (CSV or XLSX) found", str(source.path)
                    ),
                )
            )
            continue
        read.append((source, UnreadRegister(source.id, source.path, display_root)))
    return read


def _display_name(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return str(path.resolve().relative_to(root.resolve()))
        except ValueError:
            pass
    return str(path)


def _previous_hashes(previous: Path | None) -> dict[str, tuple[str, int]]:
    """Content hash and reading run of each register as the current snapshot recorded them."""
    if previous is None:
        return {}
    with duckdb.connect(str(previous), read_only=True) as con:
        exists = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'register_contents'"
        ).fetchone()[0]
        if not exists:
            return {}
        rows = con.execute("SELECT source_id, content_hash, run_id FROM register_contents")
        return {r[0]: (r[1], r[2]) for r in rows.fetchall()}


def _unchanged_registers(
    inputs: list[SourceInput], previous: Path | None, vocabularies: Vocabularies
) -> tuple[dict[str, tuple[str, int]], dict[str, str]]:
    """Registers that need not be read (source id -> previous hash and run), and the content
    hash of every register found.

    A register is skipped only when no other source is read in this run either: a source
    that changed can withdraw an id the unchanged one points at, and only a full read sees it.
    """
    hashes = {
        config.id: read.content_hash(vocabularies)
        for config, read in inputs
        if isinstance(read, UnreadRegister)
    }
    recorded = _previous_hashes(previous)
    same = {
        source_id: recorded[source_id]
        for source_id, digest in hashes.items()
        if source_id in recorded and recorded[source_id][0] == digest
    }
    to_read = [
        config.id
        for config, read in inputs
        if not isinstance(read, SourceError) and config.id not in same
    ]
    return ({} if to_read else same), hashes


def _nothing_to_do(
    previous: Path,
    inputs: list[SourceInput],
    unchanged: dict[str, tuple[str, int]],
    as_of: dt.date,
) -> bool:
    """Whether the current snapshot already is what this build would publish.

    It is when every source is a register read before with the same content, each one's
    last run succeeded and its configuration (title, licence…) is the same, the reference
    date is the same and the snapshot's schema and views are this version's. A new day
    still rebuilds: overdue and stale figures are computed as of the snapshot's date.
    """
    if not inputs or any(config.id not in unchanged for config, _read in inputs):
        return False
    with duckdb.connect(str(previous), read_only=True) as con:
        meta = dict(con.execute("SELECT key, value FROM snapshot_meta").fetchall())
        if meta.get("as_of") != as_of.isoformat() or meta.get("definitions") != (
            definitions_hash()
        ):
            return False
        recorded = {
            r[0]: r[1:]
            for r in con.execute(
                "SELECT source_id, kind, title, location, licence, attribution, last_status "
                "FROM sources"
            ).fetchall()
        }
    for config, _read in inputs:
        location = str(config.path) if isinstance(config, RegisterSource) else None
        wanted = (
            config.kind,
            config.title,
            _relative_location(location),
            config.licence,
            config.attribution,
            "ok",
        )
        if recorded.get(config.id) != wanted:
            return False
    return True


def _unchanged_result(
    previous: Path,
    inputs: list[SourceInput],
    unchanged: dict[str, tuple[str, int]],
    say: Step,
) -> BuildResult:
    """The result of a build that found nothing to do: each register's rows and rejects as
    the current snapshot holds them; no file written, CURRENT left as it is."""
    with duckdb.connect(str(previous), read_only=True) as con:
        run_id = int(con.execute("SELECT max(run_id) FROM ingest_runs").fetchone()[0])
        outcomes = []
        for config, _read in inputs:
            outcome = SourceOutcome(source_id=config.id, kind=config.kind, same_content=True)
            _keep_unchanged(con, outcome, unchanged[config.id][1])
            outcomes.append(outcome)
    say(f"unchanged: every register is as run {run_id} read it; {previous.name} stays current")
    return BuildResult(run_id=run_id, snapshot=previous, outcomes=outcomes, unchanged=True)


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
    inputs: list[SourceInput],
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
        if previous is not None and previous.name.startswith("uptake-synthetic-"):
            raise SyntheticSnapshotError(
                f"the current snapshot in {data_dir} is synthetic ({previous.name}); real data "
                "are never built on top of it: use another --data-dir"
            )

        t0 = time.perf_counter()
        unchanged, hashes = _unchanged_registers(inputs, previous, vocabularies)
        if previous is not None and _nothing_to_do(
            previous, inputs, unchanged, as_of or started_at.date()
        ):
            return _unchanged_result(previous, inputs, unchanged, say)
        building = partial_path(data_dir, f"building-{started_at:%Y%m%dT%H%M%S%f}")
        con = duckdb.connect(str(building), config={"memory_limit": STAGING_MEMORY_LIMIT})
        try:
            leave_a_core_to_validation(con)
            create_schema(con)
            run_id = (copy_previous(con, previous) if previous else 0) + 1
            outcomes, validated = _validate_sources(
                con, inputs, unchanged, vocabularies, started_at, run_id
            )
            con.execute("RESET threads")  # every core for the merge
            say(f"validate: {len(validated)} source(s) read in {time.perf_counter() - t0:.2f}s")
            t0 = time.perf_counter()
            reread = {c.source_id for c in validated}
            check_staged_references(con, validated, reread)
            claims = _claims(con, validated)
            for canonical in validated:
                outcome = outcomes[canonical.source_id]
                _merge_source(con, canonical, outcome, run_id, reread, claims)
                outcome.problems = canonical.problems
                if canonical.source_id in hashes:
                    _record_content(con, canonical.source_id, hashes[canonical.source_id], run_id)
            for source_id, (_digest, read_run) in unchanged.items():
                _keep_unchanged(con, outcomes[source_id], read_run)
            drop_leftover_stages(con)
            check_unique_keys(con)
            _record_run(con, run_id, command, started_at, inputs, outcomes)
            say(f"load: run {run_id} merged in {time.perf_counter() - t0:.2f}s")
            name = new_snapshot_name(run_id, started_at, synthetic=command == "synth")
            con.execute("UPDATE ingest_runs SET snapshot_file = ? WHERE run_id = ?", [name, run_id])
            # Closed and opened again for the views: everything staging and merging left
            # in DuckDB's memory (its buffers, its allocator's caches) goes with the
            # connection, so the views start from the rows alone.
            con.execute("CHECKPOINT")
        finally:
            con.close()
        con = duckdb.connect(str(building), config={"memory_limit": BUILD_MEMORY_LIMIT})
        snapshot = seal_and_publish(
            con, building, data_dir, name, as_of or started_at.date(), vocabularies, say
        )
    return BuildResult(run_id=run_id, snapshot=snapshot, outcomes=list(outcomes.values()))


def _validate_sources(
    con: duckdb.DuckDBPyConnection,
    inputs: list[SourceInput],
    unchanged: dict[str, tuple[str, int]],
    vocabularies: Vocabularies,
    started_at: dt.datetime,
    run_id: int,
) -> tuple[dict[str, SourceOutcome], list[CanonicalRows]]:
    """Read and validate every source that needs it, staging its rows in the snapshot being
    built as they are checked; a source that cannot be read is a failed outcome."""
    outcomes: dict[str, SourceOutcome] = {}
    validated: list[CanonicalRows] = []
    for number, (config, read) in enumerate(inputs):
        outcome = SourceOutcome(source_id=config.id, kind=config.kind)
        outcomes[config.id] = outcome
        if config.id in unchanged:
            outcome.same_content = True
            continue
        owned = isinstance(read, UnreadRegister)
        if isinstance(read, UnreadRegister):
            try:
                read = read.read()
            except SourceError as error:
                read = error
        if isinstance(read, SourceError):
            outcome.status = "failed"
            outcome.error = str(read)
            continue
        stage = SourceStage(
            con,
            f"s{number}",
            observed_at=read.observed_at or started_at,
            observed=read.observed_at is not None,
            run_id=run_id,
        )
        canonical = validate_source(read, vocabularies, stage)
        if owned:  # read here, and its rows are staged now: the raw text can go
            read.frames.clear()
            read.tables.clear()
        outcome.rows_read = canonical.rows_read
        validated.append(canonical)
    return outcomes, validated


def _claims(con: duckdb.DuckDBPyConnection, validated: list[CanonicalRows]) -> Claims:
    """The ids more than one source lists in this run (events are never owned), with the
    sources listing each; every listed id and its source also go to `claimed_ids`, which
    tells a source that no longer lists a row that another one does (it moves, not goes)."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE claimed_ids (table_name VARCHAR, id VARCHAR, source VARCHAR)"
    )
    claims: Claims = {}
    if len(validated) < 2:
        return claims
    for table in TABLE_ORDER:
        staged = [
            (c.source_id, c.tables[table])
            for c in validated
            if isinstance(c.tables.get(table), StagedTable)
        ]
        if table == "status_events" or not staged:
            continue
        key = ID_COLUMNS[table]
        for source, rows in staged:
            con.execute(
                f"INSERT INTO claimed_ids SELECT DISTINCT ?, {key}, ? FROM {rows.name}",  # noqa: S608
                [table, source],
            )
        rows = con.execute(
            "SELECT id, list(DISTINCT source) FROM claimed_ids WHERE table_name = ? "
            "GROUP BY id HAVING count(DISTINCT source) > 1",
            [table],
        ).fetchall()
        claims[table] = {row_id: set(sources) for row_id, sources in rows}
    return claims


def _listed_elsewhere(con: duckdb.DuckDBPyConnection, table: str, source_id: str) -> set[str]:
    """This source's current rows that another source lists in this run."""
    key = ID_COLUMNS[table]
    rows = con.execute(
        f"""SELECT id FROM claimed_ids
            WHERE table_name = ? AND source <> ?
              AND id IN (SELECT {key} FROM main.{table}
                         WHERE source_id = ? AND withdrawn_run_id IS NULL)""",  # noqa: S608
        [table, source_id, source_id],
    ).fetchall()
    return {r[0] for r in rows}


def _merge_source(
    con: duckdb.DuckDBPyConnection,
    canonical: CanonicalRows,
    outcome: SourceOutcome,
    run_id: int,
    reread: set[str],
    claims: Claims,
) -> None:
    for table in TABLE_ORDER:
        # A table the source did not provide at all, or whose file could not be read as a
        # whole, is left as it was: an absent file is not a request to withdraw every row.
        if table in canonical.unreadable_tables or table not in canonical.present_tables:
            continue
        rows = canonical.tables[table]  # validation staged every table the source provided
        if table != "status_events":
            _settle_ownership(con, table, canonical, rows, run_id, reread, claims)
        keep = set(canonical.rejected_keys.get(table, set()))
        if table != "status_events":
            # A row another source lists in this run is moving there, not withdrawn.
            keep |= _listed_elsewhere(con, table, canonical.source_id)
        if table == "status_events":
            counts = merge_status_events(
                con, canonical.source_id, rows, run_id, canonical.status_origin, keep
            )
        else:
            counts = merge_entities(con, table, canonical.source_id, rows, run_id, keep)
        outcome.counts.add(counts)


def _record_content(
    con: duckdb.DuckDBPyConnection, source_id: str, content_hash: str, run_id: int
) -> None:
    con.execute(
        "INSERT OR REPLACE INTO register_contents VALUES (?, ?, ?)",
        [source_id, content_hash, run_id],
    )


def _keep_unchanged(con: duckdb.DuckDBPyConnection, outcome: SourceOutcome, read_run: int) -> None:
    """A register not read again: its rows stay as they are, counted unchanged, and the
    rejects of the run that read it stay in the review queue (and in this run's result)."""
    for table in TABLE_ORDER:
        outcome.counts.unchanged += con.execute(
            f"SELECT count(*) FROM main.{table} "  # noqa: S608 - table from our own list
            "WHERE source_id = ? AND withdrawn_run_id IS NULL"
            + (" AND superseded_by IS NULL" if table == "status_events" else ""),
            [outcome.source_id],
        ).fetchone()[0]
    rows = con.execute(
        'SELECT file, "row", "column", reason, value, raw FROM rejects '
        "WHERE run_id = ? AND source_id = ? ORDER BY rowid",
        [read_run, outcome.source_id],
    ).fetchall()
    outcome.problems = [
        Problem(outcome.source_id, file, row, column, reason, value=value, raw=raw)
        for file, row, column, reason, value, raw in rows
    ]


def _settle_ownership(
    con: duckdb.DuckDBPyConnection,
    table: str,
    canonical: CanonicalRows,
    rows: StagedTable,
    run_id: int,
    reread: set[str],
    claims: Claims,
) -> None:
    """Rows another source provides: take them over when that source no longer lists them
    (a cycle moved between registers); otherwise reject them, naming the other source."""
    key = ID_COLUMNS[table]
    elsewhere = con.execute(
        f"""SELECT s.rowid, s.{key}, s.source_ref, e.source_id, e.withdrawn_run_id IS NULL
            FROM {rows.name} AS s JOIN main.{table} AS e ON e.{key} = s.{key}
            WHERE e.source_id <> ? ORDER BY s.rowid""",  # noqa: S608 - names from our schema
        [canonical.source_id],
    ).fetchall()
    rejected: list[int] = []
    for rowid, row_id, source_ref, owner, current in elsewhere:
        still_claimed = owner in claims.get(table, {}).get(row_id, set())
        if not current or (owner in reread and not still_claimed):
            move_to_source(con, table, row_id, owner, canonical.source_id, run_id)
            continue
        file, _, line = source_ref.rpartition(":")
        canonical.problems.append(
            Problem(
                canonical.source_id,
                file,
                int(line) if line.isdigit() else None,
                None,
                f"this {table[:-1].replace('_', ' ')} ('{row_id}') is already provided "
                f"by source '{owner}'",
                value=row_id,
            )
        )
        rejected.append(rowid)
    delete_rows(con, rows, rejected)


def _record_run(
    con: duckdb.DuckDBPyConnection,
    run_id: int,
    command: str,
    started_at: dt.datetime,
    inputs: list[SourceInput],
    outcomes: dict[str, SourceOutcome],
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
        outcome = outcomes[config.id]
        location = (
            str(config.path)
            if isinstance(config, RegisterSource)
            else config.base_url
            if isinstance(config, LiveSource)
            else None
        )
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
                config.title,
                _relative_location(location),
                config.licence,
                config.attribution,
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
    _record_rejects(con, run_id, [p for o in outcomes.values() for p in o.problems])
    con.execute(
        "INSERT OR REPLACE INTO snapshot_meta VALUES ('run_id', ?), ('built_at', ?)",
        [str(run_id), finished_at.isoformat()],
    )


def _relative_location(location: str | None) -> str | None:
    """Register paths are stored relative to the repository, so snapshots name no machine."""
    if location is None or "://" in location:
        return location
    from ingest.paths import REPO_ROOT

    try:
        return str(Path(location).resolve().relative_to(REPO_ROOT))
    except ValueError:
        return Path(location).name


def _record_rejects(con: duckdb.DuckDBPyConnection, run_id: int, problems: list[Problem]) -> None:
    """Every error of the run, in one insert: a badly saved register can reject many rows."""
    errors = [p for p in problems if p.severity == "error"]
    if not errors:
        return
    table = pl.DataFrame(
        {
            "run_id": [run_id] * len(errors),
            "source_id": [p.source_id for p in errors],
            "file": [p.file for p in errors],
            "row": [p.row for p in errors],
            "column": [p.column for p in errors],
            "value": [p.value for p in errors],
            "reason": [p.message for p in errors],
            "raw": [p.raw for p in errors],
        },
        schema={
            "run_id": pl.Int32,
            "source_id": pl.String,
            "file": pl.String,
            "row": pl.Int32,
            "column": pl.String,
            "value": pl.String,
            "reason": pl.String,
            "raw": pl.String,
        },
    )
    with registered(con, "rejects_arrow", table):
        con.execute("INSERT INTO rejects SELECT * FROM rejects_arrow")
