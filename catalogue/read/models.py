"""Read models: what the read functions return to pages, charts and the CLI, as frozen dataclasses.

Field names are the keys of the CLI's ``--json`` objects and their order is the objects' key order:
:func:`catalogue.read.serialize.to_json` turns a model into exactly that JSON (one serializer for every
model, the architecture proposal of :mod:`catalogue.detect.architecture` included). Rows of a table stay
DataFrames inside a model; a stored sequence record's rows and domains, the per-target counts of
:class:`Stats` and the Portfolio's tiles stay plain mappings (their keys are data: columns and figure names).

Models are frozen and never changed by their readers (a page that wants to change a DataFrame copies it),
so the revision cache (:mod:`catalogue.read.cache`) hands out one instance to every caller without copying.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import pandas as pd


class ReadModel:
    """Base of the read models. ``model["key"]`` reads the field ``key``: the mapping-style reading that
    callers written against the former dicts (tests, scripts) keep; new code reads attributes."""

    def __getitem__(self, key: str) -> Any:
        if key not in self.field_names():
            raise KeyError(key)
        return getattr(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key) if key in self.field_names() else default

    def __contains__(self, key: object) -> bool:
        return key in self.field_names()

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))  # type: ignore[arg-type]

    @classmethod
    def from_values(cls, values: dict[str, Any], **more: Any):
        """The model of ``values`` (a row's mapping) plus ``more``; keys the model does not name are left out."""
        names = cls.field_names()
        return cls(**{k: v for k, v in values.items() if k in names}, **more)


# --- constructs -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkedTrial(ReadModel):
    """A study linked to a construct (listed by the registration that stands for the study)."""

    registry_id: str
    title: str | None
    phases: list[str] | None
    overall_status: str | None
    curated: bool  # linked by a curator, not matched by product name


@dataclass(frozen=True)
class EpitopeDetail(ReadModel):
    """What a TCR-T construct recognises."""

    antigen: str | None
    peptide: str | None
    hla: str | None
    uniprot: str | None
    peptide_start: int | None
    peptide_end: int | None
    source: str | None


@dataclass(frozen=True)
class TcrChainDetail(ReadModel):
    """One TCR chain of a construct (curated, or detected on a sequence record)."""

    chain: str
    v_gene: str | None
    j_gene: str | None
    cdr3: str | None
    constant: str | None
    start: int | None
    end: int | None
    v_allele: str | None
    j_allele: str | None
    species: str | None
    source: str
    note: str | None
    sequence_record_id: int | None


@dataclass(frozen=True)
class ChainDomain(ReadModel):
    """A domain of a construct's CAR/TCR chain, in protein coordinates of the chain."""

    kind: str
    label: str
    start: int
    end: int


@dataclass(frozen=True)
class ConstructDetail(ReadModel):
    """Everything known about one construct (``show construct --json``): its fields, in the table's column
    order, then its targets, programme, trials, sequence records (each with its stored domains), the domains
    of its chain, epitopes, TCR chains and a proposed modality."""

    name: str
    modality: str | None
    aliases: list[str] | None
    binder_clone: str | None
    binder_format: str | None
    binder_species: str | None
    receptor: str | None
    hinge: str | None
    transmembrane: str | None
    costimulatory: list[str] | None
    signalling: str | None
    generation: int | None
    vector: str | None
    developer: str | None
    status: str | None
    patients_treated: int | None
    patients_treated_source: str | None
    patients_treated_date: str | None
    notes: str | None
    source: str | None
    archived_at: datetime | None
    version: int
    targets: list[str]
    programme: str | None
    trials: list[LinkedTrial]
    sequence_records: list[dict[str, Any]]  # rows of the record with "domains": its stored domains' rows
    domains: list[ChainDomain]
    epitopes: list[EpitopeDetail]
    tcr_chains: list[TcrChainDetail]
    proposed_modality: str | None


# --- sequence records -------------------------------------------------------------------------


@dataclass(frozen=True)
class SequenceRecordDetail(ReadModel):
    """One sequence record with its sequence and stored domains (the sequence view and the domain map)."""

    id: int
    file_name: str
    record_id: str
    description: str | None
    format: str
    molecule: str
    topology: str | None
    length: int
    sequence: str
    checksum: str
    warnings: list[str] | None
    imported_at: datetime | None
    imported_by: str | None
    archived_at: datetime | None
    construct: str
    domains: list[dict[str, Any]]


# --- trials ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Registration(ReadModel):
    """One registration of a trial's study, with its registry and public page."""

    registry: str
    registry_id: str
    url: str | None
    archived: bool


@dataclass(frozen=True)
class LinkedConstruct(ReadModel):
    """A construct linked to a trial."""

    name: str
    modality: str | None
    curated: bool


@dataclass(frozen=True)
class TrialDetail(ReadModel):
    """Everything known about one trial (``show trial --json``): its fields in the table's column order, then
    its registry, the registrations of its study, the study's registry ID, its targets and linked constructs."""

    registry_id: str
    title: str | None
    phases: list[str] | None
    overall_status: str | None
    conditions: list[str] | None
    interventions: list[str] | None
    summary: str | None
    indication: str | None
    indication_category: str | None
    lead_sponsor: str | None
    countries: list[str] | None
    start_date: str | None
    start_year: int | None
    last_update: str | None
    enrollment_count: int | None
    enrollment_type: str | None
    patients_treated: int | None
    patients_treated_source: str | None
    patients_treated_date: str | None
    modality: str | None
    cell_source: str | None
    products: list[str] | None
    target_evidence: dict[str, list[str]] | None
    targets_curated: bool
    curated_fields: list[str] | None
    record_source: str | None
    snapshot_date: str | None
    archived_at: datetime | None
    version: int
    secondary_ids: list[str] | None
    url: str | None
    registry: str
    registrations: list[Registration]
    study: str | None
    targets: list[str]
    constructs: list[LinkedConstruct]


@dataclass(frozen=True)
class EvidenceRow(ReadModel):
    """What led to one of a trial's targets: a field's words, or a named product and where it is named."""

    target: str
    led_by: str
    detail: str


@dataclass(frozen=True)
class TrialRecord(TrialDetail):
    """:class:`TrialDetail` plus what the trial page shows: phase and status in words, the registry link and
    the evidence for each target, one row per piece."""

    phase: str
    status: str
    registry_url: str | None
    evidence_rows: list[EvidenceRow]


# --- targets --------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)  # DataFrames inside: compared by identity
class TargetDetail(ReadModel):
    """A target's facts, its constructs and trials (the first ``limit`` rows of each; the counts give all) and
    its trials' indications."""

    symbol: str
    gene_symbol: str | None
    aliases: list[str] | None
    uniprot: str | None
    note: str | None
    source: str | None
    kind: str | None
    construct_count: int
    constructs: pd.DataFrame
    trial_count: int
    trials: pd.DataFrame
    indications: list[dict[str, Any]]  # indication, category, trials


# --- the portfolio and stats -------------------------------------------------------------------


@dataclass(frozen=True)
class Stats(ReadModel):
    """``stats --json``: counts per target (keys :data:`~catalogue.read.portfolio.STAT_KEYS`, the enrollment
    keys and ``kind``), in total, and each programme's own reported figures."""

    targets: dict[str, dict[str, Any]]
    totals: dict[str, Any]
    programmes: dict[str, dict[str, Any]]


@dataclass(frozen=True)
class ProgrammeTotal(ReadModel):
    """A programme's own reported total (never mixed into the tiles) and what the selection's published
    results account for."""

    name: str
    sponsor: str | None
    patients_treated: int | None
    patients_treated_source: str | None
    patients_treated_date: str | None
    published_in_scope: int | None


@dataclass(frozen=True, eq=False)  # DataFrames inside: compared by identity
class Portfolio(ReadModel):
    """What the Portfolio page shows for one selection (see :func:`catalogue.read.portfolio.portfolio`)."""

    scope: str | None
    tiles: dict[str, int | None]
    programme_totals: list[ProgrammeTotal]
    per_target: pd.DataFrame
    patients_results: pd.DataFrame
    by_phase: pd.DataFrame
    by_status: pd.DataFrame
    by_year: pd.DataFrame
    by_indication: pd.DataFrame
    by_modality: pd.DataFrame
    by_country: pd.DataFrame
    by_category: pd.DataFrame
    candidates: pd.DataFrame


__all__ = [
    "ReadModel", "LinkedTrial", "EpitopeDetail", "TcrChainDetail", "ChainDomain", "ConstructDetail",
    "SequenceRecordDetail", "Registration", "LinkedConstruct", "TrialDetail", "EvidenceRow", "TrialRecord",
    "TargetDetail", "Stats", "ProgrammeTotal", "Portfolio",
]
