"""What the tests compare databases by: a checksum of every row of every table."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlmodel import SQLModel


def database_checksum(engine) -> str:
    digest = hashlib.sha256()
    with engine.connect() as connection:
        for name, table in sorted(SQLModel.metadata.tables.items()):
            order = [c for c in table.primary_key.columns]
            for row in connection.execute(select(table).order_by(*order)):
                digest.update(repr((name, tuple(row))).encode())
    return digest.hexdigest()
