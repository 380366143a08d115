"""SnapGene, EMBL and compressed files through the service layer and the CLI, on both databases.

Each shared SnapGene and EMBL file imports with what Biopython reads; export (GenBank) and import into a
second database keep checksums and domains; a .gz and a .zip import as their members, each with its own
report line and transaction; malformed files and archives are refused with one line naming the file (and
the member) and leave the database unchanged.
"""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import new_database_url
from database_support import database_checksum
from malformed_corpus import snapgene_file, snapgene_packets

from catalogue import curation, db, read
from catalogue.parse.sequences import parse_sequence_file
from catalogue.read.sequences import stored_drafts

FORMAT_FILES = ["pFA-KanMX4.dna", "sample-d.dna", "sample-e.dna", "looped_feature_origin.dna",
                "linebreak_in_qualifier_text.dna", "AAA03323.embl", "epo_prt_selection.embl", "kipo_prt_sample.embl",
                "location_wrap.embl"]


def cli(url: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([sys.executable, "-m", "catalogue", "--db", url, *args], capture_output=True, text=True,
                          timeout=600, env={**os.environ, **(env or {})})


def url_of(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def stored(engine) -> dict[str, tuple]:
    """checksum -> (record ID, format, molecule, topology, length, sorted annotated domains)."""
    return {draft.checksum: (draft.record_id, draft.format, draft.molecule, draft.topology, draft.length,
                             sorted((d.kind, d.label, d.start, d.end, d.strand) for d in draft.domains))
            for _, _, draft in stored_drafts(engine)}


def zipped(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def test_each_file_imports_as_parsed_and_survives_export_and_reimport(engine, shared_data, tmp_path, request):
    folder = shared_data / "sequences" / "formats"
    actor = curation.local_operator()
    expected = {}
    for name in FORMAT_FILES:
        content = (folder / name).read_bytes()
        report = curation.import_sequences(engine, actor, name, content, detect=False)
        assert report.ok, report.error
        drafts = parse_sequence_file(content, name)
        assert [r.record for r in report.records] == [d.record_id for d in drafts]
        for draft, outcome in zip(drafts, report.records):
            if draft.checksum in expected:  # KIPO's DI500014 repeats DI500004's sequence
                assert outcome.outcome == "already present"
                continue
            assert outcome.outcome == "created"
            expected[draft.checksum] = (draft.record_id, draft.format, draft.molecule, draft.topology, draft.length,
                                        sorted((d.kind, d.label, d.start, d.end, d.strand) for d in draft.domains))
    assert stored(engine) == expected
    assert {v[1] for v in expected.values()} == {"snapgene", "embl"}
    listing = json.loads(cli(url_of(engine), "export", str(tmp_path / "out"), "--json").stdout)
    genbank = sorted(p for p in listing["files"] if p.endswith(".gb"))
    assert len(genbank) == len(expected)
    backend = "sqlite" if engine.dialect.name == "sqlite" else "postgresql"
    second = db.make_engine(new_database_url(backend, tmp_path, request) if backend == "postgresql"
                            else f"sqlite:///{tmp_path / 'second.sqlite'}")
    try:
        db.upgrade(second)
        result = cli(url_of(second), "import", "sequences", *genbank, "--no-detect", "--json")
        assert result.returncode == 0, result.stderr
        again = stored(second)
        assert again.keys() == expected.keys()
        # the same molecules, topologies, lengths and domains (the format is now GenBank)
        assert {k: (v[2], v[3], v[4], v[5]) for k, v in again.items()} == \
            {k: (v[2], v[3], v[4], v[5]) for k, v in expected.items()}
    finally:
        second.dispose()


def test_detected_domains_of_an_embl_patent_antibody_survive_export(engine, shared_data):
    path = shared_data / "sequences" / "formats" / "kipo_prt_sample.embl"
    actor = curation.local_operator()
    report = curation.import_sequences(engine, actor, path.name, path.read_bytes(), construct="KIPO sample")
    assert report.ok, report.error
    drafts = {draft.record_id: draft for _, _, draft in stored_drafts(engine)}
    light = drafts["DI500001"]  # an anti-CD74 antibody light chain variable domain (KR 1020047013665-A/4)
    assert [d.kind for d in light.domains if d.source == "detected"] == ["vl"]
    from catalogue.export import to_genbank

    (back,) = parse_sequence_file(to_genbank(light).encode(), "DI500001.gb")
    assert back.checksum == light.checksum
    assert [(d.kind, d.start, d.end) for d in back.domains] == [(d.kind, d.start, d.end) for d in light.domains]


def test_a_gz_and_a_zip_import_as_their_members_each_with_its_own_report(engine, shared_data, tmp_path):
    folder = shared_data / "sequences" / "formats"
    (tmp_path / "AAA03323.embl.gz").write_bytes(gzip.compress((folder / "AAA03323.embl").read_bytes()))
    (tmp_path / "maps.zip").write_bytes(zipped([
        ("maps/sample-d.dna", (folder / "sample-d.dna").read_bytes()),
        ("maps/pFA-KanMX4.dna", (folder / "pFA-KanMX4.dna").read_bytes()),
        ("__MACOSX/maps/._sample-d.dna", b"\x00\x05\x16\x07"),
        ("patents/epo.embl.gz", gzip.compress((folder / "epo_prt_selection.embl").read_bytes())),
    ]))
    url = url_of(engine)
    result = cli(url, "import", "sequences", str(tmp_path / "AAA03323.embl.gz"), str(tmp_path / "maps.zip"),
                 "--no-detect", "--json")
    assert result.returncode == 0, result.stderr
    files = json.loads(result.stdout)["files"]
    assert [(f["file"], f["counts"]) for f in files] == [
        ("AAA03323.embl.gz", {"created": 1}),
        ("maps.zip/maps/sample-d.dna", {"created": 1}),
        ("maps.zip/maps/pFA-KanMX4.dna", {"created": 1}),
        ("maps.zip/patents/epo.embl.gz", {"created": 9}),
    ]
    kept = {draft.record_id: draft for _, _, draft in stored_drafts(engine)}
    assert kept["pFA-KanMX4"].file_name == "maps.zip/maps/pFA-KanMX4.dna"
    assert kept["pFA-KanMX4"].format == "snapgene" and kept["AAA03323.1"].format == "embl"
    assert "'pFA-KanMX4' after the file" in " ".join(kept["pFA-KanMX4"].warnings)
    text = cli(url, "import", "sequences", str(tmp_path / "maps.zip"), "--no-detect")
    assert text.returncode == 0
    assert "maps.zip/maps/sample-d.dna: 1 already present" in text.stdout


def malformed_archives(shared_data: Path) -> dict[str, tuple[bytes, str]]:
    """Archive name -> (bytes, what the one-line error must contain), each built from the shared files."""
    folder = shared_data / "sequences" / "formats"
    snapgene = (folder / "sample-d.dna").read_bytes()
    embl = (folder / "AAA03323.embl").read_bytes()
    t2a = (shared_data / "sequences" / "T2A.gb").read_bytes()
    without_dna = snapgene_file([(k, d) for k, d in snapgene_packets(snapgene) if k != 0x00])
    return {
        "truncated_map.zip": (zipped([("maps/sample-d.dna", snapgene[:6000])]),
                              "truncated_map.zip/maps/sample-d.dna: the SnapGene file is truncated"),
        "no_dna_packet.zip": (zipped([("sample-d.dna", without_dna)]),
                              "no_dna_packet.zip/sample-d.dna: the SnapGene file holds no DNA sequence packet"),
        "unterminated.embl.gz": (gzip.compress(embl.rstrip()[:-2]),
                                 "unterminated.embl.gz, line"),
        "with_notes.zip": (zipped([("T2A.gb", t2a), ("notes.txt", b"sent by a collaborator\n")]),
                           "with_notes.zip: the member 'notes.txt' is not a sequence file"),
        "slip.zip": (zipped([("T2A.gb", t2a), ("../../outside/T2A.gb", t2a)]),
                     "slip.zip: the member '../../outside/T2A.gb' has a path outside the archive's folder"),
        "bomb.zip": (zipped([("bomb.fasta", b">bomb\n" + b"ACGT" * (2 << 20))]),
                     "bomb.zip: uncompressed, the archive holds more than the upload cap of 1048576 bytes"),
    }


def test_malformed_files_and_archives_are_refused_in_one_line_and_change_nothing(engine, shared_data, tmp_path):
    actor = curation.local_operator()
    curation.load_demo(engine, actor)
    before = (read.row_counts(engine), database_checksum(engine))
    cases = malformed_archives(shared_data)
    for name, (content, _) in cases.items():
        (tmp_path / name).write_bytes(content)
    url = url_of(engine)
    for name, (_, message) in cases.items():
        result = cli(url, "import", "sequences", str(tmp_path / name), env={"CATALOGUE_MAX_UPLOAD_BYTES": str(1 << 20)})
        assert result.returncode == 1, (name, result.stdout, result.stderr)
        lines = result.stderr.strip().split("\n")
        assert len(lines) == 1 and lines[0].startswith(f"error: {message}"), (name, result.stderr)
        assert "Traceback" not in result.stderr and "unexpected" not in result.stderr.lower()
    # all of them at once: one report each, in order, and still nothing written
    result = cli(url, "import", "sequences", *(str(tmp_path / name) for name in cases), "--json",
                 env={"CATALOGUE_MAX_UPLOAD_BYTES": str(1 << 20)})
    assert result.returncode == 1
    files = json.loads(result.stdout)["files"]
    assert [f["ok"] for f in files] == [False] * len(cases)
    assert all(f["error"].startswith(message) for f, (_, message) in zip(files, cases.values()))
    assert (read.row_counts(engine), database_checksum(engine)) == before


@pytest.mark.parametrize("good_first", [True, False])
def test_a_damaged_member_fails_alone_and_the_others_import(engine, shared_data, tmp_path, good_first):
    folder = shared_data / "sequences" / "formats"
    good = ("good/sample-e.dna", (folder / "sample-e.dna").read_bytes())
    bad = ("bad/sample-d.dna", (folder / "sample-d.dna").read_bytes()[:6000])
    (tmp_path / "mixed.zip").write_bytes(zipped([good, bad] if good_first else [bad, good]))
    result = cli(url_of(engine), "import", "sequences", str(tmp_path / "mixed.zip"), "--no-detect", "--json")
    assert result.returncode == 1
    files = {f["file"]: f for f in json.loads(result.stdout)["files"]}
    assert files["mixed.zip/good/sample-e.dna"]["counts"] == {"created": 1}
    assert files["mixed.zip/bad/sample-d.dna"]["error"].startswith("mixed.zip/bad/sample-d.dna: the SnapGene file")
    assert [d.file_name for _, _, d in stored_drafts(engine)] == ["mixed.zip/good/sample-e.dna"]
