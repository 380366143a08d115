"""SnapGene maps and EMBL files (Biopython's test files, shared/data/sequences/formats) read as Biopython reads them.

Each file is compared with bare ``Bio.SeqIO`` on the same bytes: records, sequence, topology, molecule and the
features that name a part. Also: sniffing by content, a UTF-8 byte-order mark on every text format, what the
source says kept (an origin-spanning feature, a record with no ID, a note with a line break), and the export
round trip.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import pytest
from Bio import SeqIO
from Bio.SeqFeature import CompoundLocation

from catalogue.errors import InvalidInput
from catalogue.export import to_fasta, to_genbank
from catalogue.parse.sequences import parse_sequence_file

SNAPGENE_FILES = ["pFA-KanMX4.dna", "sample-d.dna", "sample-e.dna", "looped_feature_origin.dna",
                  "linebreak_in_qualifier_text.dna"]
EMBL_FILES = ["AAA03323.embl", "epo_prt_selection.embl", "kipo_prt_sample.embl", "location_wrap.embl"]
NOT_PARTS = {"source", "primer_bind"}


def formats(shared_data: Path) -> Path:
    return shared_data / "sequences" / "formats"


def biopython_records(path: Path) -> list:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return list(SeqIO.parse(path, "snapgene" if path.suffix == ".dna" else "embl"))


def part_features(record) -> list:
    """The features Biopython reads that name a part on this record (not source, primers or other records)."""
    return [f for f in record.features if f.type not in NOT_PARTS and not any(p.ref for p in f.location.parts)
            and ("label" in f.qualifiers or "product" in f.qualifiers or "note" in f.qualifiers)]


def expected_span(feature, length: int, topology: str) -> tuple[int, int]:
    location = feature.location
    if isinstance(location, CompoundLocation) and topology == "circular":
        tail = next((p for p in location.parts if p.end == length), None)
        head = next((p for p in location.parts if p.start == 0), None)
        if tail is not None and head is not None:
            return int(tail.start) + 1, int(head.end)
    return int(location.start) + 1, int(location.end)


@pytest.mark.parametrize("name", SNAPGENE_FILES + EMBL_FILES)
def test_each_file_reads_as_biopython_reads_it(shared_data, name):
    path = formats(shared_data) / name
    drafts = parse_sequence_file(path.read_bytes(), name)
    reference = biopython_records(path)
    assert len(drafts) == len(reference) >= 1
    for draft, record in zip(drafts, reference):
        assert draft.format == ("snapgene" if name.endswith(".dna") else "embl")
        assert draft.sequence == str(record.seq).upper()
        assert draft.length == len(record)
        assert draft.topology == record.annotations.get("topology", "linear")
        molecule_type = record.annotations.get("molecule_type")
        if molecule_type in {"DNA", "protein", "unassigned DNA"}:
            assert draft.molecule == ("protein" if molecule_type == "protein" else "DNA")
        expected = [(" ".join(str((f.qualifiers.get("label") or f.qualifiers.get("product")
                                   or f.qualifiers.get("note"))[0]).split()), expected_span(f, len(record),
                                                                                           draft.topology))
                    for f in part_features(record)]
        assert [(d.label, (d.start, d.end)) for d in draft.domains] == expected
        assert all(d.source == "annotated" for d in draft.domains)
        assert draft.checksum.split("=")[0] == {"DNA": {"linear": "ldseguid", "circular": "cdseguid"},
                                                "protein": {"linear": "lsseguid"}}[draft.molecule][draft.topology]


def test_the_origin_spanning_feature_of_a_circular_snapgene_map_is_kept(shared_data):
    (draft,) = parse_sequence_file((formats(shared_data) / "pFA-KanMX4.dna").read_bytes(), "pFA-KanMX4.dna")
    assert (draft.topology, draft.length) == ("circular", 3941)
    spanning = [(d.label, d.start, d.end) for d in draft.domains if d.start > d.end]
    assert spanning == [("SP6 promoter", 3925, 2)]  # SnapGene's range 3925-2, across the origin
    (back,) = parse_sequence_file(to_genbank(draft).encode(), "exported.gb")
    assert [(d.label, d.start, d.end) for d in back.domains if d.start > d.end] == spanning
    assert back.checksum == draft.checksum


def test_a_record_without_id_is_named_after_the_file_with_a_warning(shared_data):
    content = (formats(shared_data) / "pFA-KanMX4.dna").read_bytes()
    (record,) = biopython_records(formats(shared_data) / "pFA-KanMX4.dna")
    assert record.id == "<unknown id>"  # the map's Notes packet gives no accession and no comment
    (draft,) = parse_sequence_file(content, "constructs.zip/maps/pFA-KanMX4.dna")
    assert draft.record_id == "pFA-KanMX4"
    assert any("no ID" in w and "'pFA-KanMX4'" in w for w in draft.warnings)
    (named,) = parse_sequence_file((formats(shared_data) / "sample-d.dna").read_bytes(), "sample-d.dna")
    assert named.record_id == "Sample" and not any("no ID" in w for w in named.warnings)


def test_a_feature_note_with_a_line_break_is_kept(shared_data):
    path = formats(shared_data) / "linebreak_in_qualifier_text.dna"
    assert b"plasmid&lt;!--EndFragment--&gt;&#10;" in path.read_bytes()  # the note holds a line break
    (draft,) = parse_sequence_file(path.read_bytes(), path.name)
    (record,) = biopython_records(path)
    orit = next(d for d in draft.domains if d.label == "oriT")
    assert orit.note == " ".join(record.features[0].qualifiers["note"][0].split())
    assert orit.note.startswith("Origin of transference")


def test_patent_records_without_molecule_type_are_read_as_protein(shared_data):
    path = formats(shared_data) / "kipo_prt_sample.embl"
    assert all(r.annotations.get("molecule_type") is None for r in biopython_records(path))
    drafts = parse_sequence_file(path.read_bytes(), path.name)
    assert len(drafts) == 20 and {d.molecule for d in drafts} == {"protein"}
    # the ID line's unit ("7 AA.") says protein even where the residues are all nucleotide letters, which the
    # content alone (as for FASTA) would call DNA
    content = path.read_bytes()
    assert content.count(b"     GSSNRAT   ") == 1
    rewritten = content.replace(b"     GSSNRAT   ", b"     GATTACA   ")
    third = parse_sequence_file(rewritten, path.name)[2]
    assert (third.record_id, third.sequence, third.molecule) == ("DI500003", "GATTACA", "protein")
    as_fasta = parse_sequence_file(b">DI500003\nGATTACA\n", "DI500003.fasta")
    assert as_fasta[0].molecule == "DNA"


def test_index_records_without_residues_are_refused_not_stored_empty(shared_data):
    path = formats(shared_data) / "patents.embl"
    with pytest.raises(InvalidInput, match=r"no residues follow") as caught:
        parse_sequence_file(path.read_bytes(), path.name)
    assert caught.value.file == "patents.embl" and caught.value.record == "NRP00000001"


def test_a_feature_on_another_record_is_left_out_with_a_warning(shared_data):
    path = formats(shared_data) / "AAA03323.embl"
    (draft,) = parse_sequence_file(path.read_bytes(), path.name)
    assert draft.domains == []
    assert any("U01210.1:1212..2756" in w and "another record" in w for w in draft.warnings)


def test_the_content_decides_the_format_and_the_extension_is_a_hint(shared_data):
    snapgene = (formats(shared_data) / "sample-d.dna").read_bytes()
    embl = (formats(shared_data) / "AAA03323.embl").read_bytes()
    (as_gb,) = parse_sequence_file(snapgene, "sample.gb")
    assert as_gb.format == "snapgene"
    assert any("ends in .gb but the content is SnapGene" in w for w in as_gb.warnings)
    (as_fasta,) = parse_sequence_file(embl, "amylase.fasta")
    assert as_fasta.format == "embl"
    assert any("ends in .fasta but the content is EMBL" in w for w in as_fasta.warnings)
    (plain,) = parse_sequence_file(embl, "amylase.txt")
    assert not any("ends in" in w for w in plain.warnings)


@pytest.mark.parametrize("name", ["Tisacel_patentUS9499629B2.fasta", "cor6_6.gb", "formats/AAA03323.embl",
                                  "formats/kipo_prt_sample.embl"])
def test_a_utf8_byte_order_mark_is_accepted_on_every_text_format(shared_data, name):
    content = (shared_data / "sequences" / name).read_bytes()
    plain = parse_sequence_file(content, Path(name).name)
    marked = parse_sequence_file(b"\xef\xbb\xbf" + content, Path(name).name)
    assert [(d.record_id, d.checksum, d.line, d.domains) for d in marked] == \
        [(d.record_id, d.checksum, d.line, d.domains) for d in plain]
    crlf = parse_sequence_file(b"\xef\xbb\xbf" + content.replace(b"\n", b"\r\n"), Path(name).name)
    assert [d.checksum for d in crlf] == [d.checksum for d in plain]


def test_a_join_across_the_origin_stays_on_a_circular_record_and_is_refused_on_a_linear_one(shared_data):
    content = (shared_data / "sequences" / "P2A.gb").read_bytes()
    joined = content.replace(b"CDS             1..57", b"CDS             join(50..57,1..10)")
    circular = joined.replace(b"linear  ", b"circular", 1)
    assert circular.count(b"circular") == 1
    (draft,) = parse_sequence_file(circular, "p2a_circular.gb")
    assert [(d.start, d.end) for d in draft.domains] == [(50, 10)]
    with pytest.raises(InvalidInput, match=r"runs backwards across the origin, but the record is linear"):
        parse_sequence_file(joined, "p2a_linear.gb")
    # a join in reading order on a linear record (exons) is not refused
    exons = content.replace(b"CDS             1..57", b"CDS             join(1..10,50..57)")
    (linear,) = parse_sequence_file(exons, "p2a_exons.gb")
    assert [(d.start, d.end) for d in linear.domains] == [(1, 57)]


@pytest.mark.parametrize("name", SNAPGENE_FILES + EMBL_FILES)
def test_genbank_and_fasta_exports_read_back_to_the_same_checksums_and_domains(shared_data, name):
    for draft in parse_sequence_file((formats(shared_data) / name).read_bytes(), name):
        text = to_genbank(draft)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            SeqIO.read(io.StringIO(text), "genbank")  # valid GenBank for bare Biopython too
        (back,) = parse_sequence_file(text.encode(), "exported.gb")
        assert (back.checksum, back.molecule, back.topology) == (draft.checksum, draft.molecule, draft.topology)
        assert [(d.kind, d.label, d.start, d.end, d.strand) for d in back.domains] == \
            [(d.kind, d.label, d.start, d.end, d.strand) for d in draft.domains]
        (again,) = parse_sequence_file(to_fasta(draft).encode(), "exported.fasta", molecule=draft.molecule)
        assert again.checksum == draft.checksum
