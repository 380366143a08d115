"""Domain detection on the real approved-CAR records, the tisa-cel vector, TCRs and EGFR."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from Bio import SeqIO
from seguid import lsseguid

from catalogue.detect.domains import (
    detect_domains,
    find_chains,
    header_content_warnings,
    propose_architecture,
)
from catalogue.detect.parts import reference_parts
from catalogue.vocabulary import DOMAIN_KINDS

SCFV_8BBZ = ["signal_peptide", "vl", "linker", "vh", "hinge", "transmembrane", "costimulatory",
             "signalling"]
# Architecture documented in SOURCES.md, per product: (nt file, protein file, kinds, labels that
# must appear in order among the detected labels).
PRODUCTS = {
    "tisa-cel": (
        "Tisacel_patentUS9499629B2.fasta", "Tisacel_patentUS9499629B2_protein_translated.fasta",
        SCFV_8BBZ,
        ["CD8α signal peptide", "(G4S)3 linker", "CD8α hinge", "CD8α transmembrane", "4-1BB", "CD3ζ"],
    ),
    "axi-cel": (
        "Axicel_HM852952.fasta", "Axicel_HM852952_protein_translated.fasta",
        SCFV_8BBZ,
        ["GM-CSFRα signal peptide", "Whitlow 218 linker", "CD28 hinge", "CD28 transmembrane", "CD28",
         "CD3ζ"],
    ),
    "ide-cel": (
        "Idecel_patentWO2021091978A1.fasta", "Idecel_patentWO2021091978A1_protein.fasta",
        SCFV_8BBZ,
        ["CD8α signal peptide", "Whitlow 218 linker", "CD8α hinge", "CD8α transmembrane", "4-1BB",
         "CD3ζ"],
    ),
    "cilta-cel": (
        "Ciltacel_Oezdemirli.fasta", "Ciltacel_Oezdemirli_protein_translated.fasta",
        ["signal_peptide", "vhh", "linker", "vhh", "hinge", "transmembrane", "costimulatory",
         "signalling"],
        ["CD8α signal peptide", "G4S linker", "CD8α hinge", "CD8α transmembrane", "4-1BB", "CD3ζ"],
    ),
}


def read_one(path: Path) -> tuple[str, str]:
    record = SeqIO.read(path, "fasta")
    return str(record.seq).upper(), record.description


@pytest.mark.parametrize("product", sorted(PRODUCTS))
@pytest.mark.parametrize("molecule", ["DNA", "protein"])
def test_architecture_of_approved_cars(shared_data: Path, product: str, molecule: str) -> None:
    nt_file, protein_file, kinds, labels = PRODUCTS[product]
    sequence, _ = read_one(shared_data / "sequences" / (nt_file if molecule == "DNA" else protein_file))
    result = detect_domains(sequence, molecule)
    main = result.main_chain
    domains = result.domains_of(main)
    assert [d.kind for d in domains] == kinds
    part_labels = [d.label for d in domains if d.kind not in ("vh", "vl", "vhh")]
    assert part_labels == labels
    assert all(d.kind in DOMAIN_KINDS and d.source == "detected" for d in domains)
    # every part matched its reference at (near) full identity: these are the real parts
    assert all(d.identity is not None and d.identity >= 99.0 for d in domains
               if d.kind not in ("vh", "vl", "vhh"))
    # domains are ordered and do not overlap
    spans = [(d.protein_start, d.protein_end) for d in domains]
    assert all(a[1] < b[0] for a, b in zip(spans, spans[1:]))
    for domain in domains:
        segment = result.chains[main].protein[domain.protein_start - 1 : domain.protein_end]
        if domain.kind in ("vh", "vl", "vhh"):
            assert domain.binder_checksum == lsseguid(segment, alphabet="{protein}")
            assert 100 <= len(segment) <= 135
        else:
            assert domain.binder_checksum is None
    if molecule == "DNA":
        chain = result.chains[main]
        assert chain.strand == 1 and chain.frame == 1 and chain.start == 1
        for domain in domains:  # nucleotide and protein coordinates agree
            assert domain.start == 3 * domain.protein_start - 2
            assert domain.end == 3 * domain.protein_end


def test_cilta_cel_binder_is_two_vhh_and_architecture_proposal(shared_data: Path) -> None:
    sequence, _ = read_one(shared_data / "sequences" / "Ciltacel_Oezdemirli_protein_translated.fasta")
    proposal = propose_architecture(detect_domains(sequence, "protein"))
    assert proposal["binder_format"] == "VHH"
    assert len(proposal["binder_domains"]) == 2
    assert proposal["hinge"] == "CD8α hinge"
    assert proposal["transmembrane"] == "CD8α transmembrane"
    assert proposal["costimulatory"] == ["4-1BB"]
    assert proposal["signalling"] == "CD3ζ"
    assert proposal["generation"] == 2


def test_axi_cel_proposal_is_cd28_second_generation_scfv(shared_data: Path) -> None:
    sequence, _ = read_one(shared_data / "sequences" / "Axicel_HM852952.fasta")
    proposal = propose_architecture(detect_domains(sequence, "DNA"))
    assert proposal["binder_format"] == "scFv"
    assert (proposal["hinge"], proposal["transmembrane"]) == ("CD28 hinge", "CD28 transmembrane")
    assert proposal["costimulatory"] == ["CD28"]
    assert proposal["generation"] == 2
    assert proposal["complete"] is True  # HM852952 ends in a stop codon


def test_ide_cel_starts_with_the_vl(shared_data: Path) -> None:
    """The GTF calls the first V domain "Vh", but the protein starts DIVLTQSP (a κ VL)."""
    sequence, _ = read_one(shared_data / "sequences" / "Idecel_patentWO2021091978A1_protein.fasta")
    domains = detect_domains(sequence, "protein").domains
    first_v = next(d for d in domains if d.kind in ("vh", "vl"))
    assert first_v.kind == "vl" and first_v.label.startswith("VL κ")
    assert sequence[first_v.protein_start - 1 :].startswith("DIVLTQSP")


def gtf_features(path: Path) -> dict[str, tuple[int, int]]:
    features = {}
    for line in path.read_text().splitlines():
        fields = line.split("\t")
        if len(fields) >= 9 and fields[2] == "exon":
            exon_id = re.search(r'exon_id "([^"]+)"', fields[8]).group(1)
            features[exon_id] = (int(fields[3]), int(fields[4]))
    return features


# (GTF file, nt file, [(GTF exon_id, first detected kind, last detected kind, compare start, end)]).
# Left out on purpose: Tisacel "CD8HTMD" end (892; the GTF leaves 893-996, the rest of the TM, in a
# gap), Idecel "CD8SP" (1-78 overlaps the VL at 64) and Idecel V-domain features (partial: 115-345).
GTF_CHECKS = [
    ("Anno_Tisacel.gtf", "Tisacel_patentUS9499629B2.fasta", [
        ("CD8SP", "signal_peptide", "signal_peptide", True, True),
        ("anti-CD19", "vl", "vh", True, True),
        ("CD8HTMD", "hinge", "transmembrane", True, False),
        ("CD137SD", "costimulatory", "costimulatory", True, True),
        ("CD3zSD", "signalling", "signalling", True, True),
    ]),
    ("Anno_Axicel.gtf", "Axicel_HM852952.fasta", [
        ("CSF2RA", "signal_peptide", "signal_peptide", True, True),
        ("anti-CD19", "vl", "vh", True, True),
        ("CD28", "hinge", "costimulatory", True, True),
        ("CD247", "signalling", "signalling", True, True),
    ]),
    ("Anno_Idecel.gtf", "Idecel_patentWO2021091978A1.fasta", [
        ("whitlow-linker", "linker", "linker", True, True),
        ("CD8alphaHinge", "hinge", "hinge", True, True),
        ("CD8alphaTMD", "transmembrane", "transmembrane", True, True),
        ("CD137SD", "costimulatory", "costimulatory", True, True),
        ("CD3zSD", "signalling", "signalling", True, True),
    ]),
    ("Anno_Ciltacel_Oezdemirli_and_Braun.gtf", "Ciltacel_Oezdemirli.fasta", [
        ("CD8alpha_signal_peptide", "signal_peptide", "signal_peptide", True, True),
        ("BCMA_binding_VHH1", "vhh", "vhh", True, True),
        ("G4S_linker", "linker", "linker", True, True),
        ("CD8alpha_Hinge", "hinge", "hinge", True, True),
        ("CD8alpha_transmembrane", "transmembrane", "transmembrane", True, True),
        ("TNFRSF9_Cytoplasmic", "costimulatory", "costimulatory", True, True),
        ("CD247_Cytoplasmic", "signalling", "signalling", True, True),
    ]),
]
TOLERANCE_NT = 9  # three codons: GTF ends include stop codons, short spacers, etc.


@pytest.mark.parametrize("gtf_file, nt_file, checks", GTF_CHECKS, ids=[c[0] for c in GTF_CHECKS])
def test_coordinates_agree_with_gtf(shared_data: Path, gtf_file: str, nt_file: str, checks) -> None:
    features = gtf_features(shared_data / "sequences" / gtf_file)
    sequence, _ = read_one(shared_data / "sequences" / nt_file)
    domains = detect_domains(sequence, "DNA").domains
    for exon_id, first_kind, last_kind, check_start, check_end in checks:
        gtf_start, gtf_end = features[exon_id]
        first = next(d for d in domains if d.kind == first_kind and d.end >= gtf_start - TOLERANCE_NT)
        last = next(d for d in domains if d.kind == last_kind and d.end >= first.start)
        if check_start:
            assert abs(first.start - gtf_start) <= TOLERANCE_NT, (exon_id, first.start, gtf_start)
        if check_end:
            assert abs(last.end - gtf_end) <= TOLERANCE_NT, (exon_id, last.end, gtf_end)


def test_lentiviral_vector_yields_the_tisa_cel_orf(shared_data: Path) -> None:
    sequence, _ = read_one(shared_data / "sequences" / "lentiviral_vector_tisacel.fasta")
    result = detect_domains(sequence, "DNA")
    spans = [(c.start, c.end) for c in result.chains]
    assert (6391, 7851) in spans
    assert any(c.strand == -1 for c in result.chains)  # both strands searched
    main = result.chains[result.main_chain]
    assert (main.start, main.end, main.frame, main.ends_in_stop) == (6391, 7851, 1, True)
    car, _ = read_one(shared_data / "sequences" / "Tisacel_patentUS9499629B2.fasta")
    car_result = detect_domains(car, "DNA")
    assert [d.kind for d in result.domains_of(result.main_chain)] == [d.kind for d in car_result.domains]
    # same domains, shifted by the ORF start in the vector
    for in_vector, alone in zip(result.domains_of(result.main_chain), car_result.domains):
        assert in_vector.start - alone.start == 6390


def test_tisa_cel_orf_without_stop_codon_is_kept(shared_data: Path) -> None:
    sequence, _ = read_one(shared_data / "sequences" / "Tisacel_patentUS9499629B2.fasta")
    chains = find_chains(sequence, "DNA")
    assert len(chains[0].protein) == 486 and chains[0].ends_in_stop is False


@pytest.mark.parametrize("file_name", ["lentiviral_vector_tisacel.fasta", "NC_005816.gb", "EGFR.gb",
                                       "addgene-plasmid-39296-sequence-49545.gbk"])
def test_orfs_are_biopythons_translation_read_frame_by_frame(shared_data: Path, file_name: str) -> None:
    """Every ORF of at least 150 codons that starts at the first ATG of a stop-free stretch, on six frames,
    read from Biopython's own translation of each frame: the same chains, proteins and coordinates."""
    from Bio.Seq import Seq

    path = shared_data / "sequences" / file_name
    sequence = str(SeqIO.read(path, "fasta" if path.suffix == ".fasta" else "genbank").seq).upper()
    expected = []
    for strand, text in ((1, sequence), (-1, str(Seq(sequence).reverse_complement()))):
        for offset in range(3):
            usable = len(text) - (len(text) - offset) % 3
            translation = str(Seq(text[offset:usable]).translate())
            position = 0
            for stretch in translation.split("*"):
                first = stretch.find("M")
                if first >= 0 and len(stretch) - first >= 150:
                    end = position + len(stretch)
                    stop = 3 if end < len(translation) else 0
                    start_s, end_s = offset + 3 * (position + first) + 1, offset + 3 * end + stop
                    span = (start_s, end_s) if strand > 0 else (len(text) - end_s + 1, len(text) - start_s + 1)
                    expected.append((stretch[first:], *span, strand, strand * (offset + 1)))
                position += len(stretch) + 1
    found = [(c.protein, c.start, c.end, c.strand, c.frame) for c in find_chains(sequence, "DNA")]
    assert found == sorted(expected, key=lambda c: (c[1], -len(c[0])))
    assert found


def test_reverse_strand_orf_maps_back_to_forward_coordinates(shared_data: Path) -> None:
    sequence, _ = read_one(shared_data / "sequences" / "Axicel_HM852952.fasta")
    from Bio.Seq import Seq

    flipped = "ACGT" * 5 + str(Seq(sequence).reverse_complement()) + "TTGCA"
    forward = detect_domains(sequence, "DNA")
    reverse = detect_domains(flipped, "DNA")
    chain = reverse.chains[reverse.main_chain]
    assert chain.strand == -1 and chain.frame < 0
    for f, r in zip(forward.domains, reverse.domains_of(reverse.main_chain)):
        assert (f.kind, f.protein_start, f.protein_end) == (r.kind, r.protein_start, r.protein_end)
        # the reverse-complemented domain occupies the mirrored span
        assert r.start == 20 + len(sequence) - f.end + 1
        assert r.end == 20 + len(sequence) - f.start + 1


def test_1g4_tcr_variable_domains(shared_data: Path) -> None:
    with open(shared_data / "sequences" / "ternary_templates_v2.tsv", newline="") as handle:
        rows = [r for r in csv.DictReader(handle, delimiter="\t") if r["pdbid"] in ("2bnr", "2bnq")]
    assert rows
    for row in rows:
        pieces = row["chainseq"].split("/")
        alpha, beta = pieces[-2], pieces[-1]
        alpha_domains = detect_domains(alpha, "protein").domains
        beta_domains = detect_domains(beta, "protein").domains
        assert [d.kind for d in alpha_domains] == ["tcr_alpha_variable"]
        assert [d.kind for d in beta_domains] == ["tcr_beta_variable"]
        assert alpha_domains[0].label == "TCR Vα (human)"
        assert "CAVRPTSGGSYIPTF" in alpha[alpha_domains[0].protein_start - 1 : alpha_domains[0].protein_end]


def test_egfr_translation_contains_egfrt_marker(shared_data: Path) -> None:
    record = SeqIO.read(shared_data / "sequences" / "EGFR.gb", "genbank")
    result = detect_domains(str(record.seq).upper(), "DNA")
    markers = [d for d in result.domains if d.kind == "marker"]
    assert [m.label for m in markers] == ["EGFRt"]
    assert markers[0].identity == 100.0
    egfrt = next(p for p in reference_parts() if p.name == "egfrt")
    assert (markers[0].protein_start, markers[0].protein_end) == egfrt.residue_range


def test_mislabelled_protein_file_gets_a_header_warning(shared_data: Path) -> None:
    sequence, description = read_one(shared_data / "sequences" / "Tisacel_patentUS9499629B2_protein.fasta")
    result = detect_domains(sequence, "protein")
    warnings = header_content_warnings(description, result)
    assert any("tisagenlecleucel" in w and "VHH" in w for w in warnings)
    assert any("no signalling domain" in w for w in warnings)


@pytest.mark.parametrize("product", sorted(PRODUCTS))
def test_correctly_labelled_files_get_no_header_warning(shared_data: Path, product: str) -> None:
    sequence, description = read_one(shared_data / "sequences" / PRODUCTS[product][1])
    assert header_content_warnings(description, detect_domains(sequence, "protein")) == []


def test_non_car_plasmid_has_no_car_domains(shared_data: Path) -> None:
    record = SeqIO.read(shared_data / "sequences" / "NC_005816.gb", "genbank")
    result = detect_domains(str(record.seq).upper(), "DNA")
    assert result.chains  # it has ORFs...
    assert not [d for d in result.domains if d.kind in ("vh", "vl", "vhh", "signalling")]

