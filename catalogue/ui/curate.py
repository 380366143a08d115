"""Curate (curators and admins): sequences and domains, constructs, trials, patients treated, the archive.

Every write goes through :mod:`catalogue.curation` as the signed-in account;
every save shows what was written and clears the cached reads, and errors are
messages, never tracebacks. The tabs' sections live in ``curate_*.py`` beside this page.
"""

from __future__ import annotations

import streamlit as st

from catalogue import bounds, curation, read
from catalogue.ui import (
    curate_archive,
    curate_constructs,
    curate_products,
    curate_sequences,
    curate_trials,
    identity,
    saves,
    store,
    widgets,
)

visitor = identity.visitor()
st.title("Curate")
if not visitor.can_curate:
    st.warning("Curating needs the curator or admin role: sign in with such an account in the sidebar.")
    st.stop()
st.caption(f"Acting as {widgets.escaped(visitor.actor.name)} ({widgets.escaped(visitor.actor.role)}). Every change is recorded "
           "in the audit trail; what a curator corrects is kept when the source files are imported again.")


def sequences() -> None:
    """Upload sequence files."""
    st.subheader("Upload sequence files")
    curate_sequences.upload(visitor)


def domains() -> None:
    """Curate the domains of a sequence record (a tab of its own, so that Curate's first view, the upload,
    loads no select-box script)."""
    st.subheader("Curate the domains of a sequence record")
    curate_sequences.curate_domains(visitor)


def constructs() -> None:
    """Edit a construct."""
    st.subheader("Edit a construct")
    curate_constructs.edit_construct(visitor)


def trials() -> None:
    """Correct a trial, import trial records, add a trial by hand, link registrations of one study."""
    st.subheader("Correct a trial")
    st.caption("Correct registry fields, override the targets, or link the trial to a construct. All three are "
               "kept when the registry record is imported again.")
    curate_trials.correct_trial(visitor)
    st.divider()
    st.subheader("Import trial records")
    curate_trials.import_files(visitor)
    for report in st.session_state.get("trial_reports", []):
        curate_sequences.show_report(report)
    st.divider()
    st.subheader("Add a trial by hand")
    st.caption("A trial of any registry (ChiCTR, EU CTR, CTIS, jRCT, ISRCTN, CTRI, ANZCTR, DRKS...). Its ID is "
               "checked for its registry; targets are classified from the titles and interventions.")
    curate_trials.add_trial(visitor)
    st.divider()
    st.subheader("Registrations of one study")
    st.caption("A study registered in two registries counts once. Records that name each other's IDs are linked "
               "on import; link or unlink two records here (kept on re-import).")
    curate_trials.link_registrations(visitor)


def products() -> None:
    """The named products that classify trials."""
    st.subheader("Named products")
    curate_products.products(visitor)


def patients_treated() -> None:
    """Record a published count of patients treated (trial, construct or programme)."""
    st.subheader("Patients treated")
    st.caption("A published count of patients who received the product, with its source (publication with DOI or "
               "PMID, news item, registry results); on a trial or construct the latest publication counts. "
               "It is kept apart from registry enrollment, never derived from it, and kept "
               "when trials are imported again.")
    kind = st.radio("Recorded on", ["trial", "construct", "programme"], horizontal=True, key="patients_kind")
    if kind == "construct":
        key = st.selectbox("Construct", widgets.construct_options("patients_construct"), index=None)
    elif kind == "programme":
        key = st.selectbox("Programme", [p["name"] for p in read.programmes(store.engine())], index=None)
    else:
        key = st.selectbox("Trial", list(widgets.trial_options("patients_trial")), index=None,
                           placeholder="Choose a trial")
    with st.form("patients_form", clear_on_submit=False):
        left, right = st.columns(2)
        patients = left.number_input("Patients treated", min_value=0, max_value=bounds.MAX_PARTICIPANTS, step=1,
                                     value=None, placeholder="a count")
        as_of = right.text_input("Published (date of the figure)", placeholder="YYYY-MM-DD, YYYY-MM or YYYY")
        source = st.text_input("Source", placeholder="e.g. Neelapu et al., N Engl J Med 2017;377:2531-44")
        doi_column, pmid_column = st.columns(2)
        doi = doi_column.text_input("DOI (trial or construct)", placeholder="10.1056/NEJMoa1707447")
        pmid = pmid_column.text_input("PMID (trial or construct)", placeholder="29226797")
        population = st.text_input("What was counted (trial or construct)",
                                   placeholder="e.g. 111 enrolled, 101 received axi-cel")
        clear = st.checkbox("Remove the recorded figure instead")
        if st.form_submit_button("Save figure", type="primary"):
            if not key:
                st.error(f"Choose the {widgets.escaped(kind)} first.")
            else:
                try:
                    figure = None if clear else (int(patients) if patients is not None else None)
                    if kind != "programme" and figure is not None:  # a published result, with its identifiers
                        written = curation.record_published_result(store.engine(), visitor.actor, curation.PublishedResult(
                            kind, key, figure, source, doi=doi.strip() or None, pmid=pmid.strip() or None,
                            published=as_of.strip() or None, population=population.strip() or None))
                    else:
                        written = curation.set_patients_treated(store.engine(), visitor.actor, kind, key, figure,
                                                                source=source.strip() or None,
                                                                as_of=as_of.strip() or None)
                    st.success(f"{widgets.escaped(kind)} {widgets.escaped(key)}: patients treated "
                               f"{'removed' if clear else widgets.escaped(patients)} ({widgets.escaped(written)}).")
                except Exception as error:
                    saves.failure(error)


def archive() -> None:
    """Archive a construct or trial; restore archived records (admins)."""
    st.subheader("Archive a construct or trial")
    curate_archive.archive(visitor)
    if visitor.is_admin:
        st.divider()
        st.subheader("Restore archived records")
    curate_archive.restore(visitor)


#: What each tab shows, in the tabs' order. Only the open tab is built (its widgets, its queries, and in the
#: browser the scripts of its widget kinds); choosing another tab reruns the page. The open tab's label is
#: ``st.session_state["curate_tab"]``.
SECTIONS = (sequences, domains, constructs, trials, products, patients_treated, archive)

tabs = st.tabs(["Sequences", "Domains", "Constructs", "Trials", "Products", "Patients treated", "Archive"],
               key="curate_tab",
               on_change="rerun")
for tab, section in zip(tabs, SECTIONS):
    if tab.open:
        with tab:
            section()
