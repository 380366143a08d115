"""Values checked against the schema before they are written: text within its column's width, whole
numbers within the 32-bit INTEGER columns, names and counts within :mod:`catalogue.bounds`.

Parsers check what they read (naming file, record and line); these checks hold for every caller of the
service layer, so nothing reaches the database that one backend would store and the other refuse.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer

from catalogue import bounds
from catalogue.errors import InvalidInput
from catalogue.parse.trial_fields import normalise_as_of, normalise_date

_INT32 = range(-(2**31), 2**31)


def check_widths(model, values: dict[str, Any], where: str) -> None:
    """Refuse a text value longer than its column, and a non-integer or out-of-range integer column value."""
    columns = model.__table__.columns
    for key, value in values.items():
        column = columns.get(key)
        if column is None or value is None:
            continue
        length = getattr(column.type, "length", None)
        if isinstance(value, str) and length is not None and len(value) > length:
            raise InvalidInput(f"{where}: {key} {value[:40]!r}... is {len(value):,} characters long; "
                               f"at most {length} are allowed")
        if isinstance(column.type, Integer):
            if isinstance(value, bool) or not isinstance(value, int):
                raise InvalidInput(f"{where}: {key} {value!r} is not a whole number")
            if value not in _INT32:
                raise InvalidInput(f"{where}: {key} {value:.3g} is out of range")


def participants(value: int | None, what: str, where: str) -> int | None:
    """A participant count (enrollment, patients treated) within :data:`catalogue.bounds.MAX_PARTICIPANTS`."""
    if value is None:
        return None
    try:
        return bounds.participants(value, what)
    except ValueError as error:
        raise InvalidInput(f"{where}: {error}") from None


def registry_date(value: str | None, what: str, where: str) -> str | None:
    """A date as registries give it (YYYY, YYYY-MM or YYYY-MM-DD, years within the bounds)."""
    try:
        return normalise_date(value)
    except ValueError as error:
        raise InvalidInput(f"{where}: {what}: {error}") from None


def as_of(value: str | None, where: str) -> str | None:
    """The date of a curated figure: a calendar date, never in the future."""
    try:
        return normalise_as_of(value)
    except ValueError as error:
        raise InvalidInput(f"{where}: as-of date: {error}") from None
