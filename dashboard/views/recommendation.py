"""One recommendation, one page: `/recommendation?rec=ID` shows it alone (no table above it),
printable, with its permalink (copy button) and its Atom feed. The full record is drawn by
dashboard/detail.py, the same as in the explorer."""

from __future__ import annotations

from urllib.parse import quote

import streamlit as st

from dashboard import detail, exports, permalinks, queries, state
from dashboard.messages import t
from dashboard.permalinks import with_language

PARAM = "rec"
# Print: the record alone, no menus or buttons, over the page's width.
PRINT_CSS = """
<style>
@media print {
  header, [data-testid="stHeader"], [data-testid="stSidebar"], [data-testid="stToolbar"],
  [data-testid="stDecoration"], [data-testid="stStatusWidget"], nav,
  [data-testid="stBaseButton-secondary"], [data-testid="stLinkButton"], .stButton
    { display: none !important; }
  [data-testid="stMainBlockContainer"], .block-container { max-width: 100% !important;
    padding: 0 !important; }
}
</style>
"""


def _closed() -> None:
    permalinks.replace(st.query_params, {})


def render() -> None:
    st.html(PRINT_CSS)
    path = state.snapshot_path()
    wanted = st.query_params.get(PARAM)
    if not wanted:
        st.title(t("recommendation_page.title"))
        st.info(t("recommendation_page.none"))
        return
    if not queries.recommendation_exists(path, wanted):
        st.title(t("recommendation_page.title"))
        st.error(t("recommendation_page.unknown", id=wanted[:80]))
        return
    detail.render(path, wanted, on_close=_closed)
    root = exports.app_root(st.context.url)
    st.link_button(
        t("feeds.link"),
        with_language(f"{root}/feeds/recommendation/{quote(wanted)}.atom"),
        icon=":material/rss_feed:",
    )
    st.caption(t("recommendation_page.link"))
    st.code(with_language(f"{root}/recommendation?rec={quote(wanted)}"), language=None)


render()
