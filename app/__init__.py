"""The Streamlit shell: entry point, process-wide runtime, shared widgets and charts."""
