"""Curate › Sequences takes SnapGene, EMBL, .gz and .zip uploads: a preview per file inside, a save per file."""

from __future__ import annotations

import gzip
import io
import zipfile

from app_support import demo_database, open_app, visit

from catalogue import read
from catalogue.read.sequences import stored_drafts
from catalogue.ui.curate_sequences import SEQUENCE_TYPES


def zipped(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def shown(markdown: str) -> str:
    """Text as a person reads it: the Markdown escapes of file names (``maps\\.zip``) removed."""
    return markdown.replace("\\", "")


def test_the_uploader_accepts_the_new_extensions():
    assert {"dna", "embl", "gz", "zip"} <= set(SEQUENCE_TYPES)


def test_a_zip_and_a_gz_upload_preview_and_save_each_file_inside(tmp_path, monkeypatch, shared_data):
    url, engine = demo_database(tmp_path)
    folder = shared_data / "sequences" / "formats"
    archive = zipped([("maps/sample-e.dna", (folder / "sample-e.dna").read_bytes()),
                      ("maps/location_wrap.embl", (folder / "location_wrap.embl").read_bytes())])
    compressed = gzip.compress((folder / "AAA03323.embl").read_bytes())
    at = visit(open_app(monkeypatch, url).run(), "Curate")  # no accounts: the local operator
    at.file_uploader(key="sequence_files").set_value([
        ("maps.zip", archive, "application/zip"), ("AAA03323.embl.gz", compressed, "application/gzip"),
    ]).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    previews = [frame.value for frame in at.dataframe if "format" in frame.value.columns]
    assert [list(p["format"]) for p in previews] == [["snapgene"], ["embl"], ["embl"]]
    assert [list(p["topology"]) for p in previews] == [["circular"], ["linear"], ["linear"]]
    assert [shown(e.label) for e in at.expander if e.label.startswith("Preview")] == [
        "Preview: maps.zip/maps/sample-e.dna", "Preview: maps.zip/maps/location_wrap.embl",
        "Preview: AAA03323.embl.gz"]
    at.radio(key="attach_mode").set_value("A construct named after each record").run()
    at.button(key="save_sequences").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert len([s for s in at.success if "1 created" in s.value]) == 3, [s.value for s in at.success]
    names = sorted(d.file_name for _, _, d in stored_drafts(engine) if d.format in ("snapgene", "embl"))
    assert names == ["AAA03323.embl.gz", "maps.zip/maps/location_wrap.embl", "maps.zip/maps/sample-e.dna"]
    engine.dispose()


def test_a_zip_slip_upload_is_refused_and_cannot_be_saved(tmp_path, monkeypatch, shared_data):
    url, engine = demo_database(tmp_path)
    before = read.row_counts(engine)
    t2a = (shared_data / "sequences" / "T2A.gb").read_bytes()
    at = visit(open_app(monkeypatch, url).run(), "Curate")
    at.file_uploader(key="sequence_files").set_value([
        ("slip.zip", zipped([("T2A.gb", t2a), ("../T2A.gb", t2a)]), "application/zip"),
    ]).run()
    assert not at.exception
    assert any("path outside the archive" in shown(e.value) and "slip.zip" in shown(e.value) for e in at.error)
    at.radio(key="attach_mode").set_value("A construct named after each record").run()
    assert at.button(key="save_sequences").disabled
    assert read.row_counts(engine) == before
    engine.dispose()
