"""Chart builders on real query output: the traces carry the numbers of the queries."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from catalogue import charts, read
from catalogue.vocabulary import NOT_RECORDED

UNION = "Union Hospital CAR-T/TCR-T programme"


@pytest.fixture(scope="module", params=[None, UNION], ids=["all", "programme"])
def portfolio(request, demo_engine):
    return read.portfolio(demo_engine, request.param)


def _stack(figure) -> dict[tuple[str, str], int]:
    return {(x, trace.name): y for trace in figure.data for x, y in zip(trace.x, trace.y) if y}


def test_trials_by_phase_and_status_carry_the_query_counts(portfolio):
    for builder, frame, column in ((charts.trials_by_phase, portfolio["by_phase"], "phase"),
                                   (charts.trials_by_status, portfolio["by_status"], "status")):
        figure = builder(frame)
        expected = {(row.target, getattr(row, column)): row.trials for row in frame.itertuples()}
        assert _stack(figure) == expected
        assert figure.layout.barmode == "stack"
        per_target = portfolio["per_target"].set_index("target")["trials"]
        totals = {}
        for (target, _), n in _stack(figure).items():
            totals[target] = totals.get(target, 0) + n
        assert totals == {t: n for t, n in per_target.items() if n}


def _cell(value):
    return None if value is None or pd.isna(value) else int(value)


def test_patients_bars_are_published_results_and_never_enrollment(portfolio, demo_engine):
    figure = charts.patients_and_enrollment(portfolio["per_target"], portfolio["patients_results"])
    by_name = {trace.name: trace for trace in figure.data}
    assert set(by_name) == {charts.PATIENTS_BASIS, charts.ACTUAL_BASIS, charts.ESTIMATED_BASIS, charts.UNKNOWN_BASIS}
    assert figure.layout.barmode == "group"  # beside, never stacked onto patients
    frame = portfolio["per_target"].set_index("target")
    patients = by_name[charts.PATIENTS_BASIS]
    for target, y in zip(patients.x, patients.y):
        assert y == _cell(frame.loc[target, "patients_treated"]), target
    for name, column in ((charts.ACTUAL_BASIS, "enrollment_actual"), (charts.ESTIMATED_BASIS, "enrollment_estimated"),
                         (charts.UNKNOWN_BASIS, "enrollment_unknown")):
        for target, y, text in zip(by_name[name].x, by_name[name].y, by_name[name].customdata):
            assert y == _cell(frame.loc[target, column]), (name, target)
            if y is None:  # a kind no trial of the target states: no bar, and the hover says so, never 0
                assert text == NOT_RECORDED
    if portfolio["scope"] is None:
        # the whole catalogue: the bars are the same numbers as stats (the CLI's figures)
        stats = read.stats(demo_engine)["targets"]
        for target, y in zip(patients.x, patients.y):
            assert y == stats[target]["patients_treated"]
            assert by_name[charts.UNKNOWN_BASIS].y[list(patients.x).index(target)] == stats[target]["enrollment_unknown"]
    # a target with enrollment but no published result has no patients bar
    no_figure = [t for t, y in zip(patients.x, patients.y) if y is None]
    for target in no_figure:
        assert frame.loc[target, ["enrollment_actual", "enrollment_estimated", "enrollment_unknown"]].notna().any()
        assert list(patients.customdata)[list(patients.x).index(target)][0] == NOT_RECORDED
    assert no_figure, "the demo has targets with enrollment and no published result (e.g. CD20)"
    assert list(patients.marker.color) == [charts.target_colour(t) for t in patients.x]


def test_patients_per_target_shows_every_target_with_its_sources(portfolio):
    results, per_target = portfolio["patients_results"], portfolio["per_target"]
    figure = charts.patients_per_target(per_target, results)
    bars = [trace for trace in figure.data if trace.type == "bar"]
    assert len(bars) == len(results)  # one segment per published result and target
    totals: dict[str, int] = {}
    for trace in bars:
        totals[trace.x[0]] = totals.get(trace.x[0], 0) + trace.y[0]
    expected = {t: _cell(v) for t, v in per_target.set_index("target")["patients_treated"].items() if not pd.isna(v)}
    assert totals == expected
    for trace, row in zip(bars, results.itertuples()):
        assert row.key in trace.customdata[0][0] and (row.doi or row.pmid or "no DOI") in trace.customdata[0][3]
    (missing,) = [trace for trace in figure.data if trace.type == "scatter"]
    assert set(missing.x) == set(per_target["target"]) - set(totals)  # no target of the selection vanishes
    assert set(figure.layout.xaxis.categoryarray) == set(per_target["target"])


def test_map_and_disease_hierarchy_carry_the_query_counts(portfolio):
    by_country = portfolio["by_country"]
    figure = charts.trials_by_country(by_country)
    (trace,) = figure.data
    assert trace.locationmode == "ISO-3"
    assert dict(zip(trace.locations, trace.z)) == {charts.iso3(c): n for c, n in zip(by_country["country"],
                                                                                      by_country["trials"])}
    by_category = portfolio["by_category"]
    sunburst = charts.disease_hierarchy(by_category).data[0]
    values = dict(zip(sunburst.ids, sunburst.values))
    for category, part in by_category.groupby("category"):
        assert values[f"category:{category}"] == part["trials"].sum()
    assert sum(v for i, v in values.items() if i.startswith("category:")) == by_category["trials"].sum()


@pytest.mark.parametrize(("name", "code"), [
    ("China", "CHN"), ("United States", "USA"), ("Korea, Republic of", "KOR"), ("Turkey (Türkiye)", "TUR"),
    ("Russian Federation", "RUS"), ("Russia", "RUS"), ("Iran, Islamic Republic of", "IRN"), ("Taiwan", "TWN"),
])
def test_registry_country_names_map_to_iso3(name, code):
    assert charts.iso3(name) == code


def test_every_country_of_the_snapshots_is_on_the_map(shared_data):
    names = set()
    for path in (shared_data / "trials").glob("*_trials.csv"):
        for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))):
            names |= {c.strip() for c in (row["Countries"] or "").split("|") if c.strip()}
    assert len(names) > 50 and {n for n in names if charts.iso3(n) is None} == set()


def test_trials_by_year_and_heatmap(portfolio):
    by_year = portfolio["by_year"]
    figure = charts.trials_by_year(by_year)
    expected = {(row.start_year, row.target): row.trials for row in by_year.itertuples()}
    assert _stack(figure) == expected
    for trace in figure.data:
        assert trace.marker.color == charts.target_colour(trace.name)

    by_indication = portfolio["by_indication"]
    heatmap = charts.target_indication_heatmap(by_indication, max_indications=1000)
    (trace,) = heatmap.data
    cells = {(x, y): trace.z[i][j] for i, y in enumerate(trace.y) for j, x in enumerate(trace.x) if trace.z[i][j]}
    assert cells == {(row.target, row.indication): row.trials for row in by_indication.itertuples()}


def test_target_colours_are_stable_and_distinct_for_the_seed_targets():
    seeds = ["CD19", "CD22", "BCMA", "CD7", "CD38", "CD30", "CD123", "CS1"]
    assert len({charts.target_colour(s) for s in seeds}) == len(seeds)
    assert charts.target_colour("Claudin18.2") == charts.target_colour("Claudin18.2")


def test_empty_selections_give_an_explained_empty_chart():
    empty = pd.DataFrame(columns=["target", "phase", "trials"])
    figure = charts.trials_by_phase(empty)
    assert not figure.data and figure.layout.annotations[0].text


def test_domain_map_and_track_from_a_stored_record(demo_engine):
    record_id = next(
        r["id"] for name in read.construct_names(demo_engine)
        for r in read.construct_detail(demo_engine, name)["sequence_records"] if r["domains"]
    )
    record = read.sequence_record(demo_engine, record_id)
    figure = charts.domain_map(record["domains"], record["length"], molecule=record["molecule"])
    assert len(figure.data) == len(record["domains"])
    for trace, domain in zip(figure.data, record["domains"]):
        assert trace.base[0] == domain["start"] - 1
        assert trace.x[0] == domain["end"] - domain["start"] + 1
        assert trace.y[0] == domain["source"]
        assert trace.marker.color == charts.DOMAIN_COLOURS[domain["kind"]]
        hover = " ".join(str(v) for v in trace.customdata[0])
        assert f"{domain['start']}–{domain['end']}" in hover
        assert ("identity" in hover)
    assert figure.layout.xaxis.range == (0, record["length"])

    track = charts.domain_track(record["sequence"], record["domains"], width=60)
    lines = track.split("\n")
    sequence_lines = [line.split()[1] for line in lines[0:2 * -(-record["length"] // 60):2]]
    assert "".join(sequence_lines) == record["sequence"]
    last = record["domains"][-1]
    marks = "".join(line[len(lines[0]) - len(lines[0].split()[1]):] for line in lines[1:2 * -(-record["length"] // 60):2])
    assert marks[last["end"] - 1] == charts.DOMAIN_LETTERS[last["kind"]]


def test_record_text_is_escaped_in_chart_labels():
    domains = [{"kind": "hinge", "label": "<script>alert(1)</script><b>x</b>", "start": 1, "end": 10,
                "source": "curated", "identity": None}]
    figure = charts.domain_map(domains, 20)
    (trace,) = figure.data
    assert "<script>" not in trace.text[0] and "&lt;script&gt;" in trace.text[0]
