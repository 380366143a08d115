"""Curate › Constructs: edit a construct's fields, and accept the architecture detected in its sequence."""

from __future__ import annotations

from typing import Any

import streamlit as st

from catalogue import curation, read
from catalogue.errors import EditConflict
from catalogue.ui import identity, saves, store, widgets
from catalogue.vocabulary import MODALITIES, NOT_RECORDED

TEXT_FIELDS = ("binder_clone", "binder_format", "binder_species", "receptor", "hinge", "transmembrane", "signalling", "vector",
               "developer", "status", "source")
LIST_FIELDS = ("targets", "aliases", "costimulatory")
ARCHITECTURE_FIELDS = ("modality", "binder_format", "hinge", "transmembrane", "costimulatory", "signalling",
                       "generation")


def _edit_form(visitor: identity.Visitor, name: str) -> None:
    version_key = f"edit_version::{name}"
    if version_key not in st.session_state:
        detail = read.construct_detail(store.engine(), name)
        st.session_state[version_key] = (detail.version, detail)
    version, shown_detail = st.session_state[version_key]
    st.caption(f"Editing version {version:d}. If someone saves a newer version first, your save is refused and "
               "the newer values are shown.")
    with st.form(f"edit_{name}_{version}", border=False):
        values: dict[str, Any] = {}
        left, right = st.columns(2)
        values["modality"] = left.selectbox(
            "Modality", MODALITIES, placeholder="not recorded",
            index=MODALITIES.index(shown_detail.modality) if shown_detail.modality in MODALITIES else None)
        for i, field in enumerate(LIST_FIELDS):
            column = right if i % 2 == 0 else left
            values[field] = column.text_input(f"{widgets.escaped(field.capitalize())} (comma-separated)",
                                              ", ".join(getattr(shown_detail, field) or []))
        for i, field in enumerate(TEXT_FIELDS):
            column = left if i % 2 == 0 else right
            values[field] = column.text_input(widgets.escaped(field.replace("_", " ").capitalize()),
                                              getattr(shown_detail, field) or "")
        generation = left.number_input("Generation", min_value=1, max_value=5, step=1,
                                       value=shown_detail.generation, placeholder=NOT_RECORDED)
        values["generation"] = int(generation) if generation is not None else None
        values["notes"] = st.text_area("Notes", shown_detail.notes or "")
        submitted = st.form_submit_button("Save changes", type="primary")
    if submitted:
        _save_changes(visitor, name, shown_detail, version, values)
    saves.reload_button("construct", version_key)


def _save_changes(visitor: identity.Visitor, name: str, shown_detail: read.ConstructDetail, version: int,
                  values: dict[str, Any]) -> None:
    version_key = f"edit_version::{name}"
    changes = {}
    for field, value in values.items():
        if field in LIST_FIELDS:
            value = [v.strip() for v in value.split(",") if v.strip()]
            old = list(getattr(shown_detail, field) or [])
        elif isinstance(value, str):
            value = value.strip() or None
            old = getattr(shown_detail, field)
        else:
            old = getattr(shown_detail, field)
        if value != old:
            changes[field] = value
    if not changes:
        st.info("Nothing changed.")
        return
    try:
        after = curation.update_construct(store.engine(), visitor.actor, name, changes, expected_version=version)
    except EditConflict as conflict:
        saves.conflict(conflict, fields=sorted(set(curation.EDITABLE_CONSTRUCT_FIELDS) | {"targets"}),
                       seen=shown_detail, key="construct")
        saves.stale("construct", version_key)
        return
    except Exception as error:
        saves.failure(error)
        return
    del st.session_state[version_key]
    saves.saved("construct_fields", f"Saved {widgets.escaped(name)} as version {after['version']:d}.",
                [(field, after.get(field, value)) for field, value in changes.items()])
    st.rerun()


def _accept_architecture(visitor: identity.Visitor, name: str) -> None:
    detail = read.construct_detail(store.engine(), name)
    records = detail.sequence_records if detail else []
    if not records:
        st.caption("This construct has no sequence record, so there is no detected architecture to accept. "
                   "Upload its sequence in the Sequences tab.")
        return
    newest = records[-1]
    st.caption(f"Domain detection on its newest sequence record ({widgets.escaped(newest['file_name'])} / "
               f"{widgets.escaped(newest['record_id'])}) proposes binder format, hinge, transmembrane, "
               "costimulatory, signalling and generation. Accepting writes them to the construct; fields the "
               "detection does not find are left as they are.")
    widgets.facts([(field, getattr(detail, field)) for field in ARCHITECTURE_FIELDS], key="architecture_now")
    if st.button("Accept the detected architecture", key="accept_architecture"):
        try:
            changed = curation.accept_architecture(store.engine(), visitor.actor, name)
        except Exception as error:
            saves.failure(error)
            return
        st.session_state.pop(f"edit_version::{name}", None)  # the construct's version moved on
        if changed:
            saves.saved("architecture", f"{widgets.escaped(name)}: {len(changed)} field(s) set from the detected "
                        "architecture.", sorted(changed.items()))
        else:
            st.session_state["curate_outcome::architecture_same"] = True
        st.rerun()
    if st.session_state.pop("curate_outcome::architecture_same", False):
        st.info("The construct already matches the detected architecture: nothing changed.")


def edit_construct(visitor: identity.Visitor) -> None:
    """Choose a construct, then edit its fields or accept its detected architecture."""
    names = widgets.construct_options("edit")
    if not names:
        widgets.empty_state("No construct matches the search, or there are none yet: upload a sequence file "
                            "(it creates one) or load the demo.")
        return
    name = st.selectbox("Construct", names, index=None, placeholder="Choose a construct (type to search)",
                        key="edit_choice")
    saves.show("construct_fields")
    saves.show("architecture")
    if not name:
        return
    fields_column, architecture_column = st.columns([3, 2])
    with fields_column.container(border=True):
        st.markdown("**Fields**")
        _edit_form(visitor, name)
    with architecture_column.container(border=True):
        st.markdown("**Detected architecture**")
        _accept_architecture(visitor, name)
    saves.show("tcr_facts")
    with st.container(border=True):
        st.markdown("**What the TCR recognises, and its chains**")
        _tcr_facts(visitor, name)


def _tcr_facts(visitor: identity.Visitor, name: str) -> None:
    """Add an epitope (peptide, HLA restriction) and state the TCR chains (genes, CDR3) of a construct."""
    from catalogue.drafts import EpitopeDraft, TcrChainDraft

    detail = read.construct_detail(store.engine(), name)
    left, right = st.columns(2)
    with left.form(f"epitope_{name}", clear_on_submit=False):
        st.caption("Add an epitope; its antigen becomes one of the construct's targets.")
        antigen = st.text_input("Antigen (gene symbol)", placeholder="CTAG1B")
        peptide = st.text_input("Peptide (8-25 amino acids)", placeholder="SLLMWITQC")
        hla = st.text_input("HLA restriction", placeholder="HLA-A*02:01")
        uniprot = st.text_input("UniProt accession (optional)")
        first = st.number_input("First residue in the antigen (optional)", min_value=1, value=None, step=1)
        source = st.text_input("Source")
        if st.form_submit_button("Add epitope", disabled=not visitor.can_curate):
            last = first + len(peptide.strip()) - 1 if first else None
            try:
                outcome = curation.add_epitope(store.engine(), visitor.actor, name, EpitopeDraft(
                    antigen=antigen, peptide=peptide, hla=hla, uniprot=uniprot or None, peptide_start=first,
                    peptide_end=last, source=source or None))
            except Exception as error:  # noqa: BLE001 (shown as a message; nothing was written)
                saves.failure(error)
            else:
                saves.saved("tcr_facts", f"{widgets.escaped(name)}: epitope {widgets.escaped(outcome)}.")
                st.rerun()
    with right.form(f"chains_{name}", clear_on_submit=False):
        st.caption("State the TCR chains (replaces the curated chains; detected ones stay beside them).")
        current = [c for c in detail.tcr_chains if c.source == "curated"] or detail.tcr_chains
        rows = [{key: getattr(c, key) for key in ("chain", "v_gene", "j_gene", "cdr3", "constant")} for c in current]
        edited = st.data_editor(
            rows or [{"chain": "alpha", "v_gene": None, "j_gene": None, "cdr3": None, "constant": None}],
            num_rows="dynamic", hide_index=True, key=f"chains_editor_{name}",
            column_config={"chain": st.column_config.SelectboxColumn("Chain", options=["alpha", "beta", "gamma",
                                                                                       "delta"]),
                           "v_gene": "V gene", "j_gene": "J gene", "cdr3": "CDR3 (C...F/W)", "constant": "Constant"})
        if st.form_submit_button("Save chains", disabled=not visitor.can_curate):
            chains = [TcrChainDraft(chain=r.get("chain") or "", v_gene=r.get("v_gene"), j_gene=r.get("j_gene"),
                                    cdr3=r.get("cdr3"), constant=r.get("constant"), source="curated")
                      for r in edited if any(r.get(k) for k in ("v_gene", "j_gene", "cdr3", "constant"))]
            try:
                outcome = curation.set_tcr_chains(store.engine(), visitor.actor, name, chains)
            except Exception as error:  # noqa: BLE001
                saves.failure(error)
            else:
                saves.saved("tcr_facts", f"{widgets.escaped(name)}: {len(chains)} curated chain(s), {widgets.escaped(outcome)}.")
                st.rerun()
