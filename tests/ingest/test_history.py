"""The change history of an edited register, compared with what the build wrote before new
rows' documents were left to the `changes` view: the same rows, word for word."""

from __future__ import annotations

import json
from pathlib import Path

from tests.ingest.conftest import Workspace

EXPECTED = Path(__file__).parent / "fixtures" / "history_small_register.json"
R03 = "test-2023-housing-r03,test-2023-housing,3,"
R09 = "test-2023-housing-r09,test-2023-housing,9,"
# One build per step, each on its own reference date: (table, text, replacement) edits.
SCENARIO = [
    [],
    [
        ("recommendations", "Contrôle de la certification PEB", "Contrôle renforcé du PEB"),
        ("recommendations", R03, R09),  # r03 withdrawn, r09 new
        ("status_events", "en cours,,Decree being adopted", "mis en œuvre,,Decree adopted"),
        ("responses", "Gouvernement,retenue,", "Gouvernement,accepted,"),
    ],
    [("recommendations", R09, R03)],  # r03 restored, r09 withdrawn
]
SQL = "SELECT run_id, table_name, row_id, change, before, after FROM changes"


def normalised(rows: list[tuple]) -> list[list]:
    """History rows in a stable order, with the build's own clock (observed_at) blanked."""

    def document(text: str | None) -> dict | None:
        if text is None:
            return None
        value = json.loads(text)
        if "observed_at" in value:
            value["observed_at"] = "(build time)"
        return value

    shown = [[r[0], r[1], r[2], r[3], document(r[4]), document(r[5])] for r in rows]
    return sorted(shown, key=lambda r: json.dumps(r, ensure_ascii=False, sort_keys=True))


def test_history_is_what_the_build_wrote_before(workspace: Workspace) -> None:
    for day, edits in enumerate(SCENARIO, start=1):
        for table, old, new in edits:
            workspace.replace_in(table, old, new)
        code, output = workspace.build("--allow-rejects", "--as-of", f"2026-01-0{day}")
        assert code == 0, output
    history = normalised(workspace.query(SQL))
    changes = {(r[0], r[3]) for r in history}
    assert {(2, "changed"), (2, "withdrawn"), (2, "superseded"), (3, "restored")} <= changes
    assert history == json.loads(EXPECTED.read_text(encoding="utf-8"))
