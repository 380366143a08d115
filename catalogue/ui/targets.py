"""Targets: one row per antigen with its counts; a target's page (``?symbol=CD19``)."""

from __future__ import annotations

import streamlit as st

from catalogue import read
from catalogue.ui import store, tables, widgets
from catalogue.vocabulary import NOT_RECORDED, uniprot_url

symbol = st.query_params.get("symbol")

if symbol:
    target = read.target_detail(store.engine(), symbol)
    if st.button("All targets", icon=":material/arrow_back:", type="tertiary"):
        del st.query_params["symbol"]
        st.rerun()
    if target is None:
        st.warning(f"No target named {widgets.escaped(repr(symbol))} in the catalogue.")
        st.stop()
    st.title(widgets.escaped(target.symbol))
    counts = read.target_counts(store.engine(), target.symbol)
    if counts:
        figures = st.columns(4)
        widgets.tile(figures[0], "Patients treated (published)", counts["patients_treated"],
                     "Published results on the target's trials and constructs (the latest of each).")
        widgets.tile(figures[1], "Enrollment, actual", counts["enrollment_actual"],
                     f"Registry, actual: {widgets.escaped(counts['trials_enrollment_actual'])} trials state it.")
        widgets.tile(figures[2], "Enrollment, estimated", counts["enrollment_estimated"],
                     f"Registry, planned: {widgets.escaped(counts['trials_enrollment_estimated'])} trials state it.")
        inferred = counts["enrollment_unknown_inferred_actual"]
        widgets.tile(figures[3], "Enrollment, type not given", counts["enrollment_unknown"],
                     f"Registry count whose type the source does not give ({widgets.escaped(counts['trials_enrollment_unknown'])} "
                     "trials)" + (f"; {widgets.escaped(inferred)} of it inferred actual (completed, terminated or withdrawn "
                                  "ClinicalTrials.gov studies)" if inferred is not None else "") + ".")
    left, right = st.columns([2, 3])
    with left:
        widgets.facts(
            [
                ("Kind", target.kind),
                ("Gene (HGNC)", target.gene_symbol),
                ("UniProt", target.uniprot),
                ("Aliases", target.aliases),
                ("Source", target.source),
            ],
            key="target_facts",
        )
        if target.uniprot:
            st.link_button(f"UniProt {widgets.escaped(target.uniprot)}", uniprot_url(target.uniprot),
                           icon=":material/open_in_new:")
    with right:
        st.caption("Note")
        st.text(target.note or "No note recorded.")
        st.caption("Indications of its trials")
        if target.indications:
            st.dataframe(target.indications, hide_index=True, width="stretch", key="target_indications",
                         column_config={"trials": st.column_config.NumberColumn("Trials")})
        else:
            st.text("No trials.")
    for noun, count, table, empty in (
        ("constructs", target.construct_count, tables.constructs,
         "No construct targets this antigen yet. Curators add constructs on the Curate page."),
        ("trials", target.trial_count, tables.trials,
         "No trial of the catalogue targets this antigen. Import registry records on Curate."),
    ):
        rows = getattr(target, noun)
        st.subheader(f"{widgets.escaped(noun.capitalize())} ({widgets.escaped(count)})")
        if not len(rows):
            widgets.empty_state(widgets.escaped(empty))
            continue
        table(rows, key=f"target_{noun}")
        if count > len(rows):
            st.page_link(f"catalogue/ui/{noun}.py", query_params={"target": target.symbol},
                         label=f"All {widgets.escaped(count)} {widgets.escaped(noun)} of this target, with filters", icon=":material/arrow_forward:")
    st.stop()

st.title("Targets")
overview = read.targets_overview(store.engine())
if overview.empty:
    widgets.empty_state("No targets yet: load the demo (`catalogue init --demo`) or import constructs and trials.")
    st.stop()
st.caption(
    "One row per antigen. Counts are live records; a construct or trial with several targets counts under each. "
    "Patients treated are published results (patients who received a product, each with its publication); "
    "enrollment is from the registries in three kinds (actual, estimated, type not given), never added to them. "
    "Empty = not recorded (no trial of the target states that kind), never 0. Select a row to open the target."
)
selection = st.dataframe(
    overview,
    hide_index=True,
    width="stretch",
    key="targets_table",
    on_select="rerun",
    selection_mode="single-row",
    placeholder=NOT_RECORDED,
    column_order=["target", "kind", "gene_symbol", "uniprot", "constructs", "sequence_records", "trials", "patients_treated",
                  "enrollment_actual", "enrollment_estimated", "enrollment_unknown",
                  "enrollment_unknown_inferred_actual"],
    column_config={
        "target": st.column_config.TextColumn("Target", pinned=True),
        "kind": st.column_config.TextColumn("Kind", help="surface antigen (CAR targets) or HLA-presented "
                                            "intracellular antigen (TCR targets)"),
        "gene_symbol": st.column_config.TextColumn("Gene"),
        "uniprot": st.column_config.TextColumn("UniProt"),
        "constructs": st.column_config.NumberColumn("Constructs"),
        "sequence_records": st.column_config.NumberColumn("Sequence records"),
        "trials": st.column_config.NumberColumn("Trials"),
        "patients_treated": st.column_config.NumberColumn(
            "Patients treated", help="Published results on trials and constructs; empty = not recorded"),
        "enrollment_actual": st.column_config.NumberColumn("Enrollment, actual", help="Registry, actual"),
        "enrollment_estimated": st.column_config.NumberColumn("Enrollment, estimated", help="Registry, planned"),
        "enrollment_unknown": st.column_config.NumberColumn("Enrollment, type not given",
                                                            help="Registry count whose type is not stated"),
        "enrollment_unknown_inferred_actual": st.column_config.NumberColumn(
            "of which inferred actual",
            help="Part of the type-not-given enrollment from completed, terminated or withdrawn ClinicalTrials.gov "
                 "studies, which report actual enrollment; never added to the stated figures"),
    },
)
rows = selection.selection.rows if selection else []
if rows:
    st.query_params["symbol"] = overview.iloc[rows[0]]["target"]
    st.rerun()
