"""Named TCR-T products, read from ``catalogue/reference/tcr_products.toml`` (each with its source)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class TcrProduct:
    name: str
    patterns: tuple[str, ...]
    targets: tuple[str, ...]
    receptor: str | None
    source: str


@lru_cache(maxsize=1)
def tcr_products() -> tuple[TcrProduct, ...]:
    text = resources.files("catalogue").joinpath("reference", "tcr_products.toml").read_text(encoding="utf-8")
    return tuple(
        TcrProduct(entry["name"], tuple(entry["patterns"]), tuple(entry.get("targets", [])), entry.get("receptor"),
                   entry["source"])
        for entry in tomllib.loads(text)["product"]
    )


@lru_cache(maxsize=1)
def tcr_product_pattern() -> re.Pattern[str]:
    """One pattern for every TCR-T product spelling, matching lower-cased text."""
    spellings = "|".join(p.lower() for product in tcr_products() for p in product.patterns)
    return re.compile(r"(?<![a-z0-9])(?:" + spellings + r")(?![a-z0-9])")
