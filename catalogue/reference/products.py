"""Named cell products: ``catalogue/reference/products.toml`` read into :class:`Product` facts.

A product has a short name, the other names registries use for it (INN, brand, development
codes), and facts, each with its source: targets, modality, binder format, developer and approval
status. The trial classifier reads a product's targets when a record names it; the header checks
of sequence files read its binder format; the demo catalogue reads its facts. Curators add and
correct products through the service layer (:mod:`catalogue.curation.products`); those are layered
on top of this file by :func:`merged_products`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from importlib import resources
from typing import Any

from catalogue.errors import InvalidInput
from catalogue.reference.tables import entries
from catalogue.reference.targets import reference_targets
from catalogue.reference.wording import name_pattern
from catalogue.vocabulary import MODALITIES as CONSTRUCT_MODALITIES

__all__ = [
    "FACTS", "MODALITIES", "PRODUCTS_FILE", "STATUSES", "Product", "mention_regex", "merged_products", "parse_products",
    "product_from_values", "reference_products",
]  # fmt: skip

PRODUCTS_FILE = "products.toml"
#: The facts a product can carry; each needs a source (its own ``<fact>_source`` or ``source``).
FACTS = ("targets", "modality", "binder", "developer", "status")
#: Modalities a product may have: the constructs' modalities and the classifier's CAR-M.
MODALITIES = tuple(m for m in CONSTRUCT_MODALITIES if m != "other") + ("CAR-M",)
#: Development statuses of a product.
STATUSES = ("approved", "clinical", "preclinical")
_KEYS = {"name", "aliases", "patterns", "source", "notes", *FACTS, *(f"{fact}_source" for fact in FACTS)}


@dataclass(frozen=True)
class Product:
    """A named cell product and what public sources say of it.

    ``targets`` is empty when no source we can name establishes them. ``origin`` is
    ``"reference"`` for the shipped file and ``"curated"`` for a curator's entry.
    """

    name: str
    aliases: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    targets_source: str | None = None
    modality: str | None = None
    modality_source: str | None = None
    binder: str | None = None
    binder_source: str | None = None
    developer: str | None = None
    developer_source: str | None = None
    status: str | None = None
    status_source: str | None = None
    notes: str | None = None
    origin: str = "reference"

    @property
    def source(self) -> str | None:
        """The source of the product's targets (what a classification cites)."""
        return self.targets_source

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    @property
    def text_regexes(self) -> tuple[str, ...]:
        """Regular expressions (lower-cased text, no word edges) of the names that mean this product."""
        return tuple(name_pattern(n) for n in self.names) + tuple(p.lower() for p in self.patterns)

    def as_values(self) -> dict[str, Any]:
        """The product as plain values (lists for tuples): what ``--json`` and the audit trail show."""
        return {f.name: list(v) if isinstance(v := getattr(self, f.name), tuple) else v for f in fields(self)}


def product_from_values(values: Mapping[str, Any], *, where: dict | None = None, origin: str = "reference") -> Product:
    """A validated :class:`Product` from plain values (a TOML table, a curator's input, a database row).

    ``source`` is the source of every fact without one of its own. Raises :class:`InvalidInput`
    naming ``where`` (file, record, line) when a value is missing, unknown or without a source.
    """
    where = dict(where or {})
    name = values.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("a product needs a name", **where)
    where.setdefault("record", name)
    unknown = set(values) - _KEYS - {"origin"}
    if unknown:
        raise InvalidInput(f"unknown field(s) {', '.join(sorted(unknown))}", **where)
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("aliases", "patterns", "targets"):
        value = values.get(key) or []
        if isinstance(value, str) or not all(isinstance(v, str) and v.strip() for v in value):
            raise InvalidInput(f"{key} must be a list of non-empty names", **where)
        lists[key] = tuple(dict.fromkeys(v.strip() for v in value))
    for pattern in lists["patterns"]:
        try:
            re.compile(pattern)
        except re.error as error:
            raise InvalidInput(f"pattern {pattern!r} is not a regular expression: {error}", **where) from None
    known_targets = {t.symbol for t in reference_targets()}
    unknown_targets = [t for t in lists["targets"] if t not in known_targets]
    if unknown_targets:
        raise InvalidInput(
            f"unknown target(s) {', '.join(unknown_targets)}: use the symbols of catalogue/reference/targets.toml", **where
        )
    facts: dict[str, Any] = {}
    default_source = values.get("source")
    for fact in FACTS:
        value = lists["targets"] if fact == "targets" else values.get(fact)
        if value in (None, "", ()):
            facts[fact] = () if fact == "targets" else None
            facts[f"{fact}_source"] = values.get(f"{fact}_source") or (default_source if fact == "targets" else None)
            continue
        source = values.get(f"{fact}_source") or default_source
        if not isinstance(source, str) or not source.strip():
            raise InvalidInput(f"{fact} needs its source (a registry record, a label, a paper, a pipeline page)", **where)
        facts[fact] = value
        facts[f"{fact}_source"] = source
    if facts["modality"] is not None and facts["modality"] not in MODALITIES:
        raise InvalidInput(f"modality {facts['modality']!r} is not one of {', '.join(MODALITIES)}", **where)
    if facts["status"] is not None and facts["status"] not in STATUSES:
        raise InvalidInput(f"status {facts['status']!r} is not one of {', '.join(STATUSES)}", **where)
    return Product(
        name=name.strip(),
        aliases=lists["aliases"],
        patterns=lists["patterns"],
        notes=values.get("notes"),
        origin=origin,
        **facts,
    )


def parse_products(content: bytes, file_name: str = PRODUCTS_FILE) -> tuple[Product, ...]:
    """Read a products TOML document into validated :class:`Product` facts; names are unique."""
    products: list[Product] = []
    owner: dict[str, str] = {}
    for index, (entry, line) in enumerate(entries(content, file_name, "product", "name")):
        name = entry.get("name") if isinstance(entry.get("name"), str) else None
        where = {"file": file_name, "record": name or f"product #{index + 1}", "line": line}
        product = product_from_values(entry, where=where)
        for spelling in product.names:
            key = _squash(spelling)
            if key in owner and owner[key] != product.name:
                raise InvalidInput(f"the name {spelling!r} is also a name of {owner[key]}", **where)
            owner[key] = product.name
        products.append(product)
    return tuple(products)


def _squash(name: str) -> str:
    return re.sub(r"[^a-z0-9α-ω]", "", name.casefold())


@lru_cache(maxsize=1)
def reference_products() -> tuple[Product, ...]:
    """The shipped products (``catalogue/reference/products.toml``), read once."""
    content = resources.files("catalogue.reference").joinpath(PRODUCTS_FILE).read_bytes()
    return parse_products(content, f"catalogue/reference/{PRODUCTS_FILE}")


@lru_cache(maxsize=512)
def mention_regex(product: Product) -> re.Pattern[str]:
    """The compiled whole-word regular expression of a product's names, for lower-cased text."""
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(product.text_regexes) + r")(?![a-z0-9])")


def merged_products(curated: Iterable[Product]) -> tuple[Product, ...]:
    """The reference products with curated ones layered on top: a curated product replaces the
    reference product of the same name, and a name or alias it claims is removed from any other."""
    curated = tuple(curated)
    if not curated:
        return reference_products()
    claimed = {_squash(n) for p in curated for n in p.names}
    by_name = {p.name.casefold(): p for p in curated}
    merged: list[Product] = []
    for product in reference_products():
        if product.name.casefold() in by_name:
            merged.append(by_name.pop(product.name.casefold()))
            continue
        aliases = tuple(a for a in product.aliases if _squash(a) not in claimed)
        if _squash(product.name) in claimed:
            continue
        merged.append(product if aliases == product.aliases else replace(product, aliases=aliases))
    merged.extend(by_name.values())
    return tuple(merged)
