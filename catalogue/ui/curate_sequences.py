"""Curate › Sequences: upload sequence files, and curate the domains of a stored sequence record."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import pandas as pd
import streamlit as st

from catalogue import curation, read
from catalogue.drafts import ConstructDraft, DomainDraft
from catalogue.errors import CatalogueError, EditConflict, InvalidInput
from catalogue.parse.archives import expanded_files
from catalogue.ui import identity, saves, store, widgets
from catalogue.vocabulary import DOMAIN_KINDS, MODALITIES

SEQUENCE_TYPES = ["gb", "gbk", "genbank", "gp", "embl", "emb", "dna", "fasta", "fa", "faa", "fna", "fas", "txt", "gz",
                  "zip"]
DOMAIN_COLUMNS = ["kind", "label", "start", "end"]
RECORD_STATE_FIELDS = ("version", "curated_by", "curated_at", "imported_by", "imported_at", "length")


def _report_frame(report: curation.FileReport) -> pd.DataFrame:
    rows = [asdict(r) | {"warnings": " ".join(r.warnings) or None} for r in report.records]
    return pd.DataFrame(rows, columns=["record", "outcome", "detail", "line", "warnings"])


def show_report(report: curation.FileReport) -> None:
    """One imported file's outcome: counts per outcome and a row per record, or why nothing was written."""
    if not report.ok:
        st.error(f"{widgets.escaped(report.file)}: nothing written. {widgets.escaped(report.error)}")
        return
    counts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(report.counts().items())) or "no records"
    st.success(f"{widgets.escaped(report.file)}: {widgets.escaped(counts)}.")
    for warning in report.warnings:
        st.warning(widgets.escaped(warning), icon=":material/warning:")
    st.dataframe(_report_frame(report), hide_index=True, width="stretch", key=f"report_{report.file}_{id(report)}")


@st.cache_data(show_spinner=False, max_entries=16)
def _prepared(file_name: str, content: bytes, annotations: bytes | None, annotations_name: str | None):
    """Parse, validate and detect domains (no database); cached per file content."""
    try:
        return curation.prepare_sequences(file_name, content, annotations=annotations,
                                          annotations_name=annotations_name), None
    except CatalogueError as error:
        return None, str(error)


@st.cache_data(show_spinner=False, max_entries=16)
def _expanded(file_name: str, content: bytes) -> list[tuple[str, bytes | str]]:
    """An upload as the files to import: itself, or the files inside a .gz or .zip (or why it is refused)."""
    return [(name, str(item) if isinstance(item, InvalidInput) else item)
            for name, item in expanded_files([(file_name, content)])]


def upload(visitor: identity.Visitor) -> None:
    """Upload sequence files, preview their records and domains, and save them to a construct."""
    st.caption("GenBank, EMBL, SnapGene (.dna) or FASTA (DNA or protein), one or many, or .gz and .zip files of "
               "them (each file inside is imported on its own); a GTF file adds annotations to the records it "
               "names. Nothing is written until you save. A sequence already in the catalogue is not imported "
               "twice, so re-importing a file keeps its curated domains.")
    uploads = st.file_uploader("Sequence files", type=SEQUENCE_TYPES, accept_multiple_files=True, key="sequence_files")
    gtf = st.file_uploader("Annotations (GTF, optional)", type=["gtf", "gff"], key="gtf_file")
    gtf_bytes = gtf.getvalue() if gtf else None
    files = [member for file in uploads or [] for member in _expanded(file.name, file.getvalue())]
    previews = []
    for index, (name, content) in enumerate(files):
        if isinstance(content, str):
            prepared, error = None, content
        else:
            prepared, error = _prepared(name, content, gtf_bytes, gtf.name if gtf else None)
        previews.append((name, prepared, error))
        with st.expander(f"Preview: {widgets.escaped(name)}", expanded=len(files) <= 3):
            if error:
                st.error(widgets.escaped(error))
                continue
            st.dataframe(
                pd.DataFrame([{
                    "record": d.record_id, "format": d.format, "molecule": d.molecule, "topology": d.topology,
                    "length": d.length, "domains": len(d.domains), "warnings": len(d.warnings),
                    "description": d.description,
                } for d in prepared.drafts]),
                hide_index=True, width="stretch", key=f"preview_{index}_{name}",
            )
            for draft in prepared.drafts:
                st.caption(f"Record {widgets.escaped(draft.record_id)}: domains")
                if draft.domains:
                    st.dataframe(pd.DataFrame([asdict(d) for d in draft.domains]), hide_index=True, width="stretch",
                                 key=f"domains_{index}_{name}_{draft.record_id}",
                                 column_order=["kind", "label", "start", "end", "source", "identity", "reference",
                                               "protein_start", "protein_end"])
                else:
                    st.text("No domains annotated or detected.")
                for warning in draft.warnings:
                    st.warning(widgets.escaped(warning), icon=":material/warning:")
    if uploads:
        st.markdown("**Attach to**")
        mode = st.radio("Construct", ["An existing construct", "A new construct", "A construct named after each record"],
                        horizontal=True, key="attach_mode")
        construct_name = None
        new_construct = None
        if mode == "An existing construct":
            construct_name = st.selectbox("Construct", widgets.construct_options("attach_existing"), key="attach_existing",
                                          index=None, placeholder="Choose a construct")
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
                    outcome = curation.save_construct(store.engine(), visitor.actor, ConstructDraft(
                        name=construct_name, targets=new_construct[0], modality=new_construct[1],
                        source="created in Curate with an uploaded sequence file"))
                    st.info(f"Construct {widgets.escaped(construct_name)}: {widgets.escaped(outcome)}.")
                progress = st.progress(0.0, text=f"Importing {len(files)} file(s)…")

                def imported(report) -> None:
                    done = len(st.session_state["sequence_reports"]) + 1
                    st.session_state["sequence_reports"].append(report)
                    progress.progress(done / len(files), text=f"Imported {widgets.escaped(report.file)} ({done:d}/{len(files)})")

                st.session_state["sequence_reports"] = []
                curation.import_sequence_files(
                    store.engine(), visitor.actor, [(name, content) for name, content in files],
                    construct=construct_name, annotations=gtf_bytes, annotations_name=gtf.name if gtf else None,
                    on_report=imported,
                )
            except Exception as error:  # shown as a message; the service layer wrote nothing on error
                saves.failure(error)
        elif not ready:
            st.caption("Choose a construct (or fix the files above) to save.")
    for report in st.session_state.get("sequence_reports", []):
        show_report(report)


# --- curated domains ---------------------------------------------------------------------------


def _record_label(record: dict[str, Any]) -> str:
    unit = "aa" if record["molecule"] == "protein" else "nt"
    return f"{record['record_id']} · {record['file_name']} · {record['length']:,} {unit}"


def _domain_drafts(frame: pd.DataFrame) -> list[DomainDraft]:
    """The edited table as domain drafts; a row left wholly empty is dropped, a half-filled one is an error."""
    drafts = []
    for number, row in enumerate(frame.to_dict("records"), start=1):
        values = {k: (None if pd.isna(row.get(k)) or row.get(k) == "" else row.get(k)) for k in DOMAIN_COLUMNS}
        if all(v is None for v in values.values()):
            continue
        missing = [k for k, v in values.items() if v is None]
        if missing:
            raise curation.InvalidInput(f"row {number} of the table has no {', '.join(missing)}")
        drafts.append(DomainDraft(kind=str(values["kind"]), label=str(values["label"]).strip(),
                                  start=int(values["start"]), end=int(values["end"]), source="curated"))
    return drafts


def _domain_editor(visitor: identity.Visitor, construct: str, record: dict[str, Any]) -> None:
    record_key = record["id"]
    version_key = f"domains_version::{record_key}"
    if version_key not in st.session_state:
        st.session_state[version_key] = record["version"]
    version = st.session_state[version_key]
    curated = [d for d in record["domains"] if d["source"] == "curated"]
    others = [d for d in record["domains"] if d["source"] != "curated"]
    unit = "residues" if record["molecule"] == "protein" else "nucleotides"
    with st.expander(f"Annotated and detected domains ({len(others)}), for reference", expanded=False):
        if others:
            st.dataframe(pd.DataFrame(others), hide_index=True, width="stretch", key=f"domains_reference_{record_key}",
                         column_order=["source", "kind", "label", "start", "end", "protein_start", "protein_end",
                                       "identity", "reference"])
        else:
            st.text("None.")
    seed_from_detected = False
    if not curated and others:
        seed_from_detected = st.toggle("Start from the annotated and detected domains", key="domains_seed")
    rows = curated or (others if seed_from_detected else [])
    table = pd.DataFrame([{k: d[k] for k in DOMAIN_COLUMNS} for d in rows], columns=DOMAIN_COLUMNS)
    table = table.astype({"kind": "object", "label": "object", "start": "Int64", "end": "Int64"})
    st.caption(f"Editing version {version:d} of the record. Positions are 1-based and inclusive, in {widgets.escaped(unit)} "
               f"(1–{record['length']:,}). Add or delete rows; saving replaces this record's curated domains.")
    edited = st.data_editor(
        table, num_rows="dynamic", hide_index=True, width="stretch",
        key=f"domains_editor_{record_key}_{version}_{int(seed_from_detected)}",
        column_config={
            "kind": st.column_config.SelectboxColumn("Kind", options=list(DOMAIN_KINDS), required=True),
            "label": st.column_config.TextColumn("Label", required=True),
            "start": st.column_config.NumberColumn("Start", min_value=1, max_value=record["length"], step=1,
                                                   required=True),
            "end": st.column_config.NumberColumn("End", min_value=1, max_value=record["length"], step=1,
                                                 required=True),
        },
    )
    if st.button("Save curated domains", type="primary", key="save_domains"):
        _save_domains(visitor, construct, record, version, edited)
    saves.reload_button("domains", version_key)


def _save_domains(visitor: identity.Visitor, construct: str, record: dict[str, Any], version: int,
                  edited: pd.DataFrame) -> None:
    version_key = f"domains_version::{record['id']}"
    try:
        drafts = _domain_drafts(edited)
        new_version = curation.set_curated_domains(store.engine(), visitor.actor, record["id"], drafts,
                                                   expected_version=version)
    except EditConflict as error:
        saves.conflict(error, fields=RECORD_STATE_FIELDS, key="domains")
        saves.stale("domains", version_key)
        return
    except Exception as error:
        saves.failure(error)
        return
    del st.session_state[version_key]
    if new_version == version:
        st.info("The curated domains are as they were: nothing changed.")
        return
    saves.saved("domains", f"{widgets.escaped(construct)} / {widgets.escaped(record['record_id'])}: "
                f"{len(drafts)} curated domain(s) saved, record version {new_version:d}.",
                [(f"{d.kind} {d.start}–{d.end}", d.label) for d in drafts])
    st.rerun()


def curate_domains(visitor: identity.Visitor) -> None:
    """Choose a construct and one of its sequence records, then edit that record's curated domains."""
    st.caption("Curated domains sit beside the annotated and detected ones, which are never changed; the "
               "construct's domain map prefers curated domains, then detected, then annotated.")
    saves.show("domains")
    name = st.selectbox("Construct", widgets.construct_options("domains_construct"), index=None, key="domains_construct",
                        placeholder="Choose a construct with a sequence record")
    if not name:
        return
    detail = read.construct_detail(store.engine(), name)
    records = detail.sequence_records if detail else []
    if not records:
        st.info(f"{widgets.escaped(name)} has no sequence record: upload one above.", icon=":material/info:")
        return
    by_id = {r["id"]: r for r in records}
    record_id = st.selectbox("Sequence record", list(by_id), format_func=lambda i: _record_label(by_id[i]),
                             key=f"domains_record_{name}")
    _domain_editor(visitor, name, by_id[record_id])
