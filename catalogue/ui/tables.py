"""Construct and trial tables as the pages show them (column labels, links, text-only cells)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from catalogue import read
from catalogue.ui import store, widgets
from catalogue.vocabulary import NOT_RECORDED

CONSTRUCT_COLUMNS = {
    "name": st.column_config.TextColumn("Construct", pinned=True, width="medium"),
    "targets": st.column_config.TextColumn("Targets"),
    "modality": st.column_config.TextColumn("Modality"),
    "binder_clone": st.column_config.TextColumn("Binder"),
    "binder_format": st.column_config.TextColumn("Binder format"),
    "hinge": st.column_config.TextColumn("Hinge"),
    "transmembrane": st.column_config.TextColumn("Transmembrane"),
    "costimulatory": st.column_config.TextColumn("Costimulatory"),
    "signalling": st.column_config.TextColumn("Signalling"),
    "generation": st.column_config.NumberColumn("Gen."),
    "status": st.column_config.TextColumn("Status"),
    "programme": st.column_config.TextColumn("Programme"),
    "developer": st.column_config.TextColumn("Developer"),
    "patients_treated": st.column_config.NumberColumn("Patients treated", help="Curated; empty = not recorded"),
    "sequence_records": st.column_config.NumberColumn("Seq. records"),
    "trials": st.column_config.NumberColumn("Trials"),
}

TRIAL_COLUMNS = {
    "registry_id": st.column_config.TextColumn("Registry ID", pinned=True),
    "registry_url": st.column_config.LinkColumn("Registry page", display_text="open ↗"),
    "title": st.column_config.TextColumn("Title", width="large"),
    "targets": st.column_config.TextColumn("Targets"),
    "modality": st.column_config.TextColumn("Modality"),
    "phase": st.column_config.TextColumn("Phase"),
    "status": st.column_config.TextColumn("Status"),
    "indication": st.column_config.TextColumn("Indication"),
    "lead_sponsor": st.column_config.TextColumn("Lead sponsor", width="medium"),
    "countries": st.column_config.TextColumn("Countries"),
    "start_date": st.column_config.TextColumn("Start"),
    "enrollment_count": st.column_config.NumberColumn("Enrollment"),
    "enrollment_type": st.column_config.TextColumn("Enrollment type"),
    "patients_treated": st.column_config.NumberColumn("Patients treated", help="Curated; empty = not recorded"),
    "constructs": st.column_config.TextColumn("Constructs"),
    "also_registered_as": st.column_config.TextColumn("Also registered as",
                                                      help="Other registrations of the same study (counted once)"),
}


def constructs(frame: pd.DataFrame, *, key: str, selectable: bool = False):
    """A table of constructs (rows of :func:`catalogue.read.construct_page`)."""
    return st.dataframe(
        frame, hide_index=True, width="stretch", key=key, column_config=CONSTRUCT_COLUMNS,
        column_order=list(CONSTRUCT_COLUMNS), placeholder=NOT_RECORDED,
        on_select="rerun" if selectable else "ignore", selection_mode="single-row",
    )


def trials(frame: pd.DataFrame, *, key: str, selectable: bool = False):
    """A table of trials (rows of :func:`catalogue.read.trial_page`)."""
    return st.dataframe(
        frame, hide_index=True, width="stretch", key=key, column_config=TRIAL_COLUMNS,
        column_order=list(TRIAL_COLUMNS), placeholder=NOT_RECORDED,
        on_select="rerun" if selectable else "ignore", selection_mode="single-row",
    )


def selected_row(event) -> int | None:
    """The row a single-row selection chose, if any."""
    rows = event.selection.rows if event is not None and hasattr(event, "selection") else []
    return rows[0] if rows else None


def browse(page_of: Callable[..., read.TablePage], filters: dict[str, Any], *, show: Callable, key: str,
           param: str, column: str, caption: str, empty: str) -> None:
    """One page of a browse table: the pager, the rows (``show``: :func:`constructs` or :func:`trials`), and a
    selected row opening its page (``?param=`` its ``column``). ``page_of`` is the read function of the table
    (:func:`catalogue.read.construct_page`, :func:`catalogue.read.trial_page`); ``empty`` says why no row shows."""
    total = page_of(store.engine(), limit=0, **filters).total
    limit, offset = widgets.pager(total)
    page = page_of(store.engine(), limit=limit, offset=offset, **filters)
    if page.total == 0:
        widgets.empty_state(empty)
        st.stop()
    st.caption(caption)
    row = selected_row(show(page.rows, key=key, selectable=True))
    if row is not None:
        st.query_params[param] = page.rows.iloc[row][column]
        st.rerun()
