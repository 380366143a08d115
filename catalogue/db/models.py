"""The catalogue's tables, and only that.

A value that is not known is NULL, never 0 or an empty string. Lists
(aliases, phases, conditions, countries, costimulatory domains) are JSON arrays
in one column: they are read with their row and never queried element-wise in
SQL, except targets, which are real many-to-many links.

Constructs, trials and sequence records carry a ``version`` column used by
SQLAlchemy's optimistic locking (``version_id_col``): an UPDATE that finds a
newer version than it read changes nothing and fails.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import JSON, CheckConstraint, Column, DateTime, Index, Integer, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from catalogue.bounds import NAME_LENGTHS


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _json(**kwargs) -> Column:
    return Column(JSON(none_as_null=True), **kwargs)


def _version() -> Column:
    return Column("version", Integer, nullable=False)


def _timestamp(nullable: bool = True) -> Column:
    return Column(DateTime(timezone=True), nullable=nullable)


class Target(SQLModel, table=True):
    """An antigen a construct is directed against (CD19, BCMA, CS1, ...)."""

    id: int | None = Field(default=None, primary_key=True)
    symbol: str = Field(unique=True, index=True, max_length=NAME_LENGTHS["target"])
    gene_symbol: str | None = Field(default=None, max_length=40)
    aliases: list[str] | None = Field(default=None, sa_column=_json())
    uniprot: str | None = Field(default=None, max_length=20)
    note: str | None = None  # lineage / expression
    source: str | None = None
    kind: str | None = Field(default=None, max_length=20)  # surface (CAR targets) | HLA-presented (TCR targets)


class Programme(SQLModel, table=True):
    """A cell-therapy programme (an institute's or a company's), with its own reported figures."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=NAME_LENGTHS["programme"])
    sponsor: str | None = None  # lead sponsor as registries spell it
    description: str | None = None
    patients_treated: int | None = None  # programme total, not attributed to trials
    patients_treated_source: str | None = None
    patients_treated_date: str | None = None
    source: str | None = None


class ConstructTarget(SQLModel, table=True):
    """Many-to-many: a tandem or bispecific construct lists every target."""

    construct_id: int = Field(foreign_key="construct.id", primary_key=True, ondelete="CASCADE")
    target_id: int = Field(foreign_key="target.id", primary_key=True, index=True)
    position: int = 0


_CONSTRUCT_VERSION = _version()


class Construct(SQLModel, table=True):
    """A CAR, TCR or other engineered receptor construct."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True, max_length=NAME_LENGTHS["construct"])
    # CAR-T, TCR-T, CAR-NK, CAAR-T, other; NULL where no source states it (migration 0009)
    modality: str | None = Field(default=None, index=True, max_length=20)
    aliases: list[str] | None = Field(default=None, sa_column=_json())  # other names, product codes
    binder_clone: str | None = None
    binder_format: str | None = Field(default=None, max_length=20)  # scFv, VHH, TCR, ligand
    binder_species: str | None = None
    receptor: str | None = None  # hybrid receptors (AbTCR, TRuC, STAR): the receptor the binder is grafted on
    hinge: str | None = None
    transmembrane: str | None = None
    costimulatory: list[str] | None = Field(default=None, sa_column=_json())  # ordered
    signalling: str | None = None
    generation: int | None = None
    vector: str | None = None
    developer: str | None = None
    programme_id: int | None = Field(default=None, foreign_key="programme.id", index=True)
    status: str | None = None  # development status: approved, clinical, preclinical, reference design
    patients_treated: int | None = None  # curated; patients not attributed to any trial of the catalogue
    patients_treated_source: str | None = None
    patients_treated_date: str | None = None
    notes: str | None = None
    source: str | None = None
    archived_at: datetime | None = Field(default=None, sa_column=_timestamp())
    version: int | None = Field(default=None, sa_column=_CONSTRUCT_VERSION)

    __mapper_args__ = {"version_id_col": _CONSTRUCT_VERSION}


_SEQUENCE_RECORD_VERSION = _version()


class SequenceRecord(SQLModel, table=True):
    """One record of a sequence file (GenBank or FASTA), kept with its original bytes."""

    id: int | None = Field(default=None, primary_key=True)
    construct_id: int = Field(foreign_key="construct.id", index=True)
    file_name: str
    record_id: str
    description: str | None = None
    format: str = Field(max_length=10)  # genbank | fasta | embl | snapgene
    molecule: str = Field(max_length=10)  # DNA | protein
    topology: str = Field(default="linear", max_length=10)
    length: int
    sequence: str
    checksum: str = Field(unique=True, index=True, max_length=120)  # one record per sequence
    original_bytes: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    warnings: list[str] | None = Field(default=None, sa_column=_json())
    imported_at: datetime = Field(default_factory=utc_now, sa_column=_timestamp(nullable=False))
    imported_by: str | None = None
    curated_at: datetime | None = Field(default=None, sa_column=_timestamp())  # last curated domain edit
    curated_by: str | None = None
    archived_at: datetime | None = Field(default=None, sa_column=_timestamp())
    version: int | None = Field(default=None, sa_column=_SEQUENCE_RECORD_VERSION)

    __mapper_args__ = {"version_id_col": _SEQUENCE_RECORD_VERSION}


class Domain(SQLModel, table=True):
    """A domain of a sequence record: annotated in the file, detected, or set by a curator."""

    id: int | None = Field(default=None, primary_key=True)
    sequence_record_id: int = Field(foreign_key="sequencerecord.id", index=True, ondelete="CASCADE")
    position: int = 0  # order along the chain
    kind: str = Field(max_length=30)
    label: str
    start: int
    end: int
    strand: int | None = None
    source: str = Field(max_length=10)  # annotated | detected | curated
    protein_start: int | None = None
    protein_end: int | None = None
    frame: int | None = None
    identity: float | None = None
    score: float | None = None
    reference: str | None = None
    binder_checksum: str | None = Field(default=None, index=True, max_length=120)
    note: str | None = None


_TRIAL_VERSION = _version()


class Trial(SQLModel, table=True):
    """A registered clinical trial."""

    id: int | None = Field(default=None, primary_key=True)
    registry_name: str = Field(max_length=40)  # ClinicalTrials.gov, ChiCTR, ...
    registry_id: str = Field(unique=True, index=True, max_length=40)
    title: str | None = None
    phases: list[str] | None = Field(default=None, sa_column=_json())
    overall_status: str | None = Field(default=None, index=True, max_length=40)
    conditions: list[str] | None = Field(default=None, sa_column=_json())
    interventions: list[str] | None = Field(default=None, sa_column=_json())
    summary: str | None = None  # the registry's brief summary: classification reads it again when products change
    indication: str | None = Field(default=None, index=True)
    indication_category: str | None = None
    lead_sponsor: str | None = Field(default=None, index=True)
    countries: list[str] | None = Field(default=None, sa_column=_json())
    start_date: str | None = None  # ISO with the registry's precision: 2023, 2023-03 or 2023-03-28
    start_year: int | None = Field(default=None, index=True)
    last_update: str | None = None
    enrollment_count: int | None = None
    enrollment_type: str = Field(default="unknown", max_length=10)  # actual | estimated | unknown
    patients_treated: int | None = None  # curated, never derived from enrollment
    patients_treated_source: str | None = None
    patients_treated_date: str | None = None
    modality: str | None = Field(default=None, max_length=20)
    cell_source: str | None = Field(default=None, max_length=20)
    products: list[str] | None = Field(default=None, sa_column=_json())
    target_evidence: dict | None = Field(default=None, sa_column=_json())
    targets_curated: bool = False  # a curator's target override survives re-import
    curated_fields: list[str] | None = Field(default=None, sa_column=_json())  # fields a curator corrected
    record_source: str | None = None
    snapshot_date: str | None = None
    archived_at: datetime | None = Field(default=None, sa_column=_timestamp())
    version: int | None = Field(default=None, sa_column=_TRIAL_VERSION)
    secondary_ids: list[str] | None = Field(default=None, sa_column=_json())  # its IDs in other registries
    url: str | None = None  # the record's own public page, where the source gave one (ICTRP web_address)
    study_id: int | None = Field(default=None, index=True)  # the registration that stands for its study; NULL: alone

    __mapper_args__ = {"version_id_col": _TRIAL_VERSION}


class TrialTarget(SQLModel, table=True):
    trial_id: int = Field(foreign_key="trial.id", primary_key=True, ondelete="CASCADE")
    target_id: int = Field(foreign_key="target.id", primary_key=True, index=True)


class TrialConstruct(SQLModel, table=True):
    trial_id: int = Field(foreign_key="trial.id", primary_key=True, ondelete="CASCADE")
    construct_id: int = Field(foreign_key="construct.id", primary_key=True, index=True)
    curated: bool = False  # set by a curator (kept on re-import) rather than by product matching


class ReferenceBinder(SQLModel, table=True):
    """A known therapeutic antibody's variable domains (e.g. from a Thera-SAbDab export)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=NAME_LENGTHS["reference binder"])
    target: str | None = None
    format: str | None = None
    heavy: str | None = None
    light: str | None = None
    second_heavy: str | None = None
    second_light: str | None = None
    phase: str | None = None
    source: str | None = None


class Account(SQLModel, table=True):
    """A person who uses the catalogue, with a role: viewer < curator < admin."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=NAME_LENGTHS["account"])
    role: str = Field(max_length=10)
    email: str | None = Field(default=None, unique=True)
    password_hash: str | None = None
    created_at: datetime = Field(default_factory=utc_now, sa_column=_timestamp(nullable=False))
    archived_at: datetime | None = Field(default=None, sa_column=_timestamp())


class CatalogueState(SQLModel, table=True):
    """One row: the catalogue's revision, raised by every write transaction that changes something.

    Readers compare it to decide whether cached results are still current (in this process or in
    another app instance on the same database).
    """

    id: int = Field(default=1, primary_key=True)
    revision: int = 0


class AuditEvent(SQLModel, table=True):
    """One write: who, when, what, and the values before and after.

    Append-only in the database itself (migrations 0002 and 0005): UPDATE, DELETE, an INSERT that would
    replace an existing event, and (PostgreSQL) TRUNCATE are refused.
    """

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utc_now, sa_column=_timestamp(nullable=False))
    actor: str = Field(index=True)
    action: str = Field(max_length=40)
    entity_kind: str = Field(max_length=40)
    entity_key: str
    before: dict | None = Field(default=None, sa_column=_json())
    after: dict | None = Field(default=None, sa_column=_json())
    summary: str | None = None
    origin: str | None = None  # where the action came from: "cli: OS user ada on host lab-1", "app (signed in)"


class Epitope(SQLModel, table=True):
    """What a TCR-T construct recognises: a peptide of an antigen presented by an HLA allele."""

    id: int | None = Field(default=None, primary_key=True)
    construct_id: int = Field(foreign_key="construct.id", index=True, ondelete="CASCADE")
    position: int = 0
    antigen: str = Field(max_length=40)  # gene symbol (CTAG1B, MAGEA4) or a viral protein (HPV16 E7)
    peptide: str = Field(max_length=25)
    hla: str = Field(max_length=40)  # standard nomenclature, e.g. HLA-A*02:01
    uniprot: str | None = Field(default=None, max_length=20)
    peptide_start: int | None = None  # in the UniProt entry, 1-based inclusive
    peptide_end: int | None = None
    source: str | None = None


class TcrChain(SQLModel, table=True):
    """A TCR chain of a construct: detected on one of its sequence records, or stated by a curator."""

    id: int | None = Field(default=None, primary_key=True)
    construct_id: int = Field(foreign_key="construct.id", index=True, ondelete="CASCADE")
    sequence_record_id: int | None = Field(default=None, foreign_key="sequencerecord.id", index=True,
                                           ondelete="CASCADE")
    position: int = 0  # order in the ORF (1, 2, ...)
    chain: str = Field(max_length=10)  # alpha | beta | gamma | delta
    v_gene: str | None = Field(default=None, max_length=40)
    v_allele: str | None = Field(default=None, max_length=40)
    j_gene: str | None = Field(default=None, max_length=40)
    j_allele: str | None = Field(default=None, max_length=40)
    cdr3: str | None = Field(default=None, max_length=60)
    constant: str | None = None
    start: int | None = None  # record coordinates, 1-based inclusive
    end: int | None = None
    species: str | None = Field(default=None, max_length=20)
    source: str = Field(default="detected", max_length=10)  # detected | curated
    note: str | None = None
class PatientsTreatedResult(SQLModel, table=True):
    """A published count of patients who received a product, on one trial or one construct (migration 0009).

    Several results may exist for one trial or construct (a first report, an update): the figure that counts
    is the latest by publication date. Never derived from registry enrollment.
    """

    id: int | None = Field(default=None, primary_key=True)
    trial_id: int | None = Field(default=None, foreign_key="trial.id", index=True, ondelete="CASCADE")
    construct_id: int | None = Field(default=None, foreign_key="construct.id", index=True, ondelete="CASCADE")
    patients_treated: int
    citation: str  # authors, journal, year, volume and pages, or the news item
    doi: str | None = Field(default=None, max_length=200)
    pmid: str | None = Field(default=None, max_length=20)
    published: str | None = Field(default=None, max_length=10)  # ISO date with its precision: 2017, 2017-12, 2017-12-28
    population: str | None = None  # what was counted: "111 enrolled, 101 received axi-cel"
    recorded_at: datetime = Field(default_factory=utc_now, sa_column=_timestamp(nullable=False))
    recorded_by: str | None = None

    __table_args__ = (
        CheckConstraint("(trial_id IS NULL) <> (construct_id IS NULL)", name="ck_patientstreatedresult_one_subject"),
        CheckConstraint("patients_treated >= 0", name="ck_patientstreatedresult_not_negative"),
    )


class ProgrammeCandidate(SQLModel, table=True):
    """A trial that may belong to a programme, with the reason, until a curator accepts or rejects it (0009).

    An accepted candidate counts among the programme's trials on the Portfolio.
    """

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", index=True, ondelete="CASCADE")
    trial_id: int = Field(foreign_key="trial.id", index=True, ondelete="CASCADE")
    reason: str
    source: str | None = None
    decision: str = Field(default="proposed", max_length=10)  # proposed | accepted | rejected
    decided_by: str | None = None
    decided_at: datetime | None = Field(default=None, sa_column=_timestamp())

    __table_args__ = (UniqueConstraint("programme_id", "trial_id", name="uq_programmecandidate_programme_trial"),)


class TrialLink(SQLModel, table=True):
    """Two registrations of one study (registry IDs, ``registry_id`` < ``other_registry_id``).

    Made from a record's secondary IDs or by a curator; a curator's unlink keeps the row with
    ``linked`` false, so a re-import that names the other ID again does not link them back. The
    study a trial belongs to is denormalised into ``Trial.study_id`` by the service layer.
    """

    id: int | None = Field(default=None, primary_key=True)
    registry_id: str = Field(max_length=40, index=True)
    other_registry_id: str = Field(max_length=40, index=True)
    linked: bool = True
    origin: str = Field(max_length=20)  # "secondary ID" | "curator"

    __table_args__ = (UniqueConstraint("registry_id", "other_registry_id", name="uq_triallink_pair"),)


class TrialImport(SQLModel, table=True):
    """One import of trial records (a file, or a ``fetch trials`` run): when, by whom, from what, what it did."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utc_now, sa_column=_timestamp(nullable=False))
    actor: str
    kind: str = Field(max_length=10)  # file | fetch
    source: str  # the file name or the registry query, as given
    listing: str = Field(index=True)  # the source across imports (file name without dates, --source, or the query)
    complete: bool = True  # the source was read whole: trials it no longer lists are "absent"
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    absent: int = 0


class TrialChange(SQLModel, table=True):
    """What one import did to one trial: new, updated (each changed field before and after), unchanged, absent."""

    id: int | None = Field(default=None, primary_key=True)
    import_id: int = Field(foreign_key="trialimport.id", index=True)
    registry_id: str = Field(max_length=40, index=True)
    change: str = Field(max_length=10)  # new | updated | unchanged | absent
    fields: dict | None = Field(default=None, sa_column=_json())  # {"overall_status": {"before": ..., "after": ...}}


# Covering indexes for the per-target counts: live records per construct, live constructs by id.
Index("ix_sequencerecord_construct_live", SequenceRecord.construct_id, SequenceRecord.archived_at)
Index("ix_construct_live", Construct.id, Construct.archived_at, Construct.patients_treated)
Index("ix_auditevent_entity", AuditEvent.entity_kind, AuditEvent.entity_key)
Index("ix_auditevent_at", AuditEvent.at)


class SearchSequence(SQLModel, table=True):
    """A distinct protein sequence of the search store (a chain or a domain of some records), kept once.

    Rows are only ever added: the in-memory search index of each app instance reads the new ones by id.
    """

    id: int | None = Field(default=None, primary_key=True)
    checksum: str = Field(unique=True, max_length=120)  # SEGUID of the protein
    length: int
    protein: str


class SequenceSegment(SQLModel, table=True):
    """Where a search-store sequence occurs: a chain, binder V domain or other domain of one sequence record.

    Written by the service layer with the record (import) and again when its domains are curated.
    Coordinates: ``chain_start``/``chain_end`` in residues of the record's chain ``chain`` (0-based index
    among the record's chains), ``record_start``/``record_end`` on the record itself.
    """

    id: int | None = Field(default=None, primary_key=True)
    sequence_record_id: int = Field(foreign_key="sequencerecord.id", index=True, ondelete="CASCADE")
    search_sequence_id: int = Field(foreign_key="searchsequence.id", index=True)
    kind: str = Field(max_length=30)  # "chain", vh, vl, vhh, tcr_*_variable, or another domain kind
    label: str
    chain: int = 0
    chain_start: int
    chain_end: int
    record_start: int
    record_end: int
    strand: int | None = None
class CuratedProduct(SQLModel, table=True):
    """A curator's named product: a new one, or a correction of one in catalogue/reference/products.toml.

    The trial classifier reads the reference file with these layered on top (a curated product
    replaces the reference product of the same name). Every fact carries its source.
    """

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=200)
    aliases: list[str] | None = Field(default=None, sa_column=_json())
    patterns: list[str] | None = Field(default=None, sa_column=_json())
    targets: list[str] | None = Field(default=None, sa_column=_json())
    targets_source: str | None = None
    modality: str | None = Field(default=None, max_length=20)
    modality_source: str | None = None
    binder: str | None = Field(default=None, max_length=40)
    binder_source: str | None = None
    developer: str | None = None
    developer_source: str | None = None
    status: str | None = Field(default=None, max_length=20)
    status_source: str | None = None
    notes: str | None = None
    curated_at: datetime = Field(default_factory=utc_now, sa_column=_timestamp(nullable=False))
    curated_by: str | None = None
