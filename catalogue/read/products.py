"""Named products: the shipped reference file with the curators' products on top, for pages and the CLI."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from catalogue.db.models import CuratedProduct
from catalogue.reference.products import FACTS, Product, merged_products, product_from_values

_COLUMNS = ("name", "aliases", "patterns", "targets", "notes", *FACTS, *(f"{fact}_source" for fact in FACTS))


def _products(engine: Engine) -> tuple[Product, ...]:
    with engine.connect() as connection:
        rows = connection.execute(select(*(getattr(CuratedProduct, c) for c in _COLUMNS))).all()
    curated = [
        product_from_values({c: v for c, v in zip(_COLUMNS, row) if v not in (None, [])}, origin="curated")
        for row in rows
    ]
    return merged_products(curated)


def products(engine: Engine) -> list[dict[str, Any]]:
    """Every product the classifier knows, as plain values with ``origin`` (reference or curated), by name."""
    return sorted((p.as_values() for p in _products(engine)), key=lambda p: p["name"].casefold())


def product_detail(engine: Engine, name: str) -> dict[str, Any] | None:
    """One product's values (case-insensitive name or alias), or None."""
    wanted = name.strip().casefold()
    for product in _products(engine):
        if any(n.casefold() == wanted for n in product.names):
            return product.as_values()
    return None
