"""The one serializer of read results: a read model (or any result of :mod:`catalogue.read`) to JSON values.

:func:`to_json` is what the CLI's ``--json`` prints and what an export of read results writes. A frozen
dataclass becomes an object with its fields in declaration order (so a model's field order is the JSON's key
order: the contract documented in the README), the architecture proposal of
:mod:`catalogue.detect.architecture` included; tuples and lists become arrays; a DataFrame becomes an array of
row objects with missing values as ``null``; dates and times become ISO 8601 text; bytes are described, not
dumped. Everything else is returned as it is.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any

import pandas as pd


def to_json(value: Any) -> Any:
    """``value`` as JSON-ready values (dicts, lists, str, int, float, bool, None)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: to_json(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {key: to_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(item) for item in value]
    if isinstance(value, pd.DataFrame):
        return [to_json(row) for row in value.astype(object).where(value.notna(), None).to_dict("records")]
    return json_scalar(value)


def json_scalar(value: Any) -> Any:
    """One value JSON cannot hold as it is, in words JSON can; others unchanged."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if value is pd.NA:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # a numpy number read from a DataFrame
        return value.item()
    return value
