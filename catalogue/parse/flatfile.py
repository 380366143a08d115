"""GenBank and EMBL flat files, read with Biopython into validated drafts.

Both are INSDC flat files and Biopython reads both with one scanner (``SeqIO.parse(handle, "genbank")``,
``"embl"``). The file is read once by Biopython; record boundaries, raw bytes and line numbers come from one
pass over the bytes (a record starts at its ``LOCUS`` or ``ID`` line and ends with ``//``). Biopython mostly
*warns* on malformed input and hands back a damaged record: its warnings and exceptions are caught here and
turned into :class:`~catalogue.errors.InvalidInput` naming the file, record and line, except the few listed
in :data:`_KEPT_WARNINGS`, which do not change what is read and become the draft's warnings.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

from Bio import BiopythonWarning, SeqIO
from Bio.Seq import UndefinedSequenceError

from catalogue.drafts import Molecule, SequenceDraft, SequenceFormat, Topology
from catalogue.errors import InvalidInput
from catalogue.parse.features import feature_domains
from catalogue.parse.records import Record, RecordText, finished_draft, named_after_file, record_texts


@dataclass(frozen=True)
class FlatFileLayout:
    """What tells one flat-file format from the other."""

    fmt: SequenceFormat
    title: str  # "GenBank", "EMBL": in messages
    start: bytes  # how a record's first line starts (Biopython's record start)
    line_name: str  # that line's name in messages ("LOCUS", "ID")
    feature_line: bytes  # how a feature's first line starts, before its key
    length_pattern: re.Pattern[bytes]  # the declared length on the first line
    layout_hint: str

    @property
    def article(self) -> str:
        return "an" if self.line_name[0] in "AEIOU" else "a"

    @property
    def first_line(self) -> str:
        return f"the {self.line_name} line"


GENBANK = FlatFileLayout(
    "genbank", "GenBank", b"LOCUS       ", "LOCUS", b" {5}", re.compile(rb"\s(\d+) (?:bp|aa)\b"),
    "'LOCUS' and 7 spaces, then the name")
EMBL = FlatFileLayout(
    "embl", "EMBL", b"ID   ", "ID", b"FT {3}", re.compile(rb"\s(\d+) (?:BP|AA)\.", re.IGNORECASE),
    "'ID' and 3 spaces, then the entry name")

_LENGTH_UNIT = re.compile(rb"\s\d+\s+(BP|AA)\.?\s*$", re.IGNORECASE)  # the end of an EMBL ID line: "111 AA."

# Biopython warnings that do not change what is read: kept as the draft's warnings instead of refusing the record.
_KEPT_WARNINGS = {
    "Non-standard feature line wrapping": "A feature location is wrapped across lines in a non-standard way; "
                                          "Biopython read it whole.",
}

# What Biopython's flat-file reader raises on damaged input besides its ValueErrors (found by fuzzing: a LOCUS
# length of 10^48 gives OverflowError, a REFERENCE without AUTHORS an AttributeError).
READER_FAILURES = (ValueError, AssertionError, LookupError, TypeError, AttributeError, ArithmeticError,
                   RecursionError)


def flat_file_drafts(content: bytes, text: str, file_name: str, layout: FlatFileLayout,
                     requested: Molecule | None, max_length: int) -> Iterator[SequenceDraft]:
    """Every record of a GenBank or EMBL file (``content`` without a byte-order mark, ``text`` decoded)."""
    texts = record_texts(content, layout.start)
    before = content[:len(content) - sum(len(t.raw) for t in texts)] if texts else content
    if not texts or before.strip():
        raise InvalidInput(f"the file starts like {layout.title} but its first line is not {layout.article} "
                           f"{layout.line_name} line in {layout.title} layout ({layout.layout_hint})", file=file_name, line=1)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        records = SeqIO.parse(io.StringIO(text), layout.fmt)
        for number, record_text in enumerate(texts, start=1):
            name = _entry_name(record_text)
            where = {"file": file_name, "record": name, "line": record_text.line}
            declared_length = _declared_length(record_text, layout)
            if declared_length is not None and declared_length > max_length:
                raise InvalidInput(f"{layout.first_line} gives length {declared_length}, over the limit of "
                                   f"{max_length}", **where)
            start = len(caught)
            try:
                seq_record = next(records)
            except StopIteration:
                raise InvalidInput(f"Biopython found no {layout.title} record here", **where) from None
            except READER_FAILURES as error:
                message = str(error).strip()
                if not message or not isinstance(error, ValueError):
                    detail = " ".join(message.split())[:100] or "no detail"
                    message = f"Biopython's reader failed ({type(error).__name__}: {detail})"
                raise _reader_error(message, record_text, where, layout) from None
            _check_terminator(record_text, file_name, name)
            topology = seq_record.annotations.get("topology", "linear")
            kept = []
            for warning in caught[start:]:
                if not issubclass(warning.category, BiopythonWarning):
                    continue
                message = str(warning.message)
                if topology == "circular" and message.startswith("Attempting to fix invalid location"):
                    continue  # an origin-spanning feature such as 3922..2 on a circular plasmid: kept as such
                known = next((note for prefix, note in _KEPT_WARNINGS.items() if message.startswith(prefix)), None)
                if known is None:
                    raise _reader_error(message, record_text, where, layout)
                kept.append(known)
            draft = _flat_file_draft(seq_record, record_text, name, number, file_name, layout, requested, max_length,
                                     kept)
            if declared_length is not None and declared_length != len(seq_record.seq):
                raise InvalidInput(f"{layout.first_line} gives length {declared_length}, but the record holds "
                                   f"{len(seq_record.seq)}", **where)
            yield draft
        try:
            extra = next(records, None)
        except READER_FAILURES as error:
            raise InvalidInput(f"unreadable text after the last record: {error}", file=file_name) from None
        if extra is not None:
            raise InvalidInput(f"Biopython read more records than there are {layout.line_name} lines",
                               file=file_name)


def _check_terminator(record_text: RecordText, file_name: str, name: str | None) -> None:
    body = record_text.raw.rstrip()
    if body.endswith(b"//"):
        return
    end = body.rfind(b"\n//")
    if end >= 0 and body[end + 3:end + 4] in (b"\n", b"\r"):
        raise InvalidInput("text after the record's '//' terminator", file=file_name, record=name,
                           line=record_text.line + body.count(b"\n", 0, end) + 2)
    raise InvalidInput("the record does not end with '//' (truncated file?)", file=file_name, record=name,
                       line=record_text.last_line())


def _declared_length(text: RecordText, layout: FlatFileLayout) -> int | None:
    """The length on the first line, read before Biopython so an absurd one is refused early."""
    end = text.raw.find(b"\n", 0, 400)
    match = layout.length_pattern.search(text.raw, 0, end if end >= 0 else 400)
    return int(match.group(1)) if match else None


def _entry_name(text: RecordText) -> str | None:
    words = text.raw[:200].split(None, 2)
    if len(words) < 2:
        return None
    return words[1].decode("utf-8", "replace").rstrip(";") or None


def _reader_error(message: str, text: RecordText, where: dict, layout: FlatFileLayout) -> InvalidInput:
    """A Biopython warning or exception as an InvalidInput, its line found in the record's text."""
    first = message.strip().split("\n")[0]
    line = None
    if first.startswith("Expected sequence length") or "LOCUS" in first:
        line = text.line
        first = first.replace("Expected sequence length", f"{layout.first_line} gives length")
    elif first.startswith("Premature end of file"):
        line = text.last_line()
        first = "the record ends inside its sequence (truncated file?): " + first
    else:
        for quoted in re.findall(r"'([^'\n]+)'", message):
            line = text.line_of(quoted.strip())
            if line is not None and quoted.strip() not in {"CDS", "gene", "source"}:
                break
        lines = [part.strip() for part in message.strip().split("\n")]
        if first.startswith("Problem with") and len(lines) > 1:
            line = text.line_of(lines[1]) or line
            first = f"{first} {lines[1]}"
        elif first.startswith("Did not recognise the ID line") and len(lines) > 1:
            line = text.line
            first = f"{first} {lines[1]!r}"
    if len(first) > 160:
        first = first[:157] + "..."
    return InvalidInput(f"malformed {layout.title}: {first}", file=where["file"], record=where["record"],
                        line=line if line is not None else where["line"])


def _declared_molecule(seq_record, record_text: RecordText, layout: FlatFileLayout) -> Molecule | None:
    """DNA or protein as the record states it; None where it does not (then the content decides).

    GenBank: the LOCUS line (DNA unless it says aa/protein, as before). EMBL: the molecule type of the ID
    line; where it is missing or 'unspecified' (the KIPO patent records), the unit of the ID line's length
    (``111 AA.`` or ``120 BP.``); where both are missing, nothing.
    """
    molecule_type = str(seq_record.annotations.get("molecule_type") or "").lower()
    if layout.fmt == "genbank":
        return "protein" if molecule_type in {"protein", "aa"} else "DNA"
    if "protein" in molecule_type:
        return "protein"
    if "dna" in molecule_type or "rna" in molecule_type:
        return "DNA"
    unit = _LENGTH_UNIT.search(record_text.raw.split(b"\n", 1)[0])
    if unit is None:
        return None
    return "protein" if unit.group(1).upper() == b"AA" else "DNA"


def _flat_file_draft(seq_record, text: RecordText, name: str | None, number: int, file_name: str,
                     layout: FlatFileLayout, requested: Molecule | None, max_length: int,
                     notes: list[str]) -> SequenceDraft:
    record_id = seq_record.id if seq_record.id not in {"", ".", "<unknown id>"} else (seq_record.name or name)
    if not record_id or record_id in {".", "<unknown name>"}:
        record_id = named_after_file(file_name, number)
        notes = [*notes, f"The record has no ID; it was named {record_id!r} after the file."]
    where = {"file": file_name, "record": record_id, "line": text.line}
    try:
        sequence = str(seq_record.seq)
    except UndefinedSequenceError:
        if layout.fmt == "embl":
            raise InvalidInput(f"the record has no sequence: its SQ line gives the length ({len(seq_record.seq)}) "
                               "but no residues follow (an index record: fetch the sequence itself)",
                               **where) from None
        raise InvalidInput("the record has no sequence (no ORIGIN section)", **where) from None
    topology: Topology = "circular" if seq_record.annotations.get("topology") == "circular" else "linear"
    description = seq_record.description if seq_record.description not in {"", "."} else None
    domains, feature_notes = feature_domains(seq_record.features, len(sequence), topology, where,
                                             lambda index: _feature_line(seq_record.features, index, text, layout))
    record = Record(record_id, description, sequence, _declared_molecule(seq_record, text, layout), topology, text,
                    declared_by=layout.first_line)
    return finished_draft(record, file_name, layout.fmt, requested, max_length, domains, notes + feature_notes)


def _feature_line(features, number: int, text: RecordText, layout: FlatFileLayout) -> int | None:
    """The file line of feature ``number`` (the n-th feature of its key in the record's feature table)."""
    key = features[number].type
    nth = sum(1 for feature in features[:number] if feature.type == key)
    pattern = re.compile(rb"^" + layout.feature_line + re.escape(key.encode()) + rb"(?: |$)", re.MULTILINE)
    matches = list(pattern.finditer(text.raw))
    if nth < len(matches):
        return text.line + text.raw.count(b"\n", 0, matches[nth].start())
    return text.line
