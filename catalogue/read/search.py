"""Find by sequence: which constructs carry the query's binder, share its other domains, or its whole chain.

The search runs over the search store (``searchsequence``/``sequencesegment``, written by the service
layer at import and domain curation), held in memory per database: the distinct proteins with a 3-mer
index per class (chains, binder V domains, other domains) and the segments as numpy arrays. The memory
copy follows the catalogue revision: after a write, only rows with larger ids are read (rows of the
store's sequences are only ever added; when segments were replaced, the copy is read again whole).

A query is read as import reads a record (chains by :func:`catalogue.detect.domains.find_chains`,
domains by :func:`catalogue.detect.domains.detect_domains`), then

1. ``binder``: each query V domain is aligned to the stored V domains that share the most 3-mers; a
   record whose V domains taken together are at least :data:`BINDER_MIN_IDENTITY` % identical over at
   least half of the query's V-domain residues is a binder hit;
2. ``domain``: the query's other domains (linkers left out) likewise; a record sharing one or more at
   :data:`DOMAIN_MIN_IDENTITY` % is a domain hit, more shared domains first;
3. ``chain``: while fewer than ``limit`` constructs were found, each query chain is aligned to the
   stored chains sharing the most 3-mers; an alignment scoring at least :data:`CHAIN_MIN_SCORE`
   (BLOSUM62) is a chain hit.

Each construct is reported once, with the best-ranked record it has.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import case, func, select
from sqlalchemy.engine import Engine

from catalogue.db.models import Construct, SearchSequence, SequenceRecord, SequenceSegment
from catalogue.detect.segments import BINDER_KINDS, NOT_SEARCHED, read_query
from catalogue.detect.similarity import KmerIndex, LocalAlignment, alignment_score, local_alignment, self_score
from catalogue.errors import InvalidInput
from catalogue.read.cache import catalogue_revision
from catalogue.read.sql import _live_construct, _live_record

BINDER_MIN_IDENTITY = 80.0  # percent, V domains taken together: the same or a closely related binder
BINDER_MIN_COVERAGE = 0.5
DOMAIN_MIN_IDENTITY = 80.0
DOMAIN_MIN_COVERAGE = 0.6
SEGMENT_FLOOR_IDENTITY = 70.0  # a V-domain alignment below this is not kept for combining
CHAIN_MIN_SCORE = 100  # BLOSUM62 units (about 45 bits): a shuffled CAR scores about 30 on a real one
CHAIN_MIN_COLUMNS = 30
CANDIDATES = {"binder": 60, "domain": 60, "chain": 100}  # distinct sequences aligned per query segment
# Fraction of the query's self-score a candidate must reach before it is aligned in full: well below what
# the identity floors need (measured on 3,000 pairs of Thera-SAbDab VH domains, a pair 70-75 % identical
# scores 0.62-0.77 of the self-score; a domain 80 % identical over 60 % of its length about 0.47).
SCORE_FLOOR = {"binder": 0.6, "domain": 0.45, "chain": 0.0}
DEFAULT_LIMIT = 50
WANTED_PER_HIT = 8  # ranked records looked at per hit asked for (a construct may have several records)
CLASSES = ("chain", "binder", "domain")
_CLASS_CODE = {name: code for code, name in enumerate(CLASSES)}


# --- the store in memory -----------------------------------------------------------------------------------


@dataclass
class _Store:
    """One database's search store, as read at ``revision``."""

    revision: int = -1
    last_segment: int = 0
    last_sequence: int = 0
    proteins: dict[int, str] = field(default_factory=dict)
    segment_id: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    record: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    sequence: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    klass: np.ndarray = field(default_factory=lambda: np.empty(0, np.int8))
    chain_start: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    indexes: dict[str, KmerIndex | None] = field(default_factory=dict)
    rows_of: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)
    record_space: int = 0  # largest record id + 1: per-record arrays are indexed by record id

    def index(self, name: str) -> KmerIndex:
        """The 3-mer index of the distinct proteins of one class (built once per refresh that adds to it)."""
        if self.indexes.get(name) is None:
            keys = sorted(set(self.sequence[self.klass == _CLASS_CODE[name]].tolist()))
            self.indexes[name] = KmerIndex(keys, [self.proteins[k] for k in keys])
        return self.indexes[name]  # type: ignore[return-value]

    def _sorted(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """The rows of one class ordered by store sequence id (built once per refresh) and their sequence ids."""
        if name not in self.rows_of:
            rows = np.flatnonzero(self.klass == _CLASS_CODE[name])
            order = rows[np.argsort(self.sequence[rows], kind="stable")]
            self.rows_of[name] = (order, self.sequence[order], np.empty(0))
        order, keys, _ = self.rows_of[name]
        return order, keys

    def rows_holding(self, name: str, sequence_id: int) -> np.ndarray:
        """Segment rows of one class that hold the store sequence ``sequence_id``."""
        order, keys = self._sorted(name)
        return order[np.searchsorted(keys, sequence_id, side="left") : np.searchsorted(keys, sequence_id, side="right")]

    def rows_with(self, name: str, sequence_ids: np.ndarray) -> np.ndarray:
        """Segment rows of one class holding any of ``sequence_ids``."""
        parts = [self.rows_holding(name, int(i)) for i in sequence_ids]
        return np.sort(np.concatenate(parts)) if parts else np.empty(0, np.int64)


_stores: dict[str, _Store] = {}
_lock = threading.Lock()


def _refreshed(engine: Engine) -> _Store:
    """The store of ``engine``'s database, brought up to its current revision."""
    key = str(engine.url)
    revision = catalogue_revision(engine)
    with _lock:
        store = _stores.get(key)
        if store is not None and store.revision == revision:
            return store
        store = store or _Store()
        table = SequenceSegment.__table__
        with engine.connect() as connection:
            kept = connection.execute(select(func.count(table.c.id)).where(table.c.id <= store.last_segment)).scalar()
            # fewer: segments were replaced (a domain curation); more: a transaction committed rows below the last
            # id read (concurrent writers on PostgreSQL). Either way, read everything again.
            if kept != len(store.segment_id):
                store = _Store()
            klass = case((table.c.kind == "chain", _CLASS_CODE["chain"]),
                         (table.c.kind.in_(BINDER_KINDS), _CLASS_CODE["binder"]), else_=_CLASS_CODE["domain"])
            rows = connection.execute(
                select(table.c.id, table.c.sequence_record_id, table.c.search_sequence_id, klass,
                       table.c.chain_start).where(table.c.id > store.last_segment).order_by(table.c.id)
            ).all()
            sequences = connection.execute(
                select(SearchSequence.id, SearchSequence.protein).where(SearchSequence.id > store.last_sequence)
            ).all()
        if rows:
            new = np.array(list(map(tuple, rows)), dtype=np.int64)  # plain tuples: numpy probes Row objects slowly
            store.segment_id = np.concatenate([store.segment_id, new[:, 0]])
            store.record = np.concatenate([store.record, new[:, 1]])
            store.sequence = np.concatenate([store.sequence, new[:, 2]])
            store.klass = np.concatenate([store.klass, new[:, 3].astype(np.int8)])
            store.chain_start = np.concatenate([store.chain_start, new[:, 4]])
            store.last_segment = int(store.segment_id[-1])
            for code in np.unique(new[:, 3]).tolist():
                store.indexes[CLASSES[code]] = None
            store.rows_of.clear()
            store.record_space = int(store.record.max()) + 1
        for sequence_id, protein in sequences:
            store.proteins[sequence_id] = protein
            store.last_sequence = max(store.last_sequence, sequence_id)
        if rows:  # a sequence committed after a larger id was read (concurrent PostgreSQL writers)
            missing = [i for i in np.unique(new[:, 2]).tolist() if i not in store.proteins]
            if missing:
                with engine.connect() as connection:
                    store.proteins.update(connection.execute(
                        select(SearchSequence.id, SearchSequence.protein).where(SearchSequence.id.in_(missing))).all())
        store.revision = revision
        _stores[key] = store
        return store


def search_store_size(engine: Engine) -> dict[str, int]:
    """How many segments and distinct proteins per class the in-memory store holds (for the benchmark)."""
    store = _refreshed(engine)
    sizes = {"segments": int(len(store.segment_id)), "records": int(len(np.unique(store.record)))}
    for name in CLASSES:
        sizes[f"distinct_{name}s"] = len(store.index(name))
    return sizes


# --- the query ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _QuerySegment:
    chain: int
    kind: str
    label: str
    start: int  # residues on the query chain
    end: int
    protein: str


def _query(content: str | bytes, name: str) -> dict[str, Any]:
    from catalogue.detect.domains import detect_domains

    sequence, molecule, record = read_query(content, name)
    result = detect_domains(sequence, molecule)
    if not result.chains:
        raise InvalidInput("no protein chain in the query: the DNA has no open reading frame of 150 codons or "
                           "more, and its first frame has stop codons", file=name)
    used = sorted(set(result.chain_of_domain)) or [max(range(len(result.chains)),
                                                        key=lambda i: result.chains[i].length)]
    segments = []
    domains = []
    for domain, chain_index in zip(result.domains, result.chain_of_domain):
        chain = result.chains[chain_index]
        domains.append({"kind": domain.kind, "label": domain.label, "chain": chain_index,
                        "start": domain.protein_start, "end": domain.protein_end,
                        "record_start": domain.start, "record_end": domain.end})
        if domain.kind not in NOT_SEARCHED:
            segments.append(_QuerySegment(chain_index, domain.kind, domain.label, domain.protein_start,
                                          domain.protein_end,
                                          chain.protein[domain.protein_start - 1 : domain.protein_end]))
    return {
        "summary": {"length": len(sequence), "molecule": molecule, "record": record, "domains": domains,
                    "chains": [{"index": i, "start": c.start, "end": c.end, "strand": c.strand, "frame": c.frame,
                                "length": c.length} for i, c in enumerate(result.chains)]},
        "chains": {i: result.chains[i].protein for i in used},
        "segments": segments,
    }


# --- matching -------------------------------------------------------------------------------------------------


@dataclass
class _Match:
    """One record's match: what aligned where."""

    kind: str
    record: int
    parts: list[tuple[_QuerySegment | None, int, LocalAlignment]]  # (query segment, segment row, alignment)
    query_length: int  # residues of the query the identity and coverage are over

    def figures(self, store: _Store) -> dict[str, Any]:
        alignments = [a for _, _, a in self.parts]
        columns = sum(a.columns for a in alignments)
        covered = sum(a.query_end - a.query_start + 1 for a in alignments)
        offsets = [(q.start - 1 if q else 0, int(store.chain_start[row]) - 1) for q, row, _ in self.parts]
        return {
            "identity": round(100.0 * sum(a.identical for a in alignments) / columns, 1) if columns else 0.0,
            "coverage": round(min(1.0, covered / self.query_length), 3) if self.query_length else 0.0,
            "query_start": min(q + a.query_start for (q, _), a in zip(offsets, alignments)),
            "query_end": max(q + a.query_end for (q, _), a in zip(offsets, alignments)),
            "subject_start": min(s + a.subject_start for (_, s), a in zip(offsets, alignments)),
            "subject_end": max(s + a.subject_end for (_, s), a in zip(offsets, alignments)),
            "score": sum(a.score for a in alignments),
        }


def _aligned(store: _Store, klass: str, query: str, *, floor: float, min_coverage: float,
             min_score: int = 0) -> dict[int, LocalAlignment]:
    """Alignments of ``query`` on the stored proteins of one class worth keeping, by store sequence id.

    Candidates are scored first without a traceback (a fifth of the cost); only those reaching
    ``min_score`` and :data:`SCORE_FLOOR` of the query's self-score are aligned in full.
    """
    index = store.index(klass)
    found = {}
    needed = max(min_score, int(SCORE_FLOOR[klass] * self_score(query)))
    for position in index.candidates(query, top=CANDIDATES[klass], min_fraction=0.1):
        subject = index.sequences[position]
        if alignment_score(query, subject) < needed:
            continue
        alignment = local_alignment(query, subject)
        if alignment is None or alignment.identity < floor or alignment.coverage < min_coverage:
            continue
        if alignment.score < min_score or alignment.columns < (CHAIN_MIN_COLUMNS if klass == "chain" else 1):
            continue
        found[int(index.keys[position])] = alignment
    return found


def _rows_with(store: _Store, klass: str, found: dict[int, LocalAlignment]) -> np.ndarray:
    if not found:
        return np.empty(0, np.int64)
    return store.rows_with(klass, np.fromiter(found, dtype=np.int64, count=len(found)))


def _record_matches(store: _Store, klass: str, segments: list[_QuerySegment], floor: float,
                    min_coverage: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, list]:
    """Every record with a segment aligned to one of the query segments, in numpy.

    Returns (records, rows, figures, alignments): ``rows[p, r]`` is the segment row of ``records[r]`` best
    aligned to query segment ``p`` (-1 if none), ``figures[p, r]`` its (score, identical, columns, covered),
    and per query segment the alignments by store sequence id. Works on arrays indexed by record id, so a
    part shared by every record of a large catalogue costs one pass over its rows and no sort.
    """
    size = store.record_space
    rows = np.full((len(segments), size), -1, np.int64)
    figures = np.zeros((len(segments), size, 4), np.int64)
    alignments = []
    for position, segment in enumerate(segments):
        found = _aligned(store, klass, segment.protein, floor=floor, min_coverage=min_coverage)
        alignments.append(found)
        for sequence_id, alignment in sorted(found.items(), key=lambda item: item[1].score):  # best written last
            held = store.rows_holding(klass, sequence_id)
            holders = store.record[held]
            rows[position, holders] = held
            figures[position, holders] = (alignment.score, alignment.identical, alignment.columns,
                                          alignment.query_end - alignment.query_start + 1)
    records = np.flatnonzero((rows >= 0).any(axis=0))
    return records, rows[:, records], figures[:, records], alignments


def _matches(store: _Store, kind: str, segments: list[_QuerySegment], records: np.ndarray, rows: np.ndarray,
             alignments: list[dict[int, LocalAlignment]], picked: np.ndarray) -> list[_Match]:
    length = sum(len(s.protein) for s in segments)
    out = []
    for column in picked.tolist():
        parts = [(segments[p], int(rows[p, column]), alignments[p][int(store.sequence[rows[p, column]])])
                 for p in range(len(segments)) if rows[p, column] >= 0]
        out.append(_Match(kind, int(records[column]), parts, length))
    return out


def _binder_matches(store: _Store, segments: list[_QuerySegment], wanted: int) -> tuple[list[_Match], set[int]]:
    """The best ``wanted`` binder matches, ranked, and every record that is one."""
    records, rows, figures, alignments = _record_matches(store, "binder", segments, SEGMENT_FLOOR_IDENTITY, 0.3)
    if not len(records):
        return [], set()
    score, identical, columns, covered = (figures[:, :, i].sum(axis=0) for i in range(4))
    identity = 100.0 * identical / np.maximum(columns, 1)
    coverage = covered / sum(len(s.protein) for s in segments)
    passing = np.flatnonzero((identity >= BINDER_MIN_IDENTITY) & (coverage >= BINDER_MIN_COVERAGE))
    order = passing[np.lexsort((records[passing], -score[passing], -(identity * coverage)[passing]))]
    return _matches(store, "binder", segments, records, rows, alignments, order[:wanted]), set(records[passing].tolist())


def _domain_matches(store: _Store, segments: list[_QuerySegment], skip: set[int], wanted: int) -> list[_Match]:
    """The best ``wanted`` domain matches (most shared domains first), ranked."""
    records, rows, figures, alignments = _record_matches(store, "domain", segments, DOMAIN_MIN_IDENTITY,
                                                         DOMAIN_MIN_COVERAGE)
    if not len(records):
        return []
    shared = (rows >= 0).sum(axis=0)
    score = figures[:, :, 0].sum(axis=0)
    keep = ~np.isin(records, np.fromiter(skip, np.int64, count=len(skip))) if skip else np.ones(len(records), bool)
    candidates = np.flatnonzero(keep)
    order = candidates[np.lexsort((records[candidates], -score[candidates], -shared[candidates]))]
    return _matches(store, "domain", segments, records, rows, alignments, order[:wanted])


def _chain_matches(store: _Store, chains: dict[int, str], skip: set[int]) -> list[_Match]:
    matches: dict[int, _Match] = {}
    for chain_index, protein in chains.items():
        found = _aligned(store, "chain", protein, floor=0.0, min_coverage=0.0, min_score=CHAIN_MIN_SCORE)
        for row in _rows_with(store, "chain", found).tolist():
            record = int(store.record[row])
            if record in skip:
                continue
            alignment = found[int(store.sequence[row])]
            query = _QuerySegment(chain_index, "chain", f"chain {chain_index + 1}", 1, len(protein), protein)
            if record not in matches or alignment.score > matches[record].parts[0][2].score:
                matches[record] = _Match("chain", record, [(query, row, alignment)], len(protein))
    return list(matches.values())


# --- hits ------------------------------------------------------------------------------------------------------


def _records(engine: Engine, record_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Live records among ``record_ids`` with their construct (live constructs only)."""
    found: dict[int, dict[str, Any]] = {}
    with engine.connect() as connection:
        for start in range(0, len(record_ids), 500):
            rows = connection.execute(
                select(SequenceRecord.id, SequenceRecord.record_id, SequenceRecord.file_name, Construct.name)
                .join(Construct, Construct.id == SequenceRecord.construct_id)
                .where(SequenceRecord.id.in_(record_ids[start : start + 500]), _live_record, _live_construct)
            ).all()
            for row in rows:
                found[row.id] = {"record": row.record_id, "file": row.file_name, "construct": row.name}
    return found


def _labels(engine: Engine, segment_ids: list[int]) -> dict[int, tuple[str, int]]:
    """Label and chain index of store segments, by segment id."""
    table = SequenceSegment.__table__
    labels = {}
    with engine.connect() as connection:
        for start in range(0, len(segment_ids), 500):
            labels.update({row.id: (row.label, row.chain) for row in connection.execute(
                select(table.c.id, table.c.label, table.c.chain)
                .where(table.c.id.in_(segment_ids[start : start + 500])))})
    return labels


def _hit(store: _Store, match: _Match, record: dict[str, Any], labels: dict[int, tuple[str, int]]) -> dict[str, Any]:
    figures = match.figures(store)
    alignments = []
    for query, row, alignment in match.parts:
        label, chain = labels.get(int(store.segment_id[row]), ("", 0))
        query_offset = query.start - 1 if query else 0
        subject_offset = int(store.chain_start[row]) - 1
        alignments.append({
            "query_label": query.label if query else "chain", "subject_label": label,
            "identity": alignment.identity, "coverage": alignment.coverage, "score": alignment.score,
            "query_start": query_offset + alignment.query_start, "query_end": query_offset + alignment.query_end,
            "subject_start": subject_offset + alignment.subject_start,
            "subject_end": subject_offset + alignment.subject_end,
            "query_text": alignment.query_text, "match_text": alignment.match_text,
            "subject_text": alignment.subject_text,
        })
    query_chain = match.parts[0][0].chain if match.parts[0][0] else 0
    subject_chain = labels.get(int(store.segment_id[match.parts[0][1]]), ("", 0))[1]
    return {"construct": record["construct"], "record": record["record"], "file": record["file"],
            "sequence_record_id": match.record, "match": match.kind, **figures,
            "query_chain": query_chain, "subject_chain": subject_chain, "alignments": alignments}


def _ranked_chains(matches: list[_Match], store: _Store) -> list[_Match]:
    scored = [(m, m.figures(store)) for m in matches]
    return [m for m, _ in sorted(scored, key=lambda p: (-p[1]["score"], p[0].record))]


def search_sequence(engine: Engine, content: str | bytes, *, min_identity: float = 0.0,
                    limit: int = DEFAULT_LIMIT, name: str = "query") -> dict[str, Any]:
    """Constructs carrying the query's binder, sharing its other domains, or its chain; best first.

    ``content`` is a pasted sequence or the text of a FASTA or GenBank file. Returns
    ``{"query": {"length", "molecule", "record", "domains", "chains"}, "hits": [...]}`` where each hit has
    construct, record, file, sequence_record_id, match ("binder", "domain" or "chain"), identity (%),
    coverage (fraction of the query's binder, domains or chain), query_start/query_end (residues on
    the query chain), subject_start/subject_end (residues on the record's chain), score, and the
    alignments behind it. Raises :class:`InvalidInput` for a query that is empty, not a sequence or too long.
    """
    if limit < 1:
        raise InvalidInput(f"--limit must be at least 1, not {limit}")
    query = _query(content, name)
    store = _refreshed(engine)
    binder_segments = [s for s in query["segments"] if s.kind in BINDER_KINDS]
    other_segments = [s for s in query["segments"] if s.kind not in BINDER_KINDS]
    hits: list[dict[str, Any]] = []
    seen_constructs: set[str] = set()
    seen_records: set[int] = set()

    def take(matches: list[_Match]) -> None:
        for start in range(0, len(matches), 4 * limit):
            if len(hits) >= limit:
                return
            chunk = [m for m in matches[start : start + 4 * limit]
                     if not min_identity or m.figures(store)["identity"] >= min_identity]
            records = _records(engine, [m.record for m in chunk])
            labels = _labels(engine, [int(store.segment_id[row]) for m in chunk if m.record in records
                                      for _, row, _ in m.parts])
            for match in chunk:
                seen_records.add(match.record)
                record = records.get(match.record)
                if record is None or record["construct"] in seen_constructs:
                    continue
                seen_constructs.add(record["construct"])
                hits.append(_hit(store, match, record, labels))
                if len(hits) >= limit:
                    return

    wanted = WANTED_PER_HIT * limit
    if binder_segments:
        binder, binder_records = _binder_matches(store, binder_segments, wanted)
        take(binder)
        seen_records.update(binder_records)
    if other_segments and len(hits) < limit:
        domain = _domain_matches(store, other_segments, seen_records, wanted)
        take(domain)
        seen_records.update(m.record for m in domain)
    if len(hits) < limit:
        take(_ranked_chains(_chain_matches(store, query["chains"], seen_records), store))
    return {"query": query["summary"], "hits": hits}
