"""Where the catalogue keeps its database, and its limits. Read from the environment."""

from __future__ import annotations

import os
from pathlib import Path

DATABASE_URL_ENV = "CATALOGUE_DATABASE_URL"
DATA_DIR_ENV = "CATALOGUE_DATA_DIR"
MAX_UPLOAD_BYTES_ENV = "CATALOGUE_MAX_UPLOAD_BYTES"
MAX_SEQUENCE_LENGTH_ENV = "CATALOGUE_MAX_SEQUENCE_LENGTH"
CTGOV_API_URL_ENV = "CATALOGUE_CTGOV_API_URL"

DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_SEQUENCE_LENGTH = 1_000_000


def data_dir() -> Path:
    """The local data folder of the embedded database (``./data`` unless configured)."""
    return Path(os.environ.get(DATA_DIR_ENV) or Path.cwd() / "data")


def default_database_url() -> str:
    return f"sqlite:///{data_dir() / 'catalogue.sqlite'}"


def database_url(explicit: str | None = None) -> str:
    """The database to use: an explicit URL, else $CATALOGUE_DATABASE_URL, else the SQLite default."""
    url = explicit or os.environ.get(DATABASE_URL_ENV) or default_database_url()
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        # psycopg 3 is the driver; accept the plain libpq-style scheme too.
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def max_upload_bytes() -> int:
    return _int_env(MAX_UPLOAD_BYTES_ENV, DEFAULT_MAX_UPLOAD_BYTES)


def max_sequence_length() -> int:
    return _int_env(MAX_SEQUENCE_LENGTH_ENV, DEFAULT_MAX_SEQUENCE_LENGTH)


def ctgov_api_url() -> str | None:
    """The ClinicalTrials.gov API v2 studies endpoint ``fetch trials`` reads, when configured (a mirror, a test server)."""
    return os.environ.get(CTGOV_API_URL_ENV) or None
