"""Trials: a filterable table paginated in SQL, and a trial's page (``?id=NCT...``)."""

from __future__ import annotations

import streamlit as st

from catalogue.ui import store, tables, widgets

registry_id = st.query_params.get("id")


def _trial_page(registry_id: str) -> None:
    if st.button("All trials", icon=":material/arrow_back:", type="tertiary"):
        del st.query_params["id"]
        st.rerun()
    trial = store.read("trial_record", registry_id)
    if trial is None or trial["archived_at"] is not None:
        st.warning(f"No trial {registry_id!r} in the catalogue" + (" (it is archived)." if trial else "."))
        return
    st.title(widgets.escaped(registry_id))
    st.text(trial["title"] or "Title not recorded")
    if trial["registry_url"]:
        st.link_button(f"Open in {trial['registry']}", trial["registry_url"], icon=":material/open_in_new:")
    if len(trial["registrations"]) > 1:
        st.markdown("**Registrations of this study** (counted once, as "
                    f"{widgets.escaped(trial['study'])})")
        st.dataframe(trial["registrations"], hide_index=True, width="stretch", key="trial_registrations",
                     column_order=["registry", "registry_id", "url"],
                     column_config={"registry": "Registry", "registry_id": "Registry ID",
                                    "url": st.column_config.LinkColumn("Public page", display_text="open ↗")})
    left, right = st.columns(2)
    with left:
        widgets.facts([
            ("Registry", trial["registry"]),
            ("Targets", trial["targets"]),
            ("Phase", trial["phase"]),
            ("Status", trial["status"]),
            ("Indication", trial["indication"]),
            ("Indication category", trial["indication_category"]),
            ("Conditions", trial["conditions"]),
            ("Interventions", trial["interventions"]),
            ("Products named", trial["products"]),
        ], key="trial_facts")
    with right:
        enrollment = trial["enrollment_count"]
        widgets.facts([
            ("Lead sponsor", trial["lead_sponsor"]),
            ("Countries", trial["countries"]),
            ("Start", trial["start_date"]),
            ("Last update", trial["last_update"]),
            ("Secondary IDs", trial["secondary_ids"]),
            ("Enrollment (registry)", None if enrollment is None else f"{enrollment} ({trial['enrollment_type']})"),
            ("Patients treated (curated)", trial["patients_treated"]),
            ("Patients treated: source", trial["patients_treated_source"]),
            ("Cell source", trial["cell_source"]),
            ("Record source", trial["record_source"]),
            ("Snapshot", trial["snapshot_date"]),
        ], key="trial_facts_2")
    st.subheader("Linked constructs")
    if trial["constructs"]:
        event = st.dataframe(
            [{**c, "link": "curated" if c["curated"] else "matched by product name"} for c in trial["constructs"]],
            hide_index=True, width="stretch", key="trial_constructs", on_select="rerun", selection_mode="single-row",
            column_order=["name", "modality", "link"],
            column_config={"name": "Construct", "modality": "Modality", "link": "Link"},
        )
        row = tables.selected_row(event)
        st.caption("Select a construct to open it.")
        if row is not None:
            st.switch_page("catalogue/ui/constructs.py", query_params={"name": trial["constructs"][row]["name"]})
    else:
        widgets.empty_state("No construct is linked to this trial. Curators link constructs on the Curate page.")


if registry_id:
    _trial_page(registry_id)
    st.stop()

st.title("Trials")
facets = store.read("trial_facets")
first_year, last_year = facets["years"]
keys = ("target", "phase", "status", "indication", "country", "sponsor", "year_from", "year_to")
before = {key: st.query_params.get(key) for key in keys}
row1 = st.columns(4)
filters = {
    "target": widgets.url_select("Target", facets["target"], "target", container=row1[0]),
    "phase": widgets.url_select("Phase", facets["phase"], "phase", container=row1[1]),
    "status": widgets.url_select("Status", list(facets["status"]), "status", container=row1[2],
                                 format_func=facets["status"].get),
    "indication": widgets.url_select("Indication", facets["indication"], "indication", container=row1[3]),
}
row2 = st.columns(4)
years = list(range(first_year, last_year + 1)) if first_year is not None else []
filters |= {
    "country": widgets.url_select("Country", facets["country"], "country", container=row2[0]),
    "sponsor": widgets.url_select("Lead sponsor", facets["sponsor"], "sponsor", container=row2[1]),
    "year_from": widgets.url_select("Started from", years, "year_from", container=row2[2]),
    "year_to": widgets.url_select("Started until", years, "year_to", container=row2[3]),
}
if any(before[k] != (str(filters[k]) if filters[k] is not None else None) for k in keys):
    widgets.reset_page()
total = store.read("trial_page", limit=0, **filters).total
limit, offset = widgets.pager(total)
page = store.read("trial_page", limit=limit, offset=offset, **filters)
if page.total == 0:
    widgets.empty_state(
        "No trial matches these filters: set a filter back to Any."
        if any(v is not None for v in filters.values()) else
        "No trials yet. Load the demo (`catalogue init --demo`) or import registry files on the Curate page."
    )
    st.stop()
st.caption("Newest start first. Select a row to open the trial; the registry link opens its public page. "
           "Enrollment is the registry's figure (actual or estimated); patients treated are curated.")
event = tables.trials(page.rows, key="trials_table", selectable=True)
row = tables.selected_row(event)
if row is not None:
    st.query_params["id"] = page.rows.iloc[row]["registry_id"]
    st.rerun()
