"""Sequence drafts written back out as GenBank or FASTA text.

The exports read back through :func:`catalogue.parse.sequences.parse_sequence_file`
to the same sequence, checksum and domains (kind, label, start, end): each
domain becomes a feature with ``/label`` and a first ``/note`` of the form
``catalogue: kind=hinge; source=detected; identity=98.5`` that the parser reads
the kind back from.
"""

from __future__ import annotations

import io
import re
import warnings

from Bio import SeqIO
from Bio.Seq import Seq
from Bio.SeqFeature import CompoundLocation, SeqFeature, SimpleLocation
from Bio.SeqRecord import SeqRecord

from catalogue.drafts import DomainDraft, SequenceDraft
from catalogue.errors import InvalidInput
from catalogue.parse.sequences import CIRCULAR_TOKEN, KIND_NOTE_PREFIX

FASTA_LINE_WIDTH = 60
_LOCUS_NAME_WIDTH = 16  # the LOCUS name field of the GenBank format
_NOT_LOCUS_CHARACTER = re.compile(r"[^A-Za-z0-9_.\-]")


def to_genbank(draft: SequenceDraft) -> str:
    """One GenBank record: LOCUS with molecule type (bp DNA or aa protein) and topology, a feature per domain.

    DNA domains are ``misc_feature`` (``sig_peptide`` for signal peptides), protein
    domains ``Region`` as in GenPept. A domain with ``start > end`` on a circular
    record spans the origin and is written as ``join(start..length,1..end)``.
    Double quotes in labels become single quotes (GenBank quoting).
    """
    record = SeqRecord(
        Seq(draft.sequence),
        id=draft.record_id,
        name=_locus_name(draft.record_id),
        description=" ".join((draft.description or "").split()),
        annotations={"molecule_type": "protein" if draft.molecule == "protein" else "DNA",
                     "topology": draft.topology},
    )
    for domain in draft.domains:
        record.features.append(_feature(domain, draft))
    handle = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Biopython warns about e.g. a long record ID in ACCESSION; the text is valid
        SeqIO.write(record, handle, "genbank")
    return handle.getvalue()


def to_fasta(draft: SequenceDraft, *, width: int = FASTA_LINE_WIDTH) -> str:
    """One FASTA record: ``>record_id description`` and the sequence wrapped at ``width`` characters.

    FASTA has no topology field: a circular record gets the header word
    ``topology=circular``, which the parser reads back (so the checksum survives).
    """
    header = draft.record_id
    description = " ".join((draft.description or "").split())
    if draft.topology == "circular":
        description = f"{description} {CIRCULAR_TOKEN}".strip()
    if description:
        header = f"{header} {description}"
    lines = [draft.sequence[start:start + width] for start in range(0, len(draft.sequence), width)]
    return f">{header}\n" + "\n".join(lines) + "\n"


def _locus_name(record_id: str) -> str:
    return _NOT_LOCUS_CHARACTER.sub("_", record_id)[:_LOCUS_NAME_WIDTH] or "record"


def _feature(domain: DomainDraft, draft: SequenceDraft) -> SeqFeature:
    strand = None if draft.molecule == "protein" else domain.strand
    if domain.start < 1 or domain.end > draft.length or domain.start > draft.length:
        raise InvalidInput(f"domain {domain.label!r} at {domain.start}-{domain.end} lies outside the "
                           f"{draft.length}-long sequence", file=draft.file_name, record=draft.record_id)
    if domain.start <= domain.end:
        location = SimpleLocation(domain.start - 1, domain.end, strand=strand)
    elif draft.topology == "circular":
        tail = SimpleLocation(domain.start - 1, draft.length, strand=strand)
        head = SimpleLocation(0, domain.end, strand=strand)
        location = CompoundLocation([head, tail] if strand == -1 else [tail, head])
    else:
        raise InvalidInput(f"domain {domain.label!r} has start {domain.start} after end {domain.end} on a "
                           "linear record", file=draft.file_name, record=draft.record_id)
    if draft.molecule == "protein":
        feature_type = "Region"
    else:
        feature_type = "sig_peptide" if domain.kind == "signal_peptide" else "misc_feature"
    notes = [_kind_note(domain)]
    if domain.note and not domain.note.startswith(KIND_NOTE_PREFIX):
        notes.append(" ".join(domain.note.replace('"', "'").split()))
    label = " ".join(domain.label.replace('"', "'").split()) or domain.kind
    return SeqFeature(location, type=feature_type, qualifiers={"label": [label], "note": notes})


def _kind_note(domain: DomainDraft) -> str:
    fields = [f"kind={domain.kind}", f"source={domain.source}"]
    if domain.identity is not None:
        fields.append(f"identity={domain.identity:g}")
    if domain.reference:
        reference = domain.reference.replace(";", ",").replace('"', "")
        fields.append(f"reference={reference}")
    return f"{KIND_NOTE_PREFIX} " + "; ".join(fields)


# --- the whole catalogue -----------------------------------------------------------------

_UNSAFE_PATH_CHARACTER = re.compile(r"[^A-Za-z0-9._-]+")


def safe_file_stem(text: str, fallback: str) -> str:
    """A file-name stem made from record text: never a path, never hidden, never empty."""
    stem = _UNSAFE_PATH_CHARACTER.sub("_", text).strip("._-")[:80]
    return stem or fallback


def export_catalogue(engine, directory) -> list:
    """Write every sequence record as GenBank (domains as features) and FASTA under ``directory``.

    Files are ``<construct>/<record>.gb`` and ``.fasta``, named from record text
    made safe for file names (the database ID is added when two would clash).
    Returns the paths written.
    """
    from pathlib import Path

    from catalogue.read.sequences import stored_drafts

    root = Path(directory)
    written = []
    used: set[Path] = set()
    for construct_name, record_number, draft in stored_drafts(engine):
        folder = root / safe_file_stem(construct_name, f"construct-{record_number}")
        stem = safe_file_stem(draft.record_id, f"record-{record_number}")
        if folder / stem in used:
            stem = f"{stem}-{record_number}"
        used.add(folder / stem)
        folder.mkdir(parents=True, exist_ok=True)
        for suffix, text in ((".gb", to_genbank(draft)), (".fasta", to_fasta(draft))):
            path = folder / f"{stem}{suffix}"
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written
