"""Importing sequence files through the service layer and the CLI, on real files (both backends)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT

from catalogue import curation, read
from catalogue.drafts import ConstructDraft

CILTA_KINDS = ["signal_peptide", "vhh", "linker", "vhh", "hinge", "transmembrane", "costimulatory", "signalling"]


def test_a_cilta_cel_file_imports_with_its_architecture_detected(engine, shared_data):
    actor = curation.local_operator()
    path = shared_data / "sequences" / "Ciltacel_Oezdemirli.fasta"
    report = curation.import_sequences(engine, actor, path.name, path.read_bytes(), construct="cilta-cel")
    assert report.ok, report.error
    assert [r.outcome for r in report.records] == ["created"]
    detail = read.construct_detail(engine, "cilta-cel")
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
    before = read.row_counts(engine)
    renamed = original.replace(b"\n", b"\r\n").lower()  # CRLF, lower case, another file name
    report = curation.import_sequences(engine, actor, "copy.fa", renamed, construct="axi-cel copy")
    assert report.ok
    assert [r.outcome for r in report.records] == ["already present"]
    assert "Axicel_HM852952.fasta" in report.records[0].detail
    assert read.row_counts(engine) == before  # not even the construct "axi-cel copy"


def test_a_bad_file_writes_nothing_not_even_its_construct(engine, shared_data):
    actor = curation.local_operator()
    before = read.row_counts(engine)
    gtf = (shared_data / "sequences" / "lentiviral_vector_tisacel.gtf").read_bytes()
    vector = (shared_data / "sequences" / "lentiviral_vector_tisacel.fasta").read_bytes()
    report = curation.import_sequences(engine, actor, "lentiviral_vector_tisacel.fasta", vector, construct="tisa-cel",
                                       annotations=gtf, annotations_name="lentiviral_vector_tisacel.gtf")
    assert not report.ok
    assert "lentiviral_vector_tisacel.gtf" in report.error and "line" in report.error
    assert read.row_counts(engine) == before


def test_gtf_annotations_are_stored_beside_detected_domains(engine, shared_data):
    actor = curation.local_operator()
    sequences = shared_data / "sequences"
    report = curation.import_sequences(
        engine, actor, "Tisacel_patentUS9499629B2.fasta", (sequences / "Tisacel_patentUS9499629B2.fasta").read_bytes(),
        construct="tisa-cel", annotations=(sequences / "Anno_Tisacel.gtf").read_bytes(), annotations_name="Anno_Tisacel.gtf")
    assert report.ok, report.error
    record = read.construct_detail(engine, "tisa-cel")["sequence_records"][0]
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
    record = read.construct_detail(engine, "m971 scFv")["sequence_records"][0]
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
        record = read.construct_detail(engine, name)["sequence_records"][0]
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
    curation.add_account(engine, curation.local_operator(), "vera", "viewer", password="vera-pass-2026")
    viewer = curation.actor_for(engine, "vera")
    path = shared_data / "sequences" / "P2A.gb"
    with pytest.raises(curation.PermissionDenied):
        curation.import_sequences(engine, viewer, path.name, path.read_bytes())
    with pytest.raises(curation.PermissionDenied):
        curation.save_construct(engine, viewer, ConstructDraft(name="x"))


def _database_content(engine) -> dict:
    """What an import leaves: row counts, and per construct its records with their domains."""
    content = {"counts": read.row_counts(engine)}
    for name in sorted(read.construct_names(engine)):
        records = read.construct_detail(engine, name)["sequence_records"]
        content[name] = [(r["file_name"], r["record_id"], r["checksum"],
                          [(d["kind"], d["label"], d["start"], d["end"], d["source"]) for d in r["domains"]])
                         for r in records]
    return content


def test_many_files_import_as_they_would_one_by_one(engine, shared_data, tmp_path, request):
    """The batch import (parsing in a second process, one file ahead of the writes) changes nothing in outcome:
    the same reports, in order, and the same records and domains as importing the files one by one."""
    from conftest import new_database_url

    from catalogue import db

    sequences = shared_data / "sequences"
    files = [(name, (sequences / name).read_bytes()) for name in (
        "Axicel_HM852952.fasta", "P2A.gb", "EGFR.gb", "Tisacel_patentUS9499629B2.fasta", "T2A.gb")]
    files.insert(2, ("broken.gb", b"LOCUS       broken     10 bp    DNA     linear\nORIGIN\n        1 acgtnnxxzz\n//\n"))
    files.insert(4, ("missing.fasta", curation.InvalidInput("cannot read the file: No such file", file="missing.fasta")))
    files.append(("axicel-again.fa", files[0][1].replace(b"\n", b"\r\n").lower()))  # a sequence already imported
    actor = curation.local_operator()
    seen = []
    reports = curation.import_sequence_files(engine, actor, iter(files), detect=True, on_report=seen.append)
    assert seen == reports and [r.file for r in reports] == [name for name, _ in files]
    assert [r.ok for r in reports] == [True, True, False, True, False, True, True, True]
    assert "broken.gb" in reports[2].error and "line" in reports[2].error
    assert reports[4].error == "missing.fasta: cannot read the file: No such file"
    assert [r.outcome for r in reports[-1].records] == ["already present"]
    assert "Axicel_HM852952.fasta" in reports[-1].records[0].detail

    other = db.make_engine(new_database_url(engine.dialect.name, tmp_path / "one-by-one", request))
    db.upgrade(other)
    try:
        singles = []
        for name, content in files:
            if isinstance(content, curation.InvalidInput):
                singles.append(curation.FileReport(name, error=str(content)))
            else:
                singles.append(curation.import_sequences(other, actor, name, content, detect=True))
        assert [r.as_dict() for r in reports] == [r.as_dict() for r in singles]
        assert _database_content(engine) == _database_content(other)
    finally:
        other.dispose()


def test_the_parsing_process_needs_no_main_guard_in_the_calling_script(engine, shared_data, tmp_path):
    """A script without `if __name__ == "__main__"` imports two files: the parsing process does not re-run it."""
    url = engine.url.render_as_string(hide_password=False)
    sequences = shared_data / "sequences"
    script = tmp_path / "unguarded.py"
    script.write_text(
        "from pathlib import Path\n"
        "from catalogue import curation, db\n"
        f"engine = db.make_engine({url!r})\n"
        f"files = [(p.name, p.read_bytes()) for p in (Path({str(sequences / 'P2A.gb')!r}), "
        f"Path({str(sequences / 'T2A.gb')!r}))]\n"
        "reports = curation.import_sequence_files(engine, curation.local_operator(), files, detect=False)\n"
        "print([r.counts() for r in reports])\n")
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300,
                            cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[{'created': 1}, {'created': 1}]"


def test_a_parsing_process_that_dies_is_reported_not_waited_for(shared_data):
    from catalogue.prepare.files import ReadOptions
    from catalogue.prepare.process import ParsingProcess, ParsingProcessFailed

    content = (shared_data / "sequences" / "P2A.gb").read_bytes()
    here = curation.prepare_sequences("P2A.gb", content, detect=False)
    with ParsingProcess(ReadOptions(detect=False)) as parser:
        parser.submit("P2A.gb", content)
        assert parser.result() == here  # a working round trip first
        parser._process.kill()
        parser._process.wait()
        with pytest.raises(ParsingProcessFailed, match=r"^the parsing process stopped.* \(exit code -9\)$"):
            parser.submit("T2A.gb", content)
            parser.result()


def _kill_parsing_processes() -> int:
    """SIGKILL this process's parsing processes (found in /proc); how many there were."""
    killed = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
            command = (status.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields.get("PPid", "0")) == os.getpid() and b"catalogue.prepare.process" in command:
            os.kill(int(status.parent.name), signal.SIGKILL)
            killed += 1
    return killed


def test_a_parsing_process_killed_mid_import_leaves_each_file_written_or_reported(engine, shared_data):
    sequences = shared_data / "sequences"
    names = ["P2A.gb", "T2A.gb", "EGFR.gb", "Ig-kappa_leader.gb", "cor6_6.gb", "NC_005816.gb"]
    killed = []

    def kill_after_the_first(report):
        if not killed:
            killed.append(_kill_parsing_processes())

    reports = curation.import_sequence_files(engine, curation.local_operator(),
                                             [(name, (sequences / name).read_bytes()) for name in names],
                                             detect=False, on_report=kill_after_the_first)
    assert killed == [curation.parsing_processes(False)]
    assert [r.file for r in reports] == names
    written = [r.ok for r in reports]
    assert written[0] and not written[-1] and written == sorted(written, reverse=True)  # a prefix, then none
    for report in reports[written.count(True):]:
        assert report.error.startswith(f"{report.file}: not imported: the parsing process stopped"), report.error
    stored = {r["file_name"] for name in read.construct_names(engine)
              for r in read.construct_detail(engine, name)["sequence_records"]}
    assert stored == {r.file for r in reports if r.ok}
