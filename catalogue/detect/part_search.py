"""Reference parts on a protein chain: verbatim occurrences, else local alignments (BLOSUM62).

Every part of the library (:mod:`catalogue.detect.parts`) that shares enough 3-mers with a chain is
looked for: first as a verbatim substring (the best local alignment there is, found without aligning),
else by a local alignment score (parasail's striped Smith-Waterman, the same score as Biopython's
``PairwiseAligner`` with these gap costs, in a tenth of the time) and, only when that score is high
enough, the alignment itself (Biopython) for its range and identity. A part may occur more than once
(two 2A peptides): the copy found is masked and the chain searched again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from catalogue.detect.parts import ReferencePart, reference_parts
from catalogue.detect.similarity import blosum62_aligner, local_score

KMER = 3
GAP_OPEN, GAP_EXTEND = 10, 1  # a gap of n residues costs 10 + (n - 1)
MAX_COPIES = 4  # occurrences of one part looked for on one chain
_OUTSIDE_BLOSUM62 = re.compile(r"[^ARNDCQEGHILKMFPSTWYVBZX*]")


@dataclass(frozen=True)
class PartHit:
    """A reference part aligned on one chain (protein coordinates)."""

    part: ReferencePart
    start: int
    end: int
    score: float
    identity: float  # percent identical over the aligned columns
    coverage: float  # fraction of the part covered by the alignment


def _kmers(sequence: str) -> set[str]:
    return {sequence[i : i + KMER] for i in range(len(sequence) - KMER + 1)}


class _PartAligner:
    """A local BLOSUM62 aligner and the parts' self-scores and 3-mers, built once."""

    def __init__(self, parts: tuple[ReferencePart, ...]) -> None:
        self.aligner = blosum62_aligner("local")
        self.parts = parts
        self.self_scores = {p.name: self.aligner.score(p.sequence, p.sequence) for p in parts}
        self.kmers = {p.name: _kmers(p.sequence) for p in parts}

    def hits(self, protein: str) -> list[PartHit]:
        """Every part that aligns on ``protein`` well enough (repeats included)."""
        found: list[PartHit] = []
        chain_kmers = _kmers(protein)
        for part in self.parts:
            kmers = self.kmers[part.name]
            shared = kmers & chain_kmers
            needed = max(1, 0.25 * len(kmers))
            if len(shared) < needed:
                continue
            target = protein
            for _ in range(MAX_COPIES):  # a part may occur more than once (e.g. two 2A peptides)
                hit = self._exact(part, target) or self._best(part, target)
                if hit is None:
                    break
                found.append(hit)
                target = target[: hit.start - 1] + "X" * (hit.end - hit.start + 1) + target[hit.end :]
                # a part's 3-mers hold no X, so those left are the ones still found in the masked chain
                if sum(1 for kmer in shared if kmer in target) < needed:
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
        if _OUTSIDE_BLOSUM62.search(protein):  # J, O, U: Biopython's aligner refuses them, as it always has
            score = self.aligner.score(protein, part.sequence)
        else:
            score = local_score(part.sequence, protein, GAP_OPEN, GAP_EXTEND)
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


@lru_cache(maxsize=1)
def _part_aligner() -> _PartAligner:
    return _PartAligner(reference_parts())


def part_hits(protein: str) -> list[PartHit]:
    """Every reference part found on one protein chain (repeats included), in library order."""
    return _part_aligner().hits(protein)
