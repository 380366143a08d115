"""Targets, programmes and constructs: create, correct, archive.

Functions taking an engine are user actions. Those taking a session (``find_target``, ``target_row``,
``upsert_target``, ``upsert_programme``, ``upsert_construct``, ``construct_state``, ``construct_targets``,
``live_construct``) are units: they run inside a caller's transaction and check no role (not user actions).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, replace
from datetime import datetime, timezone
from typing import Any, Literal

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from catalogue import bounds, db
from catalogue.curation.actors import Actor, require
from catalogue.curation.audit import (
    Outcome,
    apply_values,
    audit_event,
    check_version,
    row_values,
)
from catalogue.curation.lookups import find_target, live_construct
from catalogue.curation.values import as_of, check_widths, participants
from catalogue.db.models import (
    Construct,
    ConstructTarget,
    Programme,
    Target,
    Trial,
)
from catalogue.drafts import ConstructDraft, ProgrammeDraft, TargetDraft
from catalogue.errors import EditConflict, InvalidInput, NotFound
from catalogue.vocabulary import MODALITIES, TARGET_KINDS

# --- targets and programmes -------------------------------------------------------


def _canonical_symbols(session: Session, symbols: Iterable[str]) -> list[str]:
    """Symbols with aliases replaced by the catalogue's own symbol, duplicates dropped, order kept."""
    canonical = []
    for symbol in symbols:
        target = find_target(session, symbol)
        canonical.append(target.symbol if target is not None else symbol)
    return list(dict.fromkeys(canonical))


def target_row(session: Session, symbol: str, actor: Actor, *, origin: str) -> Target:
    """The target with ``symbol`` (or that alias), created with only its symbol when the catalogue does not know it."""
    target = find_target(session, symbol)
    if target is not None:
        return target
    symbol = bounds.name(symbol, "target")
    try:
        with session.begin_nested():  # a savepoint: another writer may be creating the same target
            target = Target(symbol=symbol, source=origin)
            session.add(target)
    except IntegrityError:
        # It committed first (PostgreSQL lets both try; SQLite's BEGIN IMMEDIATE never gets here): use its row.
        target = session.exec(select(Target).where(Target.symbol == symbol)).scalars().one()
        return target
    audit_event(session, actor, "create", "target", symbol, None, row_values(target), origin)
    return target


def _upsert_by_key(session: Session, actor: Actor, model, kind: str, key_field: str, key: str, values: dict) -> Outcome:
    """Create the row whose ``key_field`` is ``key``, or bring it up to ``values``; audit what changed."""
    check_widths(model, values, f"{kind} {key!r}")
    row = session.exec(select(model).where(getattr(model, key_field) == key)).scalars().first()
    if row is None:
        row = model(**{key_field: key}, **values)
        session.add(row)
        session.flush()
        audit_event(session, actor, "create", kind, key, None, row_values(row))
        return "created"
    before = row_values(row)
    if not apply_values(row, values):
        return "unchanged"
    session.flush()
    audit_event(session, actor, "update", kind, key, before, row_values(row))
    return "updated"


def upsert_target(session: Session, actor: Actor, draft: TargetDraft) -> Outcome:
    """Create or update a target from its draft, audited. A unit."""
    values = {
        "gene_symbol": draft.gene_symbol,
        "aliases": draft.aliases or None,
        "uniprot": draft.uniprot,
        "note": draft.note,
        "source": draft.source,
        "kind": draft.kind,
    }
    return _upsert_by_key(session, actor, Target, "target", "symbol", draft.symbol, values)


def save_target(engine: Engine, actor: Actor, draft: TargetDraft) -> Outcome:
    require(actor, "curator", "edit targets")
    draft = replace(draft, symbol=bounds.name(draft.symbol, "target"))
    if draft.kind is not None and draft.kind not in TARGET_KINDS:
        raise InvalidInput(f"target {draft.symbol!r}: kind {draft.kind!r} is not one of {', '.join(TARGET_KINDS)}")
    with db.write_session(engine) as session:
        return upsert_target(session, actor, draft)


def upsert_programme(session: Session, actor: Actor, draft: ProgrammeDraft) -> Outcome:
    """Create or update a programme from its draft, audited. A unit."""
    name = bounds.name(draft.name, "programme")
    where = f"programme {name!r}"
    values = {k: v for k, v in asdict(draft).items() if k != "name"}
    values["patients_treated"] = participants(draft.patients_treated, "patients treated", where)
    values["patients_treated_date"] = as_of(draft.patients_treated_date, where)
    return _upsert_by_key(session, actor, Programme, "programme", "name", name, values)


# --- constructs -------------------------------------------------------------------

CONSTRUCT_FIELDS = (
    "modality", "aliases", "binder_clone", "binder_format", "binder_species", "receptor", "hinge",
    "transmembrane", "costimulatory", "signalling", "generation", "vector", "developer",
    "status", "patients_treated", "patients_treated_source", "patients_treated_date",
    "notes", "source",
)  # fmt: skip


def construct_targets(session: Session, construct: Construct) -> list[str]:
    """A construct's target symbols, in order. A unit."""
    rows = session.exec(
        select(Target.symbol)
        .join(ConstructTarget, ConstructTarget.target_id == Target.id)
        .where(ConstructTarget.construct_id == construct.id)
        .order_by(ConstructTarget.position)
    ).scalars()
    return list(rows)


def construct_state(session: Session, construct: Construct) -> dict[str, Any]:
    """A construct's values with its targets, as the audit trail records them. A unit."""
    state = row_values(construct, exclude=("id", "version"))
    state["targets"] = construct_targets(session, construct)
    return state


def _checked_construct(draft: ConstructDraft) -> ConstructDraft:
    """The draft with its names trimmed and every value within bounds, or InvalidInput."""
    name = bounds.name(draft.name, "construct")
    where = f"construct {name!r}"
    draft = replace(
        draft,
        name=name,
        targets=[bounds.name(symbol, "target") for symbol in draft.targets],
        programme=bounds.name(draft.programme, "programme") if draft.programme is not None else None,
        patients_treated=participants(draft.patients_treated, "patients treated", where),
        patients_treated_date=as_of(draft.patients_treated_date, where),
    )
    _validate_construct(draft)
    return draft


def _validate_construct(draft: ConstructDraft) -> None:
    if draft.modality is not None and draft.modality not in MODALITIES:
        raise InvalidInput(
            f"construct {draft.name!r}: modality {draft.modality!r} is not one of {', '.join(MODALITIES)}"
        )
    if draft.generation is not None and (
        isinstance(draft.generation, bool) or not isinstance(draft.generation, int) or not 1 <= draft.generation <= 5
    ):
        raise InvalidInput(f"construct {draft.name!r}: generation {draft.generation} is not between 1 and 5")
    if draft.patients_treated is not None and draft.patients_treated < 0:
        raise InvalidInput(f"construct {draft.name!r}: patients treated cannot be negative")
    if draft.patients_treated is not None and not draft.patients_treated_source:
        raise InvalidInput(f"construct {draft.name!r}: a patients-treated figure needs its source")


def _set_construct_targets(session: Session, actor: Actor, construct: Construct, symbols: list[str]) -> None:
    session.execute(delete(ConstructTarget).where(ConstructTarget.construct_id == construct.id))
    target_ids: list[int] = []
    for symbol in symbols:
        target = target_row(session, symbol, actor, origin=f"named by construct {construct.name}")
        if target.id not in target_ids:
            target_ids.append(target.id)
    for position, target_id in enumerate(target_ids):
        session.add(ConstructTarget(construct_id=construct.id, target_id=target_id, position=position))


PATIENTS_FIELDS = ("patients_treated", "patients_treated_source", "patients_treated_date")


def upsert_construct(session: Session, actor: Actor, draft: ConstructDraft) -> Outcome:
    """Validate a construct draft, then create or update the construct and its targets, audited. A unit.

    A patients-treated figure in the draft is recorded as a published result (see
    :mod:`catalogue.curation.patients_treated`), which keeps the construct's own columns in step.
    """
    draft = _checked_construct(draft)
    outcome = _upsert_construct_fields(session, actor, draft)
    construct = session.exec(select(Construct).where(Construct.name == draft.name)).scalars().one()
    shown = (construct.patients_treated, construct.patients_treated_source, construct.patients_treated_date)
    wanted = (draft.patients_treated, draft.patients_treated_source, draft.patients_treated_date)
    if draft.patients_treated is not None and shown != wanted:  # an edit that keeps the shown figure adds nothing
        from catalogue.curation.patients_treated import PublishedResult, record_result

        figure = PublishedResult("construct", draft.name, draft.patients_treated, draft.patients_treated_source,
                                 published=draft.patients_treated_date)
        if record_result(session, actor, figure) != "unchanged" and outcome == "unchanged":
            outcome = "updated"
    return outcome


def _upsert_construct_fields(session: Session, actor: Actor, draft: ConstructDraft) -> Outcome:
    values = {key: getattr(draft, key) for key in CONSTRUCT_FIELDS if key not in PATIENTS_FIELDS}
    values["aliases"] = draft.aliases or None
    values["costimulatory"] = draft.costimulatory or None
    check_widths(Construct, values, f"construct {draft.name!r}")
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
        audit_event(session, actor, "create", "construct", draft.name, None, construct_state(session, construct))
        _write_draft_epitopes(session, actor, construct, draft)
        return "created"
    before = construct_state(session, construct)
    changed = apply_values(construct, values)
    if before["targets"] != _canonical_symbols(session, draft.targets):
        _set_construct_targets(session, actor, construct, draft.targets)
        changed = True
    epitopes = _write_draft_epitopes(session, actor, construct, draft)
    if not changed:
        return "updated" if epitopes not in (None, "unchanged") else "unchanged"
    session.flush()
    audit_event(session, actor, "update", "construct", draft.name, before, construct_state(session, construct))
    return "updated"


def _write_draft_epitopes(session: Session, actor: Actor, construct: Construct, draft: ConstructDraft) -> Outcome | None:
    """A draft's epitopes (the demo's TCR-T facts) written; a draft without epitopes leaves them as they are."""
    if not draft.epitopes:
        return None
    from catalogue.curation.tcr import validated_epitopes, write_epitopes

    return write_epitopes(session, actor, construct, validated_epitopes(draft.name, draft.epitopes))


def save_construct(engine: Engine, actor: Actor, draft: ConstructDraft) -> Outcome:
    """Create a construct, or bring an existing one of that name up to ``draft``."""
    require(actor, "curator", "edit constructs")
    with db.write_session(engine) as session:
        return upsert_construct(session, actor, draft)


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
    if bounds.name(name, "construct") != name:  # stored before names were checked: an edit would make another
        raise InvalidInput(f"construct {name!r}: its name has surrounding white space, which names no longer may")
    try:
        with db.write_session(engine) as session:
            construct = live_construct(session, name)
            check_version(
                "construct", name, construct.version, expected_version, lambda: construct_state(session, construct)
            )
            draft = ConstructDraft(
                name=name,
                targets=changes.get("targets", construct_targets(session, construct)),
                programme=_programme_name(session, construct.programme_id),
                **{key: changes.get(key, getattr(construct, key)) for key in CONSTRUCT_FIELDS},
            )
            draft.aliases = draft.aliases or []
            draft.costimulatory = draft.costimulatory or []
            upsert_construct(session, actor, draft)
            session.flush()
            return construct_state(session, construct) | {"version": construct.version}
    except StaleDataError as error:
        # Another writer committed between our version check and our UPDATE: the version column caught it.
        with db.read_session(engine) as session:
            current = construct_state(session, live_construct(session, name))
        raise EditConflict(
            f"construct {name!r} was changed by someone else while you saved; reload to see the newer values",
            current=current,
        ) from error


def _programme_name(session: Session, programme_id: int | None) -> str | None:
    if programme_id is None:
        return None
    return session.get(Programme, programme_id).name


def set_archived(
    engine: Engine, actor: Actor, kind: Literal["construct", "trial"], key: str, archived: bool
) -> Outcome:
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
        if kind == "trial":  # another registration of its study may now stand for it
            from catalogue.curation.studies import restudy

            restudy(session, [key])
        audit_event(session, actor, "archive" if archived else "restore", kind, key, before, row_values(row))
        return "updated"
