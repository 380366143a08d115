"""The V-domain scan's shortcuts give what the full computation gives, on the real CAR and TCR records.

The species pass stops a model after its Forward filter when it cannot beat the region's best score, and the
parts are scored with parasail instead of Biopython's aligner; both are checked here against the full
computation done independently with pyhmmer and Biopython.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest
from Bio import Align, SeqIO
from Bio.Align import substitution_matrices
from pyhmmer import easel, plan7

from catalogue.detect.chains import find_chains
from catalogue.detect.parts import reference_parts
from catalogue.detect.similarity import local_score
from catalogue.detect.v_domains import (
    FIRST_PASS_MODELS,
    MIN_V_DOMAIN_BITS,
    REGION_MARGIN,
    SPECIES_MODELS,
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


def _full_scan(protein: str, models) -> list[tuple[int, int, float, str]]:
    accepted: list[tuple[int, int, float, str]] = []
    for start, end, score, name in sorted(_domains(protein, FIRST_PASS_MODELS, models), key=lambda h: -h[2]):
        if all(max(0, min(end, e) - max(start, s) + 1) < 0.3 * min(end - start + 1, e - s + 1)
               for s, e, _, _ in accepted):
            accepted.append((start, end, score, name))
    refined = []
    for start, end, score, name in accepted:
        low, high = max(1, start - REGION_MARGIN), min(len(protein), end + REGION_MARGIN)
        best = (start, end, score, name)
        for s, e, sc, n in _domains(protein[low - 1 : high], SPECIES_MODELS[name.rsplit("_", 1)[1]], models):
            s, e = s + low - 1, e + low - 1
            if sc > best[2] and max(0, min(e, end) - max(s, start) + 1) > 0.5 * (end - start + 1):
                best = (s, e, sc, n)
        refined.append(best)
    return sorted(refined)


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


def test_part_scores_are_biopythons(shared_data: Path) -> None:
    aligner = Align.PairwiseAligner(mode="local", substitution_matrix=substitution_matrices.load("BLOSUM62"),
                                    open_gap_score=-10.0, extend_gap_score=-1.0)
    chains = _chains(shared_data)[:3]
    for protein in chains:
        for part in reference_parts():
            assert local_score(part.sequence, protein, 10, 1) == aligner.score(protein, part.sequence)
