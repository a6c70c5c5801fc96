"""`python -m dashboard.briefing --institution ID [--cycle ID] [--addressee NAME]
[--since DATE] [--until DATE] [--lang xx] --format pdf|md --out FILE`: the app's briefing, from
the shell.

Reads the published snapshot (UPTAKE_DATA_DIR, as the app does). A scope the snapshot cannot
answer exits with status 2 and the reason, and writes no file.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from dashboard import snapshot
from dashboard.briefing import Scope, ScopeError, build, markdown, pdf
from dashboard.messages import DEFAULT_LANGUAGE, speaking, supported_languages
from dashboard.messages import plain as t


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from error


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m dashboard.briefing", description="Write a briefing as PDF or Markdown."
    )
    parser.add_argument("--institution", required=True, help="institution id")
    parser.add_argument("--cycle", help="cycle id (one of the institution's)")
    parser.add_argument("--addressee", help="committee or addressee, as the register names it")
    parser.add_argument("--since", type=_date, help="start of 'what changed' (YYYY-MM-DD)")
    parser.add_argument("--until", type=_date, help="end of 'what changed' (YYYY-MM-DD)")
    parser.add_argument("--format", choices=("pdf", "md"), required=True)
    parser.add_argument("--out", type=Path, required=True, help="file to write")
    parser.add_argument("--data-dir", type=Path, help="snapshot folder (default: as the app)")
    parser.add_argument(
        "--lang",
        choices=supported_languages(),
        default=DEFAULT_LANGUAGE,
        help="language of the briefing (default: English)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    with speaking(args.lang):
        return _write(args)


def _write(args: argparse.Namespace) -> int:
    found = snapshot.current(args.data_dir)
    if isinstance(found, snapshot.Missing):
        print(t("briefing.error.no_snapshot", data_dir=found.data_dir), file=sys.stderr)
        return 2
    scope = Scope(
        institution_id=args.institution,
        cycle_id=args.cycle,
        addressee=args.addressee,
        since=args.since,
        until=args.until,
    )
    try:
        briefing = build(str(found.path), found.id, scope)
    except ScopeError as error:
        print(str(error), file=sys.stderr)
        return 2
    if args.format == "pdf":
        args.out.write_bytes(pdf.render(briefing))
    else:
        args.out.write_text(markdown.render(briefing), encoding="utf-8")
    print(f"{args.out} ({args.format}, {briefing.citation})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
