"""One module per dashboard page; each renders itself when Streamlit runs it as a page."""
