"""Uptake dashboard: a read-only Streamlit app over the published DuckDB snapshot."""
