"""The portfolio: per-target counts, enrollment by type and patients treated, for the CLI's stats and the Portfolio page.

Aggregation happens in SQL. Archived rows are left out everywhere. Unknown values stay ``None``: a sum of
patients treated over trials that record none is ``None`` ("not recorded"), never 0. Enrollment is summed per
type (actual, estimated, unknown) and never added to patients treated.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import and_, case, false, func, or_, select
from sqlalchemy.engine import Engine

from catalogue.db.models import (
    Construct,
    ConstructTarget,
    Programme,
    SequenceRecord,
    Target,
    Trial,
    TrialConstruct,
    TrialTarget,
)
from catalogue.read.cache import revision_cached
from catalogue.vocabulary import NOT_RECORDED, phase_label, status_label
from catalogue.read.sql import _json_text, _json_value, _live_construct, _live_record, _live_study

STAT_KEYS = (
    "constructs",
    "sequence_records",
    "trials",
    "enrollment_actual",
    "enrollment_estimated",
    "enrollment_unknown",
    "patients_treated",
)


def _enrollment_sums(column_source):
    def total(kind: str):
        return func.coalesce(
            func.sum(case((column_source.enrollment_type == kind, column_source.enrollment_count), else_=0)), 0
        )

    return total("actual"), total("estimated"), total("unknown")


def _add_patients(a: int | None, b: int | None) -> int | None:
    if a is None and b is None:
        return None
    return (a or 0) + (b or 0)


@revision_cached
def stats(engine: Engine) -> dict[str, Any]:
    """Per target and in total: constructs, sequence records, trials, enrollment by type, patients treated.

    A trial or construct with several targets counts once under each of its
    targets and once in the totals.
    """
    actual, estimated, unknown = _enrollment_sums(Trial)
    with engine.connect() as connection:
        symbols = list(connection.execute(select(Target.symbol).order_by(Target.symbol)).scalars())
        per_target: dict[str, dict[str, Any]] = {
            s: {key: 0 for key in STAT_KEYS} | {"patients_treated": None} for s in symbols
        }
        construct_rows = connection.execute(
            select(Target.symbol, func.count(Construct.id), func.sum(Construct.patients_treated))
            .join(ConstructTarget, ConstructTarget.target_id == Target.id)
            .join(Construct, and_(Construct.id == ConstructTarget.construct_id, _live_construct))
            .group_by(Target.symbol)
        )
        for symbol, count, patients in construct_rows:
            per_target[symbol]["constructs"] = count
            per_target[symbol]["patients_treated"] = patients
        record_rows = connection.execute(
            select(Target.symbol, func.count(SequenceRecord.id))  # a record has one construct: no DISTINCT
            .join(ConstructTarget, ConstructTarget.target_id == Target.id)
            .join(Construct, and_(Construct.id == ConstructTarget.construct_id, _live_construct))
            .join(SequenceRecord, and_(SequenceRecord.construct_id == Construct.id, _live_record))
            .group_by(Target.symbol)
        )
        for symbol, count in record_rows:
            per_target[symbol]["sequence_records"] = count
        trial_rows = connection.execute(
            select(Target.symbol, func.count(Trial.id), actual, estimated, unknown, func.sum(Trial.patients_treated))
            .join(TrialTarget, TrialTarget.target_id == Target.id)
            .join(Trial, and_(Trial.id == TrialTarget.trial_id, _live_study))
            .group_by(Target.symbol)
        )
        for symbol, count, act, est, unk, patients in trial_rows:
            row = per_target[symbol]
            row.update(trials=count, enrollment_actual=act, enrollment_estimated=est, enrollment_unknown=unk)
            row["patients_treated"] = _add_patients(row["patients_treated"], patients)

        trial_total = connection.execute(
            select(func.count(Trial.id), actual, estimated, unknown, func.sum(Trial.patients_treated)).where(_live_study)
        ).one()
        construct_total = connection.execute(
            select(func.count(Construct.id), func.sum(Construct.patients_treated)).where(_live_construct)
        ).one()
        record_total = connection.execute(
            select(func.count(SequenceRecord.id))
            .join(Construct, and_(Construct.id == SequenceRecord.construct_id, _live_construct))
            .where(_live_record)
        ).scalar_one()
        programmes = {
            p.name: {
                "patients_treated": p.patients_treated,
                "patients_treated_source": p.patients_treated_source,
                "patients_treated_date": p.patients_treated_date,
            }
            for p in connection.execute(select(Programme).order_by(Programme.name))
        }
    totals = {
        "constructs": construct_total[0],
        "sequence_records": record_total,
        "trials": trial_total[0],
        "enrollment_actual": trial_total[1],
        "enrollment_estimated": trial_total[2],
        "enrollment_unknown": trial_total[3],
        "patients_treated": _add_patients(trial_total[4], construct_total[1]),
    }
    return {"targets": per_target, "totals": totals, "programmes": programmes}


def stats_frame(engine: Engine) -> pd.DataFrame:
    """:func:`stats` per target as a DataFrame (one row per target)."""
    per_target = stats(engine)["targets"]
    frame = pd.DataFrame.from_dict(per_target, orient="index")
    frame.index.name = "target"
    return frame.reset_index()


# --- programmes and the portfolio ------------------------------------------------------------


@revision_cached
def programmes(engine: Engine) -> list[dict[str, Any]]:
    """Every programme with its own reported figures (patients treated is a programme total)."""
    with engine.connect() as connection:
        return [dict(r._mapping) for r in connection.execute(select(Programme).order_by(Programme.name))]


def _scope(connection, programme: str | None):
    """Clauses that restrict trials and constructs to a programme (``None``: the whole catalogue).

    A programme's trials are those its sponsor leads and those linked to one of
    its constructs; its constructs are those recorded under it.
    """
    if programme is None:
        return _live_study, _live_construct, None
    row = connection.execute(
        select(Programme.id, Programme.sponsor).where(Programme.name == programme)
    ).first()
    if row is None:
        return and_(_live_study, false()), and_(_live_construct, false()), None
    programme_id, sponsor = row
    linked = (
        select(TrialConstruct.trial_id)
        .join(Construct, Construct.id == TrialConstruct.construct_id)
        .where(Construct.programme_id == programme_id)
    )
    trial_clause = or_(Trial.id.in_(linked), Trial.lead_sponsor == sponsor) if sponsor else Trial.id.in_(linked)
    return and_(_live_study, trial_clause), and_(_live_construct, Construct.programme_id == programme_id), programme_id


def _per_target(connection, trial_clause, construct_clause) -> pd.DataFrame:
    actual, estimated, unknown = _enrollment_sums(Trial)
    constructs = {
        symbol: (count, patients)
        for symbol, count, patients in connection.execute(
            select(Target.symbol, func.count(Construct.id), func.sum(Construct.patients_treated))
            .join(ConstructTarget, ConstructTarget.target_id == Target.id)
            .join(Construct, Construct.id == ConstructTarget.construct_id)
            .where(construct_clause)
            .group_by(Target.symbol)
        )
    }
    trials = {
        row[0]: row[1:]
        for row in connection.execute(
            select(Target.symbol, func.count(Trial.id), actual, estimated, unknown, func.sum(Trial.patients_treated))
            .join(TrialTarget, TrialTarget.target_id == Target.id)
            .join(Trial, Trial.id == TrialTarget.trial_id)
            .where(trial_clause)
            .group_by(Target.symbol)
        )
    }
    rows = []
    for symbol in sorted(set(constructs) | set(trials)):
        c_count, c_patients = constructs.get(symbol, (0, None))
        t_count, act, est, unk, t_patients = trials.get(symbol, (0, 0, 0, 0, None))
        rows.append({
            "target": symbol,
            "constructs": c_count,
            "trials": t_count,
            "patients_treated": _add_patients(c_patients, t_patients),
            "enrollment_actual": act,
            "enrollment_estimated": est,
            "enrollment_unknown": unk,
        })
    frame = pd.DataFrame(rows, columns=[
        "target", "constructs", "trials", "patients_treated",
        "enrollment_actual", "enrollment_estimated", "enrollment_unknown",
    ])
    frame["patients_treated"] = frame["patients_treated"].astype("Int64")
    return frame


def _trial_target_rows(connection, trial_clause, *columns) -> list[tuple]:
    return list(
        connection.execute(
            select(Target.symbol, *columns, func.count(Trial.id))
            .join(TrialTarget, TrialTarget.target_id == Target.id)
            .join(Trial, Trial.id == TrialTarget.trial_id)
            .where(trial_clause)
            .group_by(Target.symbol, *columns)
        )
    )


@revision_cached
def portfolio(engine: Engine, programme: str | None = None) -> dict[str, Any]:
    """What the Portfolio page shows, for one programme or (``None``) the whole catalogue.

    ``tiles``: targets, constructs, trials, patients treated (curated figures on
    trials and constructs; ``None`` when none is recorded), enrollment by type.
    ``programme_totals``: the programmes' own reported totals, never mixed into
    the tiles. DataFrames, one row per group, counting trials (a trial with
    several targets counts once under each): ``by_phase`` (target, phase,
    trials), ``by_status`` (target, status, trials), ``by_year`` (target,
    start_year, trials), ``by_indication`` (target, indication, trials) and
    ``per_target`` (target, constructs, trials, patients_treated,
    enrollment_actual, enrollment_estimated, enrollment_unknown).
    """
    actual, estimated, unknown = _enrollment_sums(Trial)
    with engine.connect() as connection:
        trial_clause, construct_clause, _ = _scope(connection, programme)
        per_target = _per_target(connection, trial_clause, construct_clause)
        trial_total = connection.execute(
            select(func.count(Trial.id), actual, estimated, unknown, func.sum(Trial.patients_treated)).where(trial_clause)
        ).one()
        construct_total = connection.execute(
            select(func.count(Construct.id), func.sum(Construct.patients_treated)).where(construct_clause)
        ).one()
        untargeted = connection.execute(
            select(func.count(Trial.id)).where(trial_clause, ~Trial.id.in_(select(TrialTarget.trial_id)))
        ).scalar_one()

        phase_counts: dict[tuple[str, str], int] = {}
        for symbol, phases_text, count in _trial_target_rows(connection, trial_clause, _json_text(Trial.phases)):
            key = (symbol, phase_label(_json_value(phases_text)))
            phase_counts[key] = phase_counts.get(key, 0) + count
        by_phase = pd.DataFrame(
            [(s, p, n) for (s, p), n in phase_counts.items()], columns=["target", "phase", "trials"]
        )
        by_status = pd.DataFrame(
            [(s, status_label(st), n) for s, st, n in _trial_target_rows(connection, trial_clause, Trial.overall_status)],
            columns=["target", "status", "trials"],
        )
        by_year = pd.DataFrame(
            [(s, y, n) for s, y, n in _trial_target_rows(connection, trial_clause, Trial.start_year) if y is not None],
            columns=["target", "start_year", "trials"],
        )
        by_indication = pd.DataFrame(
            [(s, i or NOT_RECORDED, n) for s, i, n in _trial_target_rows(connection, trial_clause, Trial.indication)],
            columns=["target", "indication", "trials"],
        )
        undated = connection.execute(
            select(func.count(Trial.id)).where(trial_clause, Trial.start_year.is_(None))
        ).scalar_one()
        programme_rows = connection.execute(select(Programme).order_by(Programme.name)).all()
    chosen = [dict(p._mapping) for p in programme_rows if programme is None or p.name == programme]
    tiles = {
        "targets": len(per_target),
        "constructs": construct_total[0],
        "trials": trial_total[0],
        "patients_treated": _add_patients(trial_total[4], construct_total[1]),
        "enrollment_actual": trial_total[1],
        "enrollment_estimated": trial_total[2],
        "enrollment_unknown": trial_total[3],
        "trials_without_target": untargeted,
        "trials_without_start_year": undated,
    }
    return {
        "scope": programme,
        "tiles": tiles,
        "programme_totals": [
            {k: p[k] for k in ("name", "sponsor", "patients_treated", "patients_treated_source", "patients_treated_date")}
            for p in chosen
        ],
        "per_target": per_target,
        "by_phase": by_phase.sort_values(["target", "phase"], ignore_index=True),
        "by_status": by_status.sort_values(["target", "status"], ignore_index=True),
        "by_year": by_year.sort_values(["target", "start_year"], ignore_index=True),
        "by_indication": by_indication.sort_values(["target", "indication"], ignore_index=True),
    }
