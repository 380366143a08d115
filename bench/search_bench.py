"""Find by sequence: p50/p95 of ``read.search_sequence`` for CAR-length queries on the large catalogue.

Queries are real chains of the catalogue under test (the store's CAR chains of 400 residues or more),
each with three substitutions so that no query is an exact copy, asked as protein and as DNA (the
chain back-translated with the design codon table, so the search runs detection on six frames). The
calls cycle through the queries. A second set, the approved products' CARs, carries binders the
generated catalogue does not hold, so their hits come from the shared domains. The first call after the process starts also reads the search store
into memory, measured on its own ("store load"). Budget: p95 at most 300 ms for a protein query.
"""

from __future__ import annotations

import os
import random
import time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bench.genbank_corpus import SHARED_DATA
from bench.measure import percentile, table
from catalogue import read
from catalogue.db.models import SearchSequence, SequenceSegment
from catalogue.design import HUMAN_CODONS, STOP_CODON
from catalogue.read import search as search_module

SEARCH_P95_BUDGET_MS = 300.0
# Approved products' CARs (../shared/data): binders the generated catalogue does not hold, so the search
# goes on to the domains every generated CAR shares, the costliest path.
FOREIGN_CARS = ("Tisacel_patentUS9499629B2_protein_translated.fasta", "Axicel_HM852952_protein_translated.fasta",
                "Idecel_patentWO2021091978A1_protein.fasta", "Ciltacel_Oezdemirli_protein_translated.fasta")
QUERIES = 8
SUBSTITUTIONS = 3
_AMINO = "ACDEFGHIKLMNPQRSTVWY"


def car_queries(engine: Engine, count: int = QUERIES, seed: int = 17) -> list[str]:
    """``count`` CAR chains of the catalogue, each with a few substitutions."""
    with engine.connect() as connection:
        proteins = list(connection.execute(
            select(SearchSequence.protein)
            .join(SequenceSegment, SequenceSegment.search_sequence_id == SearchSequence.id)
            .where(SequenceSegment.kind == "chain", SearchSequence.length >= 400)
            .group_by(SearchSequence.id, SearchSequence.protein).order_by(SearchSequence.id).limit(200)
        ).scalars())
    rng = random.Random(seed)
    chosen = rng.sample(proteins, min(count, len(proteins)))
    queries = []
    for protein in chosen:
        letters = list(protein)
        for position in rng.sample(range(30, len(letters)), SUBSTITUTIONS):
            letters[position] = rng.choice([a for a in _AMINO if a != letters[position]])
        queries.append("".join(letters))
    return queries


def _timed(engine: Engine, queries: list[str], repeats: int) -> tuple[list[float], list[float], list[int]]:
    """Wall-clock and CPU milliseconds of each call (CPU time of this process: what the search itself
    costs when other processes compete for the cores), and each call's number of hits."""
    samples, cpu, hits = [], [], []
    for call in range(repeats):
        query = queries[call % len(queries)]
        started, started_cpu = time.perf_counter(), time.process_time()
        result = read.search_sequence(engine, query)
        samples.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        hits.append(len(result["hits"]))
    return samples, cpu, hits


def run_case(engine: Engine, repeats: int) -> dict[str, Any]:
    proteins = car_queries(engine)
    if not proteins:
        return {"skipped": "no CAR chain of 400 residues or more in the search store"}
    dna = ["ATG" + "".join(HUMAN_CODONS[a] for a in p[1:]) + STOP_CODON for p in proteins]
    search_module._stores.clear()
    started = time.perf_counter()
    read.search_sequence(engine, proteins[0])
    first_ms = (time.perf_counter() - started) * 1000
    sizes = read.search_store_size(engine)
    protein_ms, protein_cpu, protein_hits = _timed(engine, proteins, repeats)
    dna_ms, dna_cpu, _ = _timed(engine, dna, max(QUERIES, repeats // 2))
    foreign = [(SHARED_DATA / "sequences" / name).read_text() for name in FOREIGN_CARS
               if (SHARED_DATA / "sequences" / name).exists()]
    foreign_ms, foreign_cpu, _ = _timed(engine, foreign, max(QUERIES, repeats // 2)) if foreign else ([0.0], [0.0], [])
    with engine.connect() as connection:
        segments = connection.execute(select(func.count(SequenceSegment.id))).scalar_one()
    return {
        "search_p50_ms": percentile(protein_ms, 0.5), "search_p95_ms": percentile(protein_ms, 0.95),
        "search_dna_p50_ms": percentile(dna_ms, 0.5), "search_dna_p95_ms": percentile(dna_ms, 0.95),
        "search_cpu_p50_ms": percentile(protein_cpu, 0.5), "search_cpu_p95_ms": percentile(protein_cpu, 0.95),
        "search_dna_cpu_p95_ms": percentile(dna_cpu, 0.95),
        "search_foreign_binder_p50_ms": percentile(foreign_ms, 0.5),
        "search_foreign_binder_p95_ms": percentile(foreign_ms, 0.95),
        "search_foreign_binder_cpu_p95_ms": percentile(foreign_cpu, 0.95),
        "search_first_call_ms": first_ms, "load_average": os.getloadavg()[0], "search_calls": len(protein_ms),
        "search_hits_median": sorted(protein_hits)[len(protein_hits) // 2],
        "search_query_length_median": sorted(map(len, proteins))[len(proteins) // 2],
        "search_store": {**sizes, "segment_rows": segments},
    }


def run(engines: dict[str, Engine], repeats: int, label: str) -> dict[str, dict[str, Any]]:
    results = {backend: run_case(engine, repeats) for backend, engine in engines.items()}
    rows = []
    for backend, figures in results.items():
        if "skipped" in figures:
            rows.append((backend, figures["skipped"], "", "", "", "", "", "", ""))
            continue
        store = figures["search_store"]
        over = " OVER" if figures["search_p95_ms"] > SEARCH_P95_BUDGET_MS else ""
        rows.append((backend, f"{figures['search_p50_ms']:.1f} / {figures['search_p95_ms']:.1f}{over}",
                     f"{figures['search_cpu_p50_ms']:.1f} / {figures['search_cpu_p95_ms']:.1f}",
                     f"{figures['search_dna_p50_ms']:.1f} / {figures['search_dna_p95_ms']:.1f}",
                     f"{figures['search_foreign_binder_p50_ms']:.1f} / {figures['search_foreign_binder_p95_ms']:.1f}",
                     f"{figures['search_first_call_ms']:.0f}", f"{store['segment_rows']:,}",
                     f"{store['distinct_chains']:,} / {store['distinct_binders']:,} / {store['distinct_domains']:,}",
                     figures["search_hits_median"]))
    print(table(f"Find by sequence on {label} (CAR-length queries, 3 substitutions; budget p95 <= "
                f"{SEARCH_P95_BUDGET_MS:g} ms)",
                ("database", "protein p50 / p95 ms", "protein CPU p50 / p95 ms", "DNA p50 / p95 ms", "binder not held p50 / p95 ms", "first call (store load) ms",
                 "segments", "distinct chains / binders / domains", "hits (median)"), rows))
    return results
