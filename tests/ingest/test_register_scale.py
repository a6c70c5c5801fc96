"""Registers at scale: the columnar path gives exactly what the row-by-row path gives, and a
register whose files did not change is not read again."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ingest import columnar
from ingest.cli import app
from ingest.columnar import as_dicts
from ingest.records import CanonicalRows
from ingest.registers import read_register
from ingest.validate import check_references, validate_source
from ingest.vocab import load_vocabularies
from tests.ingest.conftest import Workspace

REGISTERS = Path(__file__).resolve().parents[2] / "data" / "registers"
VOCABULARIES = load_vocabularies()


def _validated(path: Path, columnar: bool) -> tuple[CanonicalRows, list[str]]:
    rows = read_register("register-test", path, columnar=columnar)
    canonical = validate_source(rows, VOCABULARIES)
    check_references([canonical])
    return canonical, sorted(rows.frames)


def _assert_same(path: Path) -> list[str]:
    """Both paths on one register: the same rows, problems and rejected keys; return the
    tables the columnar path read by columns."""
    slow, none = _validated(path, columnar=False)
    fast, framed = _validated(path, columnar=True)
    assert none == []
    assert fast.rows_read == slow.rows_read
    assert [str(p) for p in fast.problems] == [str(p) for p in slow.problems]
    assert fast.problems == slow.problems
    assert fast.rejected_keys == slow.rejected_keys
    assert set(fast.tables) == set(slow.tables)
    for table in slow.tables:
        assert as_dicts(fast.tables[table]) == as_dicts(slow.tables[table]), table
    return framed


@pytest.mark.parametrize("register", sorted(p.name for p in REGISTERS.iterdir() if p.is_dir()))
def test_columnar_and_row_by_row_paths_agree_on_the_bundled_registers(register: str) -> None:
    _assert_same(REGISTERS / register)


def test_bundled_registers_do_take_the_columnar_path_somewhere() -> None:
    framed = [t for p in REGISTERS.iterdir() if p.is_dir() for t in _assert_same(p)]
    assert framed, "no bundled table qualified for the columnar path"


BAD_RECOMMENDATIONS = """recommendation_id,cycle_id,title,adopted_on,support,granularity,source_url
r-1,c-1,First,2023-06-10,0.5,item,https://example.org/r1
r-2,c-1,Bad date,2023-02-30,0.5,item,https://example.org/r2
r-3,c-1,Out of range,2023-06,1.5,item,https://example.org/r3
r-1,c-1,Duplicate of the first,2023,,item,https://example.org/r1b
bad id!,c-1,Bad id,,,item,https://example.org/r5
r-6,c-1,,2023-06-10,,item,https://example.org/r6
r-7,c-1,Unknown granularity,,,boulder,https://example.org/r7
,,,,,,
r-9,c-1,Not a url,,,item,example.org
r-10,c-unknown,Unknown cycle,,,item,https://example.org/r10
 r-11\u00a0,c-1,  Padded  ,2023-06-10,0.25,ITEM,https://example.org/r11
r-12,c-1,Fine,2023-06-10,,,https://example.org/r12
r-1,c-1,Second duplicate,2024,,item,https://example.org/r1c
"""
BAD_STATUS_EVENTS = """recommendation_id,occurred_on,assessor,status,progress,note,source_url
r-1,2023-07-01,administration,in progress,10,,https://example.org/s1
r-1,2023-07,administration,implemented,,,https://example.org/s2
r-1,2023-07-01,administration,implemented,,a second row for the same slot,https://example.org/s3
r-12,2023-08-01,nobody,implemented,,,https://example.org/s4
r-12,2023-08-01,administration,whatever,,,https://example.org/s5
r-12,2023-09-01,administration,implemented,150,,https://example.org/s6
r-12,2023-10-01,administration,implemented,55.5,back\\slash and tab\tinside,https://example.org/s7
r-404,2023-10-01,administration,implemented,,,https://example.org/s8
"""


def _register(tmp_path: Path, **files: str) -> Path:
    register = tmp_path / "register"
    register.mkdir()
    (register / "institutions.csv").write_text(
        "institution_id,name,country,kind,languages,source_url\n"
        "i-1,Institution,BE,citizens_assembly,fr nl,https://example.org/i\n",
        encoding="utf-8",
    )
    (register / "cycles.csv").write_text(
        "cycle_id,institution_id,title,follow_up_complete,source_url\n"
        "c-1,i-1,Cycle,yes,https://example.org/c\nc-2,i-1,Cycle two,perhaps,https://example.org/c\n",
        encoding="utf-8",
    )
    for table, text in files.items():
        (register / f"{table}.csv").write_text(text, encoding="utf-8")
    return register


def test_columnar_path_words_every_fault_as_the_row_by_row_path(tmp_path: Path) -> None:
    register = _register(
        tmp_path, recommendations=BAD_RECOMMENDATIONS, status_events=BAD_STATUS_EVENTS
    )
    framed = _assert_same(register)
    assert {"recommendations", "status_events", "cycles"} <= set(framed)
    fast, _ = _validated(register, columnar=True)
    shown = [str(p) for p in fast.problems]
    recommendations = f"{register / 'recommendations.csv'}"
    assert f"{recommendations}:3:adopted_on: '2023-02-30' is not a real date" in " ".join(shown)
    duplicates = [s for s in shown if "duplicate" in s and "recommendations.csv" in s]
    # Both later copies name the first row; the blank line 9 still counts as a line.
    assert [s.split(":")[1] for s in duplicates] == ["5", "14"]
    assert all(f"as at {recommendations}:2 (r-1)" in s for s in duplicates)
    assert any(s.startswith(f"{recommendations}:11:cycle_id:") for s in shown)
    padded = next(r for r in as_dicts(fast.tables["recommendations"]) if r["title"] == "Padded")
    assert padded["recommendation_id"] == "r-11"
    assert padded["source_ref"] == f"{recommendations}:12"


def test_files_the_fast_reader_does_not_trust_go_the_careful_way(tmp_path: Path) -> None:
    # Quotes around whole cells read the same either way; a quote inside a cell does not.
    quoted = BAD_RECOMMENDATIONS.replace("First,", '"First, with a ""comma""",')
    register = _register(tmp_path, recommendations=quoted, status_events=BAD_STATUS_EVENTS)
    assert "recommendations" in _assert_same(register)
    fast, _ = _validated(register, columnar=True)
    assert 'First, with a "comma"' in [r["title"] for r in as_dicts(fast.tables["recommendations"])]
    for stray in ('Fir"st,', '"First" ,', '"First\nline two",'):
        (register / "recommendations.csv").write_text(
            BAD_RECOMMENDATIONS.replace("First,", stray), encoding="utf-8"
        )
        framed = _assert_same(register)
        assert "recommendations" not in framed
        assert "status_events" in framed
    # A cell beyond the header, and a line saved as Windows-1252.
    extra = BAD_STATUS_EVENTS.replace("https://example.org/s1", "https://example.org/s1,stray")
    (register / "status_events.csv").write_text(extra, encoding="utf-8")
    (register / "cycles.csv").write_bytes(
        (register / "cycles.csv").read_bytes().replace(b"Cycle two", b"Cycle deux \xe9t\xe9")
    )
    framed = _assert_same(register)
    assert not {"status_events", "cycles"} & set(framed)


def test_row_numbers_hold_across_crlf_line_ends_and_many_rows(tmp_path: Path) -> None:
    lines = ["recommendation_id,cycle_id,title,source_url"]
    lines += [f"r-{n},c-1,Title {n},https://example.org/{n}" for n in range(5000)]
    lines[4321] = "r-dup,c-1,Twice,https://example.org/dup"
    lines[4322] = "r-dup,c-1,Twice,https://example.org/dup"
    lines[2500] = ",,,"
    register = _register(tmp_path, recommendations="\r\n".join(lines) + "\r\n")
    assert "recommendations" in _assert_same(register)
    fast, _ = _validated(register, columnar=True)
    found = [(p.row, p.column) for p in fast.problems if "recommendations" in p.file]
    assert found == [(4323, "recommendation_id")]
    refs = {
        r["recommendation_id"]: r["source_ref"] for r in as_dicts(fast.tables["recommendations"])
    }
    assert len(refs) == 4998
    assert refs["r-4999"].endswith(":5001")
    assert refs["r-2498"].endswith(":2500")
    assert refs["r-2500"].endswith(":2502")


def test_a_file_read_in_many_chunks_gives_what_one_read_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(columnar, "CHUNK_BYTES", 4096)
    recommendations = ["recommendation_id,cycle_id,title,adopted_on,source_url"]
    recommendations += [
        f"r-{n},c-1,Title {n},2023-06-10,https://example.org/{n}" for n in range(3000)
    ]
    recommendations[120] = "r-119,c-1,Bad date,2023-02-30,https://example.org/bad"
    recommendations[1500] = "r-1499,c-404,Unknown cycle,2023-06,https://example.org/c"
    recommendations[2901] = "r-10,c-1,Same id as row 12,2024,https://example.org/dup"
    recommendations[2500] = ",,,,"
    events = ["recommendation_id,occurred_on,assessor,status,progress,source_url"]
    events += [
        f"r-{n},2024-01-{1 + n % 28:02d},administration,in progress,{n % 100},https://e.org/{n}"
        for n in range(2000)
    ]
    events[300] = "r-299,2024-01-20,administration,whatever,,https://e.org/x"
    events[1900] = "r-5,2024-01-06,administration,implemented,,https://e.org/same-slot"
    register = _register(
        tmp_path,
        recommendations="\n".join(recommendations) + "\n",
        status_events="\r\n".join(events),
    )
    source = columnar.open_csv_file(
        register / "recommendations.csv", "recommendations", "recommendations.csv"
    )
    assert source is not None and len(list(source.blocks())) > 10
    assert {"recommendations", "status_events"} <= set(_assert_same(register))
    fast, _ = _validated(register, columnar=True)
    found = [(p.file.rsplit("/", 1)[-1], p.row, p.column) for p in fast.problems]
    # Bad rows in several chunks, a duplicate id and a duplicate status slot across chunks,
    # and events pointing at the rejected recommendations.
    assert found == [
        ("cycles.csv", 3, "follow_up_complete"),
        ("recommendations.csv", 121, "adopted_on"),
        ("recommendations.csv", 2902, "recommendation_id"),
        ("status_events.csv", 301, "status"),
        ("status_events.csv", 1901, "recommendation_id"),
        ("recommendations.csv", 1501, "cycle_id"),
        ("status_events.csv", 121, "recommendation_id"),
        ("status_events.csv", 1501, "recommendation_id"),
    ]
    assert "as at" in str(fast.problems[2]) and ":12 (r-10)" in str(fast.problems[2])
    refs = {
        r["recommendation_id"]: r["source_ref"] for r in as_dicts(fast.tables["recommendations"])
    }
    assert refs["r-2999"].endswith(":3001") and refs["r-2500"].endswith(":2502")


def _build(ws: Workspace, *extra: str) -> tuple[int, str]:
    return ws.build("--allow-rejects", *extra)


def _contents(ws: Workspace) -> list[tuple]:
    return ws.query(
        "SELECT recommendation_id, title, source_ref, first_run_id, changed_run_id, "
        "withdrawn_run_id FROM recommendations ORDER BY 1"
    ) + ws.query(
        "SELECT event_id, status, first_run_id, changed_run_id, withdrawn_run_id, superseded_by "
        "FROM status_events ORDER BY 1"
    )


def test_an_unchanged_register_is_not_read_again_and_keeps_its_rows(
    workspace: Workspace,
) -> None:
    workspace.replace_in("recommendations", "2023-06-10,,item", "2023-02-30,,item")
    code, first = _build(workspace)
    assert code == 0 and "unchanged (same content)" not in first
    before = _contents(workspace)
    code, second = _build(workspace, "--as-of", "2030-01-01")
    assert code == 0
    assert "unchanged (same content)" in second
    assert _contents(workspace) == before
    # The rejected row stays in the review queue of the new run, and in its summary.
    assert "'2023-02-30' is not a real date" in second
    runs = workspace.query(
        "SELECT run_id, count(*) FROM rejects WHERE reason LIKE '%2023-02-30%' "
        "GROUP BY 1 ORDER BY 1"
    )
    assert runs == [(1, 1), (2, 1)]


def test_an_all_unchanged_rebuild_publishes_nothing_and_still_lists_the_rejects(
    workspace: Workspace,
) -> None:
    workspace.replace_in("recommendations", "2023-06-10,,item", "2023-02-30,,item")
    code, first = _build(workspace)
    assert code == 0 and "nothing to publish" not in first
    files = sorted(p.name for p in workspace.data_dir.iterdir())
    pointer = (workspace.data_dir / "CURRENT").read_bytes()
    code, second = _build(workspace)
    assert code == 0
    assert "unchanged (same content)" in second and "nothing to publish" in second
    assert "'2023-02-30' is not a real date" in second
    assert sorted(p.name for p in workspace.data_dir.iterdir()) == files
    assert (workspace.data_dir / "CURRENT").read_bytes() == pointer
    # Without --allow-rejects the rejected row still fails the run, as it did the first time.
    assert workspace.build()[0] == 1
    assert workspace.query("SELECT max(run_id) FROM ingest_runs") == [(1,)]


def test_one_changed_byte_makes_the_register_read_again(workspace: Workspace) -> None:
    _build(workspace)
    title = workspace.query("SELECT title FROM recommendations ORDER BY 1 LIMIT 1")[0][0]
    workspace.replace_in("recommendations", title, title[:-1] + "X")
    code, output = _build(workspace)
    assert code == 0
    assert "unchanged (same content)" not in output
    titles = [r[0] for r in workspace.query("SELECT title FROM recommendations")]
    assert title[:-1] + "X" in titles and title not in titles


def test_a_changed_vocabulary_is_a_changed_content(workspace: Workspace, tmp_path: Path) -> None:
    from ingest.build import UnreadRegister

    vocabularies = tmp_path / "vocabularies"
    shutil.copytree(VOCABULARIES.directory, vocabularies)
    register = UnreadRegister("register-test", workspace.register)
    before = register.content_hash(load_vocabularies(vocabularies))
    scale = vocabularies / "stance.csv"
    scale.write_text(scale.read_text(encoding="utf-8") + "accepted,plutôt oui,fr,\n")
    assert register.content_hash(load_vocabularies(vocabularies)) != before


def test_synth_writes_registers_that_build_cleanly(tmp_path: Path) -> None:
    folder = tmp_path / "synthetic-registers"
    result = CliRunner().invoke(
        app,
        [
            "synth", "--as-registers", str(folder), "--institutions", "3",
            "--recommendations", "60", "--events", "400",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (folder / "synthetic").glob("*.csv"))
    build = CliRunner().invoke(
        app,
        ["build", "--sources", str(folder / "sources.toml"), "--data-dir", str(tmp_path / "b")],
    )
    assert build.exit_code == 0, build.output
    ws = Workspace(tmp_path, folder / "synthetic", folder / "sources.toml", tmp_path / "b")
    assert ws.query("SELECT count(*) FROM recommendations") == [(60,)]
    assert ws.query("SELECT count(*) FROM institutions WHERE name LIKE 'Synthetic%'") == [(3,)]


@pytest.mark.parametrize(
    "data",
    [
        "Cycle deux été ✓ 😀".encode(),
        b"caf\xe9",  # Windows-1252
        b"\xed\xa0\x80",  # a UTF-16 surrogate
        b"\xc0\x80",  # an overlong NUL
        b"\xe0\x80\xaf",  # an overlong slash
        b"\xf4\x90\x80\x80",  # past U+10FFFF
        b"\xe2\x82",  # cut short
        b"\x80",  # a lone continuation byte
        b"\xef\xbf\xbf\xf4\x8f\xbf\xbf",  # the last code points of two planes
    ],
)
def test_the_fast_reader_judges_utf8_as_python_does(data: bytes) -> None:
    try:
        data.decode("utf-8")
        decodes = True
    except UnicodeDecodeError:
        decodes = False
    assert columnar.is_utf8(data) == decodes


@pytest.mark.parametrize(
    ("ending", "fast"),
    [
        ("\n", True),
        ("\r\n", True),
        ("\n\n", False),  # a blank line
        ("\r\n\r\n", False),  # a blank line, Windows line ends
        ("\r", False),  # a carriage return alone
    ],
)
def test_blank_lines_and_lone_carriage_returns_go_the_careful_way(
    tmp_path: Path, ending: str, fast: bool
) -> None:
    header = "recommendation_id,cycle_id,title,source_url"
    rows = ["r-1,c-1,First,https://example.org/r1", "r-2,c-1,Second,https://example.org/r2"]
    path = tmp_path / "recommendations.csv"
    path.write_bytes(
        ("\r\n".join([header, rows[0]]) + ending + rows[1] + "\r\n").encode()
        if "\r" in ending
        else ("\n".join([header, rows[0]]) + ending + rows[1] + "\n").encode()
    )
    opened = columnar.open_csv_file(path, "recommendations", "recommendations.csv")
    assert (opened is not None) == fast


@pytest.mark.parametrize(
    ("data", "whole"),
    [
        (b"a,b\n", True),  # no quote at all
        (b'"a, b",c\n', True),
        (b'a,"b ""c""",d\r\n"e",f\n', True),  # doubled inside, several cells and lines
        (b'a,"b",c\nd,e"f\n', False),  # a stray quote after the last quoted cell
        (b'a"b,"c"\n', False),  # a stray quote before the first
        (b'"a","b"x\n', False),  # text after the closing quote
        (b'"a\nb",c\n', False),  # a line break inside quotes
        (b'"a" ,b\n', False),
    ],
)
def test_quotes_count_as_whole_cells_only_between_delimiters(data: bytes, whole: bool) -> None:
    assert columnar._quotes_are_whole_cells(data) == whole
