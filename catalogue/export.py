"""Sequence drafts written back out as GenBank or FASTA text.

The exports read back through :func:`catalogue.parse.sequences.parse_sequence_file`
to the same sequence, checksum and domains (kind, label, start, end): each
domain becomes a feature with ``/label`` and a first ``/note`` of the form
``catalogue: kind=hinge; source=detected; identity=98.5`` that the parser reads
the kind back from.
"""

from __future__ import annotations

import errno
import io
import os
import re
import secrets
import stat
import warnings
from pathlib import Path

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


def export_catalogue(engine, directory, *, force: bool = False) -> list[Path]:
    """Write every sequence record as GenBank (domains as features) and FASTA under ``directory``.

    Files are ``<construct>/<record>.gb`` and ``.fasta``, named from record text
    made safe for file names (the database ID is added when two would clash).
    Returns the paths written.

    - A file that exists already is refused before anything is written (an :class:`InvalidInput` naming
      it), unless ``force``, which replaces it.
    - A symbolic link is never followed: not as ``directory`` itself, not as a construct folder, not as
      a file (with ``force`` a link where a file goes is replaced by the file; the link's target is
      untouched). Folders are opened relative to each other (``O_NOFOLLOW``), so a link planted while
      the export runs is not followed either.
    - Each file is written atomically: into a temporary file beside it, flushed to disk, then renamed
      into place (without ``force``, linked into place, which fails if the name was taken meanwhile).
    """
    from catalogue.read.sequences import stored_drafts

    root = Path(directory)
    plan = _export_plan(stored_drafts(engine))
    if root.is_symlink():
        raise InvalidInput("is a symbolic link; the export never follows one (name the folder it points to, "
                           "or another folder)", file=str(root))
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InvalidInput(f"cannot create the export folder: {error.strerror}", file=str(root)) from None
    root_fd = _open_folder(str(root), None, str(root))
    try:
        _check_targets(root_fd, root, plan, force)
        written = []
        for folder_name, files in plan.items():
            folder_fd = _open_folder(folder_name, root_fd, str(root / folder_name), create=True)
            try:
                for file_name, draft in files:
                    for suffix, text in ((".gb", to_genbank(draft)), (".fasta", to_fasta(draft))):
                        _write_atomically(folder_fd, f"{file_name}{suffix}", text.encode("utf-8"), force,
                                          root / folder_name)
                        written.append(root / folder_name / f"{file_name}{suffix}")
                os.fsync(folder_fd)
            finally:
                os.close(folder_fd)
    finally:
        os.close(root_fd)
    return written


def _export_plan(stored) -> dict[str, list[tuple[str, SequenceDraft]]]:
    """Folder name -> [(file stem, draft)], names made safe and unique."""
    plan: dict[str, list[tuple[str, SequenceDraft]]] = {}
    used: set[tuple[str, str]] = set()
    for construct_name, record_number, draft in stored:
        folder = safe_file_stem(construct_name, f"construct-{record_number}")
        stem = safe_file_stem(draft.record_id, f"record-{record_number}")
        if (folder, stem) in used:
            stem = f"{stem}-{record_number}"
        used.add((folder, stem))
        plan.setdefault(folder, []).append((stem, draft))
    return plan


_OPEN_FOLDER = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_CREATE_FILE = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))


def _open_folder(name: str, parent_fd: int | None, shown: str, *, create: bool = False) -> int:
    """A folder's descriptor, never through a symbolic link; created (inside ``parent_fd``) if asked."""
    if create:
        try:
            os.mkdir(name, 0o755, dir_fd=parent_fd)
        except FileExistsError:
            pass
        except OSError as error:
            raise InvalidInput(f"cannot create the folder: {error.strerror}", file=shown) from None
    try:
        return os.open(name, _OPEN_FOLDER, dir_fd=parent_fd)
    except OSError as error:
        if _is_link(name, parent_fd):
            raise InvalidInput("is a symbolic link; the export never follows one (remove it, or export "
                               "into another folder)", file=shown) from None
        if error.errno == errno.ENOTDIR:
            raise InvalidInput("is not a folder", file=shown) from None
        raise InvalidInput(f"cannot open the folder: {error.strerror}", file=shown) from None


def _is_link(name: str, parent_fd: int | None) -> bool:
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=parent_fd, follow_symlinks=False).st_mode)
    except OSError:
        return False


def _entry(name: str, folder_fd: int) -> os.stat_result | None:
    try:
        return os.stat(name, dir_fd=folder_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None


def _check_targets(root_fd: int, root: Path, plan: dict, force: bool) -> None:
    """Refuse, before anything is written, a folder that is a link and a file that exists (unless ``force``)."""
    for folder_name, files in plan.items():
        entry = _entry(folder_name, root_fd)
        if entry is None:
            continue
        folder_fd = _open_folder(folder_name, root_fd, str(root / folder_name))
        try:
            for stem, _ in files:
                for suffix in (".gb", ".fasta"):
                    found = _entry(f"{stem}{suffix}", folder_fd)
                    shown = str(root / folder_name / f"{stem}{suffix}")
                    if found is None:
                        continue
                    if stat.S_ISDIR(found.st_mode):
                        raise InvalidInput("is a folder where the export writes a file", file=shown)
                    if not force:
                        raise InvalidInput("exists already; nothing was exported (use --force to replace "
                                           "the files of an earlier export)", file=shown)
        finally:
            os.close(folder_fd)


def _write_atomically(folder_fd: int, name: str, content: bytes, force: bool, folder: Path) -> None:
    """``content`` as the file ``name`` of the folder, whole or not at all."""
    temporary = f".{name}.{secrets.token_hex(6)}.tmp"
    fd = os.open(temporary, _CREATE_FILE, 0o644, dir_fd=folder_fd)
    try:
        try:
            view = memoryview(content)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        if force:
            os.replace(temporary, name, src_dir_fd=folder_fd, dst_dir_fd=folder_fd)
            return
        try:
            os.link(temporary, name, src_dir_fd=folder_fd, dst_dir_fd=folder_fd, follow_symlinks=False)
        except FileExistsError:
            raise InvalidInput("appeared while the export ran; not replaced (use --force to replace it)",
                               file=str(folder / name)) from None
        except OSError:  # a file system without hard links: check, then rename
            if _entry(name, folder_fd) is not None:
                raise InvalidInput("exists already; not replaced (use --force to replace it)",
                                   file=str(folder / name)) from None
            os.replace(temporary, name, src_dir_fd=folder_fd, dst_dir_fd=folder_fd)
    finally:
        try:
            os.unlink(temporary, dir_fd=folder_fd)
        except FileNotFoundError:
            pass
