"""The institution scope shared by the overview and compare pages, kept in the URL.

Both pages read `?institution=a&institution=b`; an empty scope means every institution.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import permalinks, ui
from dashboard.messages import t

PARAM = "institution"


def institution_scope(page: str, institutions: pl.DataFrame, *, label_key: str) -> tuple[str, ...]:
    """Render the scope picker, seeded from the URL on first load; returns the chosen ids."""
    names = dict(zip(institutions["institution_id"], institutions["name"], strict=True))
    widget = f"{page}_scope"
    last_url = f"{page}_scope_url"
    raw = permalinks.current(st.query_params)
    if raw != st.session_state.get(last_url):
        parsed = permalinks.parse(raw, choices={PARAM: names.keys()})
        ui.notices(parsed.notices)
        st.session_state[widget] = parsed.lists.get(PARAM, [])
    chosen = st.multiselect(
        t(label_key),
        options=list(names),
        format_func=names.__getitem__,
        key=widget,
        placeholder=t("scope.all"),
    )
    wanted = {PARAM: list(chosen)} if chosen else {}
    if wanted != raw:
        permalinks.replace(st.query_params, wanted)
    st.session_state[last_url] = wanted
    return tuple(chosen)
