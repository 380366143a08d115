"""Export then re-parse: random DNA and protein records with random domains survive GenBank and FASTA."""

from __future__ import annotations

import io
import warnings

from Bio import SeqIO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalogue.drafts import DomainDraft, SequenceDraft
from catalogue.export import to_fasta, to_genbank
from catalogue.parse.alphabet import DNA_LETTERS
from catalogue.parse.checksums import sequence_checksum
from catalogue.parse.sequences import parse_sequence_file
from catalogue.vocabulary import DOMAIN_KINDS

AMINO_ACIDS = "ACDEFGHIKLMNPQRSTVWY"

# INSDC versions are 1, 2, ... (Biopython reads "A.00" back as "A.0")
record_ids = st.from_regex(r"[A-Za-z][A-Za-z0-9_\-]{0,24}(\.[1-9][0-9]?)?", fullmatch=True)
words = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_\-]{0,11}", fullmatch=True)
labels = st.lists(words, min_size=1, max_size=4).map(" ".join)
descriptions = st.one_of(st.none(), st.lists(words, min_size=1, max_size=8).map(" ".join))


@st.composite
def drafts(draw, molecule: str) -> SequenceDraft:
    if molecule == "DNA":
        sequence = draw(st.text(alphabet="ACGT" * 8 + "N", min_size=1, max_size=1500))
        topology = draw(st.sampled_from(["linear", "circular"]))
    else:
        sequence = draw(st.text(alphabet=AMINO_ACIDS, min_size=1, max_size=600))
        topology = "linear"
    length = len(sequence)
    domains = []
    for _ in range(draw(st.integers(0, 6))):
        start = draw(st.integers(1, length))
        if topology == "circular" and length > 1 and draw(st.booleans()):
            end = draw(st.integers(1, length))  # may be < start: a domain across the origin
            if end == start - 1 == 0:
                end = start
        else:
            end = draw(st.integers(start, length))
        source = draw(st.sampled_from(["annotated", "detected", "curated"]))
        domains.append(DomainDraft(
            kind=draw(st.sampled_from(DOMAIN_KINDS)),
            label=draw(labels),
            start=start,
            end=end,
            strand=draw(st.sampled_from([1, -1])) if molecule == "DNA" else None,
            source=source,
            identity=draw(st.one_of(st.none(), st.floats(0, 100).map(lambda x: round(x, 1)))),
        ))
    return SequenceDraft(
        file_name="generated",
        record_id=draw(record_ids),
        format="genbank",
        molecule=molecule,  # type: ignore[arg-type]
        sequence=sequence,
        topology=topology,  # type: ignore[arg-type]
        description=draw(descriptions),
        checksum=sequence_checksum(sequence, molecule, topology),  # type: ignore[arg-type]
        domains=domains,
    )


any_draft = st.one_of(drafts("DNA"), drafts("protein"))
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def domain_keys(draft: SequenceDraft) -> list[tuple]:
    return [(d.kind, d.label, d.start, d.end) for d in draft.domains]


@SETTINGS
@given(any_draft)
def test_genbank_export_reparses_to_the_same_record(draft: SequenceDraft):
    text = to_genbank(draft)
    (back,) = parse_sequence_file(text.encode(), "exported.gb")
    assert back.format == "genbank"
    assert back.record_id == draft.record_id
    assert back.molecule == draft.molecule
    assert back.topology == draft.topology
    assert back.sequence == draft.sequence
    assert back.checksum == draft.checksum
    assert domain_keys(back) == domain_keys(draft)
    assert [d.strand for d in back.domains] == [d.strand for d in draft.domains]
    assert [d.identity for d in back.domains] == [d.identity for d in draft.domains]
    assert (back.description or None) == (draft.description or None)


@SETTINGS
@given(any_draft)
def test_genbank_export_is_read_by_bare_biopython_without_warnings(draft: SequenceDraft):
    text = to_genbank(draft)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        record = SeqIO.read(io.StringIO(text), "genbank")
    assert str(record.seq) == draft.sequence
    assert record.annotations["molecule_type"] == ("protein" if draft.molecule == "protein" else "DNA")
    assert record.annotations["topology"] == draft.topology
    assert len(record.features) == len(draft.domains)


@SETTINGS
@given(any_draft, st.integers(10, 120))
def test_fasta_export_reparses_to_the_same_sequence_and_checksum(draft: SequenceDraft, width: int):
    text = to_fasta(draft, width=width)
    if draft.molecule == "protein" and not set(draft.sequence) - set(DNA_LETTERS):
        # a peptide written only in nucleotide codes ("GATTACA") cannot be told from DNA in FASTA
        return
    (back,) = parse_sequence_file(text.encode(), "exported.fasta", molecule=draft.molecule)
    assert back.record_id == draft.record_id
    assert back.sequence == draft.sequence
    assert back.topology == draft.topology
    assert back.checksum == draft.checksum
    (sniffed,) = parse_sequence_file(text.replace("\n", "\r\n").lower().encode(), "exported.fa",
                                     molecule=draft.molecule)
    assert sniffed.checksum == draft.checksum


@SETTINGS
@given(st.lists(drafts("DNA"), min_size=2, max_size=5, unique_by=lambda d: d.record_id))
def test_multi_record_genbank_keeps_order_raw_and_lines(records: list[SequenceDraft]):
    text = "".join(to_genbank(draft) for draft in records)
    back = parse_sequence_file(text.encode(), "many.gb")
    assert [d.record_id for d in back] == [d.record_id for d in records]
    assert [d.checksum for d in back] == [d.checksum for d in records]
    assert b"".join(d.raw for d in back) == text.encode()
    lines = text.split("\n")
    assert all(lines[d.line - 1].startswith("LOCUS") for d in back)
