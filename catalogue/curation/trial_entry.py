"""A trial of any registry entered by hand (a ChiCTR, EU CTR, jRCT, CTRI... record no file brings in).

The registry ID is validated for its registry (:mod:`catalogue.parse.registry_ids`); the fields are normalised
as an import normalises them, and targets are classified from the title and interventions unless the curator
names them (then they are a curated override). A later import of the registry's own record updates it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine

from catalogue import db
from catalogue.curation.actors import Actor, require
from catalogue.curation.trial_links import TrialContext, trial_state
from catalogue.curation.trials import write_trials
from catalogue.db.models import Trial, TrialTarget
from catalogue.drafts import TrialDraft
from catalogue.errors import InvalidInput

ENTRY_FIELDS = frozenset({
    "title", "scientific_title", "phases", "overall_status", "conditions", "interventions", "lead_sponsor",
    "countries", "start_date", "enrollment_count", "enrollment_type", "secondary_ids", "url", "targets",
})


def _draft(registry: str, registry_id: str, fields: dict[str, Any], actor: Actor) -> TrialDraft:
    from catalogue.parse.registry_ids import registry_ids_in
    from catalogue.parse.trial_classification import classify_trial
    from catalogue.parse.trial_fields import (
        classify_indication,
        enrollment_type_of,
        normalise_date,
        normalise_enrollment,
        normalise_phases,
        normalise_status,
    )

    where = {"record": registry_id}
    unknown = set(fields) - ENTRY_FIELDS
    if unknown:
        raise InvalidInput(f"field(s) {', '.join(sorted(unknown))} cannot be entered", **where)

    def texts(name: str) -> list[str]:
        value = fields.get(name) or []
        items = [value] if isinstance(value, str) else list(value)
        return [str(v).strip() for v in items if str(v).strip()]

    try:
        phases = normalise_phases(texts("phases"))
        start = normalise_date(fields.get("start_date"))
        count = normalise_enrollment(fields.get("enrollment_count"))
    except ValueError as exc:
        raise InvalidInput(str(exc), **where) from None
    title = (fields.get("title") or "").strip() or None
    scientific = (fields.get("scientific_title") or "").strip() or None
    if title is None and scientific is None:
        raise InvalidInput("a trial entered by hand needs its title", **where)
    conditions, interventions = texts("conditions"), texts("interventions")
    titles = " ".join(t for t in (title, scientific) if t)
    classification = classify_trial(titles, interventions, conditions, None)
    indication, category = classify_indication(conditions, titles)
    url = (fields.get("url") or "").strip() or None
    if url and not url.startswith(("https://", "http://")):
        raise InvalidInput(f"the record's page {url!r} is not an http(s) address", **where)
    secondary = [i for text in texts("secondary_ids") for _, i in registry_ids_in(text) if i != registry_id]
    return TrialDraft(
        registry=registry, registry_id=registry_id, title=title or scientific, phases=phases,
        overall_status=normalise_status(fields.get("overall_status")), conditions=conditions,
        interventions=interventions, indication=indication, indication_category=category,
        lead_sponsor=(fields.get("lead_sponsor") or "").strip() or None, countries=texts("countries"),
        start_date=start, enrollment_count=count,
        enrollment_type=enrollment_type_of(fields.get("enrollment_type")) if count is not None else "unknown",
        **classification.draft_fields(), record_source=f"entered by {actor.name}", secondary_ids=secondary, url=url,
    )


def create_trial(engine: Engine, actor: Actor, registry_id: str, *, registry: str | None = None,
                 **fields: Any) -> dict[str, Any]:
    """Create a trial of any registry by hand; ``registry`` (optional) must agree with the ID's form.

    Raises :class:`InvalidInput` for an ID that is not valid for its registry, or one already in the catalogue.
    """
    require(actor, "curator", "create trials")
    from catalogue.parse.registry_ids import checked_registry_id

    registry_name, canonical = checked_registry_id(registry_id, {"record": str(registry_id).strip()}, registry=registry)
    targets = fields.pop("targets", None)
    draft = _draft(registry_name, canonical, fields, actor)
    with db.write_session(engine) as session:
        if session.exec(select(Trial.id).where(Trial.registry_id == canonical)).scalars().first() is not None:
            raise InvalidInput(f"trial {canonical} is already in the catalogue: correct it instead", record=canonical)
        write_trials(session, actor, [draft])
        trial = session.exec(select(Trial).where(Trial.registry_id == canonical)).scalars().one()
        chosen = sorted({str(t).strip() for t in targets or [] if str(t).strip()})
        if chosen:  # the curator named the targets: an override, as on Curate › Trials
            context = TrialContext.load(session)
            session.execute(delete(TrialTarget).where(TrialTarget.trial_id == trial.id))
            for symbol in chosen:
                session.add(TrialTarget(trial_id=trial.id, target_id=context.target(session, actor, symbol, canonical).id))
            trial.targets_curated = True
            session.flush()
        return trial_state(session, trial) | {"registry_id": canonical, "registry": registry_name}
