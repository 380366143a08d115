"""The app's database engine.

The engine is made once per database URL (``st.cache_resource``). Pages call the typed functions of
:mod:`catalogue.read` with it; their results are cached there, per catalogue revision
(:mod:`catalogue.read.cache`), so a change made here or in another app instance on the same database
shows at the next rerun. The app keeps no cache of query results of its own.
"""

from __future__ import annotations

import streamlit as st
from sqlalchemy.engine import Engine

from catalogue import config, db


def database_url() -> str:
    """The database the app uses: $CATALOGUE_DATABASE_URL, else ./data/catalogue.sqlite."""
    return config.database_url()


@st.cache_resource(show_spinner=False)
def _engine(url: str) -> Engine:
    engine = db.make_engine(url)
    db.ensure_schema(engine)
    return engine


def engine() -> Engine:
    return _engine(database_url())
