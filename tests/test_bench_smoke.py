"""The benchmarks keep working: each part runs at tiny sizes and reports positive figures.

Not a performance test: the figures are only checked to exist and be positive, and
the results document to have the keys BENCHMARKS.md and the summary read.
"""

from __future__ import annotations

import json

import pytest

from bench import import_bench, large_catalogue, page_bench, query_bench, search_bench, trials_bench
from bench.databases import BenchDatabases
from bench.runner import run_benchmarks
from bench.sizes import TINY
from catalogue import db

HEADLINE_KEYS = ("import_vs_parse_ratio", "detect_constructs_per_s", "trials_import_s", "trials_vs_read_csv_ratio",
                 "query_p95_ms", "search_p95_ms", "search_dna_p95_ms")


def _positive(figures: dict, keys) -> None:
    for key in keys:
        assert isinstance(figures.get(key), (int, float)), f"{key} missing from {sorted(figures)}"
        assert figures[key] > 0, f"{key} = {figures[key]}"


def _small_trials_file(shared_data):
    return [p for p in trials_bench.snapshot_files() if p.name.startswith("Rheumatology")]


def _run_parts(databases: BenchDatabases, backend: str, tmp_path, shared_data) -> dict:
    figures: dict = {}
    imported = import_bench.run(databases, TINY, tmp_path / "work")
    assert imported["baseline"]["records"] == TINY.records
    figures.update(imported[backend])
    trials = trials_bench.run(databases, _small_trials_file(shared_data))
    figures.update(trials[backend])
    assert set(figures["reimport_outcomes"]) == {"unchanged"}, "re-importing the same snapshot wrote something"
    url = databases.new_url(backend, "large")
    counts = large_catalogue.build(url, constructs=TINY.constructs, trials=TINY.trials, domains=TINY.domains)
    assert counts.rows["construct"] == TINY.constructs and counts.rows["trial"] == TINY.trials
    assert counts.rows["domain"] >= 0.9 * TINY.domains
    engine = db.make_engine(url)
    try:
        figures.update(query_bench.run({backend: engine}, 2, "tiny")[backend])
        figures.update(search_bench.run({backend: engine}, 2, "tiny")[backend])
    finally:
        engine.dispose()
    measured = figures["queries"]
    assert all(not entry.get("missing") for entry in measured.values()), "a benchmarked query function is gone"
    return figures


def test_bench_parts_on_sqlite(shared_data, tmp_path):
    databases = BenchDatabases(tmp_path / "db", None)
    figures = _run_parts(databases, "sqlite", tmp_path, shared_data)
    _positive(figures, HEADLINE_KEYS)


@pytest.mark.postgresql
def test_bench_parts_on_postgresql(shared_data, tmp_path, postgres_server):
    databases = BenchDatabases(tmp_path / "db", postgres_server)
    figures = _run_parts(databases, "postgresql", tmp_path, shared_data)
    _positive(figures, HEADLINE_KEYS)


def test_results_document(shared_data, tmp_path):
    out = tmp_path / "results.json"
    results = run_benchmarks(TINY, ("import", "queries"), postgres=None, work=tmp_path / "work", out=out)
    written = json.loads(out.read_text())
    assert written["mode"] == "tiny" and written["machine"]["cores"] >= 1
    assert written["machine"]["sqlite"] and written["machine"]["python"]
    _positive(written["sqlite"], ("import_vs_parse_ratio", "detect_constructs_per_s", "query_p95_ms"))
    assert written["sqlite"]["query_p95_worst"] in written["sqlite"]["queries"]
    assert results["sqlite"]["query_p95_ms"] == written["sqlite"]["query_p95_ms"]


@pytest.mark.skipif(not page_bench.discover_pages(), reason="app.py declares no pages yet")
def test_page_rerun_is_timed(tmp_path):
    from catalogue import curation

    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    curation.load_demo(engine, curation.local_operator())
    engine.dispose()
    first = page_bench.discover_pages()[0]
    results = page_bench.run({"sqlite": {"demo": url}}, 1, [first])
    assert results["sqlite"]["page_rerun_ms"] > 0 and results["sqlite"]["page_warm_rerun_ms"] > 0
