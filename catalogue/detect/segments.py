"""What a sequence search compares: a record's protein chains and its domains' protein sequences.

:func:`record_segments` turns one stored record (sequence, molecule and its domains) into the segments
the search store keeps: each chain that carries domains (or the longest one), each binder V domain and
each other domain (linkers left out), with protein coordinates on its chain and record coordinates.
:func:`read_query` reads what a person pastes or uploads as a search query. Chains are found by
:func:`catalogue.detect.domains.find_chains`, exactly as import finds them.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from collections.abc import Sequence
from typing import Any

from catalogue.detect.domains import Chain, find_chains
from catalogue.drafts import Molecule
from catalogue.errors import InvalidInput

BINDER_KINDS = ("vh", "vl", "vhh", "tcr_alpha_variable", "tcr_beta_variable")
NOT_SEARCHED = ("linker",)  # low-complexity joins shared by unrelated designs: no evidence of a shared design
SOURCE_PRECEDENCE = ("curated", "detected", "annotated")  # as the construct page reads them
MAX_QUERY_LENGTH = 50_000  # residues or nucleotides: a CAR vector fits, a genome does not
MIN_QUERY_LENGTH = 10
_DNA = set("ACGTUN")
_PROTEIN = set("ACDEFGHIKLMNPQRSTVWYBJOUXZ*")
_PASTED_NOISE = re.compile(r"[\s0-9]+")


@dataclass(frozen=True)
class SegmentDraft:
    """One chain or domain of a record, as the search store keeps it (protein coordinates on its chain)."""

    kind: str  # "chain", a binder kind (vh, vl, ...) or another domain kind
    label: str
    chain: int  # index of the chain among the record's chains
    chain_start: int
    chain_end: int
    record_start: int
    record_end: int
    strand: int | None
    protein: str

    @property
    def checksum(self) -> str:
        """The protein's SEGUID (``lsseguid=``, the value :func:`seguid.lsseguid` gives), computed with hashlib
        directly: the package's alphabet check costs 0.15 ms a segment and refuses X, which chains may hold."""
        digest = hashlib.sha1(self.protein.encode("ascii", "replace")).digest()
        return "lsseguid=" + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def segment_class(kind: str) -> str:
    """``chain``, ``binder`` or ``domain``: which part of the search a segment kind belongs to."""
    if kind == "chain":
        return "chain"
    return "binder" if kind in BINDER_KINDS else "domain"


def _value(domain: Any, key: str) -> Any:
    return domain[key] if isinstance(domain, dict) else getattr(domain, key)


def _chosen_domains(domains: list[Any]) -> list[Any]:
    for source in SOURCE_PRECEDENCE:
        chosen = [d for d in domains if _value(d, "source") == source]
        if chosen:
            return chosen
    return []


def _on_chain(domain: Any, chains: list[Chain], molecule: str) -> tuple[int, int, int] | None:
    """(chain index, protein start, protein end) of a domain, or None when it lies in no chain's frame."""
    start, end = _value(domain, "start"), _value(domain, "end")
    if molecule == "protein":
        if not chains:
            return None
        chain = chains[0]
        return 0, max(1, start), min(chain.length, end)
    protein_start, frame = _value(domain, "protein_start"), _value(domain, "frame")
    for index, chain in enumerate(chains):
        if not chain.start <= start <= end <= chain.end:
            continue
        if protein_start is not None and frame is not None:
            if frame == chain.frame:
                return index, protein_start, min(chain.length, _value(domain, "protein_end"))
            continue
        if chain.strand == 1 and (start - chain.start) % 3 == 0:
            first = (start - chain.start) // 3 + 1
            return index, first, min(chain.length, (end - chain.start + 1) // 3)
        if chain.strand == -1 and (chain.end - end) % 3 == 0:
            first = (chain.end - end) // 3 + 1
            return index, first, min(chain.length, (chain.end - start + 1) // 3)
    return None


def record_segments(sequence: str, molecule: Molecule, domains: list[Any],
                    chains: Sequence[Chain] | None = None) -> list[SegmentDraft]:
    """The search store's segments of one record.

    ``domains`` are the record's domains (drafts or dicts with kind, label, start, end, source,
    protein_start, protein_end, frame); curated ones are used if there are any, else detected, else
    annotated. A domain that lies in no chain's reading frame is left out. ``chains`` are the record's
    chains when detection has found them already (``find_chains`` of the same sequence), else found here.
    """
    chains = list(chains) if chains else find_chains(sequence, molecule)
    placed: list[tuple[int, int, int, Any]] = []
    for domain in _chosen_domains(domains):
        if _value(domain, "kind") in NOT_SEARCHED:
            continue
        where = _on_chain(domain, chains, molecule)
        if where is not None and where[2] >= where[1]:
            placed.append((*where, domain))
    used = sorted({index for index, *_ in placed})
    if not used and chains:
        used = [max(range(len(chains)), key=lambda i: chains[i].length)]
    segments = []
    for index in used:
        chain = chains[index]
        segments.append(SegmentDraft("chain", f"chain {index + 1}", index, 1, chain.length, chain.start,
                                     chain.end, chain.strand, chain.protein))
    for index, first, last, domain in placed:
        chain = chains[index]
        record_start, record_end = chain.record_span(first, last)
        segments.append(SegmentDraft(_value(domain, "kind"), _value(domain, "label"), index, first, last,
                                     record_start, record_end, chain.strand, chain.protein[first - 1 : last]))
    return segments


def read_query(content: str | bytes, name: str = "query") -> tuple[str, Molecule, str]:
    """A search query as (sequence, molecule, record ID).

    Accepts a pasted sequence (spaces, line breaks and position numbers are ignored) or the text of a
    FASTA or GenBank file (its first record). DNA is a sequence of A, C, G, T (U) and N only;
    anything else made of amino-acid letters is protein. Raises :class:`InvalidInput` with a one-line
    reason for an empty query, one that is not a sequence, or one longer than
    :data:`MAX_QUERY_LENGTH`.
    """
    from catalogue.parse.sequences import parse_sequence_file

    text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
    stripped = text.strip()
    if not stripped:
        raise InvalidInput("the query is empty: paste a protein or DNA sequence, or give a FASTA or GenBank file",
                           file=name)
    if stripped.startswith((">", "LOCUS", ";")):
        drafts = parse_sequence_file(stripped.encode("utf-8"), name, max_length=MAX_QUERY_LENGTH)
        draft = drafts[0]
        return draft.sequence, draft.molecule, draft.record_id
    sequence = _PASTED_NOISE.sub("", stripped).upper()
    if not sequence:
        raise InvalidInput("the query holds no sequence letters", file=name)
    bad = next((i for i, c in enumerate(sequence) if c not in _PROTEIN), None)
    if bad is not None:
        raise InvalidInput(f"not a protein or DNA sequence: {sequence[bad]!r} at letter {bad + 1}", file=name)
    if len(sequence) > MAX_QUERY_LENGTH:
        raise InvalidInput(f"the query is {len(sequence):,} letters long, over the limit of {MAX_QUERY_LENGTH:,}",
                           file=name)
    if len(sequence.rstrip("*")) < MIN_QUERY_LENGTH:
        raise InvalidInput(f"the query is {len(sequence)} letters long; a search needs at least {MIN_QUERY_LENGTH}",
                           file=name)
    molecule: Molecule = "DNA" if set(sequence) <= _DNA else "protein"
    if molecule == "DNA":
        sequence = sequence.replace("U", "T")
    return sequence, molecule, name
