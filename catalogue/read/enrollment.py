"""Registry enrollment in three kinds, and patients treated from published results, as SQL aggregates.

Enrollment is summed per kind the registry states: actual, estimated, and of a type the source does not give
(the CAR-T Trials Monitor's oncology snapshot, for one, carries no enrollment type). A kind no trial in the group
has is ``None`` ("not recorded"), never 0: 0 is only a stated figure (a withdrawn trial's actual enrollment).
Where the registry implies the type, the unknown-type figure is also given as *inferred actual*: a
ClinicalTrials.gov study that has completed, terminated or been withdrawn reports its actual enrollment
(:data:`INFERRED_ACTUAL_STATUSES`). The inferred figure is a part of the unknown-type figure, shown beside the
stated ones, never added to them.

Patients treated are the latest published result of each trial and construct (kept on their
``patients_treated`` columns by the service layer); enrollment is never added to them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, func, select

from catalogue.db.models import Construct, PatientsTreatedResult, Target, Trial

ENROLLMENT_KINDS = ("actual", "estimated", "unknown")

#: Registry, and overall statuses, under which an enrollment of unstated type is the actual enrollment:
#: ClinicalTrials.gov asks for the actual enrollment once a study is completed or terminated, and a withdrawn
#: study enrolled no one (its actual enrollment is 0).
INFERRED_ACTUAL_REGISTRY = "ClinicalTrials.gov"
INFERRED_ACTUAL_STATUSES = ("COMPLETED", "TERMINATED", "WITHDRAWN")

#: Keys each group of trials gets (the CLI's stats and the Portfolio use the same names).
ENROLLMENT_KEYS = (
    "enrollment_actual", "enrollment_estimated", "enrollment_unknown", "enrollment_unknown_inferred_actual",
    "trials_enrollment_actual", "trials_enrollment_estimated", "trials_enrollment_unknown",
    "trials_enrollment_inferred_actual", "trials_without_enrollment",
)  # fmt: skip


def _stated(kind: str):
    return and_(Trial.enrollment_type == kind, Trial.enrollment_count.is_not(None))


_inferred = and_(
    _stated("unknown"),
    Trial.registry_name == INFERRED_ACTUAL_REGISTRY,
    Trial.overall_status.in_(INFERRED_ACTUAL_STATUSES),
)


def enrollment_columns() -> list:
    """Select columns, in the order of :data:`ENROLLMENT_KEYS`: sums are NULL where no trial has that kind."""
    sums = [func.sum(case((_stated(kind), Trial.enrollment_count))) for kind in ENROLLMENT_KINDS]
    sums.append(func.sum(case((_inferred, Trial.enrollment_count))))
    counts = [func.count(case((_stated(kind), Trial.id))) for kind in ENROLLMENT_KINDS]
    counts.append(func.count(case((_inferred, Trial.id))))
    counts.append(func.count(case((Trial.enrollment_count.is_(None), Trial.id))))
    return sums + counts


def enrollment_values(row) -> dict[str, Any]:
    """The :data:`ENROLLMENT_KEYS` of one result row of :func:`enrollment_columns` (ints, or None for a sum)."""
    values = dict(zip(ENROLLMENT_KEYS, row))
    for key in ENROLLMENT_KEYS[4:]:
        values[key] = int(values[key] or 0)
    for key in ENROLLMENT_KEYS[:4]:
        values[key] = None if values[key] is None else int(values[key])
    return values


def no_enrollment() -> dict[str, Any]:
    """The enrollment keys of a group without trials: every sum unknown, every count 0."""
    return {key: (None if i < 4 else 0) for i, key in enumerate(ENROLLMENT_KEYS)}


def counted_results(connection, trial_ids: set[int] | None, construct_ids: set[int] | None) -> list[dict[str, Any]]:
    """The published results that count (the latest of each trial and construct), with their targets.

    ``trial_ids``/``construct_ids`` restrict to those rows (``None``: all). One dict per counted result: kind,
    key (registry ID or construct name), targets, patients_treated, citation, doi, pmid, published, population.
    """
    R = PatientsTreatedResult
    rows = connection.execute(
        select(R.id, R.trial_id, R.construct_id, R.patients_treated, R.citation, R.doi, R.pmid, R.published,
               R.population, Trial.registry_id, Construct.name)
        .outerjoin(Trial, Trial.id == R.trial_id)
        .outerjoin(Construct, Construct.id == R.construct_id)
        .where(Trial.archived_at.is_(None), Construct.archived_at.is_(None))
    ).all()
    latest: dict[tuple[str, int], Any] = {}
    for row in rows:
        result = row._mapping
        if result["trial_id"] is not None:
            kind, subject, name = "trial", result["trial_id"], result["registry_id"]
        else:
            kind, subject, name = "construct", result["construct_id"], result["name"]
        wanted = trial_ids if kind == "trial" else construct_ids
        if wanted is not None and subject not in wanted:
            continue
        rank = (result["published"] or "", result["id"])
        if (kind, subject) not in latest or rank > latest[(kind, subject)][0]:
            latest[(kind, subject)] = (rank, result, name)
    targets = _targets_of(connection, {s for k, s in latest if k == "trial"}, {s for k, s in latest if k == "construct"})
    counted = []
    for (kind, subject), (_, result, name) in sorted(latest.items(), key=lambda item: item[1][2]):
        counted.append({
            "kind": kind,
            "key": name,
            "targets": targets.get((kind, subject), []),
            **{k: result[k] for k in ("patients_treated", "citation", "doi", "pmid", "published", "population")},
        })
    return counted


def _targets_of(connection, trial_ids: set[int], construct_ids: set[int]) -> dict[tuple[str, int], list[str]]:
    from catalogue.db.models import ConstructTarget, TrialTarget

    found: dict[tuple[str, int], list[str]] = {}
    if trial_ids:
        for trial_id, symbol in connection.execute(
            select(TrialTarget.trial_id, Target.symbol).join(Target, Target.id == TrialTarget.target_id)
            .where(TrialTarget.trial_id.in_(trial_ids)).order_by(Target.symbol)
        ):
            found.setdefault(("trial", trial_id), []).append(symbol)
    if construct_ids:
        for construct_id, symbol in connection.execute(
            select(ConstructTarget.construct_id, Target.symbol).join(Target, Target.id == ConstructTarget.target_id)
            .where(ConstructTarget.construct_id.in_(construct_ids)).order_by(ConstructTarget.position)
        ):
            found.setdefault(("construct", construct_id), []).append(symbol)
    return found
