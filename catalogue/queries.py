"""Read queries for the CLI, the pages and the charts. They return plain dicts, lists and DataFrames.

Aggregation happens in SQL. Archived rows are left out everywhere. Unknown
values stay ``None``: a sum of patients treated over trials that record none is
``None`` ("not recorded"), never 0. Enrollment is summed per type (actual,
estimated, unknown) and never added to patients treated.
"""

from __future__ import annotations

import copy
import functools
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import String, and_, case, cast, false, func, or_, select
from sqlalchemy.engine import Engine

from catalogue.models import (
    Account,
    AuditEvent,
    CatalogueState,
    Construct,
    ConstructTarget,
    Domain,
    Programme,
    SequenceRecord,
    Target,
    Trial,
    TrialConstruct,
    TrialTarget,
)

STAT_KEYS = (
    "constructs",
    "sequence_records",
    "trials",
    "enrollment_actual",
    "enrollment_estimated",
    "enrollment_unknown",
    "patients_treated",
)

_live_construct = Construct.archived_at.is_(None)
_live_trial = Trial.archived_at.is_(None)
_live_record = SequenceRecord.archived_at.is_(None)


# --- the revision-keyed cache -------------------------------------------------------------
#
# Whole-catalogue aggregates (portfolio, per-target counts, facets, pages of the browse tables)
# cost tens to hundreds of milliseconds on a large catalogue. Every write transaction raises the
# catalogue revision (one row, CatalogueState), so a result computed at revision R stays correct
# until the revision changes, in this process or in any other instance on the same database.
# Checking costs one primary-key read.

CACHE_SIZE = 512
_cache: OrderedDict[tuple, tuple[int, Any]] = OrderedDict()
_cache_lock = threading.Lock()


def catalogue_revision(engine: Engine) -> int:
    """The catalogue's revision: it changes whenever a write changes something."""
    with engine.connect() as connection:
        revision = connection.execute(select(CatalogueState.revision).where(CatalogueState.id == 1)).scalar()
    return revision or 0


def _fresh(value: Any) -> Any:
    """A copy callers may change without changing the cached value."""
    if isinstance(value, pd.DataFrame):
        return value.copy()
    if isinstance(value, list) and all(isinstance(v, str) for v in value[:1]):
        return list(value)
    return copy.deepcopy(value)


def revision_cached(function):
    """Cache ``function(engine, ...)`` per database, arguments and catalogue revision."""

    @functools.wraps(function)
    def cached(engine: Engine, *args: Any, **kwargs: Any) -> Any:
        revision = catalogue_revision(engine)  # read first: the result is at least this new
        key = (str(engine.url), function.__name__, args, tuple(sorted(kwargs.items())))
        with _cache_lock:
            hit = _cache.get(key)
            if hit is not None and hit[0] == revision:
                _cache.move_to_end(key)
                return _fresh(hit[1])
        value = function(engine, *args, **kwargs)
        with _cache_lock:
            _cache[key] = (revision, value)
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
        return _fresh(value)

    cached.uncached = function  # type: ignore[attr-defined]
    return cached


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


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
            .join(Trial, and_(Trial.id == TrialTarget.trial_id, _live_trial))
            .group_by(Target.symbol)
        )
        for symbol, count, act, est, unk, patients in trial_rows:
            row = per_target[symbol]
            row.update(trials=count, enrollment_actual=act, enrollment_estimated=est, enrollment_unknown=unk)
            row["patients_treated"] = _add_patients(row["patients_treated"], patients)

        trial_total = connection.execute(
            select(func.count(Trial.id), actual, estimated, unknown, func.sum(Trial.patients_treated)).where(_live_trial)
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


# --- constructs -------------------------------------------------------------------------


def _targets_of_constructs(connection, construct_ids: list[int]) -> dict[int, list[str]]:
    targets: dict[int, list[str]] = {i: [] for i in construct_ids}
    if not construct_ids:
        return targets
    rows = connection.execute(
        select(ConstructTarget.construct_id, Target.symbol)
        .join(Target, Target.id == ConstructTarget.target_id)
        .where(ConstructTarget.construct_id.in_(construct_ids))
        .order_by(ConstructTarget.construct_id, ConstructTarget.position)
    )
    for construct_id, symbol in rows:
        targets[construct_id].append(symbol)
    return targets


def construct_detail(engine: Engine, name: str) -> dict[str, Any] | None:
    """Everything known about one construct: fields, targets, trials, sequence records and domains."""
    with engine.connect() as connection:
        construct = connection.execute(select(Construct).where(Construct.name == name)).first()
        if construct is None:
            return None
        construct = construct._mapping
        construct_id = construct["id"]
        detail = {k: v for k, v in construct.items() if k not in ("id",)}
        detail["targets"] = _targets_of_constructs(connection, [construct_id])[construct_id]
        detail["programme"] = None
        if construct["programme_id"] is not None:
            detail["programme"] = connection.execute(
                select(Programme.name).where(Programme.id == construct["programme_id"])
            ).scalar_one()
        detail.pop("programme_id", None)
        detail["trials"] = [
            dict(row._mapping)
            for row in connection.execute(
                select(Trial.registry_id, Trial.title, Trial.phases, Trial.overall_status, TrialConstruct.curated)
                .join(TrialConstruct, TrialConstruct.trial_id == Trial.id)
                .where(TrialConstruct.construct_id == construct_id, _live_trial)
                .order_by(Trial.registry_id)
            )
        ]
        records = []
        for record in connection.execute(
            select(
                SequenceRecord.id, SequenceRecord.file_name, SequenceRecord.record_id, SequenceRecord.description,
                SequenceRecord.format, SequenceRecord.molecule, SequenceRecord.topology, SequenceRecord.length,
                SequenceRecord.checksum, SequenceRecord.warnings, SequenceRecord.imported_at,
                SequenceRecord.imported_by, SequenceRecord.version,
            )
            .where(SequenceRecord.construct_id == construct_id, _live_record)
            .order_by(SequenceRecord.imported_at, SequenceRecord.id)
        ):
            entry = dict(record._mapping)
            entry["domains"] = [
                dict(d._mapping)
                for d in connection.execute(
                    select(
                        Domain.kind, Domain.label, Domain.start, Domain.end, Domain.strand, Domain.source,
                        Domain.protein_start, Domain.protein_end, Domain.frame, Domain.identity, Domain.score,
                        Domain.reference, Domain.binder_checksum,
                    )
                    .where(Domain.sequence_record_id == entry["id"])
                    .order_by(Domain.position)
                )
            ]
            records.append(entry)
        detail["sequence_records"] = records
        detail["domains"] = chain_domains(records)
    return detail


def chain_domains(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The construct's domains in order, in protein coordinates of its CAR/TCR chain.

    Taken from the first record with curated domains (a curator's correction
    wins), else detected ones, else annotated ones; for DNA records the protein
    coordinates of the detected chain are used.
    """
    for wanted in ("curated", "detected", "annotated"):
        for record in records:
            chosen = [d for d in record["domains"] if d["source"] == wanted]
            if not chosen:
                continue
            out = []
            for d in chosen:
                if record["molecule"] == "protein":
                    start, end = d["start"], d["end"]
                else:
                    start, end = d["protein_start"], d["protein_end"]
                if start is None:
                    continue
                out.append({"kind": d["kind"], "label": d["label"], "start": start, "end": end})
            if out:
                return out
    return []


def trial_detail(engine: Engine, registry_id: str) -> dict[str, Any] | None:
    with engine.connect() as connection:
        row = connection.execute(select(Trial).where(Trial.registry_id == registry_id)).first()
        if row is None:
            return None
        trial = dict(row._mapping)
        trial_id = trial.pop("id")
        trial["registry"] = trial.pop("registry_name")
        trial["targets"] = sorted(
            connection.execute(
                select(Target.symbol)
                .join(TrialTarget, TrialTarget.target_id == Target.id)
                .where(TrialTarget.trial_id == trial_id)
            ).scalars()
        )
        trial["constructs"] = [
            dict(r._mapping)
            for r in connection.execute(
                select(Construct.name, Construct.modality, TrialConstruct.curated)
                .join(TrialConstruct, TrialConstruct.construct_id == Construct.id)
                .where(TrialConstruct.trial_id == trial_id, _live_construct)
                .order_by(Construct.name)
            )
        ]
    return trial


# --- accounts and audit -----------------------------------------------------------------


def accounts(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [
            dict(r._mapping)
            for r in connection.execute(
                select(Account.name, Account.role, Account.email, Account.created_at, Account.archived_at).order_by(
                    Account.name
                )
            )
        ]


def audit_events(
    engine: Engine,
    *,
    entity_kind: str | None = None,
    entity_key: str | None = None,
    since: str | None = None,
    limit: int | None = None,
    until: str | None = None,
    exclude_kinds: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """The audit trail, newest first. ``since`` and ``until`` are ISO dates or times (``until`` a date
    includes that whole day); ``exclude_kinds`` leaves out entity kinds (e.g. accounts for non-admins)."""
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if entity_kind:
        query = query.where(AuditEvent.entity_kind == entity_kind)
    if exclude_kinds:
        query = query.where(AuditEvent.entity_kind.not_in(exclude_kinds))
    if until:
        end = pd.Timestamp(until, tz="UTC")
        if len(until) <= 10:
            end = end + pd.Timedelta(days=1)
            query = query.where(AuditEvent.at < end.to_pydatetime())
        else:
            query = query.where(AuditEvent.at <= end.to_pydatetime())
    if entity_key:
        query = query.where(AuditEvent.entity_key == entity_key)
    if since:
        query = query.where(AuditEvent.at >= pd.Timestamp(since, tz="UTC").to_pydatetime())
    if limit:
        query = query.limit(limit)
    with engine.connect() as connection:
        return [dict(r._mapping) for r in connection.execute(query)]


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows per table (for tests and diagnostics: nothing changed means these did not change)."""
    from sqlmodel import SQLModel

    with engine.connect() as connection:
        return {
            name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in SQLModel.metadata.tables.items()
        }



# --- labels shared by the pages and the charts --------------------------------------------

NOT_RECORDED = "not recorded"

_PHASE_WORDS = {
    "EARLY_PHASE1": "Early phase 1",
    "PHASE1": "Phase 1",
    "PHASE2": "Phase 2",
    "PHASE3": "Phase 3",
    "PHASE4": "Phase 4",
    "NA": "Not applicable",
}
PHASE_ORDER = (
    "Early phase 1", "Phase 1", "Phase 1/2", "Phase 2", "Phase 2/3", "Phase 3", "Phase 4",
    "Not applicable", NOT_RECORDED,
)  # fmt: skip
_PHASE_CODES = {"Phase 1/2": ("PHASE1", "PHASE2"), "Phase 2/3": ("PHASE2", "PHASE3")}


def phase_label(phases: list[str] | None) -> str:
    """A registry phase set as people say it: ``["PHASE1", "PHASE2"]`` is "Phase 1/2"."""
    if not phases:
        return NOT_RECORDED
    codes = sorted(set(phases))
    if codes == ["PHASE1", "PHASE2"]:
        return "Phase 1/2"
    if codes == ["PHASE2", "PHASE3"]:
        return "Phase 2/3"
    return " + ".join(_PHASE_WORDS.get(code, code.replace("_", " ").capitalize()) for code in codes)


def status_label(status: str | None) -> str:
    """A registry status as words: ``ACTIVE_NOT_RECRUITING`` is "Active, not recruiting"."""
    if not status:
        return NOT_RECORDED
    words = status.replace("_", " ").lower().capitalize()
    return words.replace("active not recruiting", "active, not recruiting").replace(
        "Active not recruiting", "Active, not recruiting"
    )


def registry_url(registry: str | None, registry_id: str) -> str | None:
    """The public page of a trial in its registry, where the registry has stable study URLs."""
    if registry_id.upper().startswith("NCT"):
        return f"https://clinicaltrials.gov/study/{registry_id}"
    if registry and registry.lower().startswith("chictr") or registry_id.upper().startswith("CHICTR"):
        return f"https://www.chictr.org.cn/searchprojEN.html?regno={registry_id}"
    return None


def uniprot_url(accession: str | None) -> str | None:
    return f"https://www.uniprot.org/uniprotkb/{accession}/entry" if accession else None


def _json_list_contains(column, value: str):
    """A JSON list column (read as text) holding ``value``: a LIKE on its JSON spelling.

    The lists are written by SQLAlchemy's JSON serialiser (``json.dumps``), so a
    value is stored exactly as ``json.dumps(value)`` spells it on both backends.
    """
    import json

    return cast(column, String).contains(json.dumps(value), autoescape=True)


def _json_text(column):
    return cast(column, String)


def _json_value(text: str | None) -> Any:
    import json

    if text is None:
        return None
    return json.loads(text)


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
        return _live_trial, _live_construct, None
    row = connection.execute(
        select(Programme.id, Programme.sponsor).where(Programme.name == programme)
    ).first()
    if row is None:
        return and_(_live_trial, false()), and_(_live_construct, false()), None
    programme_id, sponsor = row
    linked = (
        select(TrialConstruct.trial_id)
        .join(Construct, Construct.id == TrialConstruct.construct_id)
        .where(Construct.programme_id == programme_id)
    )
    trial_clause = or_(Trial.id.in_(linked), Trial.lead_sponsor == sponsor) if sponsor else Trial.id.in_(linked)
    return and_(_live_trial, trial_clause), and_(_live_construct, Construct.programme_id == programme_id), programme_id


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
            .where(TrialTarget.target_id == target_id, _live_trial)
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
                .where(TrialTarget.target_id == target_id, _live_trial)
                .group_by(Trial.indication, Trial.indication_category)
                .order_by(func.count(Trial.id).desc(), Trial.indication)
            )
        ]
    return target


# --- constructs: the filterable, paginated table ------------------------------------------------

CONSTRUCT_FILTERS = ("target", "modality", "costimulatory", "hinge", "binder_format", "status")


@dataclass
class TablePage:
    """One page of a filtered table: its rows, and how many rows match in all."""

    rows: pd.DataFrame
    total: int
    limit: int
    offset: int


_CONSTRUCT_COLUMNS = (
    "name", "targets", "modality", "binder_clone", "binder_format", "hinge", "transmembrane", "costimulatory",
    "signalling", "generation", "status", "programme", "developer", "patients_treated", "sequence_records", "trials",
)  # fmt: skip


def _construct_rows(connection, construct_ids: list[int]) -> pd.DataFrame:
    """Table rows for the given constructs (in the given order)."""
    if not construct_ids:
        return pd.DataFrame(columns=list(_CONSTRUCT_COLUMNS))
    rows = {
        r.id: dict(r._mapping)
        for r in connection.execute(
            select(
                Construct.id, Construct.name, Construct.modality, Construct.binder_clone, Construct.binder_format,
                Construct.hinge, Construct.transmembrane, Construct.costimulatory, Construct.signalling,
                Construct.generation, Construct.status, Programme.name.label("programme"), Construct.developer,
                Construct.patients_treated,
            )
            .outerjoin(Programme, Programme.id == Construct.programme_id)
            .where(Construct.id.in_(construct_ids))
        )
    }
    targets = _targets_of_constructs(connection, construct_ids)
    records = dict(
        connection.execute(
            select(SequenceRecord.construct_id, func.count(SequenceRecord.id))
            .where(SequenceRecord.construct_id.in_(construct_ids), _live_record)
            .group_by(SequenceRecord.construct_id)
        ).all()
    )
    trials = dict(
        connection.execute(
            select(TrialConstruct.construct_id, func.count(TrialConstruct.trial_id))
            .join(Trial, and_(Trial.id == TrialConstruct.trial_id, _live_trial))
            .where(TrialConstruct.construct_id.in_(construct_ids))
            .group_by(TrialConstruct.construct_id)
        ).all()
    )
    out = []
    for construct_id in construct_ids:
        row = rows[construct_id]
        row.pop("id")
        row["targets"] = ", ".join(targets[construct_id]) or None
        row["costimulatory"] = ", ".join(row["costimulatory"] or []) or None
        row["sequence_records"] = records.get(construct_id, 0)
        row["trials"] = trials.get(construct_id, 0)
        out.append(row)
    frame = pd.DataFrame(out, columns=list(_CONSTRUCT_COLUMNS))
    for column in ("generation", "patients_treated"):
        frame[column] = frame[column].astype("Int64")
    return frame


def _construct_filter_clauses(filters: dict[str, str | None]) -> list:
    unknown = set(filters) - set(CONSTRUCT_FILTERS)
    if unknown:
        raise ValueError(f"unknown construct filter(s): {', '.join(sorted(unknown))}")
    clauses = [_live_construct]
    for key, value in filters.items():
        if value is None or value == "":
            continue
        if key == "target":
            clauses.append(
                Construct.id.in_(
                    select(ConstructTarget.construct_id).where(
                        ConstructTarget.target_id == select(Target.id).where(Target.symbol == value).scalar_subquery()
                    )
                )
            )
        elif key == "costimulatory":
            clauses.append(_json_list_contains(Construct.costimulatory, value))
        else:
            clauses.append(getattr(Construct, key) == value)
    return clauses


@revision_cached
def construct_page(
    engine: Engine, *, limit: int = 50, offset: int = 0, **filters: str | None
) -> TablePage:
    """Constructs matching ``filters`` (see :data:`CONSTRUCT_FILTERS`), ordered by name, one page of them.

    Filtering, counting and paging happen in SQL; only the page's rows are read.
    """
    clauses = _construct_filter_clauses(filters)
    with engine.connect() as connection:
        total = connection.execute(select(func.count(Construct.id)).where(*clauses)).scalar_one()
        ids = list(
            connection.execute(
                select(Construct.id).where(*clauses).order_by(Construct.name).limit(limit).offset(offset)
            ).scalars()
        )
        return TablePage(_construct_rows(connection, ids), total, limit, offset)


@revision_cached
def construct_facets(engine: Engine) -> dict[str, list[str]]:
    """The values each construct filter can take (only values some live construct has)."""
    with engine.connect() as connection:
        facets: dict[str, list[str]] = {
            "target": list(
                connection.execute(
                    select(Target.symbol)
                    .join(ConstructTarget, ConstructTarget.target_id == Target.id)
                    .join(Construct, and_(Construct.id == ConstructTarget.construct_id, _live_construct))
                    .group_by(Target.symbol)
                    .order_by(Target.symbol)
                ).scalars()
            )
        }
        for key in ("modality", "hinge", "binder_format", "status"):
            column = getattr(Construct, key)
            facets[key] = list(
                connection.execute(
                    select(column).where(_live_construct, column.is_not(None)).group_by(column).order_by(column)
                ).scalars()
            )
        costim: set[str] = set()
        for text in connection.execute(
            select(_json_text(Construct.costimulatory)).where(_live_construct).group_by(_json_text(Construct.costimulatory))
        ).scalars():
            costim.update(_json_value(text) or [])
        facets["costimulatory"] = sorted(costim)
    return facets


def sequence_record(engine: Engine, record_id: int) -> dict[str, Any] | None:
    """One sequence record with its sequence and domains (for the sequence view and the domain map)."""
    with engine.connect() as connection:
        row = connection.execute(
            select(
                SequenceRecord.id, SequenceRecord.file_name, SequenceRecord.record_id, SequenceRecord.description,
                SequenceRecord.format, SequenceRecord.molecule, SequenceRecord.topology, SequenceRecord.length,
                SequenceRecord.sequence, SequenceRecord.checksum, SequenceRecord.warnings,
                SequenceRecord.imported_at, SequenceRecord.imported_by, SequenceRecord.archived_at,
                Construct.name.label("construct"),
            )
            .join(Construct, Construct.id == SequenceRecord.construct_id)
            .where(SequenceRecord.id == record_id)
        ).first()
        if row is None:
            return None
        record = dict(row._mapping)
        record["domains"] = [
            dict(d._mapping)
            for d in connection.execute(
                select(
                    Domain.kind, Domain.label, Domain.start, Domain.end, Domain.strand, Domain.source,
                    Domain.protein_start, Domain.protein_end, Domain.frame, Domain.identity, Domain.score,
                    Domain.reference, Domain.binder_checksum, Domain.note,
                )
                .where(Domain.sequence_record_id == record_id)
                .order_by(Domain.position)
            )
        ]
    return record


def _stored_draft(record: dict[str, Any], domains: list[dict[str, Any]]):
    """A stored record and its domains as a :class:`~catalogue.drafts.SequenceDraft` (what the exporters write)."""
    from catalogue.drafts import DomainDraft, SequenceDraft

    domain_fields = set(DomainDraft.__dataclass_fields__)
    return SequenceDraft(
        file_name=record["file_name"],
        record_id=record["record_id"],
        format=record["format"],
        molecule=record["molecule"],
        sequence=record["sequence"],
        topology=record["topology"],
        description=record["description"],
        checksum=record["checksum"],
        domains=[DomainDraft(**{k: v for k, v in d.items() if k in domain_fields}) for d in domains],
        warnings=list(record["warnings"] or []),
    )


def sequence_record_draft(engine: Engine, record_id: int):
    """One stored record as a SequenceDraft."""
    record = sequence_record(engine, record_id)
    return None if record is None else _stored_draft(record, record["domains"])


def stored_drafts(engine: Engine) -> list[tuple[str, int, Any]]:
    """Every live sequence record as (construct name, record ID number, SequenceDraft), for export."""
    with engine.connect() as connection:
        records = connection.execute(
            select(SequenceRecord, Construct.name.label("construct_name"))
            .join(Construct, Construct.id == SequenceRecord.construct_id)
            .where(_live_record, _live_construct)
            .order_by(Construct.name, SequenceRecord.id)
        ).all()
        domains: dict[int, list[dict[str, Any]]] = {}
        for row in connection.execute(select(Domain).order_by(Domain.sequence_record_id, Domain.position)):
            domains.setdefault(row.sequence_record_id, []).append(dict(row._mapping))
    return [
        (row.construct_name, row.id, _stored_draft(row._mapping, domains.get(row.id, [])))
        for row in records
    ]


def original_file(engine: Engine, record_id: int) -> tuple[str, bytes] | None:
    """The record's text exactly as it was in the imported file, with that file's name."""
    with engine.connect() as connection:
        row = connection.execute(
            select(SequenceRecord.file_name, SequenceRecord.original_bytes).where(SequenceRecord.id == record_id)
        ).first()
    return (row[0], bytes(row[1])) if row else None


def sequence_history(engine: Engine, name: str) -> pd.DataFrame:
    """Every sequence record a construct has had, archived ones included, oldest first."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                SequenceRecord.id, SequenceRecord.file_name, SequenceRecord.record_id, SequenceRecord.format,
                SequenceRecord.molecule, SequenceRecord.length, SequenceRecord.checksum, SequenceRecord.imported_at,
                SequenceRecord.imported_by, SequenceRecord.archived_at, SequenceRecord.version,
            )
            .join(Construct, Construct.id == SequenceRecord.construct_id)
            .where(Construct.name == name)
            .order_by(SequenceRecord.imported_at, SequenceRecord.id)
        ).all()
    return pd.DataFrame(
        [dict(r._mapping) for r in rows],
        columns=["id", "file_name", "record_id", "format", "molecule", "length", "checksum", "imported_at",
                 "imported_by", "archived_at", "version"],
    )


def constructs_sharing_binder(engine: Engine, name: str) -> pd.DataFrame:
    """Other live constructs with a binder domain of the same protein sequence (same binder checksum)."""
    with engine.connect() as connection:
        checksums = (
            select(Domain.binder_checksum)
            .join(SequenceRecord, SequenceRecord.id == Domain.sequence_record_id)
            .join(Construct, Construct.id == SequenceRecord.construct_id)
            .where(Construct.name == name, Domain.binder_checksum.is_not(None), _live_record)
        )
        rows = connection.execute(
            select(Construct.name, Domain.kind, Domain.label, Domain.binder_checksum)
            .join(SequenceRecord, SequenceRecord.construct_id == Construct.id)
            .join(Domain, Domain.sequence_record_id == SequenceRecord.id)
            .where(Domain.binder_checksum.in_(checksums), Construct.name != name, _live_construct, _live_record)
            .group_by(Construct.name, Domain.kind, Domain.label, Domain.binder_checksum)
            .order_by(Construct.name)
        ).all()
    return pd.DataFrame([dict(r._mapping) for r in rows], columns=["name", "kind", "label", "binder_checksum"])


@revision_cached
def construct_names(engine: Engine, search: str | None = None, limit: int | None = None) -> list[str]:
    """Names of live constructs, sorted; those containing ``search`` (any case), at most ``limit`` (pickers)."""
    query = select(Construct.name).where(_live_construct).order_by(Construct.name).limit(limit)
    if search:
        query = query.where(func.lower(Construct.name).contains(search.strip().lower(), autoescape=True))
    with engine.connect() as connection:
        return list(connection.execute(query).scalars())


# --- trials: the filterable, paginated table ---------------------------------------------------

TRIAL_FILTERS = ("target", "phase", "status", "indication", "country", "sponsor", "year_from", "year_to")

_TRIAL_COLUMNS = (
    "registry_id", "registry_url", "title", "targets", "phase", "status", "indication", "lead_sponsor", "countries",
    "start_date", "enrollment_count", "enrollment_type", "patients_treated", "constructs",
)  # fmt: skip


def _trial_rows(connection, trial_ids: list[int]) -> pd.DataFrame:
    if not trial_ids:
        return pd.DataFrame(columns=list(_TRIAL_COLUMNS))
    rows = {
        r.id: dict(r._mapping)
        for r in connection.execute(
            select(
                Trial.id, Trial.registry_name, Trial.registry_id, Trial.title, Trial.phases, Trial.overall_status,
                Trial.indication, Trial.lead_sponsor, Trial.countries, Trial.start_date, Trial.enrollment_count,
                Trial.enrollment_type, Trial.patients_treated,
            ).where(Trial.id.in_(trial_ids))
        )
    }
    targets: dict[int, list[str]] = {i: [] for i in trial_ids}
    for trial_id, symbol in connection.execute(
        select(TrialTarget.trial_id, Target.symbol)
        .join(Target, Target.id == TrialTarget.target_id)
        .where(TrialTarget.trial_id.in_(trial_ids))
        .order_by(Target.symbol)
    ):
        targets[trial_id].append(symbol)
    constructs: dict[int, list[str]] = {i: [] for i in trial_ids}
    for trial_id, construct in connection.execute(
        select(TrialConstruct.trial_id, Construct.name)
        .join(Construct, and_(Construct.id == TrialConstruct.construct_id, _live_construct))
        .where(TrialConstruct.trial_id.in_(trial_ids))
        .order_by(Construct.name)
    ):
        constructs[trial_id].append(construct)
    out = []
    for trial_id in trial_ids:
        row = rows[trial_id]
        out.append({
            "registry_id": row["registry_id"],
            "registry_url": registry_url(row["registry_name"], row["registry_id"]),
            "title": row["title"],
            "targets": ", ".join(targets[trial_id]) or None,
            "phase": phase_label(row["phases"]),
            "status": status_label(row["overall_status"]),
            "indication": row["indication"],
            "lead_sponsor": row["lead_sponsor"],
            "countries": ", ".join(row["countries"] or []) or None,
            "start_date": row["start_date"],
            "enrollment_count": row["enrollment_count"],
            "enrollment_type": row["enrollment_type"],
            "patients_treated": row["patients_treated"],
            "constructs": ", ".join(constructs[trial_id]) or None,
        })
    frame = pd.DataFrame(out, columns=list(_TRIAL_COLUMNS))
    for column in ("enrollment_count", "patients_treated"):
        frame[column] = frame[column].astype("Int64")
    return frame


def _phase_clause(label: str):
    if label == NOT_RECORDED:
        return or_(Trial.phases.is_(None), _json_text(Trial.phases).in_(["null", "[]"]))
    if label in _PHASE_CODES:
        import json

        return _json_text(Trial.phases) == json.dumps(list(_PHASE_CODES[label]))
    codes = [code for code, words in _PHASE_WORDS.items() if words == label] or [label]
    import json

    return _json_text(Trial.phases) == json.dumps(codes)


def _trial_filter_clauses(filters: dict[str, Any]) -> list:
    unknown = set(filters) - set(TRIAL_FILTERS)
    if unknown:
        raise ValueError(f"unknown trial filter(s): {', '.join(sorted(unknown))}")
    clauses = [_live_trial]
    for key, value in filters.items():
        if value is None or value == "":
            continue
        if key == "target":
            clauses.append(
                Trial.id.in_(
                    select(TrialTarget.trial_id).where(
                        TrialTarget.target_id == select(Target.id).where(Target.symbol == value).scalar_subquery()
                    )
                )
            )
        elif key == "phase":
            clauses.append(_phase_clause(value))
        elif key == "status":
            clauses.append(Trial.overall_status == value)
        elif key == "indication":
            clauses.append(Trial.indication == value)
        elif key == "country":
            clauses.append(_json_list_contains(Trial.countries, value))
        elif key == "sponsor":
            clauses.append(Trial.lead_sponsor == value)
        elif key == "year_from":
            clauses.append(Trial.start_year >= int(value))
        elif key == "year_to":
            clauses.append(Trial.start_year <= int(value))
    return clauses


@revision_cached
def trial_page(engine: Engine, *, limit: int = 50, offset: int = 0, **filters: Any) -> TablePage:
    """Trials matching ``filters`` (see :data:`TRIAL_FILTERS`), newest start first, one page of them.

    ``status`` is the registry's code (``RECRUITING``); ``phase`` a label of
    :data:`PHASE_ORDER`. Filtering, counting and paging happen in SQL.
    """
    clauses = _trial_filter_clauses(filters)
    with engine.connect() as connection:
        total = connection.execute(select(func.count(Trial.id)).where(*clauses)).scalar_one()
        ids = list(
            connection.execute(
                select(Trial.id)
                .where(*clauses)
                .order_by(Trial.start_year.desc().nulls_last(), Trial.registry_id)
                .limit(limit)
                .offset(offset)
            ).scalars()
        )
        return TablePage(_trial_rows(connection, ids), total, limit, offset)


@revision_cached
def trial_facets(engine: Engine) -> dict[str, Any]:
    """The values each trial filter can take: targets, phases, statuses (code → words), indications,
    countries, sponsors, and the first and last start year."""
    with engine.connect() as connection:
        facets: dict[str, Any] = {
            "target": list(
                connection.execute(
                    select(Target.symbol)
                    .join(TrialTarget, TrialTarget.target_id == Target.id)
                    .join(Trial, and_(Trial.id == TrialTarget.trial_id, _live_trial))
                    .group_by(Target.symbol)
                    .order_by(Target.symbol)
                ).scalars()
            )
        }
        phases = {
            phase_label(_json_value(text))
            for text in connection.execute(
                select(_json_text(Trial.phases)).where(_live_trial).group_by(_json_text(Trial.phases))
            ).scalars()
        }
        facets["phase"] = [p for p in PHASE_ORDER if p in phases] + sorted(phases - set(PHASE_ORDER))
        facets["status"] = {
            code: status_label(code)
            for code in connection.execute(
                select(Trial.overall_status)
                .where(_live_trial, Trial.overall_status.is_not(None))
                .group_by(Trial.overall_status)
                .order_by(Trial.overall_status)
            ).scalars()
        }
        for key, column in (("indication", Trial.indication), ("sponsor", Trial.lead_sponsor)):
            facets[key] = list(
                connection.execute(
                    select(column).where(_live_trial, column.is_not(None)).group_by(column).order_by(column)
                ).scalars()
            )
        countries: set[str] = set()
        for text in connection.execute(
            select(_json_text(Trial.countries)).where(_live_trial).group_by(_json_text(Trial.countries))
        ).scalars():
            countries.update(_json_value(text) or [])
        facets["country"] = sorted(countries)
        first, last = connection.execute(
            select(func.min(Trial.start_year), func.max(Trial.start_year)).where(_live_trial)
        ).one()
        facets["years"] = (first, last)
    return facets


def trial_record(engine: Engine, registry_id: str) -> dict[str, Any] | None:
    """:func:`trial_detail` plus what the trial page shows: labels, the registry link, linked constructs' targets."""
    trial = trial_detail(engine, registry_id)
    if trial is None:
        return None
    trial["phase"] = phase_label(trial["phases"])
    trial["status"] = status_label(trial["overall_status"])
    trial["registry_url"] = registry_url(trial["registry"], registry_id)
    return trial


# --- identity --------------------------------------------------------------------------------


def has_accounts(engine: Engine) -> bool:
    """Whether any active account exists (none: a single-user install run by its local operator)."""
    with engine.connect() as connection:
        return connection.execute(
            select(func.count(Account.id)).where(Account.archived_at.is_(None))
        ).scalar_one() > 0


def account_credentials(engine: Engine, name: str) -> dict[str, Any] | None:
    """An active account's name, role and password hash, for verifying a sign-in. Never display the hash."""
    with engine.connect() as connection:
        row = connection.execute(
            select(Account.name, Account.role, Account.password_hash).where(
                Account.name == name, Account.archived_at.is_(None)
            )
        ).first()
    return dict(row._mapping) if row else None


def account_by_email(engine: Engine, email: str) -> dict[str, Any] | None:
    """The active account with this email (case-insensitive): name and role."""
    with engine.connect() as connection:
        row = connection.execute(
            select(Account.name, Account.role).where(
                func.lower(Account.email) == email.strip().lower(), Account.archived_at.is_(None)
            )
        ).first()
    return dict(row._mapping) if row else None


def audit_kinds(engine: Engine) -> list[str]:
    """The entity kinds that have audit events."""
    with engine.connect() as connection:
        return list(
            connection.execute(select(AuditEvent.entity_kind).group_by(AuditEvent.entity_kind).order_by(AuditEvent.entity_kind)).scalars()
        )


# --- Curate: pickers and the archive ----------------------------------------------------------


@revision_cached
def target_symbols(engine: Engine) -> list[str]:
    """Symbols of every target the catalogue knows, sorted (the choices for a trial's curated targets)."""
    with engine.connect() as connection:
        return list(connection.execute(select(Target.symbol).order_by(Target.symbol)).scalars())


@revision_cached
def trial_choices(engine: Engine, search: str | None = None, limit: int | None = None) -> dict[str, str | None]:
    """Live trials' registry IDs with their titles, by registry ID; those whose ID or title contains
    ``search`` (any case), at most ``limit`` (pickers in Curate)."""
    query = select(Trial.registry_id, Trial.title).where(_live_trial).order_by(Trial.registry_id).limit(limit)
    if search:
        term = search.strip().lower()
        query = query.where(or_(func.lower(Trial.registry_id).contains(term, autoescape=True),
                                func.lower(Trial.title).contains(term, autoescape=True)))
    with engine.connect() as connection:
        return {registry_id: title for registry_id, title in connection.execute(query)}


def archived_records(engine: Engine) -> pd.DataFrame:
    """Archived constructs and trials, most recently archived first: kind, key, description, archived_at."""
    with engine.connect() as connection:
        constructs = connection.execute(
            select(Construct.name, Construct.modality, Construct.archived_at).where(Construct.archived_at.is_not(None))
        ).all()
        trials = connection.execute(
            select(Trial.registry_id, Trial.title, Trial.archived_at).where(Trial.archived_at.is_not(None))
        ).all()
    rows = [("construct", name, modality, at) for name, modality, at in constructs]
    rows += [("trial", registry_id, title, at) for registry_id, title, at in trials]
    frame = pd.DataFrame(rows, columns=["kind", "key", "description", "archived_at"])
    return frame.sort_values(["archived_at", "kind", "key"], ascending=[False, True, True], ignore_index=True)
