"""The one cache of read results, keyed on the catalogue revision.

Every write transaction that changes something raises the catalogue revision (one row, CatalogueState), so
a result computed at revision R stays correct until the revision changes, in this process or in any other
instance on the same database. Checking costs one primary-key read. The read functions the pages call are
decorated with :func:`revision_cached`, so the CLI, the app and the benchmarks share this one cache; the app
adds none of its own. Accounts and roles are never cached. Every caller gets its own copy of a cached
result: read models (:mod:`catalogue.read.models`) are frozen, but the tables (DataFrames) and per-target
counts (dicts) they hold are not, and a page that changes one must not change what the next caller reads.
"""

from __future__ import annotations

import copy
import functools
import threading
from collections import OrderedDict
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Engine

from catalogue.db.models import CatalogueState

CACHE_SIZE = 512  # results kept, least recently used first out
_cache: OrderedDict[tuple, tuple[int, Any]] = OrderedDict()
_cache_lock = threading.Lock()


def catalogue_revision(engine: Engine) -> int:
    """The catalogue's revision: it changes whenever a write changes something."""
    with engine.connect() as connection:
        revision = connection.execute(select(CatalogueState.revision).where(CatalogueState.id == 1)).scalar()
    return revision or 0


def _fresh(value: Any) -> Any:
    """What a caller gets of a cached value: its own copy, which it may change (a frozen read model is copied
    too, for the DataFrames and dicts inside it)."""
    if value is None or isinstance(value, (str, int, float, bytes, tuple)):
        return value
    if isinstance(value, pd.DataFrame):
        return value.copy()
    if isinstance(value, list) and all(isinstance(v, str) for v in value[:1]):
        return list(value)
    return copy.deepcopy(value)


def revision_cached(function):
    """Cache ``function(engine, ...)`` per database, arguments and catalogue revision."""

    @functools.wraps(function)
    def cached(engine: Engine, *args: Any, **kwargs: Any) -> Any:
        revision = catalogue_revision(engine)  # read first: the result is at least this new
        key = (str(engine.url), function.__name__, args, tuple(sorted(kwargs.items())))
        with _cache_lock:
            hit = _cache.get(key)
            if hit is not None and hit[0] == revision:
                _cache.move_to_end(key)
                return _fresh(hit[1])
        value = function(engine, *args, **kwargs)
        with _cache_lock:
            _cache[key] = (revision, value)
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
        return _fresh(value)

    cached.uncached = function  # type: ignore[attr-defined]
    return cached


def clear_cache() -> None:
    """Forget every cached result (benchmarks measuring a cold page; never needed for correctness)."""
    with _cache_lock:
        _cache.clear()
