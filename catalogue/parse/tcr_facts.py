"""Validation of what a TCR recognises and of a TCR chain's facts: peptide, HLA allele, genes, CDR3.

Pure functions from user text to normalised values; each raises :class:`InvalidInput` with a
one-line message naming the value. HLA alleles and TCR gene names are checked and normalised
with tidytcells (IMGT nomenclature), not with hand-written patterns.
"""

from __future__ import annotations

import logging
import re

from catalogue.drafts import EpitopeDraft, TcrChainDraft
from catalogue.errors import InvalidInput
from catalogue.vocabulary import TCR_CHAIN_TYPES

AMINO_ACIDS = frozenset("ACDEFGHIKLMNPQRSTVWY")
PEPTIDE_LENGTH = (8, 25)  # MHC class I peptides are 8-11 residues, class II 13-25
CDR3_LENGTH = (5, 30)
_ANTIGEN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 .()/-]{0,39}$")
_UNIPROT = re.compile(r"^(?:[OPQ][0-9][A-Z0-9]{3}[0-9]|[A-NR-Z][0-9](?:[A-Z][A-Z0-9]{2}[0-9]){1,2})$")
_LOCUS_OF_CHAIN = {"alpha": "TRA", "beta": "TRB", "gamma": "TRG", "delta": "TRD"}


def _quiet_tidytcells():
    import tidytcells

    logging.getLogger("tidytcells").setLevel(logging.ERROR)
    return tidytcells


def normalise_peptide(peptide: str) -> str:
    """The peptide in upper case; refused unless 8-25 standard amino acids."""
    text = (peptide or "").strip().upper()
    if not text:
        raise InvalidInput("an epitope needs a peptide")
    named = f"peptide {peptide!r}"
    _check_amino_acids(text, named)
    _check_length(text, named, PEPTIDE_LENGTH, "an epitope")
    return text


def _check_amino_acids(text: str, named: str) -> None:
    """Refuse ``text`` (called ``named`` in the message) unless it is only standard amino acids."""
    wrong = sorted(set(text) - AMINO_ACIDS)
    if wrong:
        raise InvalidInput(f"{named} has letters that are not amino acids: {''.join(wrong)}")


def _check_length(text: str, named: str, length: tuple[int, int], holder: str) -> None:
    """Refuse ``text`` unless its length is within ``length``, the residues ``holder`` has."""
    low, high = length
    if not low <= len(text) <= high:
        raise InvalidInput(f"{named} has {len(text)} residues; {holder} has {low} to {high}")


def normalise_hla(allele: str) -> str:
    """An HLA restriction in standard nomenclature (``A*02:01`` -> ``HLA-A*02:01``); refused when unknown.

    Gene level (``HLA-A*02``, a restriction to an allele group) is accepted; a serological name
    (``HLA-A2``) is read as its allele group.
    """
    text = (allele or "").strip()
    if not text:
        raise InvalidInput("an epitope needs an HLA restriction")
    standard = _quiet_tidytcells().mh.standardize(text, species="homosapiens", log_failures=False)
    if not standard or not standard.startswith("HLA-") or "*" not in standard:
        raise InvalidInput(f"HLA allele {allele!r} is not a known HLA allele or allele group (e.g. HLA-A*02:01)")
    return standard


def normalise_tr_gene(name: str | None, chain: str, segment: str) -> str | None:
    """An IMGT TCR gene name of the chain's locus and segment (V or J), allele kept; None stays None."""
    if name is None or not name.strip():
        return None
    tidytcells = _quiet_tidytcells()
    standard = None
    for species in ("homosapiens", "musmusculus"):
        standard = tidytcells.tr.standardize(name.strip(), species=species, log_failures=False)
        if standard:
            break
    if not standard:
        raise InvalidInput(f"{name!r} is not a known IMGT TCR gene name")
    locus = _LOCUS_OF_CHAIN[chain]
    loci = {locus + segment} | ({"TRDV"} if chain == "alpha" and segment == "V" else set())
    loci |= {"TRAV"} if chain == "delta" and segment == "V" else set()
    if standard[:4] not in loci:
        raise InvalidInput(f"{name!r} is not a {locus}{segment} gene of a {chain} chain")
    return standard


def normalise_cdr3(cdr3: str | None) -> str | None:
    """A CDR3 junction as TCR databases write it: Cys ... Phe/Trp, 5-30 amino acids; None stays None."""
    if cdr3 is None or not cdr3.strip():
        return None
    text, named = cdr3.strip().upper(), f"CDR3 {cdr3!r}"
    _check_amino_acids(text, named)
    if not text.startswith("C"):
        raise InvalidInput(f"CDR3 {cdr3!r} does not start with the conserved Cys (write the junction C...F/W)")
    if text[-1] not in "FW":
        raise InvalidInput(f"CDR3 {cdr3!r} does not end with the J-motif Phe or Trp (write the junction C...F/W)")
    _check_length(text, named, CDR3_LENGTH, "a CDR3 junction")
    return text


def validate_epitope(draft: EpitopeDraft) -> EpitopeDraft:
    """A normalised copy of an epitope, or :class:`InvalidInput` naming what is wrong."""
    antigen = (draft.antigen or "").strip()
    if not _ANTIGEN.match(antigen):
        raise InvalidInput(f"antigen {draft.antigen!r} is not a gene symbol or protein name (e.g. CTAG1B, MAGEA4)")
    uniprot = (draft.uniprot or "").strip().upper() or None
    if uniprot and not _UNIPROT.match(uniprot):
        raise InvalidInput(f"{draft.uniprot!r} is not a UniProt accession")
    peptide = normalise_peptide(draft.peptide)
    start, end = draft.peptide_start, draft.peptide_end
    if (start is None) != (end is None):
        raise InvalidInput("give both the first and the last residue of the peptide in the antigen, or neither")
    if start is not None:
        if not uniprot:
            raise InvalidInput("a peptide position needs the antigen's UniProt accession")
        if start < 1 or end - start + 1 != len(peptide):
            raise InvalidInput(f"residues {start}-{end} do not span the {len(peptide)} residues of {peptide}")
    return EpitopeDraft(antigen=antigen, peptide=peptide, hla=normalise_hla(draft.hla), uniprot=uniprot,
                        peptide_start=start, peptide_end=end, source=(draft.source or "").strip() or None)


def validate_tcr_chain(draft: TcrChainDraft) -> TcrChainDraft:
    """A normalised copy of a TCR chain's facts, or :class:`InvalidInput`."""
    chain = (draft.chain or "").strip().lower()
    if chain not in TCR_CHAIN_TYPES:
        raise InvalidInput(f"chain {draft.chain!r} is not one of {', '.join(TCR_CHAIN_TYPES)}")
    v_allele = normalise_tr_gene(draft.v_allele or draft.v_gene, chain, "V")
    j_allele = normalise_tr_gene(draft.j_allele or draft.j_gene, chain, "J")
    if draft.start is not None and draft.end is not None and not 1 <= draft.start <= draft.end:
        raise InvalidInput(f"chain {chain}: start {draft.start} and end {draft.end} are not 1 <= start <= end")
    return TcrChainDraft(
        chain=chain,
        v_gene=v_allele.split("*")[0] if v_allele else None,
        j_gene=j_allele.split("*")[0] if j_allele else None,
        v_allele=v_allele if v_allele and "*" in v_allele else None,
        j_allele=j_allele if j_allele and "*" in j_allele else None,
        cdr3=normalise_cdr3(draft.cdr3),
        constant=(draft.constant or "").strip() or None,
        start=draft.start, end=draft.end, position=draft.position, species=draft.species,
        source=draft.source, note=(draft.note or "").strip() or None,
    )  # fmt: skip
