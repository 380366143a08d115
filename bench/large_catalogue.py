"""A large generated catalogue for the read-query and page benchmarks.

The database starts as the demo catalogue (loaded through the service layer), then
receives ``constructs`` generated constructs, ``trials`` trials, 0-3 sequence
records per construct and about ``domains`` domains (8-12 per record), with their
target and trial-construct links.

THIS IS A BENCHMARK FIXTURE: the generated rows are written with bulk SQLAlchemy Core
inserts on SQLite and ``COPY`` on PostgreSQL, bypassing the service layer (no
validation, no audit events), because going through it would take hours at this size
and the subject here is reading, not writing. The rows are shaped like the real
ones: targets drawn from the demo targets with CD19 and BCMA the most common, the
registry vocabularies for phases and statuses, start years 2012-2026, a few hundred
sponsors, countries, domains in CAR order with the reference parts' real labels and
lengths, and binder checksums (SEGUIDs of real Thera-SAbDab V domains) shared between
constructs that use the same binder. Sequences are real back-translated designs from a
small pool, so one sequence appears in many rows; their ``checksum`` values are
therefore unique placeholders (``bench:...``), not SEGUIDs. The search store (``searchsequence``,
``sequencesegment``) is filled as the service layer fills it, from
:func:`catalogue.detect.segments.record_segments` of each design (with and without its domains).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from seguid import lsseguid
from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.engine import Engine

from bench.genbank_corpus import binder_library
from catalogue import curation, db
from catalogue.db.models import (
    Construct,
    ConstructTarget,
    Domain,
    Programme,
    SearchSequence,
    SequenceRecord,
    SequenceSegment,
    Target,
    Trial,
    TrialConstruct,
    TrialTarget,
)
from catalogue.design import HUMAN_CODONS, STOP_CODON
from catalogue.detect.binders import ReferenceBinder
from catalogue.detect.parts import part_named
from catalogue.detect.segments import record_segments

CHUNK = 20_000  # rows per insert batch
TARGET_WEIGHTS = {"CD19": 30, "BCMA": 20, "CD22": 8, "CD20": 6, "GPRC5D": 5, "CD7": 4, "Mesothelin": 4,
                  "CD30": 3, "CD38": 3, "CD123": 3, "CS1": 3, "FLT3": 2}
INDICATIONS = {
    "CD19": ["B-ALL", "DLBCL", "CLL", "FL", "MCL", "SLE", "NHL"], "BCMA": ["MM", "SLE", "NMOSD"],
    "CD22": ["B-ALL", "DLBCL"], "CD20": ["DLBCL", "NHL", "FL"], "GPRC5D": ["MM"], "CD7": ["T-ALL", "T-LBL"],
    "Mesothelin": ["mesothelioma", "ovarian cancer", "pancreatic cancer"], "CD30": ["Hodgkin lymphoma", "ALCL"],
    "CD38": ["MM", "AML"], "CD123": ["AML", "BPDCN"], "CS1": ["MM"], "FLT3": ["AML"],
}
CATEGORY = {"SLE": "autoimmune", "NMOSD": "autoimmune", "mesothelioma": "solid tumour",
            "ovarian cancer": "solid tumour", "pancreatic cancer": "solid tumour"}
PHASES = ((["PHASE1"], 50), (["PHASE1", "PHASE2"], 22), (["PHASE2"], 12), (["EARLY_PHASE1"], 8),
          (["PHASE3"], 3), (["NA"], 2), (None, 3))
STATUSES = (("RECRUITING", 35), ("UNKNOWN", 20), ("COMPLETED", 15), ("NOT_YET_RECRUITING", 12),
            ("ACTIVE_NOT_RECRUITING", 8), ("TERMINATED", 4), ("WITHDRAWN", 3), ("ENROLLING_BY_INVITATION", 3))
COUNTRIES = ((["China"], 58), (["United States"], 22), (["China", "United States"], 3), (["Germany"], 3),
             (["France", "Germany", "Spain"], 2), (["United Kingdom"], 2), (["Japan"], 2), (["Israel"], 1),
             (["Australia"], 1), (None, 6))
MODALITIES = (("CAR-T", 85), ("TCR-T", 8), ("CAR-NK", 5), ("CAAR-T", 1), ("other", 1))
CONSTRUCT_STATUSES = (("clinical", 50), ("preclinical", 35), ("discontinued", 10), ("approved", 1), (None, 4))
VECTORS = (("lentiviral", 70), ("gammaretroviral", 20), ("transposon", 5), ("mRNA", 3), (None, 2))
SEQUENCE_RECORDS_PER_CONSTRUCT = ((0, 35), (1, 40), (2, 15), (3, 10))
START_YEARS = tuple((year, year - 2008) for year in range(2012, 2027))  # more trials every year
SIGNALS = ("cd8a_signal_peptide", "csf2ra_signal_peptide", "igk_leader")
LINKERS = ("g4s3_linker", "whitlow_218_linker")
HINGES = ("cd8a_hinge", "cd28_hinge", "igg4_hinge")
TRANSMEMBRANES = ("cd8a_transmembrane", "cd28_transmembrane")
COSTIMULATION = ((("tnfrsf9_costimulatory",), 55), (("cd28_costimulatory",), 30),
                 (("cd28_costimulatory", "tnfrsf9_costimulatory"), 15))
EPOCH = datetime(2024, 1, 1, tzinfo=timezone.utc)


def _pick(rng: random.Random, weighted: Sequence[tuple[Any, int]]) -> Any:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


@dataclass
class GeneratedCounts:
    """Rows written per table, and how long generation and writing took."""

    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "seconds": self.seconds}


class _Writer:
    """Bulk inserts into one database: Core executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"

    def write(self, table: Table, columns: list[str], rows: Iterator[tuple]) -> int:
        count = 0
        json_columns = {c for c in columns if table.c[c].type.__class__.__name__ == "JSON"}
        with self.engine.begin() as connection:
            if self.postgres:
                cursor = connection.connection.driver_connection.cursor()
                json_at = [i for i, c in enumerate(columns) if c in json_columns]
                quoted = ", ".join(f'"{c}"' for c in columns)
                with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
                    for row in rows:
                        if json_at:
                            row = list(row)
                            for i in json_at:
                                if row[i] is not None:
                                    row[i] = json.dumps(row[i])
                        copy.write_row(row)
                        count += 1
            else:
                statement = insert(table)
                batch: list[dict] = []
                for row in rows:
                    batch.append(dict(zip(columns, row)))
                    if len(batch) >= CHUNK:
                        connection.execute(statement, batch)
                        count += len(batch)
                        batch = []
                if batch:
                    connection.execute(statement, batch)
                    count += len(batch)
        return count

    def finish(self, tables: list[Table]) -> None:
        """Move PostgreSQL's id sequences past the explicit ids, and gather planner statistics.

        PostgreSQL's autovacuum would analyze these tables on its own after such a load;
        running ANALYZE here only makes that happen before the measurements. SQLite's
        statistics are left as the app leaves them (it never runs ANALYZE).
        """
        if not self.postgres:
            return
        with self.engine.begin() as connection:
            for table in tables:
                if "id" in table.c:
                    connection.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                        f"(SELECT max(id) FROM \"{table.name}\"))"))
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))


@dataclass
class _Design:
    """One generated CAR layout: domain kinds, labels, references and protein lengths, in order."""

    domains: list[tuple[str, str, str | None, int]]
    dna: str


def _designs(rng: random.Random, binders: list[ReferenceBinder], count: int) -> list[tuple[_Design, str, str]]:
    """``count`` CAR layouts from reference parts and real V domains, with the binder checksums."""
    out = []
    for _ in range(count):
        binder = rng.choice(binders)
        vh_sum = lsseguid(binder.heavy, alphabet="{protein}")
        vl_sum = lsseguid(binder.light, alphabet="{protein}")
        names = [rng.choice(SIGNALS), "VH", rng.choice(LINKERS), "VL", rng.choice(HINGES),
                 rng.choice(TRANSMEMBRANES), *_pick(rng, COSTIMULATION), "cd247_signalling"]
        if rng.random() < 0.35:
            names += [rng.choice(("t2a", "p2a")), "csf2ra_signal_peptide", "egfrt"]
        domains, protein = [], []
        for name in names:
            if name in ("VH", "VL"):
                sequence = binder.heavy if name == "VH" else binder.light
                domains.append((name.lower(), f"{binder.name} {name}", binder.name, len(sequence)))
            else:
                part = part_named(name)
                sequence = part.sequence
                domains.append((part.kind, part.label, part.reference, len(sequence)))
            protein.append(sequence)
        dna = "".join(HUMAN_CODONS.get(a, "NNN") for a in "".join(protein)) + STOP_CODON
        out.append((_Design(domains, dna), vh_sum, vl_sum))
    return out


def generate(engine: Engine, *, constructs: int, trials: int, domains: int, seed: int = 11) -> GeneratedCounts:
    """Load the demo catalogue, then add the generated rows (see the module docstring)."""
    started = time.perf_counter()
    rng = random.Random(seed)
    curation.load_demo(engine, curation.local_operator())
    with engine.connect() as connection:
        targets = dict(connection.execute(select(Target.symbol, Target.id).order_by(Target.symbol)).all())
        next_id = {model: (connection.execute(select(func.max(model.id))).scalar() or 0) + 1
                   for model in (Construct, SequenceRecord, Domain, Trial, Programme)}
    weights = {symbol: TARGET_WEIGHTS.get(symbol, 1) for symbol in targets}
    symbols, symbol_weights = list(weights), list(weights.values())
    library = [b for b in binder_library() if b.heavy and b.light]
    designs = _designs(rng, library, 400)
    writer = _Writer(engine)
    counts = GeneratedCounts()

    programme_ids = list(range(next_id[Programme], next_id[Programme] + 200))
    sponsors = [f"Hospital {n:03d}" for n in range(1, 201)] + [f"Biotech {n:03d}" for n in range(1, 101)]
    counts.rows["programme"] = writer.write(
        Programme.__table__, ["id", "name", "sponsor", "source"],
        ((pid, f"Generated programme {pid}", rng.choice(sponsors), "bench fixture") for pid in programme_ids))

    # constructs and their targets
    construct_ids = range(next_id[Construct], next_id[Construct] + constructs)
    construct_targets: dict[int, list[str]] = {}
    for cid in construct_ids:
        first = rng.choices(symbols, weights=symbol_weights)[0]
        chosen = [first]
        if rng.random() < 0.1:
            second = rng.choices(symbols, weights=symbol_weights)[0]
            if second != first:
                chosen.append(second)
        construct_targets[cid] = chosen

    def construct_rows() -> Iterator[tuple]:
        for cid in construct_ids:
            modality = _pick(rng, MODALITIES)
            costim = _pick(rng, COSTIMULATION)
            binder = rng.choice(library)
            yield (cid, f"GEN-{'-'.join(construct_targets[cid])}-{cid:07d}", modality, None, binder.name,
                   "TCR" if modality == "TCR-T" else ("VHH" if rng.random() < 0.08 else "scFv"),
                   rng.choice(("human", "murine", "humanised", None)),
                   part_named(rng.choice(HINGES)).label, part_named(rng.choice(TRANSMEMBRANES)).label,
                   [part_named(c).label for c in costim], "CD3ζ", 1 + len(costim), _pick(rng, VECTORS),
                   rng.choice(sponsors), rng.choice(programme_ids) if rng.random() < 0.5 else None,
                   _pick(rng, CONSTRUCT_STATUSES), "bench fixture",
                   EPOCH if rng.random() < 0.01 else None, 1)

    counts.rows["construct"] = writer.write(
        Construct.__table__,
        ["id", "name", "modality", "aliases", "binder_clone", "binder_format", "binder_species", "hinge",
         "transmembrane", "costimulatory", "signalling", "generation", "vector", "developer", "programme_id",
         "status", "source", "archived_at", "version"],
        construct_rows())
    counts.rows["constructtarget"] = writer.write(
        ConstructTarget.__table__, ["construct_id", "target_id", "position"],
        ((cid, targets[s], position) for cid, chosen in construct_targets.items()
         for position, s in enumerate(chosen)))

    # sequence records and domains
    record_plan: list[tuple[int, int, int]] = []  # (record id, construct id, design index)
    record_id = next_id[SequenceRecord]
    for cid in construct_ids:
        for _ in range(_pick(rng, SEQUENCE_RECORDS_PER_CONSTRUCT)):
            record_plan.append((record_id, cid, rng.randrange(len(designs))))
            record_id += 1
    mean_domains = sum(len(d.domains) for d, _, _ in designs) / len(designs)
    per_construct = {cid: 0 for cid in construct_ids}
    for _rid, cid, _design in record_plan:
        per_construct[cid] += 1
    open_constructs = [cid for cid, n in per_construct.items() if n < 3]
    while len(record_plan) * mean_domains < domains and open_constructs:
        # more records (still at most three per construct) until the domains reach the asked number
        cid = open_constructs.pop(rng.randrange(len(open_constructs)))
        record_plan.append((record_id, cid, rng.randrange(len(designs))))
        record_id += 1
    keep_share = min(1.0, domains / max(1.0, len(record_plan) * mean_domains))
    fasta = {i: f">design{i}\n{d.dna}\n".encode() for i, (d, _, _) in enumerate(designs)}

    def record_rows() -> Iterator[tuple]:
        for rid, cid, design_index in record_plan:
            design = designs[design_index][0]
            when = EPOCH + timedelta(minutes=rid)
            yield (rid, cid, f"generated_{cid // 100:05d}.gb", f"R{rid:08d}", "generated CAR design", "genbank",
                   "DNA", "linear", len(design.dna), design.dna, f"bench:{rid:010d}", fasta[design_index], None,
                   when, "bench", None, 1)

    counts.rows["sequencerecord"] = writer.write(
        SequenceRecord.__table__,
        ["id", "construct_id", "file_name", "record_id", "description", "format", "molecule", "topology",
         "length", "sequence", "checksum", "original_bytes", "warnings", "imported_at", "imported_by",
         "archived_at", "version"],
        record_rows())

    with_domains: set[int] = set()

    def domain_rows() -> Iterator[tuple]:
        domain_id = next_id[Domain]
        for rid, _cid, design_index in record_plan:
            if keep_share < 1.0 and rng.random() > keep_share:
                continue
            with_domains.add(rid)
            design, vh_sum, vl_sum = designs[design_index]
            source = "detected" if rng.random() < 0.7 else "annotated"
            residue = 1
            for position, (kind, label, reference, length) in enumerate(design.domains):
                checksum = vh_sum if kind == "vh" else vl_sum if kind == "vl" else None
                yield (domain_id, rid, position, kind, label, 3 * residue - 2, 3 * (residue + length - 1), 1,
                       source, residue, residue + length - 1, 1,
                       round(rng.uniform(92, 100), 1), round(rng.uniform(60, 400), 1), reference, checksum, None)
                domain_id += 1
                residue += length

    counts.rows["domain"] = writer.write(
        Domain.__table__,
        ["id", "sequence_record_id", "position", "kind", "label", "start", "end", "strand", "source",
         "protein_start", "protein_end", "frame", "identity", "score", "reference", "binder_checksum", "note"],
        domain_rows())

    counts.rows.update(_search_store(writer, record_plan, designs, with_domains))

    # trials and their links
    trial_ids = range(next_id[Trial], next_id[Trial] + trials)
    constructs_by_target: dict[str, list[int]] = {}
    for cid, chosen in construct_targets.items():
        constructs_by_target.setdefault(chosen[0], []).append(cid)
    trial_targets: dict[int, list[str]] = {}
    trial_constructs: dict[int, list[int]] = {}
    for tid in trial_ids:
        first = rng.choices(symbols, weights=symbol_weights)[0]
        chosen = [first] + ([s] if rng.random() < 0.15 and (s := rng.choices(symbols, weights=symbol_weights)[0])
                            != first else [])
        trial_targets[tid] = chosen
        pool = constructs_by_target.get(first)
        if pool and rng.random() < 0.3:
            trial_constructs[tid] = sorted(set(rng.sample(pool, min(len(pool), rng.choice((1, 1, 2))))))

    def trial_rows() -> Iterator[tuple]:
        for tid in trial_ids:
            target = trial_targets[tid][0]
            indication = rng.choice(INDICATIONS.get(target, ["solid tumour"]))
            chinese = rng.random() < 0.2
            year = _pick(rng, START_YEARS)
            start = f"{year}-{rng.randint(1, 12):02d}"
            actual = rng.random() < 0.3
            enrollment = None if rng.random() < 0.05 else max(1, int(rng.lognormvariate(3.2, 0.8)))
            yield (tid, "ChiCTR" if chinese else "ClinicalTrials.gov",
                   f"ChiCTR{2000000000 + tid}" if chinese else f"NCT9{tid:07d}",
                   f"{'/'.join(trial_targets[tid])} CAR-T cells in {indication} (generated trial {tid})",
                   _pick(rng, PHASES), _pick(rng, STATUSES), [indication], [f"{target} CAR-T cells"],
                   indication, CATEGORY.get(indication, "haematological malignancy"), rng.choice(sponsors),
                   _pick(rng, COUNTRIES), start, year, f"{min(2026, year + rng.randint(0, 4))}-06-01",
                   enrollment, ("actual" if actual else "estimated") if enrollment is not None else "unknown",
                   (enrollment if actual and rng.random() < 0.1 else None), "CAR-T",
                   rng.choice(("autologous", "allogeneic", None)), None, None, False, "bench fixture",
                   "2026-08-22", EPOCH if rng.random() < 0.01 else None, 1)

    counts.rows["trial"] = writer.write(
        Trial.__table__,
        ["id", "registry_name", "registry_id", "title", "phases", "overall_status", "conditions", "interventions",
         "indication", "indication_category", "lead_sponsor", "countries", "start_date", "start_year",
         "last_update", "enrollment_count", "enrollment_type", "patients_treated", "modality", "cell_source",
         "products", "target_evidence", "targets_curated", "record_source", "snapshot_date", "archived_at",
         "version"],
        trial_rows())
    counts.rows["trialtarget"] = writer.write(
        TrialTarget.__table__, ["trial_id", "target_id"],
        ((tid, targets[s]) for tid, chosen in trial_targets.items() for s in chosen))
    counts.rows["trialconstruct"] = writer.write(
        TrialConstruct.__table__, ["trial_id", "construct_id", "curated"],
        ((tid, cid, False) for tid, cids in trial_constructs.items() for cid in cids))
    writer.finish([Programme.__table__, Construct.__table__, SequenceRecord.__table__, Domain.__table__,
                   SearchSequence.__table__, SequenceSegment.__table__,
                   Trial.__table__])
    counts.seconds = time.perf_counter() - started
    return counts


def _search_store(writer: _Writer, record_plan: list[tuple[int, int, int]], designs: list,
                  with_domains: set[int]) -> dict[str, int]:
    """The search store rows the service layer would write for these records (segments per design computed
    once with :func:`catalogue.detect.segments.record_segments`, as import does, then repeated per record)."""
    with writer.engine.connect() as connection:
        next_sequence = (connection.execute(select(func.max(SearchSequence.id))).scalar() or 0) + 1
        next_segment = (connection.execute(select(func.max(SequenceSegment.id))).scalar() or 0) + 1
        stored = dict(connection.execute(select(SearchSequence.checksum, SearchSequence.id)).all())
    new_sequences: list[tuple] = []
    segments_of: dict[tuple[int, bool], list[tuple]] = {}
    for index, (design, _, _) in enumerate(designs):
        residue, domains = 1, []
        for kind, label, _reference, length in design.domains:
            domains.append({"kind": kind, "label": label, "start": 3 * residue - 2, "end": 3 * (residue + length - 1),
                            "source": "detected", "protein_start": residue, "protein_end": residue + length - 1,
                            "frame": 1})
            residue += length
        for has_domains in (True, False):
            planned = []
            for segment in record_segments(design.dna, "DNA", domains if has_domains else []):
                if segment.checksum not in stored:
                    stored[segment.checksum] = next_sequence
                    new_sequences.append((next_sequence, segment.checksum, len(segment.protein), segment.protein))
                    next_sequence += 1
                planned.append((stored[segment.checksum], segment))
            segments_of[(index, has_domains)] = planned

    def segment_rows() -> Iterator[tuple]:
        segment_id = next_segment
        for rid, _cid, design_index in record_plan:
            for sequence_id, s in segments_of[(design_index, rid in with_domains)]:
                yield (segment_id, rid, sequence_id, s.kind, s.label, s.chain, s.chain_start, s.chain_end,
                       s.record_start, s.record_end, s.strand)
                segment_id += 1

    return {
        "searchsequence": writer.write(SearchSequence.__table__, ["id", "checksum", "length", "protein"],
                                       iter(new_sequences)),
        "sequencesegment": writer.write(
            SequenceSegment.__table__,
            ["id", "sequence_record_id", "search_sequence_id", "kind", "label", "chain", "chain_start", "chain_end",
             "record_start", "record_end", "strand"], segment_rows()),
    }


def build(url: str, *, constructs: int, trials: int, domains: int) -> GeneratedCounts:
    """Create the schema at ``url`` and fill it with a generated catalogue."""
    engine = db.make_engine(url)
    try:
        db.upgrade(engine)
        return generate(engine, constructs=constructs, trials=trials, domains=domains)
    finally:
        engine.dispose()
