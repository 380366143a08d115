"""Audit: who changed what and when, with the values before and after."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import streamlit as st

from catalogue import read
from catalogue.ui import identity, store, widgets

st.title("Audit trail")
visitor = identity.visitor()
hidden = () if visitor.is_admin else ("account",)
kinds = [k for k in read.audit_kinds(store.engine()) if k not in hidden]
left, middle, right = st.columns(3)
kind = widgets.url_select("Entity kind", kinds, "kind", container=left)


def _date_param(param: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(st.query_params.get(param, ""))
    except ValueError:
        return None


since = middle.date_input("From", value=_date_param("since"), key="audit_since", format="YYYY-MM-DD")
until = right.date_input("Until (inclusive)", value=_date_param("until"), key="audit_until", format="YYYY-MM-DD")
for param, value in (("since", since), ("until", until)):
    if value:
        st.query_params[param] = value.isoformat()
    elif param in st.query_params:
        del st.query_params[param]

LIMIT = 500
events = read.audit_events(store.engine(), entity_kind=kind, since=since.isoformat() if since else None,
                    until=until.isoformat() if until else None, limit=LIMIT, exclude_kinds=hidden)
if not events:
    widgets.empty_state("No changes recorded for this selection. Every write through Curate or the CLI is "
                        "recorded here; widen the dates or set the kind back to Any.")
    st.stop()


def _values(value) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


frame = pd.DataFrame([
    {"at": e["at"], "actor": e["actor"], "action": e["action"], "kind": e["entity_kind"], "entity": e["entity_key"],
     "summary": e["summary"], "before": _values(e["before"]), "after": _values(e["after"]),
     "origin": e.get("origin")}
    for e in events
])
st.caption(f"Newest first; {len(frame)} events" + (f" (the latest {LIMIT})" if len(frame) == LIMIT else "")
           + (". Account changes are shown to admins only." if hidden else "."))
limit, offset = widgets.pager(len(frame), sizes=(100, 250, 500))  # a page of rows goes to the browser, not all
st.dataframe(frame.iloc[offset:offset + limit], hide_index=True, width="stretch", key="audit_table", column_config={
    "at": st.column_config.DatetimeColumn("When (UTC)", format="YYYY-MM-DD HH:mm:ss"),
    "actor": "Who", "action": "Action", "kind": "Kind", "entity": "Entity", "origin": "From",
    "before": st.column_config.TextColumn("Before", width="large"),
    "after": st.column_config.TextColumn("After", width="large"),
})
st.download_button("Data (CSV)", lambda: frame.to_csv(index=False).encode("utf-8"), file_name="audit.csv",
                   mime="text/csv", on_click="ignore", icon=":material/download:")  # made when clicked
