"""Antibody and TCR variable domains on a protein chain, found with ANARCI's profile HMMs through pyhmmer.

:func:`v_domain_hits` scans a chain in two passes: the five human models (one per chain type) over the
whole chain, then, on each region found, the same chain type of the other species considered; the
best-scoring model names the domain's species and chain type (``mouse_H``, ``human_K``...).

Nearly all of the time goes to HMMER's domain definition (posterior decoding, envelopes and alignments,
~0.5 ms per model and domain), which runs on every model whose Forward score passes the F3 filter. The
species pass only needs a model whose domain can beat the region's best score so far, and a domain's
bit score never exceeds its model's whole-sequence Forward score (``pre_score``, before the null2
correction): so each species model is run with F3 set to the P-value of that score (with the bias filter
off, F3 tests exactly ``pre_score``), and a model that cannot win is stopped after its Forward filter.
The hits that remain are the ones the full search finds, and the choice among them is the same.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from catalogue.detect.chains import overlap

MIN_V_DOMAIN_BITS = 40.0  # HMM bit score a V-domain hit needs
REGION_MARGIN = 10  # residues added on each side of a first-pass region for the species pass

CHAIN_TYPES = {
    "H": ("vh", "VH"),
    "K": ("vl", "VL κ"),
    "L": ("vl", "VL λ"),
    "A": ("tcr_alpha_variable", "TCR Vα"),
    "B": ("tcr_beta_variable", "TCR Vβ"),
    "G": ("other", "TCR Vγ"),
    "D": ("other", "TCR Vδ"),
}

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
_NOT_AMINO = re.compile(r"[^ACDEFGHIKLMNPQRSTVWY]")


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


def _name(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


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
            optimized[_name(hmm.name)] = profile.to_optimized()
        self.first_pass = plan7.OptimizedProfileBlock(
            self.alphabet, [optimized[n] for n in FIRST_PASS_MODELS]
        )
        # each species model on its own, with the (tau, lambda) of its Forward score distribution
        self.species_pass = {
            chain_type: tuple(
                (plan7.OptimizedProfileBlock(self.alphabet, [optimized[n]]),
                 optimized[n].evalue_parameters.f_tau, optimized[n].evalue_parameters.f_lambda)
                for n in names
            )
            for chain_type, names in SPECIES_MODELS.items()
        }
        self._local = threading.local()
        self._easel = easel
        self._plan7 = plan7

    def _pipeline(self, size: int, gated: bool):
        pipelines = getattr(self._local, "pipelines", None)
        if pipelines is None:
            pipelines = self._local.pipelines = {}
        if (size, gated) not in pipelines:
            # Z stays the number of models the pass searches, so E-value reporting is that of one scan
            pipelines[size, gated] = self._plan7.Pipeline(self.alphabet, Z=size, domZ=1, bias_filter=not gated)
        return pipelines[size, gated]

    def _hits(self, protein: str, block, *, size: int | None = None, floor: tuple[float, float, float] | None = None
              ) -> list[VDomainHit]:
        """Domains of at least MIN_V_DOMAIN_BITS of ``protein`` against ``block``.

        ``floor`` = (bits, tau, lambda): only a model whose Forward score reaches ``bits`` goes on to domain
        definition (F3 is the P-value of ``bits`` under the model's Forward score distribution).
        """
        query = self._easel.TextSequence(name=b"chain", sequence=protein).digitize(self.alphabet)
        pipeline = self._pipeline(size or len(block), floor is not None)
        if floor is not None:
            bits, tau, lam = floor
            pipeline.F3 = 1.0 if bits <= tau else math.exp(-lam * (bits - tau))
        hits = pipeline.scan_seq(query, block)
        pipeline.clear()
        found = []
        for hit in hits:
            name = _name(hit.name)
            for domain in hit.domains:
                if domain.score >= MIN_V_DOMAIN_BITS:
                    alignment = domain.alignment
                    found.append(VDomainHit(alignment.target_from, alignment.target_to, float(domain.score), name))
        return found

    def scan(self, protein: str) -> list[VDomainHit]:
        """All V-domain hits above threshold on ``protein``, best model per region, in order."""
        clean = _NOT_AMINO.sub("X", protein)
        accepted: list[VDomainHit] = []
        for candidate in sorted(self._hits(clean, self.first_pass), key=lambda h: -h.score):
            length = candidate.end - candidate.start + 1
            if all(
                overlap(candidate.start, candidate.end, other.start, other.end)
                < 0.3 * min(length, other.end - other.start + 1)
                for other in accepted
            ):
                accepted.append(candidate)
        refined = []
        for region in accepted:
            low = max(1, region.start - REGION_MARGIN)
            high = min(len(clean), region.end + REGION_MARGIN)
            best = self._species_best(clean[low - 1 : high], region.chain_type, region.start - low + 1,
                                      region.end - low + 1, region.score)
            refined.append(region if best is None else
                           VDomainHit(best.start + low - 1, best.end + low - 1, best.score, best.model))
        return sorted(refined, key=lambda h: h.start)

    @lru_cache(maxsize=4096)  # noqa: B019 - one instance for the process; a binder seen again is not scanned again
    def _species_best(self, segment: str, chain_type: str, start: int, end: int, score: float) -> VDomainHit | None:
        """The species-pass hit that scores above ``score`` and covers more than half of the region
        ``start..end`` (segment coordinates), the best of them; None when the first-pass model stays best.
        Cached by the segment's residues and the region."""
        best: VDomainHit | None = None
        best_score = score
        size = len(SPECIES_MODELS[chain_type])
        for block, tau, lam in self.species_pass[chain_type]:
            for other in self._hits(segment, block, size=size, floor=(best_score, tau, lam)):
                if other.score > best_score and overlap(other.start, other.end, start, end) > 0.5 * (end - start + 1):
                    best, best_score = other, other.score
        return best


@lru_cache(maxsize=1)
def _v_domain_models() -> _VDomainModels:
    return _VDomainModels()


def v_domain_hits(protein: str) -> list[VDomainHit]:
    """The V domains of one protein chain, best model per region, in order along the chain."""
    return _v_domain_models().scan(protein)


def forget_scanned_regions() -> None:
    """Empty the cache of binder regions already searched by the species pass."""
    if _v_domain_models.cache_info().currsize:
        _v_domain_models()._species_best.cache_clear()
