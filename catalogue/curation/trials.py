"""Trials from registries: a registry file or a fetched search imported (upsert by registry ID), each import
recorded with what it did to each trial. Curators' corrections are in ``trial_corrections``; classifying stored
trials again in ``trial_reclassification``; a trial's links to targets and constructs in ``trial_links``.

Functions taking an engine are user actions. ``write_trials`` is a unit: it runs inside a caller's transaction and
checks no role (not a user action).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from catalogue import bounds, db
from catalogue.curation.actors import Actor, require
from catalogue.curation.audit import (
    FileReport,
    Outcome,
    RecordOutcome,
    apply_values,
    audit_event,
    audit_rows,
    plain_value,
)
from catalogue.curation.import_history import field_changes, listing_of, record_import
from catalogue.curation.lookups import classification_products
from catalogue.curation.studies import link_from_secondary_ids, links_touching, restudy
from catalogue.curation.trial_links import TrialContext, link_trial, trial_state
from catalogue.curation.values import check_widths
from catalogue.db.models import Target, Trial, TrialConstruct, TrialTarget
from catalogue.drafts import TrialDraft
from catalogue.errors import InvalidInput
from catalogue.parse.trial_fields import normalise_date
from catalogue.vocabulary import ENROLLMENT_TYPES

# --- trials -----------------------------------------------------------------------

TRIAL_REGISTRY_FIELDS = (
    "title", "phases", "overall_status", "conditions", "interventions", "summary", "indication",
    "indication_category", "lead_sponsor", "countries", "start_date", "start_year", "last_update",
    "enrollment_count", "enrollment_type", "modality", "cell_source", "products", "target_evidence",
    "record_source", "snapshot_date", "secondary_ids", "url",
)  # fmt: skip

# Registries change these without a new record version (ClinicalTrials.gov moves a study to UNKNOWN when it has
# not been verified for two years, and renames sponsors' organisations, keeping the last-update date): a newer
# snapshot's value is news even at the same version. Every other field follows the record version: a same-version
# record seen again only fills what the catalogue did not know.
NEWEST_SNAPSHOT_FIELDS = ("overall_status", "lead_sponsor")


def _trial_values(draft: TrialDraft) -> dict[str, Any]:
    values = {
        "title": draft.title,
        "phases": sorted(set(draft.phases)) or None,
        "overall_status": draft.overall_status,
        "conditions": draft.conditions or None,
        "interventions": draft.interventions or None,
        "summary": draft.summary,
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
        "secondary_ids": draft.secondary_ids or None,
        "url": draft.url,
    }
    return values


def _validate_trial(draft: TrialDraft) -> None:
    """A registry draft within bounds (whoever made it): counts, dates and the schema's widths."""
    if not draft.registry_id:
        raise InvalidInput("a trial needs a registry ID", line=draft.line)
    where = {"record": draft.registry_id, "line": draft.line}
    if draft.enrollment_count is not None:
        try:
            bounds.participants(draft.enrollment_count)
        except ValueError as error:
            raise InvalidInput(str(error), **where) from None
    if draft.enrollment_type not in ENROLLMENT_TYPES:
        raise InvalidInput(f"enrollment type {draft.enrollment_type!r} is not actual, estimated or unknown", **where)
    for what in ("start_date", "last_update", "snapshot_date"):
        value = getattr(draft, what)
        try:
            if value is not None and normalise_date(value) != value:
                raise ValueError(f"{value!r} is not written YYYY, YYYY-MM or YYYY-MM-DD")
        except ValueError as error:
            raise InvalidInput(f"{what.replace('_', ' ')}: {error}", **where) from None
    try:
        check_widths(Trial, {"registry_name": draft.registry, "registry_id": draft.registry_id,
                             **_trial_values(draft)}, f"trial {draft.registry_id!r}")
    except InvalidInput as error:
        raise InvalidInput(error.message, line=draft.line) from None

def _insert_trials(session: Session, actor: Actor, drafts: list[TrialDraft], context: TrialContext) -> None:
    """Insert new trials, their target and construct links and their audit events, in bulk."""
    if not drafts:
        return
    now = datetime.now(timezone.utc)
    rows = []
    for draft in drafts:
        rows.append(
            {
                "registry_name": draft.registry,
                "registry_id": draft.registry_id,
                "targets_curated": False,
                "patients_treated": None,
                "patients_treated_source": None,
                "patients_treated_date": None,
                "archived_at": None,
                "version": 1,
                **_trial_values(draft),
            }
        )
    ids = dict(zip([d.registry_id for d in drafts], db.insert_rows_returning_ids(session, Trial.__table__, rows)))
    target_links, construct_links, events = [], [], []
    for draft, row in zip(drafts, rows):
        trial_id = ids[draft.registry_id]
        symbols = sorted({context.target(session, actor, s, draft.registry_id).symbol for s in draft.targets})
        target_links += [{"trial_id": trial_id, "target_id": context.targets[s].id} for s in symbols]
        construct_links += [
            {"trial_id": trial_id, "construct_id": c, "curated": False}
            for c in sorted(context.construct_ids(draft.products))
        ]
        after = {k: plain_value(v) for k, v in row.items() if k != "version"} | {"targets": symbols}
        events.append(
            {
                "at": now,
                "actor": actor.name,
                "action": "create",
                "entity_kind": "trial",
                "entity_key": draft.registry_id,
                "before": None,
                "after": after,
                "summary": None,
            }
        )
    for model, link_rows in ((TrialTarget, target_links), (TrialConstruct, construct_links)):
        if link_rows:
            db.insert_rows(session, model.__table__, link_rows)
    audit_rows(session, events, actor)


def _same_version_values(draft: TrialDraft, existing: Trial, values: dict[str, Any]) -> dict[str, Any]:
    """What a record of the version the catalogue has may still change (see :data:`NEWEST_SNAPSHOT_FIELDS`).

    It fills what we did not know and never overwrites what we have (two overlapping snapshots: re-importing
    both is a no-op), except that the status and sponsor of a snapshot as new as ours or newer (a later
    ``fetch trials`` the same day, the next monitor snapshot) replace an older snapshot's.
    """
    filled = {k: v for k, v in values.items() if v is not None and getattr(existing, k) in (None, "unknown")}
    newer = bool(draft.snapshot_date) and (existing.snapshot_date is None or draft.snapshot_date >= existing.snapshot_date)
    if newer:
        news = {k: values[k] for k in NEWEST_SNAPSHOT_FIELDS if values[k] is not None and values[k] != getattr(existing, k)}
        if news:
            filled |= news | {"snapshot_date": values["snapshot_date"], "record_source": values["record_source"]}
    return filled


def _update_trial(
    session: Session, actor: Actor, draft: TrialDraft, context: TrialContext, existing: Trial, targets: list[str],
    changes: dict[str, dict] | None = None,
) -> Outcome:
    """Update a trial from a registry record; curated fields are kept and an older record is ignored.

    ``changes`` collects, per registry ID, each reported field's value before and after.
    """
    if draft.last_update and existing.last_update and draft.last_update < existing.last_update:
        return "older"
    values = _trial_values(draft)
    same_version = bool(draft.last_update) and draft.last_update == existing.last_update
    if same_version:
        values = _same_version_values(draft, existing, values)
    for field_name in existing.curated_fields or []:
        values.pop(field_name, None)  # a curator's correction survives re-import
    changed = {k: v for k, v in values.items() if getattr(existing, k) != v}
    wanted = sorted({context.resolve(session, s) for s in draft.targets})
    targets_differ = not existing.targets_curated and targets != wanted and not (same_version and targets)
    if not changed and not targets_differ:
        return "unchanged"
    before = trial_state(session, existing)
    apply_values(existing, changed)
    link_trial(session, actor, existing, draft, context)
    session.flush()
    after = trial_state(session, existing)
    audit_event(session, actor, "update", "trial", draft.registry_id, before, after)
    if changes is not None:
        changes[draft.registry_id] = field_changes(before, after)
    return "updated"


def write_trials(
    session: Session, actor: Actor, drafts: list[TrialDraft], changes: dict[str, dict] | None = None
) -> list[RecordOutcome]:
    """Create or update trials from registry drafts (curated fields kept, older records ignored); one outcome each.
    Links the registrations their secondary IDs name, and (into ``changes``) reports each updated trial's changed
    fields. A unit: runs inside the caller's transaction; not a user action.
    """
    for draft in drafts:
        _validate_trial(draft)
    context = TrialContext.load(session)
    ids = [d.registry_id for d in drafts]
    existing: dict[str, Trial] = {}
    targets: dict[int, list[str]] = {}
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start : chunk_start + 500]
        for trial in session.exec(select(Trial).where(db.one_of(session, Trial.registry_id, chunk))).scalars():
            existing[trial.registry_id] = trial
            targets[trial.id] = []
        for trial_id, symbol in session.exec(
            select(TrialTarget.trial_id, Target.symbol)
            .join(Target, Target.id == TrialTarget.target_id)
            .join(Trial, Trial.id == TrialTarget.trial_id)
            .where(db.one_of(session, Trial.registry_id, chunk))
        ):
            targets[trial_id].append(symbol)
    outcomes: list[RecordOutcome] = []
    new: dict[str, TrialDraft] = {}
    for draft in drafts:
        trial = existing.get(draft.registry_id)
        if trial is not None:
            outcome = _update_trial(session, actor, draft, context, trial, sorted(targets[trial.id]), changes)
        elif draft.registry_id in new:
            outcome = "unchanged"  # the same trial twice in one batch (e.g. two overlapping snapshots)
        else:
            new[draft.registry_id] = draft
            outcome = "created"
        outcomes.append(RecordOutcome(draft.registry_id, outcome, line=draft.line, warnings=list(draft.warnings)))
    _insert_trials(session, actor, list(new.values()), context)
    _link_registrations(session, drafts, created=set(new))
    return outcomes


def _link_registrations(session: Session, drafts: list[TrialDraft], created: set[str]) -> None:
    """Links named by the drafts' secondary IDs, and the studies of new trials that earlier records named."""
    pairs = [(d.registry_id, other) for d in drafts for other in d.secondary_ids]
    if pairs:
        link_from_secondary_ids(session, pairs)
    if created:
        restudy(session, {i for link in links_touching(session, created, linked_only=True)
                          for i in (link.registry_id, link.other_registry_id)})


def import_trials(
    engine: Engine, actor: Actor, file_name: str, content: bytes, *, source: str | None = None
) -> FileReport:
    """Import one registry file (CT.gov JSON or CSV, a trial-monitor snapshot, a WHO ICTRP export): all of it
    or nothing. The import is recorded with what it did to each trial (:mod:`catalogue.curation.import_history`)."""
    require(actor, "curator", "import trials")
    from catalogue.parse.trials import parse_trial_file

    try:
        bounds.check_upload_size(len(content), file_name)
        with db.read_session(engine) as session:
            products = classification_products(session)
        drafts = parse_trial_file(content, file_name, source=source, products=products)
        with db.write_session(engine) as session:
            return _write_and_record(session, actor, file_name, drafts, kind="file", source=file_name,
                                     listing=listing_of(file_name, source), complete=True)
    except InvalidInput as error:
        return FileReport(file_name, error=str(error.located(file=file_name)))


def _write_and_record(session: Session, actor: Actor, name: str, drafts: list[TrialDraft], *, kind: str, source: str,
                      listing: str, complete: bool) -> FileReport:
    changes: dict[str, dict] = {}
    records = write_trials(session, actor, drafts, changes)
    import_id, absent = record_import(session, actor, kind=kind, source=source, listing=listing, complete=complete,
                                      outcomes=records, fields=changes)
    records += [RecordOutcome(r, "absent", detail=f"no longer listed by {listing}") for r in absent]
    return FileReport(name, records=records, import_id=import_id)


def import_trial_pages(
    engine: Engine, actor: Actor, pages: list[tuple[str, bytes]], *, query: str, complete: bool,
    observed_on: str | None = None,
) -> FileReport:
    """Import the pages of one registry search (``fetch trials``) as one import: all of them or nothing.

    ``observed_on`` (the fetch date) is each record's snapshot date: a registry read today is a newer
    snapshot than any file. Trials the previous run of the same query listed are reported absent only when
    ``complete`` (every page was read).
    """
    require(actor, "curator", "import trials")
    from catalogue.parse.trials import parse_trial_file

    source = f"ClinicalTrials.gov API v2, query {query!r}"
    name = f"ClinicalTrials.gov query {query!r}"
    try:
        drafts: list[TrialDraft] = []
        for page_name, content in pages:
            for draft in parse_trial_file(content, page_name, source=source):
                draft.snapshot_date = draft.snapshot_date or observed_on
                drafts.append(draft)
        with db.write_session(engine) as session:
            return _write_and_record(session, actor, name, drafts, kind="fetch", source=source,
                                     listing=f"ClinicalTrials.gov API v2: {query}", complete=complete)
    except InvalidInput as error:
        return FileReport(name, error=str(error))
