"""Trials: both CAR-T Trials Monitor snapshots through the service layer, against pandas.read_csv.

:func:`catalogue.curation.import_trials` parses, classifies targets and writes every
trial of ``../shared/data/trials/*_trials.csv`` into a fresh database (budget on
SQLite: 3 s for both files); then the same files again, which must change nothing.
The baseline is ``pandas.read_csv`` of the same files.
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

from bench.databases import BenchDatabases
from bench.genbank_corpus import SHARED_DATA
from bench.measure import table
from catalogue import curation

TRIALS_BUDGET_S = 3.0


def snapshot_files() -> list[Path]:
    files = sorted((SHARED_DATA / "trials").glob("*_2026-08-22_trials.csv"))
    if not files:
        raise FileNotFoundError(f"no *_trials.csv in {SHARED_DATA / 'trials'}")
    return files


def read_csv_s(files: list[Path]) -> tuple[float, int]:
    """Seconds for ``pandas.read_csv`` of every file (best of three), and the rows read."""
    best, rows = float("inf"), 0
    for _ in range(3):
        started = time.perf_counter()
        rows = sum(len(pd.read_csv(path)) for path in files)
        best = min(best, time.perf_counter() - started)
    return best, rows


def _import_all(engine, files: list[Path]) -> tuple[float, dict[str, int]]:
    actor = curation.local_operator()
    started = time.perf_counter()
    reports = [curation.import_trials(engine, actor, path.name, path.read_bytes()) for path in files]
    elapsed = time.perf_counter() - started
    errors = [r.error for r in reports if r.error]
    if errors:
        raise RuntimeError(f"trial import failed: {errors}")
    outcomes: dict[str, int] = {}
    for report in reports:
        for outcome, count in report.counts().items():
            outcomes[outcome] = outcomes.get(outcome, 0) + count
    return elapsed, outcomes


def run(databases: BenchDatabases, files: list[Path] | None = None) -> dict[str, dict[str, object]]:
    files = files or snapshot_files()
    baseline_s, rows_read = read_csv_s(files)
    results: dict[str, dict[str, object]] = {"baseline": {"read_csv_s": baseline_s, "rows": rows_read,
                                                          "files": [p.name for p in files]}}
    rows = [("pandas.read_csv", "-", rows_read, baseline_s, "", "baseline")]
    for backend in databases.backends:
        engine = databases.new_engine(backend, "trials")
        try:
            first_s, first = _import_all(engine, files)
            again_s, again = _import_all(engine, files)
        finally:
            engine.dispose()
        written = {k: v for k, v in again.items() if k not in ("unchanged",)}
        results[backend] = {
            "trials_import_s": first_s,
            "trials_reimport_s": again_s,
            "trials_vs_read_csv_ratio": first_s / baseline_s,
            "trials_outcomes": first,
            "reimport_outcomes": again,
        }
        budget = f"budget <= {TRIALS_BUDGET_S:g} s" if backend == "sqlite" else ""
        rows.append(("import_trials, fresh", backend, sum(first.values()), first_s,
                     _outcomes(first), f"{first_s / baseline_s:.0f}x read_csv; {budget}"))
        rows.append(("import_trials, again", backend, sum(again.values()), again_s, _outcomes(again),
                     "no-op" if not written else f"WROTE {written}"))
    print(table(f"Trials: {', '.join(p.name for p in files)}",
                ("what", "database", "records", "seconds", "outcomes", "note"), rows))
    return results


def _outcomes(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
