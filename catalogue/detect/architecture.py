"""A construct's architecture read from the domains of its CAR or TCR chain: what a curator accepts.

Pure functions, no database: domains in (:class:`~catalogue.drafts.DomainDraft`, or anything with ``kind`` and
``label``), a frozen :class:`ArchitectureProposal` out. The service layer proposes from a sequence record's
stored domains (curated ones first, see :func:`catalogue.curation.accept_architecture`); the demo's reference
designs from their parts lists; detection from its main chain (:func:`proposal_from_detection`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from catalogue.vocabulary import BINDER_KINDS, TCR_VARIABLE_KINDS

# A part's label names its kind after the protein it comes from ("CD8α hinge"); the construct's field
# is the protein alone ("hinge = CD8α").
_KIND_SUFFIXES = {"hinge": " hinge", "transmembrane": " transmembrane"}
ARCHITECTURE_FIELDS = ("hinge", "transmembrane", "costimulatory", "signalling", "binder_format", "generation")


class Domain(Protocol):
    kind: str
    label: str


def binder_format(domains: Sequence[Domain]) -> str | None:
    """The binder format the domains of one chain show: scFv, VHH, TCR, VH, VL or None."""
    kinds = [d.kind for d in domains]
    if "vhh" in kinds:
        return "VHH"
    if "vh" in kinds and "vl" in kinds:
        return "scFv"
    if "tcr_alpha_variable" in kinds or "tcr_beta_variable" in kinds:
        return "TCR"
    if "vh" in kinds:
        return "VH"
    if "vl" in kinds:
        return "VL"
    return None


@dataclass(frozen=True)
class ArchitectureProposal:
    """The architecture one chain's domains show. ``None`` (or empty) where the domains do not say."""

    hinge: str | None = None
    transmembrane: str | None = None
    costimulatory: tuple[str, ...] = ()  # in order along the chain
    signalling: str | None = None
    binder_format: str | None = None  # scFv, VHH, TCR, VH or VL
    binder_domains: tuple[str, ...] = ()  # labels of the V domains
    generation: int | None = None  # 1 + number of costimulatory domains, when a signalling domain is present
    markers: tuple[str, ...] = ()
    cleavage_2a: tuple[str, ...] = ()

    def construct_fields(self) -> dict[str, Any]:
        """The construct fields this proposal sets (:data:`ARCHITECTURE_FIELDS`): only those it found."""
        values = {field: getattr(self, field) for field in ARCHITECTURE_FIELDS}
        values["costimulatory"] = list(self.costimulatory)
        return {field: value for field, value in values.items() if value}


def part_name(kind: str, label: str) -> str:
    """The construct field's value for a domain: "CD8α hinge" is hinge "CD8α"."""
    suffix = _KIND_SUFFIXES.get(kind)
    return label[: -len(suffix)] if suffix and label.endswith(suffix) and len(label) > len(suffix) else label


def propose_architecture(domains: Sequence[Domain]) -> ArchitectureProposal:
    """The architecture of one chain, from its domains in order along the chain."""

    def first(kind: str) -> str | None:
        return next((part_name(kind, d.label) for d in domains if d.kind == kind), None)

    costimulatory = tuple(d.label for d in domains if d.kind == "costimulatory")
    signalling = first("signalling")
    return ArchitectureProposal(
        hinge=first("hinge"),
        transmembrane=first("transmembrane"),
        costimulatory=costimulatory,
        signalling=signalling,
        binder_format=binder_format(list(domains)),
        binder_domains=tuple(d.label for d in domains if d.kind in BINDER_KINDS + TCR_VARIABLE_KINDS),
        generation=(1 + len(costimulatory)) if signalling else None,
        markers=tuple(d.label for d in domains if d.kind == "marker"),
        cleavage_2a=tuple(d.label for d in domains if d.kind == "cleavage_2a"),
    )


def main_chain(domains: Sequence[Any]) -> list[Any]:
    """The domains of the chain with the most domains, from a record's stored detected domains.

    Detection stores a record's domains chain by chain, each chain's in order along it, with the chain's
    reading frame and the domain's place in the chain's protein (``frame``, ``protein_start``): a new chain
    starts where the frame changes or the place goes back. Domains without those (a protein record's, a
    curator's) are one chain. The first of equally long chains wins, as in detection.
    """
    chains: list[list[Any]] = []
    for domain in domains:
        previous = chains[-1][-1] if chains else None
        same_chain = previous is not None and previous.frame == domain.frame and (
            domain.protein_start is None or previous.protein_start is None
            or domain.protein_start > previous.protein_start
        )
        if same_chain:
            chains[-1].append(domain)
        else:
            chains.append([domain])
    return max(chains, key=len, default=[])


def proposal_from_detection(result) -> ArchitectureProposal:
    """The proposal for the main chain of a :class:`~catalogue.detect.domains.DetectionResult`."""
    index = result.main_chain
    return propose_architecture(result.domains_of(index) if index is not None else [])
