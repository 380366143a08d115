"""Curate › Trials: import registry files, and correct one trial (fields, targets, linked constructs).

Corrections, target overrides and curated links are kept when the registry
record is imported again; every save goes through :mod:`catalogue.curation`.
"""

from __future__ import annotations

import re
from typing import Any

import streamlit as st

from catalogue import bounds, curation, read
from catalogue.errors import EditConflict
from catalogue.parse.registry_ids import registry_names
from catalogue.ui import identity, saves, store, widgets
from catalogue.vocabulary import (
    CELL_SOURCES,
    ENROLLMENT_TYPES,
    MODALITIES,
    NOT_RECORDED,
    PHASE_CODES,
    TRIAL_STATUSES,
    phase_label,
    status_label,
)

TRIAL_TYPES = ["csv", "json", "xml"]
LINE_LIST_FIELDS = ("conditions", "countries")  # one value a line: values may contain commas ("Korea, Republic of")
TEXT_FIELDS = ("title", "indication", "indication_category", "lead_sponsor", "start_date")
_ISO_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def import_files(visitor: identity.Visitor) -> None:
    """Upload ClinicalTrials.gov or trial-monitor files and import them whole or not at all."""
    st.caption("ClinicalTrials.gov JSON or CSV exports, a trial-monitor snapshot CSV, or a WHO ICTRP export (XML or "
               "CSV: ChiCTR, EU CTR, CTIS, jRCT, ISRCTN, ANZCTR, CTRI...). Each file is imported whole or not at all "
               "and recorded on the What changed page; corrected fields, target overrides and curated links survive "
               "re-import.")
    trial_files = st.file_uploader("Trial files", type=TRIAL_TYPES, accept_multiple_files=True, key="trial_files")
    record_source = st.text_input("Where the files come from (optional)", key="trial_source")
    if trial_files and st.button("Import trials", type="primary", key="import_trials"):
        progress = st.progress(0.0, text="Importing…")
        reports = []
        for number, upload in enumerate(trial_files, start=1):
            progress.progress((number - 1) / len(trial_files),
                              text=f"Importing {widgets.escaped(upload.name)} ({number:d}/{len(trial_files)})")
            try:
                reports.append(curation.import_trials(store.engine(), visitor.actor, upload.name, upload.getvalue(),
                                                      source=record_source.strip() or None))
            except Exception as error:
                saves.failure(error)
        progress.progress(1.0, text=f"Imported {len(trial_files)} file(s)")
        st.session_state["trial_reports"] = reports


def _options(known: tuple[str, ...], current: str | None) -> list[str]:
    return list(known) + ([current] if current and current not in known else [])


def _lines(value: str) -> list[str] | None:
    return [line.strip() for line in value.splitlines() if line.strip()] or None


def _trial_form(registry_id: str, shown: read.TrialDetail, version: int) -> dict[str, Any] | None:
    """The correction form; returns the changed fields on submit (``None`` when not submitted)."""
    if st.session_state.get("trial_form_for") != (registry_id, version):  # another trial or version: start afresh
        for field in curation.EDITABLE_TRIAL_FIELDS:
            st.session_state.pop(f"trial_{field}", None)
        st.session_state["trial_form_for"] = (registry_id, version)
    with st.form(f"trial_form_{registry_id}_{version}", border=False):
        values: dict[str, Any] = {}
        values["title"] = st.text_input("Title", shown.title or "", key="trial_title")
        left, middle, right = st.columns(3)
        values["phases"] = left.multiselect(
            "Phases", _options(PHASE_CODES, None) + [p for p in shown.phases or [] if p not in PHASE_CODES],
            default=shown.phases or [], format_func=lambda code: phase_label([code]), key="trial_phases")
        statuses = _options(tuple(TRIAL_STATUSES), shown.overall_status)
        values["overall_status"] = middle.selectbox(
            "Overall status", statuses, format_func=status_label, key="trial_overall_status",
            index=statuses.index(shown.overall_status) if shown.overall_status else None,
            placeholder=NOT_RECORDED)
        values["start_date"] = right.text_input("Start date", shown.start_date or "", key="trial_start_date",
                                                placeholder="YYYY, YYYY-MM or YYYY-MM-DD")
        values["indication"] = left.text_input("Indication", shown.indication or "", key="trial_indication")
        values["indication_category"] = middle.text_input("Indication category", shown.indication_category or "",
                                                          key="trial_indication_category")
        values["lead_sponsor"] = right.text_input("Lead sponsor", shown.lead_sponsor or "", key="trial_lead_sponsor")
        count = left.number_input("Enrollment (registry count)", min_value=0, max_value=bounds.MAX_PARTICIPANTS, step=1,
                                  value=shown.enrollment_count,
                                  placeholder=NOT_RECORDED, key="trial_enrollment_count")
        values["enrollment_count"] = int(count) if count is not None else None
        values["enrollment_type"] = middle.selectbox(
            "Enrollment type", ENROLLMENT_TYPES, index=ENROLLMENT_TYPES.index(shown.enrollment_type or "unknown"),
            key="trial_enrollment_type")
        modalities = _options(MODALITIES, shown.modality)
        values["modality"] = right.selectbox(
            "Modality", modalities, index=modalities.index(shown.modality) if shown.modality else None,
            placeholder=NOT_RECORDED, key="trial_modality")
        sources = _options(CELL_SOURCES, shown.cell_source)
        values["cell_source"] = left.selectbox(
            "Cell source", sources, index=sources.index(shown.cell_source) if shown.cell_source else None,
            placeholder=NOT_RECORDED, key="trial_cell_source")
        lists_left, lists_right = st.columns(2)
        values["conditions"] = lists_left.text_area("Conditions (one a line)", "\n".join(shown.conditions or []),
                                                    key="trial_conditions")
        values["countries"] = lists_right.text_area("Countries (one a line)", "\n".join(shown.countries or []),
                                                    key="trial_countries")
        submitted = st.form_submit_button("Save corrections", type="primary", key="save_trial_fields")
    if not submitted:
        return None
    changes = {}
    for field, value in values.items():
        if field in LINE_LIST_FIELDS:
            value = _lines(value)
        elif field == "phases":
            value = sorted(value) or None
        elif isinstance(value, str):
            value = value.strip() or None
        old = getattr(shown, field)
        if isinstance(old, list):
            old = (sorted(old) if field == "phases" else old) or None
        if value != old:
            changes[field] = value
    return changes


def _correct_fields(visitor: identity.Visitor, registry_id: str) -> None:
    version_key = f"trial_version::{registry_id}"
    if version_key not in st.session_state:
        detail = read.trial_detail(store.engine(), registry_id)
        st.session_state[version_key] = (detail.version, detail)
    version, shown = st.session_state[version_key]
    corrected = ", ".join(shown.curated_fields or []) or "none yet"
    st.caption(f"Editing version {version:d}. Corrected fields are kept when the registry record is re-imported "
               f"(corrected so far: {widgets.escaped(corrected)}). If someone saves a newer version first, your save "
               "is refused and the newer values are shown.")
    changes = _trial_form(registry_id, shown, version)
    _save_corrections(visitor, registry_id, shown, version, changes)
    saves.reload_button("trial", version_key)


def _save_corrections(visitor: identity.Visitor, registry_id: str, shown: read.TrialDetail, version: int,
                      changes: dict[str, Any] | None) -> None:
    version_key = f"trial_version::{registry_id}"
    if changes is None:
        return
    if not changes:
        st.info("Nothing changed.")
        return
    if changes.get("start_date") and not _ISO_DATE.match(changes["start_date"]):
        st.error(f"Start date {widgets.escaped(repr(changes['start_date']))} is not YYYY, YYYY-MM or YYYY-MM-DD; nothing was written.")
        return
    try:
        after = curation.update_trial(store.engine(), visitor.actor, registry_id, changes, expected_version=version)
    except EditConflict as error:
        saves.conflict(error, fields=sorted(curation.EDITABLE_TRIAL_FIELDS), seen=shown, key="trial")
        saves.stale("trial", version_key)
        return
    except Exception as error:
        saves.failure(error)
        return
    del st.session_state[version_key]
    if not after:
        st.info("Nothing changed.")
        return
    saves.saved("trial_fields", f"Saved {widgets.escaped(registry_id)} as version {after['version']:d}; these "
                "corrections are kept on re-import.", [(field, after[field]) for field in sorted(changes)])
    st.rerun()


def _override_targets(visitor: identity.Visitor, registry_id: str, detail: read.TrialDetail) -> None:
    st.markdown("**Targets**")
    note = ("a curator's override" if detail.targets_curated else "inferred from the registry text")
    st.caption(f"Now {widgets.escaped(widgets.shown(detail.targets))} ({widgets.escaped(note)}). Saving replaces them; the "
               "override survives re-import.")
    chosen = st.multiselect("Targets", read.target_symbols(store.engine()), default=detail.targets,
                            key=f"trial_targets_{registry_id}", label_visibility="collapsed",
                            placeholder="Choose targets")
    if st.button("Save targets", key="save_trial_targets"):
        try:
            outcome = curation.set_trial_targets(store.engine(), visitor.actor, registry_id, chosen)
        except Exception as error:
            saves.failure(error)
            return
        st.session_state.pop(f"trial_version::{registry_id}", None)  # the trial's version moved on
        saves.saved("trial_targets", f"{widgets.escaped(registry_id)}: targets {widgets.escaped(outcome)}.",
                    [("targets", sorted(set(chosen))), ("kept on re-import", "yes")])
        st.rerun()


def _link_construct(visitor: identity.Visitor, registry_id: str, detail: read.TrialDetail) -> None:
    st.markdown("**Linked constructs**")
    linked = [f"{c.name} ({'curated' if c.curated else 'by product name'})" for c in detail.constructs]
    st.caption(f"Now {widgets.escaped(', '.join(linked) or 'none')}. A curated link survives re-import.")
    linked_names = {c.name for c in detail.constructs if c.curated}
    names = [n for n in widgets.construct_options("link_construct") if n not in linked_names]
    name = st.selectbox("Construct", names, index=None, placeholder="Choose a construct", key="link_construct",
                        label_visibility="collapsed")
    if st.button("Link construct", key="save_trial_link", disabled=name is None):
        try:
            outcome = curation.link_trial_construct(store.engine(), visitor.actor, registry_id, name)
        except Exception as error:
            saves.failure(error)
            return
        saves.saved("trial_link", f"{widgets.escaped(registry_id)} linked to {widgets.escaped(name)} ({widgets.escaped(outcome)}); "
                    "the link is kept on re-import.")
        st.rerun()


def correct_trial(visitor: identity.Visitor) -> None:
    """Choose a trial, then correct its fields, override its targets or link it to a construct."""
    choices = widgets.trial_options("trial_choice")
    if not choices:
        widgets.empty_state("No trial matches the search, or there are none yet: import registry files below, "
                            "or load the demo.")
        return
    registry_id = st.selectbox(
        "Trial", list(choices), index=None, placeholder="Choose a trial (type to search by registry ID)",
        format_func=lambda key: f"{key} · {(choices.get(key) or 'title not recorded')[:90]}", key="trial_choice")
    for slot in ("trial_fields", "trial_targets", "trial_link"):
        saves.show(slot)
    if registry_id is None:
        return
    detail = read.trial_detail(store.engine(), registry_id)
    if detail is None:
        st.warning(f"No trial {widgets.escaped(repr(registry_id))} any more.")
        return
    with st.container(border=True):
        st.markdown("**Fields**")
        _correct_fields(visitor, registry_id)
    left, right = st.columns(2)
    with left.container(border=True):
        _override_targets(visitor, registry_id, detail)
    with right.container(border=True):
        _link_construct(visitor, registry_id, detail)


def _lines_of(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def add_trial(visitor: identity.Visitor) -> None:
    """A trial of any registry entered by hand; its ID is checked for its registry."""
    registries = registry_names()
    with st.form("add_trial_form", clear_on_submit=False, border=False):
        left, middle, right = st.columns(3)
        registry = left.selectbox("Registry", registries, index=None, placeholder="from the ID's form",
                                  key="add_trial_registry")
        registry_id = middle.text_input("Registry ID", key="add_trial_id", placeholder="e.g. ChiCTR2600122319")
        url = right.text_input("Its public page (optional)", key="add_trial_url", placeholder="https://…")
        title = st.text_input("Public title", key="add_trial_title")
        scientific = st.text_input("Scientific title (optional)", key="add_trial_scientific")
        left, middle, right = st.columns(3)
        phases = left.multiselect("Phases", PHASE_CODES, format_func=lambda code: phase_label([code]),
                                  key="add_trial_phases")
        status = middle.text_input("Recruitment status", key="add_trial_status", placeholder="as the registry words it")
        start = right.text_input("Start date", key="add_trial_start", placeholder="YYYY, YYYY-MM or YYYY-MM-DD")
        sponsor = left.text_input("Primary sponsor", key="add_trial_sponsor")
        enrollment = middle.number_input("Enrollment", min_value=0, step=1, value=None, placeholder=NOT_RECORDED,
                                         key="add_trial_enrollment")
        kind = right.selectbox("Enrollment type", ENROLLMENT_TYPES, index=2, key="add_trial_enrollment_type")
        lists = st.columns(4)
        conditions = lists[0].text_area("Conditions (one a line)", key="add_trial_conditions")
        interventions = lists[1].text_area("Interventions (one a line)", key="add_trial_interventions")
        countries = lists[2].text_area("Countries (one a line)", key="add_trial_countries")
        secondary = lists[3].text_area("Its IDs in other registries (one a line)", key="add_trial_secondary")
        submitted = st.form_submit_button("Create trial", type="primary", key="add_trial_save")
    saves.show("trial_added")
    if not submitted:
        return
    try:
        created = curation.create_trial(
            store.engine(), visitor.actor, registry_id, registry=registry, title=title, scientific_title=scientific,
            phases=phases, overall_status=status or None, start_date=start or None, lead_sponsor=sponsor or None,
            enrollment_count=int(enrollment) if enrollment is not None else None, enrollment_type=kind,
            conditions=_lines_of(conditions), interventions=_lines_of(interventions), countries=_lines_of(countries),
            secondary_ids=_lines_of(secondary), url=url or None)
    except Exception as error:
        saves.failure(error)
        return
    saves.saved("trial_added", f"Created {widgets.escaped(created['registry_id'])} under "
                f"{widgets.escaped(created['registry'])}.",
                [("targets", created["targets"] or None), ("indication", created["indication"])])
    st.rerun()


def link_registrations(visitor: identity.Visitor) -> None:
    """Record two trials as registrations of one study (counted once), or as separate studies."""
    choices = widgets.trial_options("link_registrations")
    left, right = st.columns(2)
    first = left.selectbox("Trial", list(choices), index=None, placeholder="a registration", key="link_first")
    second = right.selectbox("Other registration", [c for c in choices if c != first], index=None,
                             placeholder="the same study in another registry", key="link_second")
    saves.show("trial_registrations")
    buttons = st.columns(2)
    for column, linked in zip(buttons, (True, False)):
        label = "Link as one study" if linked else "Unlink (separate studies)"
        if column.button(widgets.escaped(label), key=f"registrations_{'link' if linked else 'unlink'}",
                         disabled=first is None or second is None):
            action = curation.link_registrations if linked else curation.unlink_registrations
            try:
                result = action(store.engine(), visitor.actor, first, second)
            except Exception as error:
                saves.failure(error)
                return
            saves.saved("trial_registrations", f"{widgets.escaped(first)} and {widgets.escaped(second)}: "
                        f"{widgets.escaped('linked' if linked else 'unlinked')} ({widgets.escaped(result['outcome'])}); kept on re-import.",
                        [("registrations of the study", result["registrations"])])
            st.rerun()
