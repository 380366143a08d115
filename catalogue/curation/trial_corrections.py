"""Curators' corrections of trials: edited fields, a target override and curated links to constructs, each
kept when the trial's registry record is imported again.

``link_curated`` is a unit: it runs inside a caller's transaction and checks no role.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from catalogue import db
from catalogue.curation.actors import Actor, require
from catalogue.curation.audit import Outcome, apply_values, audit_event, check_version
from catalogue.curation.lookups import live_construct, live_trial
from catalogue.curation.trial_links import TrialContext, trial_state
from catalogue.curation.values import check_widths, participants, registry_date
from catalogue.db.models import Trial, TrialConstruct, TrialTarget
from catalogue.errors import EditConflict, InvalidInput
from catalogue.vocabulary import ENROLLMENT_TYPES


EDITABLE_TRIAL_FIELDS = frozenset(
    {
        "title",
        "phases",
        "overall_status",
        "conditions",
        "indication",
        "indication_category",
        "lead_sponsor",
        "countries",
        "start_date",
        "enrollment_count",
        "enrollment_type",
        "modality",
        "cell_source",
    }
)


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
    where = f"trial {registry_id!r}"
    if changes.get("enrollment_type", "unknown") not in ENROLLMENT_TYPES:
        raise InvalidInput(f"{where}: enrollment type must be actual, estimated or unknown")
    changes = dict(changes)
    start_date = changes.get("start_date")
    if start_date is not None and not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", str(start_date), re.ASCII):
        raise InvalidInput(f"{where}: start date {start_date!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    if "start_date" in changes:
        changes["start_date"] = registry_date(start_date, "start date", where)
    if "enrollment_count" in changes:
        changes["enrollment_count"] = participants(changes["enrollment_count"], "enrollment", where)
    check_widths(Trial, {k: v for k, v in changes.items() if isinstance(v, str)}, where)
    try:
        with db.write_session(engine) as session:
            trial = live_trial(session, registry_id)
            check_version("trial", registry_id, trial.version, expected_version, lambda: trial_state(session, trial))
            before = trial_state(session, trial)
            values = dict(changes)
            if "start_date" in values:
                values["start_year"] = int(values["start_date"][:4]) if values["start_date"] else None
            if not apply_values(trial, values):
                return {}
            trial.curated_fields = sorted(set(trial.curated_fields or []) | set(changes))
            session.flush()
            after = trial_state(session, trial)
            audit_event(session, actor, "update", "trial", registry_id, before, after)
            return after | {"version": trial.version}
    except StaleDataError as error:
        with db.read_session(engine) as session:
            current = trial_state(session, live_trial(session, registry_id))
        raise EditConflict(
            f"trial {registry_id!r} was changed by someone else while you saved; reload", current=current
        ) from error


def set_trial_targets(engine: Engine, actor: Actor, registry_id: str, symbols: list[str]) -> Outcome:
    """A curator's override of a trial's targets; it survives re-import."""
    require(actor, "curator", "override trial targets")
    with db.write_session(engine) as session:
        trial = live_trial(session, registry_id)
        before = trial_state(session, trial) | {"targets_curated": trial.targets_curated}
        if before["targets"] == sorted(set(symbols)) and trial.targets_curated:
            return "unchanged"
        session.execute(delete(TrialTarget).where(TrialTarget.trial_id == trial.id))
        context = TrialContext.load(session)
        for symbol in sorted(set(symbols)):
            session.add(
                TrialTarget(trial_id=trial.id, target_id=context.target(session, actor, symbol, registry_id).id)
            )
        trial.targets_curated = True
        session.flush()
        audit_event(session, actor, "override targets", "trial", registry_id, before, trial_state(session, trial))
        return "updated"


def link_trial_construct(engine: Engine, actor: Actor, registry_id: str, construct_name: str) -> Outcome:
    """A curator's link between a trial and a construct; it survives re-import."""
    require(actor, "curator", "link trials to constructs")
    with db.write_session(engine) as session:
        return link_curated(session, actor, registry_id, construct_name)


def link_curated(session: Session, actor: Actor, registry_id: str, construct_name: str) -> Outcome:
    """A curated trial-construct link, audited. A unit: runs inside the caller's transaction."""
    trial = live_trial(session, registry_id)
    construct = live_construct(session, construct_name)
    link = session.get(TrialConstruct, (trial.id, construct.id))
    if link is not None and link.curated:
        return "unchanged"
    if link is None:
        session.add(TrialConstruct(trial_id=trial.id, construct_id=construct.id, curated=True))
    else:
        link.curated = True
    session.flush()
    audit_event(session, actor, "link", "trial", registry_id, None, {"construct": construct_name})
    return "created"
