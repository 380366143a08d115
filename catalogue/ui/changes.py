"""What changed: new trials, status and enrollment changes, other updates and trials no longer listed, since a
date or between two imports, for a target or a programme; downloadable."""

from __future__ import annotations

import datetime as dt
import json

import streamlit as st

from catalogue import read
from catalogue.ui import store, tables, widgets

st.title("What changed")
imports = read.trial_imports(store.engine())
if not imports:
    widgets.empty_state("No trial import is recorded yet. Every import of trial files (Curate › Trials, "
                        "`catalogue import trials`) and every `catalogue fetch trials` run is recorded here.")
    st.stop()


def _label(entry) -> str:
    return f"#{entry['id']} · {entry['at']:%Y-%m-%d %H:%M} · {entry['source']}"


by_id = {entry["id"]: entry for entry in imports}
# A select box, as the import pickers beside it: one widget kind fewer for the browser to fetch on first view.
mode = st.selectbox("Show changes", ["between two imports", "since a date"], key="changes_mode")
window: dict = {}
if mode == "since a date":
    latest = imports[0]["at"].date()
    since = st.date_input("Imports on or after", value=latest, key="changes_since", format="YYYY-MM-DD")
    window["since"] = (since or latest).isoformat()
else:
    left, right = st.columns(2)
    ids = [entry["id"] for entry in imports]  # newest first
    until = left.selectbox("Up to and including import", ids, index=0, format_func=lambda i: _label(by_id[i]),
                           key="changes_until")
    earlier = [i for i in ids if i < until]
    after = right.selectbox("Changes after import (its state is the baseline)", earlier, index=0 if earlier else None,
                            format_func=lambda i: _label(by_id[i]), placeholder="the start (first import)",
                            key="changes_after")
    window |= {"until_import": until, "after_import": after}

facets = read.trial_facets(store.engine())
left, right = st.columns(2)
target = widgets.url_select("Target", facets["target"], "target", container=left)
programme = widgets.url_select("Programme", [p["name"] for p in read.programmes(store.engine())], "programme",
                               container=right)
table = read.change_table(store.engine(), target=target, programme=programme, **window)

kinds = {
    "new trial": ("New trials", "Trials this window's imports brought in for the first time."),
    "status": ("Status changes", "The registry's overall status before and after (e.g. recruiting to completed). "
                                 "A newer snapshot's status counts even when the record's version did not move."),
    "enrollment": ("Enrollment changes", "The registry's enrollment count or its type (actual, estimated)."),
    "other update": ("Other updates", "Any other registry field: phase, start date, sponsor, conditions, targets..."),
    "no longer listed": ("No longer listed", "Trials the previous import of the same source listed and this one "
                                             "does not (the trial itself stays in the catalogue)."),
}
tiles = st.columns(len(kinds))
for column, (kind, (label, help_text)) in zip(tiles, kinds.items()):
    widgets.tile(column, widgets.escaped(label), int(table.loc[table["kind"] == kind, "registry_id"].nunique()), widgets.escaped(help_text))

if table.empty:
    widgets.empty_state("Nothing changed in this window" + (" for this selection" if target or programme else "")
                        + ". Choose an earlier import or date, or set the filters back to Any.")
    st.stop()

columns = {key: tables.TRIAL_COLUMNS[key] for key in ("registry_id", "registry_url", "title", "targets")} | {
    "field": st.column_config.TextColumn("Field"),
    "before": st.column_config.TextColumn("Before"),
    "after": st.column_config.TextColumn("After"),
    "import": st.column_config.NumberColumn("Import"),
}
for kind, (label, help_text) in kinds.items():
    rows = table[table["kind"] == kind]
    if rows.empty:
        continue
    st.subheader(f"{widgets.escaped(label)} ({widgets.escaped(rows['registry_id'].nunique())})")
    st.caption(widgets.escaped(help_text))
    shown = [c for c in columns if not (kind in ("new trial", "no longer listed") and c in ("field", "before", "after"))]
    st.dataframe(rows, hide_index=True, width="stretch", key=f"changes_{kind.replace(' ', '_')}",
                 column_config=columns, column_order=shown)

left, right = st.columns(2)


def _changes_json() -> bytes:
    recorded = read.trial_changes(store.engine(), **{k: v for k, v in window.items() if v is not None})
    return json.dumps(recorded, indent=2, default=lambda v: v.isoformat() if isinstance(v, dt.datetime)
                      else str(v)).encode("utf-8")


# The files are made when a button is clicked, not on every run and first view.
left.download_button("All changes (CSV)", lambda: table.to_csv(index=False).encode("utf-8"),
                     file_name="what-changed.csv", mime="text/csv", on_click="ignore", icon=":material/download:")
right.download_button("As catalogue changes --json (JSON)", _changes_json,
                      file_name="what-changed.json", mime="application/json", on_click="ignore",
                      icon=":material/download:")
