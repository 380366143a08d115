"""The sequence-file parser on the real shared files: formats, records, warnings, GTF annotations, checksums."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from Bio import SeqIO
from seguid import cdseguid, ldseguid, lsseguid

from catalogue.errors import InvalidInput
from catalogue.parse.checksums import sequence_checksum
from catalogue.parse.gtf import apply_annotations, parse_gtf
from catalogue.parse.sequences import kind_from_label, parse_sequence_file

TISACEL_NT = "Tisacel_patentUS9499629B2.fasta"
ADDGENE = "addgene-plasmid-39296-sequence-49545.gbk"


def read(shared_data: Path, name: str) -> bytes:
    return (shared_data / "sequences" / name).read_bytes()


def parse(shared_data: Path, name: str, **options):
    return parse_sequence_file(read(shared_data, name), name, **options)


def reverse_complement(sequence: str) -> str:
    return sequence.translate(str.maketrans("ACGTN", "TGCAN"))[::-1]


def sequence_files(shared_data: Path) -> list[Path]:
    folder = shared_data / "sequences"
    return sorted(p for p in folder.iterdir() if p.suffix in {".fasta", ".gb", ".gbk"})


# --- every real file -------------------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::Bio.BiopythonParserWarning")  # bare SeqIO on the addgene 3922..2 feature
def test_every_shared_sequence_file_parses_and_agrees_with_biopython(shared_data):
    files = sequence_files(shared_data)
    assert len(files) == 18  # 11 FASTA + 7 GenBank files in SOURCES.md
    for path in files:
        drafts = parse_sequence_file(path.read_bytes(), path.name)
        fmt = "genbank" if path.suffix in {".gb", ".gbk"} else "fasta"
        reference = list(SeqIO.parse(path, fmt))
        assert len(drafts) == len(reference), path.name
        for draft, record in zip(drafts, reference):
            assert draft.format == fmt
            assert draft.sequence == str(record.seq).upper()
            assert draft.checksum.split("=")[0] in {"ldseguid", "cdseguid", "lsseguid"}
            # raw is exactly this record's bytes, and line is where it starts in the file
            content = path.read_bytes()
            assert draft.raw in content
            assert content.split(b"\n")[draft.line - 1] == draft.raw.split(b"\n")[0]


def test_cor6_6_gives_six_records_with_their_own_raw_text_and_lines(shared_data):
    content = read(shared_data, "cor6_6.gb")
    drafts = parse_sequence_file(content, "cor6_6.gb")
    assert [d.record_id for d in drafts] == [
        "X55053.1", "X62281.1", "M81224.1", "AJ237582.1", "L31939.1", "AF297471.1"]
    locus_lines = [n for n, text in enumerate(content.split(b"\n"), start=1) if text.startswith(b"LOCUS")]
    assert [d.line for d in drafts] == locus_lines
    assert b"".join(d.raw for d in drafts) == content
    for draft in drafts:
        assert draft.raw.startswith(b"LOCUS") and draft.raw.rstrip().endswith(b"//")
        assert draft.molecule == "DNA" and draft.topology == "linear"
    # the LOCUS line's length matches the parsed sequence
    for draft in drafts:
        locus_length = int(re.search(rb"(\d+) bp", draft.raw.split(b"\n")[0]).group(1))
        assert draft.length == locus_length


def test_addgene_plasmid_is_circular_lowercase_with_origin_spanning_features(shared_data):
    content = read(shared_data, ADDGENE)
    assert b"gaacgcggcc" in content  # the file writes its bases in lower case
    (draft,) = parse_sequence_file(content, ADDGENE)
    assert draft.topology == "circular"
    assert draft.length == 3938
    assert draft.sequence.isupper()
    assert draft.checksum.startswith("cdseguid=")
    spanning = [d for d in draft.domains if d.start > d.end]
    assert [(d.label, d.start, d.end) for d in spanning] == [("SP6 promoter", 3922, 2)]
    labels = {d.label for d in draft.domains}
    assert {"KanR", "AmpR", "ori", "TEF promoter"} <= labels
    amp = next(d for d in draft.domains if d.label == "AmpR")
    assert (amp.start, amp.end, amp.strand) == (2611, 3471, -1)  # complement(2611..3471)
    assert all(d.source == "annotated" for d in draft.domains)


def test_nc_005816_is_circular_refseq(shared_data):
    (draft,) = parse(shared_data, "NC_005816.gb")
    assert (draft.record_id, draft.topology, draft.length) == ("NC_005816.1", "circular", 9609)
    assert draft.description.startswith("Yersinia pestis")
    pesticin = next(d for d in draft.domains if d.label == "pesticin")
    assert pesticin.strand == -1


def test_snapgene_parts_map_to_their_kinds(shared_data):
    (t2a,) = parse(shared_data, "T2A.gb")
    (leader,) = parse(shared_data, "Ig-kappa_leader.gb")
    assert [(d.kind, d.label, d.start, d.end) for d in t2a.domains] == [("cleavage_2a", "T2A", 1, 54)]
    assert [(d.kind, d.start, d.end) for d in leader.domains] == [("signal_peptide", 1, 63)]
    assert t2a.record_id == "Exported"  # SnapGene writes ACCESSION "." : the LOCUS name is the ID


def test_tisacel_nt_warnings(shared_data):
    (draft,) = parse(shared_data, TISACEL_NT)
    assert draft.length == 1459
    assert draft.molecule == "DNA"
    text = " ".join(draft.warnings)
    assert "not a multiple of 3" in text and "1459" in text
    assert "stop codon" in text
    assert "WO2021091978A1" in text and "US9499629" in text
    assert len(draft.warnings) == 3


def test_files_whose_header_matches_their_name_get_no_source_warning(shared_data):
    for name in ("Axicel_HM852952.fasta", "Idecel_patentWO2021091978A1_protein.fasta", "fetched_sequences.fasta"):
        for draft in parse(shared_data, name):
            assert not any("file name names" in w for w in draft.warnings), name


def test_stopped_orf_gets_no_coding_warning(shared_data):
    (idecel,) = parse(shared_data, "Idecel_patentWO2021091978A1.fasta")
    assert idecel.length % 3 == 0 and idecel.sequence[-3:] in {"TAA", "TAG", "TGA"}
    assert idecel.warnings == []


def test_protein_files_are_detected_as_protein(shared_data):
    for name in ("Axicel_HM852952_protein_translated.fasta", "Tisacel_patentUS9499629B2_protein.fasta",
                 "Ciltacel_Oezdemirli_protein_translated.fasta"):
        (draft,) = parse(shared_data, name)
        assert draft.molecule == "protein"
        assert draft.checksum.startswith("lsseguid=")
        (forced,) = parse(shared_data, name, molecule="protein")
        assert forced.checksum == draft.checksum


def test_translated_protein_equals_translation_of_its_nt_file(shared_data):
    (nt,) = parse(shared_data, "Axicel_HM852952.fasta")
    (aa,) = parse(shared_data, "Axicel_HM852952_protein_translated.fasta")
    from Bio.Seq import Seq

    assert str(Seq(nt.sequence).translate(to_stop=True)) == aa.sequence


def test_extension_is_only_a_hint(shared_data):
    (as_gb,) = parse_sequence_file(read(shared_data, TISACEL_NT), "tisacel.gb")
    (as_fasta,) = parse(shared_data, TISACEL_NT)
    assert as_gb.format == "fasta" and as_gb.checksum == as_fasta.checksum
    assert any("content is FASTA" in w for w in as_gb.warnings)


# --- GTF annotations -------------------------------------------------------------------------------------------


def test_anno_tisacel_applies_to_the_tisacel_fasta(shared_data):
    drafts = parse(shared_data, TISACEL_NT)
    annotations = parse_gtf(read(shared_data, "Anno_Tisacel.gtf"), "Anno_Tisacel.gtf")
    assert list(annotations) == ["tisacel"]
    (draft,) = apply_annotations(drafts, annotations, "Anno_Tisacel.gtf")
    assert [(d.label, d.start, d.end) for d in draft.domains] == [
        ("CD8SP", 1, 63), ("anti-CD19", 64, 789), ("CD8HTMD", 790, 892), ("CD137SD", 997, 1122),
        ("CD3zSD", 1123, 1459)]
    kinds = {d.label: d.kind for d in draft.domains}
    assert kinds["CD8SP"] == "signal_peptide"
    assert kinds["CD137SD"] == "costimulatory"
    assert kinds["CD3zSD"] == "signalling"
    assert all(d.source == "annotated" and d.strand == 1 for d in draft.domains)
    assert any("'tisacel'" in w and "one sequence" in w for w in draft.warnings)
    assert drafts[0].domains == []  # the input drafts are not changed


def test_anno_axicel_overlap_is_a_warning(shared_data):
    drafts = parse(shared_data, "Axicel_HM852952.fasta")
    annotations = parse_gtf(read(shared_data, "Anno_Axicel.gtf"), "Anno_Axicel.gtf")
    (draft,) = apply_annotations(drafts, annotations, "Anno_Axicel.gtf")
    assert len(draft.domains) == 4
    overlaps = [w for w in draft.warnings if "overlap" in w]
    assert len(overlaps) == 1
    assert "'CSF2RA'" in overlaps[0] and "'anti-CD19'" in overlaps[0] and "by 2 bp" in overlaps[0]


def test_anno_idecel_matches_by_name_and_reads_attributes_without_spaces(shared_data):
    drafts = parse(shared_data, "Idecel_patentWO2021091978A1.fasta")
    annotations = parse_gtf(read(shared_data, "Anno_Idecel.gtf"), "Anno_Idecel.gtf")
    (draft,) = apply_annotations(drafts, annotations, "Anno_Idecel.gtf")
    assert [d.label for d in draft.domains] == [
        "CD8SP", "anti-BCMA-Vh", "whitlow-linker", "anti-BCMA-Vl", "CD8alphaHinge", "CD8alphaTMD", "CD137SD",
        "CD3zSD"]  # the transcript line (1-1485) is the construct itself, not a domain
    assert [d.kind for d in draft.domains] == [
        "signal_peptide", "vh", "linker", "vl", "hinge", "transmembrane", "costimulatory", "signalling"]
    assert not any("names the sequence" in w for w in draft.warnings)  # 'idecel' is the record ID


def test_anno_ciltacel_applies(shared_data):
    drafts = parse(shared_data, "Ciltacel_Oezdemirli.fasta")
    name = "Anno_Ciltacel_Oezdemirli_and_Braun.gtf"
    (draft,) = apply_annotations(drafts, parse_gtf(read(shared_data, name), name), name)
    assert draft.domains[-1].end == draft.length == 1467
    assert [d.kind for d in draft.domains].count("vhh") == 2


def test_lentiviral_gtf_reversed_coordinates_error_names_file_and_line(shared_data):
    name = "lentiviral_vector_tisacel.gtf"
    content = read(shared_data, name)
    first = content.split(b"\n")[0].split(b"\t")
    assert int(first[3]) > int(first[4])  # the documented quirk is on line 1
    with pytest.raises(InvalidInput) as caught:
        parse_gtf(content, name)
    error = caught.value
    assert (error.file, error.line) == (name, 1)
    assert "start 25 is after end 9" in error.message
    assert str(error).startswith(f"{name}, line 1")


def test_labels_of_car_parts_name_their_kinds():
    assert kind_from_label("CD8SP") == "signal_peptide"
    assert kind_from_label("SP6 promoter") == "other"
    assert kind_from_label("CD8HTMD") == "other"  # hinge and TM in one feature
    assert kind_from_label("CD8alpha_transmembrane") == "transmembrane"
    assert kind_from_label("TNFRSF9_Cytoplasmic") == "costimulatory"
    assert kind_from_label("4-1BB") == "costimulatory"
    assert kind_from_label("BCMA_binding_VHH2") == "vhh"
    assert kind_from_label("P2A") == "cleavage_2a"
    assert kind_from_label("EGFRt") == "marker"
    assert kind_from_label("TRAV21") == "tcr_alpha_variable"
    assert kind_from_label("anti-CD19") == "other"


# --- checksums -------------------------------------------------------------------------------------------------


def test_checksum_ignores_file_name_line_endings_case_and_wrapping(shared_data):
    content = read(shared_data, TISACEL_NT)
    (reference,) = parse_sequence_file(content, TISACEL_NT)
    header, sequence = content.split(b"\n", 1)
    wrapped = b"\n".join(sequence[i:i + 60] for i in range(0, len(sequence), 60))
    variants = {
        "renamed.fasta": content,
        "crlf.fasta": content.replace(b"\n", b"\r\n") + b"\r\n",
        "lower.fasta": header + b"\n" + sequence.lower(),
        "wrapped.fasta": header + b"\n" + wrapped + b"\n",
        "other_header.fa": b">something else\n" + sequence,
    }
    for name, variant in variants.items():
        (draft,) = parse_sequence_file(variant, name)
        assert draft.checksum == reference.checksum, name
        assert draft.sequence == reference.sequence


def test_genbank_crlf_gives_the_same_records(shared_data):
    content = read(shared_data, "cor6_6.gb")
    plain = parse_sequence_file(content, "cor6_6.gb")
    crlf = parse_sequence_file(content.replace(b"\n", b"\r\n"), "cor6_6_crlf.gb")
    assert [d.checksum for d in crlf] == [d.checksum for d in plain]
    assert [d.line for d in crlf] == [d.line for d in plain]
    assert crlf[1].raw == plain[1].raw.replace(b"\n", b"\r\n")


def test_circular_checksum_is_rotation_and_strand_invariant(shared_data):
    (plasmid,) = parse(shared_data, ADDGENE)
    sequence = plasmid.sequence
    rotated = sequence[1000:] + sequence[:1000]
    for variant in (rotated, reverse_complement(sequence), reverse_complement(rotated)):
        assert sequence_checksum(variant, "DNA", "circular") == plasmid.checksum
    assert sequence_checksum(sequence, "DNA", "linear") != plasmid.checksum


def test_linear_checksum_is_strand_invariant_but_not_rotation_invariant(shared_data):
    (car,) = parse(shared_data, TISACEL_NT)
    sequence = car.sequence
    assert sequence_checksum(reverse_complement(sequence), "DNA", "linear") == car.checksum
    assert sequence_checksum(sequence[5:] + sequence[:5], "DNA", "linear") != car.checksum
    (rc,) = parse_sequence_file(b">rc\n" + reverse_complement(sequence).encode(), "rc.fasta")
    assert rc.checksum == car.checksum


def test_checksums_equal_the_seguid_package(shared_data):
    (car,) = parse(shared_data, TISACEL_NT)
    assert car.checksum == ldseguid(car.sequence, reverse_complement(car.sequence))
    (plasmid,) = parse(shared_data, ADDGENE)
    assert plasmid.checksum == cdseguid(plasmid.sequence, reverse_complement(plasmid.sequence))
    (protein,) = parse(shared_data, "Axicel_HM852952_protein_translated.fasta")
    assert protein.checksum == lsseguid(protein.sequence, alphabet="{protein-extended}")


def test_same_sequence_in_genbank_and_fasta_has_the_same_checksum(shared_data):
    (gb,) = parse(shared_data, "T2A.gb")
    (fasta,) = parse_sequence_file(f">T2A_part\n{gb.sequence.lower()}\n".encode(), "t2a.fasta")
    assert fasta.checksum == gb.checksum


def test_lentiviral_vector_contains_the_tisacel_car(shared_data):
    (vector,) = parse(shared_data, "lentiviral_vector_tisacel.fasta")
    (car,) = parse(shared_data, TISACEL_NT)
    assert vector.sequence[6390:7851].startswith(car.sequence[:1458])
