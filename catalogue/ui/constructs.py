"""Constructs: a filterable table paginated in SQL, and a construct's page (``?name=...``)."""

from __future__ import annotations

import streamlit as st

from catalogue import charts, read
from catalogue.parse.registry_ids import registry_url
from catalogue.ui import sequence_search, store, tables, widgets
from catalogue.vocabulary import NOT_RECORDED, phase_label, status_label

name = st.query_params.get("name")


def _downloads(record: read.SequenceRecordDetail) -> None:
    """GenBank, FASTA and original-file downloads of one sequence record."""
    from catalogue import export

    draft = read.sequence_record_draft(store.engine(), record.id)
    stem = f"{record.construct}_{record.record_id}".replace("/", "_").replace(" ", "_")
    columns = st.columns(3)
    try:
        columns[0].download_button("GenBank", export.to_genbank(draft).encode("utf-8"), file_name=f"{stem}.gb",
                                   mime="text/plain", key=f"gb_{record.id}", on_click="ignore",
                                   icon=":material/download:")
        columns[1].download_button("FASTA", export.to_fasta(draft).encode("utf-8"), file_name=f"{stem}.fasta",
                                   mime="text/plain", key=f"fa_{record.id}", on_click="ignore",
                                   icon=":material/download:")
    except Exception as error:  # an exporter refusing a record: say why, keep the page
        columns[0].warning(f"Export unavailable: {widgets.escaped(error)}")
    original = read.original_file(store.engine(), record.id)
    if original:
        columns[2].download_button("Original file text", original[1], file_name=original[0],
                                   mime="application/octet-stream", key=f"orig_{record.id}", on_click="ignore",
                                   icon=":material/download:", help="The record exactly as it was imported")


def _tcr_section(detail: read.ConstructDetail) -> None:
    """What a TCR-T construct recognises (epitope, HLA restriction) and its chains' genes and CDR3s."""
    if detail.proposed_modality:
        st.info(f"Detection found TCR chains: modality {widgets.escaped(detail.proposed_modality)} is proposed. "
                "A curator accepts it on the Curate page (accept the detected architecture).")
    left, right = st.columns(2)
    with left:
        st.subheader("Epitope and HLA restriction")
        if detail.epitopes:
            st.dataframe(
                [{**read.to_json(e), "position": f"{e.uniprot} {e.peptide_start}-{e.peptide_end}"
                  if e.peptide_start else None} for e in detail.epitopes],
                hide_index=True, width="stretch", key="epitopes", placeholder=NOT_RECORDED,
                column_order=["antigen", "peptide", "hla", "position", "source"],
                column_config={"antigen": "Antigen", "peptide": "Peptide", "hla": "HLA restriction",
                               "position": "In the antigen", "source": "Source"})
        else:
            widgets.empty_state("No epitope recorded. Curators add the peptide and HLA restriction on the Curate page.")
    with right:
        st.subheader("TCR chains")
        if detail.tcr_chains:
            st.dataframe(
                read.to_json(detail.tcr_chains), hide_index=True, width="stretch", key="tcr_chains",
                placeholder=NOT_RECORDED,
                column_order=["chain", "v_gene", "j_gene", "cdr3", "constant", "source", "v_allele", "j_allele", "note"],
                column_config={"chain": "Chain", "v_gene": "V gene", "j_gene": "J gene", "cdr3": "CDR3",
                               "constant": "Constant region", "source": "Source", "v_allele": "V allele",
                               "j_allele": "J allele", "note": "Note"})
            st.caption("In ORF order. Detected chains: germline V and J genes and IMGT numbering from ANARCI; "
                       "the CDR3 runs from the conserved Cys 104 to the Phe/Trp 118.")
        else:
            widgets.empty_state("No TCR chain detected or recorded.")


def _construct_page(name: str) -> None:
    widgets.back_button("All constructs", "name")
    detail = read.construct_detail(store.engine(), name)
    if not widgets.live(detail, f"No construct named {name!r}"):
        return
    st.title(widgets.escaped(name))
    st.caption(" · ".join(widgets.escaped(v) for v in (
        detail.modality or "modality not recorded", ", ".join(detail.targets) or "target not recorded", detail.status or "status not recorded"
    )))
    left, right = st.columns(2)
    with left:
        st.subheader("Architecture")
        widgets.facts([
            ("Targets", detail.targets),
            ("Binder", detail.binder_clone),
            ("Binder format", detail.binder_format),
            ("Binder species", detail.binder_species),
            ("Grafted on (hybrid receptor)", detail.receptor),
            ("Hinge", detail.hinge),
            ("Transmembrane", detail.transmembrane),
            ("Costimulatory", detail.costimulatory),
            ("Signalling", detail.signalling),
            ("Generation", detail.generation),
            ("Vector", detail.vector),
        ], key="architecture")
    with right:
        st.subheader("Provenance")
        patients = detail.patients_treated
        widgets.facts([
            ("Aliases", detail.aliases),
            ("Developer", detail.developer),
            ("Programme", detail.programme),
            ("Patients treated (curated)", patients),
            ("Patients treated: source", detail.patients_treated_source if patients is not None else None),
            ("Patients treated: as of", detail.patients_treated_date if patients is not None else None),
            ("Source", detail.source),
            ("Version", detail.version),
        ], key="provenance")
        if detail.notes:
            st.caption("Notes")
            st.text(detail.notes)

    if detail.modality == "TCR-T" or detail.epitopes or detail.tcr_chains:
        _tcr_section(detail)

    st.subheader("Sequence records")
    records = detail.sequence_records
    if not records:
        widgets.empty_state("No sequence record yet. Curators upload GenBank or FASTA files on the Curate page.")
    else:
        labels = {r["id"]: f"{r['file_name']} / {r['record_id']} ({r['length']} {'aa' if r['molecule'] == 'protein' else 'nt'})"
                  for r in records}
        chosen = st.selectbox("Record", list(labels), format_func=labels.get, key="record_choice")
        record = read.sequence_record(store.engine(), chosen)
        figure = charts.domain_map(record.domains, record.length, molecule=record.molecule,
                                   title=f"Domain map: {record.record_id}")
        st.plotly_chart(figure, config=charts.plotly_config(f"domain_map_{name}"), width="stretch", key="domain_map")
        if record.warnings:
            with st.expander(f"Import warnings ({len(record.warnings)})"):
                for warning in record.warnings:
                    st.text(warning)
        # Built only once opened: a closed expander sends nothing, and the code block's highlighter
        # (a large script) is not loaded for the first view of the page.
        with st.expander("Sequence with domains marked", key="track_open", on_change="rerun") as track:
            if track.open:
                st.code(charts.domain_track(record.sequence, record.domains), language=None)
        with st.expander("Domains as a table"):
            st.dataframe(record.domains, hide_index=True, width="stretch", key="domain_table", placeholder=NOT_RECORDED,
                         column_order=["kind", "label", "start", "end", "source", "identity", "reference",
                                       "protein_start", "protein_end"],
                         column_config={"identity": st.column_config.NumberColumn("identity (%)", format="%.1f")})
        _downloads(record)

    st.subheader("Trials")
    if detail.trials:
        st.dataframe(
            [{**read.to_json(t), "phase": phase_label(t.phases), "status": status_label(t.overall_status),
              "registry_url": registry_url(None, t.registry_id),
              "link": "curated" if t.curated else "matched by product name"} for t in detail.trials],
            hide_index=True, width="stretch", key="construct_trials",
            column_order=["registry_id", "registry_url", "title", "phase", "status", "link"],
            column_config={"registry_id": "Registry ID",
                           "registry_url": st.column_config.LinkColumn("Registry page", display_text="open ↗"),
                           "title": st.column_config.TextColumn("Title", width="large"),
                           "link": st.column_config.TextColumn("Link", help="How the trial was linked")},
        )
    else:
        widgets.empty_state("No linked trial. Curators link trials on the Curate page.")

    st.subheader("Constructs sharing its binder")
    sharing = read.constructs_sharing_binder(store.engine(), name)
    if len(sharing):
        st.dataframe(sharing, hide_index=True, width="stretch", key="sharing",
                     column_config={"name": "Construct", "binder_checksum": "Binder checksum (SEGUID)"})
    else:
        st.caption("None: no other construct has a binder domain with the same protein sequence.")

    st.subheader("History of its sequence records")
    history = read.sequence_history(store.engine(), name)
    if len(history):
        st.dataframe(history.drop(columns=["id"]), hide_index=True, width="stretch", key="history",
                     placeholder="—",
                     column_config={"file_name": "File", "record_id": "Record", "format": "Format",
                                    "molecule": "Molecule", "length": "Length", "checksum": "Checksum",
                                    "imported_by": "Imported by", "version": "Version",
                                    "imported_at": st.column_config.DatetimeColumn("Imported", format="YYYY-MM-DD HH:mm"),
                                    "archived_at": st.column_config.DatetimeColumn("Archived", format="YYYY-MM-DD HH:mm")})
    else:
        st.caption("No sequence record has been imported for this construct.")


if name:
    _construct_page(name)
    st.stop()

st.title("Constructs")
sequence_search.search_section()
st.page_link("catalogue/ui/compare.py", label="Compare constructs side by side", icon=":material/compare:")
facets = read.CONSTRUCT_FACETS.facets
filters = widgets.facet_filters(facets, read.construct_facets(store.engine()), per_row=len(facets))
tables.browse(
    read.construct_page, filters, show=tables.constructs, key="constructs_table", param="name", column="name",
    caption="Select a row to open the construct. Empty cells are not recorded.",
    empty="No construct matches these filters: set a filter back to Any." if any(filters.values()) else
    "No constructs yet. Load the demo (`catalogue init --demo`) or upload sequence files on the Curate page.",
)
