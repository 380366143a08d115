"""Sections of the Portfolio page: tiles, the programme's own total, published results, products, candidates.

Layout only: every number comes from :func:`catalogue.read.portfolio` as the page hands it over.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from catalogue.ui import widgets


def _enrollment_tile(column, label: str, value: Any, trials: int, help_text: str, extra: str = "") -> None:
    widgets.tile(column, label, value, help_text)
    words = f"{trials} trial{'s' if trials != 1 else ''} state{'s' if trials == 1 else ''} this kind" if trials else \
        "no trial of the selection states this kind"
    column.caption(widgets.escaped(words + extra))


def tiles(tiles: dict[str, Any]) -> None:
    """The counts, patients treated and enrollment in its three kinds (with the inferred-actual part)."""
    counts = st.columns(3)
    widgets.tile(counts[0], "Targets", tiles["targets"],
                 "Antigens with at least one construct or trial in this selection.")
    widgets.tile(counts[1], "Constructs", tiles["constructs"], "Constructs recorded (a tandem construct counts once).")
    widgets.tile(counts[2], "Trials", tiles["trials"], "Registered clinical trials.")
    people = st.columns(4)
    widgets.tile(people[0], "Patients treated (published)", tiles["patients_treated"],
                 "Published results of patients who received a product, the latest of each trial and construct, "
                 "each with its publication. Not derived from enrollment; programme totals are shown apart.")
    _enrollment_tile(people[1], "Enrollment, actual (registry)", tiles["enrollment_actual"],
                     tiles["trials_enrollment_actual"], "Registry enrollment of trials whose enrollment is marked actual.")
    _enrollment_tile(people[2], "Enrollment, estimated (registry)", tiles["enrollment_estimated"],
                     tiles["trials_enrollment_estimated"],
                     "Registry enrollment of trials whose enrollment is an estimate (planned).")
    inferred = tiles["enrollment_unknown_inferred_actual"]
    extra = (f"; of which {widgets.shown(inferred)} inferred actual ({tiles['trials_enrollment_inferred_actual']} "
             "completed, terminated or withdrawn ClinicalTrials.gov studies)") if inferred is not None else ""
    _enrollment_tile(people[3], "Enrollment, type not given (registry)", tiles["enrollment_unknown"],
                     tiles["trials_enrollment_unknown"],
                     "Registry enrollment whose type (actual or estimated) the source does not give. Where "
                     "ClinicalTrials.gov requires the actual figure (completed, terminated, withdrawn studies) the "
                     "part is shown as inferred actual; it is never added to the stated figures.", extra)


def attribution_note(data: dict[str, Any]) -> str:
    """What of a programme's reported total the published results cannot attribute to targets."""
    notes = []
    for programme in data.programme_totals:
        if programme.patients_treated is None:
            continue
        published = programme.published_in_scope
        notes.append(
            f"{programme.name} reports {programme.patients_treated:,} patients treated in all (as of "
            f"{programme.patients_treated_date or 'date not recorded'}): a programme total, not split by target "
            f"or trial in its source. The published results recorded here for this selection account for "
            f"{published if published is not None else 'no'} patients, some of them possibly among the "
            f"{programme.patients_treated:,} and some treated later; the rest of the total cannot be attributed "
            "to a target from the sources recorded."
        )
    return " ".join(notes)


def programme_total(programme: dict[str, Any]) -> None:
    if programme.patients_treated is None:
        return
    with st.container(border=True):
        left, right = st.columns([2, 5], vertical_alignment="center")
        left.metric("Programme total, patients treated", widgets.shown(programme.patients_treated))
        right.markdown(f"**{widgets.escaped(programme.name)}**")
        right.caption(
            "A total the programme reports itself, not attributed to trials or targets and not added to the tiles "
            f"above. Source: {widgets.escaped(programme.patients_treated_source or 'not recorded')}"
            f" (as of {widgets.escaped(programme.patients_treated_date or 'date not recorded')})."
        )


def _links(results: pd.DataFrame) -> pd.DataFrame:
    shown = results.copy()
    shown["doi_link"] = [f"https://doi.org/{d}" if isinstance(d, str) and d else None for d in shown["doi"]]
    shown["pmid_link"] = [f"https://pubmed.ncbi.nlm.nih.gov/{p}/" if isinstance(p, str) and p else None
                          for p in shown["pmid"]]
    return shown


def results_table(results: pd.DataFrame) -> None:
    """The published results behind the patients chart, with their sources."""
    if results.empty:
        widgets.empty_state("No published result of patients treated is recorded for this selection. Curators "
                            "record them on the Curate page (Patients treated) or with `catalogue patients`.")
        return
    st.dataframe(
        _links(results), hide_index=True, width="stretch", key="patients_results_table", placeholder="not recorded",
        column_order=["target", "key", "kind", "patients_treated", "published", "citation", "doi_link", "pmid_link",
                      "population"],
        column_config={
            "target": st.column_config.TextColumn("Target"),
            "key": st.column_config.TextColumn("Trial or construct"),
            "kind": st.column_config.TextColumn("On"),
            "patients_treated": st.column_config.NumberColumn("Patients treated"),
            "published": st.column_config.TextColumn("Published"),
            "citation": st.column_config.TextColumn("Publication", width="large"),
            "doi_link": st.column_config.LinkColumn("DOI", display_text=r"https://doi\.org/(.*)"),
            "pmid_link": st.column_config.LinkColumn("PMID", display_text=r".*/(\d+)/"),
            "population": st.column_config.TextColumn("What was counted", width="large"),
        },
    )


def reference_products(products: pd.DataFrame) -> None:
    st.subheader("The approved reference products")
    st.caption("Each approved product with its CAR protein sequence record where a public source gives the "
               "sequence (a GenBank accession, a patent SEQ ID or a journal supplement, cited in the record), and "
               "its domain map from the catalogue's own detection on the Constructs page. Where no public "
               "sequence was found the notes say so.")
    st.dataframe(
        products, hide_index=True, width="stretch", key="reference_products_table",
        column_config={
            "construct": st.column_config.TextColumn("Product"),
            "targets": st.column_config.TextColumn("Targets"),
            "developer": st.column_config.TextColumn("Developer"),
            "sequence_records": st.column_config.NumberColumn("Sequence records"),
            "notes": st.column_config.TextColumn("Notes", width="large"),
            "source": st.column_config.TextColumn("Source", width="large"),
        },
    )


def candidates(frame: pd.DataFrame, *, can_decide: bool) -> tuple[str, str] | None:
    """The candidate trials with their reasons; for curators, a decision (registry ID, decision) or None."""
    st.dataframe(
        frame, hide_index=True, width="stretch", key="programme_candidates_table", placeholder="not recorded",
        column_order=["registry_id", "decision", "reason", "lead_sponsor", "title", "overall_status", "decided_by",
                      "source"],
        column_config={
            "registry_id": st.column_config.TextColumn("Trial"),
            "title": st.column_config.TextColumn("Title", width="large"),
            "lead_sponsor": st.column_config.TextColumn("Lead sponsor"),
            "overall_status": st.column_config.TextColumn("Status"),
            "reason": st.column_config.TextColumn("Why it may belong to the programme", width="large"),
            "source": st.column_config.TextColumn("Source"),
            "decision": st.column_config.TextColumn("Decision"),
            "decided_by": st.column_config.TextColumn("Decided by"),
        },
    )
    if not can_decide:
        st.caption("Curators and admins can accept or reject a candidate here.")
        return None
    left, middle, right = st.columns([3, 2, 1], vertical_alignment="bottom")
    registry_id = left.selectbox("Candidate trial", list(frame["registry_id"]), index=None,
                                 placeholder="Choose a candidate", key="candidate_trial")
    # a segmented control, as the page's scope above it: no radio's script to load on the first view
    choice = middle.segmented_control("Decision", ["accepted", "rejected", "proposed"], key="candidate_decision",
                                      default="accepted", selection_mode="single",
                                      format_func={"accepted": "accept", "rejected": "reject",
                                                   "proposed": "undecide"}.get)
    if right.button("Save decision", type="primary", key="candidate_save",
                    disabled=registry_id is None or choice is None):
        return registry_id, choice
    return None
