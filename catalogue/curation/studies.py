"""One study, several registrations: links between registry records, and the registration that stands for a study.

A study registered in two registries (a ChiCTR record naming an NCT ID as its secondary ID, or the reverse)
is two trial rows linked by a :class:`~catalogue.db.models.TrialLink`. Links come from the records' secondary
IDs at import, or from a curator; a curator's unlink is kept (``linked`` false) so that re-importing a record
that names the other ID does not link them again. The registrations connected by links form a study; every
member's ``Trial.study_id`` is the id of the one that stands for it (a live ClinicalTrials.gov record first,
then the first one imported), and the read side counts only that one (``study_id`` NULL or its own id).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from catalogue import db
from catalogue.curation.actors import Actor, require
from catalogue.curation.audit import Outcome, audit_event, note_change
from catalogue.curation.lookups import live_trial
from catalogue.db.models import Trial, TrialLink
from catalogue.errors import InvalidInput

PREFERRED_REGISTRY = "ClinicalTrials.gov"  # stands for its study when live: the most structured record


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def links_touching(session: Session, registry_ids: Iterable[str], *, linked_only: bool) -> list[TrialLink]:
    ids = sorted(set(registry_ids))
    rows: dict[int, TrialLink] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        query = select(TrialLink).where(
            or_(db.one_of(session, TrialLink.registry_id, chunk), db.one_of(session, TrialLink.other_registry_id, chunk))
        )
        if linked_only:
            query = query.where(TrialLink.linked.is_(True))
        for link in session.exec(query).scalars():
            rows[link.id] = link
    return list(rows.values())


def link_from_secondary_ids(session: Session, pairs: Iterable[tuple[str, str]]) -> None:
    """Record links named by records' secondary IDs (never over a curator's unlink); then re-derive studies."""
    wanted = {_pair(a, b) for a, b in pairs if a != b}
    if not wanted:
        return
    ids = {i for pair in wanted for i in pair}
    known = {(link.registry_id, link.other_registry_id) for link in links_touching(session, ids, linked_only=False)}
    new = sorted(wanted - known)
    if new:
        db.insert_rows(session, TrialLink.__table__, [
            {"registry_id": a, "other_registry_id": b, "linked": True, "origin": "secondary ID"} for a, b in new
        ])
    restudy(session, ids)


def restudy(session: Session, registry_ids: Iterable[str]) -> None:
    """Re-derive ``Trial.study_id`` for the studies of ``registry_ids`` (after links, imports or archiving)."""
    seeds = set(registry_ids)
    if not seeds:
        return
    component_of: dict[str, frozenset[str]] = {}
    for seed in sorted(seeds):
        if seed in component_of:
            continue
        seen, frontier = {seed}, {seed}
        while frontier:
            reached = set()
            for link in links_touching(session, frontier, linked_only=True):
                reached.update((link.registry_id, link.other_registry_id))
            frontier = reached - seen
            seen |= frontier
        component = frozenset(seen)
        for member in component:
            component_of[member] = component
    for component in set(component_of.values()):
        members = list(
            session.exec(
                select(Trial.id, Trial.registry_id, Trial.registry_name, Trial.archived_at, Trial.study_id).where(
                    db.one_of(session, Trial.registry_id, sorted(component))
                )
            )
        )
        if len(members) < 2:
            wanted: dict[int, int | None] = {m.id: None for m in members}
        else:
            live = [m for m in members if m.archived_at is None] or members
            representative = min(live, key=lambda m: (m.registry_name != PREFERRED_REGISTRY, m.id))
            wanted = {m.id: representative.id for m in members}
        for member in members:
            if member.study_id != wanted[member.id]:
                # a derived key, not a registry fact: set without raising the row's edit version
                session.execute(update(Trial).where(Trial.id == member.id).values(study_id=wanted[member.id]))
                note_change(session)


def _set_link(engine: Engine, actor: Actor, a: str, b: str, linked: bool) -> dict[str, Any]:
    require(actor, "curator", "link registrations" if linked else "unlink registrations")
    a, b = a.strip(), b.strip()
    if a == b:
        raise InvalidInput(f"a trial cannot be {'linked' if linked else 'unlinked'} with itself ({a})")
    with db.write_session(engine) as session:
        live_trial(session, a), live_trial(session, b)
        first, second = _pair(a, b)
        link = session.exec(
            select(TrialLink).where(and_(TrialLink.registry_id == first, TrialLink.other_registry_id == second))
        ).scalars().first()
        outcome: Outcome = "unchanged"
        if link is None:
            session.add(TrialLink(registry_id=first, other_registry_id=second, linked=linked, origin="curator"))
            outcome = "created" if linked else "updated"
        elif link.linked != linked:
            link.linked, link.origin = linked, "curator"
            outcome = "updated"
        session.flush()
        restudy(session, [a, b])
        if outcome != "unchanged":
            action = "link registrations" if linked else "unlink registrations"
            audit_event(session, actor, action, "trial", a, None, {"other registration": b, "linked": linked})
        return {"outcome": outcome, "registrations": _study_members(session, a)}


def _study_members(session: Session, registry_id: str) -> list[str]:
    study_id = session.exec(select(Trial.study_id).where(Trial.registry_id == registry_id)).scalars().first()
    if study_id is None:
        return [registry_id]
    return sorted(session.exec(select(Trial.registry_id).where(Trial.study_id == study_id)).scalars())


def link_registrations(engine: Engine, actor: Actor, registry_id: str, other_registry_id: str) -> dict[str, Any]:
    """A curator's link: the two records are registrations of one study (counted once). Kept on re-import."""
    return _set_link(engine, actor, registry_id, other_registry_id, True)


def unlink_registrations(engine: Engine, actor: Actor, registry_id: str, other_registry_id: str) -> dict[str, Any]:
    """A curator's unlink: the two records are separate studies, even when a record's secondary IDs say otherwise.

    ``registrations`` in the answer lists the study ``registry_id`` still belongs to (through other links).
    """
    return _set_link(engine, actor, registry_id, other_registry_id, False)
