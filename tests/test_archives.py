"""Compressed uploads (.gz, .zip) expanded into the sequence files inside, and the archives that are refused.

Every archive is built in the test from the real shared files. Refusals name the archive and the member; a
decompression bomb is refused while it is being decompressed, with memory bounded by the cap, not its size.
"""

from __future__ import annotations

import gzip
import io
import re
import tarfile
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import pytest

from catalogue.errors import InvalidInput
from catalogue.parse.archives import expanded, expanded_files, is_archive
from catalogue.parse.sequences import parse_sequence_file

MEMBERS = ["formats/sample-d.dna", "formats/AAA03323.embl", "T2A.gb", "Axicel_HM852952.fasta"]


def real(shared_data: Path, name: str) -> bytes:
    return (shared_data / "sequences" / name).read_bytes()


def zipped(entries: list[tuple[str | zipfile.ZipInfo, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def gzip_stream_of(chunk: bytes, times: int) -> bytes:
    """gzip data that expands to ``chunk * times``, made without holding the expanded bytes."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    return b"".join([compressor.compress(chunk) for _ in range(times)] + [compressor.flush()])


def refusal(file_name: str, content: bytes) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        expanded(file_name, content)
    return caught.value


def test_a_gz_file_is_the_file_inside_it(shared_data):
    content = real(shared_data, "formats/AAA03323.embl")
    assert expanded("AAA03323.embl.gz", gzip.compress(content)) == [("AAA03323.embl.gz", content)]
    # several gzip members one after another are one file (as gunzip reads them)
    split = gzip.compress(content[:1000]) + gzip.compress(content[1000:])
    assert expanded("AAA03323.embl.gz", split) == [("AAA03323.embl.gz", content)]


def test_a_zip_gives_each_sequence_file_inside_under_its_archive_and_folder(shared_data):
    entries = [(f"constructs/{Path(name).name}", real(shared_data, name)) for name in MEMBERS]
    entries.insert(1, ("constructs/", b""))  # a folder entry
    entries += [("__MACOSX/constructs/._T2A.gb", b"\x00\x05\x16\x07junk"),
                ("constructs/.DS_Store", b"\x00\x00\x00\x01Bud1")]
    entries.append(("constructs/T2A_copy.gb.gz", gzip.compress(real(shared_data, "T2A.gb"))))
    members = expanded("batch.zip", zipped(entries))
    names = [f"batch.zip/constructs/{Path(name).name}" for name in MEMBERS] + ["batch.zip/constructs/T2A_copy.gb.gz"]
    assert [name for name, _ in members] == names
    expected = [real(shared_data, name) for name in MEMBERS] + [real(shared_data, "T2A.gb")]
    assert [data for _, data in members] == expected
    drafts = parse_sequence_file(members[0][1], members[0][0])
    assert drafts[0].file_name == "batch.zip/constructs/sample-d.dna" and drafts[0].format == "snapgene"


def test_expanded_files_passes_plain_files_and_read_errors_through(shared_data):
    t2a = real(shared_data, "T2A.gb")
    unreadable = InvalidInput("cannot read the file: Permission denied", file="locked.gb")
    files = [("T2A.gb", t2a), ("locked.gb", unreadable), ("pair.zip", zipped([("a.gb", t2a), ("b.dna",
             real(shared_data, "formats/sample-e.dna"))])), ("slip.zip", zipped([("../a.gb", t2a)]))]
    result = list(expanded_files(files))
    assert [name for name, _ in result] == ["T2A.gb", "locked.gb", "pair.zip/a.gb", "pair.zip/b.dna", "slip.zip"]
    assert result[1][1] is unreadable
    assert isinstance(result[4][1], InvalidInput) and "../a.gb" in str(result[4][1])
    assert not is_archive(t2a) and is_archive(files[2][1])


@pytest.mark.parametrize("member", ["../evil.gb", "constructs/../../evil.gb", "/etc/evil.gb", "C:\\temp\\evil.gb",
                                    "..\\evil.gb"])
def test_a_member_with_a_path_outside_the_archive_refuses_the_whole_archive(shared_data, member):
    content = zipped([("good.gb", real(shared_data, "T2A.gb")), (member, real(shared_data, "P2A.gb"))])
    error = refusal("slip.zip", content)
    assert error.file == "slip.zip" and repr(member) in error.message
    assert "outside the archive's folder" in error.message and "nothing in the archive was imported" in error.message
    assert "\n" not in str(error)


def test_a_member_that_is_not_a_sequence_file_refuses_the_whole_archive(shared_data):
    gtf = real(shared_data, "Anno_Tisacel.gtf")
    error = refusal("mixed.zip", zipped([("T2A.gb", real(shared_data, "T2A.gb")), ("notes/Anno_Tisacel.gtf", gtf)]))
    assert error.file == "mixed.zip"
    assert "'notes/Anno_Tisacel.gtf' is not a sequence file" in error.message
    assert "nothing in the archive was imported" in error.message
    # a binary member: the same
    png = b"\x89PNG\r\n\x1a\n" + bytes(64)
    error = refusal("mixed.zip", zipped([("T2A.gb", real(shared_data, "T2A.gb")), ("logo.png", png)]))
    assert "'logo.png' is not a sequence file (binary content" in error.message


def test_a_zip_bomb_is_refused_before_it_is_read(shared_data, monkeypatch):
    monkeypatch.setenv("CATALOGUE_MAX_UPLOAD_BYTES", str(1 << 20))
    header = b">bomb\n"
    # the member's header declares its 64 MiB: refused before a byte of it is decompressed
    declared = zipped([("bomb.fasta", header + b"A" * (64 << 20))])
    assert len(declared) < (1 << 20)
    error = refusal("bomb.zip", declared)
    assert "more than the upload cap of 1048576 bytes" in error.message and "'bomb.fasta'" in error.message
    # many members under the cap each, over it together
    many = zipped([(f"part{n}.fasta", header + b"ACGT" * 100_000) for n in range(4)])
    error = refusal("many.zip", many)
    assert "'part2.fasta'" in error.message


def test_a_gzip_bomb_is_refused_while_decompressing_with_memory_bounded_by_the_cap(monkeypatch):
    monkeypatch.setenv("CATALOGUE_MAX_UPLOAD_BYTES", str(1 << 20))
    bomb = gzip_stream_of(b"ACGT" * (1 << 18), 256)  # 256 MiB of bases in a few hundred KB
    assert len(bomb) < (1 << 20)
    tracemalloc.start()
    try:
        with pytest.raises(InvalidInput, match=r"more than the upload cap of 1048576 bytes") as caught:
            expanded("bomb.fasta.gz", bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.file == "bomb.fasta.gz"
    assert peak < 16 << 20  # a few times the 1 MiB cap, nowhere near the 256 MiB inside
    # the same inside a zip, where the member's header is honest about its size only after the fact
    stored = io.BytesIO()
    with zipfile.ZipFile(stored, "w") as archive:
        archive.writestr("bomb.fasta.gz", bomb)
    with pytest.raises(InvalidInput, match=r"at member 'bomb.fasta.gz'"):
        expanded("bomb.zip", stored.getvalue())


def test_an_archive_over_the_cap_as_given_is_refused(shared_data, monkeypatch):
    content = gzip.compress(real(shared_data, "formats/pFA-KanMX4.dna"))
    monkeypatch.setenv("CATALOGUE_MAX_UPLOAD_BYTES", str(len(content) - 1))
    assert "over the upload cap" in refusal("pFA-KanMX4.dna.gz", content).message


def test_damaged_nested_and_unsupported_archives_get_one_line_errors(shared_data):
    t2a = real(shared_data, "T2A.gb")
    cases = {
        "truncated.gb.gz": (gzip.compress(t2a)[:-12], r"the gzip file is truncated"),
        "damaged.gb.gz": (gzip.compress(t2a)[:10] + b"\xff" * 40, r"damaged gzip data"),
        "truncated.zip": (zipped([("T2A.gb", t2a)])[:60], r"not a readable zip archive"),
        "empty.zip": (zipped([]), r"the zip archive holds no file"),
        "only_folders.zip": (zipped([("a/", b""), ("__MACOSX/._a", b"x")]), r"the zip archive holds no file"),
        "nested.zip": (zipped([("inner.zip", zipped([("T2A.gb", t2a)]))]), r"'inner.zip' is itself an archive"),
        "zip.gz": (gzip.compress(zipped([("T2A.gb", t2a)])), r"an archive inside a compressed file"),
        "twice.zip": (zipped([("a/T2A.gb", t2a), ("a/./T2A.gb", t2a)]), r"two files named 'a/T2A.gb'"),
        "empty_member.zip": (zipped([("T2A.gb", t2a), ("blank.gb", b"")]),
                             r"'blank.gb' is not a sequence file \(the file is empty\)"),
    }
    tar = io.BytesIO()
    with tarfile.open(fileobj=tar, mode="w:gz") as archive:
        info = tarfile.TarInfo("T2A.gb")
        info.size = len(t2a)
        archive.addfile(info, io.BytesIO(t2a))
    cases["constructs.tar.gz"] = (tar.getvalue(), r"a tar archive, which is not expanded")
    # the "encrypted" flag (bit 0 of the flags, in the local header and the central directory), as a
    # password-protected zip sets it; zipfile cannot write encrypted members itself
    locked = bytearray(zipped([("T2A.gb", t2a)]))
    local, central = locked.find(b"PK\x03\x04"), locked.find(b"PK\x01\x02")
    locked[local + 6] |= 0x1
    locked[central + 8] |= 0x1
    cases["locked.zip"] = (bytes(locked), r"'T2A.gb' is encrypted")
    for name, (content, message) in cases.items():
        error = refusal(name, content)
        assert error.file == name, name
        assert re.search(message, error.message), (name, error.message)
        assert "\n" not in str(error) and "Traceback" not in str(error)


def test_a_truncated_snapgene_member_is_refused_naming_archive_and_member(shared_data):
    """A member that is a sequence file but a damaged one fails alone, at parsing, under its own name."""
    map_bytes = real(shared_data, "formats/sample-d.dna")
    members = expanded("maps.zip", zipped([("maps/whole.dna", map_bytes), ("maps/cut.dna", map_bytes[:5000])]))
    assert [name for name, _ in members] == ["maps.zip/maps/whole.dna", "maps.zip/maps/cut.dna"]
    with pytest.raises(InvalidInput, match=r"the SnapGene file is truncated") as caught:
        parse_sequence_file(members[1][1], members[1][0])
    assert str(caught.value).startswith("maps.zip/maps/cut.dna: ")
