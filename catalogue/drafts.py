"""Validated drafts: what parsers hand to the service layer.

Parsers (``catalogue.parse``, ``catalogue.detect``) are pure functions from bytes to
these dataclasses; the words they use (domain kinds, modalities, phase codes) are
those of :mod:`catalogue.vocabulary`. They never touch the database; the service layer
(``curation``) turns drafts into rows. A value that is not known is ``None``,
never ``0`` or ``""``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Molecule = Literal["DNA", "protein"]
Topology = Literal["linear", "circular"]
SequenceFormat = Literal["genbank", "fasta", "embl", "snapgene"]
DomainSource = Literal["annotated", "detected", "curated"]
EnrollmentType = Literal["actual", "estimated", "unknown"]


@dataclass
class DomainDraft:
    """One domain of a sequence record.

    ``start``/``end`` are 1-based and inclusive, in the coordinates of the record
    they belong to (nucleotides for DNA, residues for protein). For a domain
    detected on a DNA record, ``protein_start``/``protein_end`` give its place in
    the translated CAR/TCR chain and ``frame`` the reading frame (1..3, negative
    for the reverse strand).
    """

    kind: str
    label: str
    start: int
    end: int
    strand: int | None = None
    source: DomainSource = "annotated"
    protein_start: int | None = None
    protein_end: int | None = None
    frame: int | None = None
    identity: float | None = None  # percent identity to the reference part, 0..100
    score: float | None = None  # alignment or HMM bit score
    reference: str | None = None  # reference part or antibody it matched, e.g. "CD8A P01732 138-182"
    binder_checksum: str | None = None  # SEGUID of the binder domain's protein sequence (vh/vl/vhh)
    note: str | None = None


@dataclass
class TcrChainDraft:
    """A TCR chain: detected on a record (``source="detected"``) or stated by a curator.

    Gene names are IMGT names (``TRAV12-2``; the allele, ``TRAV12-2*02``, where known); the
    CDR3 is the junction from the conserved Cys to the Phe/Trp (``CAVNFGGGKLIF``).
    """

    chain: str  # alpha | beta | gamma | delta
    v_gene: str | None = None
    j_gene: str | None = None
    cdr3: str | None = None
    constant: str | None = None
    start: int | None = None  # record coordinates, 1-based inclusive
    end: int | None = None
    position: int = 0  # order in the ORF
    v_allele: str | None = None
    j_allele: str | None = None
    species: str | None = None
    source: DomainSource = "detected"
    note: str | None = None


@dataclass
class EpitopeDraft:
    """What a TCR recognises: an antigen's peptide presented by an HLA allele."""

    antigen: str  # gene symbol (CTAG1B, MAGEA4, MLANA) or a viral protein (HPV16 E7)
    peptide: str
    hla: str  # e.g. HLA-A*02:01
    uniprot: str | None = None
    peptide_start: int | None = None
    peptide_end: int | None = None
    source: str | None = None


@dataclass
class SequenceDraft:
    """One record of a sequence file, validated."""

    file_name: str
    record_id: str
    format: SequenceFormat
    molecule: Molecule
    sequence: str  # upper case, no gaps or white space
    topology: Topology = "linear"
    description: str | None = None
    checksum: str = ""  # SEGUID (linear) or cdseguid (circular DNA); set by the parser
    raw: bytes = b""  # this record's text exactly as in the file
    line: int | None = None  # line of the file where the record starts
    domains: list[DomainDraft] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    tcr_chains: list[TcrChainDraft] = field(default_factory=list)  # detected TCR chains, in ORF order
    # the record's protein chains (``catalogue.detect.chains.find_chains``), found while preparing it (in the
    # parsing process of a batch import) so that the search store's writer does not translate it again
    chains: tuple[Any, ...] = ()

    @property
    def length(self) -> int:
        return len(self.sequence)


@dataclass
class TrialDraft:
    """One registry trial, normalised.

    ``phases`` is a set written as a sorted list (``["PHASE1", "PHASE2"]``);
    dates are ISO strings with the precision the registry gives
    (``"2023"``, ``"2023-03"`` or ``"2023-03-28"``).
    """

    registry: str  # "ClinicalTrials.gov", "ChiCTR", ...
    registry_id: str
    title: str | None = None
    phases: list[str] = field(default_factory=list)
    overall_status: str | None = None
    conditions: list[str] = field(default_factory=list)
    interventions: list[str] = field(default_factory=list)
    summary: str | None = None
    indication: str | None = None  # "SLE", "B-ALL", "DLBCL", "MM", ...
    indication_category: str | None = None  # haematological malignancy | autoimmune | solid tumour | other
    lead_sponsor: str | None = None
    countries: list[str] = field(default_factory=list)
    start_date: str | None = None
    last_update: str | None = None
    enrollment_count: int | None = None
    enrollment_type: EnrollmentType = "unknown"
    targets: list[str] = field(default_factory=list)  # target symbols, e.g. ["BCMA", "CS1"]
    target_evidence: dict[str, list[str]] = field(default_factory=dict)  # symbol -> words that decided
    modality: str | None = None
    cell_source: str | None = None  # "autologous" | "allogeneic" | None
    products: list[str] = field(default_factory=list)  # product names or codes named in the record
    record_source: str | None = None  # where the record came from (file, snapshot, API)
    snapshot_date: str | None = None
    line: int | None = None  # row or line of the file
    warnings: list[str] = field(default_factory=list)  # what the parser noticed (shown with the import's report)
    secondary_ids: list[str] = field(default_factory=list)  # the record's IDs in other registries (canonical where known)
    url: str | None = None  # the record's own public page, where the source gives one (ICTRP web_address)

    @property
    def start_year(self) -> int | None:
        return int(self.start_date[:4]) if self.start_date else None


@dataclass
class TargetDraft:
    """An antigen's facts, each with its source."""

    symbol: str
    gene_symbol: str | None = None
    aliases: list[str] = field(default_factory=list)
    uniprot: str | None = None
    note: str | None = None
    source: str | None = None
    kind: str | None = None  # surface | HLA-presented


@dataclass
class ProgrammeDraft:
    name: str
    sponsor: str | None = None
    description: str | None = None
    patients_treated: int | None = None
    patients_treated_source: str | None = None
    patients_treated_date: str | None = None
    source: str | None = None


@dataclass
class ConstructDraft:
    """A construct's architecture and provenance. ``targets`` are symbols in order."""

    name: str
    modality: str | None = "CAR-T"  # None: no source states it
    targets: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)  # other names and product codes (links trials by product)
    binder_clone: str | None = None
    binder_format: str | None = None
    binder_species: str | None = None
    hinge: str | None = None
    transmembrane: str | None = None
    costimulatory: list[str] = field(default_factory=list)
    signalling: str | None = None
    generation: int | None = None
    vector: str | None = None
    developer: str | None = None
    programme: str | None = None  # Programme.name
    status: str | None = None
    patients_treated: int | None = None
    patients_treated_source: str | None = None
    patients_treated_date: str | None = None
    notes: str | None = None
    source: str | None = None
    epitopes: list[EpitopeDraft] = field(default_factory=list)  # TCR-T: what it recognises
    receptor: str | None = None  # hybrid receptors: what the binder is grafted on (e.g. "γδ TCR constant chains")
