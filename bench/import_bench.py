"""Import: GenBank files through the real service layer, against bare Biopython parsing.

The baseline is ``list(Bio.SeqIO.parse(path, "genbank"))`` of the same files. The import is
:func:`catalogue.curation.import_sequence_files` into a fresh database, as ``catalogue import
sequences`` and Curate run it (parsing in a second process, ahead of the writes), without domain
detection (budget: at most 2x the bare parse); for comparison, the same files one by one through
:func:`catalogue.curation.import_sequences`, where parsing and writing take turns in one process.
Detection is measured on a smaller corpus: file by file, on one core (budget: at least 150
constructs/s), through the batch import with one parsing process per core (the all-core figure; the
corpus is split into at least four files so that every process has files to take), and without the
database (:func:`catalogue.curation.prepare_sequences`, parse and detection alone, one core).
"""

from __future__ import annotations

import time
from pathlib import Path

from Bio import SeqIO

from bench.databases import BenchDatabases
from bench.genbank_corpus import Corpus, binder_library, write_corpus
from bench.measure import table
from bench.sizes import Sizes
from catalogue import curation
from catalogue.detect.domains import forget_seen_chains

IMPORT_RATIO_BUDGET = 1.5
DETECT_RATE_BUDGET = 150.0
DETECT_FILES = 4  # the detection corpus is split into at least this many files


def bare_parse_s(corpus: Corpus) -> float:
    """Seconds to read every record of the corpus with plain Biopython (best of two passes)."""
    best = float("inf")
    for _ in range(2):
        started = time.perf_counter()
        count = sum(len(list(SeqIO.parse(path, "genbank"))) for path in corpus.files)
        best = min(best, time.perf_counter() - started)
        if count != corpus.records:
            raise RuntimeError(f"Biopython read {count} records, the corpus has {corpus.records}")
    return best


def import_s(databases: BenchDatabases, backend: str, corpus: Corpus, *, detect: bool,
             one_by_one: bool = False) -> tuple[float, float]:
    """Seconds to import the corpus into a fresh database (wall clock, and this process's CPU time: the
    whole cost when parsing and SQLite run in it, and unaffected by other work waiting for the cores);
    every record must be created."""
    label = "import-detect" if detect else "import-single" if one_by_one else "import"
    engine = databases.new_engine(backend, label)
    actor = curation.local_operator()
    forget_seen_chains()  # each run meets its records for the first time, as a real import would
    try:
        started, cpu = time.perf_counter(), time.process_time()
        if one_by_one:
            reports = [curation.import_sequences(engine, actor, path.name, path.read_bytes(), detect=detect)
                       for path in corpus.files]
        else:
            files = ((path.name, path.read_bytes()) for path in corpus.files)
            reports = curation.import_sequence_files(engine, actor, files, detect=detect)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        engine.dispose()
    created = sum(r.counts().get("created", 0) for r in reports)
    errors = [r.error for r in reports if r.error]
    if errors or created != corpus.records:
        raise RuntimeError(f"{backend} import created {created} of {corpus.records} records; errors: {errors[:3]}")
    return elapsed, cpu


def prepare_s(corpus: Corpus) -> tuple[float, float]:
    """Seconds (wall, CPU) to parse the corpus and detect its domains without a database, in this process."""
    contents = [(path.name, path.read_bytes()) for path in corpus.files]
    curation.prepare_sequences(*contents[0], detect=True)  # loads the HMMs and the parts, as every later run finds them
    forget_seen_chains()
    started, cpu = time.perf_counter(), time.process_time()
    records = sum(len(curation.prepare_sequences(name, content, detect=True).drafts) for name, content in contents)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if records != corpus.records:
        raise RuntimeError(f"prepare_sequences read {records} records, the corpus has {corpus.records}")
    return elapsed, cpu


def run(databases: BenchDatabases, sizes: Sizes, work: Path) -> dict[str, dict[str, float]]:
    library = binder_library()
    corpus = write_corpus(work / "corpus", sizes.records, sizes.records_per_file, library=library)
    detect_per_file = max(1, min(sizes.records_per_file, sizes.detect_records // DETECT_FILES))
    detect_corpus = write_corpus(work / "corpus-detect", sizes.detect_records, detect_per_file,
                                 seed=7, library=library, prefix="BD")
    parse = bare_parse_s(corpus)
    prepared, prepared_cpu = prepare_s(detect_corpus)
    results: dict[str, dict[str, float]] = {"baseline": {"bare_parse_s": parse, "records": corpus.records,
                                                         "files": len(corpus.files), "detect_prepare_s": prepared,
                                                         "detect_prepare_constructs_per_s":
                                                             detect_corpus.records / prepared,
                                                         "detect_prepare_constructs_per_cpu_s":
                                                             detect_corpus.records / prepared_cpu}}
    rows = [("bare Bio.SeqIO.parse", "-", corpus.records, parse, corpus.records / parse, "baseline"),
            ("prepare_sequences, detect=True (no database)", "-", detect_corpus.records, prepared,
             detect_corpus.records / prepared,
             f"parse + detection alone, one core; {detect_corpus.records / prepared_cpu:.1f}/s of CPU")]
    for backend in databases.backends:
        plain, _ = import_s(databases, backend, corpus, detect=False)
        single, _ = import_s(databases, backend, corpus, detect=False, one_by_one=True)
        detected, detected_cpu = import_s(databases, backend, detect_corpus, detect=True, one_by_one=True)
        detected_batch, _ = import_s(databases, backend, detect_corpus, detect=True)
        results[backend] = {
            "import_s": plain,
            "import_records_per_s": corpus.records / plain,
            "import_vs_parse_ratio": plain / parse,
            "import_one_by_one_s": single,
            "import_one_by_one_vs_parse_ratio": single / parse,
            "detect_import_s": detected,
            "detect_records": detect_corpus.records,
            "detect_constructs_per_s": detect_corpus.records / detected,
            "detect_constructs_per_cpu_s": detect_corpus.records / detected_cpu,
            "detect_batch_import_s": detected_batch,
            "detect_batch_constructs_per_s": detect_corpus.records / detected_batch,
        }
        rows.append(("import_sequence_files, detect=False", backend, corpus.records, plain,
                     corpus.records / plain, f"{plain / parse:.2f}x parse (budget <= {IMPORT_RATIO_BUDGET:g}x)"))
        rows.append(("  the same, file by file (import_sequences)", backend, corpus.records, single,
                     corpus.records / single, f"{single / parse:.2f}x parse (for comparison)"))
        rows.append(("import_sequences file by file, detect=True", backend, detect_corpus.records, detected,
                     detect_corpus.records / detected,
                     f"one core; budget >= {DETECT_RATE_BUDGET:g}/s; {detect_corpus.records / detected_cpu:.1f}/s of CPU"))
        rows.append(("import_sequence_files, detect=True", backend, detect_corpus.records, detected_batch,
                     detect_corpus.records / detected_batch,
                     f"all cores: {curation.parsing_processes(True)} parsing process(es), "
                     f"{len(detect_corpus.files)} files"))
    print(table(f"Import: {corpus.records:,} GenBank records in {len(corpus.files)} files",
                ("what", "database", "records", "seconds", "records/s", "note"), rows))
    return results
