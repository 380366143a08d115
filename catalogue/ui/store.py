"""The app's database engine and cached reads.

The engine is made once per database URL (``st.cache_resource``); query
results are cached per URL, catalogue revision and arguments (``st.cache_data``).
Every write raises the catalogue revision, so a change made here or in another
app instance on the same database shows at the next rerun; the cache is also
cleared after every write the app makes.
"""

from __future__ import annotations

from typing import Any

import streamlit as st
from sqlalchemy.engine import Engine

from catalogue import config, db
from catalogue import read as read_side

READ_TTL_SECONDS = 3600  # results are keyed on the catalogue revision; the TTL only bounds memory


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


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False, max_entries=512)
def _read(url: str, revision: int, query: str, args: tuple, kwargs: tuple) -> Any:
    return getattr(read_side, query)(_engine(url), *args, **dict(kwargs))


def read(query: str, *args: Any, **kwargs: Any) -> Any:
    """``catalogue.read.<query>(engine, *args, **kwargs)``, cached for this database at its current revision."""
    url = database_url()
    revision = read_side.catalogue_revision(_engine(url))
    return _read(url, revision, query, args, tuple(sorted(kwargs.items())))


def written() -> None:
    """Forget every cached read: call after each write."""
    _read.clear()
