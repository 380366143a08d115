"""Running the Streamlit app headless with AppTest: a demo database, opening the app, visiting pages, signing in.

Shared by test_app.py and test_app_curate.py.
"""

from __future__ import annotations

from pathlib import Path

from catalogue import curation, db

APP = Path(__file__).resolve().parent.parent / "app.py"
PAGES = {
    "Portfolio": "catalogue/ui/portfolio.py",
    "Targets": "catalogue/ui/targets.py",
    "Constructs": "catalogue/ui/constructs.py",
    "Trials": "catalogue/ui/trials.py",
    "Compare": "catalogue/ui/compare.py",
    "What changed": "catalogue/ui/changes.py",
    "Curate": "catalogue/ui/curate.py",
    "Audit": "catalogue/ui/audit.py",
}


def demo_database(folder: Path) -> tuple[str, object]:
    """A SQLite catalogue in ``folder`` with the demo loaded: its URL and engine."""
    url = f"sqlite:///{folder / 'catalogue.sqlite'}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    curation.load_demo(engine, curation.local_operator())
    return url, engine


def open_app(monkeypatch, url: str):
    """The app on the database at ``url``, not yet run."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("CATALOGUE_DATABASE_URL", url)
    return AppTest.from_file(str(APP), default_timeout=60)


def visit(at, page: str, **params: str):
    """Switch to ``page`` (a key of PAGES) with exactly these query parameters and run it; no exception."""
    at.switch_page(PAGES[page])
    for key in list(at.query_params):
        del at.query_params[key]
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_tab(at, label: str, *, key: str = "curate_tab"):
    """Choose the tab ``label`` of the tabs with ``key`` (Curate's by default) and run: only the open tab is built."""
    at.session_state[key] = label
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def sign_in(at, name: str, password: str):
    """Fill in and submit the sidebar's sign-in form."""
    at.sidebar.text_input(key="sign_in_name").input(name)
    at.sidebar.text_input(key="sign_in_password").input(password)
    next(b for b in at.sidebar.button if b.label == "Sign in").click()
    return at.run()
