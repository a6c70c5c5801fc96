"""Entry point: find the published snapshot, show the synthetic-data banner, route to a page.

Run with `streamlit run dashboard/server.py` from the repository root, as `make run` does: it
serves these pages with the feeds and open-data files beside them, warms up at start and turns
Nagle's algorithm off on its connections (dashboard/nodelay.py). `streamlit run
dashboard/app.py` serves the pages alone, as the tests and benchmarks sometimes do.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run` puts only this file's folder on sys.path; the pages import the `dashboard`
# package, so the repository root must be importable even when the project is not installed.
_REPO_ROOT = str(Path(__file__).resolve().parents[1])
if _REPO_ROOT not in sys.path:
    sys.path.insert(0, _REPO_ROOT)

from dashboard import libraries  # noqa: E402

# Before anything else imports them: concurrent first runs must not see half-loaded modules.
libraries.load()

import duckdb  # noqa: E402
import streamlit as st  # noqa: E402

from dashboard import formats, language, queries, snapshot, state  # noqa: E402
from dashboard.messages import t  # noqa: E402

# No page icons: Streamlit turns a page's icon into the favicon, fetched from a font CDN,
# and the app must work offline.
# The menu: the follow-up pages as links, then what a reader takes away under one section,
# so the top bar never overflows into Streamlit's own (untranslated) "N more" menu. A section
# key of "" puts its pages in the bar itself.
PAGES = {
    "": [
        ("views/overview.py", "overview", "nav.overview"),
        ("views/explorer.py", "explorer", "nav.explorer"),
        ("views/timelines.py", "timelines", "nav.timelines"),
        ("views/compare.py", "compare", "nav.compare"),
        ("views/sources.py", "sources", "nav.sources"),
    ],
    "nav.take_away": [
        ("views/briefing.py", "briefing", "briefing.page_title"),
        ("views/meeting_list.py", "meeting-list", "meeting.page_title"),
        ("views/open_data.py", "open-data", "open_data.page_title"),
        ("views/changes.py", "changes", "changes.page_title"),
    ],
}
# Pages reached by link only (a recommendation's own page), not listed in the menu.
HIDDEN_PAGES = [
    ("views/recommendation.py", "recommendation", "recommendation_page.title"),
]


def _no_snapshot(missing: snapshot.Missing) -> None:
    st.title(t("app.title"))
    st.error(t(f"app.no_snapshot.{missing.reason}", data_dir=str(missing.data_dir)))
    st.markdown(t("app.no_snapshot.how"))
    st.code(t("app.no_snapshot.command"), language="bash")
    st.caption(t("app.no_snapshot.env", env=snapshot.DATA_DIR_ENV))


def _restart_if_superseded(found: snapshot.Snapshot) -> None:
    """A build pruned the snapshot this run was reading: run again on the current one, whose
    arrival state.publish_snapshot announces, instead of showing an error."""
    if snapshot.superseded(found):
        st.rerun()


def main() -> None:
    language.apply()
    st.set_page_config(
        page_title=t("app.title"),
        layout="wide",
        initial_sidebar_state="auto",
    )
    found = snapshot.current()
    if isinstance(found, snapshot.Missing):
        _no_snapshot(found)
        return
    try:
        facts = queries.snapshot_facts(str(found.path))
        missing = queries.missing_views(str(found.path))
    except duckdb.Error as error:
        _restart_if_superseded(found)
        st.title(t("app.title"))
        st.error(t("app.unreadable_snapshot", name=found.id, reason=type(error).__name__))
        st.code(t("app.no_snapshot.command"), language="bash")
        return
    if missing:
        st.title(t("app.title"))
        st.error(t("app.outdated_snapshot", name=found.id, views=", ".join(missing)))
        st.code(t("app.no_snapshot.command"), language="bash")
        return
    state.publish_snapshot(found)

    pages = {
        t(section) if section else "": [
            st.Page(path, title=t(title), url_path=url, default=url == "overview")
            for path, url, title in listed
        ]
        for section, listed in PAGES.items()
    }
    pages[""] += [
        st.Page(path, title=t(title), url_path=url, visibility="hidden")
        for path, url, title in HIDDEN_PAGES
    ]
    current_page = st.navigation(pages, position="top")
    language.switcher()
    if facts.get("is_synthetic"):
        st.warning(t("app.synthetic_banner"), icon=":material/science:")
    try:
        current_page.run()
    except duckdb.Error as error:
        # A snapshot that opens but cannot answer (e.g. replaced mid-read) gets a notice and
        # the fix, never a traceback.
        _restart_if_superseded(found)
        st.error(t("app.query_failed", reason=type(error).__name__))
        st.code(t("app.no_snapshot.command"), language="bash")
    built_at = facts.get("built_at")
    st.divider()
    st.caption(
        t(
            "app.footer",
            snapshot=found.id,
            built=formats.moment(built_at),
        )
    )


# One page run at a time per process (see dashboard/libraries.py); sessions queue here.
with libraries.exclusive():
    main()
