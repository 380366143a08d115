"""Chart builders on real query output: the traces carry the numbers of the queries."""

from __future__ import annotations

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


def test_patients_bars_are_curated_figures_and_never_enrollment(portfolio, demo_engine):
    figure = charts.patients_and_enrollment(portfolio["per_target"])
    by_name = {trace.name: trace for trace in figure.data}
    assert set(by_name) == {charts.PATIENTS_BASIS, charts.ACTUAL_BASIS, charts.ESTIMATED_BASIS}
    assert figure.layout.barmode == "group"  # beside, never stacked onto patients
    frame = portfolio["per_target"].set_index("target")
    patients = by_name[charts.PATIENTS_BASIS]
    for target, y in zip(patients.x, patients.y):
        recorded = frame.loc[target, "patients_treated"]
        assert y == (None if pd.isna(recorded) else int(recorded)), target
    for target, y in zip(by_name[charts.ESTIMATED_BASIS].x, by_name[charts.ESTIMATED_BASIS].y):
        assert y == frame.loc[target, "enrollment_estimated"]
    if portfolio["scope"] is None:
        # the whole catalogue: the bars are the same numbers as stats (the CLI's figures)
        stats = read.stats(demo_engine)["targets"]
        for target, y in zip(patients.x, patients.y):
            assert y == stats[target]["patients_treated"]
    # a target with estimated enrollment but no curated figure has no patients bar
    no_figure = [t for t, y in zip(patients.x, patients.y) if y is None]
    for target in no_figure:
        assert frame.loc[target, "enrollment_estimated"] + frame.loc[target, "enrollment_actual"] > 0
        assert list(patients.customdata)[list(patients.x).index(target)] == NOT_RECORDED
    if portfolio["scope"] is None:
        assert no_figure, "the demo has targets with enrollment and no curated figure (e.g. CD20)"
    assert list(patients.marker.color) == [charts.target_colour(t) for t in patients.x]


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
