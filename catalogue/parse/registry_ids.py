"""Trial registry identifiers, in one place: which registry an ID belongs to, its canonical spelling, the IDs
named inside free text (secondary IDs), and each trial's public page.

The registries, their ID patterns and URLs are data with sources: ``catalogue/reference/registries.toml``.
A canonical ID is what the registry itself prints (``NCT04662099``, ``ChiCTR2000029308``,
``ChiCTR-TRC-12002205``, ``2019-001264-50`` for EudraCT, ``jRCT2031200123``, ``CTRI/2020/03/024100``, ...);
the WHO ICTRP's own spellings (``EUCTR2019-001264-50-GB``, ``JPRN-UMIN000012345``) are read as the
registry's ID.
"""

from __future__ import annotations

import re
import tomllib
import urllib.parse
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from catalogue.errors import InvalidInput

__all__ = [
    "Registry",
    "checked_registry_id",
    "ictrp_trial_id",
    "normalise_registry_id",
    "registries",
    "registry_ids_in",
    "registry_named",
    "registry_of",
    "registry_url",
]


@dataclass(frozen=True)
class Registry:
    name: str
    full_name: str
    pattern: re.Pattern[str]
    lenient: re.Pattern[str]
    ictrp_prefix: str
    ictrp_names: tuple[str, ...]
    url: str | None
    url_number: re.Pattern[str] | None
    sources: tuple[str, ...]


@cache
def _table() -> tuple[tuple[Registry, ...], str]:
    text = resources.files("catalogue").joinpath("reference", "registries.toml").read_text(encoding="utf-8")
    data: dict[str, Any] = tomllib.loads(text)
    entries = tuple(
        Registry(
            name=entry["name"],
            full_name=entry["full_name"],
            pattern=re.compile(entry["pattern"]),
            lenient=re.compile(entry["lenient"], re.IGNORECASE),
            ictrp_prefix=entry.get("ictrp_prefix", ""),
            ictrp_names=tuple(entry.get("ictrp_names", ())),
            url=entry.get("url"),
            url_number=re.compile(entry["url_number"]) if entry.get("url_number") else None,
            sources=tuple(entry.get("sources", ())),
        )
        for entry in data["registry"]
    )
    return entries, data["ictrp_url"]


def registries() -> tuple[Registry, ...]:
    """Every registry the catalogue knows, in the order of the reference file."""
    return _table()[0]


def registry_named(name: str | None) -> Registry | None:
    """A registry by the catalogue's name or by an ICTRP ``Source_Register`` spelling (any case)."""
    if not name:
        return None
    wanted = name.strip().casefold()
    for registry in registries():
        if wanted == registry.name.casefold() or wanted in (n.casefold() for n in registry.ictrp_names):
            return registry
    return None


# --- canonical spelling -----------------------------------------------------------------

_EUDRACT = re.compile(r"(?:EUCTR|EUDRACT)?[\s:#-]*((?:19|20)\d{2}-0\d{5}-\d{2})(?:-[A-Z]{2,3}|-?OUTSIDE-EU/EEA)?", re.I)
_CTIS = re.compile(r"(?:CTIS|EU\s?CT)?[\s:#-]*(20\d{2}-5\d{5}-\d{2}-\d{2})", re.I)


def _canonical(raw: str) -> str:
    """The registry's own spelling of an identifier written with other case, spaces or an ICTRP prefix."""
    text = re.sub(r"\s+", "", raw.strip())
    upper = text.upper()
    if upper.startswith("JPRN-"):
        text, upper = text[5:], upper[5:]
    for pattern in (_CTIS, _EUDRACT):
        m = pattern.fullmatch(text)
        if m:
            return m.group(1)
    if upper.startswith("CHICTR"):
        rest = upper[6:].lstrip("-")
        if re.fullmatch(r"[A-Z]{2,5}-?\d{8}", rest):
            letters = re.match(r"[A-Z]+", rest).group(0)
            return f"ChiCTR-{letters}-{rest[len(letters):].lstrip('-')}"
        return "ChiCTR" + rest
    if upper.startswith("JRCT"):
        return "jRCT" + text[4:].lower()
    if upper.startswith("JAPICCTI"):
        return "JapicCTI-" + upper[8:].lstrip("-")
    if upper.startswith("JMA"):
        return "JMA-" + upper[3:].lstrip("-")
    if upper.startswith("RBR"):
        return "RBR-" + text[3:].lstrip("-").lower()
    if upper.startswith("NL-OMON"):
        return upper
    return upper


def registry_of(registry_id: str) -> str | None:
    """The registry a canonical identifier belongs to ("ClinicalTrials.gov", "ChiCTR", ...), or None."""
    for registry in registries():
        if registry.pattern.fullmatch(registry_id):
            return registry.name
    return None


def normalise_registry_id(raw: Any) -> tuple[str, str] | None:
    """``(registry, canonical ID)`` for an identifier as written (any case, spaces, ICTRP prefix), or None."""
    if raw is None:
        return None
    text = str(raw).strip()
    if not text or len(text) > 60:
        return None
    canonical = _canonical(text)
    registry = registry_of(canonical)
    return (registry, canonical) if registry else None


def _formats() -> str:
    return "; ".join(f"{r.name} {r.pattern.pattern}" for r in registries()[:6]) + "; …"


def checked_registry_id(raw: Any, where: dict[str, Any], *, registry: str | None = None) -> tuple[str, str]:
    """``(registry, canonical ID)``, or :class:`InvalidInput` naming the place (``where``) of a bad ID.

    With ``registry`` the ID must belong to that registry (a curator's choice, or ICTRP's Source_Register).
    """
    text = str(raw).strip() if raw is not None else ""
    if not text:
        raise InvalidInput("the trial has no registry ID", **where)
    found = normalise_registry_id(text)
    wanted = registry_named(registry) if registry else None
    if registry and wanted is None:
        known = ", ".join(r.name for r in registries())
        raise InvalidInput(f"{registry!r} is not a registry this catalogue knows ({known})", **where)
    if found is None:
        if wanted is not None:
            raise InvalidInput(
                f"{text!r} is not a {wanted.name} ID (expected {wanted.pattern.pattern}, e.g. as the registry prints it)",
                **where,
            )
        raise InvalidInput(
            f"{text!r} is not a registry ID this catalogue knows (NCT followed by 8 digits, ChiCTR followed by "
            f"digits, or another registry's form: {_formats()})",
            **where,
        )
    if wanted is not None and found[0] != wanted.name:
        raise InvalidInput(f"{found[1]!r} is a {found[0]} ID, not a {wanted.name} one", **where)
    return found


# --- identifiers inside text ----------------------------------------------------------------


@cache
def _any_id() -> re.Pattern[str]:
    # an ID stands alone: not the tail or head of a longer run of letters and digits
    either = "|".join(f"(?P<r{i}>{r.lenient.pattern})" for i, r in enumerate(registries()))
    return re.compile(f"(?<![A-Za-z0-9])(?:{either})(?![0-9])", re.IGNORECASE)


def registry_ids_in(text: str | None) -> list[tuple[str, str]]:
    """Every registry identifier named in ``text`` (e.g. a secondary-IDs field), canonical, in order, once each."""
    if not text:
        return []
    found: dict[str, str] = {}
    for match in _any_id().finditer(str(text)):
        normalised = normalise_registry_id(match.group(0))
        if normalised and normalised[1] not in found:
            found[normalised[1]] = normalised[0]
    return [(registry, registry_id) for registry_id, registry in found.items()]


# --- public pages ------------------------------------------------------------------------------


def ictrp_trial_id(registry: str | None, registry_id: str) -> str:
    """The trial's ID as the WHO ICTRP writes it (``JPRN-UMIN000012345``; EudraCT numbers as ``EUCTR…``)."""
    entry = registry_named(registry) or registry_named(registry_of(registry_id))
    return f"{entry.ictrp_prefix}{registry_id}" if entry else registry_id


def registry_url(registry: str | None, registry_id: str) -> str | None:
    """The trial's public page: its registry's own page where addressed by the ID, else its WHO ICTRP record."""
    if not registry_id:
        return None
    entry = registry_named(registry_of(registry_id)) or registry_named(registry)
    if entry is None:
        return _table()[1].format(ictrp_id=urllib.parse.quote(registry_id, safe="-")) if registry else None
    if entry.url and entry.url_number is not None:
        m = entry.url_number.fullmatch(registry_id)
        if m:
            return entry.url.format(number=m.group(1))
    elif entry.url:
        return entry.url.format(id=registry_id)
    return _table()[1].format(ictrp_id=urllib.parse.quote(ictrp_trial_id(entry.name, registry_id), safe="-"))


def registry_names() -> list[str]:
    """The registries the catalogue knows (ClinicalTrials.gov, ChiCTR, EU CTR, CTIS, jRCT, ...), in table order."""
    return [registry.name for registry in registries()]
