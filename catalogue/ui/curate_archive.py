"""Curate › Archive: archive a construct or trial (curators), restore an archived one (admins).

Archiving is a soft delete: the row leaves every browse page, count and chart,
and its history stays in the audit trail until an admin restores it.
"""

from __future__ import annotations

import streamlit as st

from catalogue import curation, read
from catalogue.ui import identity, saves, store, widgets


def archive(visitor: identity.Visitor) -> None:
    """Pick a construct or trial and archive it."""
    st.caption("An archived construct or trial disappears from the browse pages and every count; nothing is "
               "deleted, its history stays in the audit trail, and an admin can restore it.")
    saves.show("archive")
    kind = st.radio("Archive a", ["construct", "trial"], horizontal=True, key="archive_kind")
    if kind == "construct":
        options = widgets.construct_options("archive_construct")
        format_key = str
    else:
        titles = widgets.trial_options("archive_trial")
        options = list(titles)
        format_key = lambda key: f"{key} · {(titles.get(key) or 'title not recorded')[:90]}"
    key = st.selectbox(widgets.escaped(kind.capitalize()), options, index=None, placeholder=f"Choose a {kind}", key="archive_choice",
                       format_func=format_key)
    if st.button(f"Archive this {widgets.escaped(kind)}", key="archive_save", disabled=key is None, icon=":material/archive:"):
        _set_archived(visitor, kind, key, True, slot="archive", choice="archive_choice")


def restore(visitor: identity.Visitor) -> None:
    """Admins: list archived constructs and trials and restore one."""
    if not visitor.is_admin:
        st.caption("Only an admin can restore an archived construct or trial.")
        return
    saves.show("restore")
    archived = read.archived_records(store.engine())
    if archived.empty:
        st.caption("Nothing is archived.")
        return
    st.dataframe(archived, hide_index=True, width="stretch", key="archived_table",
                 column_config={"kind": "Kind", "key": "Name or registry ID", "description": "Modality or title",
                                "archived_at": st.column_config.DatetimeColumn("Archived", format="YYYY-MM-DD HH:mm")})
    choices = [f"{kind}: {key}" for kind, key in zip(archived["kind"], archived["key"])]
    chosen = st.selectbox("Restore", choices, index=None, placeholder="Choose an archived construct or trial",
                          key="restore_choice")
    if st.button("Restore", key="restore_save", disabled=chosen is None, icon=":material/unarchive:"):
        kind, key = chosen.split(": ", 1)
        _set_archived(visitor, kind, key, False, slot="restore", choice="restore_choice")


def _set_archived(visitor: identity.Visitor, kind: str, key: str, archived: bool, *, slot: str, choice: str) -> None:
    """Archive or restore, then show the outcome after a rerun (or the refusal now)."""
    try:
        outcome = curation.set_archived(store.engine(), visitor.actor, kind, key, archived)  # type: ignore[arg-type]
    except Exception as error:
        saves.failure(error)
        return
    st.session_state.pop(choice, None)
    done = "archived" if archived else "restored"
    saves.saved(slot, f"{widgets.escaped(kind.capitalize())} {widgets.escaped(key)} {widgets.escaped(done)} ({widgets.escaped(outcome)}).")
    st.rerun()
