"""SnapGene maps (``.dna``), read with Biopython (``SeqIO.parse(handle, "snapgene")``) into a validated draft.

A SnapGene file is binary: a run of packets (one type byte, a 4-byte big-endian length, the data), starting with
a cookie packet that holds the word ``SnapGene``. It holds one DNA sequence with its topology, its features
(an XML packet) and its primers. Biopython's reader raises on a damaged file; its errors are turned here into
one-line :class:`~catalogue.errors.InvalidInput` errors naming the file. A binary file has no lines, so the
errors name the file and, where known, the record.
"""

from __future__ import annotations

import io
import struct
import warnings
from xml.parsers.expat import ExpatError

from Bio import BiopythonWarning, SeqIO

from catalogue.drafts import Molecule, SequenceDraft
from catalogue.errors import InvalidInput
from catalogue.parse.features import feature_domains
from catalogue.parse.flatfile import READER_FAILURES
from catalogue.parse.records import Record, RecordText, finished_draft, named_after_file

COOKIE_TYPE = 0x09
COOKIE_WORD = b"SnapGene"

# Biopython's own messages for a damaged file, as the sentences a curator reads.
_MESSAGES = {
    "Unexpected end of packet": "the SnapGene file is truncated: its last packet ends before the length it declares",
    "No DNA packet in file": "the SnapGene file holds no DNA sequence packet (a damaged map, or a SnapGene protein "
                             "file, which is not read: export it as FASTA or GenBank)",
    "The file contains more than one DNA packet": "the SnapGene file holds more than one DNA sequence packet",
    "Empty file.": "the file is empty",
}


def is_snapgene(content: bytes) -> bool:
    """True when the bytes start with SnapGene's cookie packet (type 0x09, then 4 length bytes, then 'SnapGene')."""
    return len(content) >= 13 and content[0] == COOKIE_TYPE and content[5:13] == COOKIE_WORD


def snapgene_draft(content: bytes, file_name: str, requested: Molecule | None, max_length: int) -> SequenceDraft:
    """The one record of a SnapGene map, validated like any other record."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            records = list(SeqIO.parse(io.BytesIO(content), "snapgene"))
        except (*READER_FAILURES, struct.error, ExpatError) as error:
            raise InvalidInput(_message(error), file=file_name) from None
    problems = [str(w.message) for w in caught if issubclass(w.category, BiopythonWarning)]
    if problems:
        raise InvalidInput(f"damaged SnapGene file: {problems[0]}", file=file_name)
    if len(records) != 1:
        raise InvalidInput(f"Biopython read {len(records)} records from the SnapGene file, which holds one",
                           file=file_name)
    (seq_record,) = records
    notes = []
    record_id = seq_record.id if seq_record.id not in {"", ".", "<unknown id>"} else None
    if record_id is None:
        record_id = named_after_file(file_name, 1)
        notes.append(f"The SnapGene file gives the sequence no ID; it was named {record_id!r} after the file.")
    description = seq_record.description
    if description in {"", ".", "<unknown description>"}:
        description = None
    text = RecordText(content, None)
    where = {"file": file_name, "record": record_id, "line": None}
    sequence = str(seq_record.seq)
    if len(sequence) > max_length:
        raise InvalidInput(f"the sequence is {len(sequence)} long, over the limit of {max_length}", **where)
    topology = "circular" if seq_record.annotations.get("topology") == "circular" else "linear"
    domains, feature_notes = feature_domains(seq_record.features, len(sequence), topology, where, lambda _: None)
    record = Record(record_id, description, sequence, "DNA", topology, text,
                    declared_by="the SnapGene file (a DNA map)")
    return finished_draft(record, file_name, "snapgene", requested, max_length, domains, notes + feature_notes)


def _message(error: Exception) -> str:
    text = " ".join(str(error).split())
    known = _MESSAGES.get(text)
    if known:
        return known
    if isinstance(error, ExpatError):
        return f"damaged SnapGene file: an XML packet cannot be read ({text})"
    if isinstance(error, UnicodeDecodeError):
        return "damaged SnapGene file: a packet holds bytes that are not text where text is expected"
    if isinstance(error, struct.error):
        return f"damaged SnapGene file: a packet is too short for its content ({text})"
    detail = text[:120] or type(error).__name__
    return f"damaged SnapGene file: {detail}"
