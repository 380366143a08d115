"""The charts' shared look: palettes (targets, phases, domain kinds), the template, margins that fit the labels,
Plotly's toolbar settings and the empty figure.
"""

from __future__ import annotations

import html
import zlib
from collections.abc import Iterable
from typing import Any

import plotly.graph_objects as go

from catalogue.vocabulary import NOT_RECORDED


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

LAYOUT = dict(
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


def text_px(labels: Iterable[Any]) -> int:
    return int(max((len(str(label)) for label in labels), default=0) * _CHAR_PX)


def fit_margins(figure: go.Figure, *, top: int = 60) -> go.Figure:
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
    label_px = text_px(x_labels)
    turned = len(x_labels) * (label_px + 10) > _PLOT_PX / 2
    left = 12 + text_px(y_labels) + (42 if layout.yaxis.title.text else 0)
    bottom = 14 + (label_px if turned else 18) + (38 if layout.xaxis.title.text else 0)
    right = 12
    if legend and layout.legend.orientation != "h":
        right += max(text_px(legend) + 50, text_px([layout.legend.title.text or ""]) + 12)
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


def empty_figure(title: str, message: str) -> go.Figure:
    figure = go.Figure()
    figure.update_layout(title=title, **LAYOUT)
    figure.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    return figure
