"""Automatic domain detection for CAR and TCR sequences.

:func:`detect_domains` finds the protein chains of a record (:mod:`catalogue.detect.chains`: open reading
frames on both strands of DNA, or the protein itself) and places the domains along each chain:

* antibody and TCR variable domains with ANARCI's profile HMMs (:mod:`catalogue.detect.v_domains`, run
  through pyhmmer; model names give species and chain type);
* everything else (signal peptides, linkers, hinges, transmembrane, costimulatory and signalling domains,
  2A peptides, markers, TCR constant regions) by local alignment (BLOSUM62) against the reference parts
  library (:mod:`catalogue.detect.part_search`).

Placement settles overlaps (parts win over the fuzzy ends of V-domain envelopes) and names the gap between
two V domains a linker. Detected domains are :class:`~catalogue.drafts.DomainDraft` with
``source="detected"`` for a curator to accept; :func:`propose_architecture` condenses them into the
construct's architecture and :func:`header_content_warnings` (:mod:`catalogue.detect.header`) checks a
record's header against what its content turned out to be. Chains already placed are remembered by their
residues (an LRU cache), so a chain seen again in this process is not searched again.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import lru_cache

from catalogue.detect.architecture import binder_format
from catalogue.detect.chains import MIN_ORF_AA, Chain, DetectionResult, find_chains, overlap, translated
from catalogue.detect.header import header_content_warnings
from catalogue.detect.part_search import part_hits
from catalogue.detect.v_domains import CHAIN_TYPES, MIN_V_DOMAIN_BITS, forget_scanned_regions, v_domain_hits
from catalogue.drafts import DomainDraft, Molecule

__all__ = [
    "MIN_ORF_AA", "MIN_V_DOMAIN_BITS", "PART_TOLERATED_OVERLAP", "Chain", "DetectionResult", "binder_format",
    "detect_domains", "find_chains", "forget_seen_chains", "header_content_warnings", "propose_architecture",
    "translated",
]

PART_TOLERATED_OVERLAP = 3  # residues two accepted parts may share (trimmed off the weaker one)
_SEGUID_PROTEIN = frozenset("ACDEFGHIKLMNOPQRSTUVWY")  # the alphabet of seguid's "{protein}"


@dataclass
class _Placed:
    """A domain being placed on a chain (protein coordinates), before it becomes a draft."""

    kind: str
    label: str
    start: int
    end: int
    score: float | None
    identity: float | None
    reference: str | None
    note: str | None = None
    is_v_domain: bool = False


@lru_cache(maxsize=2048)
def _place_domains(protein: str) -> tuple[_Placed, ...]:
    """V domains and parts on one chain, non-overlapping, in order.

    Cached by the chain's residues: a chain seen again in this process (the same CAR in a vector map and
    in its ORF file, a re-import) is not searched again. Callers read the placements and never change them.
    """
    return tuple(_placements(protein))


def _placements(protein: str) -> list[_Placed]:
    v_hits = v_domain_hits(protein) if len(protein) >= 70 else []
    light_types = {"K", "L"}
    has_light = any(h.chain_type in light_types for h in v_hits)
    placed: list[_Placed] = []
    for hit in v_hits:
        kind, label = CHAIN_TYPES[hit.chain_type]
        note = (
            f"ANARCI HMM {hit.model}; species = best-scoring model among human, mouse, rat, "
            "rabbit and alpaca (humanised or VH3-family domains may score best on mouse or alpaca)"
        )
        if kind == "vh" and not has_light:
            kind, label = "vhh", "VHH"
            note += "; VHH because the chain has heavy-type V domains and no light-type V domain"
        placed.append(
            _Placed(kind, f"{label} ({hit.species})", hit.start, hit.end, round(hit.score, 1),
                    None, f"ANARCI {hit.model}", note, True)
        )

    found_parts = sorted(part_hits(protein), key=lambda h: (-h.score, h.start))
    parts_placed: list[_Placed] = []
    for hit in found_parts:
        length = hit.end - hit.start + 1
        inside_v = max(
            (overlap(hit.start, hit.end, v.start, v.end) for v in placed), default=0
        )
        if inside_v > 0.5 * length:
            continue
        clash = False
        for other in parts_placed:
            shared = overlap(hit.start, hit.end, other.start, other.end)
            if shared > PART_TOLERATED_OVERLAP:
                clash = True
                break
        if clash:
            continue
        start, end = hit.start, hit.end
        for other in parts_placed:  # trim a small overlap off this (weaker) part
            if overlap(start, end, other.start, other.end):
                if start >= other.start:
                    start = other.end + 1
                else:
                    end = other.start - 1
        if end < start:
            continue
        parts_placed.append(
            _Placed(hit.part.kind, hit.part.label, start, end, round(hit.score, 1), hit.identity,
                    hit.part.reference, f"part {hit.part.name}; coverage {hit.coverage:.0%}")
        )
    for part in parts_placed:  # V-domain envelopes are fuzzy at the ends: parts win
        for v in placed:
            if overlap(part.start, part.end, v.start, v.end):
                if part.start <= v.start:
                    v.start = part.end + 1
                else:
                    v.end = part.start - 1
    domains = [d for d in placed + parts_placed if d.end >= d.start]
    domains.sort(key=lambda d: d.start)

    v_domains = [d for d in domains if d.is_v_domain and d.kind != "other"]
    for first, second in zip(v_domains, v_domains[1:]):
        between = [d for d in domains if first.end < d.start and d.end < second.start]
        if not between and second.start - first.end - 1 >= 1:
            domains.append(
                _Placed("linker", "linker", first.end + 1, second.start - 1, None, None, None,
                        "gap between two V domains; no reference linker part matched")
            )
    domains.sort(key=lambda d: d.start)
    return domains


def forget_seen_chains() -> None:
    """Empty the caches of chains and binder regions already searched (for benchmarks that time a first search)."""
    _place_domains.cache_clear()
    forget_scanned_regions()


def detect_domains(sequence: str, molecule: Molecule) -> DetectionResult:
    """Chains and detected domains of one record (``sequence`` as stored: upper case, no gaps)."""
    result = DetectionResult(chains=find_chains(sequence, molecule))
    for index, chain in enumerate(result.chains):
        for placed in _place_domains(chain.protein):
            start, end = chain.record_span(placed.start, placed.end)
            checksum = None
            if placed.kind in ("vh", "vl", "vhh"):
                segment = chain.protein[placed.start - 1 : placed.end]
                checksum = binder_checksum(segment)
            result.domains.append(
                DomainDraft(
                    kind=placed.kind,
                    label=placed.label,
                    start=start,
                    end=end,
                    strand=chain.strand,
                    source="detected",
                    protein_start=placed.start,
                    protein_end=placed.end,
                    frame=chain.frame,
                    identity=placed.identity,
                    score=placed.score,
                    reference=placed.reference,
                    binder_checksum=checksum,
                    note=placed.note,
                )
            )
            result.chain_of_domain.append(index)
    return result



def binder_checksum(segment: str) -> str:
    """The SEGUID (``lsseguid=``) of a V domain's residues, X left out: ``seguid.lsseguid(..., alphabet=
    "{protein}")`` computed with hashlib directly (the package's letter check costs more than the hash)."""
    residues = segment.replace("X", "")
    if not residues or not set(residues) <= _SEGUID_PROTEIN:
        from seguid import lsseguid

        return lsseguid(residues, alphabet="{protein}")  # raises for what seguid refuses, as it always did
    digest = hashlib.sha1(residues.encode("ascii")).digest()
    return "lsseguid=" + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def propose_architecture(result: DetectionResult) -> dict:
    """The architecture of the main chain, for a curator to accept.

    Keys: hinge, transmembrane, signalling (labels or None), costimulatory (ordered
    list), binder_format, binder_domains (labels), generation (1 + number of
    costimulatory domains when a signalling domain is present, else None), markers,
    cleavage_2a, chain (record coordinates of the main chain) and complete (the chain
    ends in a stop codon, or is a protein record).
    """
    index = result.main_chain
    if index is None:
        return {
            "hinge": None, "transmembrane": None, "costimulatory": [], "signalling": None,
            "binder_format": None, "binder_domains": [], "generation": None, "markers": [],
            "cleavage_2a": [], "chain": None, "complete": None,
        }
    domains = result.domains_of(index)
    chain = result.chains[index]

    def first(kind: str) -> str | None:
        return next((d.label for d in domains if d.kind == kind), None)

    costimulatory = [d.label for d in domains if d.kind == "costimulatory"]
    signalling = first("signalling")
    return {
        "hinge": first("hinge"),
        "transmembrane": first("transmembrane"),
        "costimulatory": costimulatory,
        "signalling": signalling,
        "binder_format": binder_format(domains),
        "binder_domains": [
            d.label for d in domains
            if d.kind in ("vh", "vl", "vhh", "tcr_alpha_variable", "tcr_beta_variable")
        ],
        "generation": (1 + len(costimulatory)) if signalling else None,
        "markers": [d.label for d in domains if d.kind == "marker"],
        "cleavage_2a": [d.label for d in domains if d.kind == "cleavage_2a"],
        "chain": (chain.start, chain.end),
        "complete": chain.ends_in_stop or chain.strand is None,
    }

