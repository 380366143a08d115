"""Targets: one row per antigen with its counts, and a target's page."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from catalogue.db.models import (
    Construct,
    ConstructTarget,
    Target,
    Trial,
    TrialTarget,
)
from catalogue.read.cache import revision_cached
from catalogue.read.constructs import _construct_rows
from catalogue.vocabulary import NOT_RECORDED
from catalogue.read.portfolio import stats_frame
from catalogue.read.sql import _live_construct, _live_study
from catalogue.read.trials import _trial_rows

# --- targets -------------------------------------------------------------------------------


@revision_cached
def targets_overview(engine: Engine) -> pd.DataFrame:
    """One row per target: its facts and the counts of :func:`stats` (same numbers)."""
    frame = stats_frame(engine)
    with engine.connect() as connection:
        facts = pd.DataFrame(
            [dict(r._mapping) for r in connection.execute(
                select(Target.symbol, Target.gene_symbol, Target.uniprot).order_by(Target.symbol)
            )],
            columns=["symbol", "gene_symbol", "uniprot"],
        ).rename(columns={"symbol": "target"})
    merged = facts.merge(frame, on="target", how="left") if len(frame) else facts
    if "patients_treated" in merged:
        merged["patients_treated"] = merged["patients_treated"].astype("Int64")
    return merged


@revision_cached
def target_detail(engine: Engine, symbol: str, *, limit: int = 200) -> dict[str, Any] | None:
    """A target's facts, its constructs (architecture) and trials (the first ``limit`` of each, by name and
    newest start; ``construct_count`` and ``trial_count`` give all), and its trials' indications."""
    with engine.connect() as connection:
        row = connection.execute(select(Target).where(Target.symbol == symbol)).first()
        if row is None:
            return None
        target = dict(row._mapping)
        target_id = target.pop("id")
        of_target = (
            select(Construct.id)
            .join(ConstructTarget, ConstructTarget.construct_id == Construct.id)
            .where(ConstructTarget.target_id == target_id, _live_construct)
        )
        target["construct_count"] = connection.execute(
            select(func.count()).select_from(of_target.subquery())
        ).scalar_one()
        construct_ids = list(connection.execute(of_target.order_by(Construct.name).limit(limit)).scalars())
        target["constructs"] = _construct_rows(connection, construct_ids)
        trials_of_target = (
            select(Trial.id)
            .join(TrialTarget, TrialTarget.trial_id == Trial.id)
            .where(TrialTarget.target_id == target_id, _live_study)
        )
        target["trial_count"] = connection.execute(
            select(func.count()).select_from(trials_of_target.subquery())
        ).scalar_one()
        trial_ids = list(
            connection.execute(
                trials_of_target.order_by(Trial.start_year.desc().nulls_last(), Trial.registry_id).limit(limit)
            ).scalars()
        )
        target["trials"] = _trial_rows(connection, trial_ids)
        target["indications"] = [
            {"indication": indication or NOT_RECORDED, "category": category or NOT_RECORDED, "trials": count}
            for indication, category, count in connection.execute(
                select(Trial.indication, Trial.indication_category, func.count(Trial.id))
                .join(TrialTarget, TrialTarget.trial_id == Trial.id)
                .where(TrialTarget.target_id == target_id, _live_study)
                .group_by(Trial.indication, Trial.indication_category)
                .order_by(func.count(Trial.id).desc(), Trial.indication)
            )
        ]
    return target


# --- Curate: pickers and the archive ----------------------------------------------------------


@revision_cached
def target_symbols(engine: Engine) -> list[str]:
    """Symbols of every target the catalogue knows, sorted (the choices for a trial's curated targets)."""
    with engine.connect() as connection:
        return list(connection.execute(select(Target.symbol).order_by(Target.symbol)).scalars())
