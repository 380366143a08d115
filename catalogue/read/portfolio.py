"""The portfolio: per-target counts, enrollment by type and patients treated, for the CLI's stats and the Portfolio page.

Aggregation happens in SQL. Archived rows are left out everywhere. Unknown values stay ``None``: a sum of
patients treated over trials that record none is ``None`` ("not recorded"), never 0, and so is an enrollment
kind no trial of the group has. Enrollment is summed per kind (actual, estimated, of a type the registry does
not give; see :mod:`catalogue.read.enrollment`) and never added to patients treated.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.engine import Engine

from catalogue.db.models import (
    Construct,
    ConstructTarget,
    Programme,
    ProgrammeCandidate,
    SequenceRecord,
    Target,
    Trial,
    TrialConstruct,
    TrialTarget,
)
from catalogue.read.cache import revision_cached
from catalogue.read.enrollment import (
    ENROLLMENT_KEYS,
    counted_results,
    enrollment_columns,
    enrollment_values,
    no_enrollment,
)
from catalogue.read.models import Portfolio, ProgrammeTotal, Stats
from catalogue.read.sql import _json_text, _json_value, _live_construct, _live_record, _live_study
from catalogue.vocabulary import NOT_RECORDED, phase_label, status_label

STAT_KEYS = (
    "constructs",
    "sequence_records",
    "trials",
    "enrollment_actual",
    "enrollment_estimated",
    "enrollment_unknown",
    "patients_treated",
)
#: Keys added after the first release of ``stats --json`` (never renamed or removed).
STAT_KEYS_ADDED = ENROLLMENT_KEYS[3:]


def _add_patients(a: int | None, b: int | None) -> int | None:
    if a is None and b is None:
        return None
    return (a or 0) + (b or 0)


def _counts_per_target(connection, symbol: str | None = None) -> dict[str, dict[str, Any]]:
    """Per target (every target, or only ``symbol``): constructs, sequence records, trials, enrollment by type,
    patients treated."""
    enrollment = enrollment_columns()
    only = (Target.symbol == symbol,) if symbol is not None else ()
    kinds = dict(connection.execute(select(Target.symbol, Target.kind).where(*only).order_by(Target.symbol)).all())
    per_target: dict[str, dict[str, Any]] = {
        s: {key: 0 for key in STAT_KEYS} | no_enrollment() | {"patients_treated": None, "kind": kind}
        for s, kind in kinds.items()
    }
    construct_rows = connection.execute(
        select(Target.symbol, func.count(Construct.id), func.sum(Construct.patients_treated))
        .join(ConstructTarget, ConstructTarget.target_id == Target.id)
        .join(Construct, and_(Construct.id == ConstructTarget.construct_id, _live_construct))
        .where(*only)
        .group_by(Target.symbol)
    )
    for target, count, patients in construct_rows:
        per_target[target]["constructs"] = count
        per_target[target]["patients_treated"] = patients
    record_rows = connection.execute(
        select(Target.symbol, func.count(SequenceRecord.id))  # a record has one construct: no DISTINCT
        .join(ConstructTarget, ConstructTarget.target_id == Target.id)
        .join(Construct, and_(Construct.id == ConstructTarget.construct_id, _live_construct))
        .join(SequenceRecord, and_(SequenceRecord.construct_id == Construct.id, _live_record))
        .where(*only)
        .group_by(Target.symbol)
    )
    for target, count in record_rows:
        per_target[target]["sequence_records"] = count
    trial_rows = connection.execute(
        select(Target.symbol, func.count(Trial.id), func.sum(Trial.patients_treated), *enrollment)
        .join(TrialTarget, TrialTarget.target_id == Target.id)
        .join(Trial, and_(Trial.id == TrialTarget.trial_id, _live_study))
        .where(*only)
        .group_by(Target.symbol)
    )
    for target, count, patients, *kinds_of_enrollment in trial_rows:
        row = per_target[target]
        row.update(trials=count, **enrollment_values(kinds_of_enrollment))
        row["patients_treated"] = _add_patients(row["patients_treated"], patients)
    return per_target


@revision_cached
def target_counts(engine: Engine, symbol: str) -> dict[str, Any] | None:
    """:func:`stats` of one target (what its page shows), counted over that target's links only; None for a
    symbol the catalogue does not hold."""
    with engine.connect() as connection:
        return _counts_per_target(connection, symbol).get(symbol)


@revision_cached
def stats(engine: Engine) -> Stats:
    """Per target and in total: constructs, sequence records, trials, enrollment by type, patients treated.

    A trial or construct with several targets counts once under each of its
    targets and once in the totals.
    """
    enrollment = enrollment_columns()
    with engine.connect() as connection:
        per_target = _counts_per_target(connection)
        trial_total = connection.execute(
            select(func.count(Trial.id), func.sum(Trial.patients_treated), *enrollment).where(_live_study)
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
        **enrollment_values(trial_total[2:]),
        "patients_treated": _add_patients(trial_total[1], construct_total[1]),
    }
    return Stats(targets=per_target, totals=totals, programmes=programmes)


def stats_frame(engine: Engine) -> pd.DataFrame:
    """:func:`stats` per target as a DataFrame (one row per target)."""
    per_target = stats(engine).targets
    frame = pd.DataFrame.from_dict(per_target, orient="index")
    frame.index.name = "target"
    return frame.reset_index()


# --- programmes and the portfolio ------------------------------------------------------------


@revision_cached
def programmes(engine: Engine) -> list[dict[str, Any]]:
    """Every programme with its own reported figures (patients treated is a programme total)."""
    with engine.connect() as connection:
        return [dict(r._mapping) for r in connection.execute(select(Programme).order_by(Programme.name))]


#: The scope of the approved reference products: constructs whose development status is this, and their trials.
APPROVED = "approved"


def _scope(connection, programme: str | None, status: str | None = None):
    """Clauses that restrict trials and constructs to a programme, to constructs of a development status and
    their trials, or (both ``None``) to the whole catalogue.

    A programme's trials are those its sponsor leads, those linked to one of its constructs, and the candidate
    trials a curator has accepted for it; its constructs are those recorded under it.
    """
    if programme is None and status is None:
        return _live_study, _live_construct, None
    if programme is None:
        constructs = Construct.status == status
        linked = select(TrialConstruct.trial_id).join(Construct, Construct.id == TrialConstruct.construct_id).where(
            constructs, _live_construct)
        return and_(_live_study, Trial.id.in_(linked)), and_(_live_construct, constructs), None
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
    accepted = select(ProgrammeCandidate.trial_id).where(
        ProgrammeCandidate.programme_id == programme_id, ProgrammeCandidate.decision == "accepted"
    )
    clauses = [Trial.id.in_(linked), Trial.id.in_(accepted)]
    if sponsor:
        clauses.append(Trial.lead_sponsor == sponsor)
    return and_(_live_study, or_(*clauses)), and_(_live_construct, Construct.programme_id == programme_id), programme_id


PER_TARGET_COLUMNS = ["target", "constructs", "trials", "patients_treated", "published_results", *ENROLLMENT_KEYS]


def _per_target(connection, trial_clause, construct_clause, results: list[dict[str, Any]]) -> pd.DataFrame:
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
            select(Target.symbol, func.count(Trial.id), func.sum(Trial.patients_treated), *enrollment_columns())
            .join(TrialTarget, TrialTarget.target_id == Target.id)
            .join(Trial, Trial.id == TrialTarget.trial_id)
            .where(trial_clause)
            .group_by(Target.symbol)
        )
    }
    sources: dict[str, int] = {}
    for result in results:
        for symbol in result["targets"]:
            sources[symbol] = sources.get(symbol, 0) + 1
    rows = []
    for symbol in sorted(set(constructs) | set(trials)):
        c_count, c_patients = constructs.get(symbol, (0, None))
        if symbol in trials:
            t_count, t_patients, *kinds = trials[symbol]
            enrollment = enrollment_values(kinds)
        else:
            t_count, t_patients, enrollment = 0, None, no_enrollment()
        rows.append({
            "target": symbol,
            "constructs": c_count,
            "trials": t_count,
            "patients_treated": _add_patients(c_patients, t_patients),
            "published_results": sources.get(symbol, 0),
            **enrollment,
        })
    frame = pd.DataFrame(rows, columns=PER_TARGET_COLUMNS)
    for column in ("patients_treated", *ENROLLMENT_KEYS[:4]):
        frame[column] = frame[column].astype("Int64")
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


def _by_country(connection, trial_clause) -> tuple[pd.DataFrame, int]:
    """Trials per country (a multinational trial counts once in each of its countries), and trials without one."""
    counts: dict[str, int] = {}
    without = 0
    for (text,) in connection.execute(select(_json_text(Trial.countries)).where(trial_clause)):
        countries = _json_value(text) or []
        if not countries:
            without += 1
        for country in dict.fromkeys(countries):
            counts[country] = counts.get(country, 0) + 1
    frame = pd.DataFrame(sorted(counts.items(), key=lambda item: (-item[1], item[0])), columns=["country", "trials"])
    return frame, without


def _by_category(connection, trial_clause) -> pd.DataFrame:
    """Trials per indication category and indication (each trial once)."""
    rows = connection.execute(
        select(Trial.indication_category, Trial.indication, func.count(Trial.id))
        .where(trial_clause)
        .group_by(Trial.indication_category, Trial.indication)
    )
    frame = pd.DataFrame(
        [(category or NOT_RECORDED, indication or NOT_RECORDED, count) for category, indication, count in rows],
        columns=["category", "indication", "trials"],
    )
    return frame.groupby(["category", "indication"], as_index=False)["trials"].sum().sort_values(
        ["category", "trials", "indication"], ascending=[True, False, True], ignore_index=True)


def _candidates(connection, programme_id: int | None) -> pd.DataFrame:
    columns = ["registry_id", "title", "lead_sponsor", "overall_status", "reason", "source", "decision", "decided_by"]
    if programme_id is None:
        return pd.DataFrame(columns=columns)
    rows = connection.execute(
        select(Trial.registry_id, Trial.title, Trial.lead_sponsor, Trial.overall_status, ProgrammeCandidate.reason,
               ProgrammeCandidate.source, ProgrammeCandidate.decision, ProgrammeCandidate.decided_by)
        .join(Trial, Trial.id == ProgrammeCandidate.trial_id)
        .where(ProgrammeCandidate.programme_id == programme_id, _live_study)
        .order_by(ProgrammeCandidate.decision, Trial.registry_id)
    )
    return pd.DataFrame([tuple(r) for r in rows], columns=columns)


RESULT_COLUMNS = ["target", "kind", "key", "patients_treated", "published", "citation", "doi", "pmid", "population"]


def _results_frame(results: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per counted published result and target (a result on a tandem construct is under each target)."""
    rows = []
    for result in results:
        for symbol in result["targets"] or [NOT_RECORDED]:
            rows.append({"target": symbol, **{k: result[k] for k in RESULT_COLUMNS[1:]}})
    frame = pd.DataFrame(rows, columns=RESULT_COLUMNS).sort_values(["target", "key"], ignore_index=True)
    text = [c for c in RESULT_COLUMNS if c != "patients_treated"]
    frame[text] = frame[text].astype(object).where(frame[text].notna(), None)  # unknown stays None, not NaN
    return frame


@revision_cached
def portfolio(engine: Engine, programme: str | None = None, status: str | None = None) -> Portfolio:
    """What the Portfolio page shows, for one programme, the constructs of one development status (``status=
    "approved"``: the approved reference products) or, with neither, the whole catalogue.

    ``tiles``: targets, constructs, trials, patients treated (the latest published result of each trial and
    construct; ``None`` when none is recorded), enrollment in its three kinds with the inferred-actual part of the
    unknown kind (:data:`catalogue.read.enrollment.ENROLLMENT_KEYS`), trials without a target or start year.
    ``programme_totals``: the programmes' own reported totals, never mixed into the tiles, each with
    ``published_in_scope`` (patients in the published results of the selection). DataFrames, counting trials
    (a trial with several targets counts once under each): ``by_phase``, ``by_status``, ``by_year``,
    ``by_indication`` and ``per_target`` (:data:`PER_TARGET_COLUMNS`); counting each trial once:
    ``by_country`` (country, trials) and ``by_category`` (category, indication, trials); ``patients_results``
    (:data:`RESULT_COLUMNS`: the published results that count, with their sources); ``candidates`` (a
    programme's candidate trials with the reason and the curator's decision).
    """
    with engine.connect() as connection:
        trial_clause, construct_clause, programme_id = _scope(connection, programme, status)
        trial_ids = set(connection.execute(select(Trial.id).where(trial_clause)).scalars())
        construct_ids = set(connection.execute(select(Construct.id).where(construct_clause)).scalars())
        results = counted_results(connection, trial_ids, construct_ids)
        per_target = _per_target(connection, trial_clause, construct_clause, results)
        trial_total = connection.execute(
            select(func.count(Trial.id), func.sum(Trial.patients_treated), *enrollment_columns()).where(trial_clause)
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
        by_country, without_country = _by_country(connection, trial_clause)
        by_category = _by_category(connection, trial_clause)
        candidates = _candidates(connection, programme_id)
        programme_rows = connection.execute(select(Programme).order_by(Programme.name)).all()
        by_modality = _per_modality(connection, trial_clause, construct_clause)
    chosen = [dict(p._mapping) for p in programme_rows if programme is None or p.name == programme]
    if status is not None and programme is None:
        chosen = []
    tiles = {
        "targets": len(per_target),
        "constructs": construct_total[0],
        "trials": trial_total[0],
        "patients_treated": _add_patients(trial_total[1], construct_total[1]),
        **enrollment_values(trial_total[2:]),
        "trials_without_target": untargeted,
        "trials_without_start_year": undated,
        "trials_without_country": without_country,
    }
    published_in_scope = sum(r["patients_treated"] for r in results) if results else None
    return Portfolio(
        scope=programme if programme is not None else status,
        tiles=tiles,
        programme_totals=[
            ProgrammeTotal.from_values(p, published_in_scope=published_in_scope) for p in chosen
        ],
        per_target=per_target,
        patients_results=_results_frame(results),
        by_phase=by_phase.sort_values(["target", "phase"], ignore_index=True),
        by_status=by_status.sort_values(["target", "status"], ignore_index=True),
        by_year=by_year.sort_values(["target", "start_year"], ignore_index=True),
        by_indication=by_indication.sort_values(["target", "indication"], ignore_index=True),
        by_modality=by_modality,
        by_country=by_country,
        by_category=by_category,
        candidates=candidates,
    )


#: The modalities the Portfolio always shows, in this order (others follow when present).
PORTFOLIO_MODALITIES = ("CAR-T", "TCR-T", "CAR-NK")


def _per_modality(connection, trial_clause, construct_clause) -> pd.DataFrame:
    """Constructs, trials and patients treated per modality (CAR-T, TCR-T, CAR-NK, then any other)."""
    constructs = {
        modality: (count, patients)
        for modality, count, patients in connection.execute(
            select(Construct.modality, func.count(Construct.id), func.sum(Construct.patients_treated))
            .where(construct_clause).group_by(Construct.modality)
        )
    }
    trials = {
        modality: (count, patients)
        for modality, count, patients in connection.execute(
            select(Trial.modality, func.count(Trial.id), func.sum(Trial.patients_treated))
            .where(trial_clause).group_by(Trial.modality)
        )
    }
    others = sorted((set(constructs) | set(trials)) - set(PORTFOLIO_MODALITIES), key=lambda m: (m is None, m or ""))
    rows = []
    for modality in (*PORTFOLIO_MODALITIES, *others):
        c_count, c_patients = constructs.get(modality, (0, None))
        t_count, t_patients = trials.get(modality, (0, None))
        rows.append({"modality": modality or NOT_RECORDED, "constructs": c_count, "trials": t_count,
                     "patients_treated": _add_patients(c_patients, t_patients)})
    frame = pd.DataFrame(rows, columns=["modality", "constructs", "trials", "patients_treated"])
    frame["patients_treated"] = frame["patients_treated"].astype("Int64")
    return frame


@revision_cached
def default_programme(engine: Engine) -> str | None:
    """The programme the Portfolio opens on: the one with the most live constructs and led trials (the
    programme the catalogue is built around), ``None`` when there is none."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(Programme.name, Programme.sponsor, func.count(Construct.id))
            .outerjoin(Construct, and_(Construct.programme_id == Programme.id, _live_construct))
            .group_by(Programme.id, Programme.name, Programme.sponsor)
        ).all()
        sponsors = sorted({sponsor for _, sponsor, _ in rows if sponsor})
        led_by = dict(connection.execute(  # one grouped count, not one scan of the trials per programme
            select(Trial.lead_sponsor, func.count(Trial.id))
            .where(_live_study, Trial.lead_sponsor.in_(sponsors))
            .group_by(Trial.lead_sponsor)
        ).all()) if sponsors else {}
        best = None
        for name, sponsor, constructs in rows:
            led = led_by.get(sponsor, 0) if sponsor else 0
            rank = (constructs + led, name)
            if best is None or rank[0] > best[0] or (rank[0] == best[0] and name < best[1]):
                best = rank
    return best[1] if best else None


@revision_cached
def reference_products(engine: Engine, status: str = APPROVED) -> pd.DataFrame:
    """The constructs of a development status (the approved products): targets, sequence records, notes."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(Construct.id, Construct.name, Construct.developer, Construct.notes, Construct.source,
                   func.count(SequenceRecord.id))
            .outerjoin(SequenceRecord, and_(SequenceRecord.construct_id == Construct.id, _live_record))
            .where(_live_construct, Construct.status == status)
            .group_by(Construct.id, Construct.name, Construct.developer, Construct.notes, Construct.source)
            .order_by(Construct.name)
        ).all()
        targets: dict[int, list[str]] = {}
        for construct_id, symbol in connection.execute(
            select(ConstructTarget.construct_id, Target.symbol).join(Target, Target.id == ConstructTarget.target_id)
            .order_by(ConstructTarget.position)
        ):
            targets.setdefault(construct_id, []).append(symbol)
    return pd.DataFrame(
        [(name, ", ".join(targets.get(cid, [])) or NOT_RECORDED, developer, records, notes, source)
         for cid, name, developer, notes, source, records in rows],
        columns=["construct", "targets", "developer", "sequence_records", "notes", "source"],
    )
