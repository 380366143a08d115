"""The reference parts' stated UniProt ranges agree with the UniProt sequences they cite."""

from __future__ import annotations

from catalogue.detect.parts import part_named

#: UniProtKB P20963 (CD3Z_HUMAN), canonical isoform 1 (P20963-1, 164 aa), sequence version 2, as in the UniProt
#: flat file (entry version 239, 18-JUN-2025). Isoform 3 (P20963-3) differs by VAR_SEQ 101 "Missing".
P20963_1 = (
    "MKWKALFTAAILQAQLPITEAQSFGLLDPKLCYLLDGILFIYGVILTALFLRVKFSRSADAPAYQQGQNQLYNELNLGRREEYDVLDKRRGRDPEMGGKP"
    "QRRKNPQEGLYNELQKDKMAEAYSEIGMKGERRRGKGHDGLYQGLSTATKDTYDALHMQALPPR"
)


def test_cd3_zeta_part_is_isoform_3_residues_52_to_163():
    assert len(P20963_1) == 164 and P20963_1[100] == "Q"
    isoform_3 = P20963_1[:100] + P20963_1[101:]  # VAR_SEQ 101: Missing (in isoform 3)
    part = part_named("cd247_signalling")
    assert part.sequence == isoform_3[51:163]  # 1-based 52-163
    assert part.sequence != P20963_1[52:164]  # the range stated before (53-164 of isoform 1) does not match
    assert "P20963-3" in part.source and "52-163" in part.source


def test_igg4_hinge_is_the_12_residue_spacer_without_ch2_mutations():
    hinge = part_named("igg4_hinge")
    assert hinge.sequence == "ESKYGPPCPPCP"
    assert "carries L235E/N297Q" not in hinge.source and "sit in CH2" in hinge.source
    long_spacer = part_named("igg4_hinge_ch2_ch3")
    assert long_spacer.sequence.startswith(hinge.sequence)
    # EU 235 and 297 lie in CH2 of the long spacer (hinge 216-230 in EU numbering is 12 residues here):
    # the natural residues are kept (L at EU 235, N at EU 297), as the source says
    assert "FLGG" in long_spacer.sequence and "EEQFNSTY" in long_spacer.sequence
