"""Rows the service layer's units look up inside a caller's transaction: a live construct or trial, a target by any of
its names, the products trial classification uses. Reads only; imported by the modules that write, never the
other way round, so the service layer has no import cycle.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlmodel import Session

from catalogue.db.models import Construct, CuratedProduct, Target, Trial
from catalogue.errors import NotFound
from catalogue.reference.products import FACTS, Product, merged_products, product_from_values

Row = TypeVar("Row", Construct, Trial)

_COLUMNS = ("name", "aliases", "patterns", "targets", "notes", *FACTS, *(f"{fact}_source" for fact in FACTS))


def find_target(session: Session, symbol: str) -> Target | None:
    """The target named ``symbol``, or whose aliases include it (SLAMF7 → CS1, TNFRSF17 → BCMA)."""
    target = session.exec(select(Target).where(Target.symbol == symbol)).scalars().first()
    if target is not None:
        return target
    wanted = symbol.casefold()
    for candidate in session.exec(select(Target).where(Target.aliases.is_not(None))).scalars():
        if (
            wanted in {alias.casefold() for alias in candidate.aliases or []}
            or wanted == (candidate.gene_symbol or "").casefold()
        ):
            return candidate
    return None


def live_construct(session: Session, name: str) -> Construct:
    """The construct (not archived) of this name, or NotFound. A unit."""
    return _live(session, Construct, Construct.name, name, f"no construct named {name!r}")


def live_trial(session: Session, registry_id: str) -> Trial:
    """The trial (not archived) with this registry ID, or NotFound. A unit."""
    return _live(session, Trial, Trial.registry_id, registry_id, f"no trial {registry_id!r}")


def _live(session: Session, model: type[Row], column: Any, key: str, missing: str) -> Row:
    row = session.exec(select(model).where(column == key)).scalars().first()
    if row is None or row.archived_at is not None:
        raise NotFound(missing)
    return row


def _product_of_row(row: CuratedProduct) -> Product:
    values = {c: getattr(row, c) for c in _COLUMNS}
    return product_from_values({k: v for k, v in values.items() if v not in (None, [])}, origin="curated")


def curated_products(session: Session) -> tuple[Product, ...]:
    """The curators' products, as stored."""
    rows = session.exec(select(CuratedProduct).order_by(CuratedProduct.name)).scalars()
    return tuple(_product_of_row(row) for row in rows)


def classification_products(session: Session) -> tuple[Product, ...] | None:
    """What trials are classified with: the shipped products with the curated ones on top
    (None when there are no curated ones, meaning the shipped file alone)."""
    curated = curated_products(session)
    return merged_products(curated) if curated else None
