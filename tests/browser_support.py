"""Running the app for real in the tests: the launcher of :mod:`bench.browser`, with the tests' folders."""

from __future__ import annotations

from contextlib import contextmanager

from bench.browser import CHROMIUM, CHROMIUM_ARGS, REPO_ROOT, free_port, wait_for_app
from bench.browser import streamlit_server as _streamlit_server

SCREENSHOTS = REPO_ROOT / "artifacts" / "screenshots"

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "REPO_ROOT", "SCREENSHOTS", "free_port", "streamlit_server", "wait_for_app"]


@contextmanager
def streamlit_server(database_url: str, *, timeout_s: float = 60.0):
    """``streamlit run app.py`` on 127.0.0.1 with the given database; yields its base URL; stops it after."""
    artifacts = REPO_ROOT / "artifacts"
    log = artifacts / "streamlit.log" if artifacts.is_dir() else None
    with _streamlit_server("app.py", database_url=database_url, log=log, timeout_s=timeout_s) as base:
        yield base
