"""TCR-T facts of a construct: its epitopes (peptide and HLA restriction) and its curated TCR chains.

Every function here is one user action: role check, validation (peptides, HLA alleles and
gene names through :mod:`catalogue.parse.tcr_facts`), one transaction, one audit event. A bad
value refuses the whole action and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any, TypeVar

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from catalogue import db
from catalogue.curation.actors import Actor, require
from catalogue.curation.audit import Outcome, audit_event
from catalogue.curation.lookups import find_target, live_construct
from catalogue.db.models import Construct, ConstructTarget, Epitope, Target, TcrChain
from catalogue.drafts import EpitopeDraft, TcrChainDraft
from catalogue.errors import InvalidInput
from catalogue.parse.tcr_facts import validate_epitope, validate_tcr_chain

HLA_PRESENTED = "HLA-presented"
Draft = TypeVar("Draft", EpitopeDraft, TcrChainDraft)
_EPITOPE_FIELDS = ("antigen", "peptide", "hla", "uniprot", "peptide_start", "peptide_end", "source")
_CHAIN_FIELDS = ("chain", "v_gene", "v_allele", "j_gene", "j_allele", "cdr3", "constant", "start", "end", "species",
                 "note")


def validated_epitopes(construct_name: str, drafts: list[EpitopeDraft]) -> list[EpitopeDraft]:
    """A construct's epitopes normalised, or the first that is not valid, numbered. A unit's check."""
    return _validated(construct_name, "epitope", drafts, validate_epitope)


def _validated(
    construct_name: str, what: str, drafts: list[Draft], validate: Callable[[Draft], Draft]
) -> list[Draft]:
    """Each draft validated, or the first that is not, numbered (``construct 'x', epitope 2: ...``)."""
    valid = []
    for number, draft in enumerate(drafts, start=1):
        try:
            valid.append(validate(draft))
        except InvalidInput as error:
            raise InvalidInput(f"construct {construct_name!r}, {what} {number}: {error}") from None
    return valid


def _epitope_state(session: Session, construct: Construct) -> list[dict[str, Any]]:
    rows = session.exec(select(Epitope).where(Epitope.construct_id == construct.id).order_by(Epitope.position))
    return [{key: getattr(row, key) for key in _EPITOPE_FIELDS} for row in rows.scalars()]


def _link_antigen_target(session: Session, actor: Actor, construct: Construct, antigen: str) -> None:
    """Link the construct to its antigen's target (an HLA-presented antigen), created when new."""
    target = find_target(session, antigen)
    if target is None:
        target = Target(symbol=antigen, gene_symbol=antigen, kind=HLA_PRESENTED,
                        source=f"antigen of an epitope of construct {construct.name}")
        session.add(target)
        session.flush()
        audit_event(session, actor, "create", "target", antigen, None, {"symbol": antigen, "kind": HLA_PRESENTED})
    linked = session.exec(
        select(ConstructTarget).where(ConstructTarget.construct_id == construct.id,
                                      ConstructTarget.target_id == target.id)
    ).scalars().first()
    if linked is None:
        position = session.exec(
            select(func.count()).select_from(ConstructTarget).where(ConstructTarget.construct_id == construct.id)
        ).scalar_one()
        session.add(ConstructTarget(construct_id=construct.id, target_id=target.id, position=position))


def write_epitopes(session: Session, actor: Actor, construct: Construct, drafts: list[EpitopeDraft]) -> Outcome:
    """Replace a construct's epitopes with ``drafts`` (already validated); audit the change."""
    before = _epitope_state(session, construct)
    after = [{key: getattr(d, key) for key in _EPITOPE_FIELDS} for d in drafts]
    if before == after:
        return "unchanged"
    session.execute(delete(Epitope).where(Epitope.construct_id == construct.id))
    for position, draft in enumerate(drafts):
        session.add(Epitope(construct_id=construct.id, position=position, **asdict(draft)))
        _link_antigen_target(session, actor, construct, draft.antigen)
    session.flush()
    audit_event(session, actor, "set epitopes", "construct", construct.name, {"epitopes": before}, {"epitopes": after})
    return "updated" if before else "created"


def set_epitopes(engine: Engine, actor: Actor, construct_name: str, epitopes: list[EpitopeDraft]) -> Outcome:
    """Replace what a construct recognises (its epitopes); each antigen becomes one of its targets."""
    require(actor, "curator", "edit epitopes")
    valid = validated_epitopes(construct_name, epitopes)
    with db.write_session(engine) as session:
        return write_epitopes(session, actor, live_construct(session, construct_name), valid)


def add_epitope(engine: Engine, actor: Actor, construct_name: str, epitope: EpitopeDraft) -> Outcome:
    """Add one epitope to a construct (an identical one already there changes nothing)."""
    require(actor, "curator", "edit epitopes")
    (valid,) = validated_epitopes(construct_name, [epitope])
    with db.write_session(engine) as session:
        construct = live_construct(session, construct_name)
        current = [EpitopeDraft(**state) for state in _epitope_state(session, construct)]
        if valid in current:
            return "unchanged"
        write_epitopes(session, actor, construct, current + [valid])
        return "created"


def _chain_state(session: Session, construct: Construct, source: str) -> list[dict[str, Any]]:
    rows = session.exec(
        select(TcrChain).where(TcrChain.construct_id == construct.id, TcrChain.source == source)
        .order_by(TcrChain.position)
    )
    return [{key: getattr(row, key) for key in _CHAIN_FIELDS} for row in rows.scalars()]


def set_tcr_chains(engine: Engine, actor: Actor, construct_name: str, chains: list[TcrChainDraft]) -> Outcome:
    """Replace a construct's curated TCR chains (in ORF order); detected chains stay beside them.

    A curated chain states what a curator knows (from a publication or a corrected detection):
    chain type, V and J genes, CDR3, constant region. An empty list removes the curated chains.
    """
    require(actor, "curator", "edit TCR chains")
    valid = _validated(construct_name, "chain", chains, validate_tcr_chain)
    with db.write_session(engine) as session:
        construct = live_construct(session, construct_name)
        before = _chain_state(session, construct, "curated")
        after = [{key: getattr(d, key) for key in _CHAIN_FIELDS} for d in valid]
        if before == after:
            return "unchanged"
        session.execute(delete(TcrChain).where(TcrChain.construct_id == construct.id, TcrChain.source == "curated"))
        for position, draft in enumerate(valid, start=1):
            values = {key: getattr(draft, key) for key in _CHAIN_FIELDS}
            session.add(TcrChain(construct_id=construct.id, position=position, source="curated", **values))
        session.flush()
        audit_event(session, actor, "set TCR chains", "construct", construct_name, {"tcr_chains": before},
               {"tcr_chains": after})
        return "updated" if before else "created"


def detected_chain_rows(construct_id: int, record_id: int, chains: list[TcrChainDraft]) -> list[dict[str, Any]]:
    """Rows of the TCR chains detected on one sequence record (bulk insert by the import)."""
    return [
        {"construct_id": construct_id, "sequence_record_id": record_id, "position": chain.position or number,
         "source": "detected", **{key: getattr(chain, key) for key in _CHAIN_FIELDS}}
        for number, chain in enumerate(chains, start=1)
    ]  # fmt: skip
