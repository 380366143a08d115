"""Portfolio: the programme at a glance, for programme leads (the default page)."""

from __future__ import annotations

import streamlit as st

from catalogue import charts
from catalogue.ui import store, widgets

ALL = "Everything in the catalogue"

st.title("Portfolio")
programme_names = [p["name"] for p in store.read("programmes")]
scope = widgets.url_select(
    "Sponsor or programme", programme_names, "programme",
    help_text="A programme's trials: those its sponsor leads and those linked to its constructs.",
    any_label=ALL,
)
data = store.read("portfolio", scope)
tiles = data["tiles"]
scope_words = scope or "everything in the catalogue"
st.caption(f"Showing {widgets.escaped(scope_words)}. Counts are of live (not archived) records.")

if tiles["trials"] == 0 and tiles["constructs"] == 0:
    widgets.empty_state(
        "The catalogue is empty. Load the demo with `catalogue init --demo`, or import sequence files and "
        "trial records on the Curate page (or with `catalogue import`)."
    )
    st.stop()

counts = st.columns(3)
widgets.tile(counts[0], "Targets", tiles["targets"], "Antigens with at least one construct or trial in this selection.")
widgets.tile(counts[1], "Constructs", tiles["constructs"], "Constructs recorded (a tandem construct counts once).")
widgets.tile(counts[2], "Trials", tiles["trials"], "Registered clinical trials.")
people = st.columns(3)
widgets.tile(people[0], "Patients treated (curated)", tiles["patients_treated"],
             "Curated figures of patients who received a product, on trials and constructs; each has a source. "
             "Not derived from enrollment.")
widgets.tile(people[1], "Enrollment, actual (registry)", tiles["enrollment_actual"],
             "Registry enrollment of trials whose enrollment is marked actual.")
widgets.tile(people[2], "Enrollment, estimated (registry)", tiles["enrollment_estimated"],
             "Registry enrollment of trials whose enrollment is an estimate (planned).")

for programme in data["programme_totals"]:
    if programme["patients_treated"] is None:
        continue
    with st.container(border=True):
        left, right = st.columns([2, 5], vertical_alignment="center")
        left.metric("Programme total, patients treated", widgets.shown(programme["patients_treated"]))
        right.markdown(f"**{widgets.escaped(programme['name'])}**")
        right.caption(
            "A total the programme reports itself, not attributed to trials and not added to the tiles above. "
            f"Source: {widgets.escaped(programme['patients_treated_source'] or 'not recorded')}"
            f" (as of {widgets.escaped(programme['patients_treated_date'] or 'date not recorded')})."
        )

multi = (
    "A trial or construct with several targets counts under each of them."
    + (f" Trials without a recorded target ({tiles['trials_without_target']}) are not in the per-target charts."
       if tiles["trials_without_target"] else "")
)

left, right = st.columns(2)
with left:
    widgets.chart(charts.trials_by_phase(data["by_phase"]), data["by_phase"], "trials_per_target_by_phase",
                  caption="Registry phase of each trial. " + widgets.escaped(multi))
with right:
    widgets.chart(charts.trials_by_status(data["by_status"]), data["by_status"], "trials_per_target_by_status",
                  caption="Overall status as last recorded by the registry. " + widgets.escaped(multi))

widgets.chart(
    charts.patients_and_enrollment(data["per_target"]), data["per_target"], "patients_and_enrollment_per_target",
    caption=(
        "Coloured bars: patients treated, curated from publications and news items (patients who received the "
        "product), on trials and constructs. Grey bars: registry enrollment, actual (solid) and estimated "
        "(hatched), shown beside and never added to patients treated. A target without a curated figure has no "
        "coloured bar (not recorded). Programme totals are not attributed to targets."
    ),
)

left, right = st.columns(2)
with left:
    undated = tiles["trials_without_start_year"]
    widgets.chart(charts.trials_by_year(data["by_year"]), data["by_year"], "trials_started_per_year",
                  caption="Year of the registry start date (actual or anticipated)."
                  + (f" {undated:,} trial{'s' if undated != 1 else ''} record{'s' if undated == 1 else ''} no start date."
                     if undated else ""))
with right:
    widgets.chart(charts.target_indication_heatmap(data["by_indication"]), data["by_indication"],
                  "trials_per_target_and_indication",
                  caption="Indication as classified from each trial's conditions; the 25 most frequent are shown, "
                  "all are in the CSV.")
