"""SQL building blocks the read modules share: live-row clauses, JSON columns, pages of a table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import String, and_, cast, or_

from catalogue.db.models import (
    Construct,
    SequenceRecord,
    Trial,
)

_live_construct = Construct.archived_at.is_(None)
_live_trial = Trial.archived_at.is_(None)
# One registration per study: registrations of one study (linked by secondary IDs or a curator) share a
# study_id, the id of the registration that stands for the study (kept by catalogue.curation.studies).
_one_registration_per_study = or_(Trial.study_id.is_(None), Trial.study_id == Trial.id)
_live_study = and_(_live_trial, _one_registration_per_study)  # what every count and list of trials counts
_live_record = SequenceRecord.archived_at.is_(None)


def columns_of(table, names: str) -> tuple:
    """The columns of ``table`` named in ``names`` (separated by spaces), in that order: a query's column list
    written once as words."""
    return tuple(getattr(table, name) for name in names.split())


def _json_list_contains(column, value: str):
    """A JSON list column (read as text) holding ``value``: a LIKE on its JSON spelling.

    The lists are written by SQLAlchemy's JSON serialiser (``json.dumps``), so a
    value is stored exactly as ``json.dumps(value)`` spells it on both backends.
    """
    import json

    return cast(column, String).contains(json.dumps(value), autoescape=True)


def _json_text(column):
    return cast(column, String)


def _json_value(text: str | None) -> Any:
    import json

    if text is None:
        return None
    return json.loads(text)


@dataclass(frozen=True, eq=False)
class TablePage:
    """One page of a filtered table: its rows, and how many rows match in all."""

    rows: pd.DataFrame
    total: int
    limit: int
    offset: int
