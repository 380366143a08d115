"""Compare constructs side by side: architecture with differences marked, domain maps, binder identity, trials."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from catalogue import charts, read
from catalogue.errors import CatalogueError
from catalogue.ui import store, widgets
from catalogue.vocabulary import NOT_RECORDED, phase_label, status_label

st.title("Compare constructs")
wanted = st.session_state.pop("compare_choice", None) or st.query_params.get_all("c")
if "compare_names" not in st.session_state:
    st.session_state["compare_names"] = list(dict.fromkeys(wanted))[:4]
options = sorted(set(widgets.construct_options("compare")) | set(st.session_state["compare_names"]))
names = st.multiselect("Constructs (two to four)", options, key="compare_names", max_selections=4,
                       placeholder="Choose constructs")
st.query_params["c"] = names
if len(names) < 2:
    widgets.empty_state("Choose two to four constructs to compare.")
    st.stop()
try:
    result = read.compare_constructs(store.engine(), names)
except CatalogueError as error:
    st.error(widgets.escaped(str(error)), icon=":material/error:")
    st.stop()

st.subheader("Architecture")
rows = []
for row in result["fields"]:
    entry = {"Field": row["label"], "Differs": "≠" if row["differs"] else ""}
    entry.update({name: widgets.shown(value) for name, value in row["values"].items()})
    rows.append(entry)
frame = pd.DataFrame(rows)


def _marked(row: pd.Series) -> list[str]:
    colour = "background-color: rgba(255, 187, 120, 0.35)" if row["Differs"] else ""
    return [colour] * len(row)


st.dataframe(frame.style.apply(_marked, axis=1), hide_index=True, width="stretch", key="compare_fields",
             height=35 * (len(frame) + 1) + 3,  # every row in view: the differences are the point
             column_config={"Field": st.column_config.TextColumn(width=180, pinned=True),
                            "Differs": st.column_config.TextColumn(width=60, help="≠: the recorded values differ")})
st.caption("Rows marked ≠ differ between the constructs; a value that is not recorded is not counted as a difference.")

st.subheader("Binder identity")
pairs = [{"First": p["first"], "Second": p["second"], "Identity (%)": p["identity"], "Coverage": p["coverage"],
          "Same binder": None if p["same_binder"] is None else ("yes" if p["same_binder"] else "no")}
         for p in result["binder_identity"]]
st.dataframe(pd.DataFrame(pairs), hide_index=True, width="stretch", key="compare_binders", placeholder=NOT_RECORDED,
             column_config={"Identity (%)": st.column_config.NumberColumn(format="%.1f"),
                            "Coverage": st.column_config.NumberColumn(format="%.2f")})
st.caption("Over the V domains of each construct's first sequence record that has any, both ways, the lower "
           "reported; empty where a construct has no V domain in a sequence record.")

st.subheader("Domain maps")
widgets.chart(charts.domain_maps_compared(result["domain_maps"]),
              pd.DataFrame([{"construct": n, **read.to_json(d)} for n, m in result["domain_maps"].items() for d in m["domains"]]),
              "compare_domain_maps")

st.subheader("Targets and trials")
columns = st.columns(len(names))
for column, name in zip(columns, names):
    column.markdown(f"**{widgets.escaped(name)}**")
    column.caption("Targets: " + widgets.escaped(", ".join(result["targets"][name]) or NOT_RECORDED))
    trials = result["trials"][name]
    if trials:
        column.dataframe(pd.DataFrame([{"Registry ID": t["registry_id"], "Phase": phase_label(t["phases"]),
                                        "Status": status_label(t["overall_status"])} for t in trials]),
                         hide_index=True, width="stretch", key=f"compare_trials_{name}")
    else:
        column.caption("No linked trial.")
