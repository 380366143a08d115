"""Sequence files made ready for the catalogue: parsed, annotated and run through domain detection.

Pure functions, no database: what Curate previews, what an import writes, and what the parsing
process (:mod:`catalogue.prepare.process`) runs ahead of an import's writes.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalogue import config
from catalogue.bounds import check_upload_size
from catalogue.drafts import SequenceDraft, TcrChainDraft
from catalogue.errors import InvalidInput
from catalogue.parse import archives
from catalogue.parse.gtf import apply_annotations, parse_gtf
from catalogue.parse.sequences import parse_sequence_file
from catalogue.vocabulary import BINDER_KINDS


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

    A ``.gz`` file is read as the file inside it; a ``.zip`` must hold exactly one sequence file here
    (the CLI and Curate expand archives beforehand with :func:`catalogue.parse.archives.expanded_files`,
    so that each file inside is its own import).
    """
    check_upload_size(len(content), file_name)
    if annotations is not None:
        check_upload_size(len(annotations), annotations_name or "annotations.gtf")
    if archives.is_archive(content):
        members = archives.expanded(file_name, content)
        if len(members) != 1:
            raise InvalidInput(f"the archive holds {len(members)} sequence files; import it with `catalogue import "
                               "sequences` or in Curate, which import each file on its own", file=file_name)
        ((file_name, content),) = members
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
            draft.tcr_chains.extend(detected_tcr_chains(result))
            draft.chains = tuple(result.chains)
    else:
        from catalogue.detect.chains import find_chains

        for draft in drafts:  # for the search store; found here, in the parsing process, not by the writer
            draft.chains = tuple(find_chains(draft.sequence, draft.molecule))
    return PreparedSequences(file_name, drafts)


def _name_binders(draft: SequenceDraft, result, library: list) -> None:
    from catalogue.detect.binders import closest_binder

    for index, domain in enumerate(result.domains):
        if domain.kind not in BINDER_KINDS or domain.protein_start is None:
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



def detected_tcr_chains(result) -> list[TcrChainDraft]:
    """The TCR chains of a detection result (V/J genes, CDR3, constant region), as drafts in ORF order."""
    from catalogue.detect.tcr import tcr_chains

    cassette = tcr_chains(result)
    drafts = []
    for index, call in enumerate(cassette.chains):
        notes = list(call.notes)
        if index and cassette.separators[index - 1]:
            notes.insert(0, f"after {cassette.separators[index - 1]}")
        if len(call.v_gene_candidates) > 1:
            notes.append(f"V germlines equally close: {', '.join(call.v_gene_candidates)}")
        identity = f"V {call.v_identity}% / J {call.j_identity}% identical to the closest ANARCI germlines"
        drafts.append(
            TcrChainDraft(
                chain=call.chain, v_gene=call.v_gene, j_gene=call.j_gene, cdr3=call.cdr3, constant=call.constant,
                start=call.start, end=call.end, position=call.order, v_allele=call.v_allele,
                j_allele=call.j_allele, species=call.species, source="detected",
                note="; ".join([identity] + notes),
            )
        )
    return drafts


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
