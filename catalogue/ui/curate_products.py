"""Curate › Products: add a named product or correct one; the trials that name it are classified again.

Every fact needs its source. The shipped products (catalogue/reference/products.toml) are
corrected by storing a curated copy; every save goes through :mod:`catalogue.curation`.
"""

from __future__ import annotations

import re
from typing import Any

import streamlit as st

from catalogue import curation, read
from catalogue.reference.products import MODALITIES, STATUSES
from catalogue.reference.targets import reference_targets
from catalogue.ui import identity, saves, store, widgets

_NEW = "➕ a new product"


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def _normal(value: Any) -> Any:
    return None if value in ("", [], (), None) else value


def _form(shown: dict[str, Any] | None, key: str) -> tuple[dict[str, Any], str, bool] | None:
    """The product form; returns (values, name, submitted-as-new) on submit, else None."""
    shown = shown or {}
    symbols = [t.symbol for t in reference_targets()]
    with st.form(f"product_form_{key}", border=False):
        name = st.text_input("Name", shown.get("name", ""), disabled=bool(shown), key=f"product_name_{key}")
        aliases = st.text_area("Other names: INN, brand, development codes (one a line)",
                               "\n".join(shown.get("aliases", [])), key=f"product_aliases_{key}")
        targets = st.multiselect("Targets", symbols, default=[t for t in shown.get("targets", []) if t in symbols],
                                 key=f"product_targets_{key}")
        left, middle, right = st.columns(3)
        modality = left.selectbox("Modality", MODALITIES, placeholder="not recorded", key=f"product_modality_{key}",
                                  index=MODALITIES.index(shown["modality"]) if shown.get("modality") in MODALITIES else None)
        binder = middle.text_input("Binder format", shown.get("binder") or "", placeholder="scFv, VHH, ligand…",
                                   key=f"product_binder_{key}")
        status = right.selectbox("Status", STATUSES, placeholder="not recorded", key=f"product_status_{key}",
                                 index=STATUSES.index(shown["status"]) if shown.get("status") in STATUSES else None)
        developer = st.text_input("Developer", shown.get("developer") or "", key=f"product_developer_{key}")
        source = st.text_input("Source of what you change here", placeholder="a registry record, a label, a paper, "
                               "a company pipeline page", key=f"product_source_{key}")
        notes = st.text_input("Notes", shown.get("notes") or "", key=f"product_notes_{key}")
        if not st.form_submit_button("Save product", type="primary"):
            return None
    values = {
        "aliases": _lines(aliases), "targets": targets, "modality": modality, "binder": binder.strip() or None,
        "status": status, "developer": developer.strip() or None, "notes": notes.strip() or None,
    }  # fmt: skip
    if shown:  # only what changed, so unchanged facts keep their own sources
        values = {k: v for k, v in values.items() if _normal(v) != _normal(shown.get(k))}
    else:
        values = {k: v for k, v in values.items() if _normal(v) is not None}
    if source.strip():
        values["source"] = source.strip()
    return values, (shown.get("name") or name), not shown


def _report(change: curation.ProductChange) -> None:
    product = change.product
    st.success(f"Product {widgets.escaped(product['name'])}: {widgets.escaped(change.outcome)}. {widgets.escaped(change.trials_named)} trial(s) name it; "
               f"{len(change.trials_changed)} changed classification.")
    if change.trials_changed:
        st.dataframe(
            [{"trial": t.registry_id, "targets before": ", ".join(t.targets_before) or "none",
              "targets after": ", ".join(t.targets_after) or "none", "note": t.note or ""}
             for t in change.trials_changed],
            hide_index=True, width="stretch", key="product_changed_trials")
    for trial in change.trials_not_classified:
        st.warning(f"{widgets.escaped(trial.registry_id)}: {widgets.escaped(trial.note)}")


def products(visitor: identity.Visitor) -> None:
    """The products the classifier knows, and a form to add or correct one."""
    known = read.products(store.engine())
    st.caption(f"{len(known)} named products: those shipped in catalogue/reference/products.toml and those curators "
               "added or corrected. A trial that names a product gets its targets, with the product's source as "
               "the evidence.")
    st.dataframe(
        [{"name": p["name"], "targets": ", ".join(p["targets"]), "other names": ", ".join(p["aliases"]),
          "modality": p["modality"], "status": p["status"], "origin": p["origin"],
          "source of targets": p["targets_source"]} for p in known],
        hide_index=True, width="stretch", key="products_table", height=280)
    by_name = {p["name"]: p for p in known}
    choice = st.selectbox("Add or correct", [_NEW, *by_name], key="product_choice")
    shown = None if choice == _NEW else by_name[choice]
    submitted = _form(shown, "new" if shown is None else re.sub(r"\W", "_", choice))
    if submitted is None:
        return
    values, name, is_new = submitted
    try:
        if is_new:
            change = curation.add_product(store.engine(), visitor.actor, name, values)
        else:
            change = curation.set_product(store.engine(), visitor.actor, name, values)
        _report(change)
    except Exception as error:
        saves.failure(error)
