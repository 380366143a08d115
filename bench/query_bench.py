"""Read queries: p50 and p95 of every query a page runs, on a large generated catalogue.

The cases call the functions of :mod:`catalogue.read` with the arguments the pages
use (read from ``catalogue/ui/``): the portfolio, target overview and detail (the most
and a least common target), the construct table (unfiltered, filtered, a deep page),
construct detail and what the construct page shows beside it, the trial table with
filters, trial detail, facets, and the identity and audit queries. Budget: p95 at
most 50 ms. Functions of ``catalogue.read`` that no case covers are listed, so a new
page query is noticed.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bench.measure import percentile, repeat_ms, table
from catalogue import read
from catalogue.db.models import (
    Construct,
    ConstructTarget,
    Domain,
    Programme,
    SequenceRecord,
    Target,
    Trial,
    TrialTarget,
)

QUERY_P95_BUDGET_MS = 50.0
# Helpers the pages do not call on their own, or that are not database reads.
NOT_PAGE_QUERIES = {"row_counts", "chain_domains", "stats_frame",
                    "search_sequence", "search_store_size"}  # the search: measured by bench/search_bench.py


@dataclass(frozen=True)
class SampleKeys:
    """Real keys of the catalogue under test that the cases query for."""

    common_target: str
    rare_target: str
    construct: str  # a construct with the most sequence records
    demo_construct: str | None
    trial: str
    sequence_record: int
    programme: str | None
    constructs_total: int
    trials_total: int


def sample_keys(engine: Engine) -> SampleKeys:
    with engine.connect() as connection:
        by_target = connection.execute(
            select(Target.symbol, func.count(ConstructTarget.construct_id))
            .join(ConstructTarget, ConstructTarget.target_id == Target.id)
            .group_by(Target.symbol).order_by(func.count(ConstructTarget.construct_id).desc(), Target.symbol)
        ).all()
        construct_id, construct = connection.execute(
            select(Construct.id, Construct.name)
            .join(SequenceRecord, SequenceRecord.construct_id == Construct.id)
            .join(Domain, Domain.sequence_record_id == SequenceRecord.id)
            .where(Construct.archived_at.is_(None), Domain.binder_checksum.is_not(None))
            .order_by(SequenceRecord.id.desc()).limit(1)
        ).one()
        demo = connection.execute(
            select(Construct.name).where(Construct.source.is_not(None), Construct.source != "bench fixture")
            .order_by(Construct.id).limit(1)
        ).scalar()
        record_id = connection.execute(
            select(func.max(SequenceRecord.id)).where(SequenceRecord.construct_id == construct_id)
        ).scalar_one()
        trial = connection.execute(
            select(Trial.registry_id).join(TrialTarget, TrialTarget.trial_id == Trial.id)
            .where(Trial.archived_at.is_(None)).order_by(Trial.id.desc()).limit(1)
        ).scalar_one()
        programme = connection.execute(select(Programme.name).order_by(Programme.id).limit(1)).scalar()
        constructs_total = connection.execute(select(func.count(Construct.id))).scalar_one()
        trials_total = connection.execute(select(func.count(Trial.id))).scalar_one()
    return SampleKeys(by_target[0][0], by_target[-1][0], construct, demo, trial, record_id, programme,
                      constructs_total, trials_total)


@dataclass(frozen=True)
class QueryCase:
    """One call a page makes: the page, a label, the function and how to call it."""

    page: str
    label: str
    function: str
    call: Callable[[Callable, Engine, SampleKeys], Any]


def _deep_offset(total: int) -> int:
    return max(0, (total // 2) // 50 * 50)


CASES: tuple[QueryCase, ...] = (
    QueryCase("Portfolio", "portfolio(all)", "portfolio", lambda f, e, k: f(e)),
    QueryCase("Portfolio", "portfolio(programme)", "portfolio", lambda f, e, k: f(e, k.programme)),
    QueryCase("Portfolio", "programmes()", "programmes", lambda f, e, k: f(e)),
    QueryCase("Targets", "targets_overview()", "targets_overview", lambda f, e, k: f(e)),
    QueryCase("Targets", "stats()", "stats", lambda f, e, k: f(e)),
    QueryCase("Targets", "target_detail(most common)", "target_detail", lambda f, e, k: f(e, k.common_target)),
    QueryCase("Targets", "target_detail(least common)", "target_detail", lambda f, e, k: f(e, k.rare_target)),
    QueryCase("Constructs", "construct_facets()", "construct_facets", lambda f, e, k: f(e)),
    QueryCase("Constructs", "construct_page(limit=0: the total)", "construct_page", lambda f, e, k: f(e, limit=0)),
    QueryCase("Constructs", "construct_page(first page)", "construct_page", lambda f, e, k: f(e, limit=50, offset=0)),
    QueryCase("Constructs", "construct_page(target, costim)", "construct_page",
              lambda f, e, k: f(e, limit=50, offset=0, target=k.common_target, costimulatory="4-1BB")),
    QueryCase("Constructs", "construct_page(modality, status)", "construct_page",
              lambda f, e, k: f(e, limit=50, offset=0, modality="CAR-T", status="clinical")),
    QueryCase("Constructs", "construct_page(middle page)", "construct_page",
              lambda f, e, k: f(e, limit=50, offset=_deep_offset(k.constructs_total))),
    QueryCase("Constructs", "construct_detail()", "construct_detail", lambda f, e, k: f(e, k.construct)),
    QueryCase("Constructs", "construct_detail(demo)", "construct_detail",
              lambda f, e, k: f(e, k.demo_construct or k.construct)),
    QueryCase("Constructs", "constructs_sharing_binder()", "constructs_sharing_binder",
              lambda f, e, k: f(e, k.construct)),
    QueryCase("Compare", "compare_constructs(2)", "compare_constructs",
              lambda f, e, k: f(e, [k.construct, k.demo_construct or k.construct])),
    QueryCase("Constructs", "sequence_history()", "sequence_history", lambda f, e, k: f(e, k.construct)),
    QueryCase("Constructs", "sequence_record()", "sequence_record", lambda f, e, k: f(e, k.sequence_record)),
    QueryCase("Constructs", "original_file()", "original_file", lambda f, e, k: f(e, k.sequence_record)),
    QueryCase("Constructs", "sequence_record_draft()", "sequence_record_draft",
              lambda f, e, k: f(e, k.sequence_record)),
    QueryCase("Trials", "trial_facets()", "trial_facets", lambda f, e, k: f(e)),
    QueryCase("Trials", "trial_page(limit=0: the total)", "trial_page", lambda f, e, k: f(e, limit=0)),
    QueryCase("Trials", "trial_page(first page)", "trial_page", lambda f, e, k: f(e, limit=50, offset=0)),
    QueryCase("Trials", "trial_page(target, phase, status)", "trial_page",
              lambda f, e, k: f(e, limit=50, offset=0, target=k.common_target, phase="Phase 1",
                                status="RECRUITING")),
    QueryCase("Trials", "trial_page(country, years)", "trial_page",
              lambda f, e, k: f(e, limit=50, offset=0, country="China", year_from=2020, year_to=2024)),
    QueryCase("Trials", "trial_page(middle page)", "trial_page",
              lambda f, e, k: f(e, limit=50, offset=_deep_offset(k.trials_total))),
    QueryCase("Trials", "trial_record()", "trial_record", lambda f, e, k: f(e, k.trial)),
    QueryCase("Trials", "trial_detail()", "trial_detail", lambda f, e, k: f(e, k.trial)),
    QueryCase("What changed", "trial_imports()", "trial_imports", lambda f, e, k: f(e)),
    QueryCase("What changed", "trial_changes(since)", "trial_changes", lambda f, e, k: f(e, since="2000-01-01")),
    QueryCase("What changed", "change_table(since)", "change_table", lambda f, e, k: f(e, since="2000-01-01")),
    QueryCase("Curate", "construct_names()", "construct_names", lambda f, e, k: f(e)),
    QueryCase("Sign-in", "has_accounts()", "has_accounts", lambda f, e, k: f(e)),
    QueryCase("Sign-in", "account_by_email()", "account_by_email", lambda f, e, k: f(e, "nobody@example.org")),
    QueryCase("Audit", "audit_events(limit 500)", "audit_events",
              lambda f, e, k: f(e, entity_kind=None, since=None, until=None, limit=500, exclude_kinds=())),
    QueryCase("Audit", "audit_kinds()", "audit_kinds", lambda f, e, k: f(e)),
    QueryCase("Admin", "accounts()", "accounts", lambda f, e, k: f(e)),
)


def uncovered_functions() -> list[str]:
    """Public functions of catalogue.read that take an engine and that no case calls."""
    covered = {case.function for case in CASES} | NOT_PAGE_QUERIES
    names = []
    for name, function in inspect.getmembers(read, inspect.isfunction):
        if name.startswith("_") or not function.__module__.startswith(read.__name__ + ".") or name in covered:
            continue
        parameters = list(inspect.signature(function).parameters)
        if parameters and parameters[0] == "engine":
            names.append(name)
    return names


def run_cases(engine: Engine, repeats: int) -> dict[str, dict[str, Any]]:
    """p50/p95 (ms) of every case whose function exists in catalogue.read."""
    keys = sample_keys(engine)
    measured: dict[str, dict[str, Any]] = {}
    for case in CASES:
        function = getattr(read, case.function, None)
        if function is None:
            measured[case.label] = {"page": case.page, "missing": True}
            continue
        try:
            samples = repeat_ms(lambda: case.call(function, engine, keys), repeats)
        except Exception as error:  # a query whose signature changed is reported, not fatal
            measured[case.label] = {"page": case.page, "failed": f"{type(error).__name__}: {error}"[:300]}
            continue
        measured[case.label] = {"page": case.page, "p50_ms": percentile(samples, 0.5),
                                "p95_ms": percentile(samples, 0.95), "max_ms": max(samples),
                                "calls": len(samples)}
        uncached = getattr(function, "uncached", None)
        if uncached is not None:
            # Revision-cached queries: also time the computation itself, as the first call after a write pays it.
            cold = repeat_ms(lambda: case.call(uncached, engine, keys), max(3, repeats // 4))
            measured[case.label] |= {"cold_p50_ms": percentile(cold, 0.5), "cold_p95_ms": percentile(cold, 0.95)}
    return measured


def run(engines: dict[str, Engine], repeats: int, label: str) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    for backend, engine in engines.items():
        measured = run_cases(engine, repeats)
        timed = {k: v for k, v in measured.items() if "p95_ms" in v}
        worst = max(timed, key=lambda k: timed[k]["p95_ms"])
        results[backend] = {"queries": measured, "query_p95_ms": timed[worst]["p95_ms"], "query_p95_worst": worst,
                            "queries_over_budget": sorted(k for k, v in timed.items()
                                                          if v["p95_ms"] > QUERY_P95_BUDGET_MS)}
    rows = []
    for case in CASES:
        row: list[Any] = [case.page, case.label]
        for backend in engines:
            entry = results[backend]["queries"][case.label]
            if entry.get("missing") or entry.get("failed"):
                row += ["missing" if entry.get("missing") else "FAILED", entry.get("failed", "")[:60], ""]
            else:
                over = " OVER" if entry["p95_ms"] > QUERY_P95_BUDGET_MS else ""
                cold = entry.get("cold_p50_ms")
                row += [entry["p50_ms"], f"{entry['p95_ms']:.1f}{over}", "-" if cold is None else f"{cold:.1f}"]
        rows.append(row)
    header = ["page", "query"] + [f"{b} {q}" for b in engines for q in ("p50 ms", "p95 ms", "after a write p50 ms")]
    print(table(f"Read queries on {label} ({repeats} calls each; budget p95 <= {QUERY_P95_BUDGET_MS:g} ms)",
                header, rows))
    missing = uncovered_functions()
    if missing:
        print(f"not measured (no known page arguments): {', '.join(missing)}")
    for backend in engines:
        results[backend]["queries_not_measured"] = missing
    return results
