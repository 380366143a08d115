"""How Curate reports its writes: what was written, a refusal, an edit conflict.

Every write raises the catalogue revision, so every page shows the change at
its next rerun (:mod:`catalogue.read.cache`); a save's outcome is kept in the
session so it can be shown after the page reruns with the new values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import streamlit as st

from catalogue import read
from catalogue.errors import CatalogueError, EditConflict
from catalogue.ui import widgets

_OUTCOME_KEY = "curate_outcome::"
_STALE_KEY = "curate_stale::"


def failure(error: Exception) -> None:
    """An error as a message: a catalogue error says what was wrong; anything else says nothing was written."""
    if isinstance(error, CatalogueError):
        st.error(widgets.escaped(str(error)), icon=":material/block:")
    else:
        st.error(f"The catalogue could not complete this ({widgets.escaped(error.__class__.__name__)}); nothing was written.")


def conflict(error: EditConflict, *, fields: Iterable[str] | None = None, seen: read.ReadModel | None = None,
             key: str) -> None:
    """A stale edit refused: its message and the newer values (those that differ from what the editor saw)."""
    st.error(widgets.escaped(str(error)), icon=":material/sync_problem:")
    current = error.current or {}
    names = [f for f in (fields if fields is not None else sorted(current)) if f in current]
    if seen is not None:
        names = [f for f in names if current.get(f) != getattr(seen, f, None)] or names
    if names:
        st.caption("The newer values, saved by someone else (nothing of yours was written):")
        widgets.facts([(f, current[f]) for f in names], key=f"conflict_{key}")


def stale(slot: str, pin_key: str) -> None:
    """Remember that the edit pinned at ``pin_key`` (session state: the version being edited) met a conflict."""
    st.session_state[_STALE_KEY + slot] = pin_key


def reload_button(slot: str, pin_key: str) -> None:
    """After a conflict on this edit: a button that drops the stale version so the newer values load."""
    if st.session_state.get(_STALE_KEY + slot) != pin_key:
        return
    if st.button("Load the newer version", key=f"reload_{slot}", icon=":material/refresh:"):
        st.session_state.pop(pin_key, None)
        st.session_state.pop(_STALE_KEY + slot, None)
        st.rerun()


def saved(slot: str, message: str, rows: Sequence[tuple[str, Any]] = ()) -> None:
    """Record a successful write: keep its outcome to show after the rerun."""
    st.session_state[_OUTCOME_KEY + slot] = (message, list(rows))


def show(slot: str) -> None:
    """Show (once) what the last save in ``slot`` wrote."""
    outcome = st.session_state.pop(_OUTCOME_KEY + slot, None)
    if outcome is None:
        return
    message_markdown, rows = outcome  # escaped by the callers of saved()
    st.success(message_markdown, icon=":material/check_circle:")
    if rows:
        widgets.facts(rows, key=f"written_{slot}")
