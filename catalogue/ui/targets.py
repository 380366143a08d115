"""Targets: one row per antigen with its counts; a target's page (``?symbol=CD19``)."""

from __future__ import annotations

import streamlit as st

from catalogue import read
from catalogue.ui import store, tables, widgets

symbol = st.query_params.get("symbol")

if symbol:
    target = store.read("target_detail", symbol)
    if st.button("All targets", icon=":material/arrow_back:", type="tertiary"):
        del st.query_params["symbol"]
        st.rerun()
    if target is None:
        st.warning(f"No target named {widgets.escaped(repr(symbol))} in the catalogue.")
        st.stop()
    st.title(widgets.escaped(target["symbol"]))
    left, right = st.columns([2, 3])
    with left:
        widgets.facts(
            [
                ("Gene (HGNC)", target["gene_symbol"]),
                ("UniProt", target["uniprot"]),
                ("Aliases", target["aliases"]),
                ("Source", target["source"]),
            ],
            key="target_facts",
        )
        if target["uniprot"]:
            st.link_button(f"UniProt {widgets.escaped(target['uniprot'])}", read.uniprot_url(target["uniprot"]),
                           icon=":material/open_in_new:")
    with right:
        st.caption("Note")
        st.text(target["note"] or "No note recorded.")
        st.caption("Indications of its trials")
        if target["indications"]:
            st.dataframe(target["indications"], hide_index=True, width="stretch", key="target_indications",
                         column_config={"trials": st.column_config.NumberColumn("Trials")})
        else:
            st.text("No trials.")
    st.subheader(f"Constructs ({target['construct_count']:,})")
    if len(target["constructs"]):
        tables.constructs(target["constructs"], key="target_constructs")
        if target["construct_count"] > len(target["constructs"]):
            st.page_link("catalogue/ui/constructs.py", query_params={"target": target["symbol"]},
                         label=f"All {target['construct_count']:,} constructs of this target, with filters",
                         icon=":material/arrow_forward:")
    else:
        widgets.empty_state("No construct targets this antigen yet. Curators add constructs on the Curate page.")
    st.subheader(f"Trials ({target['trial_count']:,})")
    if len(target["trials"]):
        tables.trials(target["trials"], key="target_trials")
        if target["trial_count"] > len(target["trials"]):
            st.page_link("catalogue/ui/trials.py", query_params={"target": target["symbol"]},
                         label=f"All {target['trial_count']:,} trials of this target, with filters",
                         icon=":material/arrow_forward:")
    else:
        widgets.empty_state("No trial of the catalogue targets this antigen. Import registry records on Curate.")
    st.stop()

st.title("Targets")
overview = store.read("targets_overview")
if overview.empty:
    widgets.empty_state("No targets yet: load the demo (`catalogue init --demo`) or import constructs and trials.")
    st.stop()
st.caption(
    "One row per antigen. Counts are live records; a construct or trial with several targets counts under each. "
    "Patients treated are curated figures (infused patients, with a source), enrollment is from the registries; "
    "they are never added together. Select a row to open the target."
)
selection = st.dataframe(
    overview,
    hide_index=True,
    width="stretch",
    key="targets_table",
    on_select="rerun",
    selection_mode="single-row",
    placeholder="not recorded",
    column_order=["target", "gene_symbol", "uniprot", "constructs", "sequence_records", "trials", "patients_treated",
                  "enrollment_actual", "enrollment_estimated", "enrollment_unknown"],
    column_config={
        "target": st.column_config.TextColumn("Target", pinned=True),
        "gene_symbol": st.column_config.TextColumn("Gene"),
        "uniprot": st.column_config.TextColumn("UniProt"),
        "constructs": st.column_config.NumberColumn("Constructs"),
        "sequence_records": st.column_config.NumberColumn("Sequence records"),
        "trials": st.column_config.NumberColumn("Trials"),
        "patients_treated": st.column_config.NumberColumn(
            "Patients treated", help="Curated figures on trials and constructs; empty = not recorded"),
        "enrollment_actual": st.column_config.NumberColumn("Enrollment, actual", help="Registry, actual"),
        "enrollment_estimated": st.column_config.NumberColumn("Enrollment, estimated", help="Registry, planned"),
        "enrollment_unknown": st.column_config.NumberColumn("Enrollment, type unknown",
                                                            help="Registry count whose type is not stated"),
    },
)
rows = selection.selection.rows if selection else []
if rows:
    st.query_params["symbol"] = overview.iloc[rows[0]]["target"]
    st.rerun()
