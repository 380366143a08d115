"""A record's header against its content: warnings where the name says one thing and detection another.

The header is matched (whole words) against the named products whose binder format a source gives
(``catalogue/reference/products.toml``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from catalogue.detect.architecture import binder_format
from catalogue.reference.products import Product, mention_regex, reference_products

if TYPE_CHECKING:
    from catalogue.detect.chains import DetectionResult


#: Binder formats detection can tell apart (what :func:`binder_format` returns).
_DETECTABLE_BINDERS = ("scFv", "VHH", "TCR", "VH", "VL")


@lru_cache(maxsize=8)
def _header_matchers(products: tuple[Product, ...]) -> tuple[tuple[re.Pattern[str], Product], ...]:
    """A whole-word matcher per product whose binder format a source gives and detection can see."""
    return tuple((mention_regex(p), p) for p in products if p.binder in _DETECTABLE_BINDERS)


@lru_cache(maxsize=1)
def _shipped_matchers() -> tuple[tuple[re.Pattern[str], Product], ...]:
    """The matchers of the shipped products (hashing the product list on every record costs more than matching)."""
    return _header_matchers(reference_products())


def _display_name(product: Product) -> str:
    return f"{product.name} ({product.aliases[0]})" if product.aliases else product.name


def header_content_warnings(
    description: str, result: DetectionResult, products: tuple[Product, ...] | None = None
) -> list[str]:
    """Warnings where a record's header and its detected content disagree.

    The header is matched (whole words) against the named products whose binder format a
    source gives (``catalogue/reference/products.toml``, or ``products``). Warns when the
    detected binder format differs, and when a record named after a CAR product has no
    signalling domain (truncated or not a CAR at all).
    """
    header = (description or "").lower()
    named = [p for regex, p in (_header_matchers(products) if products else _shipped_matchers()) if regex.search(header)]
    if not named:
        return []
    warnings: list[str] = []
    index = result.main_chain
    domains = result.domains_of(index) if index is not None else []
    found_format = binder_format(domains)
    kinds = [d.kind for d in domains]
    for product in named:
        if found_format is None:
            warnings.append(
                f"header names {_display_name(product)}, a {product.binder} CAR against "
                f"{'/'.join(product.targets)}, but no binder domain was detected in the content"
            )
        elif found_format != product.binder:
            shown = ", ".join(
                d.label for d in domains if d.kind in ("vh", "vl", "vhh", "tcr_alpha_variable",
                                                       "tcr_beta_variable")
            )
            warnings.append(
                f"header names {_display_name(product)}, a {product.binder} CAR against "
                f"{'/'.join(product.targets)}, but the content has a {found_format} binder ({shown}): "
                "the record may be mislabelled"
            )
        if "signalling" not in kinds:
            warnings.append(
                f"header names {_display_name(product)}, a CAR, but no signalling domain (CD3ζ) was "
                f"detected: the record is incomplete or truncated (chain domains: "
                f"{', '.join(d.label for d in domains) or 'none'})"
            )
    return warnings
