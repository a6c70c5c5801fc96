"""Where snapshots are published and which one is current: the one rule both wings follow.

The ingest commands write snapshots into a data folder and name the current one in its
CURRENT file; the app reads whatever CURRENT names. Both must agree on which folder that is
(`$UPTAKE_DATA_DIR`, with `~` expanded, else data/build in the repository) and on how CURRENT
is read, or a build lands where the app never looks.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ingest.paths import DEFAULT_BUILD_DIR

DATA_DIR_ENV = "UPTAKE_DATA_DIR"
CURRENT_FILE = "CURRENT"


def data_dir_from_env() -> Path:
    """The data folder: $UPTAKE_DATA_DIR when set (a leading ~ is the user's home), else
    data/build in the repository."""
    configured = os.environ.get(DATA_DIR_ENV, "").strip()
    return Path(configured).expanduser() if configured else DEFAULT_BUILD_DIR


@dataclass(frozen=True)
class Published:
    """The snapshot file CURRENT names, and that name as written."""

    path: Path
    name: str


@dataclass(frozen=True)
class NotPublished:
    """Why a folder has no current snapshot."""

    data_dir: Path
    reason: str  # no_pointer | empty_pointer | missing_file
    name: str = ""


def current(data_dir: Path) -> Published | NotPublished:
    """The snapshot CURRENT names in `data_dir`, or why there is none. A name is relative to
    the folder unless it is an absolute path."""
    try:
        name = (data_dir / CURRENT_FILE).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return NotPublished(data_dir, "no_pointer")
    if not name:
        return NotPublished(data_dir, "empty_pointer")
    path = Path(name) if Path(name).is_absolute() else data_dir / name
    if not path.is_file():
        return NotPublished(data_dir, "missing_file", name)
    return Published(path, name)
