"""One benchmark run: the parts asked for, their results merged per database, and the summary."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from bench import (
    browser_bench,
    import_bench,
    large_catalogue,
    machine,
    memory_bench,
    page_bench,
    query_bench,
    search_bench,
    trials_bench,
)
from bench.databases import BenchDatabases
from bench.measure import table
from bench.sizes import Sizes
from catalogue import curation, db
from catalogue.db.throwaway_postgres import ThrowawayPostgres

PARTS = ("import", "trials", "queries", "search", "pages", "memory", "browser")
RESULTS = Path(__file__).resolve().parent / "results.json"


def _merge(results: dict[str, Any], part: str, figures: dict[str, dict[str, Any]]) -> None:
    for key, values in figures.items():
        if key == "baseline":
            results["baselines"].setdefault(part, {}).update(values)
        else:
            results.setdefault(key, {}).update(values)


def _demo_catalogue(databases: BenchDatabases, backend: str) -> str:
    url = databases.new_url(backend, "demo")
    engine = db.make_engine(url)
    try:
        db.upgrade(engine)
        curation.load_demo(engine, curation.local_operator())
    finally:
        engine.dispose()
    return url


def run_benchmarks(sizes: Sizes, parts: tuple[str, ...] = PARTS, *, postgres: ThrowawayPostgres | None,
                   work: Path, out: Path | None = RESULTS, postgres_note: str | None = None,
                   merge: bool = False, browser_options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run ``parts`` at ``sizes``; returns (and writes to ``out``) the results document.

    With ``merge``, figures of an earlier run in ``out`` that this run did not measure are kept
    (for running the parts one at a time at the same sizes). ``browser_options`` go to
    :func:`bench.browser_bench.run` (``visits``, ``only``, ``baseline_app``).
    """
    started = time.perf_counter()
    databases = BenchDatabases(work / "databases", postgres)
    results: dict[str, Any] = {"machine": machine.describe_machine(), "mode": sizes.mode,
                               "sizes": sizes.as_dict(), "parts": list(parts), "baselines": {},
                               "sqlite": {}}
    if postgres is not None:
        results["postgresql"] = {}
    else:
        results["postgresql_skipped"] = postgres_note or "no PostgreSQL server"
    if "import" in parts:
        _merge(results, "import", import_bench.run(databases, sizes, work))
    if "trials" in parts:
        _merge(results, "trials", trials_bench.run(databases))
    large: dict[str, str] = {}
    if {"queries", "search", "pages", "memory"} & set(parts):
        generated = []
        for backend in databases.backends:
            url = databases.new_url(backend, "large")
            counts = large_catalogue.build(url, constructs=sizes.constructs, trials=sizes.trials,
                                           domains=sizes.domains)
            large[backend] = url
            results[backend]["large_catalogue"] = counts.as_dict()
            generated.append((backend, *(counts.rows.get(t, 0) for t in ("construct", "sequencerecord", "domain",
                                                                          "trial")), counts.seconds))
        print(table("Large catalogue (demo + generated rows; bulk Core inserts on SQLite, COPY on PostgreSQL)",
                    ("database", "constructs", "records", "domains", "trials", "seconds"), generated))
    label = f"{sizes.constructs:,} constructs / {sizes.trials:,} trials / {sizes.domains:,} domains"
    for part, bench_module in (("queries", query_bench), ("search", search_bench)):
        if part in parts:
            engines = {backend: db.make_engine(url) for backend, url in large.items()}
            try:
                _merge(results, part, bench_module.run(engines, sizes.query_repeats, label))
            finally:
                for engine in engines.values():
                    engine.dispose()
    if "pages" in parts:
        catalogues = {backend: {"demo": _demo_catalogue(databases, backend), "large": url}
                      for backend, url in large.items()}
        _merge(results, "pages", page_bench.run(catalogues, sizes.page_repeats))
    if "memory" in parts:
        _merge(results, "memory", memory_bench.run(large))
    if "browser" in parts:
        options = dict(browser_options or {})
        visits = options.pop("visits", None) or sizes.page_repeats
        _merge(results, "browser", browser_bench.run(databases.new_url("sqlite", "browser"), visits,
                                                     work / "browser", **options))
    results["seconds"] = time.perf_counter() - started
    print(summary(results))
    if out is not None:
        if merge and out.exists():
            results = _merged_with(json.loads(out.read_text(encoding="utf-8")), results)
        out.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
        print(f"\nwrote {out}")
    return results


def _merged_with(earlier: dict[str, Any], later: dict[str, Any]) -> dict[str, Any]:
    merged = dict(earlier)
    for key, value in later.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict) and key != "machine":
            merged[key] = {**merged[key], **value}
        elif key == "parts":
            merged[key] = sorted(set(merged.get(key, [])) | set(value))
        else:
            merged[key] = value
    return merged


def summary(results: dict[str, Any]) -> str:
    """The closing table: each headline figure against its budget or baseline, per database."""
    checks = (
        ("import_vs_parse_ratio", "import / bare Bio.SeqIO.parse", lambda v: v <= import_bench.IMPORT_RATIO_BUDGET,
         f"<= {import_bench.IMPORT_RATIO_BUDGET:g}x", "x"),
        ("import_one_by_one_vs_parse_ratio", "  the same, file by file", None, "-", "x"),
        ("detect_constructs_per_s", "detection, one core", lambda v: v >= import_bench.DETECT_RATE_BUDGET,
         f">= {import_bench.DETECT_RATE_BUDGET:g}/s", "/s"),
        ("detect_batch_constructs_per_s", "detection, batch import", None, "-", "/s"),
        ("trials_import_s", "trials import (both snapshots)", None, f"<= {trials_bench.TRIALS_BUDGET_S:g} s (SQLite)",
         " s"),
        ("trials_vs_read_csv_ratio", "trials import / pandas.read_csv", None, "ratio", "x"),
        ("trials_reimport_s", "trials re-import (no-op)", None, "-", " s"),
        ("query_p95_ms", "worst read query p95", lambda v: v <= query_bench.QUERY_P95_BUDGET_MS,
         f"<= {query_bench.QUERY_P95_BUDGET_MS:g} ms", " ms"),
        ("search_p95_ms", "sequence search p95 (CAR, protein)",
         lambda v: v <= search_bench.SEARCH_P95_BUDGET_MS, f"<= {search_bench.SEARCH_P95_BUDGET_MS:g} ms", " ms"),
        ("search_dna_p95_ms", "sequence search p95 (CAR, DNA)", None, "-", " ms"),
        ("search_foreign_binder_p95_ms", "sequence search p95 (binder not held)", None, "-", " ms"),
        ("search_cpu_p95_ms", "sequence search CPU p95 (CAR, protein)", None, "-", " ms"),
        ("page_rerun_ms", "worst page rerun (cold cache)", lambda v: v <= page_bench.PAGE_RERUN_BUDGET_MS,
         f"<= {page_bench.PAGE_RERUN_BUDGET_MS:g} ms", " ms"),
        ("page_warm_rerun_ms", "worst page rerun (warm cache)", lambda v: v <= page_bench.PAGE_RERUN_BUDGET_MS,
         f"<= {page_bench.PAGE_RERUN_BUDGET_MS:g} ms", " ms"),
        ("app_peak_rss_mib", "app peak RSS (large catalogue)", None, "-", " MiB"),
        ("browser_ratio_worst", "worst first view / its floor (browser)",
         lambda v: v <= browser_bench.FIRST_VIEW_RATIO_TARGET, f"<= {browser_bench.FIRST_VIEW_RATIO_TARGET:g}x", "x"),
    )
    rows = []
    for key, what, within, budget, unit in checks:
        for backend in ("sqlite", "postgresql"):
            value = results.get(backend, {}).get(key)
            if not isinstance(value, (int, float)):
                continue
            ok = within
            if key == "trials_import_s":
                ok = (lambda v: v <= trials_bench.TRIALS_BUDGET_S) if backend == "sqlite" else None
            verdict = "-" if ok is None else ("within" if ok(value) else "MISSED")
            worst = results[backend].get({"query_p95_ms": "query_p95_worst",
                                          "page_rerun_ms": "page_rerun_worst",
                                          "browser_ratio_worst": "browser_worst_page"}.get(key, ""), "")
            rows.append((what, backend, f"{value:,.2f}{unit}", budget, verdict, worst))
    return table(f"Summary ({results['mode']} run): ratios and budgets, baselines measured in this run",
                 ("figure", "database", "value", "budget", "verdict", "worst case"), rows)
