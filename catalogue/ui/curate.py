"""Curate (curators and admins): upload sequence files and trial records, edit constructs, record patients treated.

Every write goes through :mod:`catalogue.curation` as the signed-in account;
every save shows what was written, and errors are messages, never tracebacks.
"""

from __future__ import annotations

from dataclasses import asdict

import pandas as pd
import streamlit as st

from catalogue import curation
from catalogue.drafts import MODALITIES
from catalogue.errors import CatalogueError, EditConflict
from catalogue.ui import identity, store, widgets

SEQUENCE_TYPES = ["gb", "gbk", "genbank", "gp", "fasta", "fa", "faa", "fna", "fas", "txt"]
TRIAL_TYPES = ["csv", "json"]

visitor = identity.visitor()
st.title("Curate")
if not visitor.can_curate:
    st.warning("Curating needs the curator or admin role: sign in with such an account in the sidebar.")
    st.stop()
st.caption(f"Acting as {widgets.escaped(visitor.actor.name)} ({visitor.actor.role}). Every change is recorded "
           "in the audit trail.")


def _failure(error: Exception) -> None:
    if isinstance(error, CatalogueError):
        st.error(str(error))
    else:
        st.error(f"The catalogue could not complete this ({error.__class__.__name__}); nothing was written.")


def _report_frame(report: curation.FileReport) -> pd.DataFrame:
    return pd.DataFrame([asdict(r) for r in report.records], columns=["record", "outcome", "detail", "line"])


def _show_report(report: curation.FileReport) -> None:
    if not report.ok:
        st.error(f"{report.file}: nothing written. {report.error}")
        return
    counts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(report.counts().items())) or "no records"
    st.success(f"{report.file}: {counts}.")
    st.dataframe(_report_frame(report), hide_index=True, width="stretch", key=f"report_{report.file}_{id(report)}")


@st.cache_data(show_spinner=False, max_entries=16)
def _prepared(file_name: str, content: bytes, annotations: bytes | None, annotations_name: str | None):
    """Parse, validate and detect domains (no database); cached per file content."""
    try:
        return curation.prepare_sequences(file_name, content, annotations=annotations,
                                          annotations_name=annotations_name), None
    except CatalogueError as error:
        return None, str(error)


sequences_tab, construct_tab, patients_tab, trials_tab = st.tabs(
    ["Sequence files", "Edit a construct", "Patients treated", "Trial files"]
)

# --- sequence files -----------------------------------------------------------------------------

with sequences_tab:
    st.subheader("Upload sequence files")
    st.caption("GenBank or FASTA (DNA or protein), one or many; a GTF file adds annotations to the records it names. "
               "Nothing is written until you save.")
    uploads = st.file_uploader("Sequence files", type=SEQUENCE_TYPES, accept_multiple_files=True, key="sequence_files")
    gtf = st.file_uploader("Annotations (GTF, optional)", type=["gtf", "gff"], key="gtf_file")
    gtf_bytes = gtf.getvalue() if gtf else None
    previews = []
    for upload in uploads or []:
        prepared, error = _prepared(upload.name, upload.getvalue(), gtf_bytes, gtf.name if gtf else None)
        previews.append((upload, prepared, error))
        with st.expander(f"Preview: {upload.name}", expanded=len(uploads) <= 3):
            if error:
                st.error(error)
                continue
            st.dataframe(
                pd.DataFrame([{
                    "record": d.record_id, "format": d.format, "molecule": d.molecule, "topology": d.topology,
                    "length": d.length, "domains": len(d.domains), "warnings": len(d.warnings),
                    "description": d.description,
                } for d in prepared.drafts]),
                hide_index=True, width="stretch", key=f"preview_{upload.file_id}",
            )
            for draft in prepared.drafts:
                st.caption(f"Record {widgets.escaped(draft.record_id)}: domains")
                if draft.domains:
                    st.dataframe(pd.DataFrame([asdict(d) for d in draft.domains]), hide_index=True, width="stretch",
                                 key=f"domains_{upload.file_id}_{draft.record_id}",
                                 column_order=["kind", "label", "start", "end", "source", "identity", "reference",
                                               "protein_start", "protein_end"])
                else:
                    st.text("No domains annotated or detected.")
                for warning in draft.warnings:
                    st.warning(warning, icon=":material/warning:")
    if uploads:
        st.subheader("Attach to")
        mode = st.radio("Construct", ["An existing construct", "A new construct", "A construct named after each record"],
                        horizontal=True, key="attach_mode")
        construct_name = None
        new_construct = None
        if mode == "An existing construct":
            names = store.read("construct_names")
            construct_name = st.selectbox("Construct", names, key="attach_existing", index=None,
                                          placeholder="Choose a construct")
        elif mode == "A new construct":
            left, middle, right = st.columns(3)
            construct_name = left.text_input("Name", key="attach_new_name").strip() or None
            targets = middle.text_input("Targets (comma-separated symbols)", key="attach_new_targets")
            modality = right.selectbox("Modality", MODALITIES, key="attach_new_modality")
            new_construct = ([t.strip() for t in targets.split(",") if t.strip()], modality)
        ready = all(error is None for _, _, error in previews) and (mode.startswith("A construct named") or construct_name)
        if st.button("Save to the catalogue", type="primary", disabled=not ready, key="save_sequences"):
            try:
                if new_construct is not None:
                    from catalogue.drafts import ConstructDraft

                    outcome = curation.save_construct(store.engine(), visitor.actor, ConstructDraft(
                        name=construct_name, targets=new_construct[0], modality=new_construct[1],
                        source="created in Curate with an uploaded sequence file"))
                    st.info(f"Construct {construct_name}: {outcome}.")
                progress = st.progress(0.0, text="Importing…")
                reports = []
                for number, upload in enumerate(uploads, start=1):
                    progress.progress((number - 1) / len(uploads), text=f"Importing {upload.name} ({number}/{len(uploads)})")
                    reports.append(curation.import_sequences(
                        store.engine(), visitor.actor, upload.name, upload.getvalue(), construct=construct_name,
                        annotations=gtf_bytes, annotations_name=gtf.name if gtf else None,
                    ))
                progress.progress(1.0, text=f"Imported {len(uploads)} file(s)")
                store.written()
                st.session_state["sequence_reports"] = reports
            except Exception as error:  # shown as a message; the service layer wrote nothing on error
                _failure(error)
        elif not ready:
            st.caption("Choose a construct (or fix the files above) to save.")
    for report in st.session_state.get("sequence_reports", []):
        _show_report(report)

# --- edit a construct ---------------------------------------------------------------------------

TEXT_FIELDS = ("binder_clone", "binder_format", "binder_species", "hinge", "transmembrane", "signalling", "vector",
               "developer", "status", "source")
LIST_FIELDS = ("targets", "aliases", "costimulatory")

with construct_tab:
    st.subheader("Edit a construct")
    names = store.read("construct_names")
    if not names:
        widgets.empty_state("No constructs yet: upload a sequence file (it creates one) or load the demo.")
    name = st.selectbox("Construct", names, index=None, placeholder="Choose a construct", key="edit_choice")
    if name:
        version_key = f"edit_version::{name}"
        detail = store.read("construct_detail", name)
        if version_key not in st.session_state:
            st.session_state[version_key] = (detail["version"], detail)
        version, shown_detail = st.session_state[version_key]
        st.caption(f"Editing version {version}. If someone saves a newer version first, your save is refused and "
                   "the newer values are shown.")
        with st.form(f"edit_{name}_{version}"):
            values = {}
            left, right = st.columns(2)
            values["modality"] = left.selectbox("Modality", MODALITIES, index=MODALITIES.index(shown_detail["modality"]))
            for i, field in enumerate(LIST_FIELDS):
                column = right if i % 2 == 0 else left
                values[field] = column.text_input(f"{field.capitalize()} (comma-separated)",
                                                  ", ".join(shown_detail[field] or []))
            for i, field in enumerate(TEXT_FIELDS):
                column = left if i % 2 == 0 else right
                values[field] = column.text_input(field.replace("_", " ").capitalize(), shown_detail[field] or "")
            generation = left.number_input("Generation", min_value=1, max_value=5, step=1,
                                           value=shown_detail["generation"], placeholder="not recorded")
            values["generation"] = int(generation) if generation is not None else None
            values["notes"] = st.text_area("Notes", shown_detail["notes"] or "")
            submitted = st.form_submit_button("Save changes", type="primary")
        if submitted:
            changes = {}
            for field, value in values.items():
                if field in LIST_FIELDS:
                    value = [v.strip() for v in value.split(",") if v.strip()]
                    old = list(shown_detail[field] or [])
                elif isinstance(value, str):
                    value = value.strip() or None
                    old = shown_detail[field]
                else:
                    old = shown_detail[field]
                if value != old:
                    changes[field] = value
            if not changes:
                st.info("Nothing changed.")
            else:
                try:
                    after = curation.update_construct(store.engine(), visitor.actor, name, changes,
                                                      expected_version=version)
                    store.written()
                    del st.session_state[version_key]
                    st.session_state["edit_outcome"] = (name, changes, after["version"])
                    st.rerun()
                except EditConflict as conflict:
                    st.error(str(conflict))
                    if conflict.current:
                        st.caption("The newer values:")
                        widgets.facts(sorted(conflict.current.items()), key="conflict_values")
                    if st.button("Load the newer version", key="reload_construct"):
                        store.written()
                        del st.session_state[version_key]
                        st.rerun()
                except Exception as error:
                    _failure(error)
    outcome = st.session_state.pop("edit_outcome", None)
    if outcome:
        changed_name, changes, new_version = outcome
        st.success(f"Saved {changed_name} as version {new_version}.")
        widgets.facts([(k, v) for k, v in changes.items()], key="edit_written")

# --- patients treated -----------------------------------------------------------------------------

with patients_tab:
    st.subheader("Patients treated")
    st.caption("A curated count of patients who received the product, with its source (publication, news item, "
               "registry results). It is kept apart from registry enrollment and never derived from it.")
    kind = st.radio("Recorded on", ["trial", "construct", "programme"], horizontal=True, key="patients_kind")
    with st.form("patients_form", clear_on_submit=False):
        if kind == "construct":
            key = st.selectbox("Construct", store.read("construct_names"), index=None)
        elif kind == "programme":
            key = st.selectbox("Programme", [p["name"] for p in store.read("programmes")], index=None)
        else:
            key = st.text_input("Registry ID", placeholder="NCT01234567").strip() or None
        patients = st.number_input("Patients treated", min_value=0, step=1, value=None, placeholder="a count")
        source = st.text_input("Source", placeholder="e.g. Neelapu et al., N Engl J Med 2017;377:2531-44")
        as_of = st.text_input("As of (date of the figure)", placeholder="YYYY-MM-DD or YYYY-MM")
        clear = st.checkbox("Remove the recorded figure instead")
        if st.form_submit_button("Save figure", type="primary"):
            if not key:
                st.error(f"Choose the {kind} first.")
            else:
                try:
                    written = curation.set_patients_treated(
                        store.engine(), visitor.actor, kind, key, None if clear else (int(patients) if patients is not None else None),
                        source=source.strip() or None, as_of=as_of.strip() or None,
                    )
                    store.written()
                    st.success(f"{kind} {key}: patients treated "
                               f"{'removed' if clear else patients} ({written}).")
                except Exception as error:
                    _failure(error)

# --- trial files ---------------------------------------------------------------------------------

with trials_tab:
    st.subheader("Import trial records")
    st.caption("ClinicalTrials.gov JSON or CSV exports, or a trial-monitor snapshot CSV. Each file is imported "
               "whole or not at all; curated targets and links survive re-import.")
    trial_files = st.file_uploader("Trial files", type=TRIAL_TYPES, accept_multiple_files=True, key="trial_files")
    record_source = st.text_input("Where the files come from (optional)", key="trial_source")
    if trial_files and st.button("Import trials", type="primary", key="import_trials"):
        progress = st.progress(0.0, text="Importing…")
        reports = []
        for number, upload in enumerate(trial_files, start=1):
            progress.progress((number - 1) / len(trial_files), text=f"Importing {upload.name} ({number}/{len(trial_files)})")
            try:
                reports.append(curation.import_trials(store.engine(), visitor.actor, upload.name, upload.getvalue(),
                                                      source=record_source.strip() or None))
            except Exception as error:
                _failure(error)
        progress.progress(1.0, text=f"Imported {len(trial_files)} file(s)")
        store.written()
        st.session_state["trial_reports"] = reports
    for report in st.session_state.get("trial_reports", []):
        _show_report(report)
