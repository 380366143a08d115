"""A corpus of malformed sequence and GTF files, generated from the real shared files.

Every case builds its bytes from a real file (truncating, corrupting or splicing it) and says what the
error must be: its message, and the file, record and line it names. Used by test_malformed_files.py (the
parsers) and test_malformed_imports.py (the service layer).
"""

from __future__ import annotations

import gzip
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable


def real(shared_data: Path, name: str) -> bytes:
    return (shared_data / "sequences" / name).read_bytes()


def line_of(content: bytes, needle: bytes, occurrence: int = 0) -> int:
    """1-based line of the ``occurrence``-th line of ``content`` that contains ``needle``."""
    hits = [n for n, text in enumerate(content.split(b"\n"), start=1) if needle in text]
    return hits[occurrence]


def replace_once(content: bytes, old: bytes, new: bytes) -> bytes:
    assert content.count(old) >= 1, old
    return content.replace(old, new, 1)


@dataclass
class Built:
    """What a case feeds the parser, and what the error must say."""

    content: bytes
    file_name: str
    message: str  # regular expression searched in the error message
    line: int | None = None
    record: str | None = None
    options: dict = field(default_factory=dict)
    gtf: tuple[bytes, str] | None = None  # apply this GTF to the parsed content; the GTF file is then the one named
    gtf_only: bool = False


@dataclass
class Case:
    id: str
    build: Callable[[Path], Built]


def fasta_cases() -> list[Case]:
    tisacel = "Tisacel_patentUS9499629B2.fasta"
    protein = "Axicel_HM852952_protein_translated.fasta"
    fetched = "fetched_sequences.fasta"

    def bad_char_unwrapped(d: Path) -> Built:
        content = real(d, tisacel)
        header, sequence = content.split(b"\n", 1)
        broken = header + b"\n" + sequence[:99] + b"#" + sequence[100:]
        return Built(broken, "bad_char.fasta", r"'#' at position 100 is not an IUPAC nucleotide code", 2,
                     "Tisacel_WO2021091978A1_CAR_construct")

    def bad_char_wrapped(d: Path) -> Built:
        content = real(d, fetched)
        lines = content.split(b"\n")
        header_line = line_of(content, b">NM_001561.6")
        position = 700  # 1-based; the file wraps at 70 columns
        target = header_line + (position - 1) // 70  # index of the sequence line in `lines` (0-based + 1)
        column = (position - 1) % 70
        text = lines[target]
        lines[target] = text[:column] + b"!" + text[column + 1:]
        return Built(b"\n".join(lines), "fetched_bad.fasta", r"'!' at position 700 ", target + 1, "NM_001561.6")

    def protein_digit(d: Path) -> Built:
        content = real(d, protein)
        return Built(replace_once(content, b"MLLLV", b"M1LLV"), "digit.fasta",
                     r"'1' at position 2 is not an IUPAC amino-acid code", 2, "Axicel_HM852952_CAR_construct")

    def protein_gap(d: Path) -> Built:
        content = real(d, protein)
        return Built(replace_once(content, b"TSLLLCEL", b"TSLL-CEL"), "gapped.fasta",
                     r"'-' at position \d+ is not an IUPAC amino-acid code", 2)

    def protein_as_dna(d: Path) -> Built:
        return Built(real(d, protein), protein, r"DNA was requested but the content is protein", 1,
                     "Axicel_HM852952_CAR_construct", options={"molecule": "DNA"})

    def dna_as_protein(d: Path) -> Built:
        return Built(real(d, tisacel), tisacel, r"protein was requested but the content is nucleotides", 1,
                     "Tisacel_WO2021091978A1_CAR_construct", options={"molecule": "protein"})

    def rna(d: Path) -> Built:
        content = real(d, tisacel)
        header, sequence = content.split(b"\n", 1)
        return Built(header + b"\n" + sequence.replace(b"T", b"U"), "rna.fasta", r"RNA \(U instead of T\)", 1)

    def over_cap(d: Path) -> Built:
        return Built(real(d, "lentiviral_vector_tisacel.fasta"), "vector.fasta",
                     r"9174 long, over the limit of 9000", 1, "Tisacel_Vector", options={"max_length": 9000})

    def empty_record(d: Path) -> Built:
        content = real(d, fetched)
        # the second record loses its sequence: its header is followed directly by the third header
        start = content.index(b">NM_171827.4")
        end = content.index(b">NM_001561.6")
        header_end = content.index(b"\n", start) + 1
        broken = content[:header_end] + content[end:]
        return Built(broken, "empty_record.fasta", r"has no sequence", line_of(broken, b">NM_171827.4"),
                     "NM_171827.4")

    def no_record_id(d: Path) -> Built:
        content = real(d, tisacel)
        return Built(b">\n" + content.split(b"\n", 1)[1], "no_id.fasta", r"no record ID", 1)

    def duplicate_id(d: Path) -> Built:
        content = real(d, fetched)
        first = content[:content.index(b">NM_171827.4")]
        broken = content + first
        return Built(broken, "duplicate.fasta", r"duplicate record ID 'NM_001378516.1' \(first at line 1\)",
                     line_of(broken, b">NM_001378516.1", 1), "NM_001378516.1")

    def truncated_header_only(d: Path) -> Built:
        content = real(d, tisacel)
        return Built(content[:30], "cut.fasta", r"has no sequence", 1)

    def fasta_then_genbank(d: Path) -> Built:
        content = real(d, tisacel) + b"\n" + real(d, "T2A.gb")
        return Built(content, "mixed.fasta", r"' ' |is not an IUPAC", None)

    def text_before_header(d: Path) -> Built:
        return Built(b"Sequence of the tisa-cel CAR\n" + real(d, tisacel), "prose.fasta",
                     r"neither GenBank .* nor FASTA", 1)

    def nul_in_sequence(d: Path) -> Built:
        content = real(d, tisacel)
        return Built(content[:500] + b"\x00" + content[500:], "nul.fasta", r"binary content: a NUL byte at byte 501",
                     2)

    return [
        Case("fasta-bad-character-unwrapped", bad_char_unwrapped),
        Case("fasta-bad-character-wrapped-third-record", bad_char_wrapped),
        Case("fasta-protein-digit", protein_digit),
        Case("fasta-protein-gap", protein_gap),
        Case("fasta-protein-file-forced-dna", protein_as_dna),
        Case("fasta-dna-file-forced-protein", dna_as_protein),
        Case("fasta-rna", rna),
        Case("fasta-over-length-cap", over_cap),
        Case("fasta-empty-record", empty_record),
        Case("fasta-header-without-id", no_record_id),
        Case("fasta-duplicate-id", duplicate_id),
        Case("fasta-truncated-to-header", truncated_header_only),
        Case("fasta-followed-by-genbank", fasta_then_genbank),
        Case("fasta-prose-before-header", text_before_header),
        Case("fasta-nul-byte", nul_in_sequence),
    ]


def genbank_cases() -> list[Case]:
    t2a = "T2A.gb"

    def locus_length(d: Path) -> Built:
        return Built(replace_once(real(d, t2a), b" 54 bp", b" 60 bp"), "t2a_locus.gb",
                     r"LOCUS line gives length 60, found 54", 1, "Exported")

    def locus_length_third_record(d: Path) -> Built:
        content = real(d, "cor6_6.gb")
        broken = replace_once(content, b"BNAKINI       441 bp", b"BNAKINI       451 bp")
        return Built(broken, "cor6_6_locus.gb", r"LOCUS line gives length 451, found 441",
                     line_of(broken, b"LOCUS       BNAKINI"), "BNAKINI")

    def locus_not_a_number(d: Path) -> Built:
        return Built(replace_once(real(d, t2a), b" 54 bp", b" xx bp"), "t2a_xx.gb", r"malformed GenBank", 1)

    def bad_location(d: Path) -> Built:
        broken = replace_once(real(d, t2a), b"CDS             1..54", b"CDS             1..x54")
        return Built(broken, "t2a_location.gb", r"1\.\.x54", line_of(broken, b"1..x54"), "Exported")

    def word_location(d: Path) -> Built:
        broken = replace_once(real(d, "P2A.gb"), b"CDS             1..57", b"CDS             one..57")
        return Built(broken, "p2a_location.gb", r"one\.\.57", line_of(broken, b"one..57"), "Exported")

    def reversed_linear_location(d: Path) -> Built:
        broken = replace_once(real(d, t2a), b"CDS             1..54", b"CDS             40..3")
        return Built(broken, "t2a_reversed.gb", r"40\.\.3", line_of(broken, b"40..3"), "Exported")

    def origin_spanning_on_linear(d: Path) -> Built:
        content = real(d, "addgene-plasmid-39296-sequence-49545.gbk")
        broken = replace_once(content, b"ds-DNA     circular", b"ds-DNA     linear  ")
        return Built(broken, "addgene_linear.gbk", r"3922\.\.2", line_of(broken, b"3922..2"), "pFA6a-kanMX6")

    def origin_spanning_join_on_linear(d: Path) -> Built:
        # P2A.gb is linear: a join running back from 50..57 to 1..10 would cross an origin it does not have
        broken = replace_once(real(d, "P2A.gb"), b"CDS             1..57", b"CDS             join(50..57,1..10)")
        return Built(broken, "p2a_join.gb", r"join\(50\.\.57,1\.\.10\) runs backwards across the origin, but the "
                     r"record is linear", line_of(broken, b"join(50..57"), "Exported")

    def feature_past_end(d: Path) -> Built:
        broken = replace_once(real(d, t2a), b"CDS             1..54", b"CDS             1..80")
        return Built(broken, "t2a_past_end.gb", r"CDS feature at 1\.\.80 lies outside the 54-long sequence",
                     line_of(broken, b"1..80"), "Exported")

    def feature_past_end_egfr(d: Path) -> Built:
        broken = replace_once(real(d, "EGFR.gb"), b"CDS             1..3633", b"CDS             1..3700")
        return Built(broken, "egfr_past_end.gb", r"lies outside the 3633-long sequence",
                     line_of(broken, b"1..3700"), "Exported")

    def complement_past_end(d: Path) -> Built:
        content = real(d, "NC_005816.gb")
        old = re.search(rb"complement\((\d+)\.\.(\d+)\)", content).group(0)
        broken = replace_once(content, old, b"complement(9000..9999)")
        return Built(broken, "nc_past_end.gb", r"9000\.\.9999 lies outside the 9609-long sequence",
                     line_of(broken, b"complement(9000..9999)"), "NC_005816.1")

    def broken_join(d: Path) -> Built:
        broken = replace_once(real(d, t2a), b"CDS             1..54", b"CDS             join(1..5,")
        return Built(broken, "t2a_join.gb", r"malformed GenBank", None, "Exported")

    def truncated_features(d: Path) -> Built:
        content = real(d, t2a)
        cut = content[:content.index(b"/label=T2A")]
        return Built(cut, "t2a_cut_features.gb", r"malformed GenBank|truncated", None, "Exported")

    def truncated_sequence(d: Path) -> Built:
        content = real(d, "Ig-kappa_leader.gb")
        cut = content[:content.index(b"       61 gac")]
        return Built(cut, "leader_cut.gb", r"truncated", None, "Exported")

    def missing_terminator(d: Path) -> Built:
        content = real(d, t2a)
        cut = content[:content.rindex(b"//")]
        return Built(cut, "t2a_no_end.gb", r"truncated", None, "Exported")

    def truncated_second_record(d: Path) -> Built:
        content = real(d, "cor6_6.gb")
        start = content.index(b"LOCUS       ATKIN2")
        cut = content[:start + 900]
        return Built(cut, "cor6_6_cut.gb", r"malformed GenBank|truncated", None, "ATKIN2")

    def bad_sequence_character(d: Path) -> Built:
        broken = replace_once(real(d, t2a), b"gagggcaggg", b"gagggc#ggg")
        return Built(broken, "t2a_hash.gb", r"'#' at position 7 is not an IUPAC nucleotide code",
                     line_of(broken, b"gagggc#ggg"), "Exported")

    def bad_character_second_record(d: Path) -> Built:
        content = real(d, "cor6_6.gb")
        start = content.index(b"LOCUS       ATKIN2")
        origin = content.index(b"ORIGIN", start)
        line_end = content.index(b"\n", content.index(b"\n", origin) + 1)  # end of the first sequence line
        broken = content[:line_end - 1] + b"?" + content[line_end:]
        return Built(broken, "cor6_6_q.gb", r"'\?' at position 60 is not an IUPAC nucleotide code",
                     line_of(broken, b"?"), "X62281.1")

    def protein_letters_in_dna(d: Path) -> Built:
        broken = replace_once(real(d, t2a), b"gagggcaggg", b"gagggcqggg")
        return Built(broken, "t2a_q.gb", r"'Q' at position 7 is not an IUPAC nucleotide code", None, "Exported")

    def no_origin(d: Path) -> Built:
        content = real(d, "Ig-kappa_leader.gb")
        start = content.index(b"ORIGIN")
        end = content.rindex(b"//")
        return Built(content[:start] + content[end:], "leader_no_origin.gb", r"malformed GenBank|no sequence",
                     None, "Exported")

    def empty_sequence(d: Path) -> Built:
        content = real(d, "Ig-kappa_leader.gb")
        header = content[:content.index(b"FEATURES")]
        broken = replace_once(header, b" 63 bp", b"  0 bp") + b"ORIGIN\n//\n"
        return Built(broken, "leader_empty.gb", r"no sequence", 1, "Exported")

    def junk_feature_line(d: Path) -> Built:
        broken = replace_once(real(d, t2a), b"                     /label=T2A", b"garbage here")
        return Built(broken, "t2a_junk.gb", r"garbage here", line_of(broken, b"garbage here"), "Exported")

    def duplicate_records(d: Path) -> Built:
        content = real(d, t2a)
        return Built(content + content, "t2a_twice.gb", r"duplicate record ID 'Exported' \(first at line 1\)",
                     content.count(b"\n") + 1, "Exported")

    def text_after_terminator(d: Path) -> Built:
        content = real(d, t2a)
        return Built(content + b"these lines are not GenBank\n", "t2a_tail.gb", r"after the record's '//'",
                     content.count(b"\n") + 1, "Exported")

    def over_cap(d: Path) -> Built:
        # refused from the LOCUS line before parsing, so the record is named by its LOCUS name
        return Built(real(d, "NC_005816.gb"), "nc.gb", r"length 9609, over the limit of 5000", 1, "NC_005816",
                     options={"max_length": 5000})

    def absurd_locus_length(d: Path) -> Built:
        # found by the fuzzer: Biopython raised OverflowError on a 49-digit LOCUS length
        broken = replace_once(real(d, t2a), b"                  54 bp", b" " + b"3" * 40 + b" bp")
        return Built(broken, "t2a_huge.gb", r"LOCUS line gives length 3{40}, over the limit of 1000000", 1,
                     "Exported")

    def forced_protein(d: Path) -> Built:
        return Built(real(d, t2a), t2a, r"protein was requested but the LOCUS line declares DNA", 1, "Exported",
                     options={"molecule": "protein"})

    def nul_in_genbank(d: Path) -> Built:
        content = real(d, "EGFR.gb")
        at = content.index(b"ORIGIN")
        return Built(content[:at] + b"\x00\x00" + content[at:], "egfr_nul.gb", r"NUL byte",
                     line_of(content, b"ORIGIN"))

    def control_bytes(d: Path) -> Built:
        content = real(d, "P2A.gb")
        return Built(replace_once(content, b"DEFINITION", b"DEFIN\x01TION"), "p2a_ctrl.gb",
                     r"control byte 0x01", 2)

    def latin1(d: Path) -> Built:
        content = real(d, "P2A.gb")
        return Built(replace_once(content, b"synthetic linear DNA", b"synth\xe9tic linear DNA"), "p2a_latin1.gb",
                     r"not UTF-8", 2)

    return [
        Case("genbank-locus-length-differs", locus_length),
        Case("genbank-locus-length-differs-third-record", locus_length_third_record),
        Case("genbank-locus-length-not-a-number", locus_not_a_number),
        Case("genbank-unparseable-location", bad_location),
        Case("genbank-word-location", word_location),
        Case("genbank-reversed-location-on-linear", reversed_linear_location),
        Case("genbank-origin-spanning-feature-on-linear", origin_spanning_on_linear),
        Case("genbank-origin-spanning-join-on-linear", origin_spanning_join_on_linear),
        Case("genbank-feature-past-end", feature_past_end),
        Case("genbank-feature-past-end-egfr", feature_past_end_egfr),
        Case("genbank-complement-past-end", complement_past_end),
        Case("genbank-broken-join", broken_join),
        Case("genbank-truncated-in-features", truncated_features),
        Case("genbank-truncated-in-sequence", truncated_sequence),
        Case("genbank-missing-terminator", missing_terminator),
        Case("genbank-truncated-second-record", truncated_second_record),
        Case("genbank-bad-sequence-character", bad_sequence_character),
        Case("genbank-bad-character-second-record", bad_character_second_record),
        Case("genbank-protein-letter-in-dna", protein_letters_in_dna),
        Case("genbank-no-origin", no_origin),
        Case("genbank-empty-sequence", empty_sequence),
        Case("genbank-junk-feature-line", junk_feature_line),
        Case("genbank-duplicate-records", duplicate_records),
        Case("genbank-text-after-terminator", text_after_terminator),
        Case("genbank-over-length-cap", over_cap),
        Case("genbank-dna-forced-protein", forced_protein),
        Case("genbank-absurd-locus-length", absurd_locus_length),
        Case("genbank-nul-bytes", nul_in_genbank),
        Case("genbank-control-byte", control_bytes),
        Case("genbank-not-utf8", latin1),
    ]


def file_cases() -> list[Case]:
    def empty(d: Path) -> Built:
        return Built(b"", "empty.fasta", r"the file is empty")

    def blank(d: Path) -> Built:
        return Built(b"\n \r\n\t\n", "blank.gb", r"the file is empty")

    def binary_junk(d: Path) -> Built:
        return Built(bytes(range(256)) * 4, "junk.fasta", r"binary content: a NUL byte", 1)

    def truncated_gzip_file(d: Path) -> Built:
        # a whole .gz is expanded before parsing (see test_archives.py); a truncated one is refused at every level
        return Built(gzip.compress(real(d, "T2A.gb"))[:-12], "T2A.gb.gz", r"binary content: the file is gzip")

    def tsv_file(d: Path) -> Built:
        return Built(real(d, "ternary_templates_v2.tsv")[:4000], "templates.fasta", r"neither GenBank .* nor FASTA",
                     1)

    def gtf_as_sequence(d: Path) -> Built:
        return Built(real(d, "Anno_Tisacel.gtf"), "Anno_Tisacel.gb", r"starts with 'tisacel", 1)

    def embl_with_genbank_sequence_lines(d: Path) -> Built:
        sequence = real(d, "T2A.gb").split(b"ORIGIN")[1]
        return Built(b"ID   T2A; SV 1; linear; DNA; STD; SYN; 54 BP.\nSQ   Sequence 54 BP;\n" + sequence,
                     "t2a.embl", r"malformed EMBL: Unexpected content after SQ", 1, "T2A")

    def unknown_molecule(d: Path) -> Built:
        return Built(real(d, "T2A.gb"), "T2A.gb", r"unknown molecule 'RNA'", options={"molecule": "RNA"})

    return [
        Case("file-empty", empty),
        Case("file-blank-lines-only", blank),
        Case("file-binary-junk", binary_junk),
        Case("file-gzip-truncated", truncated_gzip_file),
        Case("file-tsv-table", tsv_file),
        Case("file-gtf-given-as-sequence", gtf_as_sequence),
        Case("file-embl-with-genbank-sequence-lines", embl_with_genbank_sequence_lines),
        Case("file-unknown-molecule-option", unknown_molecule),
    ]


def gtf_cases() -> list[Case]:
    def gtf(content: bytes, name: str, message: str, line: int | None, record: str | None = None) -> Built:
        return Built(content, name, message, line, record, gtf_only=True)

    def lines_of(d: Path, name: str) -> list[bytes]:
        return real(d, name).split(b"\n")

    def reversed_real(d: Path) -> Built:
        return gtf(real(d, "lentiviral_vector_tisacel.gtf"), "lentiviral_vector_tisacel.gtf",
                   r"start 25 is after end 9", 1, "vector")

    def reversed_line_4(d: Path) -> Built:
        lines = lines_of(d, "Anno_Tisacel.gtf")
        columns = lines[3].split(b"\t")
        columns[3], columns[4] = columns[4], columns[3]
        lines[3] = b"\t".join(columns)
        return gtf(b"\n".join(lines), "tisacel_reversed.gtf", r"start 892 is after end 790", 4, "tisacel")

    def non_integer(d: Path) -> Built:
        lines = lines_of(d, "Anno_Axicel.gtf")
        lines[1] = lines[1].replace(b"\t67\t", b"\t6x7\t")
        return gtf(b"\n".join(lines), "axicel_6x7.gtf", r"whole numbers, not '6x7'", 2, "axicel")

    def float_coordinate(d: Path) -> Built:
        lines = lines_of(d, "Anno_Axicel.gtf")
        lines[2] = lines[2].replace(b"\t1131\t", b"\t1131.5\t")
        return gtf(b"\n".join(lines), "axicel_float.gtf", r"whole numbers", 3, "axicel")

    def spaces_not_tabs(d: Path) -> Built:
        lines = lines_of(d, "Anno_Idecel.gtf")
        lines[2] = lines[2].replace(b"\t", b" ")
        return gtf(b"\n".join(lines), "idecel_spaces.gtf", r"9 tab-separated columns, this one has 1", 3)

    def missing_column(d: Path) -> Built:
        lines = lines_of(d, "Anno_Idecel.gtf")
        columns = lines[4].split(b"\t")
        lines[4] = b"\t".join(columns[:5] + columns[6:])
        return gtf(b"\n".join(lines), "idecel_8cols.gtf", r"this one has 8", 5)

    def unclosed_quote(d: Path) -> Built:
        lines = lines_of(d, "Anno_Tisacel.gtf")
        lines[1] = lines[1].replace(b'exon_id "CD8SP"', b'exon_id "CD8SP')
        return gtf(b"\n".join(lines), "tisacel_quote.gtf", r"unclosed quote", 2, "tisacel")

    def attribute_without_value(d: Path) -> Built:
        lines = lines_of(d, "Anno_Ciltacel_Oezdemirli_and_Braun.gtf")
        lines[2] = lines[2].replace(b'exon_id "G4S_linker";', b'exon_id;')
        return gtf(b"\n".join(lines), "cilta_attr.gtf", r"cannot read the attribute 'exon_id'", 3, "ciltacel")

    def bad_strand(d: Path) -> Built:
        lines = lines_of(d, "Anno_Axicel.gtf")
        lines[3] = lines[3].replace(b"\t+\t", b"\t*\t")
        return gtf(b"\n".join(lines), "axicel_strand.gtf", r"strand must be", 4, "axicel")

    def start_zero(d: Path) -> Built:
        lines = lines_of(d, "Anno_Axicel.gtf")
        lines[0] = lines[0].replace(b"\t1\t68\t", b"\t0\t68\t")
        return gtf(b"\n".join(lines), "axicel_zero.gtf", r"start 0 is before position 1", 1, "axicel")

    def empty_gtf(d: Path) -> Built:
        return gtf(b"", "empty.gtf", r"the file is empty", None)

    def comments_only(d: Path) -> Built:
        return gtf(b"#gtf-version 2.2\n#nothing else\n", "comments.gtf", r"no feature line", None)

    def binary_gtf(d: Path) -> Built:
        return gtf(gzip.compress(real(d, "Anno_Axicel.gtf")), "Anno_Axicel.gtf.gz", r"binary content", None)

    def outside_sequence(d: Path) -> Built:
        # ide-cel's annotations (1485 nt) on the 1459-nt tisa-cel ORF: CD3zSD 1141-1485 runs past the end
        name = "Tisacel_patentUS9499629B2.fasta"
        built = Built(real(d, name), name, r"'CD3zSD' at 1141-1485 lies outside record "
                      r"'Tisacel_WO2021091978A1_CAR_construct' \(1459 long\)", 9,
                      "Tisacel_WO2021091978A1_CAR_construct")
        built.gtf = (real(d, "Anno_Idecel.gtf"), "Anno_Idecel.gtf")
        return built

    def unknown_sequence(d: Path) -> Built:
        built = Built(real(d, "fetched_sequences.fasta"), "fetched_sequences.fasta",
                      r"name the sequence 'tisacel', which is not in the sequence file", 2, "tisacel")
        # line 2: the first domain feature (line 1 is the transcript line, the construct as a whole)
        built.gtf = (real(d, "Anno_Tisacel.gtf"), "Anno_Tisacel.gtf")
        return built

    def two_sequences_one_record(d: Path) -> Built:
        name = "Axicel_HM852952.fasta"
        built = Built(real(d, name), name, r"name the sequence '(axicel|tisacel)', which is not", None)
        built.gtf = (real(d, "Anno_Axicel.gtf") + b"\n" + real(d, "Anno_Tisacel.gtf"), "two.gtf")
        return built

    def protein_annotated_with_nt_coordinates(d: Path) -> Built:
        name = "Axicel_HM852952_protein_translated.fasta"
        built = Built(real(d, name), name, r"'anti-CD19' at 67-809 lies outside record .*\(489 long\)", 2)
        built.gtf = (real(d, "Anno_Axicel.gtf"), "Anno_Axicel.gtf")
        return built

    return [
        Case("gtf-reversed-coordinates-real-file", reversed_real),
        Case("gtf-reversed-coordinates-line-4", reversed_line_4),
        Case("gtf-non-integer-coordinate", non_integer),
        Case("gtf-decimal-coordinate", float_coordinate),
        Case("gtf-spaces-instead-of-tabs", spaces_not_tabs),
        Case("gtf-missing-column", missing_column),
        Case("gtf-unclosed-quote", unclosed_quote),
        Case("gtf-attribute-without-value", attribute_without_value),
        Case("gtf-bad-strand", bad_strand),
        Case("gtf-start-zero", start_zero),
        Case("gtf-empty", empty_gtf),
        Case("gtf-comments-only", comments_only),
        Case("gtf-binary", binary_gtf),
        Case("gtf-feature-outside-sequence", outside_sequence),
        Case("gtf-unknown-sequence-name", unknown_sequence),
        Case("gtf-two-sequences-for-one-record", two_sequences_one_record),
        Case("gtf-nucleotide-coordinates-on-protein", protein_annotated_with_nt_coordinates),
    ]


# --- SnapGene and EMBL (shared/data/sequences/formats, Biopython's test files) ------------------------------------


def formats_file(shared_data: Path, name: str) -> bytes:
    return (shared_data / "sequences" / "formats" / name).read_bytes()


def snapgene_packets(content: bytes) -> list[tuple[int, bytes]]:
    """A SnapGene file's packets: (type, data), each stored as type byte, 4-byte big-endian length, data."""
    packets, at = [], 0
    while at < len(content):
        kind, length = content[at], struct.unpack(">I", content[at + 1:at + 5])[0]
        packets.append((kind, content[at + 5:at + 5 + length]))
        at += 5 + length
    return packets


def snapgene_file(packets: list[tuple[int, bytes]]) -> bytes:
    return b"".join(bytes([kind]) + struct.pack(">I", len(data)) + data for kind, data in packets)


def with_packet(content: bytes, kind: int, change: Callable[[bytes], bytes]) -> bytes:
    """The SnapGene file with the data of its packet of type ``kind`` changed (lengths kept right)."""
    packets = snapgene_packets(content)
    assert any(k == kind for k, _ in packets)
    return snapgene_file([(k, change(data) if k == kind else data) for k, data in packets])


SNAPGENE_DNA, SNAPGENE_FEATURES = 0x00, 0x0A


def snapgene_cases() -> list[Case]:
    sample = "sample-d.dna"  # 1000 bp linear, record 'Sample'
    plasmid = "pFA-KanMX4.dna"  # 3941 bp circular, no ID; SP6 promoter runs across the origin

    def truncated(d: Path) -> Built:
        content = formats_file(d, sample)
        return Built(content[:len(content) // 2], "sample_truncated.dna", r"the SnapGene file is truncated")

    def truncated_in_cookie(d: Path) -> Built:
        return Built(formats_file(d, sample)[:9], "sample_cookie.dna", r"starts like a SnapGene map but")

    def no_sequence_packet(d: Path) -> Built:
        packets = [(k, data) for k, data in snapgene_packets(formats_file(d, sample)) if k != SNAPGENE_DNA]
        return Built(snapgene_file(packets), "sample_no_dna.dna", r"holds no DNA sequence packet")

    def bad_base(d: Path) -> Built:
        broken = with_packet(formats_file(d, sample), SNAPGENE_DNA, lambda data: data[:100] + b"!" + data[101:])
        return Built(broken, "sample_bad_base.dna", r"'!' at position 100 is not an IUPAC nucleotide code",
                     record="Sample")

    def broken_features_xml(d: Path) -> Built:
        broken = with_packet(formats_file(d, sample), SNAPGENE_FEATURES,
                             lambda data: data.replace(b"</Features>", b"</Featurez>"))
        return Built(broken, "sample_xml.dna", r"an XML packet cannot be read")

    def feature_past_end(d: Path) -> Built:
        broken = with_packet(formats_file(d, sample), SNAPGENE_FEATURES,
                             lambda data: data.replace(b'range="50-150"', b'range="50-1500"'))
        return Built(broken, "sample_past_end.dna", r"feature at 50\.\.1500 lies outside the 1000-long sequence",
                     record="Sample")

    def origin_spanning_on_linear(d: Path) -> Built:
        # the plasmid's topology flag cleared: its SP6 promoter (3925..2) now runs back across a linear origin
        broken = with_packet(formats_file(d, plasmid), SNAPGENE_DNA, lambda data: bytes([data[0] & ~1]) + data[1:])
        return Built(broken, "pFA-KanMX4_linear.dna", r"join\(3925\.\.3941,1\.\.2\) runs backwards across the "
                     r"origin, but the record is linear", record="pFA-KanMX4_linear")

    def over_cap(d: Path) -> Built:
        return Built(formats_file(d, sample), sample, r"the sequence is 1000 long, over the limit of 500",
                     record="Sample", options={"max_length": 500})

    def forced_protein(d: Path) -> Built:
        return Built(formats_file(d, sample), sample, r"protein was requested but the SnapGene file .* declares DNA",
                     record="Sample", options={"molecule": "protein"})

    return [
        Case("snapgene-truncated", truncated),
        Case("snapgene-truncated-in-cookie", truncated_in_cookie),
        Case("snapgene-without-sequence-packet", no_sequence_packet),
        Case("snapgene-bad-base", bad_base),
        Case("snapgene-broken-features-xml", broken_features_xml),
        Case("snapgene-feature-past-end", feature_past_end),
        Case("snapgene-origin-spanning-on-linear", origin_spanning_on_linear),
        Case("snapgene-over-length-cap", over_cap),
        Case("snapgene-dna-forced-protein", forced_protein),
    ]


def embl_cases() -> list[Case]:
    amylase = "AAA03323.embl"  # 1545 bp, one record, a CDS on another record
    kipo = "kipo_prt_sample.embl"  # 20 patent protein records, no molecule type
    epo = "epo_prt_selection.embl"

    def no_terminator(d: Path) -> Built:
        content = formats_file(d, amylase).rstrip()
        assert content.endswith(b"//")
        broken = content[:-2]
        return Built(broken, "amylase_no_end.embl", r"the record ends inside its sequence \(truncated file\?\)",
                     broken.rstrip().count(b"\n") + 1, "AAA03323")

    def first_record_without_terminator(d: Path) -> Built:
        content = formats_file(d, kipo)
        broken = replace_once(content, b"//\n", b"")
        return Built(broken, "kipo_no_end.embl", r"does not end with '//'", line_of(broken, b"ID   DI500002") - 1,
                     "DI500001")

    def index_records_without_sequence(d: Path) -> Built:
        return Built(formats_file(d, "patents.embl"), "patents.embl",
                     r"no sequence: its SQ line gives the length \(358\) but no residues", 1, "NRP00000001")

    def id_line_layout(d: Path) -> Built:
        first_line = b"ID   AAA03323; SV 1; linear; unassigned DNA; STD; INV; 1545 BP."
        broken = replace_once(formats_file(d, amylase), first_line, b"ID   ;")
        return Built(broken, "amylase_id.embl", r"malformed EMBL: Did not recognise the ID line", 1)

    def id_length_differs(d: Path) -> Built:
        broken = replace_once(formats_file(d, amylase), b"INV; 1545 BP.", b"INV; 1546 BP.")
        return Built(broken, "amylase_length.embl", r"the ID line gives length 1546, but the record holds 1545", 1,
                     "AAA03323")

    def absurd_length(d: Path) -> Built:
        broken = replace_once(formats_file(d, amylase), b"INV; 1545 BP.", b"INV; 99999999999 BP.")
        return Built(broken, "amylase_absurd.embl", r"the ID line gives length 99999999999, over the limit", 1,
                     "AAA03323")

    def bad_base(d: Path) -> Built:
        content = formats_file(d, amylase)
        sq = line_of(content, b"SQ   Sequence")
        lines = content.split(b"\n")
        lines[sq + 1] = lines[sq + 1][:5] + b"!" + lines[sq + 1][6:]  # 2nd sequence line, 1st base: position 61
        broken = b"\n".join(lines)
        return Built(broken, "amylase_bad_base.embl", r"'!' at position 61 is not an IUPAC nucleotide code", sq + 2,
                     "AAA03323.1")

    def bad_location(d: Path) -> Built:
        broken = replace_once(formats_file(d, amylase), b"source          1..1545", b"source          1..x545")
        return Built(broken, "amylase_location.embl", r"1\.\.x545", line_of(broken, b"1..x545"), "AAA03323")

    def feature_past_end(d: Path) -> Built:
        broken = replace_once(formats_file(d, amylase), b"source          1..1545", b"source          1..2545")
        return Built(broken, "amylase_past_end.embl", r"source feature at 1\.\.2545 lies outside the 1545-long",
                     line_of(broken, b"1..2545"), "AAA03323.1")

    def origin_spanning_join_on_linear(d: Path) -> Built:
        content = formats_file(d, "location_wrap.embl")
        broken = replace_once(content, b"join(1..100,101..110\nFT                   )", b"join(101..110,1..100)")
        return Built(broken, "wrap_join.embl", r"join\(101\.\.110,1\.\.100\) runs backwards across the origin",
                     line_of(broken, b"join(101..110"), "Test")

    def bad_residue(d: Path) -> Built:
        broken = replace_once(formats_file(d, epo), b"CLARIIRYFY NAKA", b"CLARIIRY#Y NAKA")
        return Built(broken, "epo_bad.embl", r"'#' at position 9 is not an IUPAC amino-acid code",
                     line_of(broken, b"CLARIIRY#Y"), "A00022.1")

    def protein_forced_dna(d: Path) -> Built:
        return Built(formats_file(d, epo), epo, r"DNA was requested but the ID line declares protein", 1, "A00022.1",
                     options={"molecule": "DNA"})

    def text_after_terminator(d: Path) -> Built:
        broken = formats_file(d, amylase).rstrip() + b"\nXX   trailing words\n"
        return Built(broken, "amylase_trailing.embl", r"text after the record's '//' terminator",
                     broken.rstrip().count(b"\n") + 1, "AAA03323")

    return [
        Case("embl-record-without-terminator", no_terminator),
        Case("embl-first-record-without-terminator", first_record_without_terminator),
        Case("embl-index-records-without-sequence", index_records_without_sequence),
        Case("embl-id-line-layout", id_line_layout),
        Case("embl-id-length-differs", id_length_differs),
        Case("embl-absurd-id-length", absurd_length),
        Case("embl-bad-base", bad_base),
        Case("embl-unparseable-location", bad_location),
        Case("embl-feature-past-end", feature_past_end),
        Case("embl-origin-spanning-join-on-linear", origin_spanning_join_on_linear),
        Case("embl-bad-residue", bad_residue),
        Case("embl-protein-forced-dna", protein_forced_dna),
        Case("embl-text-after-terminator", text_after_terminator),
    ]


CASES = fasta_cases() + genbank_cases() + file_cases() + gtf_cases() + snapgene_cases() + embl_cases()

