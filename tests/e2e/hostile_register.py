"""A register whose every text column is an attack: links, images, HTML, Markdown formatting,
Streamlit's own directives and bare addresses, built into a snapshot the way a clerk would.

The app must show all of it as the literal text it is. Ids, dates, vocabulary labels and
source addresses stay valid (they are checked at ingest); every other string is hostile.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

from ingest.register_format import register_columns
from tests.dashboard.snapshot_build import REPO_ROOT

EVIL_HOST = "evil.example"
# One string carrying every kind of markup a renderer might act on.
PAYLOAD = (
    f"[Log in here](https://{EVIL_HOST}/x) "
    f"![pic](https://{EVIL_HOST}/i.png) "
    "<img src=x onerror=alert(1)> "
    f'<a href="https://{EVIL_HOST}/a">anchor</a> '
    "<b>htmlbold</b> "
    "**bold** _it_ ~~gone~~ `tick` :red[redtext] $x^2$ "
    f"https://{EVIL_HOST}/bare www.{EVIL_HOST} bad@{EVIL_HOST} "
    ":material/skull: :skull:"
)
# Text a renderer would produce from the payload; none of it may appear as an element.
FORMATTED_WORDS = (
    "Log in here",
    "pic",
    "anchor",
    "htmlbold",
    "bold",
    "it",
    "gone",
    "tick",
    "redtext",
)
# Legitimate source links point here (the app links sources on purpose, through its buttons).
SOURCE = "https://source.example.org/page"


def hostile(tag: str) -> str:
    """The payload, led by a short tag so names stay distinct (compare puts them side by side)."""
    return f"{tag} {PAYLOAD}"


# The facts each table needs to load; every text column not named here gets the payload.
ROWS: dict[str, list[dict[str, str]]] = {
    "institutions": [
        {
            "institution_id": "inst-a",
            "country": "BE",
            "kind": "citizens_assembly",
            "languages": "fr",
            "response_deadline_days": "90",
            "final_deadline_days": "365",
        },
        {
            "institution_id": "inst-b",
            "country": "FR",
            "kind": "citizens_assembly",
            "languages": "fr",
        },
    ],
    "cycles": [
        {
            "cycle_id": "cycle-a",
            "institution_id": "inst-a",
            "number": "1",
            "language": "fr",
            "started_on": "2023-02-04",
            "ended_on": "2023-06-10",
            "handed_over_on": "2023-06-10",
            "declared_count": "8",
            "follow_up_complete": "yes",
            "checked_on": "2024-06-01",
        },
        {
            "cycle_id": "cycle-b",
            "institution_id": "inst-b",
            "number": "1",
            "language": "fr",
            "handed_over_on": "2023-03-01",
            "declared_count": "20",
        },
    ],
    "milestones": [
        {"cycle_id": "cycle-a", "occurred_on": "2023-06-10", "kind": "handover"},
        {"cycle_id": "cycle-a", "occurred_on": "2024-05-15", "kind": "final_response"},
        {"cycle_id": "cycle-b", "occurred_on": "2023-03-01", "kind": "handover"},
    ],
    "recommendations": [
        {
            "recommendation_id": f"rec-a{index}",
            "cycle_id": "cycle-a",
            "language": "fr",
            "adopted_on": "2023-06-10",
        }
        for index in range(1, 7)
    ]
    + [
        {"recommendation_id": f"rec-b{index}", "cycle_id": "cycle-b", "language": "fr"}
        for index in range(1, 3)
    ],
    "collective_responses": [
        {"cycle_id": "cycle-b", "responded_on": "2024-01-10", "response_kind": "final"}
    ],
    "outcome_reports": [
        {
            "cycle_id": "cycle-b",
            "reported_on": "2024-04-22",
            "status": "in_progress",
            "count": "12",
            "assessor": "administration",
        }
    ],
    "responses": [
        {
            "recommendation_id": f"rec-a{index}",
            "response_kind": "final",
            "responded_on": f"2023-{6 + index:02d}-01",
            "stance": "accepted" if index % 2 else "rejected",
        }
        for index in range(1, 6)
    ],
    "status_events": [
        {
            "recommendation_id": f"rec-a{index}",
            "occurred_on": f"2024-0{index}-15",
            "assessor": "administration",
            "status": "implemented" if index % 2 else "in_progress",
        }
        for index in range(1, 7)
    ]
    + [
        # A second assessor who disagrees, so the disagreement notice is drawn.
        {
            "recommendation_id": "rec-a1",
            "occurred_on": "2024-02-01",
            "assessor": "citizens_body",
            "status": "abandoned",
        },
        # A label no vocabulary knows: rejected, and shown raw on the sources page.
        {
            "recommendation_id": "rec-a2",
            "occurred_on": "2024-03-01",
            "assessor": "press",
            "status": PAYLOAD,
        },
    ],
    "congruence": [
        {
            "recommendation_id": "rec-a1",
            "assessor": "independent",
            "level": "modified",
            "assessed_on": "2024-06-01",
        }
    ],
    # A summary and keywords of nothing but payload: what a search shows as matched words.
    "summaries": [{"recommendation_id": "rec-a1", "language": "fr"}],
}


def write_register(folder: Path) -> None:
    """One CSV per table; every text column of every row holds the tagged payload."""
    folder.mkdir(parents=True, exist_ok=True)
    for table, columns in register_columns().items():
        names = [column.name for column in columns]
        with (folder / f"{table}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=names)
            writer.writeheader()
            for number, facts in enumerate(ROWS[table], start=1):
                row = {column.name: "" for column in columns}
                for column in columns:
                    if column.type == "text":
                        row[column.name] = hostile(f"{table[:4]}{number}")
                    elif column.type == "url":
                        row[column.name] = f"{SOURCE}/{table}/{number}"
                row.update(facts)
                writer.writerow(row)


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def build(root: Path) -> Path:
    """Write the register and a sources.toml naming only it (its title, licence and
    attribution hostile too), build a snapshot with the real CLI; returns the data folder."""
    write_register(root / "registers" / "hostile")
    sources = root / "sources.toml"
    sources.write_text(
        "[[sources]]\n"
        'id = "register-hostile"\n'
        'kind = "register"\n'
        'path = "registers/hostile"\n'
        f"title = {_toml_string(hostile('title'))}\n"
        f"licence = {_toml_string(hostile('licence'))}\n"
        f"attribution = {_toml_string(hostile('attribution'))}\n",
        encoding="utf-8",
    )
    data_dir = root / "build"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "ingest",
            "build",
            "--sources",
            str(sources),
            "--data-dir",
            str(data_dir),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if not (data_dir / "CURRENT").is_file():
        raise RuntimeError(
            f"hostile build failed ({completed.returncode}):\n{completed.stdout}\n"
            f"{completed.stderr}"
        )
    return data_dir
