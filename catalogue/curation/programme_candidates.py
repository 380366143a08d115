"""A programme's candidate trials: trials that may belong to it, with the reason, for a curator to decide.

A programme's trials are those its sponsor leads and those linked to its constructs. Other trials may belong to
it too (the hospital is a site or collaborator, or the parent university is the lead sponsor); they are
proposed with the reason and its source, and count as the programme's only once a curator accepts them.
Every proposal and decision is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Literal

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from catalogue import db
from catalogue.curation.actors import Actor, require
from catalogue.curation.audit import Outcome, apply_values, audit_event, row_values
from catalogue.curation.lookups import live_trial
from catalogue.db.models import Programme, ProgrammeCandidate, Trial
from catalogue.errors import InvalidInput, NotFound

Decision = Literal["accepted", "rejected", "proposed"]
DECISIONS = ("proposed", "accepted", "rejected")


@dataclass(frozen=True)
class CandidateTrial:
    """A trial proposed for a programme, with why."""

    programme: str
    registry_id: str
    reason: str
    source: str | None = None


def _programme(session: Session, name: str) -> Programme:
    programme = session.exec(select(Programme).where(Programme.name == name)).scalars().first()
    if programme is None:
        raise NotFound(f"no programme named {name!r}")
    return programme


def _candidate(session: Session, programme: Programme, trial: Trial) -> ProgrammeCandidate | None:
    return session.exec(
        select(ProgrammeCandidate).where(
            ProgrammeCandidate.programme_id == programme.id, ProgrammeCandidate.trial_id == trial.id
        )
    ).scalars().first()


def _state(candidate: ProgrammeCandidate) -> dict:
    return row_values(candidate, exclude=("id", "programme_id", "trial_id"))


def propose_candidate(session: Session, actor: Actor, proposal: CandidateTrial) -> Outcome:
    reason = " ".join((proposal.reason or "").split())
    if not reason:
        raise InvalidInput(f"candidate {proposal.registry_id} for {proposal.programme!r}: a proposal needs its reason")
    programme, trial = _programme(session, proposal.programme), live_trial(session, proposal.registry_id)
    key = f"{proposal.programme}: {proposal.registry_id}"
    candidate = _candidate(session, programme, trial)
    if candidate is None:
        candidate = ProgrammeCandidate(programme_id=programme.id, trial_id=trial.id, reason=reason,
                                       source=proposal.source)
        session.add(candidate)
        session.flush()
        audit_event(session, actor, "propose", "programme candidate", key, None, _state(candidate))
        return "created"
    before = _state(candidate)
    if not apply_values(candidate, {"reason": reason, "source": proposal.source}):  # a decision already taken stays
        return "unchanged"
    session.flush()
    audit_event(session, actor, "update", "programme candidate", key, before, _state(candidate))
    return "updated"


def propose_candidates(engine: Engine, actor: Actor, proposals: list[CandidateTrial]) -> list[Outcome]:
    """Propose trials for programmes (one transaction); a repeated proposal keeps any decision taken."""
    require(actor, "curator", "propose a programme's trials")
    with db.write_session(engine) as session:
        return [propose_candidate(session, actor, proposal) for proposal in proposals]


def decide_candidate(engine: Engine, actor: Actor, programme: str, registry_id: str, decision: Decision) -> Outcome:
    """Accept (the trial counts as the programme's), reject, or return a candidate to "proposed"."""
    require(actor, "curator", "decide a programme's candidate trials")
    if decision not in DECISIONS:
        raise InvalidInput(f"decision {decision!r} is not one of {', '.join(DECISIONS)}")
    with db.write_session(engine) as session:
        candidate = _candidate(session, _programme(session, programme), live_trial(session, registry_id))
        if candidate is None:
            raise NotFound(f"trial {registry_id} is not a candidate of {programme!r}")
        if candidate.decision == decision:
            return "unchanged"
        before = _state(candidate)
        decided = decision != "proposed"
        candidate.decision = decision
        candidate.decided_by = actor.name if decided else None
        candidate.decided_at = datetime.now(timezone.utc) if decided else None
        session.flush()
        audit_event(session, actor, decision if decided else "reopen", "programme candidate",
               f"{programme}: {registry_id}", before, _state(candidate))
        return "updated"
