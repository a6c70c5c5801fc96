"""Atom feeds per institution, cycle and recommendation, built from scope_changes.

Entries are dated by the event they record (never by the build that loaded it), and their ids
are derived from the record itself, so a reader sees an entry once however often the snapshot
is rebuilt. A feed's `updated` is its newest event, for the same reason.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from typing import Any

import polars as pl
from feedgen.feed import FeedGenerator

from dashboard import formats, queries
from dashboard.messages import current_language
from dashboard.messages import plain as t
from dashboard.permalinks import with_language

# The earliest day a feed looks back to: every dated record.
EPOCH = date(1900, 1, 1)


class UnknownFeed(LookupError):
    """No institution, cycle or recommendation with that id: the route answers 404."""


def _moment(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _entry_id(row: dict[str, Any]) -> str:
    key = "|".join(
        str(row.get(name))
        for name in (
            "kind",
            "recommendation_id",
            "cycle_id",
            "on_date",
            "value",
            "assessor",
            "source_url",
            "state",
        )
    )
    return f"urn:uptake:event:{hashlib.sha256(key.encode()).hexdigest()[:32]}"


def _entry_title(row: dict[str, Any]) -> str:
    what = row["title"] or row["cycle_title"]
    change = row["label"] or row["value"] or ""
    if row["before_value"] is not None:
        change = f"{row['before_value']} → {change}"
    kind = t(f"briefing.kind.{row['kind']}")
    return f"{kind}: {what} — {change}"


def _feed(feed_id: str, title: str, page: str, self_url: str, rows: pl.DataFrame) -> bytes:
    generator = FeedGenerator()
    generator.id(feed_id)
    generator.title(title)
    generator.link(href=page, rel="alternate")
    generator.link(href=self_url, rel="self")
    generator.language(current_language())
    newest = rows["on_date"].max() if rows.height else EPOCH
    generator.updated(_moment(newest))  # type: ignore[arg-type]
    # feedgen prepends each entry; adding oldest first leaves the newest on top.
    for row in reversed(rows.to_dicts()):
        entry = generator.add_entry()
        entry.id(_entry_id(row))
        entry.title(_entry_title(row))
        entry.updated(_moment(row["on_date"]))
        entry.published(_moment(row["on_date"]))
        if row["source_url"]:
            entry.link(href=row["source_url"], rel="alternate")
        entry.content(
            t(
                "feeds.entry",
                date=formats.date_as_precise_as(row["on_date"], row["on_date_precision"]),
                precision=t(f"feeds.precision.{row['on_date_precision'] or 'day'}"),
                state=t(f"detail.state.{row['state']}"),
                source=row["source_url"] or t("common.not_recorded"),
            ),
            type="text",
        )
    return bytes(generator.atom_str(pretty=True))


def institution_feed(path: str, institution_id: str, root: str) -> bytes:
    row = queries.institution_row(path, institution_id)
    if row is None:
        raise UnknownFeed(t("feeds.unknown", kind=t("feeds.kind.institution"), id=institution_id))
    return _feed(
        f"urn:uptake:institution:{institution_id}",
        t("feeds.title", name=row["institution_name"]),
        with_language(f"{root}/overview?institution={institution_id}"),
        with_language(f"{root}/feeds/institution/{institution_id}.atom"),
        queries.dated_changes(path, institution_id, None, EPOCH),
    )


def cycle_feed(path: str, cycle_id: str, root: str) -> bytes:
    row = queries.cycle_row(path, cycle_id)
    if row is None:
        raise UnknownFeed(t("feeds.unknown", kind=t("feeds.kind.cycle"), id=cycle_id))
    return _feed(
        f"urn:uptake:cycle:{cycle_id}",
        t("feeds.title", name=f"{row['institution_name']} — {row['title']}"),
        with_language(f"{root}/overview?institution={row['institution_id']}"),
        with_language(f"{root}/feeds/cycle/{cycle_id}.atom"),
        queries.dated_changes(path, row["institution_id"], cycle_id, EPOCH),
    )


def recommendation_feed(path: str, recommendation_id: str, root: str) -> bytes:
    row = queries.recommendation(path, recommendation_id)
    if row is None:
        raise UnknownFeed(
            t("feeds.unknown", kind=t("feeds.kind.recommendation"), id=recommendation_id)
        )
    return _feed(
        f"urn:uptake:recommendation:{recommendation_id}",
        t("feeds.title", name=row["title"]),
        with_language(f"{root}/explorer?rec={recommendation_id}"),
        with_language(f"{root}/feeds/recommendation/{recommendation_id}.atom"),
        queries.recommendation_changes(path, recommendation_id),
    )
