"""Antibody and TCR variable domains on a protein chain, found with ANARCI's profile HMMs through pyhmmer.

:func:`v_domain_hits` scans a chain in three steps:

1. *Locate*: one model (``human_A``, the cheapest that finds every V region of the verification chains)
   runs over the whole chain; each of its domains, whatever its score, marks a region that may hold a V
   domain.
2. *Choose the chain type*: on each region, cut out with up to ``SEGMENT_MARGIN`` residues on either side
   (never into the next region), the five human models (one per chain type) compete; the best domain of at
   least ``MIN_V_DOMAIN_BITS`` that overlaps the region wins.
3. *Choose the species*: on the same segment, the same chain type of the other species considered compete
   with the winner; the best-scoring model names the domain's species and chain
   type (``mouse_H``, ``human_K``...).

Every model of one region is scored on that region, never on the whole chain, so a binder gets the same
species and chain type whatever else its chain carries (a bit score depends on the length of the sequence
scored: scored over a whole CAR, a humanised VH lost ~1.5 bits against the mouse model scored on its region,
and was called mouse in one construct and human in another).

Nearly all of the time goes to HMMER's domain definition (posterior decoding, envelopes and alignments,
~0.5-1 ms per model and domain), which runs on every model whose Forward score passes the F3 filter. A
domain's bit score never exceeds its model's whole-sequence Forward score (``pre_score``, before the null2
correction), so in steps 2 and 3 each model runs with F3 set to the P-value of the best score so far (with
the bias filter off, F3 tests exactly ``pre_score``) and a model that cannot win stops after its Forward
filter; in step 2 the models go in the order of their SSV filter scores, so the likely winner runs first.
The winners are the ones every model run to the end would give (``tests/test_v_domains.py`` checks it).
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
LOCATOR_MODEL = "human_A"  # finds every V region (of any chain type) of the verification chains
SEGMENT_MARGIN = 40  # residues added on each side of a located region (short of its neighbours)
SPLIT_END = 10  # model positions: a located part ending this far short of the model's end is half a domain

CHAIN_TYPES = {
    "H": ("vh", "VH"),
    "K": ("vl", "VL κ"),
    "L": ("vl", "VL λ"),
    "A": ("tcr_alpha_variable", "TCR Vα"),
    "B": ("tcr_beta_variable", "TCR Vβ"),
    "G": ("other", "TCR Vγ"),
    "D": ("other", "TCR Vδ"),
}

# Models that compete for a region's chain type (human, one per chain type), then, on the
# winner's region, the same chain type of the other species considered. ANARCI also ships rhesus,
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
        self.locator = plan7.OptimizedProfileBlock(self.alphabet, [optimized[LOCATOR_MODEL]])
        # each chain-type model on its own, with the (tau, lambda) of its Forward score distribution
        self.chain_type_pass = tuple(
            (optimized[n], plan7.OptimizedProfileBlock(self.alphabet, [optimized[n]]),
             optimized[n].evalue_parameters.f_tau, optimized[n].evalue_parameters.f_lambda)
            for n in FIRST_PASS_MODELS
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

    def _digitized(self, protein: str):
        return self._easel.TextSequence(name=b"chain", sequence=protein).digitize(self.alphabet)

    def _hits(self, query, block, *, size: int, floor: tuple[float, float, float]) -> list[VDomainHit]:
        """Domains of at least MIN_V_DOMAIN_BITS of the digitized ``query`` against ``block``.

        ``floor`` = (bits, tau, lambda): only a model whose Forward score reaches ``bits`` goes on to domain
        definition (F3 is the P-value of ``bits`` under the model's Forward score distribution).
        """
        pipeline = self._pipeline(size, True)
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
        located = self._located_regions(clean)
        winners = []
        for number, (start, end) in enumerate(located):
            # the segment stops short of the neighbouring regions, so it holds one V domain
            low = max(1, start - SEGMENT_MARGIN, located[number - 1][1] + 1 if number else 1)
            high = min(len(clean), end + SEGMENT_MARGIN,
                       located[number + 1][0] - 1 if number + 1 < len(located) else len(clean))
            best = self._region_best(clean[low - 1 : high], start - low + 1, end - low + 1)
            if best is not None:
                winners.append(VDomainHit(best.start + low - 1, best.end + low - 1, best.score, best.model))
        accepted: list[VDomainHit] = []  # one per region: the located regions of a split domain give one winner
        for candidate in sorted(winners, key=lambda h: -h.score):
            length = candidate.end - candidate.start + 1
            if all(
                overlap(candidate.start, candidate.end, other.start, other.end)
                < 0.3 * min(length, other.end - other.start + 1)
                for other in accepted
            ):
                accepted.append(candidate)
        return sorted(accepted, key=lambda h: h.start)

    def _located_regions(self, clean: str) -> list[tuple[int, int]]:
        """The regions that may hold a V domain: the locator's domains, whatever their score, in order along the
        chain. Two neighbouring domains that align to successive parts of the model (one V domain that HMMER's
        domain definition split in two) make one region."""
        pipeline = self._pipeline(1, False)
        hits = pipeline.scan_seq(self._digitized(clean), self.locator)
        pipeline.clear()
        parts = sorted((d.alignment.target_from, d.alignment.target_to, d.alignment.hmm_from, d.alignment.hmm_to)
                       for hit in hits for d in hit.domains)
        length = self.locator[0].M
        regions: list[list[int]] = []
        for start, end, hmm_from, hmm_to in parts:
            if regions:
                previous = regions[-1]
                if (previous[3] < length - SPLIT_END and hmm_from > SPLIT_END and hmm_from > previous[3] - SPLIT_END
                        and start - previous[1] <= SEGMENT_MARGIN):
                    regions[-1] = [previous[0], max(end, previous[1]), previous[2], hmm_to]
                    continue
            regions.append([start, end, hmm_from, hmm_to])
        return [(start, end) for start, end, _, _ in regions]

    @lru_cache(maxsize=4096)  # noqa: B019 - one instance for the process; a binder seen again is not scanned again
    def _region_best(self, segment: str, start: int, end: int) -> VDomainHit | None:
        """The best V domain of ``segment`` (segment coordinates) that overlaps the located region ``start..end``
        by more than 30 %: its chain type, then its species, every model scored on this same segment; None when
        no chain-type model reaches MIN_V_DOMAIN_BITS there. Cached by the segment's residues and the region."""
        query = self._digitized(segment)
        best: VDomainHit | None = None
        best_score = MIN_V_DOMAIN_BITS
        size = len(self.chain_type_pass)
        for _, block, tau, lam in sorted(self.chain_type_pass, key=lambda model: -model[0].ssv_filter(query)):
            for other in self._hits(query, block, size=size, floor=(best_score, tau, lam)):
                beats = other.score >= best_score if best is None else other.score > best_score
                if beats and overlap(other.start, other.end, start, end) > 0.3 * (end - start + 1):
                    best, best_score = other, other.score
        if best is None:
            return None
        chain_type, region_start, region_end = best.chain_type, best.start, best.end
        size = len(SPECIES_MODELS[chain_type])
        for block, tau, lam in self.species_pass[chain_type]:
            for other in self._hits(query, block, size=size, floor=(best_score, tau, lam)):
                if (other.score > best_score
                        and overlap(other.start, other.end, region_start, region_end)
                        > 0.5 * (region_end - region_start + 1)):
                    best, best_score = other, other.score
        return best


@lru_cache(maxsize=1)
def _v_domain_models() -> _VDomainModels:
    return _VDomainModels()


def v_domain_hits(protein: str) -> list[VDomainHit]:
    """The V domains of one protein chain, best model per region, in order along the chain."""
    return _v_domain_models().scan(protein)


def located_regions(protein: str) -> list[tuple[int, int]]:
    """The regions of one protein chain that may hold a V domain (step 1 of the scan), in order."""
    return _v_domain_models()._located_regions(_NOT_AMINO.sub("X", protein))


def forget_scanned_regions() -> None:
    """Empty the caches of binder regions already searched for their chain type and species."""
    if _v_domain_models.cache_info().currsize:
        _v_domain_models()._region_best.cache_clear()
