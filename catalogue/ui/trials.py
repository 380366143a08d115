"""Trials: a filterable table paginated in SQL, and a trial's page (``?id=NCT...``)."""

from __future__ import annotations

import streamlit as st

from catalogue import read
from catalogue.ui import store, tables, widgets

registry_id = st.query_params.get("id")


def _trial_page(registry_id: str) -> None:
    widgets.back_button("All trials", "id")
    trial = read.trial_record(store.engine(), registry_id)
    if not widgets.live(trial, f"No trial {registry_id!r}"):
        return
    st.title(widgets.escaped(registry_id))
    st.text(trial.title or "Title not recorded")
    if trial.registry_url:
        st.link_button(f"Open in {widgets.escaped(trial.registry)}", trial.registry_url, icon=":material/open_in_new:")
    if len(trial.registrations) > 1:
        st.markdown("**Registrations of this study** (counted once, as "
                    f"{widgets.escaped(trial.study)})")
        st.dataframe(read.to_json(trial.registrations), hide_index=True, width="stretch", key="trial_registrations",
                     column_order=["registry", "registry_id", "url"],
                     column_config={"registry": "Registry", "registry_id": "Registry ID",
                                    "url": st.column_config.LinkColumn("Public page", display_text="open ↗")})
    left, right = st.columns(2)
    with left:
        widgets.facts([
            ("Registry", trial.registry),
            ("Modality", trial.modality),
            ("Targets", trial.targets),
            ("Phase", trial.phase),
            ("Status", trial.status),
            ("Indication", trial.indication),
            ("Indication category", trial.indication_category),
            ("Conditions", trial.conditions),
            ("Interventions", trial.interventions),
            ("Products named", trial.products),
        ], key="trial_facts")
    with right:
        enrollment = trial.enrollment_count
        widgets.facts([
            ("Lead sponsor", trial.lead_sponsor),
            ("Countries", trial.countries),
            ("Start", trial.start_date),
            ("Last update", trial.last_update),
            ("Secondary IDs", trial.secondary_ids),
            ("Enrollment (registry)", None if enrollment is None else f"{enrollment} ({trial.enrollment_type})"),
            ("Patients treated (curated)", trial.patients_treated),
            ("Patients treated: source", trial.patients_treated_source),
            ("Cell source", trial.cell_source),
            ("Record source", trial.record_source),
            ("Snapshot", trial.snapshot_date),
        ], key="trial_facts_2")
    st.subheader("Why these targets")
    if trial.evidence_rows:
        st.caption("The words of the registry record, or the named product (with the source of its targets), "
                   "that led to each target. A target nothing supports is not given."
                   + (" The targets above were set by a curator." if trial.targets_curated else ""))
        st.dataframe(read.to_json(trial.evidence_rows), hide_index=True, width="stretch", key="trial_evidence",
                     column_order=["target", "led_by", "detail"],
                     column_config={"target": "Target", "led_by": "Led by", "detail": "Words or source"})
    else:
        widgets.empty_state("Nothing in the record names a target: the targets are left empty, not guessed."
                            + (" The targets above were set by a curator." if trial.targets_curated else ""))
    st.subheader("Linked constructs")
    if trial.constructs:
        event = st.dataframe(
            [{**read.to_json(c), "link": "curated" if c.curated else "matched by product name"} for c in trial.constructs],
            hide_index=True, width="stretch", key="trial_constructs", on_select="rerun", selection_mode="single-row",
            column_order=["name", "modality", "link"],
            column_config={"name": "Construct", "modality": "Modality", "link": "Link"},
        )
        row = tables.selected_row(event)
        st.caption("Select a construct to open it.")
        if row is not None:
            st.switch_page("catalogue/ui/constructs.py", query_params={"name": trial.constructs[row].name})
    else:
        widgets.empty_state("No construct is linked to this trial. Curators link constructs on the Curate page.")


if registry_id:
    _trial_page(registry_id)
    st.stop()

st.title("Trials")
filters = widgets.facet_filters(read.TRIAL_FACETS.facets, read.trial_facets(store.engine()), per_row=4)
tables.browse(
    read.trial_page, filters, show=tables.trials, key="trials_table", param="id", column="registry_id",
    caption="Newest start first. Select a row to open the trial; the registry link opens its public page. "
            "Enrollment is the registry's figure (actual or estimated); patients treated are curated.",
    empty="No trial matches these filters: set a filter back to Any." if any(v is not None for v in filters.values())
    else "No trials yet. Load the demo (`catalogue init --demo`) or import registry files on the Curate page.",
)
