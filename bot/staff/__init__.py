"""Tools for city staff: check the data, preview an answer, translation coverage, the report page."""
