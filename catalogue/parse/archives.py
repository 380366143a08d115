"""Compressed uploads: a ``.gz`` file, or a ``.zip`` of several files, expanded into the sequence files inside.

Each file inside an archive is then imported as if it had been given on its own: its own report line and its
own transaction. Before anything of an archive is imported, the whole archive is checked, so that an archive
refused here changes nothing:

* the size cap (:func:`upload_cap`, the ``CATALOGUE_MAX_UPLOAD_BYTES`` setting) applies to the archive as given
  and to the uncompressed bytes of everything in it, counted as they are decompressed: a decompression bomb is
  refused when it passes the cap, never held in memory whole (a zip member whose header already declares more
  is refused before it is read);
* a member whose path leaves the archive's folder (``../x.gb``, ``/etc/x.gb``, ``C:\\x.gb``: "zip slip"), an
  encrypted member, an archive inside an archive and a member that is not a sequence file (sniffed by content
  as :func:`catalogue.parse.sequences.sniffed_format` does) refuse the whole archive;
* folders and the files operating systems add on their own (``__MACOSX/``, ``._name``, ``.DS_Store``,
  ``Thumbs.db``, ``desktop.ini``) are passed over.

A member is named ``archive.zip/folder/member.gb`` in reports, errors and the stored records; a ``.gz`` file
keeps its own name. Pure functions on bytes: nothing is written to disk.
"""

from __future__ import annotations

import gzip
import io
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import PurePosixPath

from catalogue import config
from catalogue.errors import InvalidInput
from catalogue.parse.sequences import sniffed_format

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")  # a local file header; the end record of an empty archive
_READ_CHUNK = 1 << 20
_OPERATING_SYSTEM_FILES = frozenset({".ds_store", "thumbs.db", "desktop.ini"})

# What zipfile raises on a damaged or hostile archive (found by fuzzing: a "zip file version 14.8" header gives
# NotImplementedError, an encrypted member RuntimeError, a short extra field struct.error).
_ZIP_FAILURES = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError,
                 NotImplementedError, RuntimeError, struct.error, KeyError, IndexError)


def upload_cap() -> int:
    """The largest file, compressed or not, accepted in one upload or import (bytes)."""
    return config.max_upload_bytes()


def is_archive(content: bytes) -> bool:
    """True for gzip-compressed content and zip archives (by their magic bytes, whatever the name)."""
    return content.startswith(GZIP_MAGIC) or content.startswith(ZIP_MAGICS)


def expanded_files(files: Iterable[tuple[str, bytes | InvalidInput]]) -> Iterator[tuple[str, bytes | InvalidInput]]:
    """Each file as given, except that an archive gives way to the files inside it, or to why it is refused.

    An archive refused (see the module's notes) is one ``(archive name, InvalidInput)`` item, and nothing
    of it is given.
    """
    for file_name, content in files:
        if isinstance(content, InvalidInput) or not is_archive(content):
            yield file_name, content
            continue
        try:
            members = expanded(file_name, content)
        except InvalidInput as error:
            yield file_name, error
            continue
        yield from members


def expanded(file_name: str, content: bytes) -> list[tuple[str, bytes]]:
    """The sequence files inside an archive, each with its name; InvalidInput (naming archive and member)."""
    cap = upload_cap()
    if len(content) > cap:
        raise InvalidInput(f"the file is {len(content)} bytes, over the upload cap of {cap}", file=file_name)
    budget = _Budget(file_name, cap)
    if content.startswith(GZIP_MAGIC):
        inner = _gunzipped(content, file_name, budget)
        if inner.startswith(ZIP_MAGICS) or inner.startswith(GZIP_MAGIC):
            raise InvalidInput("an archive inside a compressed file is not expanded; compress the files "
                               "themselves, or give a single .zip of them", file=file_name)
        _refuse_tar(inner, file_name)
        _check_sequence_file(inner, file_name, file_name)
        return [(file_name, inner)]
    members = _unzipped(content, file_name, budget)
    if not members:
        raise InvalidInput("the zip archive holds no file", file=file_name)
    return members


class _Budget:
    """The uncompressed bytes an archive may still give before it passes the cap."""

    def __init__(self, file_name: str, cap: int) -> None:
        self.file_name = file_name
        self.cap = cap
        self.used = 0

    @property
    def left(self) -> int:
        return self.cap - self.used

    def spend(self, size: int, member: str | None) -> None:
        self.used += size
        if self.used > self.cap:
            raise self.refusal(member)

    def refusal(self, member: str | None) -> InvalidInput:
        where = f" (at member {member!r})" if member else ""
        return InvalidInput(f"uncompressed, the archive holds more than the upload cap of {self.cap} bytes{where}; "
                            "nothing in it was imported (a decompression bomb, or files to import in smaller "
                            "parts)", file=self.file_name)


def _gunzipped(content: bytes, file_name: str, budget: _Budget, member: str | None = None) -> bytes:
    """gzip content decompressed chunk by chunk, refused as soon as it passes the budget."""
    what = f"the member {member!r}" if member else "the gzip file"
    chunks = []
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(content)) as stream:
            while chunk := stream.read(min(_READ_CHUNK, budget.left + 1)):
                budget.spend(len(chunk), member)
                chunks.append(chunk)
    except EOFError:
        raise InvalidInput(f"{what} is truncated: the compressed data ends early", file=file_name) from None
    except (OSError, zlib.error) as error:
        raise InvalidInput(f"{what} is damaged gzip data ({' '.join(str(error).split())})",
                           file=file_name) from None
    return b"".join(chunks)


def _unzipped(content: bytes, file_name: str, budget: _Budget) -> list[tuple[str, bytes]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except _ZIP_FAILURES as error:
        raise InvalidInput(f"not a readable zip archive ({' '.join(str(error).split())})", file=file_name) from None
    members: list[tuple[str, bytes]] = []
    seen: set[str] = set()
    with archive:
        for info in archive.infolist():
            path = _member_path(info.filename, file_name)
            if info.is_dir() or _made_by_the_operating_system(path):
                continue
            member = str(path)
            if member in seen:
                raise InvalidInput(f"the archive holds two files named {member!r}", file=file_name)
            seen.add(member)
            if info.flag_bits & 0x1:
                raise InvalidInput(f"the member {member!r} is encrypted; give it unencrypted", file=file_name)
            if info.file_size > budget.left:
                raise budget.refusal(member)
            data = _member_bytes(archive, info, member, file_name, budget)
            if data.startswith(GZIP_MAGIC):
                data = _gunzipped(data, file_name, budget, member)
            if data.startswith(ZIP_MAGICS) or data.startswith(GZIP_MAGIC):
                raise InvalidInput(f"the member {member!r} is itself an archive, which is not expanded; put the "
                                   "files in one archive", file=file_name)
            _refuse_tar(data, f"{file_name}/{member}")
            _check_sequence_file(data, f"{file_name}/{member}", file_name)
            members.append((f"{file_name}/{member}", data))
    return members


def _member_bytes(archive: zipfile.ZipFile, info: zipfile.ZipInfo, member: str, file_name: str,
                  budget: _Budget) -> bytes:
    """A member's bytes, read chunk by chunk within the budget (its header may understate its size)."""
    chunks = []
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(min(_READ_CHUNK, budget.left + 1)):
                budget.spend(len(chunk), member)
                chunks.append(chunk)
    except InvalidInput:
        raise
    except _ZIP_FAILURES as error:
        raise InvalidInput(f"the member {member!r} cannot be read ({' '.join(str(error).split())})",
                           file=file_name) from None
    return b"".join(chunks)


def _member_path(name: str, file_name: str) -> PurePosixPath:
    """The member's path inside the archive; a path that would leave the archive's folder is refused."""
    text = name.replace("\\", "/")
    path = PurePosixPath(text)
    drive = len(text) > 1 and text[1] == ":" and text[0].isalpha()
    if text.startswith("/") or drive or ".." in path.parts or "\x00" in text:
        raise InvalidInput(f"the member {name!r} has a path outside the archive's folder; nothing in the archive "
                           "was imported", file=file_name)
    return PurePosixPath(*[part for part in path.parts if part not in ("", ".")]) if path.parts else path


def _made_by_the_operating_system(path: PurePosixPath) -> bool:
    """Files a zip tool adds by itself: macOS resource forks and folder settings, Windows thumbnails."""
    return (bool(path.parts) and path.parts[0] == "__MACOSX") or path.name.startswith("._") \
        or path.name.lower() in _OPERATING_SYSTEM_FILES or not path.parts


def _refuse_tar(content: bytes, name: str) -> None:
    if content[257:262] == b"ustar":
        raise InvalidInput("a tar archive, which is not expanded; give a .zip of the files, or the files themselves",
                           file=name)


def _check_sequence_file(content: bytes, name: str, archive: str) -> None:
    """Refuse the archive when a file inside it is not a sequence file (sniffed by content)."""
    try:
        sniffed_format(content, name)
    except InvalidInput as error:
        what = "the file inside it" if name == archive else f"the member {name[len(archive) + 1:]!r}"
        raise InvalidInput(f"{what} is not a sequence file ({error.message}); nothing in the archive was imported",
                           file=archive) from None
