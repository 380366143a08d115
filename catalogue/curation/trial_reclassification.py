"""Trials classified again from their stored text, when the products the classifier knows change: what
changed for each trial (targets, products, modality), or why it was not classified again. A unit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session

from catalogue.curation.actors import Actor
from catalogue.curation.audit import apply_values, audit_event
from catalogue.curation.trial_links import TrialContext, link_trial, trial_state
from catalogue.db.models import Trial
from catalogue.drafts import TrialDraft


@dataclass(frozen=True)
class TrialReclassification:
    """What classifying a stored trial again changed (or why it was not classified again)."""

    registry_id: str
    targets_before: list[str]
    targets_after: list[str]
    products_before: list[str]
    products_after: list[str]
    modality_before: str | None
    modality_after: str | None
    target_evidence: dict[str, list[str]]
    note: str | None = None  # e.g. "targets kept: a curator's override"

    @property
    def changed(self) -> bool:
        return (self.targets_before, self.products_before, self.modality_before) != (
            self.targets_after, self.products_after, self.modality_after
        )


def reclassify_trials(
    session: Session, actor: Actor, trials: Iterable[Trial], products: tuple, reason: str
) -> list[TrialReclassification]:
    """Classify stored trials again from their stored text with ``products``; write what changed.

    A curator's target override and corrected modality are kept. A trial whose targets came
    from its summary, stored before summaries were kept, is not classified again (it would lose
    them): it is reported, to be re-imported. Each changed trial gets one audit event.
    """
    from catalogue.parse.trial_classification import classify_trial

    context = TrialContext.load(session)
    results: list[TrialReclassification] = []
    for trial in trials:
        before = trial_state(session, trial)
        old_evidence = trial.target_evidence or {}
        if trial.summary is None and any(w.startswith("summary:") for ws in old_evidence.values() for w in ws):
            results.append(TrialReclassification(
                trial.registry_id, before["targets"], before["targets"], list(trial.products or []),
                list(trial.products or []), trial.modality, trial.modality, old_evidence,
                note="not classified again: its targets came from a summary this catalogue did not store; re-import the record",
            ))
            continue
        found = classify_trial(trial.title, trial.interventions or [], trial.conditions or [], trial.summary, products)
        values = {"products": found.products or None, "target_evidence": found.evidence or None}
        if "modality" not in (trial.curated_fields or []):
            values["modality"] = found.modality
        changed = {k: v for k, v in values.items() if getattr(trial, k) != v}
        wanted = sorted({context.resolve(session, s) for s in found.targets})
        targets_differ = not trial.targets_curated and before["targets"] != wanted
        note = "targets kept: a curator's override" if trial.targets_curated and before["targets"] != wanted else None
        if changed or targets_differ:
            apply_values(trial, changed)
            draft = TrialDraft(registry=trial.registry_name, registry_id=trial.registry_id, targets=found.targets,
                               products=found.products)
            link_trial(session, actor, trial, draft, context)
            session.flush()
            after = trial_state(session, trial)
            audit_event(session, actor, "reclassify", "trial", trial.registry_id, before, after, summary=reason)
        else:
            after = before
        results.append(TrialReclassification(
            trial.registry_id, before["targets"], after["targets"], list(before["products"] or []),
            list(after["products"] or []), before["modality"], after["modality"], dict(after["target_evidence"] or {}),
            note=note,
        ))
    return results
