"""The target vocabulary: ``catalogue/reference/targets.toml`` read into :class:`TargetAntigen` facts.

Each antigen has the catalogue's symbol, its HGNC gene symbol and UniProt accession, its CD number,
its other names, and the words trial records use for it (see the file's header). Used by the trial
classifier (which words name which target), by the demo catalogue (the targets' facts) and by the
service layer (an alias a curator types resolves to the symbol).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from catalogue.errors import InvalidInput
from catalogue.reference.tables import entries
from catalogue.reference.wording import name_pattern
from catalogue.vocabulary import TARGET_KINDS

__all__ = ["TARGETS_FILE", "TargetAntigen", "parse_targets", "reference_targets", "target_named"]

TARGETS_FILE = "targets.toml"
_CD_NUMBER = re.compile(r"\d{1,3}(?:v6|[ab])?")
_FIELDS = {
    "symbol", "gene_symbol", "uniprot", "cd", "car_shorthand", "aliases", "text_forms", "text_patterns",
    "note", "source", "forms_source", "kind",
}  # fmt: skip


@dataclass(frozen=True)
class TargetAntigen:
    """One target antigen and the names that mean it."""

    symbol: str
    source: str
    gene_symbol: str | None = None
    uniprot: str | None = None
    cd: str | None = None  # "19" for CD19; None when the antigen has no CD number
    car_shorthand: bool = False  # "CAR19", "CART-38", "UCART123"
    aliases: tuple[str, ...] = ()
    text_forms: tuple[str, ...] = ()
    text_patterns: tuple[str, ...] = ()
    note: str | None = None
    forms_source: str | None = None
    kind: str = "surface"  # surface (what a CAR binds) or HLA-presented (a peptide a TCR sees); vocabulary.TARGET_KINDS

    @property
    def text_regexes(self) -> tuple[str, ...]:
        """Regular expressions (lower-cased text, no word edges) of the words that name this target.

        The CD number is not among them: the classifier reads every "CD<number>" with one pattern.
        """
        return tuple(name_pattern(form) for form in self.text_forms) + tuple(p.lower() for p in self.text_patterns)

    @property
    def names(self) -> tuple[str, ...]:
        """Every name of the target: symbol, gene symbol, CD name, aliases."""
        names = [self.symbol, self.gene_symbol, f"CD{self.cd}" if self.cd else None, *self.aliases]
        return tuple(dict.fromkeys(n for n in names if n))


def _strings(entry: dict, key: str, where: dict) -> tuple[str, ...]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise InvalidInput(f"{key} must be a list of non-empty strings", **where)
    return tuple(value)


def parse_targets(content: bytes, file_name: str = TARGETS_FILE) -> tuple[TargetAntigen, ...]:
    """Read a targets TOML document into validated :class:`TargetAntigen` facts."""
    targets: list[TargetAntigen] = []
    seen: dict[str, str] = {}
    cds: dict[str, str] = {}
    for index, (entry, line) in enumerate(entries(content, file_name, "target", "symbol")):
        symbol = entry.get("symbol")
        if not isinstance(symbol, str) or not symbol.strip():
            raise InvalidInput("a target needs a symbol", file=file_name, record=f"target #{index + 1}")
        where = {"file": file_name, "record": symbol, "line": line}
        unknown = set(entry) - _FIELDS
        if unknown:
            raise InvalidInput(f"unknown field(s) {', '.join(sorted(unknown))}", **where)
        if not isinstance(entry.get("source"), str) or not entry["source"].strip():
            raise InvalidInput("a target needs its source (HGNC, UniProt, a publication)", **where)
        if symbol.casefold() in seen:
            raise InvalidInput(f"target {symbol!r} is listed twice", **where)
        cd = entry.get("cd")
        if cd is not None:
            if not isinstance(cd, str) or not _CD_NUMBER.fullmatch(cd):
                raise InvalidInput(f"cd {cd!r} is not a CD number such as '19', '79b' or '44v6'", **where)
            if cd in cds:
                raise InvalidInput(f"CD{cd} is given to both {cds[cd]} and {symbol}", **where)
            cds[cd] = symbol
        patterns = _strings(entry, "text_patterns", where)
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as error:
                raise InvalidInput(f"text pattern {pattern!r} is not a regular expression: {error}", **where) from None
        kind = entry.get("kind", "surface")
        if kind not in TARGET_KINDS:
            raise InvalidInput(f"kind {kind!r} is not one of {', '.join(TARGET_KINDS)}", **where)
        seen[symbol.casefold()] = symbol
        targets.append(
            TargetAntigen(
                symbol=symbol,
                source=entry["source"],
                gene_symbol=entry.get("gene_symbol"),
                uniprot=entry.get("uniprot"),
                cd=cd,
                car_shorthand=bool(entry.get("car_shorthand", False)),
                aliases=_strings(entry, "aliases", where),
                text_forms=_strings(entry, "text_forms", where),
                text_patterns=patterns,
                note=entry.get("note"),
                forms_source=entry.get("forms_source"),
                kind=kind,
            )
        )
    return tuple(targets)


@lru_cache(maxsize=1)
def reference_targets() -> tuple[TargetAntigen, ...]:
    """The shipped target vocabulary (``catalogue/reference/targets.toml``), read once."""
    content = resources.files("catalogue.reference").joinpath(TARGETS_FILE).read_bytes()
    return parse_targets(content, f"catalogue/reference/{TARGETS_FILE}")


def target_named(name: str) -> TargetAntigen | None:
    """The reference target whose symbol, gene symbol, CD name or alias is ``name`` (case-insensitive)."""
    wanted = name.strip().casefold()
    for target in reference_targets():
        if any(n.casefold() == wanted for n in target.names):
            return target
    return None
