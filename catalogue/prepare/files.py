"""Sequence files made ready for the catalogue: parsed, annotated and run through domain detection.

Pure functions, no database: what Curate previews, what an import writes, and what the parsing
process (:mod:`catalogue.prepare.process`) runs ahead of an import's writes.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalogue import config
from catalogue.bounds import check_upload_size
from catalogue.drafts import SequenceDraft
from catalogue.parse.gtf import apply_annotations, parse_gtf
from catalogue.parse.sequences import parse_sequence_file


@dataclass(frozen=True)
class ReadOptions:
    """How every file of one import is read."""

    annotations: bytes | None = None  # GTF/GFF for FASTA records
    annotations_name: str | None = None
    molecule: str | None = None
    detect: bool = True
    binder_library: list | None = None  # reference binders that name detected V domains


@dataclass
class PreparedSequences:
    """A file's records, parsed, annotated and run through domain detection; not yet written."""

    file_name: str
    drafts: list[SequenceDraft]


def prepare_sequences(
    file_name: str,
    content: bytes,
    *,
    annotations: bytes | None = None,
    annotations_name: str | None = None,
    molecule: str | None = None,
    detect: bool = True,
    max_length: int | None = None,
    binder_library: list | None = None,
) -> PreparedSequences:
    """Parse, validate and detect domains (no database): what Curate previews and import writes.

    With a ``binder_library`` (see :func:`catalogue.curation.reference_binder_library`), each detected
    VH, VL or VHH is named by its closest known therapeutic antibody.
    """
    check_upload_size(len(content), file_name)
    if annotations is not None:
        check_upload_size(len(annotations), annotations_name or "annotations.gtf")
    drafts = parse_sequence_file(
        content,
        file_name,
        molecule=molecule,  # type: ignore[arg-type]
        max_length=max_length or config.max_sequence_length(),
    )
    if annotations is not None:
        gtf_name = annotations_name or "annotations.gtf"
        drafts = apply_annotations(drafts, parse_gtf(annotations, gtf_name), gtf_name)
    if detect:
        from catalogue.detect.domains import detect_domains, header_content_warnings

        for draft in drafts:
            result = detect_domains(draft.sequence, draft.molecule)
            if binder_library:
                _name_binders(draft, result, binder_library)
            draft.domains.extend(result.domains)
            draft.warnings.extend(header_content_warnings(draft.description or "", result))
    return PreparedSequences(file_name, drafts)


def _name_binders(draft: SequenceDraft, result, library: list) -> None:
    from catalogue.detect.binders import closest_binder

    for index, domain in enumerate(result.domains):
        if domain.kind not in ("vh", "vl", "vhh") or domain.protein_start is None:
            continue
        chain = result.chains[result.chain_of_domain[index]]
        protein = chain.protein[domain.protein_start - 1 : domain.protein_end]
        match = closest_binder(protein, domain.kind, library)
        if match is None:
            continue
        domain.identity = match.identity
        target = f", target {match.target}" if match.target else ""
        named = f"closest known therapeutic: {match.name} ({match.chain}{target}), {match.identity:.1f}% identity"
        domain.note = f"{domain.note}; {named}" if domain.note else named



def prepare_file(file_name: str, content: bytes, options: ReadOptions) -> PreparedSequences:
    """:func:`prepare_sequences` with an import's options; raises InvalidInput."""
    return prepare_sequences(
        file_name,
        content,
        annotations=options.annotations,
        annotations_name=options.annotations_name,
        molecule=options.molecule,
        detect=options.detect,
        binder_library=options.binder_library,
    )
