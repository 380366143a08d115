"""Chart builders: query output (DataFrames, rows) in, Plotly figures (or text tracks) out.

Pure functions: no Streamlit, no SQL. One palette gives each target the same
colour in every chart; another gives each domain kind its colour in domain
maps. Patients treated (curated counts of infused patients) and registry
enrollment are always separate traces, each named with its basis.
"""

from __future__ import annotations

import html
import re
import zlib
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from catalogue.vocabulary import NOT_RECORDED, PHASE_ORDER, kind_label

# --- palettes ---------------------------------------------------------------------------------

#: Fixed colours for the programme's seed targets and the other frequent ones.
TARGET_COLOURS: dict[str, str] = {
    "CD19": "#1f77b4",
    "BCMA": "#d62728",
    "CD22": "#2ca02c",
    "CD7": "#9467bd",
    "CD38": "#8c564b",
    "CD30": "#e377c2",
    "CD123": "#ff7f0e",
    "CS1": "#17becf",
    "SLAMF7": "#0e8a99",
    "CD20": "#bcbd22",
    "GPRC5D": "#7f7f7f",
}
#: Colours for every other target, chosen by a stable hash of its symbol.
OTHER_TARGET_COLOURS = (
    "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354",
    "#756bb1", "#636363", "#6baed6", "#fd8d3c", "#74c476", "#9e9ac8", "#969696", "#ad494a",
)  # fmt: skip

PHASE_COLOURS: dict[str, str] = {
    "Early phase 1": "#c6dbef",
    "Phase 1": "#6baed6",
    "Phase 1/2": "#4292c6",
    "Phase 2": "#2171b5",
    "Phase 2/3": "#08519c",
    "Phase 3": "#08306b",
    "Phase 4": "#252525",
    "Not applicable": "#bdbdbd",
    NOT_RECORDED: "#e0e0e0",
}

DOMAIN_COLOURS: dict[str, str] = {
    "signal_peptide": "#9e9e9e",
    "vh": "#1f77b4",
    "vl": "#6baed6",
    "vhh": "#3182bd",
    "linker": "#d9d9d9",
    "hinge": "#ffbb78",
    "transmembrane": "#ff7f0e",
    "costimulatory": "#2ca02c",
    "signalling": "#d62728",
    "cleavage_2a": "#9467bd",
    "marker": "#8c564b",
    "tcr_alpha_variable": "#17becf",
    "tcr_beta_variable": "#0e8a99",
    "tcr_constant": "#7fc7cf",
    "other": "#c7c7c7",
}

#: One letter per domain kind for the text track under a sequence.
DOMAIN_LETTERS: dict[str, str] = {
    "signal_peptide": "s",
    "vh": "H",
    "vl": "L",
    "vhh": "N",
    "linker": "-",
    "hinge": "h",
    "transmembrane": "T",
    "costimulatory": "C",
    "signalling": "Z",
    "cleavage_2a": "2",
    "marker": "M",
    "tcr_alpha_variable": "A",
    "tcr_beta_variable": "B",
    "tcr_constant": "K",
    "other": "o",
}

#: Bases of the patient and enrollment bars, as the charts' legends name them.
PATIENTS_BASIS = "Patients treated (published results)"
ACTUAL_BASIS = "Enrollment, actual (registry)"
ESTIMATED_BASIS = "Enrollment, estimated (registry)"
UNKNOWN_BASIS = "Enrollment, type not given (registry)"

#: Gridlines and zero lines of the axes.
GRID_COLOUR = "#EBF0F8"

#: The charts' template: only the layout they need (white background, light grid, margins that fit the tick
#: labels). Not ``plotly_white``, which sends about 7 KiB of defaults for some twenty trace types with every
#: figure and which Plotly applies to each trace before drawing; Streamlit lays its own theme over the rest.
TEMPLATE = go.layout.Template(layout=dict(
    paper_bgcolor="white",
    plot_bgcolor="white",
    hovermode="closest",
    xaxis=dict(gridcolor=GRID_COLOUR, linecolor=GRID_COLOUR, zerolinecolor=GRID_COLOUR, automargin=True),
    yaxis=dict(gridcolor=GRID_COLOUR, linecolor=GRID_COLOUR, zerolinecolor=GRID_COLOUR, automargin=True),
    geo=dict(bgcolor="white", showland=True, landcolor="white", showlakes=True, lakecolor="white"),
))

_LAYOUT = dict(
    template=TEMPLATE,
    margin=dict(l=10, r=10, t=60, b=10),
    legend=dict(orientation="v", yanchor="top", y=1.0, xanchor="left", x=1.02),
    font=dict(size=13),
    hoverlabel=dict(namelength=-1),
)


#: Width of one character of tick and legend text, in pixels, a little over the average at the charts' font
#: size, so that estimated margins hold the labels.
_CHAR_PX = 7.5
#: The widest plot a chart gets (a full-width chart on a wide page), to tell whether tick labels will be turned.
_PLOT_PX = 1150


def _text_px(labels: Iterable[Any]) -> int:
    return int(max((len(str(label)) for label in labels), default=0) * _CHAR_PX)


def _fit_margins(figure: go.Figure, *, top: int = 60) -> go.Figure:
    """Margins that already hold the tick labels, the axis titles, a legend or colour bar on the right.

    Plotly grows a margin that is too small for them (``automargin``) by drawing the whole figure a second
    time; margins estimated from the labels the figure holds save that second drawing on the first view.
    An estimate that falls short costs only that second drawing, as before.
    """
    layout = figure.layout
    xs: list[Any] = []
    ys: list[Any] = []
    totals: dict[Any, float] = {}
    legend: list[str] = []
    colour_bar = False
    for trace in figure.data:
        x, y = list(getattr(trace, "x", None) or []), list(getattr(trace, "y", None) or [])
        if trace.type == "heatmap":
            colour_bar, ys = True, ys + y
            xs += x
            continue
        xs += x
        for key, value in zip(x, y):
            if isinstance(value, (int, float)):
                totals[key] = totals.get(key, 0) + value if layout.barmode == "stack" else max(totals.get(key, 0),
                                                                                              value)
        if trace.showlegend is not False and trace.name:
            legend.append(trace.name)
    x_labels = list(dict.fromkeys(str(v) for v in xs))
    if layout.xaxis.dtick and all(str(v).isdigit() for v in x_labels):
        x_labels = x_labels[:: int(layout.xaxis.dtick)]
    y_labels = list(dict.fromkeys(str(v) for v in ys)) or [f"{int(max(totals.values(), default=0)):,}"]
    label_px = _text_px(x_labels)
    turned = len(x_labels) * (label_px + 10) > _PLOT_PX / 2
    left = 12 + _text_px(y_labels) + (42 if layout.yaxis.title.text else 0)
    bottom = 14 + (label_px if turned else 18) + (38 if layout.xaxis.title.text else 0)
    right = 12
    if legend and layout.legend.orientation != "h":
        right += max(_text_px(legend) + 50, _text_px([layout.legend.title.text or ""]) + 12)
    if colour_bar:
        right += 90
    figure.update_layout(margin=dict(l=left, r=right, t=top, b=bottom))
    return figure


def plain(text: Any) -> str:
    """Text from records made safe for Plotly labels, which read a few HTML tags: shown literally."""
    return html.escape(str(text), quote=False)


def target_colour(symbol: str) -> str:
    """The colour of a target, the same in every chart and every session."""
    if symbol in TARGET_COLOURS:
        return TARGET_COLOURS[symbol]
    return OTHER_TARGET_COLOURS[zlib.crc32(symbol.encode("utf-8")) % len(OTHER_TARGET_COLOURS)]


#: Where Plotly's maps fetch their geography (``world_110m.json``): the app's own copy in ``static/``, served by
#: Streamlit at ``app/static/`` (relative to the page), not Plotly's CDN, which the map would wait for on every
#: first view and which an app without internet access cannot reach (the map then raises and stays empty).
TOPOJSON_URL = "app/static/"


def plotly_config(file_name: str) -> dict[str, Any]:
    """Plotly's toolbar settings: a PNG download named after the chart, no Plotly logo."""
    return {
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "filename": file_name, "scale": 2},
        "modeBarButtonsToRemove": ["lasso2d", "select2d"],
        "topojsonURL": TOPOJSON_URL,
    }


def _target_order(frame: pd.DataFrame, value: str = "trials") -> list[str]:
    """Targets by descending total of ``value`` (ties by symbol)."""
    if frame.empty:
        return []
    totals = frame.groupby("target")[value].sum()
    return sorted(totals.index, key=lambda t: (-totals[t], t))


def _empty(title: str, message: str) -> go.Figure:
    figure = go.Figure()
    figure.update_layout(title=title, **_LAYOUT)
    figure.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    return figure


def _stacked_by(frame: pd.DataFrame, category: str, order: Iterable[str], colours: dict[str, str],
                title: str, legend_title: str) -> go.Figure:
    if frame.empty:
        return _empty(title, "No trials with a target in this selection")
    targets = _target_order(frame)
    figure = go.Figure()
    present = list(dict.fromkeys([c for c in order if c in set(frame[category])] + sorted(set(frame[category]))))
    for value in present:
        part = frame[frame[category] == value].set_index("target")["trials"]
        figure.add_bar(
            name=plain(value),
            x=targets,
            y=[int(part.get(t, 0)) for t in targets],
            marker_color=colours.get(value),
            hovertemplate="%{x}: %{y} trials<extra>" + plain(value) + "</extra>",
        )
    figure.update_layout(title=title, barmode="stack", yaxis_title="Trials", xaxis_title="Target", **_LAYOUT)
    figure.update_layout(legend_title_text=legend_title, legend_traceorder="reversed")
    return _fit_margins(figure)


def trials_by_phase(by_phase: pd.DataFrame) -> go.Figure:
    """Trials per target, stacked by registry phase (columns: target, phase, trials)."""
    return _stacked_by(by_phase, "phase", PHASE_ORDER, PHASE_COLOURS, "Trials per target, by phase", "Phase")


STATUS_COLOURS: dict[str, str] = {
    "Recruiting": "#2ca02c",
    "Not yet recruiting": "#98df8a",
    "Enrolling by invitation": "#bcbd22",
    "Active, not recruiting": "#1f77b4",
    "Completed": "#08306b",
    "Suspended": "#ff7f0e",
    "Terminated": "#d62728",
    "Withdrawn": "#8c564b",
    "Unknown": "#bdbdbd",
    NOT_RECORDED: "#e0e0e0",
}


def trials_by_status(by_status: pd.DataFrame) -> go.Figure:
    """Trials per target, stacked by registry status (columns: target, status, trials)."""
    return _stacked_by(by_status, "status", STATUS_COLOURS, STATUS_COLOURS, "Trials per target, by status", "Status")


def _count(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _figure_text(value: int | None, unit: str) -> str:
    return NOT_RECORDED if value is None else f"{value:,} {unit}"


def patients_and_enrollment(per_target: pd.DataFrame, results: pd.DataFrame | None = None) -> go.Figure:
    """Patients treated per target beside registry enrollment in its three kinds, never summed with it.

    Four grouped bar traces, each named with its basis: patients treated (the published results that count;
    a target without one has no bar and its hover says "not recorded"; with ``results``, the hover lists the
    publications), and registry enrollment actual, estimated and of a type the registry does not give (each
    "not recorded" where no trial of the target has that kind; the unknown kind's hover gives the part that is
    inferred actual). Targets with none of these are left out.
    """
    title = "Patients treated and registry enrollment per target"
    if per_target.empty:
        return _empty(title, "No targets in this selection")
    frame = per_target.copy()
    enrollment = ["enrollment_actual", "enrollment_estimated", "enrollment_unknown"]
    has_any = frame["patients_treated"].notna() | frame[enrollment].notna().any(axis=1)
    frame = frame[has_any]
    if frame.empty:
        return _empty(title, "No patients treated or enrollment recorded in this selection")
    frame = frame.assign(_order=frame["patients_treated"].astype("Float64").fillna(-1).astype(float))
    frame = frame.sort_values(["_order", "target"], ascending=[False, True])
    targets = list(frame["target"])
    patients = [_count(v) for v in frame["patients_treated"]]
    sources = {}
    if results is not None and not results.empty:
        for target, part in results.groupby("target"):
            sources[target] = "<br>".join(
                plain(f"{row.patients_treated} · {row.key}: {str(row.citation)[:90]}") for row in part.itertuples()
            )
    figure = go.Figure()
    figure.add_bar(
        name=PATIENTS_BASIS,
        x=targets,
        y=patients,
        marker_color=[target_colour(t) for t in targets],
        customdata=[[_figure_text(v, "patients treated"), sources.get(t, "no published result recorded")]
                    for t, v in zip(targets, patients)],
        hovertemplate="%{x}: %{customdata[0]}<br>%{customdata[1]}<extra>published results</extra>",
    )
    bars = (
        (ACTUAL_BASIS, "enrollment_actual", "enrolled (actual)", dict(color="#636363")),
        (ESTIMATED_BASIS, "enrollment_estimated", "planned (estimated)",
         dict(color="#ffffff", line=dict(color="#969696", width=1.5), pattern=dict(shape="/", fgcolor="#969696"))),
        (UNKNOWN_BASIS, "enrollment_unknown", "enrolled, type not given",
         dict(color="#d9d9d9", line=dict(color="#969696", width=1), pattern=dict(shape=".", fgcolor="#737373"))),
    )
    for name, column, words, marker in bars:
        values = [_count(v) for v in frame[column]]
        inferred = [_count(v) for v in frame.get("enrollment_unknown_inferred_actual", [None] * len(frame))]
        details = [
            _figure_text(v, words)
            + (f"; of which {i:,} inferred actual (completed, terminated or withdrawn ClinicalTrials.gov studies)"
               if column == "enrollment_unknown" and i is not None else "")
            for v, i in zip(values, inferred)
        ]
        figure.add_bar(name=name, x=targets, y=values, marker=marker, customdata=details,
                       hovertemplate="%{x}: %{customdata}<extra>registry</extra>")
    figure.update_layout(title=title, barmode="group", yaxis_title="Patients", xaxis_title="Target", **_LAYOUT)
    figure.update_layout(legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0, title_text=""),
                         title=dict(y=0.97))
    return _fit_margins(figure, top=110)


def patients_per_target(per_target: pd.DataFrame, results: pd.DataFrame) -> go.Figure:
    """Patients treated per target from published results, one stacked segment per publication.

    ``results`` has one row per counted result and target (target, key, patients_treated, citation, published,
    doi, pmid). Targets of ``per_target`` without a result are shown on the axis with a "not recorded" marker,
    so a programme's targets never vanish from the chart.
    """
    title = "Patients treated per target (published results)"
    targets = list(per_target["target"]) if not per_target.empty else []
    if not targets and (results is None or results.empty):
        return _empty(title, "No targets in this selection")
    with_results = [] if results is None or results.empty else list(dict.fromkeys(results["target"]))
    totals = {t: int(results.loc[results["target"] == t, "patients_treated"].sum()) for t in with_results}
    order = sorted(with_results, key=lambda t: (-totals[t], t)) + sorted(t for t in targets if t not in totals)
    figure = go.Figure()
    if with_results:
        for row in results.itertuples():
            doi, pmid, published = (v if isinstance(v, str) and v else None for v in (row.doi, row.pmid, row.published))
            reference = f"doi:{doi}" if doi else (f"PMID {pmid}" if pmid else "no DOI or PMID recorded")
            figure.add_bar(
                x=[row.target], y=[int(row.patients_treated)], name=plain(row.key), showlegend=False,
                marker=dict(color=target_colour(row.target), line=dict(color="#ffffff", width=1)),
                customdata=[[plain(row.key), plain(str(row.citation)[:120]), plain(published or NOT_RECORDED),
                             plain(reference)]],
                hovertemplate=("%{x}: %{y} patients treated<br>%{customdata[0]}<br>%{customdata[1]}"
                               "<br>published %{customdata[2]} · %{customdata[3]}<extra></extra>"),
            )
    missing = [t for t in order if t not in totals]
    if missing:
        figure.add_scatter(
            x=missing, y=[0] * len(missing), mode="markers+text", name=NOT_RECORDED, text=[NOT_RECORDED] * len(missing),
            textposition="top center", marker=dict(symbol="line-ew-open", size=14, color="#969696"),
            hovertemplate="%{x}: no published result recorded<extra></extra>", showlegend=False,
        )
    figure.update_layout(title=title, barmode="stack", yaxis_title="Patients treated", xaxis_title="Target",
                         **_LAYOUT)
    figure.update_xaxes(categoryorder="array", categoryarray=order)
    return _fit_margins(figure)


def trials_by_year(by_year: pd.DataFrame) -> go.Figure:
    """Trials started per year, one line per target (columns: target, start_year, trials)."""
    title = "Trials started per year, by target"
    if by_year.empty:
        return _empty(title, "No trial in this selection records a start date")
    figure = go.Figure()
    years = list(range(int(by_year["start_year"].min()), int(by_year["start_year"].max()) + 1))
    for target in _target_order(by_year):
        part = by_year[by_year["target"] == target].set_index("start_year")["trials"]
        figure.add_bar(
            name=plain(target),
            x=years,
            y=[int(part.get(y, 0)) for y in years],
            marker_color=target_colour(target),
            hovertemplate="%{x}: %{y} trials<extra>" + plain(target) + "</extra>",
        )
    figure.update_layout(title=title, barmode="stack", yaxis_title="Trials started", xaxis_title="Start year",
                         **_LAYOUT)
    figure.update_layout(legend_title_text="Target")
    figure.update_xaxes(dtick=1 if len(years) <= 12 else 2)
    return _fit_margins(figure)


def target_indication_heatmap(by_indication: pd.DataFrame, *, max_indications: int = 25) -> go.Figure:
    """Trials per target × indication (columns: target, indication, trials); the most frequent indications."""
    title = "Trials per target and indication"
    if by_indication.empty:
        return _empty(title, "No trials with a target in this selection")
    targets = _target_order(by_indication)
    totals = by_indication.groupby("indication")["trials"].sum()
    indications = sorted(totals.index, key=lambda i: (-totals[i], i))[:max_indications]
    table = by_indication.pivot_table(index="indication", columns="target", values="trials", aggfunc="sum", fill_value=0)
    table = table.reindex(index=indications, columns=targets, fill_value=0)
    figure = go.Figure(
        go.Heatmap(
            z=table.values,
            x=targets,
            y=indications,
            colorscale="Blues",
            colorbar=dict(title="Trials"),
            text=[[str(v) if v else "" for v in row] for row in table.values],
            texttemplate="%{text}",
            hovertemplate="%{x} in %{y}: %{z} trials<extra></extra>",
            xgap=1,
            ygap=1,
        )
    )
    layout = dict(_LAYOUT)
    figure.update_layout(title=title, xaxis_title="Target", height=max(320, 28 * len(indications) + 140), **layout)
    figure.update_yaxes(autorange="reversed")
    return _fit_margins(figure)


# --- constructs -----------------------------------------------------------------------------


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
        return _empty(title, "No domains recorded for this sequence")
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
    layout = dict(_LAYOUT)
    layout["legend"] = dict(orientation="h", yanchor="top", y=-0.5 if len(rows) < 3 else -0.3, xanchor="left", x=0,
                            title_text="")
    # margins that hold the row names and the legend below (smaller ones are grown by drawing the figure twice)
    layout["margin"] = dict(l=12 + _text_px(rows), r=10, t=50, b=120)
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


# --- geography and disease hierarchy ---------------------------------------------------------


@lru_cache(maxsize=512)
def iso3(country: str) -> str | None:
    """The ISO 3166-1 alpha-3 code of a registry's country name (pycountry's ISO 3166 data), or ``None``.

    Registries write names such as "Korea, Republic of", "Turkey (Türkiye)" or "Russia": the name is looked up
    as written, then each part in and outside brackets, then by pycountry's fuzzy search.
    """
    import pycountry

    candidates = [country, *re.split(r"\s*[()]\s*", country)]
    for name in dict.fromkeys(c.strip() for c in candidates if c and c.strip()):
        try:
            return pycountry.countries.lookup(name).alpha_3
        except LookupError:
            continue
    try:
        return pycountry.countries.search_fuzzy(country)[0].alpha_3
    except LookupError:
        return None


def trials_by_country(by_country: pd.DataFrame) -> go.Figure:
    """A world map of trials per country (columns: country, trials), by ISO-3 code on Plotly's own geography."""
    title = "Trials per country"
    if by_country.empty:
        return _empty(title, "No trial in this selection records a country")
    frame = by_country.assign(iso3=[iso3(c) for c in by_country["country"]])
    mapped = frame[frame["iso3"].notna()]
    figure = go.Figure(
        go.Choropleth(
            locations=mapped["iso3"], z=mapped["trials"], locationmode="ISO-3", colorscale="Blues",
            text=[plain(c) for c in mapped["country"]], colorbar=dict(title="Trials"),
            hovertemplate="%{text}: %{z} trials<extra></extra>", marker_line_color="#ffffff",
        )
    )
    unmapped = frame[frame["iso3"].isna()]
    if not unmapped.empty:
        figure.add_annotation(
            text="Not on the map: " + ", ".join(f"{plain(c)} ({n})" for c, n in zip(unmapped["country"], unmapped["trials"])),
            showarrow=False, x=0, y=-0.05, xref="paper", yref="paper", xanchor="left",
        )
    layout = dict(_LAYOUT)
    layout["margin"] = dict(l=0, r=90, t=50, b=20)  # r: the colour bar (a smaller margin is drawn twice)
    figure.update_layout(title=title, height=420, **layout)
    figure.update_geos(showframe=False, showcoastlines=False, projection_type="natural earth",
                       showcountries=True, countrycolor="#d9d9d9", projection_rotation_lon=0,
                       lonaxis_range=[-180, 180])
    return figure


def disease_hierarchy(by_category: pd.DataFrame) -> go.Figure:
    """Trials by indication category and indication as a sunburst (columns: category, indication, trials)."""
    title = "Trials by indication category and indication"
    if by_category.empty:
        return _empty(title, "No trials in this selection")
    ids, labels, parents, values = [], [], [], []
    for category, part in by_category.groupby("category", sort=True):
        ids.append(f"category:{category}")
        labels.append(plain(category))
        parents.append("")
        values.append(int(part["trials"].sum()))
        for row in part.itertuples():
            ids.append(f"indication:{category}:{row.indication}")
            labels.append(plain(row.indication))
            parents.append(f"category:{category}")
            values.append(int(row.trials))
    figure = go.Figure(
        go.Sunburst(ids=ids, labels=labels, parents=parents, values=values, branchvalues="total",
                    hovertemplate="%{label}: %{value} trials<extra></extra>", insidetextorientation="radial")
    )
    layout = dict(_LAYOUT)
    layout["margin"] = dict(l=0, r=0, t=50, b=0)
    figure.update_layout(title=title, height=420, **layout)
    return figure
# --- compare and find by sequence ---------------------------------------------------------------------


def domain_maps_compared(maps: dict[str, dict[str, Any]], *, title: str = "Domain maps") -> go.Figure:
    """Several constructs' domain maps on one residue axis, one row per construct (top to bottom in order).

    ``maps`` is ``{construct: {"length", "domains": [ChainDomain]}}`` (kind, label, start, end) in protein
    coordinates of each construct's CAR/TCR chain (:func:`catalogue.read.compare_constructs`).
    """
    names = list(maps)
    if not any(m["domains"] for m in maps.values()):
        return _empty(title, "No domains recorded for these constructs")
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
    layout = dict(_LAYOUT)
    layout["legend"] = dict(orientation="h", yanchor="top", y=-0.25, xanchor="left", x=0, title_text="")
    layout["margin"] = dict(l=12 + _text_px(plain(n) for n in names), r=10, t=50, b=120)
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
