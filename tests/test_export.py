"""`catalogue export` writes every record as GenBank and FASTA; importing the export reproduces checksums and domains."""

from __future__ import annotations

import json
import subprocess
import sys

from catalogue import curation
from catalogue.export import safe_file_stem


def run(url, *args):
    result = subprocess.run([sys.executable, "-m", "catalogue", "--db", url, *args],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return result.stdout


def records_by_checksum(engine):
    found = {}
    from catalogue.read.sequences import stored_drafts

    for _, _, draft in stored_drafts(engine):
        found[draft.checksum] = sorted((d.kind, d.label, d.start, d.end) for d in draft.domains)
    return found


def test_export_then_import_reproduces_checksums_and_domains(demo_engine, engine, tmp_path):
    source_url = demo_engine.url.render_as_string(hide_password=False)
    listing = json.loads(run(source_url, "export", str(tmp_path / "out"), "--json"))
    genbank = sorted(p for p in listing["files"] if p.endswith(".gb"))
    fasta = sorted(p for p in listing["files"] if p.endswith(".fasta"))
    expected = records_by_checksum(demo_engine)
    assert len(genbank) == len(fasta) == len(expected) >= 8
    target_url = engine.url.render_as_string(hide_password=False)
    run(target_url, "import", "sequences", *genbank, "--no-detect")
    assert records_by_checksum(engine) == expected
    for path in fasta:  # the FASTA files carry the same sequences
        report = curation.import_sequences(engine, curation.local_operator(), path, open(path, "rb").read(),
                                           detect=False)
        assert report.ok and {r.outcome for r in report.records} == {"already present"}


def test_file_names_from_record_text_are_never_paths():
    assert safe_file_stem("../../etc/passwd", "x") == "etc_passwd"
    assert safe_file_stem("<script>alert(1)</script>", "x") == "script_alert_1_script"
    assert safe_file_stem("...", "fallback") == "fallback"
    assert "/" not in safe_file_stem("a/b\\c", "x")
