"""Named products: curators add them and correct them; each change classifies again the trials that name it.

The shipped products are ``catalogue/reference/products.toml``. A curator's product is stored in
the database (``CuratedProduct``): a new product, or a correction of a shipped one, whose row is
then seeded from the shipped entry. Classification reads the shipped file with the curated
products layered on top (:func:`classification_products`). Every fact needs its source; a change
is one transaction with one audit event for the product and one for each trial whose
classification it changed, and the report lists those trials.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from catalogue import db
from catalogue.curation.actors import Actor, require
from catalogue.curation.audit import Outcome, audit_event
from catalogue.curation.lookups import _COLUMNS, curated_products
from catalogue.curation.trial_reclassification import TrialReclassification, reclassify_trials
from catalogue.db.models import CuratedProduct, Trial
from catalogue.errors import InvalidInput
from catalogue.reference.products import (
    FACTS,
    Product,
    mention_regex,
    merged_products,
    product_from_values,
)

__all__ = [
    "EDITABLE_PRODUCT_FIELDS", "ProductChange", "add_product",
    "set_product",
]  # fmt: skip

#: What a curator may give for a product (lists replace the stored list).
EDITABLE_PRODUCT_FIELDS = (
    "aliases", "patterns", "targets", "modality", "binder", "developer", "status", "notes", "source",
    *(f"{fact}_source" for fact in FACTS),
)  # fmt: skip


@dataclass(frozen=True)
class ProductChange:
    """The outcome of a product change: the product as stored, and the trials it classified again."""

    outcome: Outcome
    product: dict[str, Any]
    trials_named: int = 0
    trials_changed: list[TrialReclassification] = field(default_factory=list)
    trials_not_classified: list[TrialReclassification] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "product": self.product,
            "trials_named": self.trials_named,
            "trials_changed": [asdict(t) for t in self.trials_changed],
            "trials_not_classified": [
                {"registry_id": t.registry_id, "reason": t.note} for t in self.trials_not_classified
            ],
        }


def _find(products: tuple[Product, ...], name: str) -> Product | None:
    wanted = name.strip().casefold()
    return next((p for p in products if p.name.casefold() == wanted), None)


def _values(changes: dict[str, Any], base: Product | None, name: str) -> dict[str, Any]:
    """The new product's values: ``base`` with ``changes``; each changed fact takes the source given."""
    unknown = set(changes) - set(EDITABLE_PRODUCT_FIELDS)
    if unknown:
        raise InvalidInput(f"product {name!r}: field(s) {', '.join(sorted(unknown))} cannot be set")
    values = {k: v for k, v in (base.as_values() if base else {"name": name}).items() if k in _COLUMNS}
    values["name"] = base.name if base else name.strip()
    default_source = changes.get("source")
    for key, value in changes.items():
        if key == "source":
            continue
        values[key] = list(value) if isinstance(value, (list, tuple)) else value
        if key in FACTS and f"{key}_source" not in changes:
            if not default_source and value not in (None, "", [], ()):
                raise InvalidInput(f"product {name!r}: a new {key} needs its source (--source)")
            values[f"{key}_source"] = default_source
    for fact in FACTS:  # a fact given now without a value of its own keeps no stale source
        if values.get(fact) in (None, "", [], ()) and fact != "targets":
            values[f"{fact}_source"] = None
    if base is None and default_source and not values.get("targets_source"):
        values["targets_source"] = default_source
    return values


def _trial_ids_naming(session: Session, products: list[Product]) -> list[int]:
    """Live trials whose title, interventions, conditions or summary name any of ``products``."""
    regexes = [mention_regex(p) for p in products]
    ids = []
    rows = session.execute(
        select(Trial.id, Trial.title, Trial.interventions, Trial.conditions, Trial.summary).where(
            Trial.archived_at.is_(None)
        )
    )
    for trial_id, title, interventions, conditions, summary in rows:
        text = " | ".join([title or "", *(interventions or []), *(conditions or []), summary or ""]).lower()
        if any(regex.search(text) for regex in regexes):
            ids.append(trial_id)
    return ids


def _checked(session: Session, name: str, changes: dict[str, Any], adding: bool) -> tuple[Product | None, Product]:
    """The product as it is (None when new) and as it will be; refuses what cannot be written."""
    current = merged_products(curated_products(session))
    existing = _find(current, name)
    if adding and existing is not None:
        raise InvalidInput(f"product {existing.name!r} exists already: correct it with `catalogue product set`")
    if not adding and existing is None:
        raise InvalidInput(f"no product named {name!r}: add it with `catalogue product add`")
    product = product_from_values(_values(changes, existing, name), origin="curated")
    for other in current:
        clash = {a.casefold() for a in product.names} & {a.casefold() for a in other.names}
        if other.name.casefold() != product.name.casefold() and other.origin == "curated" and clash:
            raise InvalidInput(f"product {product.name!r}: the name(s) {', '.join(sorted(clash))} belong to "
                               f"curated product {other.name!r}")
    return existing, product


def _save(engine: Engine, actor: Actor, name: str, changes: dict[str, Any], *, adding: bool) -> ProductChange:
    # Which trials name the product (a scan of every trial's text) is found before the write
    # transaction, so that the scan never holds the database's write lock.
    with db.read_session(engine) as session:
        existing, product = _checked(session, name, changes, adding)
        if existing is not None and existing.as_values() | {"origin": "curated"} == product.as_values():
            return ProductChange("unchanged", product.as_values())
        candidates = _trial_ids_naming(session, [p for p in (existing, product) if p is not None])
    with db.write_session(engine) as session:
        existing, product = _checked(session, name, changes, adding)  # as it is now, inside the transaction
        row = session.exec(select(CuratedProduct).where(CuratedProduct.name == product.name)).scalars().first()
        values = {c: (list(v) or None) if isinstance(v := getattr(product, c), tuple) else v for c in _COLUMNS}
        if row is None:
            row = CuratedProduct(**values, curated_by=actor.name)
            session.add(row)
        else:
            for key, value in values.items():
                setattr(row, key, value)
            row.curated_by = actor.name
        session.flush()
        audit_event(session, actor, "create" if existing is None else "update", "product", product.name,
               existing.as_values() if existing is not None else None, product.as_values(),
               summary=None if existing is None else f"corrected ({existing.origin} entry)")
        products = merged_products(curated_products(session))
        named = list(session.exec(
            select(Trial).where(db.one_of(session, Trial.id, candidates), Trial.archived_at.is_(None))
            .order_by(Trial.registry_id)
        ).scalars()) if candidates else []
        results = reclassify_trials(session, actor, named, products, reason=f"product {product.name} changed")
    return ProductChange(
        "created" if existing is None else "updated",
        product.as_values(),
        trials_named=len(named),
        trials_changed=[r for r in results if r.changed],
        trials_not_classified=[r for r in results if r.note and r.note.startswith("not classified")],
    )


def add_product(engine: Engine, actor: Actor, name: str, values: dict[str, Any]) -> ProductChange:
    """A curator's new product (every fact with its source); trials that name it are classified again."""
    require(actor, "curator", "add products")
    if not name or not re.search(r"[A-Za-z0-9]", name):
        raise InvalidInput("a product needs a name")
    return _save(engine, actor, name, values, adding=True)


def set_product(engine: Engine, actor: Actor, name: str, changes: dict[str, Any]) -> ProductChange:
    """A curator's correction of a product (shipped or curated): the given fields replace the stored
    ones, each changed fact with its source; trials that name it (before or after) are classified again."""
    require(actor, "curator", "correct products")
    if not changes:
        raise InvalidInput(f"product {name!r}: nothing to change")
    return _save(engine, actor, name, changes, adding=False)
