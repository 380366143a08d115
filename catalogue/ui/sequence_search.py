"""Find by sequence, on the Constructs page: paste or upload a query, see the constructs that carry it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from catalogue import charts, read
from catalogue.errors import CatalogueError
from catalogue.ui import store, widgets

HIT_COLUMNS = {
    "construct": st.column_config.TextColumn("Construct", pinned=True, width="medium"),
    "match": st.column_config.TextColumn("Match", help="binder: same or closely related binder (V domains); "
                                         "domain: shares other domains; chain: the whole chain aligns"),
    "identity": st.column_config.NumberColumn("Identity (%)", format="%.1f"),
    "coverage": st.column_config.NumberColumn("Coverage", format="%.2f",
                                              help="Fraction of the query's binder, domains or chain aligned"),
    "query_range": st.column_config.TextColumn("Query residues"),
    "subject_range": st.column_config.TextColumn("Subject residues", help="Residues of the record's chain"),
    "score": st.column_config.NumberColumn("Score", help="Smith-Waterman score, BLOSUM62"),
    "record": st.column_config.TextColumn("Record"),
}


def _query_text() -> tuple[str | bytes | None, str]:
    pasted, uploaded = st.columns([3, 2])
    text = pasted.text_area("Sequence", key="search_text", height=120,
                            placeholder="Paste a protein or DNA sequence, or a FASTA / GenBank record")
    upload = uploaded.file_uploader("or a file", type=None, key="search_file",
                                    help="FASTA or GenBank; the first record is the query")
    if upload is not None:
        return upload.getvalue(), upload.name
    return (text if text and text.strip() else None), "pasted sequence"


def search_section() -> None:
    """The search box, the hits table and the alignment view of the chosen hit."""
    # Built only once opened (on_change="rerun"): a closed expander sends nothing, so the first view of the page
    # does not fetch the text-area, file-uploader and number-input scripts nor the monospace font.
    with st.expander("Find by sequence", icon=":material/search:", key="search_expanded", on_change="rerun") as search:
        if not search.open:
            return
        content, name = _query_text()
        left, right, _ = st.columns([1, 1, 2], vertical_alignment="bottom")
        min_identity = left.number_input("Minimum identity (%)", 0.0, 100.0, 0.0, step=5.0, key="search_min_identity")
        limit = right.number_input("At most", 1, 200, 50, step=10, key="search_limit")
        if content is None:
            st.caption("Binder matches (identity over the V domains) come first, then constructs sharing other "
                       "domains, then whole-chain matches. DNA is read in its open reading frames, as import does.")
            return
        try:
            result = read.search_sequence(store.engine(), content, min_identity=float(min_identity), limit=int(limit),
                                name=name)
        except CatalogueError as error:
            st.error(widgets.escaped(str(error)), icon=":material/error:")
            return
        query = result["query"]
        unit = "aa" if query["molecule"] == "protein" else "nt"
        st.caption(f"Query {widgets.escaped(query['record'])}: {widgets.escaped(format(query['length'], ','))} "
                   f"{widgets.escaped(unit)} {widgets.escaped(query['molecule'])}; domains: "
                   + widgets.escaped(", ".join(d["label"] for d in query["domains"]) or "none detected"))
        hits = result["hits"]
        if not hits:
            widgets.empty_state("No construct matches this sequence.")
            return
        frame = pd.DataFrame([{**h, "query_range": f"{h['query_start']}–{h['query_end']}",
                               "subject_range": f"{h['subject_start']}–{h['subject_end']}"} for h in hits])
        event = st.dataframe(frame, hide_index=True, width="stretch", key="search_hits", column_config=HIT_COLUMNS,
                             column_order=list(HIT_COLUMNS), on_select="rerun", selection_mode="single-row")
        rows = event.selection.rows if event is not None and hasattr(event, "selection") else []
        hit = hits[rows[0]] if rows else hits[0]
        st.markdown(f"**Alignment with {widgets.escaped(hit['construct'])}** ({widgets.escaped(hit['match'])} match; select a row "
                    "to see another)")
        for alignment in hit["alignments"]:
            st.caption(f"{widgets.escaped(alignment['query_label'])} → {widgets.escaped(alignment['subject_label'])}: "
                       f"{alignment['identity']:.1f} % identity, coverage {alignment['coverage']:.2f}")
            st.code(charts.alignment_text(alignment), language=None)
        left, right = st.columns(2)
        if left.button("Open this construct", key="search_open", icon=":material/open_in_new:"):
            st.query_params["name"] = hit["construct"]
            st.rerun()
        chosen = [h["construct"] for h in hits[:4]]
        if len(chosen) >= 2 and right.button(f"Compare the first {len(chosen)}", key="search_compare",
                                             icon=":material/compare:"):
            st.session_state["compare_choice"] = chosen
            st.switch_page("catalogue/ui/compare.py")
