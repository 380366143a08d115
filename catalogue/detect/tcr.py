"""TCR chains of a detected record: chain type, germline V and J genes, CDR3, constant region, order.

Domain detection (:mod:`catalogue.detect.domains`) finds TCR variable domains with
ANARCI's profile HMMs and constant regions and 2A peptides with the parts library. This
module reads each TCR V domain further, with ANARCI's own machinery:

* the domain is aligned again (pyhmmer) to the human and mouse HMMs of its chain type,
  and the alignment is turned into ANARCI's state vector by ANARCI's own
  ``_hmm_alignment_to_states``;
* ``number_sequence_from_alignment`` gives IMGT numbering; the CDR3 is the junction from
  the conserved Cys 104 to the J-motif Phe/Trp 118, inclusive, as VDJdb and other TCR
  databases write it (``CASSLSFGTEAFF``);
* ``run_germline_assignment`` picks the closest V and J germlines of ``anarci.germlines``
  (human and mouse); the allele is kept only when it is the single best allele of its
  gene, and names are standardised with tidytcells.

Each V domain is paired with the first TCR constant region after it (before the next V
domain); the constant part's name says its chain (TRAC alpha, TRBC beta, TRGC gamma, TRDC
delta) and species, and a Cys at the part's ``cysteine_site`` where the reference has
another residue marks the engineered inter-chain disulphide (cysteine-modified). Chains
are reported in ORF order with the 2A peptides between them.

Nothing here touches the database; :func:`tcr_chains` works on a
:class:`~catalogue.detect.domains.DetectionResult`.
"""

from __future__ import annotations

import logging
import sys
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from catalogue.detect.chains import DetectionResult
from catalogue.detect.parts import ReferencePart, reference_parts
from catalogue.detect.similarity import blosum62_aligner

CHAIN_NAMES = {"A": "alpha", "B": "beta", "G": "gamma", "D": "delta"}
CHAIN_LOCI = {"alpha": "TRA", "beta": "TRB", "gamma": "TRG", "delta": "TRD"}
CDR3_FIRST, CDR3_LAST = 104, 118  # IMGT: conserved Cys 104, J-motif Phe/Trp 118
GERMLINE_SPECIES = ("human", "mouse")
_TIDYTCELLS_SPECIES = {"human": "homosapiens", "mouse": "musmusculus"}
MIN_TCR_V_BITS = 40.0


@dataclass
class TcrChainCall:
    """One TCR chain found on a record, with what numbering and germline assignment say.

    ``start``/``end`` are 1-based inclusive record coordinates of the chain (its V domain
    through its constant region when one follows); ``protein_start``/``protein_end`` the
    same on the translated ORF. ``order`` is the chain's place in its ORF (1, 2, ...).
    """

    chain: str  # alpha | beta | gamma | delta
    v_gene: str | None
    j_gene: str | None
    cdr3: str | None
    constant: str | None  # e.g. "TRAC (human)", "TRBC2 (human, cysteine-modified)", "TRAC (mouse)"
    start: int
    end: int
    order: int
    v_allele: str | None = None
    j_allele: str | None = None
    species: str | None = None  # of the V domain's closest germline
    v_identity: float | None = None  # percent, to the closest V germline over the numbered positions
    j_identity: float | None = None
    v_gene_candidates: list[str] = field(default_factory=list)  # every gene as close as v_gene (duplicated genes)
    j_gene_candidates: list[str] = field(default_factory=list)
    constant_species: str | None = None  # human | mouse
    cysteine_modified: bool | None = None
    protein_start: int | None = None
    protein_end: int | None = None
    orf: int = 0  # index of the chain (ORF) in the detection result
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "chain": self.chain, "v_gene": self.v_gene, "j_gene": self.j_gene, "cdr3": self.cdr3,
            "constant": self.constant, "start": self.start, "end": self.end, "order": self.order,
            "v_allele": self.v_allele, "j_allele": self.j_allele, "species": self.species,
        }  # fmt: skip


@dataclass
class TcrCassette:
    """The TCR chains of a record in ORF order and the 2A peptides between them."""

    chains: list[TcrChainCall] = field(default_factory=list)
    separators: list[str] = field(default_factory=list)  # labels of 2A peptides between consecutive chains

    @property
    def order(self) -> str:
        """E.g. ``"beta-P2A-alpha"``; empty when no chain was found."""
        parts: list[str] = []
        for index, chain in enumerate(self.chains):
            if index:
                parts.append(self.separators[index - 1] if index - 1 < len(self.separators) else "")
            parts.append(chain.chain)
        return "-".join(p for p in parts if p)


# ------------------------------------------------------------------------- ANARCI


def _anarci_module():
    """ANARCI's main module (``anarci.anarci``), whose functions number and assign germlines."""
    import anarci  # noqa: F401  (imports anarci.anarci)

    return sys.modules["anarci.anarci"]


class _Hsp:
    """The few attributes of a Biopython HMMER hit that ANARCI's ``_hmm_alignment_to_states`` reads."""

    def __init__(self, alignment, model: str, offset: int) -> None:
        hmm_line, target_line = alignment.hmm_sequence, alignment.target_sequence
        self.aln_annotation = {
            "RF": "".join("." if c == "." else "x" for c in hmm_line),
            "PP": "".join("." if c == "-" else "8" for c in target_line),
        }
        self.hit_start = alignment.hmm_from - 1
        self.hit_end = alignment.hmm_to
        self.query_start = alignment.target_from - 1 + offset
        self.query_end = alignment.target_to + offset
        self.hit_id = model
        self.order = 0


class _TcrModels:
    """ANARCI's TCR HMMs (human and mouse, one block per chain type), loaded once."""

    def __init__(self) -> None:
        from pyhmmer import easel, plan7

        path = resources.files("anarci").joinpath("dat", "HMMs", "ALL.hmm")
        wanted = {f"{s}_{c}" for s in GERMLINE_SPECIES for c in CHAIN_NAMES}
        with plan7.HMMFile(str(path)) as handle:
            hmms = [h for h in handle if _name(h.name) in wanted]
        self.alphabet = easel.Alphabet.amino()
        background = plan7.Background(self.alphabet)
        self.blocks = {}
        for chain_type in CHAIN_NAMES:
            profiles = []
            for hmm in hmms:
                if _name(hmm.name).endswith(f"_{chain_type}"):
                    profile = plan7.Profile(hmm.M, self.alphabet)
                    profile.configure(hmm, background, L=200)
                    profiles.append(profile.to_optimized())
            self.blocks[chain_type] = plan7.OptimizedProfileBlock(self.alphabet, profiles)
        self._easel, self._plan7 = easel, plan7
        self._local = threading.local()

    def best_alignment(self, window: str, chain_types: str):
        """The best-scoring (model name, alignment, score) of ``window`` against the chain types' models."""
        query = self._easel.TextSequence(name=b"v", sequence=window).digitize(self.alphabet)
        best = None
        for chain_type in chain_types:
            block = self.blocks[chain_type]
            pipeline = self._plan7.Pipeline(self.alphabet, Z=len(block), domZ=1)
            for hit in pipeline.scan_seq(query, block):
                for domain in hit.domains:
                    if domain.score >= MIN_TCR_V_BITS and (best is None or domain.score > best[2]):
                        best = (_name(hit.name), domain.alignment, float(domain.score))
        return best


def _name(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


@lru_cache(maxsize=1)
def _tcr_models() -> _TcrModels:
    return _TcrModels()


@dataclass
class VNumbering:
    """What ANARCI says of one TCR V domain."""

    chain_type: str  # A, B, G, D
    species: str
    start: int  # 1-based in the chain protein
    end: int
    imgt: list[tuple[tuple[int, str], str]]  # ((position, insertion), residue)
    v_gene: tuple[str, float] | None
    j_gene: tuple[str, float] | None
    v_alleles_tied: list[str]
    j_alleles_tied: list[str]

    @property
    def identity(self) -> float:
        """V plus J germline identity (0..2): how well the chain type's germlines explain the domain."""
        return (self.v_gene[1] if self.v_gene else 0.0) + (self.j_gene[1] if self.j_gene else 0.0)


def number_v_domain(protein: str, start: int, end: int, chain_types: str = "ABGD") -> VNumbering | None:
    """IMGT numbering and closest germlines of the TCR V domain at ``start..end`` of ``protein``.

    The window is widened by a few residues on each side (HMM envelopes are fuzzy) and
    aligned to the human and mouse models of ``chain_types``; ``None`` when none scores.
    """
    low = max(1, start - 8)
    high = min(len(protein), end + 12)
    window = protein[low - 1 : high].replace("*", "X")
    best = _tcr_models().best_alignment(window, chain_types)
    if best is None:
        return None
    model, alignment, _score = best
    species, chain_type = model.rsplit("_", 1)
    anarci = _anarci_module()
    hsp = _Hsp(alignment, model, offset=low - 1)
    state_vector = anarci._hmm_alignment_to_states(hsp, 1, len(protein))
    numbering, first, last = anarci.number_sequence_from_alignment(state_vector, protein, scheme="imgt",
                                                                   chain_type=chain_type)
    genes = _quietly(anarci.run_germline_assignment, state_vector, protein, chain_type,
                     allowed_species=list(GERMLINE_SPECIES))
    v_gene = j_gene = None
    v_tied: list[str] = []
    j_tied: list[str] = []
    if genes and genes.get("v_gene") and genes["v_gene"][0]:
        (v_species, v_name), v_identity = genes["v_gene"]
        v_gene = (v_name, v_identity)
        v_tied = _tied_alleles(anarci, state_vector, protein, "V", chain_type, v_species, v_identity)
        species = v_species
        if genes.get("j_gene") and genes["j_gene"][0]:
            (_j_species, j_name), j_identity = genes["j_gene"]
            j_gene = (j_name, j_identity)
            j_tied = _tied_alleles(anarci, state_vector, protein, "J", chain_type, v_species, j_identity)
    return VNumbering(chain_type, species, first + 1, last + 1, numbering, v_gene, j_gene, v_tied, j_tied)


def _quietly(function, *args, **kwargs):
    """Call an ANARCI function with its prints to standard output silenced."""
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        return function(*args, **kwargs)


def _tied_alleles(anarci, state_vector, protein, segment, chain_type, species, best) -> list[str]:
    """Every germline of the segment that is as close as the best one (ANARCI's own identity)."""
    germlines = anarci.all_germlines[segment].get(chain_type, {}).get(species, {})
    state = dict(((i, "m"), None) for i in range(1, 129))
    state.update(dict(state_vector))
    state_sequence = "".join(protein[state[(i, "m")]] if state[(i, "m")] is not None else "-" for i in range(1, 129))
    return [name for name, germline in germlines.items() if anarci.get_identity(state_sequence, germline) >= best - 1e-9]


def cdr3_of(numbering: list[tuple[tuple[int, str], str]]) -> str | None:
    """The junction from IMGT 104 (Cys) to 118 (Phe/Trp), or ``None`` when either anchor is missing."""
    residues = [aa for (position, _insertion), aa in numbering if CDR3_FIRST <= position <= CDR3_LAST and aa != "-"]
    anchors = {position: aa for (position, insertion), aa in numbering if not insertion.strip()}
    if anchors.get(CDR3_FIRST) != "C" or anchors.get(CDR3_LAST) not in ("F", "W"):
        return None
    return "".join(residues)


@lru_cache(maxsize=4096)
def standard_gene(name: str, species: str) -> str | None:
    """An ANARCI germline name (``TRAV29/DV5*01``) standardised with tidytcells; ``None`` if unknown."""
    import tidytcells

    logging.getLogger("tidytcells").setLevel(logging.ERROR)
    return tidytcells.tr.standardize(name, species=_TIDYTCELLS_SPECIES.get(species, "homosapiens"),
                                     log_failures=False)


def _gene_and_allele(best: tuple[str, float] | None, tied: list[str], species: str) -> tuple[str | None, str | None]:
    if best is None:
        return None, None
    name = best[0]
    standard = standard_gene(name, species) or name
    gene = standard.split("*")[0]
    tied_genes = {(standard_gene(t, species) or t).split("*")[0] for t in tied}
    same_gene = [t for t in tied if (standard_gene(t, species) or t).split("*")[0] == gene]
    allele = standard if "*" in standard and len(same_gene) <= 1 and len(tied_genes) <= 1 else None
    return gene, allele


# ------------------------------------------------------------------- constant regions


@dataclass(frozen=True)
class ConstantRegion:
    """What a TCR constant part is: chain and species, read from its label (``TRBC2 (mouse)``)."""

    chain: str
    gene: str
    species: str


def constant_region(part: ReferencePart) -> ConstantRegion | None:
    """The chain and species of a ``tcr_constant`` part, from its label's IMGT gene name."""
    if part.kind != "tcr_constant":
        return None
    gene = part.label.split(" ")[0].upper()
    loci = {"TRAC": "alpha", "TRBC": "beta", "TRGC": "gamma", "TRDC": "delta"}
    chain = loci.get(gene[:4])
    if chain is None:
        return None
    species = "mouse" if "mouse" in part.label.lower() or "murine" in part.label.lower() else "human"
    return ConstantRegion(chain, gene, species)


def cysteine_modified(segment: str, part: ReferencePart) -> bool | None:
    """True when the segment has a Cys where the part has its (non-Cys) ``cysteine_site`` residue.

    ``None`` when the part has no known site or the segment does not cover it.
    """
    site = part.cysteine_site
    if site is None or not 1 <= site <= len(part.sequence):
        return None
    alignment = blosum62_aligner("global", free_end_gaps=True).align(segment, part.sequence)[0]
    for (s0, s1), (p0, p1) in zip(*alignment.aligned):
        if p0 <= site - 1 < p1:
            return segment[s0 + (site - 1 - p0)] == "C" and part.sequence[site - 1] != "C"
    return None


def _part_by_reference() -> dict[str, ReferencePart]:
    return {p.reference: p for p in reference_parts()}


# ------------------------------------------------------------------------ chains


def tcr_chains(result: DetectionResult) -> TcrCassette:
    """The TCR chains of a detected record, numbered and assigned, in ORF order."""
    cassette = TcrCassette()
    parts = _part_by_reference()
    for orf, chain in enumerate(result.chains):
        domains = result.domains_of(orf)
        v_domains = [d for d in domains if _v_chain_type(d.reference) is not None]
        if not v_domains:
            continue
        calls: list[TcrChainCall] = []
        for number, v in enumerate(v_domains):
            next_v_start = v_domains[number + 1].protein_start if number + 1 < len(v_domains) else None
            following = [d for d in domains if d.protein_start is not None and d.protein_start > v.protein_end
                         and (next_v_start is None or d.protein_start < next_v_start)]
            constant = next((d for d in following if d.kind == "tcr_constant"), None)
            if constant is None and not _is_tcr_context(domains):
                continue  # an antibody-like V domain with no TCR constant and no TCR domain on the chain
            call = _chain_call(chain, v, constant, parts, orf)
            if call is not None:
                calls.append(call)
        if not calls:
            continue
        for call in calls:
            call.order = len(cassette.chains) + 1
            cassette.chains.append(call)
        for first, second in zip(calls, calls[1:]):
            between = [d.label for d in domains if d.kind == "cleavage_2a" and d.protein_start is not None
                       and first.protein_end < d.protein_start < second.protein_start]
            cassette.separators.append(between[0] if between else "")
    return cassette


def _v_chain_type(reference: str | None) -> str | None:
    """``"A"`` for a domain found by ANARCI's ``human_A`` model, etc.; None for other domains."""
    if not reference or not reference.startswith("ANARCI "):
        return None
    chain_type = reference.rsplit("_", 1)[-1]
    return chain_type if chain_type in CHAIN_NAMES else None


def _is_tcr_context(domains) -> bool:
    return any(d.kind == "tcr_constant" for d in domains)


# V genes shared by the alpha and delta loci (TRAV14/DV4, TRAV29/DV5, ...) score on both HMMs; the
# constant region decides, or, without one, the J germlines (TRAJ vs TRDJ) that explain the domain best.
_CHAIN_TYPE_OF = {name: code for code, name in CHAIN_NAMES.items()}
_ALTERNATIVES = {"A": "AD", "D": "AD", "B": "BG", "G": "BG"}


def _numbered(chain, v, region: ConstantRegion | None) -> VNumbering | None:
    if region is not None:
        return number_v_domain(chain.protein, v.protein_start, v.protein_end, _CHAIN_TYPE_OF[region.chain])
    first = number_v_domain(chain.protein, v.protein_start, v.protein_end)
    if first is None:
        return None
    options = [first]
    for chain_type in _ALTERNATIVES[first.chain_type].replace(first.chain_type, ""):
        other = number_v_domain(chain.protein, v.protein_start, v.protein_end, chain_type)
        if other is not None:
            options.append(other)
    return max(options, key=lambda n: n.identity)


def _chain_call(chain, v, constant, parts: dict[str, ReferencePart], orf: int) -> TcrChainCall | None:
    part = parts.get(constant.reference or "") if constant is not None else None
    region = constant_region(part) if part is not None else None
    numbering = _numbered(chain, v, region)
    if numbering is None:
        return None
    notes: list[str] = []
    chain_name = CHAIN_NAMES[numbering.chain_type]
    v_gene, v_allele = _gene_and_allele(numbering.v_gene, numbering.v_alleles_tied, numbering.species)
    j_gene, j_allele = _gene_and_allele(numbering.j_gene, numbering.j_alleles_tied, numbering.species)
    cdr3 = cdr3_of(numbering.imgt)
    if cdr3 is None:
        notes.append("no CDR3: the conserved Cys 104 or the J-motif Phe/Trp 118 is missing in the IMGT numbering")
    constant_label = constant_species = None
    modified = None
    protein_end = max(v.protein_end, numbering.end)
    if constant is not None:
        if region is not None:
            segment = chain.protein[constant.protein_start - 1 : constant.protein_end]
            modified = cysteine_modified(segment, part)
            qualities = [region.species] + (["cysteine-modified"] if modified else [])
            constant_label = f"{region.gene} ({', '.join(qualities)})"
            constant_species = region.species
            if region.chain != chain_name:
                notes.append(f"the V domain is {chain_name} but the constant region that follows is {region.chain}")
        else:
            constant_label = constant.label
        protein_end = constant.protein_end
    protein_start = v.protein_start
    start, end = chain.record_span(protein_start, protein_end)
    return TcrChainCall(
        chain=chain_name, v_gene=v_gene, j_gene=j_gene, cdr3=cdr3, constant=constant_label,
        start=start, end=end, order=0, v_allele=v_allele, j_allele=j_allele, species=numbering.species,
        v_identity=round(100 * numbering.v_gene[1], 1) if numbering.v_gene else None,
        j_identity=round(100 * numbering.j_gene[1], 1) if numbering.j_gene else None,
        constant_species=constant_species, cysteine_modified=modified,
        v_gene_candidates=_candidates(numbering.v_alleles_tied, numbering.species),
        j_gene_candidates=_candidates(numbering.j_alleles_tied, numbering.species),
        protein_start=protein_start, protein_end=protein_end, orf=orf, notes=notes,
    )  # fmt: skip


def _candidates(tied: list[str], species: str) -> list[str]:
    return list(dict.fromkeys((standard_gene(t, species) or t).split("*")[0] for t in tied))


def proposed_modality(cassette: TcrCassette) -> str | None:
    """``"TCR-T"`` when the record carries a TCR chain (a TCR V domain with a TCR constant region), else None.

    Two TCR V domains without constant regions (a single-chain TCR) count too.
    """
    with_constant = [c for c in cassette.chains if c.constant]
    if with_constant or len(cassette.chains) >= 2:
        return "TCR-T"
    return None
