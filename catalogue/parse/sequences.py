# Over 500 lines on purpose: reading one sequence file is one pass over its bytes (format sniffing, record
# boundaries, raw bytes, line numbers), then Biopython, then validation that locates every error by file,
# record and line. The steps share that one pass's state; split apart, they would hand it between modules.
"""Sequence files (GenBank, FASTA) and GTF domain annotations, read into validated drafts.

Pure functions from bytes to :class:`~catalogue.drafts.SequenceDraft` /
:class:`~catalogue.drafts.DomainDraft`; nothing here touches the database.

* :func:`parse_sequence_file` sniffs GenBank or FASTA from the content (the file
  extension is only a hint), reads each record, validates it and computes its
  SEGUID checksum. Every problem that makes a record unusable raises
  :class:`~catalogue.errors.InvalidInput` naming the file, the record and the
  line; problems that do not block an import are sentences in
  ``draft.warnings``.
* :func:`parse_gtf` reads GTF/GFF-style domain annotations (the Living Drugs
  Wiki ``Anno_*.gtf`` files) and :func:`apply_annotations` attaches them to the
  records they name.
* :func:`sequence_checksum` is the catalogue's identity of a sequence.

Coordinates of domains are 1-based and inclusive. On a circular record a
domain that runs across the origin keeps ``start > end`` (``3922..2`` of a
3938-bp plasmid is ``start=3922, end=2``); everywhere else ``start <= end``.

GenBank is read once per file with Biopython's ``SeqIO.parse``; Biopython's
parser warnings (it mostly *warns* on malformed GenBank and hands back a
damaged record) and its exceptions are caught at this boundary and turned into
:class:`InvalidInput`. Record boundaries, raw bytes and line numbers come from
one pass over the bytes; lines of errors inside a record are found by scanning
that record's text only when there is an error.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePath

from Bio import BiopythonWarning, SeqIO
from Bio.Seq import UndefinedSequenceError
from Bio.SeqFeature import CompoundLocation, SeqFeature

from catalogue.drafts import DomainDraft, Molecule, SequenceDraft, SequenceFormat, Topology
from catalogue.errors import InvalidInput
from catalogue.parse.alphabet import (
    DNA_BYTES,
    NOT_DNA,
    NOT_PROTEIN,
    PROTEIN_BYTES,
    WITHOUT_ACGTN,
    checked_text,
    first_outside,
    line_at,
)
from catalogue.parse.checksums import sequence_checksum

DEFAULT_MAX_LENGTH = 1_000_000
"""Largest number of bases/residues accepted in one record unless the caller says otherwise."""
"""IUPAC nucleotide codes accepted in a DNA record (no U, no gaps)."""
"""IUPAC amino-acid codes accepted in a protein record (20 standard, O, U and the ambiguity codes B, J, X, Z)."""

KIND_NOTE_PREFIX = "catalogue:"
"""Start of the ``/note`` that :mod:`catalogue.export` writes to carry a domain's kind (``catalogue: kind=hinge; ...``)."""

CIRCULAR_TOKEN = "topology=circular"
"""A word in a FASTA header that marks a circular molecule (written by :func:`catalogue.export.to_fasta`)."""
_FASTA_START = b">"
_GENBANK_START = b"LOCUS       "  # Biopython's record start: LOCUS + 7 spaces
_STOP_CODONS = frozenset({"TAA", "TAG", "TGA"})
_BOM = b"\xef\xbb\xbf"
_GENBANK_EXTENSIONS = frozenset({".gb", ".gbk", ".genbank", ".gbff", ".ape"})
_FASTA_EXTENSIONS = frozenset({".fasta", ".fa", ".fna", ".faa", ".fas", ".ffn", ".seq", ".fsa"})

# GenBank feature keys that mark variation, sequencing or assembly notes rather than a part of the construct.
_NON_PART_FEATURES = frozenset({
    "source", "variation", "misc_difference", "conflict", "unsure", "old_sequence", "gap", "assembly_gap",
    "modified_base", "primer_bind", "primer", "STS", "misc_recomb",
})

# Patent publication numbers (US9499629B2, WO2021091978A1, EP1234567A1) and INSDC/RefSeq accessions
# (HM852952, NM_001561.6): the tokens by which a file name or header names the source of a sequence.
_SOURCE_TOKEN = re.compile(
    r"(?<![A-Z0-9])(?:((?:US|WO|EP|CN|JP|KR|CA|AU|DE|GB|FR)\d{5,12})[A-Z]\d?"
    r"|((?:[A-Z]{2}_|[A-Z]{1,2})\d{5,9})(?:\.\d+)?)(?![A-Za-z0-9])"
)


# --- domain kinds from labels ----------------------------------------------------------------------------------

# Ordered: the first rule whose pattern is found in the lower-cased label decides. Labels naming two kinds at
# once (a CD8 "hinge-TM" region "CD8HTMD") stay "other" on purpose.
_KIND_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("other", r"\dhtmd?(?![a-z])|(?<![a-z])htmd?(?![a-z])|hinge.{0,6}(tm|transmembrane)"),
        ("signal_peptide", r"signal.?pep|signal.?seq|sig_?peptide|leader|(?<![a-z])sp(?![a-z0-9])|\dsp$|csf2ra|gm-?csf"),
        ("cleavage_2a", r"(?<![a-z0-9])[tpef]2a(?![a-z0-9])|2a.?peptide"),
        ("tcr_alpha_variable", r"(?<![a-z])trav|tcr.?alpha.?variable|v.?alpha(?![a-z])"),
        ("tcr_beta_variable", r"(?<![a-z])trbv|tcr.?beta.?variable|v.?beta(?![a-z])"),
        ("tcr_constant", r"(?<![a-z])tr[ab]c(?![a-z])|tcr.?(alpha|beta)?.?constant"),
        ("vhh", r"vhh|nanobody|single.?domain.?antibody"),
        ("vh", r"(?<![a-z])vh(?![a-z])|heavy.?chain.?variable|variable.?heavy"),
        ("vl", r"(?<![a-z])v[lk](?![a-z])|light.?chain.?variable|variable.?light"),
        ("linker", r"linker|g4s|whitlow|(gggg?s){2,}"),
        ("hinge", r"hinge"),
        ("transmembrane", r"transmembrane|tmd|(?<![a-z])tm(?![a-z])"),
        ("costimulatory", r"cd137|4-?1bb|tnfrsf9|costim|ox40|icos|cd28.{0,4}(cyto|sd|signal|costim)"),
        ("signalling", r"cd3.?(z|zeta|ζ)|cd247|itam|fc.?r.?i?.?gamma"),
        ("marker", r"egfrt|tegfr|truncated.?egfr|lngfr|rqr8|marker"),
    )
)


_ANY_KIND = re.compile("|".join(f"(?:{pattern.pattern})" for _, pattern in _KIND_RULES))


@lru_cache(maxsize=8192)
def kind_from_label(label: str) -> str:
    """The domain kind a label obviously names (``"CD8SP"`` → ``signal_peptide``), else ``"other"``.

    Gene names stand for a kind only where CAR designs use that gene for one part
    alone: CD247 (CD3ζ) → signalling, TNFRSF9/CD137 (4-1BB) → costimulatory,
    CSF2RA (GM-CSF receptor α) → signal peptide. "CD28" alone stays ``other``
    because CAR CD28 segments often span hinge, TM and costimulatory domain.
    """
    text = label.lower()
    if not _ANY_KIND.search(text):
        return "other"
    for kind, pattern in _KIND_RULES:
        if pattern.search(text):
            return kind
    return "other"


def _kind_note(note: str | None) -> dict[str, str]:
    """The ``key=value`` fields of a ``catalogue: kind=...; source=...`` note written by the exporter."""
    if not note or not note.startswith(KIND_NOTE_PREFIX):
        return {}
    fields = {}
    for part in note[len(KIND_NOTE_PREFIX):].split(";"):
        key, sep, value = part.partition("=")
        if sep:
            fields[key.strip()] = value.strip()
    return fields


def _sniffed_format(content: bytes, file_name: str) -> tuple[SequenceFormat, list[str]]:
    """GenBank or FASTA from the first non-blank text; a sentence when the extension says otherwise."""
    head = content[len(_BOM):] if content.startswith(_BOM) else content
    head = head.lstrip()
    if head.startswith(b"LOCUS"):
        found: SequenceFormat = "genbank"
    elif head.startswith(b">"):
        found = "fasta"
    else:
        first = head.split(b"\n", 1)[0][:40].decode("utf-8", "replace").rstrip()
        raise InvalidInput(
            f"neither GenBank (first line starting with LOCUS) nor FASTA (first line starting with '>'); "
            f"the file starts with {first!r}",
            file=file_name, line=line_at(content, len(content) - len(head)))
    notes = []
    suffix = PurePath(file_name).suffix.lower()
    if found == "fasta" and suffix in _GENBANK_EXTENSIONS:
        notes.append(f"The file name ends in {suffix} but the content is FASTA; it was read as FASTA.")
    if found == "genbank" and suffix in _FASTA_EXTENSIONS:
        notes.append(f"The file name ends in {suffix} but the content is GenBank; it was read as GenBank.")
    return found, notes


@dataclass
class _RecordText:
    """One record's place in the file: its raw bytes and the line its first line is on."""

    raw: bytes
    line: int

    def line_of(self, needle: str) -> int | None:
        """The file line of the first line of this record containing ``needle``."""
        at = self.raw.find(needle.encode("utf-8", "replace"))
        return None if at < 0 else self.line + self.raw.count(b"\n", 0, at)

    def last_line(self) -> int:
        return self.line + self.raw.rstrip().count(b"\n")

    def line_of_residue(self, position: int, fmt: SequenceFormat) -> int | None:
        """The file line holding the 0-based ``position`` of the sequence (slow path, errors only)."""
        lines = self.raw.split(b"\n")
        if fmt == "fasta":
            first = 1
        else:
            first = next((i + 1 for i, text in enumerate(lines) if text.startswith(b"ORIGIN")), len(lines))
        seen = 0
        for index in range(first, len(lines)):
            text = lines[index]
            letters = len(re.sub(rb"[\s0-9]", b"", text)) if fmt == "genbank" else len(b"".join(text.split()))
            if seen + letters > position:
                return self.line + index
            seen += letters
        return None


def _record_texts(content: bytes, start: bytes) -> list[_RecordText]:
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
        texts.append(_RecordText(content[offset:end], line))
    return texts


# --- the public parser -----------------------------------------------------------------------------------------


def parse_sequence_file(
    content: bytes,
    file_name: str,
    *,
    molecule: Molecule | None = None,
    max_length: int = DEFAULT_MAX_LENGTH,
) -> list[SequenceDraft]:
    """Every record of a GenBank or FASTA file, validated, as drafts in file order.

    ``molecule`` forces DNA or protein; content that is clearly the other one
    (a protein file whose content is nucleotides, or the reverse) is an error.
    Without it the molecule comes from the GenBank LOCUS line, or for FASTA from
    the content: nucleotide codes only, at least 90 % A/C/G/T/N, is DNA.
    Raises :class:`InvalidInput` at the first problem, naming file, record and line.
    """
    requested = _requested_molecule(molecule, file_name)
    text = checked_text(content, file_name)
    fmt, notes = _sniffed_format(content, file_name)
    if fmt == "genbank":
        drafts = list(_genbank_drafts(content, text, file_name, requested, max_length))
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


def _requested_molecule(molecule: str | None, file_name: str) -> Molecule | None:
    if molecule is None:
        return None
    normalised = {"dna": "DNA", "protein": "protein"}.get(str(molecule).lower())
    if normalised is None:
        raise InvalidInput(f"unknown molecule {molecule!r}; expected 'DNA' or 'protein'", file=file_name)
    return normalised  # type: ignore[return-value]


@dataclass
class _Record:
    """A record's fields before validation."""

    record_id: str
    description: str | None
    sequence: str
    declared: Molecule | None  # what the file itself says (GenBank LOCUS), None for FASTA
    topology: Topology
    text: _RecordText


def _finished_draft(record: _Record, file_name: str, fmt: SequenceFormat, requested: Molecule | None,
                    max_length: int, domains: list[DomainDraft] | None = None) -> SequenceDraft:
    """Validate a record's sequence and molecule and build its draft (checksum, warnings)."""
    where = {"file": file_name, "record": record.record_id, "line": record.text.line}
    sequence = record.sequence.upper()
    if not sequence:
        raise InvalidInput("the record has no sequence", **where)
    if len(sequence) > max_length:
        raise InvalidInput(f"the sequence is {len(sequence)} long, over the limit of {max_length}", **where)
    warnings_: list[str] = []
    if sequence.endswith("*") and "*" not in sequence[:-1] and len(sequence) > 1:
        sequence = sequence[:-1]
        warnings_.append("A trailing '*' (stop) was removed from the sequence.")
    molecule = _resolved_molecule(sequence, record, fmt, requested, where)
    topology = record.topology
    if molecule == "protein" and topology == "circular":
        topology = "linear"
        warnings_.append("The record says circular, but a protein is stored as linear.")
    if molecule == "DNA" and topology == "linear" and sequence.startswith("ATG"):
        warnings_.extend(_coding_warnings(sequence))
    if fmt == "fasta":
        warnings_.extend(_source_warnings(record.record_id, record.description, file_name))
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
        warnings=warnings_,
    )


def _resolved_molecule(sequence: str, record: _Record, fmt: SequenceFormat, requested: Molecule | None,
                       where: dict) -> Molecule:
    """DNA or protein; errors for a mismatch with the request, RNA, and characters outside IUPAC."""
    if requested and record.declared and requested != record.declared:
        raise InvalidInput(f"{requested} was requested but the LOCUS line declares {record.declared}", **where)
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


# --- FASTA -----------------------------------------------------------------------------------------------------


def _fasta_drafts(content: bytes, file_name: str, requested: Molecule | None,
                  max_length: int) -> Iterator[SequenceDraft]:
    for text in _record_texts(content, _FASTA_START):
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
        record = _Record(record_id, description, sequence, None, topology, text)
        yield _finished_draft(record, file_name, "fasta", requested, max_length)


# --- GenBank ---------------------------------------------------------------------------------------------------


def _genbank_drafts(content: bytes, text: str, file_name: str, requested: Molecule | None,
                    max_length: int) -> Iterator[SequenceDraft]:
    texts = _record_texts(content, _GENBANK_START)
    before = content[:len(content) - sum(len(t.raw) for t in texts)] if texts else content
    if not texts or before.replace(_BOM, b"").strip():
        raise InvalidInput("the file starts like GenBank but its first line is not a LOCUS line in GenBank layout "
                           "('LOCUS' and 7 spaces, then the name)", file=file_name, line=1)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        records = SeqIO.parse(io.StringIO(text), "genbank")
        for index, record_text in enumerate(texts):
            name = _locus_name(record_text)
            where = {"file": file_name, "record": name, "line": record_text.line}
            declared_length = _declared_length(record_text)
            if declared_length is not None and declared_length > max_length:
                raise InvalidInput(f"the LOCUS line gives length {declared_length}, over the limit of {max_length}",
                                   **where)
            start = len(caught)
            try:
                seq_record = next(records)
            except StopIteration:
                raise InvalidInput("Biopython found no GenBank record here", **where) from None
            except _BIOPYTHON_FAILURES as error:
                message = str(error).strip()
                if not message or not isinstance(error, ValueError):
                    detail = " ".join(message.split())[:100] or "no detail"
                    message = f"Biopython's reader failed ({type(error).__name__}: {detail})"
                raise _genbank_error(message, record_text, where) from None
            body = record_text.raw.rstrip()
            if not body.endswith(b"//"):
                end = body.rfind(b"\n//")
                if end >= 0 and body[end + 3:end + 4] in (b"\n", b"\r"):
                    raise InvalidInput("text after the record's '//' terminator",
                                       file=file_name, record=name,
                                       line=record_text.line + body.count(b"\n", 0, end) + 2)
                raise InvalidInput("the record does not end with '//' (truncated file?)",
                                   file=file_name, record=name, line=record_text.last_line())
            topology = seq_record.annotations.get("topology", "linear")
            for warning in caught[start:]:
                if not issubclass(warning.category, BiopythonWarning):
                    continue
                message = str(warning.message)
                if topology == "circular" and message.startswith("Attempting to fix invalid location"):
                    continue  # an origin-spanning feature such as 3922..2 on a circular plasmid: kept as such
                raise _genbank_error(message, record_text, where)
            yield _genbank_draft(seq_record, record_text, name, file_name, requested, max_length)
        try:
            extra = next(records, None)
        except _BIOPYTHON_FAILURES as error:
            raise InvalidInput(f"unreadable text after the last record: {error}", file=file_name) from None
        if extra is not None:
            raise InvalidInput("Biopython read more records than there are LOCUS lines", file=file_name)


# What Biopython's GenBank reader raises on damaged input besides its ValueErrors (found by fuzzing: a LOCUS
# length of 10^48 gives OverflowError, a REFERENCE without AUTHORS an AttributeError).
_BIOPYTHON_FAILURES = (ValueError, AssertionError, LookupError, TypeError, AttributeError, ArithmeticError,
                       RecursionError)
_LOCUS_LENGTH = re.compile(rb"\s(\d+) (?:bp|aa)\b")


def _declared_length(text: _RecordText) -> int | None:
    """The length on the LOCUS line, read before Biopython so an absurd one is refused early."""
    match = _LOCUS_LENGTH.search(text.raw, 0, text.raw.find(b"\n") if b"\n" in text.raw[:400] else 400)
    return int(match.group(1)) if match else None


def _locus_name(text: _RecordText) -> str | None:
    words = text.raw[:200].split(None, 2)
    return words[1].decode("utf-8", "replace") if len(words) > 1 else None


def _genbank_error(message: str, text: _RecordText, where: dict) -> InvalidInput:
    """A Biopython warning or exception as an InvalidInput, its line found in the record's text."""
    first = message.strip().split("\n")[0]
    line = None
    if first.startswith("Expected sequence length") or "LOCUS" in first:
        line = text.line
        first = first.replace("Expected sequence length", "the LOCUS line gives length")
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
    if len(first) > 160:
        first = first[:157] + "..."
    return InvalidInput(f"malformed GenBank: {first}", file=where["file"], record=where["record"],
                        line=line if line is not None else where["line"])


def _genbank_draft(seq_record, text: _RecordText, name: str | None, file_name: str, requested: Molecule | None,
                   max_length: int) -> SequenceDraft:
    record_id = seq_record.id if seq_record.id not in {"", ".", "<unknown id>"} else (seq_record.name or name)
    where = {"file": file_name, "record": record_id, "line": text.line}
    try:
        sequence = str(seq_record.seq)
    except UndefinedSequenceError:
        raise InvalidInput("the record has no sequence (no ORIGIN section)", **where) from None
    molecule_type = str(seq_record.annotations.get("molecule_type", "DNA"))
    declared: Molecule = "protein" if molecule_type.lower() in {"protein", "aa"} else "DNA"
    topology: Topology = "circular" if seq_record.annotations.get("topology") == "circular" else "linear"
    description = seq_record.description if seq_record.description not in {"", "."} else None
    length = len(sequence)
    domains = _genbank_domains(seq_record.features, length, topology, text, where)
    record = _Record(record_id, description, sequence, declared, topology, text)
    return _finished_draft(record, file_name, "genbank", requested, max_length, domains)


def _genbank_domains(features: list[SeqFeature], length: int, topology: Topology, text: _RecordText,
                     where: dict) -> list[DomainDraft]:
    """DomainDrafts for the features that name a part; errors for features outside the sequence."""
    domains = []
    for number, feature in enumerate(features):
        location = feature.location
        if location is None:
            raise InvalidInput(f"the location of {feature.type} feature #{number + 1} cannot be parsed",
                               file=where["file"], record=where["record"], line=_feature_line(features, number, text))
        compound = isinstance(location, CompoundLocation)
        if compound:
            outside = any(part.end > length or part.start < 0 for part in location.parts)
        else:
            outside = location.end > length or location.start < 0
        if outside:
            raise InvalidInput(
                f"{feature.type} feature at {_location_text(feature)} lies outside the {length}-long sequence",
                file=where["file"], record=where["record"], line=_feature_line(features, number, text))
        if feature.type in _NON_PART_FEATURES:
            continue
        qualifiers = feature.qualifiers
        notes = qualifiers.get("note")
        label_values = qualifiers.get("label") or qualifiers.get("product")
        from_note = False
        if not label_values:
            if "label" not in qualifiers and "product" not in qualifiers and notes is None:
                continue  # a feature that names nothing is not a part
            label_values = qualifiers.get("gene") or notes
            from_note = label_values is notes
        if not label_values or (not compound and location.end == location.start):
            continue
        label = " ".join(str(label_values[0]).split())
        if from_note:
            label = label.split("; ")[0]  # NCBI notes: "Walker A motif; other site"
        note = " ".join(str(notes[0]).split()) if notes else None
        fields = _kind_note(note) if note and note.startswith(KIND_NOTE_PREFIX) else {}
        if fields.get("kind"):
            kind = fields["kind"]
        elif feature.type == "sig_peptide":
            kind = "signal_peptide"
        else:
            kind = kind_from_label(label)
        if compound:
            start, end = _span(location, length, topology)
        else:
            start, end = int(location.start) + 1, int(location.end)
        strand = location.strand
        domains.append(DomainDraft(kind=kind, label=label, start=start, end=end,
                                   strand=strand if strand in (1, -1) else None, source="annotated",
                                   identity=_number(fields.get("identity")), reference=fields.get("reference"),
                                   note=note))
    return domains


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _strand(location) -> int | None:
    strand = location.strand
    return strand if strand in (1, -1) else None


def _span(location, length: int, topology: Topology) -> tuple[int, int]:
    """1-based start and end; an origin-spanning join on a circular record keeps start > end."""
    parts = location.parts
    if isinstance(location, CompoundLocation) and topology == "circular" and len(parts) == 2:
        tail = next((part for part in parts if part.end == length), None)
        head = next((part for part in parts if part.start == 0), None)
        if tail is not None and head is not None and tail is not head:
            return int(tail.start) + 1, int(head.end)
    return int(location.start) + 1, int(location.end)


def _location_text(feature: SeqFeature) -> str:
    parts = feature.location.parts
    return ",".join(f"{int(part.start) + 1}..{int(part.end)}" for part in parts)


def _feature_line(features: list[SeqFeature], number: int, text: _RecordText) -> int:
    """The file line of feature ``number`` (the n-th feature of its key in the record's FEATURES table)."""
    key = features[number].type
    nth = sum(1 for feature in features[:number] if feature.type == key)
    pattern = re.compile(rb"^ {5}" + re.escape(key.encode()) + rb"(?: |$)", re.MULTILINE)
    matches = list(pattern.finditer(text.raw))
    if nth < len(matches):
        return text.line + text.raw.count(b"\n", 0, matches[nth].start())
    return text.line
