"""Targets: one row per antigen with its counts, and a target's page."""

from __future__ import annotations


import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from catalogue.db.models import Construct, ConstructTarget, Target, Trial, TrialTarget
from catalogue.read.cache import revision_cached
from catalogue.read.constructs import _construct_rows
from catalogue.read.enrollment import ENROLLMENT_KEYS
from catalogue.read.models import TargetDetail
from catalogue.read.portfolio import stats_frame
from catalogue.read.sql import _live_construct, _live_study
from catalogue.read.trials import _trial_rows
from catalogue.vocabulary import NOT_RECORDED

# --- targets -------------------------------------------------------------------------------


@revision_cached
def targets_overview(engine: Engine) -> pd.DataFrame:
    """One row per target: its facts and the counts of :func:`stats` (same numbers)."""
    frame = stats_frame(engine)
    with engine.connect() as connection:
        facts = pd.DataFrame(
            [dict(r._mapping) for r in connection.execute(
                select(Target.symbol, Target.kind, Target.gene_symbol, Target.uniprot).order_by(Target.symbol)
            )],
            columns=["symbol", "kind", "gene_symbol", "uniprot"],
        ).rename(columns={"symbol": "target"})
    if "kind" in frame:
        frame = frame.drop(columns=["kind"])
    merged = facts.merge(frame, on="target", how="left") if len(frame) else facts
    for column in ("patients_treated", *ENROLLMENT_KEYS[:4]):  # sums: unknown stays unknown, never 0
        if column in merged:
            merged[column] = merged[column].astype("Int64")
    return merged


@revision_cached
def target_detail(engine: Engine, symbol: str, *, limit: int = 200) -> TargetDetail | None:
    """A target's facts, its constructs (architecture) and trials (the first ``limit`` of each, by name and
    newest start; ``construct_count`` and ``trial_count`` give all), and its trials' indications."""
    with engine.connect() as connection:
        row = connection.execute(select(Target).where(Target.symbol == symbol)).first()
        if row is None:
            return None
        target_id = row.id
        construct_count, construct_ids = _counted(
            connection,
            select(Construct.id).join(ConstructTarget, ConstructTarget.construct_id == Construct.id)
            .where(ConstructTarget.target_id == target_id, _live_construct),
            (Construct.name,), limit,
        )
        trial_count, trial_ids = _counted(
            connection,
            select(Trial.id).join(TrialTarget, TrialTarget.trial_id == Trial.id)
            .where(TrialTarget.target_id == target_id, _live_study),
            (Trial.start_year.desc().nulls_last(), Trial.registry_id), limit,
        )
        return TargetDetail.from_values(
            row._mapping,
            construct_count=construct_count,
            constructs=_construct_rows(connection, construct_ids),
            trial_count=trial_count,
            trials=_trial_rows(connection, trial_ids),
            indications=[
                {"indication": indication or NOT_RECORDED, "category": category or NOT_RECORDED, "trials": count}
                for indication, category, count in connection.execute(
                    select(Trial.indication, Trial.indication_category, func.count(Trial.id))
                    .join(TrialTarget, TrialTarget.trial_id == Trial.id)
                    .where(TrialTarget.target_id == target_id, _live_study)
                    .group_by(Trial.indication, Trial.indication_category)
                    .order_by(func.count(Trial.id).desc(), Trial.indication)
                )
            ],
        )


def _counted(connection, ids, order_by: tuple, limit: int) -> tuple[int, list[int]]:
    """How many ids the query ``ids`` selects, and the first ``limit`` of them in ``order_by`` order."""
    total = connection.execute(select(func.count()).select_from(ids.subquery())).scalar_one()
    return total, list(connection.execute(ids.order_by(*order_by).limit(limit)).scalars())


# --- Curate: pickers and the archive ----------------------------------------------------------


@revision_cached
def target_symbols(engine: Engine) -> list[str]:
    """Symbols of every target the catalogue knows, sorted (the choices for a trial's curated targets)."""
    with engine.connect() as connection:
        return list(connection.execute(select(Target.symbol).order_by(Target.symbol)).scalars())
