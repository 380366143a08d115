"""Portfolio charts: trials and patients per target, phase, status, year, indication, country and disease
category, from the read layer's DataFrames.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from catalogue.charts.style import (
    ACTUAL_BASIS,
    ESTIMATED_BASIS,
    LAYOUT,
    PATIENTS_BASIS,
    PHASE_COLOURS,
    UNKNOWN_BASIS,
    empty_figure,
    fit_margins,
    plain,
    target_colour,
)
from catalogue.vocabulary import NOT_RECORDED, PHASE_ORDER


def _target_order(frame: pd.DataFrame, value: str = "trials") -> list[str]:
    """Targets by descending total of ``value`` (ties by symbol)."""
    if frame.empty:
        return []
    totals = frame.groupby("target")[value].sum()
    return sorted(totals.index, key=lambda t: (-totals[t], t))


def _stacked_by(frame: pd.DataFrame, category: str, order: Iterable[str], colours: dict[str, str],
                title: str, legend_title: str) -> go.Figure:
    if frame.empty:
        return empty_figure(title, "No trials with a target in this selection")
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
    figure.update_layout(title=title, barmode="stack", yaxis_title="Trials", xaxis_title="Target", **LAYOUT)
    figure.update_layout(legend_title_text=legend_title, legend_traceorder="reversed")
    return fit_margins(figure)


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
        return empty_figure(title, "No targets in this selection")
    frame = per_target.copy()
    enrollment = ["enrollment_actual", "enrollment_estimated", "enrollment_unknown"]
    has_any = frame["patients_treated"].notna() | frame[enrollment].notna().any(axis=1)
    frame = frame[has_any]
    if frame.empty:
        return empty_figure(title, "No patients treated or enrollment recorded in this selection")
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
    figure.update_layout(title=title, barmode="group", yaxis_title="Patients", xaxis_title="Target", **LAYOUT)
    figure.update_layout(legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0, title_text=""),
                         title=dict(y=0.97))
    return fit_margins(figure, top=110)


def patients_per_target(per_target: pd.DataFrame, results: pd.DataFrame) -> go.Figure:
    """Patients treated per target from published results, one stacked segment per publication.

    ``results`` has one row per counted result and target (target, key, patients_treated, citation, published,
    doi, pmid). Targets of ``per_target`` without a result are shown on the axis with a "not recorded" marker,
    so a programme's targets never vanish from the chart.
    """
    title = "Patients treated per target (published results)"
    targets = list(per_target["target"]) if not per_target.empty else []
    if not targets and (results is None or results.empty):
        return empty_figure(title, "No targets in this selection")
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
                         **LAYOUT)
    figure.update_xaxes(categoryorder="array", categoryarray=order)
    return fit_margins(figure)


def trials_by_year(by_year: pd.DataFrame) -> go.Figure:
    """Trials started per year, one line per target (columns: target, start_year, trials)."""
    title = "Trials started per year, by target"
    if by_year.empty:
        return empty_figure(title, "No trial in this selection records a start date")
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
                         **LAYOUT)
    figure.update_layout(legend_title_text="Target")
    figure.update_xaxes(dtick=1 if len(years) <= 12 else 2)
    return fit_margins(figure)


def target_indication_heatmap(by_indication: pd.DataFrame, *, max_indications: int = 25) -> go.Figure:
    """Trials per target × indication (columns: target, indication, trials); the most frequent indications."""
    title = "Trials per target and indication"
    if by_indication.empty:
        return empty_figure(title, "No trials with a target in this selection")
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
    layout = dict(LAYOUT)
    figure.update_layout(title=title, xaxis_title="Target", height=max(320, 28 * len(indications) + 140), **layout)
    figure.update_yaxes(autorange="reversed")
    return fit_margins(figure)


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
        return empty_figure(title, "No trial in this selection records a country")
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
    layout = dict(LAYOUT)
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
        return empty_figure(title, "No trials in this selection")
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
    layout = dict(LAYOUT)
    layout["margin"] = dict(l=0, r=0, t=50, b=0)
    figure.update_layout(title=title, height=420, **layout)
    return figure
