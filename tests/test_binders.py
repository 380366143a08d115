"""Thera-SAbDab parsing and binder identity on the real export and real CAR binders."""

from __future__ import annotations

from pathlib import Path

import pytest
from Bio import SeqIO

from catalogue.detect.binders import closest_binder, parse_therasabdab
from catalogue.detect.domains import detect_domains
from catalogue.errors import InvalidInput

CSV_NAME = "TheraSAbDab_SeqStruc_OnlineDownload.csv"


@pytest.fixture(scope="module")
def library(shared_data: Path):
    path = shared_data / "binders" / CSV_NAME
    return parse_therasabdab(path.read_bytes(), CSV_NAME)


def test_parse_real_export(library) -> None:
    # 1133 rows; rows with no sequence at all would be skipped (Lulizumab/Placulumab keep their LC)
    assert len(library) == 1133
    by_name = {b.name: b for b in library}
    dara = by_name["Daratumumab"]
    assert dara.target == "ADPRC1/CD38" and dara.phase == "Approved"
    assert dara.heavy.startswith("EVQLLESGG") and dara.light.startswith("EIVLTQSP")
    assert dara.second_heavy is None and dara.second_light is None  # "na"
    assert by_name["Lulizumab"].heavy is None
    assert sum(1 for b in library if b.light is None) >= 27  # single-domain and other formats
    assert all("\r" not in (b.target or "") and "\u200b" not in b.name for b in library)
    blinatumomab = by_name["Blinatumomab"]
    assert blinatumomab.second_heavy and blinatumomab.second_heavy.startswith("DIKL")


def test_missing_column_is_a_clear_error() -> None:
    content = b"Therapeutic,Format,HC,Target\r\nX,Whole mAb,EVQL,CD19"
    with pytest.raises(InvalidInput) as caught:
        parse_therasabdab(content, "broken.csv")
    assert "LC" in str(caught.value) and "broken.csv" in str(caught.value)


def test_bad_sequence_cell_names_line_and_record() -> None:
    header = ("Therapeutic,Format,HC,LC,HeavySequence(ifbispec),LightSequence(ifbispec),Target,"
              "Highest_Clin_Trial (Feb '25)")
    content = (header + "\r\nGood,Whole mAb,EVQLV,DIQMT,na,na,CD19,Approved"
               "\r\nBad,Whole mAb,EVQL 1234,DIQ,na,na,CD22,TBC").encode()
    with pytest.raises(InvalidInput) as caught:
        parse_therasabdab(content, "x.csv")
    assert caught.value.line == 3 and caught.value.record == "Bad"


def test_not_utf8_is_a_clear_error() -> None:
    with pytest.raises(InvalidInput, match="UTF-8"):
        parse_therasabdab(b"Therapeutic\xff\xfe", "x.csv")


def test_a_row_vh_matches_itself(library) -> None:
    for name in ("Inotuzumab", "Grisnilimab", "Elotuzumab"):
        row = next(b for b in library if b.name == name)
        match = closest_binder(row.heavy, "vh", library)
        assert (match.name, match.identity) == (name, 100.0)
        light = closest_binder(row.light, "vl", library)
        assert light.identity == 100.0 and light.name == name


def test_m971_scfv_domains_are_detected(shared_data: Path, library) -> None:
    record = SeqIO.read(shared_data / "binders" / "m971_CD22_scFv.fasta", "fasta")
    sequence = str(record.seq)
    domains = detect_domains(sequence, "protein").domains
    assert [d.kind for d in domains] == ["vh", "linker", "vl"]
    vh, linker, vl = domains
    # SOURCES.md: VH 1-124, GGGGS 125-129, VL 130-236
    assert (vh.protein_start, linker.protein_start, linker.protein_end) == (1, 125, 129)
    assert abs(vh.protein_end - 124) <= 2 and abs(vl.protein_end - 236) <= 2
    assert vh.label == "VH (human)" and vl.label == "VL κ (human)"
    match = closest_binder(sequence[vh.protein_start - 1 : vh.protein_end], "vh", library)
    assert match is not None and 0 < match.identity < 100  # m971 itself is not in Thera-SAbDab
    print(f"m971 VH closest therapeutic: {match.name} ({match.target}) {match.identity}%")


@pytest.mark.parametrize("file_name", ["Axicel_HM852952_protein_translated.fasta",
                                       "Idecel_patentWO2021091978A1_protein.fasta"])
def test_detected_car_vh_gets_closest_therapeutic(shared_data: Path, library, file_name: str) -> None:
    sequence = str(SeqIO.read(shared_data / "sequences" / file_name, "fasta").seq)
    vh = next(d for d in detect_domains(sequence, "protein").domains if d.kind == "vh")
    domain = sequence[vh.protein_start - 1 : vh.protein_end]
    match = closest_binder(domain, "vh", library)
    assert match is not None and 50.0 < match.identity <= 100.0
    assert match.chain in ("heavy", "second_heavy")
    # the reported identity is a real property of the pair, not of the ranking
    row = next(b for b in library if b.name == match.name)
    assert closest_binder(domain, "vh", [row]).identity == match.identity
    print(f"{file_name}: VH closest therapeutic {match.name} ({match.target}) {match.identity}%")


def test_kind_must_be_a_v_domain(library) -> None:
    with pytest.raises(InvalidInput):
        closest_binder("EVQL", "hinge", library)
