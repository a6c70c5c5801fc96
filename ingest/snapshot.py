"""Versioned, immutable snapshot files and the CURRENT pointer that publishes one.

DuckDB lets no other process open a file while one holds it for writing, and a process that
has a path open keeps seeing the old file after a rename. So every build writes a new file
under a temporary name, renames it when complete, and only then atomically replaces
CURRENT; readers open whatever CURRENT names and never reuse a path.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import re
from collections.abc import Iterator
from pathlib import Path

from ingest import publication
from ingest.publication import CURRENT_FILE

PARTIAL_SUFFIX = ".partial"
KEEP_SNAPSHOTS = 5
SNAPSHOT_NAME = re.compile(r"^uptake(?:-synthetic)?-(?P<stamp>\d{8}T\d{12}Z)-run\d+\.duckdb$")


class BuildLockedError(RuntimeError):
    """Another build is publishing into the same folder right now."""


class SnapshotMissingError(RuntimeError):
    """CURRENT names a snapshot file that is gone: history would silently restart."""


def current_snapshot(data_dir: Path) -> Path | None:
    """The published snapshot file, or None when nothing was published yet."""
    found = publication.current(data_dir)
    if isinstance(found, publication.Published):
        return found.path
    if found.reason == "missing_file":
        pointer = data_dir / CURRENT_FILE
        raise SnapshotMissingError(
            f"{pointer} names {found.name}, which does not exist: restore that file, or point "
            f"CURRENT at another snapshot in {data_dir} (delete CURRENT to start a new history)"
        )
    return None


def new_snapshot_name(run_id: int, started_at: dt.datetime, synthetic: bool = False) -> str:
    stamp = started_at.strftime("%Y%m%dT%H%M%S%fZ")
    kind = "uptake-synthetic" if synthetic else "uptake"
    return f"{kind}-{stamp}-run{run_id:05d}.duckdb"


def partial_path(data_dir: Path, name: str) -> Path:
    return data_dir / f"{name}{PARTIAL_SUFFIX}"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(data_dir: Path, partial: Path, name: str) -> Path:
    """Make a finished partial file the current snapshot, atomically."""
    final = data_dir / name
    with partial.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, final)
    pointer_tmp = data_dir / f"{CURRENT_FILE}.tmp"
    pointer_tmp.write_text(name + "\n", encoding="utf-8")
    with pointer_tmp.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(pointer_tmp, data_dir / CURRENT_FILE)
    _fsync_dir(data_dir)
    return final


def _stamp(path: Path) -> str:
    """The build time in a snapshot's name: what orders snapshots, whatever their kind."""
    match = SNAPSHOT_NAME.match(path.name)
    return match.group("stamp") if match else ""


def prune(data_dir: Path, keep: int = KEEP_SNAPSHOTS) -> list[Path]:
    """Delete old snapshots beyond the newest `keep`, never the current one."""
    current = current_snapshot(data_dir)
    snapshots = sorted(
        (p for p in data_dir.glob("uptake*.duckdb") if p.is_file() and _stamp(p)), key=_stamp
    )
    removed: list[Path] = []
    for path in snapshots[:-keep] if keep else snapshots:
        if current is not None and path.name == current.name:
            continue
        path.unlink(missing_ok=True)
        Path(f"{path}.wal").unlink(missing_ok=True)
        removed.append(path)
    return removed


def remove_stale_partials(data_dir: Path) -> None:
    """Partial files are left only by builds that died; nobody reads them."""
    for path in data_dir.glob(f"*{PARTIAL_SUFFIX}"):
        path.unlink(missing_ok=True)
    for path in data_dir.glob(f"*{PARTIAL_SUFFIX}.wal"):
        path.unlink(missing_ok=True)


@contextlib.contextmanager
def build_lock(data_dir: Path) -> Iterator[None]:
    """One build at a time per folder; a second one fails fast instead of racing."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir / ".build.lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildLockedError(f"another build is running in {data_dir}") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
