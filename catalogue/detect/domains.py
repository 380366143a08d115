# Over 500 lines on purpose: detection of one record. Chains, V domains (HMMs), parts (alignment) and their
# placement along a chain share the chain coordinates and the overlap rules; split apart, every piece would
# carry the others' coordinate conventions.
"""Automatic domain detection for CAR and TCR sequences.

:func:`detect_domains` finds the protein chains of a record (open reading frames on
both strands of DNA, or the protein itself) and the domains along each chain:

* antibody and TCR variable domains with ANARCI's profile HMMs (run through
  pyhmmer; model names give species and chain type);
* everything else (signal peptides, linkers, hinges, transmembrane, costimulatory
  and signalling domains, 2A peptides, markers, TCR constant regions) by local
  alignment (BLOSUM62) against the reference parts library (:mod:`catalogue.detect.parts`).

Detected domains are :class:`~catalogue.drafts.DomainDraft` with ``source="detected"``
for a curator to accept; :func:`propose_architecture` condenses them into the
construct's architecture and :func:`header_content_warnings` checks a record's header
against what its content turned out to be.
"""

from __future__ import annotations

import itertools
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import numpy as np
from Bio import Align
from Bio.Align import substitution_matrices
from Bio.Seq import Seq
from seguid import lsseguid

from catalogue.detect.parts import ReferencePart, reference_parts
from catalogue.drafts import DomainDraft, Molecule
from catalogue.reference.products import Product, mention_regex, reference_products

MIN_ORF_AA = 150  # shortest open reading frame searched on DNA, in residues
MIN_V_DOMAIN_BITS = 40.0  # HMM bit score a V-domain hit needs
PART_TOLERATED_OVERLAP = 3  # residues two accepted parts may share (trimmed off the weaker one)

_DNA_LETTERS = re.compile(r"[^ACGTN]")


@dataclass(frozen=True)
class Chain:
    """One protein chain of a record: an open reading frame of DNA, or a protein record.

    ``start``/``end`` are 1-based inclusive record coordinates (nucleotides for DNA, the
    stop codon included when there is one; residues for protein). ``frame`` is 1..3 on the
    forward strand and -1..-3 on the reverse strand (``None`` for protein records).
    """

    protein: str
    start: int
    end: int
    strand: int | None
    frame: int | None
    internal_stops: int = 0
    ends_in_stop: bool = False

    @property
    def length(self) -> int:
        return len(self.protein)

    def record_span(self, protein_start: int, protein_end: int) -> tuple[int, int]:
        """Record coordinates (1-based inclusive) of residues ``protein_start..protein_end``."""
        if self.strand is None:
            return self.start + protein_start - 1, self.start + protein_end - 1
        if self.strand > 0:
            return self.start + 3 * (protein_start - 1), self.start + 3 * protein_end - 1
        return self.end - 3 * protein_end + 1, self.end - 3 * (protein_start - 1)


@dataclass
class DetectionResult:
    """The chains of one record and the domains detected on them (in order along each chain)."""

    chains: list[Chain] = field(default_factory=list)
    domains: list[DomainDraft] = field(default_factory=list)
    chain_of_domain: list[int] = field(default_factory=list)  # index into chains, per domain

    def domains_of(self, chain_index: int) -> list[DomainDraft]:
        """The domains of one chain, in order."""
        return [d for d, c in zip(self.domains, self.chain_of_domain) if c == chain_index]

    @property
    def main_chain(self) -> int | None:
        """Index of the chain with the most detected domains (the CAR/TCR chain), if any."""
        counts = [len(self.domains_of(i)) for i in range(len(self.chains))]
        if not counts or max(counts) == 0:
            return None
        return counts.index(max(counts))


# --------------------------------------------------------------------------- chains


_BASES = "ACGTN"


@lru_cache(maxsize=1)
def _codon_table() -> tuple[np.ndarray, np.ndarray]:
    """The standard code for every codon over A, C, G, T and N, each entry translated by Biopython itself
    (so ``CTN`` is L and ``NNN`` is X exactly as ``Seq.translate`` has them), and a base -> index table."""
    table = np.frombuffer("".join(str(Seq("".join(codon)).translate()) for codon in
                                  itertools.product(_BASES, repeat=3)).encode("ascii"), dtype=np.uint8)
    index = np.full(256, _BASES.index("N"), dtype=np.int16)
    for position, base in enumerate(_BASES):
        index[ord(base)] = position
    return table, index


def translated(dna: str) -> str:
    """``str(Seq(dna).translate())`` for DNA of A, C, G, T and N whose length is a multiple of 3, by table
    lookup in numpy: the same letters, about fifty times faster (six frames of a 2.5 kb record: 1 ms -> 20 µs)."""
    table, index = _codon_table()
    codes = index[np.frombuffer(dna.encode("ascii"), dtype=np.uint8)].reshape(-1, 3)
    return table[codes[:, 0] * 25 + codes[:, 1] * 5 + codes[:, 2]].tobytes().decode("ascii")


def find_chains(sequence: str, molecule: Molecule, *, min_orf_aa: int = MIN_ORF_AA) -> list[Chain]:
    """The protein chains of a record.

    For protein: the record itself (a trailing ``*`` is read as a stop). For DNA: every
    open reading frame of at least ``min_orf_aa`` residues on both strands that starts at
    an ATG; a frame that runs off the end of the record without a stop counts (CAR ORFs
    are often cut right before the stop). If none is that long, the forward frame-1
    translation of the whole record is used when it has no stop codon (a part file).
    """
    sequence = sequence.upper()
    if molecule == "protein":
        protein = sequence.rstrip("*")
        ends_in_stop = len(protein) < len(sequence)
        if not protein:
            return []
        return [
            Chain(protein.replace("*", "X"), 1, len(protein), None, None,
                  protein.count("*"), ends_in_stop)
        ]
    dna = _DNA_LETTERS.sub("N", sequence.replace("U", "T"))
    length = len(dna)
    chains: list[Chain] = []
    for strand, strand_seq in ((1, dna), (-1, str(Seq(dna).reverse_complement()))):
        for offset in range(3):
            usable = length - ((length - offset) % 3)
            if usable - offset < 3:
                continue
            translation = translated(strand_seq[offset:usable])
            position = 0
            segments = translation.split("*")
            for number, segment in enumerate(segments):
                first_met = segment.find("M")
                has_stop = number < len(segments) - 1
                if first_met >= 0 and len(segment) - first_met >= min_orf_aa:
                    aa_start = position + first_met
                    aa_end = position + len(segment)  # exclusive
                    start_s = offset + 3 * aa_start + 1
                    end_s = offset + 3 * aa_end + (3 if has_stop else 0)
                    if strand > 0:
                        start, end = start_s, end_s
                    else:
                        start, end = length - end_s + 1, length - start_s + 1
                    frame = strand * (offset + 1)
                    chains.append(Chain(segment[first_met:], start, end, strand, frame, 0, has_stop))
                position += len(segment) + 1
    if not chains and length >= 3:
        translation = translated(dna[: length - length % 3])
        body = translation.rstrip("*")
        if "*" not in body and body:
            chains.append(
                Chain(body, 1, 3 * len(translation), 1, 1, 0, len(body) < len(translation))
            )
    chains.sort(key=lambda c: (c.start, -c.length))
    return chains


# ---------------------------------------------------------------------- V domains

_CHAIN_TYPES = {
    "H": ("vh", "VH"),
    "K": ("vl", "VL κ"),
    "L": ("vl", "VL λ"),
    "A": ("tcr_alpha_variable", "TCR Vα"),
    "B": ("tcr_beta_variable", "TCR Vβ"),
    "G": ("other", "TCR Vγ"),
    "D": ("other", "TCR Vδ"),
}


@dataclass(frozen=True)
class VDomainHit:
    """A variable domain found by the ANARCI HMMs on one chain (protein coordinates)."""

    start: int
    end: int
    score: float
    model: str  # e.g. "human_H"

    @property
    def species(self) -> str:
        return self.model.rsplit("_", 1)[0]

    @property
    def chain_type(self) -> str:
        return self.model.rsplit("_", 1)[1]


# Models searched first on the whole chain (human, one per chain type), then, on each region
# found, the same chain type of the other species considered. ANARCI also ships rhesus,
# pig and cow models; they are left out: human antibodies often score best on rhesus,
# which would label human binders wrongly, and no CAR binder we know of comes from them.
FIRST_PASS_MODELS = ("human_H", "human_K", "human_L", "human_A", "human_B")
SPECIES_MODELS = {
    "H": ("mouse_H", "rabbit_H", "alpaca_H"),
    "K": ("mouse_K", "rat_K", "rabbit_K"),
    "L": ("mouse_L", "rat_L", "rabbit_L"),
    "A": ("mouse_A", "human_D", "mouse_D"),  # γδ V domains are found through their αβ look-alikes
    "B": ("mouse_B", "human_G", "mouse_G"),
}
REGION_MARGIN = 10  # residues added on each side of a first-pass region for the species pass


class _VDomainModels:
    """ANARCI's profile HMMs, loaded once and shared (pipelines are per thread)."""

    def __init__(self) -> None:
        from pyhmmer import easel, plan7

        path = resources.files("anarci").joinpath("dat", "HMMs", "ALL.hmm")
        with plan7.HMMFile(str(path)) as handle:
            hmms = list(handle)
        self.alphabet = easel.Alphabet.amino()
        background = plan7.Background(self.alphabet)
        optimized = {}
        for hmm in hmms:
            profile = plan7.Profile(hmm.M, self.alphabet)
            profile.configure(hmm, background, L=400)
            name = hmm.name.decode() if isinstance(hmm.name, bytes) else str(hmm.name)
            optimized[name] = profile.to_optimized()
        self.first_pass = plan7.OptimizedProfileBlock(
            self.alphabet, [optimized[n] for n in FIRST_PASS_MODELS]
        )
        self.species_pass = {
            chain_type: plan7.OptimizedProfileBlock(self.alphabet, [optimized[n] for n in names])
            for chain_type, names in SPECIES_MODELS.items()
        }
        self._local = threading.local()
        self._easel = easel
        self._plan7 = plan7

    def _pipeline(self, size: int):
        pipelines = getattr(self._local, "pipelines", None)
        if pipelines is None:
            pipelines = self._local.pipelines = {}
        if size not in pipelines:
            pipelines[size] = self._plan7.Pipeline(self.alphabet, Z=size, domZ=1)
        return pipelines[size]

    def _hits(self, protein: str, block, offset: int = 0) -> list[VDomainHit]:
        query = self._easel.TextSequence(name=b"chain", sequence=protein).digitize(self.alphabet)
        pipeline = self._pipeline(len(block))
        hits = pipeline.scan_seq(query, block)
        pipeline.clear()
        found = []
        for hit in hits:
            name = hit.name.decode() if isinstance(hit.name, bytes) else str(hit.name)
            for domain in hit.domains:
                if domain.score >= MIN_V_DOMAIN_BITS:
                    alignment = domain.alignment
                    found.append(
                        VDomainHit(alignment.target_from + offset, alignment.target_to + offset,
                                   float(domain.score), name)
                    )
        return found

    def scan(self, protein: str) -> list[VDomainHit]:
        """All V-domain hits above threshold on ``protein``, best model per region, in order."""
        clean = re.sub(r"[^ACDEFGHIKLMNPQRSTVWY]", "X", protein)
        accepted: list[VDomainHit] = []
        for candidate in sorted(self._hits(clean, self.first_pass), key=lambda h: -h.score):
            length = candidate.end - candidate.start + 1
            if all(
                _overlap(candidate.start, candidate.end, other.start, other.end)
                < 0.3 * min(length, other.end - other.start + 1)
                for other in accepted
            ):
                accepted.append(candidate)
        refined = []
        for region in accepted:
            low = max(1, region.start - REGION_MARGIN)
            high = min(len(clean), region.end + REGION_MARGIN)
            best = region
            for other in self._species_hits(clean[low - 1 : high], region.chain_type):
                other = VDomainHit(other.start + low - 1, other.end + low - 1, other.score, other.model)
                if other.score > best.score and _overlap(other.start, other.end, region.start,
                                                         region.end) > 0.5 * (region.end - region.start + 1):
                    best = other
            refined.append(best)
        return sorted(refined, key=lambda h: h.start)

    @lru_cache(maxsize=4096)  # noqa: B019 - one instance for the process; a binder seen again is not scanned again
    def _species_hits(self, segment: str, chain_type: str) -> tuple[VDomainHit, ...]:
        """The species-pass hits on one region's segment (segment coordinates), cached by its residues."""
        return tuple(self._hits(segment, self.species_pass[chain_type]))


@lru_cache(maxsize=1)
def _v_domain_models() -> _VDomainModels:
    return _VDomainModels()


def _overlap(a_start: int, a_end: int, b_start: int, b_end: int) -> int:
    return max(0, min(a_end, b_end) - max(a_start, b_start) + 1)


# -------------------------------------------------------------------------- parts


@dataclass(frozen=True)
class PartHit:
    """A reference part aligned on one chain (protein coordinates)."""

    part: ReferencePart
    start: int
    end: int
    score: float
    identity: float  # percent identical over the aligned columns
    coverage: float  # fraction of the part covered by the alignment


class _PartAligner:
    """A local BLOSUM62 aligner and the parts' self-scores, built once."""

    def __init__(self, parts: tuple[ReferencePart, ...]) -> None:
        aligner = Align.PairwiseAligner()
        aligner.mode = "local"
        aligner.substitution_matrix = substitution_matrices.load("BLOSUM62")
        aligner.open_gap_score = -10.0
        aligner.extend_gap_score = -1.0
        self.aligner = aligner
        self.parts = parts
        self.self_scores = {p.name: aligner.score(p.sequence, p.sequence) for p in parts}
        self.kmers = {p.name: _kmers(p.sequence, 3) for p in parts}

    def hits(self, protein: str) -> list[PartHit]:
        """Every part that aligns on ``protein`` well enough (repeats included)."""
        found: list[PartHit] = []
        chain_kmers = _kmers(protein, 3)
        for part in self.parts:
            kmers = self.kmers[part.name]
            if len(kmers & chain_kmers) < max(1, 0.25 * len(kmers)):
                continue
            target = protein
            for _ in range(4):  # a part may occur more than once (e.g. two 2A peptides)
                hit = self._exact(part, target) or self._best(part, target)
                if hit is None:
                    break
                found.append(hit)
                target = target[: hit.start - 1] + "X" * (hit.end - hit.start + 1) + target[hit.end :]
                if len(kmers & _kmers(target, 3)) < max(1, 0.25 * len(kmers)):
                    break  # what is left cannot hold another copy: the same prefilter as for the first
        return found

    def _exact(self, part: ReferencePart, protein: str) -> PartHit | None:
        """A verbatim occurrence: the best local alignment there is, found without aligning."""
        at = protein.find(part.sequence)
        if at < 0:
            return None
        return PartHit(part, at + 1, at + len(part.sequence), float(self.self_scores[part.name]), 100.0, 1.0)

    def _best(self, part: ReferencePart, protein: str) -> PartHit | None:
        short = len(part.sequence) < 25
        min_fraction = 0.8 if short else 0.5
        self_score = self.self_scores[part.name]
        score = self.aligner.score(protein, part.sequence)
        if score < min_fraction * self_score or score <= 0:
            return None
        alignment = self.aligner.align(protein, part.sequence)[0]
        chain_blocks, part_blocks = alignment.aligned
        start = int(chain_blocks[0][0]) + 1
        end = int(chain_blocks[-1][1])
        part_covered = int(part_blocks[-1][1] - part_blocks[0][0])
        matches = sum(
            1
            for (c0, c1), (p0, _) in zip(chain_blocks, part_blocks)
            for i in range(c1 - c0)
            if protein[c0 + i] == part.sequence[p0 + i]
        )
        columns = max(end - start + 1, part_covered)
        identity = 100.0 * matches / columns
        coverage = part_covered / len(part.sequence)
        if short and (identity < 85.0 or coverage < 0.9):
            return None
        if not short and (identity < 60.0 or coverage < 0.6):
            return None
        return PartHit(part, start, end, float(score), round(identity, 1), round(coverage, 3))


def _kmers(sequence: str, k: int) -> set[str]:
    return {sequence[i : i + k] for i in range(len(sequence) - k + 1)}


@lru_cache(maxsize=1)
def _part_aligner() -> _PartAligner:
    return _PartAligner(reference_parts())


# ---------------------------------------------------------------------- detection


@dataclass
class _Placed:
    """A domain being placed on a chain (protein coordinates), before it becomes a draft."""

    kind: str
    label: str
    start: int
    end: int
    score: float | None
    identity: float | None
    reference: str | None
    note: str | None = None
    is_v_domain: bool = False


@lru_cache(maxsize=2048)
def _place_domains(protein: str) -> tuple[_Placed, ...]:
    """V domains and parts on one chain, non-overlapping, in order.

    Cached by the chain's residues: a chain seen again in this process (the same CAR in a vector map and
    in its ORF file, a re-import) is not searched again. Callers read the placements and never change them.
    """
    return tuple(_placements(protein))


def _placements(protein: str) -> list[_Placed]:
    v_hits = _v_domain_models().scan(protein) if len(protein) >= 70 else []
    light_types = {"K", "L"}
    has_light = any(h.chain_type in light_types for h in v_hits)
    placed: list[_Placed] = []
    for hit in v_hits:
        kind, label = _CHAIN_TYPES[hit.chain_type]
        note = (
            f"ANARCI HMM {hit.model}; species = best-scoring model among human, mouse, rat, "
            "rabbit and alpaca (humanised or VH3-family domains may score best on mouse or alpaca)"
        )
        if kind == "vh" and not has_light:
            kind, label = "vhh", "VHH"
            note += "; VHH because the chain has heavy-type V domains and no light-type V domain"
        placed.append(
            _Placed(kind, f"{label} ({hit.species})", hit.start, hit.end, round(hit.score, 1),
                    None, f"ANARCI {hit.model}", note, True)
        )

    part_hits = sorted(_part_aligner().hits(protein), key=lambda h: (-h.score, h.start))
    parts_placed: list[_Placed] = []
    for hit in part_hits:
        length = hit.end - hit.start + 1
        inside_v = max(
            (_overlap(hit.start, hit.end, v.start, v.end) for v in placed), default=0
        )
        if inside_v > 0.5 * length:
            continue
        clash = False
        for other in parts_placed:
            shared = _overlap(hit.start, hit.end, other.start, other.end)
            if shared > PART_TOLERATED_OVERLAP:
                clash = True
                break
        if clash:
            continue
        start, end = hit.start, hit.end
        for other in parts_placed:  # trim a small overlap off this (weaker) part
            if _overlap(start, end, other.start, other.end):
                if start >= other.start:
                    start = other.end + 1
                else:
                    end = other.start - 1
        if end < start:
            continue
        parts_placed.append(
            _Placed(hit.part.kind, hit.part.label, start, end, round(hit.score, 1), hit.identity,
                    hit.part.reference, f"part {hit.part.name}; coverage {hit.coverage:.0%}")
        )
    for part in parts_placed:  # V-domain envelopes are fuzzy at the ends: parts win
        for v in placed:
            if _overlap(part.start, part.end, v.start, v.end):
                if part.start <= v.start:
                    v.start = part.end + 1
                else:
                    v.end = part.start - 1
    domains = [d for d in placed + parts_placed if d.end >= d.start]
    domains.sort(key=lambda d: d.start)

    v_domains = [d for d in domains if d.is_v_domain and d.kind != "other"]
    for first, second in zip(v_domains, v_domains[1:]):
        between = [d for d in domains if first.end < d.start and d.end < second.start]
        if not between and second.start - first.end - 1 >= 1:
            domains.append(
                _Placed("linker", "linker", first.end + 1, second.start - 1, None, None, None,
                        "gap between two V domains; no reference linker part matched")
            )
    domains.sort(key=lambda d: d.start)
    return domains


def forget_seen_chains() -> None:
    """Empty the caches of chains and binder regions already searched (for benchmarks that time a first search)."""
    _place_domains.cache_clear()
    _v_domain_models()._species_hits.cache_clear()


def detect_domains(sequence: str, molecule: Molecule) -> DetectionResult:
    """Chains and detected domains of one record (``sequence`` as stored: upper case, no gaps)."""
    result = DetectionResult(chains=find_chains(sequence, molecule))
    for index, chain in enumerate(result.chains):
        for placed in _place_domains(chain.protein):
            start, end = chain.record_span(placed.start, placed.end)
            checksum = None
            if placed.kind in ("vh", "vl", "vhh"):
                segment = chain.protein[placed.start - 1 : placed.end]
                checksum = lsseguid(segment.replace("X", ""), alphabet="{protein}")
            result.domains.append(
                DomainDraft(
                    kind=placed.kind,
                    label=placed.label,
                    start=start,
                    end=end,
                    strand=chain.strand,
                    source="detected",
                    protein_start=placed.start,
                    protein_end=placed.end,
                    frame=chain.frame,
                    identity=placed.identity,
                    score=placed.score,
                    reference=placed.reference,
                    binder_checksum=checksum,
                    note=placed.note,
                )
            )
            result.chain_of_domain.append(index)
    return result


# ------------------------------------------------------------------- architecture


def binder_format(domains: list[DomainDraft]) -> str | None:
    """The binder format the domains of one chain show: scFv, VHH, TCR, VH, VL or None."""
    kinds = [d.kind for d in domains]
    if "vhh" in kinds:
        return "VHH"
    if "vh" in kinds and "vl" in kinds:
        return "scFv"
    if "tcr_alpha_variable" in kinds or "tcr_beta_variable" in kinds:
        return "TCR"
    if "vh" in kinds:
        return "VH"
    if "vl" in kinds:
        return "VL"
    return None


def propose_architecture(result: DetectionResult) -> dict:
    """The architecture of the main chain, for a curator to accept.

    Keys: hinge, transmembrane, signalling (labels or None), costimulatory (ordered
    list), binder_format, binder_domains (labels), generation (1 + number of
    costimulatory domains when a signalling domain is present, else None), markers,
    cleavage_2a, chain (record coordinates of the main chain) and complete (the chain
    ends in a stop codon, or is a protein record).
    """
    index = result.main_chain
    if index is None:
        return {
            "hinge": None, "transmembrane": None, "costimulatory": [], "signalling": None,
            "binder_format": None, "binder_domains": [], "generation": None, "markers": [],
            "cleavage_2a": [], "chain": None, "complete": None,
        }
    domains = result.domains_of(index)
    chain = result.chains[index]

    def first(kind: str) -> str | None:
        return next((d.label for d in domains if d.kind == kind), None)

    costimulatory = [d.label for d in domains if d.kind == "costimulatory"]
    signalling = first("signalling")
    return {
        "hinge": first("hinge"),
        "transmembrane": first("transmembrane"),
        "costimulatory": costimulatory,
        "signalling": signalling,
        "binder_format": binder_format(domains),
        "binder_domains": [
            d.label for d in domains
            if d.kind in ("vh", "vl", "vhh", "tcr_alpha_variable", "tcr_beta_variable")
        ],
        "generation": (1 + len(costimulatory)) if signalling else None,
        "markers": [d.label for d in domains if d.kind == "marker"],
        "cleavage_2a": [d.label for d in domains if d.kind == "cleavage_2a"],
        "chain": (chain.start, chain.end),
        "complete": chain.ends_in_stop or chain.strand is None,
    }


# -------------------------------------------------------------- header vs content


#: Binder formats detection can tell apart (what :func:`binder_format` returns).
_DETECTABLE_BINDERS = ("scFv", "VHH", "TCR", "VH", "VL")


@lru_cache(maxsize=8)
def _header_matchers(products: tuple[Product, ...]) -> tuple[tuple[re.Pattern[str], Product], ...]:
    """A whole-word matcher per product whose binder format a source gives and detection can see."""
    return tuple((mention_regex(p), p) for p in products if p.binder in _DETECTABLE_BINDERS)


def _display_name(product: Product) -> str:
    return f"{product.name} ({product.aliases[0]})" if product.aliases else product.name


def header_content_warnings(
    description: str, result: DetectionResult, products: tuple[Product, ...] | None = None
) -> list[str]:
    """Warnings where a record's header and its detected content disagree.

    The header is matched (whole words) against the named products whose binder format a
    source gives (``catalogue/reference/products.toml``, or ``products``). Warns when the
    detected binder format differs, and when a record named after a CAR product has no
    signalling domain (truncated or not a CAR at all).
    """
    header = (description or "").lower()
    named = [p for regex, p in _header_matchers(products or reference_products()) if regex.search(header)]
    if not named:
        return []
    warnings: list[str] = []
    index = result.main_chain
    domains = result.domains_of(index) if index is not None else []
    found_format = binder_format(domains)
    kinds = [d.kind for d in domains]
    for product in named:
        if found_format is None:
            warnings.append(
                f"header names {_display_name(product)}, a {product.binder} CAR against "
                f"{'/'.join(product.targets)}, but no binder domain was detected in the content"
            )
        elif found_format != product.binder:
            shown = ", ".join(
                d.label for d in domains if d.kind in ("vh", "vl", "vhh", "tcr_alpha_variable",
                                                       "tcr_beta_variable")
            )
            warnings.append(
                f"header names {_display_name(product)}, a {product.binder} CAR against "
                f"{'/'.join(product.targets)}, but the content has a {found_format} binder ({shown}): "
                "the record may be mislabelled"
            )
        if "signalling" not in kinds:
            warnings.append(
                f"header names {_display_name(product)}, a CAR, but no signalling domain (CD3ζ) was "
                f"detected: the record is incomplete or truncated (chain domains: "
                f"{', '.join(d.label for d in domains) or 'none'})"
            )
    return warnings
