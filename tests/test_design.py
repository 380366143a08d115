"""Design from parts: the shipped reference designs re-parse and re-detect to their parts."""

from __future__ import annotations

import io
import tomllib
from pathlib import Path

import pytest
from Bio import SeqIO

from catalogue.design import NOT_A_PRODUCT, REFERENCE_DESIGNS, REFERENCE_TCR_DESIGNS, design_construct
from catalogue.detect.domains import detect_domains
from catalogue.detect.parts import part_named, reference_parts
from catalogue.errors import InvalidInput

CONSTRUCTS = Path(__file__).resolve().parent.parent / "constructs"
INDEX = tomllib.loads((CONSTRUCTS / "designs.toml").read_text(encoding="utf-8"))["design"]


def test_index_lists_the_eight_seed_targets() -> None:
    targets = {t for d in INDEX for t in d["targets"]}
    assert {"CD19", "CD22", "BCMA", "CD7", "CD38", "CD30", "CD123", "CS1"} <= targets
    assert {d["file"] for d in INDEX} == {s.file for s in REFERENCE_DESIGNS} | {s.file for s in REFERENCE_TCR_DESIGNS}


#: The CAR designs (the TCR design is re-detected in tests/test_tcr.py).
CAR_INDEX = [d for d in INDEX if d["file"] in {s.file for s in REFERENCE_DESIGNS}]


@pytest.mark.parametrize("design", CAR_INDEX, ids=[d["file"] for d in CAR_INDEX])
def test_shipped_design_detects_exactly_its_parts(design: dict) -> None:
    record = SeqIO.read(CONSTRUCTS / design["file"], "genbank")
    assert NOT_A_PRODUCT in record.description
    assert NOT_A_PRODUCT in " ".join(record.annotations["comment"].split())
    result = detect_domains(str(record.seq).upper(), "DNA")
    domains = result.domains_of(result.main_chain)
    spec = next(s for s in REFERENCE_DESIGNS if s.file == design["file"])
    expected_kinds, expected_labels = [], []
    binder_kinds = {"VH-VL": ["vh", "vl"], "VL-VH": ["vl", "vh"]}[spec.order]
    for name in spec.parts:
        if name.startswith("{binder"):
            expected_kinds.append(binder_kinds[int(name[7:-1]) - 1])
            expected_labels.append(None)
        else:
            part = part_named(name)
            expected_kinds.append(part.kind)
            expected_labels.append(part.label)
    assert [d.kind for d in domains] == expected_kinds
    assert [None if d.kind in ("vh", "vl") else d.label for d in domains] == expected_labels
    # the record's own features carry the same parts, with sources
    features = [f for f in record.features if f.type != "CDS"]
    assert [f.qualifiers["label"][0] for f in features] == design["parts"]
    assert all("source:" in f.qualifiers["note"][0] for f in features)
    cds = next(f for f in record.features if f.type == "CDS")
    assert str(record.seq.translate()) == cds.qualifiers["translation"][0] + "*"


def test_protein_design_round_trip() -> None:
    vhh = ("test VHH", "vhh",
           "QVKLEESGGGLVQAGRSLRLSCAASEHTFNSHVMGWFRQAPGKERESVAVIGWRDISTSYADSVKGRFTISRDNAKKTLYLQMNSLKPEDTAVYYCAARRIDAADFDSWGQGTQVTVSS",
           "cilta-cel VHH1 as printed in Ozdemirli et al. 2024 (shared test file)")
    text = design_construct("test", ["CD8α signal peptide", "{binder}", "CD8α hinge",
                                     "CD8α transmembrane", "4-1BB", "CD3ζ"], (vhh,),
                            back_translate=False)
    record = SeqIO.read(io.StringIO(text), "genbank")
    assert record.annotations["molecule_type"] == "protein"
    assert "protein: one Region feature per part" in " ".join(record.annotations["comment"].split())
    kinds = [d.kind for d in detect_domains(str(record.seq), "protein").domains]
    assert kinds == ["signal_peptide", "vhh", "hinge", "transmembrane", "costimulatory", "signalling"]


def test_unknown_part_and_bad_binder_are_clear_errors() -> None:
    with pytest.raises(InvalidInput, match="unknown reference part"):
        design_construct("x", ["CD8α signal peptide", "no such hinge"], (), back_translate=False)
    with pytest.raises(InvalidInput, match="amino-acid"):
        design_construct("x", ["{binder}"], (("b", "vh", "EVQL123", "s"),), back_translate=False)
    with pytest.raises(InvalidInput, match="binder items"):
        design_construct("x", ["{binder3}"], (("b", "vh", "EVQL", "s"),), back_translate=False)


def test_every_part_has_provenance() -> None:
    for part in reference_parts():
        assert part.source
        if part.kind not in ("linker",):
            assert part.accession or "no accession" in part.source
        if part.residue_range:
            assert part.residue_range[1] - part.residue_range[0] + 1 == len(part.sequence)
