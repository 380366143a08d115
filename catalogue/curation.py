"""The service layer: every write to the catalogue goes through here.

Each public function is one user action: it checks the acting account's role,
validates its input, writes in one transaction, and records one
:class:`~catalogue.models.AuditEvent` per entity it changes. A write that
changes nothing records nothing, so repeating an action is harmless. The CLI
and the app call these functions; nothing else writes to the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Literal

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from catalogue import db
from catalogue.drafts import (
    DOMAIN_KINDS,
    MODALITIES,
    DomainDraft,
    ConstructDraft,
    ProgrammeDraft,
    SequenceDraft,
    TargetDraft,
    TrialDraft,
)
from catalogue.errors import EditConflict, InvalidInput, NotFound, PermissionDenied
from catalogue.models import (
    Account,
    AuditEvent,
    Construct,
    ConstructTarget,
    Domain,
    Programme,
    ReferenceBinder,
    SequenceRecord,
    Target,
    Trial,
    TrialConstruct,
    TrialTarget,
)

Role = Literal["viewer", "curator", "admin"]
ROLES: tuple[Role, ...] = ("viewer", "curator", "admin")
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}
LOCAL_OPERATOR = "local-operator"
Outcome = Literal["created", "updated", "unchanged", "older", "already present"]


@dataclass(frozen=True)
class Actor:
    """Who is acting: an account's name and role."""

    name: str
    role: Role


def local_operator() -> Actor:
    """The person at the keyboard of a single-user install: acts as admin, recorded as such."""
    return Actor(LOCAL_OPERATOR, "admin")


def actor_for(engine: Engine, name: str | None) -> Actor:
    """The actor for an account name; ``None`` is the local operator."""
    if name is None:
        return local_operator()
    with db.read_session(engine) as session:
        account = session.exec(select(Account).where(Account.name == name)).scalars().first()
    if account is None or account.archived_at is not None:
        raise PermissionDenied(f"no active account named {name!r}")
    return Actor(account.name, account.role)  # type: ignore[arg-type]


def require(actor: Actor, role: Role, action: str) -> None:
    if ROLE_RANK[actor.role] < ROLE_RANK[role]:
        raise PermissionDenied(f"{actor.name} ({actor.role}) may not {action}: it needs the {role} role")


# --- audit trail -------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


def row_values(row: Any, *, exclude: Iterable[str] = ("id",)) -> dict[str, Any]:
    """A row's column values as JSON-safe data (for the audit trail and conflict messages)."""
    skip = set(exclude)
    return {
        column.key: _plain(getattr(row, column.key))
        for column in row.__table__.columns
        if column.key not in skip
    }


def _audit(
    session: Session,
    actor: Actor,
    action: str,
    kind: str,
    key: str,
    before: dict | None,
    after: dict | None,
    summary: str | None = None,
) -> None:
    if before is not None and after is not None:
        changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
        before = {k: before.get(k) for k in sorted(changed)}
        after = {k: after.get(k) for k in sorted(changed)}
    session.add(
        AuditEvent(
            actor=actor.name,
            action=action,
            entity_kind=kind,
            entity_key=key,
            before=before,
            after=after,
            summary=summary,
        )
    )


# --- targets and programmes -------------------------------------------------------


def _find_target(session: Session, symbol: str) -> Target | None:
    """The target named ``symbol``, or whose aliases include it (SLAMF7 → CS1, TNFRSF17 → BCMA)."""
    target = session.exec(select(Target).where(Target.symbol == symbol)).scalars().first()
    if target is not None:
        return target
    wanted = symbol.casefold()
    for candidate in session.exec(select(Target).where(Target.aliases.is_not(None))).scalars():
        if wanted in {alias.casefold() for alias in candidate.aliases or []} or wanted == (
            candidate.gene_symbol or ""
        ).casefold():
            return candidate
    return None


def _canonical_symbols(session: Session, symbols: Iterable[str]) -> list[str]:
    """Symbols with aliases replaced by the catalogue's own symbol, duplicates dropped, order kept."""
    canonical = []
    for symbol in symbols:
        target = _find_target(session, symbol)
        canonical.append(target.symbol if target is not None else symbol)
    return list(dict.fromkeys(canonical))


def _target_row(session: Session, symbol: str, actor: Actor, *, origin: str) -> Target:
    """The target with ``symbol`` (or that alias), created with only its symbol when the catalogue does not know it."""
    target = _find_target(session, symbol)
    if target is not None:
        return target
    try:
        with session.begin_nested():  # a savepoint: another writer may be creating the same target
            target = Target(symbol=symbol, source=origin)
            session.add(target)
    except IntegrityError:
        # It committed first (PostgreSQL lets both try; SQLite's BEGIN IMMEDIATE never gets here): use its row.
        target = session.exec(select(Target).where(Target.symbol == symbol)).scalars().one()
        return target
    _audit(session, actor, "create", "target", symbol, None, row_values(target), origin)
    return target


def _apply(row: Any, values: dict[str, Any]) -> bool:
    changed = False
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    return changed


def _upsert_target(session: Session, actor: Actor, draft: TargetDraft) -> Outcome:
    values = {
        "gene_symbol": draft.gene_symbol,
        "aliases": draft.aliases or None,
        "uniprot": draft.uniprot,
        "note": draft.note,
        "source": draft.source,
    }
    target = session.exec(select(Target).where(Target.symbol == draft.symbol)).scalars().first()
    if target is None:
        target = Target(symbol=draft.symbol, **values)
        session.add(target)
        session.flush()
        _audit(session, actor, "create", "target", draft.symbol, None, row_values(target))
        return "created"
    before = row_values(target)
    if not _apply(target, values):
        return "unchanged"
    session.flush()
    _audit(session, actor, "update", "target", draft.symbol, before, row_values(target))
    return "updated"


def save_target(engine: Engine, actor: Actor, draft: TargetDraft) -> Outcome:
    require(actor, "curator", "edit targets")
    if not draft.symbol.strip():
        raise InvalidInput("a target needs a symbol")
    with db.write_session(engine) as session:
        return _upsert_target(session, actor, draft)


def _upsert_programme(session: Session, actor: Actor, draft: ProgrammeDraft) -> Outcome:
    values = {k: v for k, v in asdict(draft).items() if k != "name"}
    programme = session.exec(select(Programme).where(Programme.name == draft.name)).scalars().first()
    if programme is None:
        programme = Programme(name=draft.name, **values)
        session.add(programme)
        session.flush()
        _audit(session, actor, "create", "programme", draft.name, None, row_values(programme))
        return "created"
    before = row_values(programme)
    if not _apply(programme, values):
        return "unchanged"
    session.flush()
    _audit(session, actor, "update", "programme", draft.name, before, row_values(programme))
    return "updated"


# --- constructs -------------------------------------------------------------------

CONSTRUCT_FIELDS = (
    "modality", "aliases", "binder_clone", "binder_format", "binder_species", "hinge",
    "transmembrane", "costimulatory", "signalling", "generation", "vector", "developer",
    "status", "patients_treated", "patients_treated_source", "patients_treated_date",
    "notes", "source",
)  # fmt: skip


def construct_targets(session: Session, construct: Construct) -> list[str]:
    rows = session.exec(
        select(Target.symbol)
        .join(ConstructTarget, ConstructTarget.target_id == Target.id)
        .where(ConstructTarget.construct_id == construct.id)
        .order_by(ConstructTarget.position)
    ).scalars()
    return list(rows)


def _construct_state(session: Session, construct: Construct) -> dict[str, Any]:
    state = row_values(construct, exclude=("id", "version"))
    state["targets"] = construct_targets(session, construct)
    return state


def _validate_construct(draft: ConstructDraft) -> None:
    if not draft.name or not draft.name.strip():
        raise InvalidInput("a construct needs a name")
    if draft.modality not in MODALITIES:
        raise InvalidInput(f"construct {draft.name!r}: modality {draft.modality!r} is not one of {', '.join(MODALITIES)}")
    if draft.generation is not None and not 1 <= draft.generation <= 5:
        raise InvalidInput(f"construct {draft.name!r}: generation {draft.generation} is not between 1 and 5")
    if draft.patients_treated is not None and draft.patients_treated < 0:
        raise InvalidInput(f"construct {draft.name!r}: patients treated cannot be negative")
    if draft.patients_treated is not None and not draft.patients_treated_source:
        raise InvalidInput(f"construct {draft.name!r}: a patients-treated figure needs its source")


def _set_construct_targets(session: Session, actor: Actor, construct: Construct, symbols: list[str]) -> None:
    session.execute(delete(ConstructTarget).where(ConstructTarget.construct_id == construct.id))
    target_ids: list[int] = []
    for symbol in symbols:
        target = _target_row(session, symbol, actor, origin=f"named by construct {construct.name}")
        if target.id not in target_ids:
            target_ids.append(target.id)
    for position, target_id in enumerate(target_ids):
        session.add(ConstructTarget(construct_id=construct.id, target_id=target_id, position=position))


def _upsert_construct(session: Session, actor: Actor, draft: ConstructDraft) -> Outcome:
    _validate_construct(draft)
    values = {key: getattr(draft, key) for key in CONSTRUCT_FIELDS}
    values["aliases"] = draft.aliases or None
    values["costimulatory"] = draft.costimulatory or None
    programme_id = None
    if draft.programme:
        programme = session.exec(select(Programme).where(Programme.name == draft.programme)).scalars().first()
        if programme is None:
            raise InvalidInput(f"construct {draft.name!r}: no programme named {draft.programme!r}")
        programme_id = programme.id
    values["programme_id"] = programme_id
    construct = session.exec(select(Construct).where(Construct.name == draft.name)).scalars().first()
    if construct is None:
        construct = Construct(name=draft.name, **values)
        session.add(construct)
        session.flush()
        _set_construct_targets(session, actor, construct, draft.targets)
        session.flush()
        _audit(session, actor, "create", "construct", draft.name, None, _construct_state(session, construct))
        return "created"
    before = _construct_state(session, construct)
    changed = _apply(construct, values)
    if before["targets"] != _canonical_symbols(session, draft.targets):
        _set_construct_targets(session, actor, construct, draft.targets)
        changed = True
    if not changed:
        return "unchanged"
    session.flush()
    _audit(session, actor, "update", "construct", draft.name, before, _construct_state(session, construct))
    return "updated"


def save_construct(engine: Engine, actor: Actor, draft: ConstructDraft) -> Outcome:
    """Create a construct, or bring an existing one of that name up to ``draft``."""
    require(actor, "curator", "edit constructs")
    with db.write_session(engine) as session:
        return _upsert_construct(session, actor, draft)


EDITABLE_CONSTRUCT_FIELDS = frozenset(CONSTRUCT_FIELDS) | {"targets"}


def update_construct(
    engine: Engine, actor: Actor, name: str, changes: dict[str, Any], *, expected_version: int
) -> dict[str, Any]:
    """Change some fields of a construct that the editor saw at ``expected_version``.

    A stale edit (someone saved a newer version meanwhile) is refused with
    :class:`EditConflict`, which carries the newer values; nothing is written.
    """
    require(actor, "curator", "edit constructs")
    unknown = set(changes) - EDITABLE_CONSTRUCT_FIELDS
    if unknown:
        raise InvalidInput(f"construct {name!r}: unknown field(s) {', '.join(sorted(unknown))}")
    try:
        with db.write_session(engine) as session:
            construct = _live_construct(session, name)
            if construct.version != expected_version:
                raise EditConflict(
                    f"construct {name!r} was changed by someone else (version {construct.version}, "
                    f"you edited version {expected_version}); reload to see the newer values",
                    current=_construct_state(session, construct),
                )
            draft = ConstructDraft(
                name=name,
                targets=changes.get("targets", construct_targets(session, construct)),
                programme=_programme_name(session, construct.programme_id),
                **{key: changes.get(key, getattr(construct, key)) for key in CONSTRUCT_FIELDS},
            )
            draft.aliases = draft.aliases or []
            draft.costimulatory = draft.costimulatory or []
            _upsert_construct(session, actor, draft)
            session.flush()
            return _construct_state(session, construct) | {"version": construct.version}
    except StaleDataError as error:
        # Another writer committed between our version check and our UPDATE: the version column caught it.
        with db.read_session(engine) as session:
            current = _construct_state(session, _live_construct(session, name))
        raise EditConflict(f"construct {name!r} was changed by someone else while you saved; "
                           "reload to see the newer values", current=current) from error


def _programme_name(session: Session, programme_id: int | None) -> str | None:
    if programme_id is None:
        return None
    return session.get(Programme, programme_id).name


def _live_construct(session: Session, name: str) -> Construct:
    construct = session.exec(select(Construct).where(Construct.name == name)).scalars().first()
    if construct is None or construct.archived_at is not None:
        raise NotFound(f"no construct named {name!r}")
    return construct


def set_archived(engine: Engine, actor: Actor, kind: Literal["construct", "trial"], key: str, archived: bool) -> Outcome:
    """Soft-delete (archive) or restore a construct or trial. Restoring is for admins."""
    require(actor, "curator" if archived else "admin", "archive" if archived else "restore archived records")
    model, column = (Construct, Construct.name) if kind == "construct" else (Trial, Trial.registry_id)
    with db.write_session(engine) as session:
        row = session.exec(select(model).where(column == key)).scalars().first()
        if row is None:
            raise NotFound(f"no {kind} {key!r}")
        if (row.archived_at is not None) == archived:
            return "unchanged"
        before = row_values(row)
        row.archived_at = datetime.now(timezone.utc) if archived else None
        session.flush()
        _audit(session, actor, "archive" if archived else "restore", kind, key, before, row_values(row))
        return "updated"


# --- trials -----------------------------------------------------------------------

TRIAL_REGISTRY_FIELDS = (
    "title", "phases", "overall_status", "conditions", "interventions", "indication",
    "indication_category", "lead_sponsor", "countries", "start_date", "start_year", "last_update",
    "enrollment_count", "enrollment_type", "modality", "cell_source", "products", "target_evidence",
    "record_source", "snapshot_date",
)  # fmt: skip


def _trial_values(draft: TrialDraft) -> dict[str, Any]:
    values = {
        "title": draft.title,
        "phases": sorted(set(draft.phases)) or None,
        "overall_status": draft.overall_status,
        "conditions": draft.conditions or None,
        "interventions": draft.interventions or None,
        "indication": draft.indication,
        "indication_category": draft.indication_category,
        "lead_sponsor": draft.lead_sponsor,
        "countries": draft.countries or None,
        "start_date": draft.start_date,
        "start_year": draft.start_year,
        "last_update": draft.last_update,
        "enrollment_count": draft.enrollment_count,
        "enrollment_type": draft.enrollment_type,
        "modality": draft.modality,
        "cell_source": draft.cell_source,
        "products": draft.products or None,
        "target_evidence": draft.target_evidence or None,
        "record_source": draft.record_source,
        "snapshot_date": draft.snapshot_date,
    }
    return values


def _validate_trial(draft: TrialDraft) -> None:
    if not draft.registry_id:
        raise InvalidInput("a trial needs a registry ID", line=draft.line)
    if draft.enrollment_count is not None and draft.enrollment_count < 0:
        raise InvalidInput(f"enrollment {draft.enrollment_count} is negative", record=draft.registry_id, line=draft.line)
    if draft.enrollment_type not in ("actual", "estimated", "unknown"):
        raise InvalidInput(f"enrollment type {draft.enrollment_type!r} is not actual, estimated or unknown",
                           record=draft.registry_id, line=draft.line)


@dataclass
class _TrialContext:
    """What a batch of trial upserts looks up once: targets and construct names by product."""

    targets: dict[str, Target]
    constructs_by_product: dict[str, int]

    @classmethod
    def load(cls, session: Session) -> "_TrialContext":
        targets = {t.symbol: t for t in session.exec(select(Target)).scalars()}
        by_product: dict[str, int] = {}
        for construct in session.exec(select(Construct).where(Construct.archived_at.is_(None))).scalars():
            for name in [construct.name, *(construct.aliases or [])]:
                by_product[name.casefold()] = construct.id
        return cls(targets, by_product)

    def target(self, session: Session, actor: Actor, symbol: str, registry_id: str) -> Target:
        if symbol not in self.targets:
            self.targets[symbol] = _target_row(session, symbol, actor, origin=f"classified from trial {registry_id}")
        return self.targets[symbol]  # keyed by the name asked for, which may be an alias

    def resolve(self, session: Session, symbol: str) -> str:
        """The catalogue's own symbol for ``symbol`` (an alias resolves; an unknown one stays as it is)."""
        if symbol in self.targets:
            return self.targets[symbol].symbol
        found = _find_target(session, symbol)
        return found.symbol if found is not None else symbol

    def construct_ids(self, products: Iterable[str]) -> set[int]:
        return {self.constructs_by_product[p.casefold()] for p in products if p.casefold() in self.constructs_by_product}


def _trial_targets(session: Session, trial_id: int) -> list[str]:
    return sorted(
        session.exec(
            select(Target.symbol).join(TrialTarget, TrialTarget.target_id == Target.id).where(TrialTarget.trial_id == trial_id)
        ).scalars()
    )


def _trial_state(session: Session, trial: Trial) -> dict[str, Any]:
    state = row_values(trial, exclude=("id", "version"))
    state["targets"] = _trial_targets(session, trial.id)
    return state


def _link_trial(session: Session, actor: Actor, trial: Trial, draft: TrialDraft, context: _TrialContext) -> None:
    if not trial.targets_curated:
        session.execute(delete(TrialTarget).where(TrialTarget.trial_id == trial.id))
        for symbol in sorted(set(draft.targets)):
            target = context.target(session, actor, symbol, draft.registry_id)
            session.add(TrialTarget(trial_id=trial.id, target_id=target.id))
    session.execute(
        delete(TrialConstruct).where(TrialConstruct.trial_id == trial.id, TrialConstruct.curated.is_(False))
    )
    curated = set(
        session.exec(select(TrialConstruct.construct_id).where(TrialConstruct.trial_id == trial.id)).scalars()
    )
    for construct_id in sorted(context.construct_ids(draft.products) - curated):
        session.add(TrialConstruct(trial_id=trial.id, construct_id=construct_id))


def _insert_trials(session: Session, actor: Actor, drafts: list[TrialDraft], context: _TrialContext) -> None:
    """Insert new trials, their target and construct links and their audit events, in bulk."""
    if not drafts:
        return
    now = datetime.now(timezone.utc)
    rows = []
    for draft in drafts:
        rows.append({"registry_name": draft.registry, "registry_id": draft.registry_id, "targets_curated": False,
                     "patients_treated": None, "patients_treated_source": None, "patients_treated_date": None,
                     "archived_at": None, "version": 1, **_trial_values(draft)})
    ids = dict(session.execute(insert(Trial).returning(Trial.registry_id, Trial.id), rows).all())
    target_links, construct_links, events = [], [], []
    for draft, row in zip(drafts, rows):
        trial_id = ids[draft.registry_id]
        symbols = sorted({context.target(session, actor, s, draft.registry_id).symbol for s in draft.targets})
        target_links += [{"trial_id": trial_id, "target_id": context.targets[s].id} for s in symbols]
        construct_links += [{"trial_id": trial_id, "construct_id": c, "curated": False}
                            for c in sorted(context.construct_ids(draft.products))]
        after = {k: _plain(v) for k, v in row.items() if k != "version"} | {"targets": symbols}
        events.append({"at": now, "actor": actor.name, "action": "create", "entity_kind": "trial",
                       "entity_key": draft.registry_id, "before": None, "after": after, "summary": None})
    for model, link_rows in ((TrialTarget, target_links), (TrialConstruct, construct_links), (AuditEvent, events)):
        if link_rows:
            session.execute(insert(model), link_rows)


def _update_trial(
    session: Session, actor: Actor, draft: TrialDraft, context: _TrialContext, existing: Trial, targets: list[str]
) -> Outcome:
    """Update a trial from a registry record; curated fields are kept and an older record is ignored."""
    if draft.last_update and existing.last_update and draft.last_update < existing.last_update:
        return "older"
    values = _trial_values(draft)
    same_version = bool(draft.last_update) and draft.last_update == existing.last_update
    if same_version:
        # The same registry version seen through another file (two snapshots overlap): it may fill in
        # what we did not know, never overwrite what we have, so re-importing both is a no-op.
        values = {k: v for k, v in values.items() if v is not None and getattr(existing, k) in (None, "unknown")}
    for field_name in existing.curated_fields or []:
        values.pop(field_name, None)  # a curator's correction survives re-import
    changed = {k: v for k, v in values.items() if getattr(existing, k) != v}
    wanted = sorted({context.resolve(session, s) for s in draft.targets})
    targets_differ = not existing.targets_curated and targets != wanted and not (same_version and targets)
    if not changed and not targets_differ:
        return "unchanged"
    before = _trial_state(session, existing)
    _apply(existing, changed)
    _link_trial(session, actor, existing, draft, context)
    session.flush()
    _audit(session, actor, "update", "trial", draft.registry_id, before, _trial_state(session, existing))
    return "updated"


@dataclass
class RecordOutcome:
    record: str
    outcome: str
    detail: str | None = None
    line: int | None = None


@dataclass
class FileReport:
    """What happened to one file of an import: all of it, or (on error) nothing."""

    file: str
    error: str | None = None
    records: list[RecordOutcome] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for record in self.records:
            counts[record.outcome] = counts.get(record.outcome, 0) + 1
        return counts

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "ok": self.ok,
            "error": self.error,
            "counts": self.counts(),
            "records": [asdict(r) for r in self.records],
        }


def _write_trials(session: Session, actor: Actor, drafts: list[TrialDraft]) -> list[RecordOutcome]:
    for draft in drafts:
        _validate_trial(draft)
    context = _TrialContext.load(session)
    ids = [d.registry_id for d in drafts]
    existing: dict[str, Trial] = {}
    targets: dict[int, list[str]] = {}
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start : chunk_start + 500]
        for trial in session.exec(select(Trial).where(Trial.registry_id.in_(chunk))).scalars():
            existing[trial.registry_id] = trial
            targets[trial.id] = []
        for trial_id, symbol in session.exec(
            select(TrialTarget.trial_id, Target.symbol)
            .join(Target, Target.id == TrialTarget.target_id)
            .join(Trial, Trial.id == TrialTarget.trial_id)
            .where(Trial.registry_id.in_(chunk))
        ):
            targets[trial_id].append(symbol)
    outcomes: list[RecordOutcome] = []
    new: dict[str, TrialDraft] = {}
    for draft in drafts:
        trial = existing.get(draft.registry_id)
        if trial is not None:
            outcome = _update_trial(session, actor, draft, context, trial, sorted(targets[trial.id]))
        elif draft.registry_id in new:
            outcome = "unchanged"  # the same trial twice in one batch (e.g. two overlapping snapshots)
        else:
            new[draft.registry_id] = draft
            outcome = "created"
        outcomes.append(RecordOutcome(draft.registry_id, outcome, line=draft.line))
    _insert_trials(session, actor, list(new.values()), context)
    return outcomes


def import_trials(
    engine: Engine, actor: Actor, file_name: str, content: bytes, *, source: str | None = None
) -> FileReport:
    """Import one registry file (CT.gov JSON or CSV, or a trial-monitor snapshot): all of it or nothing."""
    require(actor, "curator", "import trials")
    from catalogue.trials import parse_trial_file

    try:
        drafts = parse_trial_file(content, file_name, source=source)
        with db.write_session(engine) as session:
            return FileReport(file_name, records=_write_trials(session, actor, drafts))
    except InvalidInput as error:
        return FileReport(file_name, error=str(error.located(file=file_name)))


EDITABLE_TRIAL_FIELDS = frozenset({
    "title", "phases", "overall_status", "conditions", "indication", "indication_category", "lead_sponsor",
    "countries", "start_date", "enrollment_count", "enrollment_type", "modality", "cell_source",
})


def update_trial(
    engine: Engine, actor: Actor, registry_id: str, changes: dict[str, Any], *, expected_version: int
) -> dict[str, Any]:
    """A curator's correction of trial fields; corrected fields are kept on re-import.

    Refused with :class:`EditConflict` (and the newer values) when the trial
    changed since the editor read ``expected_version``.
    """
    require(actor, "curator", "edit trials")
    unknown = set(changes) - EDITABLE_TRIAL_FIELDS
    if unknown:
        raise InvalidInput(f"trial {registry_id!r}: field(s) {', '.join(sorted(unknown))} cannot be edited")
    if changes.get("enrollment_type", "unknown") not in ("actual", "estimated", "unknown"):
        raise InvalidInput(f"trial {registry_id!r}: enrollment type must be actual, estimated or unknown")
    if (changes.get("enrollment_count") or 0) < 0:
        raise InvalidInput(f"trial {registry_id!r}: enrollment cannot be negative")
    try:
        with db.write_session(engine) as session:
            trial = _live_trial(session, registry_id)
            if trial.version != expected_version:
                raise EditConflict(
                    f"trial {registry_id!r} was changed by someone else (version {trial.version}, you edited "
                    f"version {expected_version}); reload to see the newer values",
                    current=_trial_state(session, trial))
            before = _trial_state(session, trial)
            values = dict(changes)
            if "start_date" in values:
                values["start_year"] = int(values["start_date"][:4]) if values["start_date"] else None
            if not _apply(trial, values):
                return {}
            trial.curated_fields = sorted(set(trial.curated_fields or []) | set(changes))
            session.flush()
            after = _trial_state(session, trial)
            _audit(session, actor, "update", "trial", registry_id, before, after)
            return after | {"version": trial.version}
    except StaleDataError as error:
        with db.read_session(engine) as session:
            current = _trial_state(session, _live_trial(session, registry_id))
        raise EditConflict(f"trial {registry_id!r} was changed by someone else while you saved; reload",
                           current=current) from error


def set_trial_targets(engine: Engine, actor: Actor, registry_id: str, symbols: list[str]) -> Outcome:
    """A curator's override of a trial's targets; it survives re-import."""
    require(actor, "curator", "override trial targets")
    with db.write_session(engine) as session:
        trial = _live_trial(session, registry_id)
        before = _trial_state(session, trial) | {"targets_curated": trial.targets_curated}
        if before["targets"] == sorted(set(symbols)) and trial.targets_curated:
            return "unchanged"
        session.execute(delete(TrialTarget).where(TrialTarget.trial_id == trial.id))
        context = _TrialContext.load(session)
        for symbol in sorted(set(symbols)):
            session.add(TrialTarget(trial_id=trial.id, target_id=context.target(session, actor, symbol, registry_id).id))
        trial.targets_curated = True
        session.flush()
        _audit(session, actor, "override targets", "trial", registry_id, before, _trial_state(session, trial))
        return "updated"


def _live_trial(session: Session, registry_id: str) -> Trial:
    trial = session.exec(select(Trial).where(Trial.registry_id == registry_id)).scalars().first()
    if trial is None or trial.archived_at is not None:
        raise NotFound(f"no trial {registry_id!r}")
    return trial


def link_trial_construct(engine: Engine, actor: Actor, registry_id: str, construct_name: str) -> Outcome:
    """A curator's link between a trial and a construct; it survives re-import."""
    require(actor, "curator", "link trials to constructs")
    with db.write_session(engine) as session:
        return _link_curated(session, actor, registry_id, construct_name)


def _link_curated(session: Session, actor: Actor, registry_id: str, construct_name: str) -> Outcome:
    trial = _live_trial(session, registry_id)
    construct = _live_construct(session, construct_name)
    link = session.get(TrialConstruct, (trial.id, construct.id))
    if link is not None and link.curated:
        return "unchanged"
    if link is None:
        session.add(TrialConstruct(trial_id=trial.id, construct_id=construct.id, curated=True))
    else:
        link.curated = True
    session.flush()
    _audit(session, actor, "link", "trial", registry_id, None, {"construct": construct_name})
    return "created"


def set_patients_treated(
    engine: Engine,
    actor: Actor,
    kind: Literal["trial", "construct", "programme"],
    key: str,
    patients: int | None,
    *,
    source: str | None,
    as_of: str | None,
) -> Outcome:
    """Record how many patients were treated (a curated figure, kept apart from enrollment)."""
    require(actor, "curator", "record patients treated")
    if patients is not None:
        if patients < 0:
            raise InvalidInput("patients treated cannot be negative")
        if not source or not source.strip():
            raise InvalidInput("a patients-treated figure needs its source (publication, news item, registry results)")
    with db.write_session(engine) as session:
        return _set_patients(session, actor, kind, key, patients, source, as_of)


def _set_patients(session, actor, kind, key, patients, source, as_of) -> Outcome:
    if kind == "trial":
        row = _live_trial(session, key)
    elif kind == "construct":
        row = _live_construct(session, key)
    else:
        row = session.exec(select(Programme).where(Programme.name == key)).scalars().first()
        if row is None:
            raise NotFound(f"no programme named {key!r}")
    before = row_values(row)
    values = {
        "patients_treated": patients,
        "patients_treated_source": source if patients is not None else None,
        "patients_treated_date": as_of if patients is not None else None,
    }
    if not _apply(row, values):
        return "unchanged"
    session.flush()
    _audit(session, actor, "set patients treated", kind, key, before, row_values(row))
    return "updated"


# --- sequence records ---------------------------------------------------------------


@dataclass
class PreparedSequences:
    """A file's records, parsed, annotated and run through domain detection; not yet written."""

    file_name: str
    drafts: list[SequenceDraft]


def prepare_sequences(
    file_name: str,
    content: bytes,
    *,
    annotations: bytes | None = None,
    annotations_name: str | None = None,
    molecule: str | None = None,
    detect: bool = True,
    max_length: int | None = None,
    binder_library: list | None = None,
) -> PreparedSequences:
    """Parse, validate and detect domains (no database): what Curate previews and import writes.

    With a ``binder_library`` (see :func:`reference_binder_library`), each detected
    VH, VL or VHH is named by its closest known therapeutic antibody.
    """
    from catalogue import config
    from catalogue.sequences import apply_annotations, parse_gtf, parse_sequence_file

    if len(content) > config.max_upload_bytes():
        raise InvalidInput(f"the file is {len(content)} bytes, over the upload cap of {config.max_upload_bytes()}",
                           file=file_name)
    drafts = parse_sequence_file(content, file_name, molecule=molecule,  # type: ignore[arg-type]
                                 max_length=max_length or config.max_sequence_length())
    if annotations is not None:
        gtf_name = annotations_name or "annotations.gtf"
        drafts = apply_annotations(drafts, parse_gtf(annotations, gtf_name), gtf_name)
    if detect:
        from catalogue.domains import detect_domains, header_content_warnings

        for draft in drafts:
            result = detect_domains(draft.sequence, draft.molecule)
            if binder_library:
                _name_binders(draft, result, binder_library)
            draft.domains.extend(result.domains)
            draft.warnings.extend(header_content_warnings(draft.description or "", result))
    return PreparedSequences(file_name, drafts)


def _name_binders(draft: SequenceDraft, result, library: list) -> None:
    from catalogue.binders import closest_binder

    for index, domain in enumerate(result.domains):
        if domain.kind not in ("vh", "vl", "vhh") or domain.protein_start is None:
            continue
        chain = result.chains[result.chain_of_domain[index]]
        protein = chain.protein[domain.protein_start - 1 : domain.protein_end]
        match = closest_binder(protein, domain.kind, library)
        if match is None:
            continue
        domain.identity = match.identity
        target = f", target {match.target}" if match.target else ""
        named = f"closest known therapeutic: {match.name} ({match.chain}{target}), {match.identity:.1f}% identity"
        domain.note = f"{domain.note}; {named}" if domain.note else named


def reference_binder_library(engine: Engine) -> list:
    """The reference binders loaded with ``catalogue import binders``, as the detector's library."""
    from catalogue.binders import ReferenceBinder as LibraryBinder

    with db.read_session(engine) as session:
        rows = session.exec(select(ReferenceBinder)).scalars().all()
    return [
        LibraryBinder(name=r.name, target=r.target, format=r.format, heavy=r.heavy, light=r.light,
                      second_heavy=r.second_heavy, second_light=r.second_light, phase=r.phase, source=r.source)
        for r in rows
    ]


def import_sequences(
    engine: Engine,
    actor: Actor,
    file_name: str,
    content: bytes,
    *,
    construct: str | None = None,
    annotations: bytes | None = None,
    annotations_name: str | None = None,
    molecule: str | None = None,
    detect: bool = True,
) -> FileReport:
    """Import one sequence file: every record, or (on any error) nothing.

    Records attach to ``construct`` (created if absent) or, without it, each to
    a construct named after the record. A sequence already in the catalogue,
    under any file name, is reported as already present and adds nothing.
    """
    require(actor, "curator", "import sequence records")
    try:
        library = reference_binder_library(engine) if detect else None
        prepared = prepare_sequences(file_name, content, annotations=annotations, annotations_name=annotations_name,
                                     molecule=molecule, detect=detect, binder_library=library)
        with db.write_session(engine) as session:
            return FileReport(file_name, records=_write_sequences(session, actor, prepared, construct))
    except InvalidInput as error:
        return FileReport(file_name, error=str(error.located(file=file_name)))


def _write_sequences(session: Session, actor: Actor, prepared: PreparedSequences, construct_name: str | None):
    outcomes = []
    for draft in prepared.drafts:
        present = session.exec(select(SequenceRecord).where(SequenceRecord.checksum == draft.checksum)).scalars().first()
        if present is not None:
            owner = session.get(Construct, present.construct_id)
            outcomes.append(RecordOutcome(draft.record_id, "already present",
                                          f"same sequence as {present.file_name} / {present.record_id} of {owner.name}",
                                          line=draft.line))
            continue
        name = construct_name or draft.record_id
        construct = session.exec(select(Construct).where(Construct.name == name)).scalars().first()
        if construct is None:
            _upsert_construct(session, actor, ConstructDraft(name=name, source=f"sequence file {prepared.file_name}"))
            construct = session.exec(select(Construct).where(Construct.name == name)).scalars().one()
        record = _add_sequence_record(session, actor, construct, draft)
        outcomes.append(RecordOutcome(draft.record_id, "created",
                                      f"{record.length} {'aa' if record.molecule == 'protein' else 'nt'}, "
                                      f"{len(draft.domains)} domains, attached to {construct.name}",
                                      line=draft.line))
    return outcomes


def _add_sequence_record(session: Session, actor: Actor, construct: Construct, draft: SequenceDraft) -> SequenceRecord:
    record = SequenceRecord(
        construct_id=construct.id,
        file_name=draft.file_name,
        record_id=draft.record_id,
        description=draft.description,
        format=draft.format,
        molecule=draft.molecule,
        topology=draft.topology,
        length=draft.length,
        sequence=draft.sequence,
        checksum=draft.checksum,
        original_bytes=draft.raw,
        warnings=draft.warnings or None,
        imported_by=actor.name,
    )
    session.add(record)
    session.flush()
    for position, domain in enumerate(draft.domains):
        session.add(Domain(sequence_record_id=record.id, position=position, **asdict(domain)))
    session.flush()
    after = row_values(record, exclude=("id", "sequence", "original_bytes"))
    after["construct"] = construct.name
    after["domains"] = len(draft.domains)
    _audit(session, actor, "import", "sequence_record", f"{construct.name}/{draft.record_id}", None, after)
    return record


def set_curated_domains(
    engine: Engine, actor: Actor, record_id: int, domains: list[DomainDraft], *, expected_version: int
) -> int:
    """Replace a sequence record's curated domains (annotated and detected ones stay beside them).

    Coordinates are 1-based and inclusive on the record. Refused with
    :class:`EditConflict` when the record changed since ``expected_version``.
    Returns the record's new version.
    """
    require(actor, "curator", "curate domains")
    try:
        with db.write_session(engine) as session:
            record = session.get(SequenceRecord, record_id)
            if record is None or record.archived_at is not None:
                raise NotFound(f"no sequence record {record_id}")
            key = f"{session.get(Construct, record.construct_id).name}/{record.record_id}"
            if record.version != expected_version:
                raise EditConflict(f"sequence record {key} was changed by someone else (version {record.version}, "
                                   f"you edited version {expected_version}); reload",
                                   current=row_values(record, exclude=("id", "sequence", "original_bytes")))
            for domain in domains:
                if domain.kind not in DOMAIN_KINDS:
                    raise InvalidInput(f"{key}: domain kind {domain.kind!r} is not one of {', '.join(DOMAIN_KINDS)}")
                if not 1 <= domain.start <= domain.end <= record.length:
                    raise InvalidInput(f"{key}: domain {domain.label!r} {domain.start}-{domain.end} is outside "
                                       f"1-{record.length} or has start > end")
                if not domain.label.strip():
                    raise InvalidInput(f"{key}: a domain needs a label")
            old = session.exec(select(Domain).where(Domain.sequence_record_id == record.id,
                                                    Domain.source == "curated")).scalars().all()
            before = [{"kind": d.kind, "label": d.label, "start": d.start, "end": d.end} for d in old]
            after = [{"kind": d.kind, "label": d.label, "start": d.start, "end": d.end} for d in domains]
            if before == after:
                return record.version
            for domain in old:
                session.delete(domain)
            first = len(session.exec(select(Domain.id).where(Domain.sequence_record_id == record.id)).all())
            for offset, domain in enumerate(domains):
                values = asdict(domain) | {"source": "curated"}
                session.add(Domain(sequence_record_id=record.id, position=first + offset, **values))
            record.curated_at = datetime.now(timezone.utc)
            record.curated_by = actor.name
            session.flush()
            _audit(session, actor, "curate domains", "sequence_record", key, {"domains": before}, {"domains": after})
            return record.version
    except StaleDataError as error:
        raise EditConflict(f"sequence record {record_id} was changed by someone else while you saved; reload") from error


def accept_architecture(engine: Engine, actor: Actor, construct_name: str) -> dict[str, Any]:
    """Set a construct's architecture fields from the domains detected in its newest sequence record.

    Detection only proposes (hinge, transmembrane, costimulatory, signalling,
    binder format, generation); this is the curator's acceptance. Returns the
    fields that changed, with their new values.
    """
    require(actor, "curator", "accept a detected architecture")
    from catalogue.domains import detect_domains, propose_architecture

    with db.write_session(engine) as session:
        construct = _live_construct(session, construct_name)
        record = session.exec(
            select(SequenceRecord)
            .where(SequenceRecord.construct_id == construct.id, SequenceRecord.archived_at.is_(None))
            .order_by(SequenceRecord.imported_at.desc(), SequenceRecord.id.desc())
        ).scalars().first()
        if record is None:
            raise InvalidInput(f"construct {construct_name!r} has no sequence record to detect an architecture from")
        proposal = propose_architecture(detect_domains(record.sequence, record.molecule))  # type: ignore[arg-type]
        values = {
            key: proposal[key]
            for key in ("hinge", "transmembrane", "costimulatory", "signalling", "binder_format", "generation")
            if proposal.get(key)
        }
        for key, suffix in (("hinge", " hinge"), ("transmembrane", " transmembrane")):
            if key in values and values[key].endswith(suffix):
                values[key] = values[key][: -len(suffix)]  # "CD8α hinge" is stored as hinge = "CD8α"
        before = _construct_state(session, construct)
        if not _apply(construct, values):
            return {}
        session.flush()
        after = _construct_state(session, construct)
        _audit(session, actor, "accept architecture", "construct", construct_name, before, after,
               f"from detected domains of {record.file_name} / {record.record_id}")
        return {key: after[key] for key in values if before[key] != after[key]}


# --- reference binders ------------------------------------------------------------------


def import_binders(engine: Engine, actor: Actor, file_name: str, content: bytes) -> FileReport:
    """Load a Thera-SAbDab export as the reference library that names detected binders."""
    require(actor, "curator", "import reference binders")
    from catalogue.binders import parse_therasabdab

    try:
        binders = parse_therasabdab(content, file_name)
        with db.write_session(engine) as session:
            known = {b.name: b for b in session.exec(select(ReferenceBinder)).scalars()}
            outcomes = []
            for binder in binders:
                values = {k: getattr(binder, k) for k in ("target", "format", "heavy", "light",
                                                          "second_heavy", "second_light", "phase", "source")}
                row = known.get(binder.name)
                if row is None:
                    session.add(ReferenceBinder(name=binder.name, **values))
                    outcomes.append(RecordOutcome(binder.name, "created"))
                elif _apply(row, values):
                    outcomes.append(RecordOutcome(binder.name, "updated"))
                else:
                    outcomes.append(RecordOutcome(binder.name, "unchanged"))
            written = [o for o in outcomes if o.outcome != "unchanged"]
            if written:
                _audit(session, actor, "import", "reference_binders", file_name, None,
                       {"binders": len(binders), "written": len(written)})
            return FileReport(file_name, records=outcomes)
    except InvalidInput as error:
        return FileReport(file_name, error=str(error.located(file=file_name)))


# --- accounts -----------------------------------------------------------------------------


def add_account(
    engine: Engine, actor: Actor, name: str, role: str, *, password: str | None = None, email: str | None = None
) -> Outcome:
    """Create an account (admins only). The password is stored as an argon2 hash, never in clear."""
    require(actor, "admin", "manage accounts")
    if role not in ROLES:
        raise InvalidInput(f"role {role!r} is not one of {', '.join(ROLES)}")
    if not name or not name.strip() or name == LOCAL_OPERATOR:
        raise InvalidInput(f"{name!r} cannot be an account name")
    from catalogue.passwords import hash_password

    with db.write_session(engine) as session:
        if session.exec(select(Account).where(Account.name == name)).scalars().first() is not None:
            raise InvalidInput(f"an account named {name!r} exists already")
        account = Account(name=name, role=role, email=email,
                          password_hash=hash_password(password) if password else None)
        session.add(account)
        session.flush()
        _audit(session, actor, "create", "account", name, None,
               {"name": name, "role": role, "email": email, "password": "set" if password else "none"})
        return "created"


def set_role(engine: Engine, actor: Actor, name: str, role: str) -> Outcome:
    require(actor, "admin", "manage accounts")
    if role not in ROLES:
        raise InvalidInput(f"role {role!r} is not one of {', '.join(ROLES)}")
    with db.write_session(engine) as session:
        account = session.exec(select(Account).where(Account.name == name)).scalars().first()
        if account is None:
            raise NotFound(f"no account named {name!r}")
        if account.role == role:
            return "unchanged"
        before = {"role": account.role}
        account.role = role
        _audit(session, actor, "set role", "account", name, before, {"role": role})
        return "updated"


# --- the demo catalogue -------------------------------------------------------------------


def load_demo(engine: Engine, actor: Actor) -> dict[str, dict[str, int]]:
    """Load the shipped demo catalogue in one transaction. A second run changes nothing."""
    require(actor, "admin", "load the demo catalogue")
    from catalogue import demo

    catalogue = demo.read_demo_catalogue()
    tally: dict[str, dict[str, int]] = {}

    def count(kind: str, outcome: str) -> None:
        tally.setdefault(kind, {}).setdefault(outcome, 0)
        tally[kind][outcome] += 1

    with db.write_session(engine) as session:
        for target in catalogue.targets:
            count("targets", _upsert_target(session, actor, target))
        for programme in catalogue.programmes:
            count("programmes", _upsert_programme(session, actor, programme))
        for construct in catalogue.constructs:
            count("constructs", _upsert_construct(session, actor, construct))
        session.flush()
        for outcome in _write_trials(session, actor, catalogue.trials):
            count("trials", outcome.outcome)
        for registry_id, construct_name in catalogue.trial_links:
            count("trial links", _link_curated(session, actor, registry_id, construct_name))
        for kind, key, patients, source, as_of in catalogue.patients_treated:
            count("patients treated", _set_patients(session, actor, kind, key, patients, source, as_of))
        for sequence_file in catalogue.sequence_files:
            prepared = prepare_sequences(sequence_file.path.name, sequence_file.path.read_bytes())
            for outcome in _write_sequences(session, actor, prepared, sequence_file.construct):
                count("sequence records", outcome.outcome)
    return tally


def describe_outcomes(tally: dict[str, dict[str, int]]) -> str:
    return "; ".join(f"{kind}: " + ", ".join(f"{n} {o}" for o, n in sorted(c.items())) for kind, c in tally.items())

