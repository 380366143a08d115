"""Curate › Constructs: edit a construct's fields, and accept the architecture detected in its sequence."""

from __future__ import annotations

from typing import Any

import streamlit as st

from catalogue import curation
from catalogue.drafts import MODALITIES
from catalogue.errors import EditConflict
from catalogue.ui import identity, saves, store, widgets

TEXT_FIELDS = ("binder_clone", "binder_format", "binder_species", "hinge", "transmembrane", "signalling", "vector",
               "developer", "status", "source")
LIST_FIELDS = ("targets", "aliases", "costimulatory")
ARCHITECTURE_FIELDS = ("binder_format", "hinge", "transmembrane", "costimulatory", "signalling", "generation")


def _edit_form(visitor: identity.Visitor, name: str) -> None:
    version_key = f"edit_version::{name}"
    if version_key not in st.session_state:
        detail = store.read("construct_detail", name)
        st.session_state[version_key] = (detail["version"], detail)
    version, shown_detail = st.session_state[version_key]
    st.caption(f"Editing version {version:d}. If someone saves a newer version first, your save is refused and "
               "the newer values are shown.")
    with st.form(f"edit_{name}_{version}", border=False):
        values: dict[str, Any] = {}
        left, right = st.columns(2)
        values["modality"] = left.selectbox("Modality", MODALITIES, index=MODALITIES.index(shown_detail["modality"]))
        for i, field in enumerate(LIST_FIELDS):
            column = right if i % 2 == 0 else left
            values[field] = column.text_input(f"{widgets.escaped(field.capitalize())} (comma-separated)",
                                              ", ".join(shown_detail[field] or []))
        for i, field in enumerate(TEXT_FIELDS):
            column = left if i % 2 == 0 else right
            values[field] = column.text_input(widgets.escaped(field.replace("_", " ").capitalize()),
                                              shown_detail[field] or "")
        generation = left.number_input("Generation", min_value=1, max_value=5, step=1,
                                       value=shown_detail["generation"], placeholder="not recorded")
        values["generation"] = int(generation) if generation is not None else None
        values["notes"] = st.text_area("Notes", shown_detail["notes"] or "")
        submitted = st.form_submit_button("Save changes", type="primary")
    if submitted:
        _save_changes(visitor, name, shown_detail, version, values)
    saves.reload_button("construct", version_key)


def _save_changes(visitor: identity.Visitor, name: str, shown_detail: dict[str, Any], version: int,
                  values: dict[str, Any]) -> None:
    version_key = f"edit_version::{name}"
    changes = {}
    for field, value in values.items():
        if field in LIST_FIELDS:
            value = [v.strip() for v in value.split(",") if v.strip()]
            old = list(shown_detail[field] or [])
        elif isinstance(value, str):
            value = value.strip() or None
            old = shown_detail[field]
        else:
            old = shown_detail[field]
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
    detail = store.read("construct_detail", name)
    records = detail["sequence_records"] if detail else []
    if not records:
        st.caption("This construct has no sequence record, so there is no detected architecture to accept. "
                   "Upload its sequence in the Sequences tab.")
        return
    newest = records[-1]
    st.caption(f"Domain detection on its newest sequence record ({widgets.escaped(newest['file_name'])} / "
               f"{widgets.escaped(newest['record_id'])}) proposes binder format, hinge, transmembrane, "
               "costimulatory, signalling and generation. Accepting writes them to the construct; fields the "
               "detection does not find are left as they are.")
    widgets.facts([(field, detail[field]) for field in ARCHITECTURE_FIELDS], key="architecture_now")
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
            store.written()
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
