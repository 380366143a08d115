"""One record of a sequence file, from its fields as read to a validated :class:`~catalogue.drafts.SequenceDraft`.

Every format (GenBank, EMBL, SnapGene, FASTA) reads a record into :class:`Record` and hands it to
:func:`finished_draft`, so every format gets the same checks: length cap, IUPAC alphabet, DNA or protein,
RNA refused, coding-frame and source warnings, and the SEGUID checksum.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath

from catalogue.drafts import DomainDraft, Molecule, SequenceDraft, SequenceFormat, Topology
from catalogue.errors import InvalidInput
from catalogue.parse.alphabet import (
    DNA_BYTES,
    NOT_DNA,
    NOT_PROTEIN,
    PROTEIN_BYTES,
    WITHOUT_ACGTN,
    first_outside,
)
from catalogue.parse.checksums import sequence_checksum

_STOP_CODONS = frozenset({"TAA", "TAG", "TGA"})

# Patent publication numbers (US9499629B2, WO2021091978A1, EP1234567A1) and INSDC/RefSeq accessions
# (HM852952, NM_001561.6): the tokens by which a file name or header names the source of a sequence.
_SOURCE_TOKEN = re.compile(
    r"(?<![A-Z0-9])(?:((?:US|WO|EP|CN|JP|KR|CA|AU|DE|GB|FR)\d{5,12})[A-Z]\d?"
    r"|((?:[A-Z]{2}_|[A-Z]{1,2})\d{5,9})(?:\.\d+)?)(?![A-Za-z0-9])"
)

# Where a text format's sequence starts inside a record (the line after this marker); FASTA: after the header.
_SEQUENCE_MARKERS = {"genbank": b"ORIGIN", "embl": b"SQ"}


@dataclass
class RecordText:
    """One record's place in the file: its raw bytes and the line its first line is on (None in a binary file)."""

    raw: bytes
    line: int | None

    def line_of(self, needle: str) -> int | None:
        """The file line of the first line of this record containing ``needle``."""
        at = self.raw.find(needle.encode("utf-8", "replace"))
        return None if at < 0 or self.line is None else self.line + self.raw.count(b"\n", 0, at)

    def last_line(self) -> int | None:
        return None if self.line is None else self.line + self.raw.rstrip().count(b"\n")

    def line_of_residue(self, position: int, fmt: SequenceFormat) -> int | None:
        """The file line holding the 0-based ``position`` of the sequence (slow path, errors only)."""
        if self.line is None or fmt == "snapgene":
            return None
        lines = self.raw.split(b"\n")
        if fmt == "fasta":
            first = 1
        else:
            marker = _SEQUENCE_MARKERS[fmt]
            first = next((i + 1 for i, text in enumerate(lines) if text.startswith(marker)), len(lines))
        seen = 0
        for index in range(first, len(lines)):
            text = lines[index]
            letters = len(re.sub(rb"[\s0-9]", b"", text)) if fmt != "fasta" else len(b"".join(text.split()))
            if seen + letters > position:
                return self.line + index
            seen += letters
        return None


def record_texts(content: bytes, start: bytes) -> list[RecordText]:
    """Split the file at each line starting with ``start``; line numbers counted in one pass."""
    offsets = [0] if content.startswith(start) else []
    needle = b"\n" + start
    found = content.find(needle)
    while found >= 0:
        offsets.append(found + 1)
        found = content.find(needle, found + 1)
    texts = []
    line = 1
    previous = 0
    for index, offset in enumerate(offsets):
        line += content.count(b"\n", previous, offset)
        previous = offset
        end = offsets[index + 1] if index + 1 < len(offsets) else len(content)
        texts.append(RecordText(content[offset:end], line))
    return texts


@dataclass
class Record:
    """A record's fields before validation."""

    record_id: str
    description: str | None
    sequence: str
    declared: Molecule | None  # what the file itself says (LOCUS, ID line, SnapGene DNA packet); None: from content
    topology: Topology
    text: RecordText
    declared_by: str = "the LOCUS line"  # where the file says it, for error messages


def finished_draft(record: Record, file_name: str, fmt: SequenceFormat, requested: Molecule | None,
                   max_length: int, domains: list[DomainDraft] | None = None,
                   warnings: list[str] | None = None) -> SequenceDraft:
    """Validate a record's sequence and molecule and build its draft (checksum, warnings)."""
    where = {"file": file_name, "record": record.record_id, "line": record.text.line}
    sequence = record.sequence.upper()
    if not sequence:
        raise InvalidInput("the record has no sequence", **where)
    if len(sequence) > max_length:
        raise InvalidInput(f"the sequence is {len(sequence)} long, over the limit of {max_length}", **where)
    notes: list[str] = list(warnings or [])
    if sequence.endswith("*") and "*" not in sequence[:-1] and len(sequence) > 1:
        sequence = sequence[:-1]
        notes.append("A trailing '*' (stop) was removed from the sequence.")
    molecule = resolved_molecule(sequence, record, fmt, requested, where)
    topology = record.topology
    if molecule == "protein" and topology == "circular":
        topology = "linear"
        notes.append("The record says circular, but a protein is stored as linear.")
    if molecule == "DNA" and topology == "linear" and sequence.startswith("ATG"):
        notes.extend(_coding_warnings(sequence))
    if fmt == "fasta":
        notes.extend(_source_warnings(record.record_id, record.description, file_name))
    return SequenceDraft(
        file_name=file_name,
        record_id=record.record_id,
        format=fmt,
        molecule=molecule,
        sequence=sequence,
        topology=topology,
        description=record.description,
        checksum=sequence_checksum(sequence, molecule, topology),
        raw=record.text.raw,
        line=record.text.line,
        domains=domains or [],
        warnings=notes,
    )


def requested_molecule(molecule: str | None, file_name: str) -> Molecule | None:
    if molecule is None:
        return None
    normalised = {"dna": "DNA", "protein": "protein"}.get(str(molecule).lower())
    if normalised is None:
        raise InvalidInput(f"unknown molecule {molecule!r}; expected 'DNA' or 'protein'", file=file_name)
    return normalised  # type: ignore[return-value]


def resolved_molecule(sequence: str, record: Record, fmt: SequenceFormat, requested: Molecule | None,
                      where: dict) -> Molecule:
    """DNA or protein; errors for a mismatch with the request, RNA, and characters outside IUPAC."""
    if requested and record.declared and requested != record.declared:
        raise InvalidInput(f"{requested} was requested but {record.declared_by} declares {record.declared}",
                           **where)
    not_dna = first_outside(sequence, DNA_BYTES, NOT_DNA)
    if record.declared == "DNA" and not_dna is None:
        return "DNA"  # the common GenBank case: nothing more to decide
    nucleotides = len(sequence) - len(sequence.translate(WITHOUT_ACGTN))
    nucleotide_like = nucleotides >= 0.9 * len(sequence)
    if not_dna is not None and not nucleotide_like and _looks_like_rna(sequence):
        raise InvalidInput("the sequence is RNA (U instead of T); store it as DNA", **where)
    if requested == "protein" and record.declared is None and not_dna is None and nucleotide_like:
        raise InvalidInput(
            f"protein was requested but the content is nucleotides ({nucleotides} of {len(sequence)} are A/C/G/T/N)",
            **where)
    not_protein = first_outside(sequence, PROTEIN_BYTES, NOT_PROTEIN)
    if requested == "DNA" and not_dna is not None and not nucleotide_like and not_protein is None:
        raise InvalidInput(
            f"DNA was requested but the content is protein: {not_dna.group()!r} at position {not_dna.start() + 1} "
            "is not a nucleotide code", **where)
    molecule = requested or record.declared
    if molecule is None:
        molecule = "DNA" if nucleotide_like else "protein"
    bad = not_dna if molecule == "DNA" else not_protein
    if bad is not None:
        code = "nucleotide" if molecule == "DNA" else "amino-acid"
        line = record.text.line_of_residue(bad.start(), fmt)
        raise InvalidInput(
            f"character {bad.group()!r} at position {bad.start() + 1} is not an IUPAC {code} code",
            file=where["file"], record=where["record"], line=line if line is not None else where["line"])
    return molecule


def named_after_file(file_name: str, number: int) -> str:
    """The record ID given to the ``number``-th record (1-based) of a file that names none."""
    path = PurePath(PurePath(file_name).name)
    if path.suffix.lower() == ".gz":  # "map.dna.gz" -> "map"
        path = PurePath(path.stem)
    stem = path.stem.strip() or "record"
    return stem if number == 1 else f"{stem}_{number}"


def _looks_like_rna(sequence: str) -> bool:
    if "U" not in sequence or "T" in sequence:
        return False
    as_dna = sequence.replace("U", "T")
    return NOT_DNA.search(as_dna) is None and sum(map(as_dna.count, "ACGTN")) >= 0.9 * len(as_dna)


def _coding_warnings(sequence: str) -> list[str]:
    """Sentences for a DNA record that starts with ATG but is not a whole, stopped reading frame."""
    notes = []
    length = len(sequence)
    if length % 3:
        notes.append(f"The sequence starts with ATG like a coding sequence, but its length ({length}) "
                     f"is not a multiple of 3 ({length % 3} extra base{'s' if length % 3 > 1 else ''}).")
    whole = length - length % 3
    last = sequence[whole - 3:whole]
    if length >= 6 and last not in _STOP_CODONS:
        notes.append(f"The reading frame from the ATG does not end in a stop codon (last codon {last}).")
    return notes


def _source_tokens(text: str) -> dict[str, str]:
    """Patent numbers and accessions in ``text``: core (no kind code, no version) → as written."""
    return {match.group(1) or match.group(2): match.group(0) for match in _SOURCE_TOKEN.finditer(text)}


def _source_warnings(record_id: str, description: str | None, file_name: str) -> list[str]:
    """A sentence when the header names patents or accessions and the file name names only others."""
    in_header = _source_tokens(f"{record_id} {description or ''}")
    in_name = _source_tokens(PurePath(file_name).stem)
    if in_header and in_name and not (in_header.keys() & in_name.keys()):
        return [f"The header names {', '.join(sorted(in_header.values()))} but the file name names "
                f"{', '.join(sorted(in_name.values()))}: check which source the sequence comes from."]
    return []
