"""Where the catalogue keeps its database, and its limits. Read from the environment."""

from __future__ import annotations

import os
from pathlib import Path

from catalogue.errors import CatalogueError

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


_LARGEST_SETTING = 2**31 - 1  # a length must fit the 32-bit INTEGER columns (see catalogue.bounds)


def _int_env(name: str, default: int) -> int:
    """A whole-number setting from 1 to 2**31 - 1; a malformed one is a one-line error naming it."""
    value = os.environ.get(name, "").strip().replace("_", "")
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise CatalogueError(f"the setting {name}={os.environ[name]!r} is not a whole number") from None
    if not 1 <= number <= _LARGEST_SETTING:
        raise CatalogueError(f"the setting {name}={os.environ[name]!r} is outside 1-{_LARGEST_SETTING:,}")
    return number


def max_upload_bytes() -> int:
    """The largest file, in bytes, the catalogue reads: every upload and import (``CATALOGUE_MAX_UPLOAD_BYTES``).

    A plain function for every reader of files (see :func:`catalogue.bounds.check_upload_size`); an archive
    reader applies it to the bytes it expands as well.
    """
    return _int_env(MAX_UPLOAD_BYTES_ENV, DEFAULT_MAX_UPLOAD_BYTES)


def max_sequence_length() -> int:
    """The longest sequence record accepted (``CATALOGUE_MAX_SEQUENCE_LENGTH``)."""
    return _int_env(MAX_SEQUENCE_LENGTH_ENV, DEFAULT_MAX_SEQUENCE_LENGTH)


def ctgov_api_url() -> str | None:
    """The ClinicalTrials.gov API v2 studies endpoint ``fetch trials`` reads, when configured (a mirror, a test server)."""
    return os.environ.get(CTGOV_API_URL_ENV) or None
