"""Targets, programmes and constructs: create, correct, archive."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime, timezone
from typing import Any, Literal

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from catalogue import db
from catalogue.curation.actors import Actor, require
from catalogue.curation.audit import (
    Outcome,
    _apply,
    _audit,
    check_version,
    row_values,
)
from catalogue.db.models import (
    Construct,
    ConstructTarget,
    Programme,
    Target,
    Trial,
)
from catalogue.drafts import (
    MODALITIES,
    ConstructDraft,
    ProgrammeDraft,
    TargetDraft,
)
from catalogue.errors import EditConflict, InvalidInput, NotFound

# --- targets and programmes -------------------------------------------------------


def _find_target(session: Session, symbol: str) -> Target | None:
    """The target named ``symbol``, or whose aliases include it (SLAMF7 → CS1, TNFRSF17 → BCMA)."""
    target = session.exec(select(Target).where(Target.symbol == symbol)).scalars().first()
    if target is not None:
        return target
    wanted = symbol.casefold()
    for candidate in session.exec(select(Target).where(Target.aliases.is_not(None))).scalars():
        if (
            wanted in {alias.casefold() for alias in candidate.aliases or []}
            or wanted == (candidate.gene_symbol or "").casefold()
        ):
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


def _upsert_by_key(session: Session, actor: Actor, model, kind: str, key_field: str, key: str, values: dict) -> Outcome:
    """Create the row whose ``key_field`` is ``key``, or bring it up to ``values``; audit what changed."""
    row = session.exec(select(model).where(getattr(model, key_field) == key)).scalars().first()
    if row is None:
        row = model(**{key_field: key}, **values)
        session.add(row)
        session.flush()
        _audit(session, actor, "create", kind, key, None, row_values(row))
        return "created"
    before = row_values(row)
    if not _apply(row, values):
        return "unchanged"
    session.flush()
    _audit(session, actor, "update", kind, key, before, row_values(row))
    return "updated"


def _upsert_target(session: Session, actor: Actor, draft: TargetDraft) -> Outcome:
    values = {
        "gene_symbol": draft.gene_symbol,
        "aliases": draft.aliases or None,
        "uniprot": draft.uniprot,
        "note": draft.note,
        "source": draft.source,
    }
    return _upsert_by_key(session, actor, Target, "target", "symbol", draft.symbol, values)


def save_target(engine: Engine, actor: Actor, draft: TargetDraft) -> Outcome:
    require(actor, "curator", "edit targets")
    if not draft.symbol.strip():
        raise InvalidInput("a target needs a symbol")
    with db.write_session(engine) as session:
        return _upsert_target(session, actor, draft)


def _upsert_programme(session: Session, actor: Actor, draft: ProgrammeDraft) -> Outcome:
    values = {k: v for k, v in asdict(draft).items() if k != "name"}
    return _upsert_by_key(session, actor, Programme, "programme", "name", draft.name, values)


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
        raise InvalidInput(
            f"construct {draft.name!r}: modality {draft.modality!r} is not one of {', '.join(MODALITIES)}"
        )
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
            check_version(
                "construct", name, construct.version, expected_version, lambda: _construct_state(session, construct)
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
        raise EditConflict(
            f"construct {name!r} was changed by someone else while you saved; reload to see the newer values",
            current=current,
        ) from error


def _programme_name(session: Session, programme_id: int | None) -> str | None:
    if programme_id is None:
        return None
    return session.get(Programme, programme_id).name


def _live_construct(session: Session, name: str) -> Construct:
    construct = session.exec(select(Construct).where(Construct.name == name)).scalars().first()
    if construct is None or construct.archived_at is not None:
        raise NotFound(f"no construct named {name!r}")
    return construct


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
        _audit(session, actor, "archive" if archived else "restore", kind, key, before, row_values(row))
        return "updated"
