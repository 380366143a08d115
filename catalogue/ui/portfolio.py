"""Portfolio: the programme at a glance, for programme leads (the default page).

Opens on the programme the catalogue is built around (the Union Hospital programme in the demo); the approved
reference products and the whole catalogue are one click away. Layout only: the numbers come from
:func:`catalogue.read.portfolio`, the figures from :mod:`catalogue.charts`, the candidate decisions go through
:mod:`catalogue.curation`.
"""

from __future__ import annotations

import streamlit as st

from catalogue import charts, curation, read
from catalogue.ui import identity, portfolio_sections, saves, store, widgets
from catalogue.vocabulary import NOT_RECORDED

APPROVED_LABEL = "Approved reference products"
ALL = "Everything in the catalogue"

st.title("Portfolio")
programme_names = [p["name"] for p in read.programmes(store.engine())]
default = read.default_programme(store.engine())
options = [*programme_names, APPROVED_LABEL, ALL]
if "portfolio_scope" not in st.session_state:
    wanted = st.query_params.get("scope")
    st.session_state["portfolio_scope"] = wanted if wanted in options else (default or ALL)
scope = st.segmented_control(
    "Show", options, key="portfolio_scope", selection_mode="single",
    help="A programme's trials are those its sponsor leads, those linked to its constructs and the candidate "
         "trials a curator has accepted. The approved reference products are the approved constructs and their "
         "pivotal trials.",
) or st.session_state.get("portfolio_scope_last") or default or ALL
st.session_state["portfolio_scope_last"] = scope
if scope == (default or ALL):
    st.query_params.pop("scope", None)
elif st.query_params.get("scope") != scope:
    st.query_params["scope"] = scope

QUERY_ARGS = {APPROVED_LABEL: (None, read.APPROVED), ALL: ()}


@st.cache_resource(max_entries=16, show_spinner=False)
def _figures(url: str, revision: int, scope: str) -> dict:
    """The page's Plotly figures for one scope at one catalogue revision: built once, not on every rerun."""
    data = read.portfolio(store.engine(), *QUERY_ARGS.get(scope, (scope,)))
    return {
        "patients_per_target": charts.patients_per_target(data.per_target, data.patients_results),
        "patients_and_enrollment": charts.patients_and_enrollment(data.per_target, data.patients_results),
        "by_phase": charts.trials_by_phase(data.by_phase),
        "by_status": charts.trials_by_status(data.by_status),
        "by_year": charts.trials_by_year(data.by_year),
        "by_indication": charts.target_indication_heatmap(data.by_indication),
        "by_country": charts.trials_by_country(data.by_country),
        "by_category": charts.disease_hierarchy(data.by_category),
    }


data = read.portfolio(store.engine(), *QUERY_ARGS.get(scope, (scope,)))
figures = _figures(store.database_url(), read.catalogue_revision(store.engine()), scope)
tiles = data.tiles
st.caption(f"Showing {widgets.escaped(scope)}. Counts are of live (not archived) records; "
           "\"not recorded\" means no record of the selection states the figure.")

if tiles["trials"] == 0 and tiles["constructs"] == 0:
    widgets.empty_state(
        "Nothing to show here yet. Load the demo with `catalogue init --demo`, or import sequence files and "
        "trial records on the Curate page (or with `catalogue import`)."
    )
    st.stop()

portfolio_sections.tiles(tiles)

st.subheader("By modality")
st.dataframe(data.by_modality, hide_index=True, width="stretch", key="by_modality", placeholder=NOT_RECORDED,
             column_config={"modality": "Modality", "constructs": "Constructs", "trials": "Trials",
                            "patients_treated": st.column_config.NumberColumn("Patients treated (curated)")})
st.caption("CAR-T, TCR-T (engineered TCRs and TCR-based hybrid receptors) and CAR-NK side by side; "
           "an empty patients figure is not recorded.")

for programme in data.programme_totals:
    portfolio_sections.programme_total(programme)

multi = (
    "A trial or construct with several targets counts under each of them."
    + (f" Trials without a recorded target ({tiles['trials_without_target']}) are not in the per-target charts."
       if tiles["trials_without_target"] else "")
)

st.subheader("Patients treated per target")
widgets.chart(
    figures["patients_per_target"], data.patients_results,
    "patients_treated_per_target",
    caption=("Published results of patients who received a product (infused or treated), the latest of each "
             "trial and construct; one segment per publication, its source in the hover and the table below. "
             "Targets of the selection without a published result show \"not recorded\". A result on a construct "
             "with several targets counts under each. " + widgets.escaped(portfolio_sections.attribution_note(data))),
)
portfolio_sections.results_table(data.patients_results)

widgets.chart(
    figures["patients_and_enrollment"], data.per_target,
    "patients_and_enrollment_per_target",
    caption=("Coloured bars: patients treated (published results). Grey bars: registry enrollment, actual (solid), "
             "estimated (hatched) and of a type the registry does not give (dotted), shown beside and never added "
             "to patients treated. A kind no trial of the target has is not recorded (no bar), never 0."),
)

left, right = st.columns(2)
with left:
    widgets.chart(figures["by_phase"], data.by_phase, "trials_per_target_by_phase",
                  caption="Registry phase of each trial. " + widgets.escaped(multi))
with right:
    widgets.chart(figures["by_status"], data.by_status, "trials_per_target_by_status",
                  caption="Overall status as last recorded by the registry. " + widgets.escaped(multi))

left, right = st.columns(2)
with left:
    undated = tiles["trials_without_start_year"]
    widgets.chart(figures["by_year"], data.by_year, "trials_started_per_year",
                  caption="Year of the registry start date (actual or anticipated)."
                  + (f" {undated:,} trial{'s' if undated != 1 else ''} record{'s' if undated == 1 else ''} no start date."
                     if undated else ""))
with right:
    widgets.chart(figures["by_indication"], data.by_indication,
                  "trials_per_target_and_indication",
                  caption="Indication as classified from each trial's conditions; the 25 most frequent are shown, "
                  "all are in the CSV.")

left, right = st.columns(2)
with left:
    without = tiles["trials_without_country"]
    widgets.chart(figures["by_country"], data.by_country, "trials_per_country",
                  caption="Countries of each trial's sites as the registry lists them; a multinational trial counts "
                  "in each of its countries." + (f" {widgets.escaped(without)} trial{'s' if without != 1 else ''} list no country."
                                                  if without else ""))
with right:
    widgets.chart(figures["by_category"], data.by_category, "trials_by_disease",
                  caption="Indication category, then indication, as classified from each trial's conditions; "
                  "each trial counts once.")

if scope == APPROVED_LABEL:
    portfolio_sections.reference_products(read.reference_products(store.engine()))

if len(data.candidates):
    st.subheader("Candidate trials of the programme")
    st.caption("Trials that may belong to the programme, with the reason: the hospital is a site, or the "
               "university it belongs to is the lead sponsor. They count as the programme's once a curator "
               "accepts them (recorded in the audit trail).")
    visitor = identity.visitor()
    decision = portfolio_sections.candidates(data.candidates, can_decide=visitor.can_curate)
    if decision is not None:
        registry_id, choice = decision
        try:
            outcome = curation.decide_candidate(store.engine(), visitor.actor, scope, registry_id, choice)
            st.success(f"{widgets.escaped(registry_id)}: {widgets.escaped(choice)} ({widgets.escaped(outcome)}).")
            st.rerun()
        except Exception as error:
            saves.failure(error)
