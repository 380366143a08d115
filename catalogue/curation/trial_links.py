"""A trial's links to targets and constructs, shared by every write that touches them (registry imports,
corrections, classification again, entry by hand): what a batch looks up once, how a draft's targets and
products become links, and a trial's state with its targets for the audit trail. Units, within the package.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlmodel import Session

from catalogue.curation.actors import Actor
from catalogue.curation.audit import row_values
from catalogue.curation.constructs import target_row
from catalogue.curation.lookups import find_target
from catalogue.db.models import Construct, Target, Trial, TrialConstruct, TrialTarget
from catalogue.drafts import TrialDraft


@dataclass
class TrialContext:
    """What a batch of trial upserts looks up once: targets and construct names by product."""

    targets: dict[str, Target]
    constructs_by_product: dict[str, int]

    @classmethod
    def load(cls, session: Session) -> "TrialContext":
        targets = {t.symbol: t for t in session.exec(select(Target)).scalars()}
        by_product: dict[str, int] = {}
        for construct in session.exec(select(Construct).where(Construct.archived_at.is_(None))).scalars():
            for name in [construct.name, *(construct.aliases or [])]:
                by_product[name.casefold()] = construct.id
        return cls(targets, by_product)

    def target(self, session: Session, actor: Actor, symbol: str, registry_id: str) -> Target:
        if symbol not in self.targets:
            self.targets[symbol] = target_row(session, symbol, actor, origin=f"classified from trial {registry_id}")
        return self.targets[symbol]  # keyed by the name asked for, which may be an alias

    def resolve(self, session: Session, symbol: str) -> str:
        """The catalogue's own symbol for ``symbol`` (an alias resolves; an unknown one stays as it is)."""
        if symbol in self.targets:
            return self.targets[symbol].symbol
        found = find_target(session, symbol)
        return found.symbol if found is not None else symbol

    def construct_ids(self, products: Iterable[str]) -> set[int]:
        return {
            self.constructs_by_product[p.casefold()] for p in products if p.casefold() in self.constructs_by_product
        }


def trial_targets(session: Session, trial_id: int) -> list[str]:
    return sorted(
        session.exec(
            select(Target.symbol)
            .join(TrialTarget, TrialTarget.target_id == Target.id)
            .where(TrialTarget.trial_id == trial_id)
        ).scalars()
    )


def trial_state(session: Session, trial: Trial) -> dict[str, Any]:
    state = row_values(trial, exclude=("id", "version"))
    state["targets"] = trial_targets(session, trial.id)
    return state


def link_trial(session: Session, actor: Actor, trial: Trial, draft: TrialDraft, context: TrialContext) -> None:
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
