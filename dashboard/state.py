"""Per-session facts the pages share: which snapshot this rerun reads.

app.py resolves CURRENT once per rerun and publishes it here, so every query of one rerun
reads the same snapshot even if a build publishes a new one halfway through.
"""

from __future__ import annotations

import streamlit as st

from dashboard.messages import t
from dashboard.snapshot import Snapshot

_SNAPSHOT_KEY = "uptake_snapshot_path"


def publish_snapshot(found: Snapshot) -> None:
    previous = st.session_state.get(_SNAPSHOT_KEY)
    path = str(found.path)
    if previous is not None and previous != path:
        st.toast(t("app.new_snapshot", name=found.id), icon=":material/update:")
    st.session_state[_SNAPSHOT_KEY] = path


def snapshot_path() -> str:
    """The snapshot this rerun reads; pages run only after app.py has set it."""
    return str(st.session_state[_SNAPSHOT_KEY])
