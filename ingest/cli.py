"""The `python -m ingest` command line: build, check, template (and the live-source commands)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.console import Console
from rich.table import Table

from ingest.build import (
    BuildResult,
    SourceInput,
    SyntheticSnapshotError,
    build_snapshot,
    read_registers,
)
from ingest.paths import REPO_ROOT, SOURCES_FILE
from ingest.publication import data_dir_from_env
from ingest.records import Problem
from ingest.snapshot import BuildLockedError, SnapshotMissingError
from ingest.sources_config import SourceConfigError, SourcesFile, load_sources

app = typer.Typer(
    help="Build Uptake snapshots from registers and live sources.",
    no_args_is_help=True,
    add_completion=False,
)
# Summary tables stay readable when output goes to a file or CI log (Rich assumes 80 there).
console = Console(stderr=True, width=None if sys.stderr.isatty() else 120)
out = Console(width=None if sys.stdout.isatty() else 120)

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Folder of the snapshots and CURRENT [default: $UPTAKE_DATA_DIR or data/build].",
        show_default=False,
    ),
]
SourcesPath = Annotated[Path, typer.Option("--sources", help="Source configuration file.")]


def print_summary(result: BuildResult) -> None:
    """The per-source summary table every build and fetch ends with."""
    table = Table(title=f"Run {result.run_id}", title_justify="left")
    table.add_column("source", no_wrap=True)
    table.add_column("status", no_wrap=True)
    for column in ("read", "new", "changed", "unchanged", "withdrawn", "rejected"):
        table.add_column(column, justify="right", no_wrap=True)
    for o in result.outcomes:
        status = "[red]failed[/red]" if o.status == "failed" else "ok"
        if o.same_content:
            status = "unchanged (same content)"
        rejected = f"[yellow]{o.rejected}[/yellow]" if o.rejected else "0"
        table.add_row(
            o.source_id,
            status,
            str(o.rows_read),
            str(o.counts.new),
            str(o.counts.changed),
            str(o.counts.unchanged),
            str(o.counts.withdrawn),
            rejected,
        )
    out.print(table)
    if result.unchanged and result.snapshot is not None:
        console.print(
            f"unchanged: nothing to publish, {result.snapshot.name} stays current",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
    for o in result.outcomes:
        if o.error:
            console.print(
                f"source failed: {o.error}", highlight=False, markup=False, soft_wrap=True
            )
        for problem in o.problems:
            console.print(str(problem), highlight=False, markup=False, soft_wrap=True)


def _config(path: Path) -> SourcesFile:
    try:
        return load_sources(path)
    except SourceConfigError as error:
        console.print(str(error), highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(2) from None


def _as_of(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"'{value}' is not a date (YYYY-MM-DD)") from None


def exit_code(result: BuildResult, allow_rejects: bool) -> int:
    if result.failed_sources:
        return 1
    if result.problems and not allow_rejects:
        return 1
    return 0


@app.command()
def build(
    data_dir: DataDir = None,
    sources: SourcesPath = SOURCES_FILE,
    allow_rejects: Annotated[
        bool, typer.Option(help="Exit 0 even when rows were rejected.")
    ] = False,
    as_of: Annotated[
        str | None,
        typer.Option(help="Compute overdue and stale figures as of this date (YYYY-MM-DD)."),
    ] = None,
) -> None:
    """Build a snapshot offline from the registers, then publish it."""
    config = _config(sources)
    inputs = read_registers(config.sources, display_root=REPO_ROOT)
    _publish(data_dir or data_dir_from_env(), inputs, "build", allow_rejects, _as_of(as_of))


def _publish(
    data_dir: Path,
    inputs: list[SourceInput],
    command: str,
    allow_rejects: bool,
    as_of: dt.date | None,
) -> None:
    try:
        result = build_snapshot(
            data_dir,
            inputs,
            command=command,
            step=lambda message: console.print(f"[bold]▸[/bold] {message}", highlight=False),
            as_of=as_of,
        )
    except (BuildLockedError, SnapshotMissingError, SyntheticSnapshotError, duckdb.Error) as error:
        console.print(f"build failed, nothing published: {error}", markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    print_summary(result)
    raise typer.Exit(exit_code(result, allow_rejects))


@app.command()
def fetch(
    source: Annotated[
        list[str] | None,
        typer.Option("--source", help="Fetch only this live source (repeatable)."),
    ] = None,
    replay: Annotated[
        Path | None,
        typer.Option(help="Rebuild offline from a recorded run folder (DATA_DIR/raw/STAMP)."),
    ] = None,
    data_dir: DataDir = None,
    sources: SourcesPath = SOURCES_FILE,
    allow_rejects: Annotated[
        bool, typer.Option(help="Exit 0 even when rows were rejected.")
    ] = False,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Dry run: ask each source only what it is (version, component or dataset, "
            "record count, unmapped labels); record and publish nothing.",
        ),
    ] = False,
) -> None:
    """Fetch the live sources (or replay a recorded run), then publish a snapshot holding
    the registers plus everything fetched."""
    from ingest.fetch import FetchUpdate, fetch_sources

    if check:
        _check_live_sources(sources, source or None)

    def show(update: FetchUpdate) -> None:
        if update.stage == "page":
            line = f"  {update.source_id}: page {update.pages}, {update.records} records"
        elif update.stage == "failed":
            line = f"  {update.source_id}: failed — {update.message}"
        else:
            line = f"  {update.source_id}: {update.stage} {update.message}".rstrip()
        console.print(line, highlight=False, markup=False)

    config = _config(sources)
    data_dir = data_dir or data_dir_from_env()
    try:
        fetched = fetch_sources(sources, data_dir, source or None, replay, show)
    except ValueError as error:
        console.print(str(error), highlight=False, markup=False)
        raise typer.Exit(2) from None
    inputs = read_registers(config.sources, display_root=REPO_ROOT)
    inputs += [(config.by_id(result.source_id), result) for result in fetched]
    _publish(data_dir, inputs, "fetch", allow_rejects, None)


def _check_live_sources(sources: Path, source_ids: list[str] | None) -> None:
    """Prints what each live source is; exits 1 when a source fails, lacks a mapped field or
    uses labels the vocabularies do not map (a real fetch would reject those rows)."""
    from ingest.source_check import check_sources

    _config(sources)
    try:
        checks = check_sources(sources, source_ids)
    except ValueError as error:
        console.print(str(error), highlight=False, markup=False)
        raise typer.Exit(2) from None
    trouble = False
    for result in checks:
        lines = [f"{result.source_id} ({result.kind})"]
        if result.error:
            lines.append(f"  FAILED: {result.error}")
            trouble = True
        else:
            lines += [f"  {what}: {found}" for what, found in result.facts if what != "fields"]
            count = "not known without a full read" if result.records is None else result.records
            lines.append(f"  records: {count}")
            if result.missing_fields:
                lines.append(
                    f"  MISSING fields named by the mapping: {', '.join(result.missing_fields)}"
                )
            for vocabulary, labels in result.labels.items():
                unmapped = result.unmapped.get(vocabulary, [])
                lines.append(
                    f"  {vocabulary} labels: {len(labels)}, "
                    + ("all mapped" if not unmapped else f"{len(unmapped)} UNMAPPED")
                )
                lines += [f"    unmapped: {label!r}" for label in unmapped]
            trouble = trouble or bool(result.missing_fields or result.unmapped)
        for line in lines:
            out.print(line, highlight=False, markup=False, soft_wrap=True)
    raise typer.Exit(1 if trouble else 0)


@app.command()
def synth(
    institutions: Annotated[int, typer.Option(min=1)] = 500,
    recommendations: Annotated[int, typer.Option(min=1)] = 100_000,
    events: Annotated[int, typer.Option(min=0)] = 1_000_000,
    seed: Annotated[int, typer.Option()] = 1,
    data_dir: Annotated[
        Path, typer.Option("--data-dir", help="Folder for the synthetic snapshot.")
    ] = Path("data/build-synthetic"),
    as_registers: Annotated[
        Path | None,
        typer.Option(
            "--as-registers",
            help="Write the tables as register CSV files (and a sources.toml) in this folder "
            "instead of publishing a snapshot.",
        ),
    ] = None,
) -> None:
    """Publish a SYNTHETIC snapshot of the given size, for benchmarks and scale demos."""
    from ingest.synth import synthesize, write_synthetic_registers

    say = lambda message: console.print(f"[bold]▸[/bold] {message}", highlight=False)  # noqa: E731
    if as_registers is not None:
        folder = write_synthetic_registers(
            as_registers, institutions, recommendations, events, seed, progress=say
        )
        console.print(f"synthetic registers written: {folder}", highlight=False)
        return
    path = synthesize(
        data_dir,
        institutions=institutions,
        recommendations=recommendations,
        events=events,
        seed=seed,
        progress=say,
    )
    console.print(f"synthetic snapshot published: {path}", highlight=False)


@app.command()
def check(
    files: Annotated[
        list[Path], typer.Argument(help="Register files (CSV, XLSX) or register folders.")
    ],
) -> None:
    """Validate registers without loading them; print every problem as file:row:column."""
    from ingest.check import check_paths

    problems: list[Problem] = check_paths(files)
    for problem in problems:
        out.print(str(problem), highlight=False, markup=False, soft_wrap=True)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        console.print(f"{len(errors)} problem(s) found", highlight=False)
        raise typer.Exit(1)
    console.print("no problems found")


@app.command()
def template(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the blank register into.")],
) -> None:
    """Write a blank register: one CSV per table and an XLSX with one sheet per table."""
    from ingest.template import write_template

    for path in write_template(out_dir):
        console.print(f"wrote {path}", highlight=False)


@app.command()
def reference() -> None:
    """Print the register column reference (Markdown), as kept in docs/register.md."""
    from ingest.register_format import column_reference_markdown

    print(column_reference_markdown())


@app.command()
def coverage(
    data_dir: DataDir = None,
    write: Annotated[
        Path | None,
        typer.Option(help="Regenerate the marked tables in this document (prose is kept)."),
    ] = None,
    searches: Annotated[
        Path | None,
        typer.Option(help="Searches that found nothing [default: data/coverage_searches.csv]."),
    ] = None,
) -> None:
    """Render the coverage tables from the published snapshot; print them, or --write them
    into a document such as docs/data-coverage.md."""
    from ingest.coverage import (
        SEARCHES_FILE,
        CoverageError,
        fill_document,
        read_searches,
        render_tables,
    )
    from ingest.publication import NotPublished, current

    published = current(data_dir or data_dir_from_env())
    if isinstance(published, NotPublished):
        console.print(
            f"no snapshot to read in {published.data_dir} ({published.reason}): "
            "run `python -m ingest build` first",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
        raise typer.Exit(2)
    try:
        found_nothing = read_searches(searches or SEARCHES_FILE)
        with duckdb.connect(str(published.path), read_only=True) as con:
            blocks = render_tables(con, found_nothing)
        if write is None:
            for name, block in blocks.items():
                out.print(
                    f"<!-- coverage:{name} -->\n{block}\n",
                    highlight=False,
                    markup=False,
                    soft_wrap=True,
                )
            return
        text = write.read_text(encoding="utf-8")
        updated = fill_document(text, blocks)
    except (CoverageError, OSError) as error:
        console.print(str(error), highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    if updated != text:
        write.write_text(updated, encoding="utf-8")
    console.print(f"{write}: {'updated' if updated != text else 'already up to date'}")


EndpointUrl = Annotated[
    str | None,
    typer.Option(
        "--endpoint-url",
        help="S3-compatible endpoint [default: boto3's own setting, e.g. $AWS_ENDPOINT_URL].",
        show_default=False,
    ),
]


@app.command("publish")
def publish_command(
    to: Annotated[str, typer.Option("--to", help="Where to publish: s3://BUCKET/PREFIX.")],
    data_dir: DataDir = None,
    endpoint_url: EndpointUrl = None,
) -> None:
    """Upload the current snapshot and its checksum to object storage, then point the store's
    CURRENT at it."""
    from ingest import object_store

    try:
        location = object_store.Location.parse(to)
        outcome = object_store.publish_snapshot(
            data_dir or data_dir_from_env(), location, object_store.client(endpoint_url)
        )
    except object_store.ObjectStoreError as error:
        console.print(f"publish failed: {error}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    verb = "is now current in" if outcome.changed else "was already current in"
    console.print(f"{outcome.name} {verb} {location}", highlight=False, markup=False)


@app.command("pull")
def pull_command(
    from_: Annotated[str, typer.Option("--from", help="Where to pull from: s3://BUCKET/PREFIX.")],
    data_dir: DataDir = None,
    endpoint_url: EndpointUrl = None,
    every: Annotated[
        float | None,
        typer.Option(help="Keep pulling every this many seconds (a replica's side job)."),
    ] = None,
) -> None:
    """Download the store's current snapshot, verify its checksum, then switch the local
    CURRENT to it atomically; a failed pull keeps the previous snapshot current."""
    import time

    from ingest import object_store

    try:
        location = object_store.Location.parse(from_)
    except object_store.ObjectStoreError as error:
        console.print(str(error), highlight=False, markup=False)
        raise typer.Exit(2) from None
    s3 = object_store.client(endpoint_url)
    target = data_dir or data_dir_from_env()
    while True:
        try:
            outcome = object_store.pull_snapshot(location, target, s3)
            if outcome.changed:
                console.print(f"pulled {outcome.name}: now current", highlight=False)
            elif every is None:
                console.print(f"{outcome.name} is already current", highlight=False)
        except object_store.ObjectStoreError as error:
            console.print(f"pull failed: {error}", highlight=False, markup=False, soft_wrap=True)
            if every is None:
                raise typer.Exit(2) from None
        if every is None:
            return
        time.sleep(every)


def main() -> None:  # pragma: no cover - console script entry
    sys.exit(app())
