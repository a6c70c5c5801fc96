"""Open data: every published table as CSV, XLSX, Parquet or JSON, and the whole snapshot as
a Frictionless data package."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard import exports, queries, state
from dashboard.exports import datapackage
from dashboard.messages import t


def render() -> None:
    st.title(t("open_data.page_title"))
    st.caption(t("open_data.intro"))
    path = state.snapshot_path()
    snapshot_id = Path(path).name
    st.download_button(
        t("open_data.package"),
        data=lambda: datapackage.build_zip(path, snapshot_id),
        file_name=f"uptake-{snapshot_id.removesuffix('.duckdb')}-datapackage.zip",
        mime="application/zip",
        on_click="ignore",
        type="primary",
    )
    st.caption(t("open_data.package_help"))
    for table in datapackage.published_tables():
        with st.container(border=True):
            st.subheader(t(f"open_data.table.{table.name}.title"))
            st.caption(
                t(
                    "open_data.table_caption",
                    name=table.name,
                    description=t(f"open_data.table.{table.name}.description"),
                )
            )
            frame = queries.published_view(path, table.name)
            st.caption(t("open_data.rows", n=frame.height, columns=frame.width))
            exports.download_buttons(frame, table.name, key=f"open_{table.name}")


render()
