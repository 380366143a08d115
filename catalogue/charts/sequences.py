"""Sequence charts: domain maps (one record, or several compared), the text track under a sequence and an
alignment as text.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from catalogue.charts.style import (
    DOMAIN_COLOURS,
    DOMAIN_LETTERS,
    LAYOUT,
    empty_figure,
    plain,
    text_px,
)
from catalogue.vocabulary import NOT_RECORDED, kind_label


def domain_map(domains: list[dict[str, Any]], length: int, *, molecule: str = "protein",
               title: str | None = None) -> go.Figure:
    """Domains as coloured blocks along a chain, one row per source (annotated, detected, curated).

    ``domains`` are rows with kind, label, start, end (1-based, inclusive, in
    the record's coordinates) and optionally source, identity, reference,
    protein_start/protein_end. Hover gives kind, label, coordinates and identity.
    """
    unit = "aa" if molecule == "protein" else "nt"
    title = title or f"Domain map ({length} {unit})"
    if not domains:
        return empty_figure(title, "No domains recorded for this sequence")
    rows = sorted({d.get("source") or "annotated" for d in domains})
    figure = go.Figure()
    shown_kinds: set[str] = set()
    for domain in domains:
        kind = domain["kind"]
        start, end = int(domain["start"]), int(domain["end"])
        span = end - start + 1 if end >= start else (length - start + 1) + end
        identity = domain.get("identity")
        details = [f"{start}–{end} {unit}"]
        if domain.get("protein_start") is not None and molecule != "protein":
            details.append(f"chain residues {domain['protein_start']}–{domain['protein_end']}")
        details.append("identity " + (f"{identity:.1f} %" if identity is not None else NOT_RECORDED))
        if domain.get("reference"):
            details.append(f"reference {domain['reference']}")  # escaped below
        figure.add_bar(
            name=kind_label(kind),
            legendgroup=kind,
            showlegend=kind not in shown_kinds,
            orientation="h",
            y=[domain.get("source") or "annotated"],
            x=[span],
            base=[start - 1],
            width=0.6,
            marker=dict(color=DOMAIN_COLOURS.get(kind, DOMAIN_COLOURS["other"]), line=dict(color="#ffffff", width=1)),
            text=[plain(domain["label"])],
            textposition="inside",
            insidetextanchor="middle",
            customdata=[[kind_label(kind), plain(domain["label"]), "<br>".join(plain(d) for d in details)]],
            hovertemplate="<b>%{customdata[1]}</b><br>%{customdata[0]}<br>%{customdata[2]}<extra></extra>",
        )
        shown_kinds.add(kind)
    layout = dict(LAYOUT)
    layout["legend"] = dict(orientation="h", yanchor="top", y=-0.5 if len(rows) < 3 else -0.3, xanchor="left", x=0,
                            title_text="")
    # margins that hold the row names and the legend below (smaller ones are grown by drawing the figure twice)
    layout["margin"] = dict(l=12 + text_px(rows), r=10, t=50, b=120)
    figure.update_layout(
        title=title, barmode="overlay", height=190 + 60 * len(rows), xaxis_title=f"Position ({unit})",
        uniformtext=dict(minsize=9, mode="hide"), **layout,
    )
    figure.update_xaxes(range=[0, length], showgrid=True)
    figure.update_yaxes(categoryorder="array", categoryarray=rows)
    return figure


def domain_track(sequence: str, domains: list[dict[str, Any]], *, width: int = 60) -> str:
    """The sequence in blocks of ``width`` with a line under each marking its domains by letter.

    Plain text for a monospace block: position numbers on the left, one letter
    per domain kind (see :data:`DOMAIN_LETTERS`) under each residue or base,
    ``.`` where no domain lies, and a key at the end. Where domains overlap the
    later one in the list is shown.
    """
    marks = ["."] * len(sequence)
    for domain in domains:
        letter = DOMAIN_LETTERS.get(domain["kind"], "o")
        start, end = int(domain["start"]), int(domain["end"])
        positions = range(start - 1, end) if end >= start else [*range(start - 1, len(sequence)), *range(0, end)]
        for i in positions:
            if 0 <= i < len(marks):
                marks[i] = letter
    digits = len(str(max(len(sequence), 1)))
    lines = []
    for offset in range(0, len(sequence), width):
        lines.append(f"{offset + 1:>{digits}}  {sequence[offset:offset + width]}")
        if domains:
            lines.append(f"{'':>{digits}}  {''.join(marks[offset:offset + width])}")
    if domains:
        lines.append("")
        lines.append("Key:")
        for domain in domains:
            letter = DOMAIN_LETTERS.get(domain["kind"], "o")
            lines.append(f"  {letter}  {domain['kind']:<18} {domain['start']}–{domain['end']}  {domain['label']}")
    return "\n".join(lines)


# --- compare ------------------------------------------------------------------------------------


def domain_maps_compared(maps: dict[str, dict[str, Any]], *, title: str = "Domain maps") -> go.Figure:
    """Several constructs' domain maps on one residue axis, one row per construct (top to bottom in order).

    ``maps`` is ``{construct: {"length", "domains": [ChainDomain]}}`` (kind, label, start, end) in protein
    coordinates of each construct's CAR/TCR chain (:func:`catalogue.read.compare_constructs`).
    """
    names = list(maps)
    if not any(m["domains"] for m in maps.values()):
        return empty_figure(title, "No domains recorded for these constructs")
    figure = go.Figure()
    shown_kinds: set[str] = set()
    for name in names:
        for domain in maps[name]["domains"]:
            kind = domain.kind
            start, end = int(domain.start), int(domain.end)
            figure.add_bar(
                name=kind.upper() if kind in ("vh", "vl", "vhh") else kind.replace("_", " "), legendgroup=kind,
                showlegend=kind not in shown_kinds, orientation="h", y=[plain(name)], x=[end - start + 1], base=[start - 1], width=0.6,
                marker=dict(color=DOMAIN_COLOURS.get(kind, DOMAIN_COLOURS["other"]), line=dict(color="#ffffff", width=1)),
                text=[plain(domain.label)], textposition="inside", insidetextanchor="middle",
                customdata=[[plain(domain.label), kind.replace("_", " "), f"{start}–{end} aa"]],
                hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]}<br>%{customdata[2]}<extra></extra>",
            )
            shown_kinds.add(kind)
        if not maps[name]["domains"]:
            figure.add_annotation(x=0, y=plain(name), text=NOT_RECORDED, showarrow=False, xanchor="left")
    layout = dict(LAYOUT)
    layout["legend"] = dict(orientation="h", yanchor="top", y=-0.25, xanchor="left", x=0, title_text="")
    layout["margin"] = dict(l=12 + text_px(plain(n) for n in names), r=10, t=50, b=120)
    figure.update_layout(title=title, barmode="overlay", height=200 + 55 * len(names),
                         xaxis_title="Residue of the CAR/TCR chain (aa)", uniformtext=dict(minsize=9, mode="hide"),
                         **layout)
    figure.update_yaxes(categoryorder="array", categoryarray=[plain(n) for n in reversed(names)])
    figure.update_xaxes(range=[0, max(m["length"] for m in maps.values()) or 1], showgrid=True)
    return figure


def alignment_text(alignment: dict[str, Any], *, width: int = 60) -> str:
    """A pairwise alignment as monospace text: query, match line (``|`` identical, ``:``/``.`` similar), subject,
    each block with its first residue number. ``alignment`` has query_text, match_text, subject_text,
    query_start and subject_start (one alignment of :func:`catalogue.read.search_sequence`'s hits)."""
    query, match, subject = alignment["query_text"], alignment["match_text"], alignment["subject_text"]
    q_at, s_at = int(alignment["query_start"]), int(alignment["subject_start"])
    digits = len(str(max(q_at + len(query), s_at + len(subject))))
    lines = []
    for offset in range(0, len(match), width):
        q_part, s_part = query[offset : offset + width], subject[offset : offset + width]
        lines += [f"query   {q_at:>{digits}}  {q_part}", f"        {'':>{digits}}  {match[offset : offset + width]}",
                  f"subject {s_at:>{digits}}  {s_part}", ""]
        q_at += len(q_part) - q_part.count("-")
        s_at += len(s_part) - s_part.count("-")
    return "\n".join(lines).rstrip()
