"""Importing sequence files through the service layer and the CLI, on real files (both backends)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from catalogue import curation, queries
from catalogue.drafts import ConstructDraft

CILTA_KINDS = ["signal_peptide", "vhh", "linker", "vhh", "hinge", "transmembrane", "costimulatory", "signalling"]


def test_a_cilta_cel_file_imports_with_its_architecture_detected(engine, shared_data):
    actor = curation.local_operator()
    path = shared_data / "sequences" / "Ciltacel_Oezdemirli.fasta"
    report = curation.import_sequences(engine, actor, path.name, path.read_bytes(), construct="cilta-cel")
    assert report.ok, report.error
    assert [r.outcome for r in report.records] == ["created"]
    detail = queries.construct_detail(engine, "cilta-cel")
    assert [d["kind"] for d in detail["domains"]] == CILTA_KINDS
    record = detail["sequence_records"][0]
    assert record["file_name"] == path.name and record["length"] == 1467 and record["molecule"] == "DNA"
    # the curator accepts the detected architecture
    changed = curation.accept_architecture(engine, actor, "cilta-cel")
    assert changed["hinge"] == "CD8α" and changed["costimulatory"] == ["4-1BB"] and changed["binder_format"] == "VHH"
    assert curation.accept_architecture(engine, actor, "cilta-cel") == {}


def test_the_same_sequence_under_another_name_is_already_present(engine, shared_data):
    actor = curation.local_operator()
    original = (shared_data / "sequences" / "Axicel_HM852952.fasta").read_bytes()
    assert curation.import_sequences(engine, actor, "Axicel_HM852952.fasta", original, construct="axi-cel").ok
    before = queries.row_counts(engine)
    renamed = original.replace(b"\n", b"\r\n").lower()  # CRLF, lower case, another file name
    report = curation.import_sequences(engine, actor, "copy.fa", renamed, construct="axi-cel copy")
    assert report.ok
    assert [r.outcome for r in report.records] == ["already present"]
    assert "Axicel_HM852952.fasta" in report.records[0].detail
    assert queries.row_counts(engine) == before  # not even the construct "axi-cel copy"


def test_a_bad_file_writes_nothing_not_even_its_construct(engine, shared_data):
    actor = curation.local_operator()
    before = queries.row_counts(engine)
    gtf = (shared_data / "sequences" / "lentiviral_vector_tisacel.gtf").read_bytes()
    vector = (shared_data / "sequences" / "lentiviral_vector_tisacel.fasta").read_bytes()
    report = curation.import_sequences(engine, actor, "lentiviral_vector_tisacel.fasta", vector, construct="tisa-cel",
                                       annotations=gtf, annotations_name="lentiviral_vector_tisacel.gtf")
    assert not report.ok
    assert "lentiviral_vector_tisacel.gtf" in report.error and "line" in report.error
    assert queries.row_counts(engine) == before


def test_gtf_annotations_are_stored_beside_detected_domains(engine, shared_data):
    actor = curation.local_operator()
    sequences = shared_data / "sequences"
    report = curation.import_sequences(
        engine, actor, "Tisacel_patentUS9499629B2.fasta", (sequences / "Tisacel_patentUS9499629B2.fasta").read_bytes(),
        construct="tisa-cel", annotations=(sequences / "Anno_Tisacel.gtf").read_bytes(), annotations_name="Anno_Tisacel.gtf")
    assert report.ok, report.error
    record = queries.construct_detail(engine, "tisa-cel")["sequence_records"][0]
    sources = {d["source"] for d in record["domains"]}
    assert sources == {"annotated", "detected"}
    assert len([d for d in record["domains"] if d["source"] == "annotated"]) == 5
    warnings = " ".join(record["warnings"])
    assert "multiple of 3" in warnings and "WO2021091978A1" in warnings


def test_binders_are_named_by_the_closest_therapeutic_once_a_library_is_loaded(engine, shared_data):
    actor = curation.local_operator()
    library = shared_data / "binders" / "TheraSAbDab_SeqStruc_OnlineDownload.csv"
    report = curation.import_binders(engine, actor, library.name, library.read_bytes())
    assert report.ok, report.error and report.counts()["created"] > 1000
    protein = shared_data / "binders" / "m971_CD22_scFv.fasta"
    assert curation.import_sequences(engine, actor, protein.name, protein.read_bytes(), construct="m971 scFv").ok
    record = queries.construct_detail(engine, "m971 scFv")["sequence_records"][0]
    binders = [d for d in record["domains"] if d["kind"] in ("vh", "vl")]
    assert {d["kind"] for d in binders} == {"vh", "vl"}
    for domain in binders:
        assert 0 < domain["identity"] <= 100
        assert domain["binder_checksum"]


def test_constructs_sharing_a_binder_share_its_checksum(engine, shared_data):
    actor = curation.local_operator()
    sequences = shared_data / "sequences"
    for name, construct in (("Axicel_HM852952.fasta", "axi-cel"), ("Tisacel_patentUS9499629B2.fasta", "tisa-cel")):
        assert curation.import_sequences(engine, actor, name, (sequences / name).read_bytes(), construct=construct).ok

    def vh_checksum(name):
        record = queries.construct_detail(engine, name)["sequence_records"][0]
        return next(d["binder_checksum"] for d in record["domains"] if d["kind"] == "vh")

    assert vh_checksum("axi-cel") == vh_checksum("tisa-cel")  # both carry FMC63


def test_cli_import_reports_each_file_and_exits_1_when_one_fails(engine, shared_data, tmp_path):
    url = engine.url.render_as_string(hide_password=False)
    bad = tmp_path / "broken.gb"
    bad.write_bytes(b"LOCUS       broken     10 bp    DNA     linear\nORIGIN\n        1 acgtnnxxzz\n//\n")
    good = shared_data / "sequences" / "Idecel_patentWO2021091978A1_protein.fasta"
    result = subprocess.run(
        [sys.executable, "-m", "catalogue", "--db", url, "import", "sequences", str(good), str(bad),
         "--construct", "ide-cel", "--json"],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stderr
    files = {f["file"]: f for f in json.loads(result.stdout)["files"]}
    assert files[good.name]["ok"] and files[good.name]["counts"] == {"created": 1}
    assert not files["broken.gb"]["ok"] and "broken.gb" in files["broken.gb"]["error"]
    assert "Traceback" not in result.stderr
    shown = json.loads(subprocess.run([sys.executable, "-m", "catalogue", "--db", url, "show", "construct", "ide-cel",
                                       "--json"], capture_output=True, text=True, timeout=300).stdout)
    assert [d["kind"] for d in shown["domains"]][:2] == ["signal_peptide", "vl"]  # ide-cel is VL-first
    assert all(set(d) == {"kind", "label", "start", "end"} for d in shown["domains"])


def test_a_viewer_cannot_import(engine, shared_data):
    curation.add_account(engine, curation.local_operator(), "vera", "viewer", password="pw")
    viewer = curation.actor_for(engine, "vera")
    path = shared_data / "sequences" / "P2A.gb"
    with pytest.raises(curation.PermissionDenied):
        curation.import_sequences(engine, viewer, path.name, path.read_bytes())
    with pytest.raises(curation.PermissionDenied):
        curation.save_construct(engine, viewer, ConstructDraft(name="x"))
