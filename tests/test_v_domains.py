"""The V-domain scan's shortcuts give what the full computation gives, on the real CAR and TCR records.

On each located region the scan stops a model after its Forward filter when it cannot beat the best score so
far (models in SSV order, results cached by segment), and the parts are scored with parasail instead of
Biopython's aligner; both are checked here against the full computation done independently with pyhmmer
(every model run to the end) and Biopython. Every model of a region is scored on the same segment, so a
binder's call does not depend on the rest of its chain: checked on the approved CARs.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest
from Bio import Align, SeqIO
from Bio.Align import substitution_matrices
from pyhmmer import easel, plan7

from catalogue.detect.binders import parse_therasabdab
from catalogue.detect.chains import find_chains
from catalogue.detect.parts import reference_parts
from catalogue.detect.similarity import local_score
from catalogue.detect.v_domains import (
    FIRST_PASS_MODELS,
    MIN_V_DOMAIN_BITS,
    SEGMENT_MARGIN,
    SPECIES_MODELS,
    located_regions,
    v_domain_hits,
)

CONSTRUCTS = Path(__file__).resolve().parent.parent / "constructs"
RECORDS = ("Tisacel_patentUS9499629B2.fasta", "Axicel_HM852952.fasta", "Idecel_patentWO2021091978A1.fasta",
           "Ciltacel_Oezdemirli.fasta", "Tisacel_patentUS9499629B2_protein.fasta")


def _chains(shared_data: Path) -> list[str]:
    proteins = []
    folder = shared_data / "sequences"
    for name in RECORDS:
        record = SeqIO.read(folder / name, "fasta")
        molecule = "protein" if "protein" in name else "DNA"
        proteins += [c.protein for c in find_chains(str(record.seq).upper(), molecule)]
    for path in sorted(CONSTRUCTS.glob("*.gb")):  # the shipped designs: scFv, VHH and a TCR cassette
        for record in SeqIO.parse(path, "genbank"):
            proteins += [c.protein for c in find_chains(str(record.seq).upper(), "DNA")]
    return [re.sub(r"[^ACDEFGHIKLMNPQRSTVWY]", "X", p) for p in proteins if len(p) >= 70]


@pytest.fixture(scope="module")
def models() -> dict[str, plan7.OptimizedProfile]:
    alphabet = easel.Alphabet.amino()
    background = plan7.Background(alphabet)
    optimized = {}
    with plan7.HMMFile(str(resources.files("anarci").joinpath("dat", "HMMs", "ALL.hmm"))) as handle:
        for hmm in handle:
            profile = plan7.Profile(hmm.M, alphabet)
            profile.configure(hmm, background, L=400)
            name = hmm.name.decode() if isinstance(hmm.name, bytes) else hmm.name
            optimized[name] = profile.to_optimized()
    return optimized


def _domains(protein: str, names: tuple[str, ...], models) -> list[tuple[int, int, float, str]]:
    """Every domain of at least MIN_V_DOMAIN_BITS, every model run to the end (no shortcut)."""
    alphabet = easel.Alphabet.amino()
    block = plan7.OptimizedProfileBlock(alphabet, [models[n] for n in names])
    query = easel.TextSequence(name=b"q", sequence=protein).digitize(alphabet)
    found = []
    for hit in plan7.Pipeline(alphabet, Z=len(names), domZ=1).scan_seq(query, block):
        name = hit.name.decode() if isinstance(hit.name, bytes) else hit.name
        for domain in hit.domains:
            assert domain.score <= hit.pre_score  # what the species pass's shortcut rests on
            if domain.score >= MIN_V_DOMAIN_BITS:
                found.append((domain.alignment.target_from, domain.alignment.target_to, float(domain.score), name))
    return found


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]) + 1)


def _full_scan(protein: str, models) -> list[tuple[int, int, float, str]]:
    """Every model of every located region run to the end on that region's segment; the best wins."""
    located = located_regions(protein)
    winners = []
    for number, (start, end) in enumerate(located):
        low = max(1, start - SEGMENT_MARGIN, located[number - 1][1] + 1 if number else 1)
        high = min(len(protein), end + SEGMENT_MARGIN,
                   located[number + 1][0] - 1 if number + 1 < len(located) else len(protein))
        segment, region = protein[low - 1 : high], (start - low + 1, end - low + 1)
        chain_types = [d for d in _domains(segment, FIRST_PASS_MODELS, models)
                       if _overlap(d[:2], region) > 0.3 * (region[1] - region[0] + 1)]
        if not chain_types:
            continue
        best = max(chain_types, key=lambda d: d[2])
        species = [d for d in _domains(segment, SPECIES_MODELS[best[3].rsplit("_", 1)[1]], models)
                   if d[2] > best[2] and _overlap(d[:2], best[:2]) > 0.5 * (best[1] - best[0] + 1)]
        best = max(species, key=lambda d: d[2]) if species else best
        winners.append((best[0] + low - 1, best[1] + low - 1, best[2], best[3]))
    accepted: list[tuple[int, int, float, str]] = []
    for start, end, score, name in sorted(winners, key=lambda h: -h[2]):
        if all(_overlap((start, end), (s, e)) < 0.3 * min(end - start + 1, e - s + 1) for s, e, _, _ in accepted):
            accepted.append((start, end, score, name))
    return sorted(accepted)


def test_v_domains_are_those_of_the_full_scan(shared_data: Path, models) -> None:
    chains = _chains(shared_data)
    assert len(chains) >= 5
    found_any = False
    for protein in chains:
        expected = _full_scan(protein, models)
        found = [(h.start, h.end, h.score, h.model) for h in v_domain_hits(protein)]
        assert found == expected
        found_any = found_any or bool(found)
    assert found_any


def test_a_binder_gets_the_same_call_alone_and_on_its_chain(shared_data: Path) -> None:
    """The V domains of the approved CARs and the shipped designs: each whole domain (100 residues or more; a
    fragment alone is too short to score) scanned on its own gets the model it got on the whole chain."""
    checked = 0
    for protein in _chains(shared_data):
        for hit in v_domain_hits(protein):
            if hit.end - hit.start + 1 >= 100:
                alone = v_domain_hits(protein[hit.start - 1 : hit.end])
                assert [h.model for h in alone] == [hit.model], (hit, alone)
                checked += 1
    assert checked >= 10


def test_therapeutic_antibodies_get_their_own_call_in_any_car(shared_data: Path) -> None:
    """The first 30 paired antibodies of the Thera-SAbDab export, each built into two scFv CARs (VH-VL and
    VL-VH, with different signal peptides, linkers, hinges and signalling tails) from the reference parts:
    each V domain gets the chain type and species its own Thera-SAbDab chain gets alone."""
    path = shared_data / "binders" / "TheraSAbDab_SeqStruc_OnlineDownload.csv"
    paired = [b for b in parse_therasabdab(path.read_bytes(), path.name) if b.heavy and b.light][:30]
    part = {p.name: p.sequence for p in reference_parts()}
    layouts = (("cd8a_signal_peptide", "g4s3_linker", "cd8a_hinge", "cd8a_transmembrane", "tnfrsf9_costimulatory"),
               ("csf2ra_signal_peptide", "whitlow_218_linker", "igg4_hinge", "cd28_transmembrane",
                "cd28_costimulatory"))
    for binder in paired:
        alone = {binder.heavy: v_domain_hits(binder.heavy), binder.light: v_domain_hits(binder.light)}
        for number, (signal, linker, hinge, transmembrane, costimulatory) in enumerate(layouts):
            first, second = (binder.heavy, binder.light) if number == 0 else (binder.light, binder.heavy)
            car = "".join((part[signal], first, part[linker], second, part[hinge], part[transmembrane],
                           part[costimulatory], part["cd247_signalling"]))
            found = v_domain_hits(car)
            assert [h.model for h in found] == [alone[first][0].model, alone[second][0].model], binder.name


def test_part_scores_are_biopythons(shared_data: Path) -> None:
    aligner = Align.PairwiseAligner(mode="local", substitution_matrix=substitution_matrices.load("BLOSUM62"),
                                    open_gap_score=-10.0, extend_gap_score=-1.0)
    chains = _chains(shared_data)[:3]
    for protein in chains:
        for part in reference_parts():
            assert local_score(part.sequence, protein, 10, 1) == aligner.score(protein, part.sequence)
