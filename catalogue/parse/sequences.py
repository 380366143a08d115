"""Sequence files (GenBank, EMBL, SnapGene, FASTA) read into validated drafts.

Pure functions from bytes to :class:`~catalogue.drafts.SequenceDraft`; nothing here touches the database.

* :func:`parse_sequence_file` sniffs the format from the content (the file extension is only a hint):
  SnapGene by its cookie packet, GenBank by ``LOCUS``, EMBL by ``ID``, FASTA by ``>``. A UTF-8 byte-order
  mark is accepted on every text format. Each record is read, validated and given its SEGUID checksum.
  Every problem that makes a record unusable raises :class:`~catalogue.errors.InvalidInput` naming the
  file, the record and the line; problems that do not block an import are sentences in ``draft.warnings``.
* :func:`sniffed_format` is the sniffing alone (the archive reader uses it to refuse a member that is not a
  sequence file before anything is imported).
* :func:`kind_from_label` names a domain's kind from its label.

GenBank and EMBL are read by :mod:`catalogue.parse.flatfile`, SnapGene by :mod:`catalogue.parse.snapgene`,
FASTA here; every record then passes the same checks (:mod:`catalogue.parse.records`) and its features become
domains by the same rules (:mod:`catalogue.parse.features`). Compressed files are expanded before they get
here (:mod:`catalogue.parse.archives`).

Coordinates of domains are 1-based and inclusive. On a circular record a domain that runs across the origin
keeps ``start > end`` (``3922..2`` of a 3938-bp plasmid is ``start=3922, end=2``); everywhere else
``start <= end``; a feature running across the origin of a linear record is refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePath

from catalogue.drafts import Molecule, SequenceDraft, SequenceFormat, Topology
from catalogue.errors import InvalidInput
from catalogue.parse.alphabet import checked_text, line_at
from catalogue.parse.features import KIND_NOTE_PREFIX, kind_from_label
from catalogue.parse.flatfile import EMBL, GENBANK, flat_file_drafts
from catalogue.parse.records import Record, finished_draft, record_texts, requested_molecule
from catalogue.parse.snapgene import is_snapgene, snapgene_draft

__all__ = ["CIRCULAR_TOKEN", "DEFAULT_MAX_LENGTH", "KIND_NOTE_PREFIX", "kind_from_label", "parse_sequence_file",
           "sniffed_format"]

DEFAULT_MAX_LENGTH = 1_000_000
"""Largest number of bases/residues accepted in one record unless the caller says otherwise."""

CIRCULAR_TOKEN = "topology=circular"
"""A word in a FASTA header that marks a circular molecule (written by :func:`catalogue.export.to_fasta`)."""

BOM = b"\xef\xbb\xbf"
_FASTA_START = b">"

EXTENSIONS: dict[SequenceFormat, frozenset[str]] = {
    "genbank": frozenset({".gb", ".gbk", ".genbank", ".gbff", ".ape", ".gp"}),
    "fasta": frozenset({".fasta", ".fa", ".fna", ".faa", ".fas", ".ffn", ".seq", ".fsa"}),
    "embl": frozenset({".embl", ".emb", ".ebl"}),
    "snapgene": frozenset({".dna"}),
}
"""The file extensions each format usually has: a hint only (the content decides)."""

_TITLES = {"genbank": "GenBank", "fasta": "FASTA", "embl": "EMBL", "snapgene": "SnapGene"}

# Signatures of files that are not sequence files but are often mistaken for one, for a clearer refusal.
_COMPRESSED = ((b"\x1f\x8b", "gzip-compressed"), (b"PK\x03\x04", "a zip archive"), (b"PK\x05\x06", "a zip archive"),
               (b"BZh", "bzip2-compressed"), (b"\xfd7zXZ\x00", "xz-compressed"))


# --- the public parser -----------------------------------------------------------------------------------------


def parse_sequence_file(
    content: bytes,
    file_name: str,
    *,
    molecule: Molecule | None = None,
    max_length: int = DEFAULT_MAX_LENGTH,
) -> list[SequenceDraft]:
    """Every record of a GenBank, EMBL, SnapGene or FASTA file, validated, as drafts in file order.

    ``molecule`` forces DNA or protein; content that is clearly the other one
    (a protein file whose content is nucleotides, or the reverse) is an error.
    Without it the molecule comes from what the file says (the GenBank LOCUS line, the EMBL ID line, a
    SnapGene map is DNA) and, where it says nothing (FASTA, EMBL patent records without a molecule type),
    from the content: nucleotide codes only, at least 90 % A/C/G/T/N, is DNA.
    Raises :class:`InvalidInput` at the first problem, naming file, record and line.
    """
    requested = requested_molecule(molecule, file_name)
    fmt, notes = sniffed_format(content, file_name)
    if fmt == "snapgene":
        drafts = [snapgene_draft(content, file_name, requested, max_length)]
    else:
        text = checked_text(content, file_name)
        content = content[len(BOM):] if content.startswith(BOM) else content
        if fmt == "genbank":
            drafts = list(flat_file_drafts(content, text, file_name, GENBANK, requested, max_length))
        elif fmt == "embl":
            drafts = list(flat_file_drafts(content, text, file_name, EMBL, requested, max_length))
        else:
            drafts = list(_fasta_drafts(content, file_name, requested, max_length))
    if not drafts:
        raise InvalidInput("the file holds no sequence record", file=file_name)
    seen: dict[str, int | None] = {}
    for draft in drafts:
        if draft.record_id in seen:
            first = seen[draft.record_id]
            raise InvalidInput(f"duplicate record ID {draft.record_id!r} (first at line {first})",
                               file=file_name, record=draft.record_id, line=draft.line)
        seen[draft.record_id] = draft.line
        if notes:
            draft.warnings[:0] = notes
    return drafts


def sniffed_format(content: bytes, file_name: str) -> tuple[SequenceFormat, list[str]]:
    """The format the content is in, and a sentence when the extension says otherwise; InvalidInput if none."""
    if is_snapgene(content):
        found: SequenceFormat = "snapgene"
    else:
        for signature, what in _COMPRESSED:
            if content.startswith(signature):
                raise InvalidInput(f"binary content: the file is {what}; upload or import it as it is (.gz and "
                                   ".zip files are expanded, each file inside imported on its own)", file=file_name)
        suffix = PurePath(file_name).suffix.lower()
        if suffix in EXTENSIONS["snapgene"] and content[:1] == bytes([0x09]):
            raise InvalidInput("the file starts like a SnapGene map but its first packet is not SnapGene's "
                               "cookie (a damaged or truncated .dna file)", file=file_name)
        head = content[len(BOM):] if content.startswith(BOM) else content
        head = head.lstrip()
        if head.startswith(b"LOCUS"):
            found = "genbank"
        elif head.startswith(b">"):
            found = "fasta"
        elif head.startswith(b"ID   "):
            found = "embl"
        else:
            checked_text(content, file_name)  # binary content is refused as such
            first = head.split(b"\n", 1)[0][:40].decode("utf-8", "replace").rstrip()
            raise InvalidInput(
                "neither GenBank (first line starting with LOCUS), EMBL (starting with ID), SnapGene (a .dna map) "
                f"nor FASTA (first line starting with '>'); the file starts with {first!r}",
                file=file_name, line=line_at(content, len(content) - len(head)))
    notes = []
    suffix = PurePath(file_name).suffix.lower()
    named = next((fmt for fmt, suffixes in EXTENSIONS.items() if suffix in suffixes), None)
    if named is not None and named != found:
        notes.append(f"The file name ends in {suffix} but the content is {_TITLES[found]}; it was read as "
                     f"{_TITLES[found]}.")
    return found, notes


# --- FASTA -----------------------------------------------------------------------------------------------------


def _fasta_drafts(content: bytes, file_name: str, requested: Molecule | None,
                  max_length: int) -> Iterator[SequenceDraft]:
    for text in record_texts(content, _FASTA_START):
        header, _, body = text.raw.partition(b"\n")
        title = header[1:].decode("utf-8").strip()
        record_id, _, description = title.partition(" ")
        if not record_id:
            raise InvalidInput("the header line has no record ID after '>'", file=file_name, line=text.line)
        description = description.strip() or None
        topology: Topology = "linear"
        if description and CIRCULAR_TOKEN in description.split():
            topology = "circular"
            description = " ".join(word for word in description.split() if word != CIRCULAR_TOKEN) or None
        sequence = b"".join(body.split()).decode("utf-8")
        record = Record(record_id, description, sequence, None, topology, text)
        yield finished_draft(record, file_name, "fasta", requested, max_length)
