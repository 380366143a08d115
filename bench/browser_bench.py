"""First page in a real browser: every page of the app, settled, against a bare Streamlit page of the same shape.

What a person feels is the first view of a page in a fresh browser session: the server runs the page's
script for a new session, the browser draws what it sends. Each visit opens a new browser context (no
cache, no session) in Debian's Chromium, loads the page and waits until it has *settled*: the script has
finished (``data-test-script-state="notRunning"``), no skeleton is left, every Plotly chart has drawn, and
no rerun follows within 600 ms. The figure is the time from navigation start to that moment.

Each page is paired with its *floor*: a bare Streamlit page (one title) with the same number of Plotly
charts and dataframes of the same shapes as the page showed, served by its own ``streamlit run`` on the
same machine. Visits alternate page and floor (the order turns round each round), so a drift of the
machine's speed touches both; the ratio is the median of the pairwise ratios. The catalogue is the demo plus
both 2026-08-22 trial snapshots (2,589 trials), on SQLite, the embedded default.

Options (``python -m bench --only browser``): ``--visits N`` visits per page and floor; ``--browser-page TEXT``
only the pages whose label starts with TEXT; ``--baseline-app DIR`` also serves the app of another checkout
(e.g. main) on the same catalogue and visits it in the same rounds, so a change is measured against what it
changes under the same load.
"""

from __future__ import annotations

import os
import re
import statistics
import urllib.parse
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.browser import CHROMIUM, RUN_COUNTER_JS, chromium, settled_ms, streamlit_server
from bench.genbank_corpus import SHARED_DATA
from bench.measure import table
from bench.page_bench import APP, PageVisit, database, detail_visits, discover_pages

SHARED_TRIALS = SHARED_DATA / "trials"
SNAPSHOTS = ("ONC-CAR-T-Trials-Monitor_2026-08-22_trials.csv", "Rheumatology-CAR-T-Trials-Monitor_2026-08-22_trials.csv")
FIRST_VIEW_RATIO_TARGET = 1.3

FLOOR_SCRIPT = '''"""A bare Streamlit page: a title, N small Plotly charts, dataframes of given shapes (from the URL)."""
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

st.set_page_config(page_title="floor", layout="wide")
st.title(st.query_params.get("title", "Floor"))
for number in range(int(st.query_params.get("charts", 0))):
    st.plotly_chart(go.Figure(go.Bar(x=["a", "b", "c"], y=[1, 3, 2])), key=f"chart{number}")
for shape in filter(None, st.query_params.get("frames", "").split(",")):
    rows, columns = (int(n) for n in shape.split("x"))
    st.dataframe(pd.DataFrame({f"column {c}": [f"value {r}" for r in range(rows)] for c in range(columns)}))
'''

_URL_PATH = re.compile(r"st\.Page\(\s*[\"']([^\"']+\.py)[\"'](?P<rest>[^)]*)\)", re.S)
_URL_PATH_ARG = re.compile(r"url_path\s*=\s*[\"']([^\"']*)[\"']")


@dataclass(frozen=True)
class PageShape:
    """What a page shows, for its floor: Plotly charts and dataframe shapes (rows x columns)."""

    charts: int
    frames: tuple[tuple[int, int], ...]

    def floor_query(self, title: str) -> str:
        frames = ",".join(f"{r}x{c}" for r, c in self.frames)
        return urllib.parse.urlencode({"title": title, "charts": self.charts, "frames": frames})

    def describe(self) -> str:
        frames = ", ".join(f"{r}x{c}" for r, c in self.frames) or "none"
        return f"{self.charts} charts; dataframes {frames}"


def url_paths(app: Path = APP) -> dict[str, str]:
    """Script path -> the URL path app.py gives it ("" for the default page)."""
    paths = {}
    for match in _URL_PATH.finditer(app.read_text(encoding="utf-8")):
        given = _URL_PATH_ARG.search(match.group("rest"))
        paths[match.group(1)] = given.group(1) if given else ""
    return paths


def page_shape(visit: PageVisit) -> PageShape:
    """The charts and dataframes one run of the page shows (read with AppTest, in this process)."""
    from bench.page_bench import _open

    app = _open(visit)
    app.run()
    frames = tuple(tuple(int(n) for n in getattr(frame.value, "shape", (0, 0))) for frame in app.dataframe)
    return PageShape(charts=len(app.get("plotly_chart")), frames=frames)


def demo_with_snapshots(url: str) -> dict[str, int]:
    """Load the demo catalogue and both trial snapshots into the database at ``url``."""
    from catalogue import curation, db, read

    engine = db.make_engine(url)
    try:
        db.upgrade(engine)
        operator = curation.local_operator()
        curation.load_demo(engine, operator)
        for name in SNAPSHOTS:
            path = SHARED_TRIALS / name
            if path.exists():
                curation.import_trials(engine, operator, name, path.read_bytes())
        return read.row_counts(engine)
    finally:
        engine.dispose()


def machine_load() -> str:
    """The 1, 5 and 15 minute load averages (the machine may be shared: ratios are noisier under load)."""
    try:
        return " ".join(f"{value:.1f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def _visit_ms(browser, url: str) -> float | None:
    """Milliseconds to the settled first view, or None when it did not settle within a minute (an overloaded
    machine): that visit's pair is left out of the ratio and counted, rather than ending the run."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.add_init_script(f"({RUN_COUNTER_JS})()")
        page.goto(url, wait_until="commit", timeout=60_000)
        return settled_ms(page)
    except PlaywrightTimeout:
        return None
    finally:
        context.close()


def _pairs(first: list[float | None], second: list[float | None]) -> list[tuple[float, float]]:
    return [(a, b) for a, b in zip(first, second) if a is not None and b is not None]


def _wanted(visit: PageVisit, only: tuple[str, ...]) -> bool:
    return not only or any(visit.label.lower().startswith(prefix.lower()) for prefix in only)


def run(url: str, repeats: int, work: Path, *, only: tuple[str, ...] = (),
        baseline_app: Path | None = None) -> dict[str, dict[str, Any]]:
    """Every page and detail view of the app at ``url``'s catalogue (or those ``only`` names), each against its
    floor; with ``baseline_app`` (a checkout's folder), that app too, visited in the same rounds."""
    if not CHROMIUM.exists():
        reason = f"Debian's Chromium is not installed at {CHROMIUM}"
        print(f"\n== Browser: skipped ({reason})")
        return {"sqlite": {"browser_skipped": reason}}
    counts = demo_with_snapshots(url)
    pages = discover_pages()
    paths = url_paths()
    with database(url):
        visits = [v for v in pages + detail_visits(url, pages) if _wanted(v, only)]
        shapes = {visit.label: page_shape(visit) for visit in visits}
    if not visits:
        print(f"\n== Browser: no page's label starts with {' or '.join(only)}")
        return {"sqlite": {"browser_skipped": "no page chosen"}}
    floor = work / "floor_page.py"
    floor.parent.mkdir(parents=True, exist_ok=True)
    floor.write_text(FLOOR_SCRIPT, encoding="utf-8")
    kinds = ("page", "floor") + (("baseline",) if baseline_app is not None else ())
    times: dict[str, dict[str, list[float]]] = {kind: {v.label: [] for v in visits} for kind in kinds}
    with ExitStack() as stack:
        bases = {"page": stack.enter_context(streamlit_server("app.py", database_url=url, log=work / "app.log")),
                 "floor": stack.enter_context(streamlit_server(floor, cwd=work, log=work / "floor.log"))}
        if baseline_app is not None:
            bases["baseline"] = stack.enter_context(streamlit_server(
                baseline_app / "app.py", database_url=url, cwd=baseline_app, log=work / "baseline.log"))
        browser = stack.enter_context(chromium())

        def address(kind: str, visit: PageVisit) -> str:
            if kind == "floor":
                return f"{bases['floor']}/?{shapes[visit.label].floor_query(visit.label)}"
            query = urllib.parse.urlencode(visit.query_params)
            return f"{bases[kind]}/{paths.get(visit.script, '')}" + (f"?{query}" if query else "")

        for visit in visits:  # warm-up: the servers' first script runs (imports), not counted
            for kind in kinds:
                _visit_ms(browser, address(kind, visit))
        for round_number in range(repeats):
            turn = round_number % len(kinds)
            order = kinds[turn:] + kinds[:turn]
            for visit in visits:
                for kind in order:
                    times[kind][visit.label].append(_visit_ms(browser, address(kind, visit)))
    figures: dict[str, Any] = {}
    rows = []
    for visit in visits:
        pairs = _pairs(times["page"][visit.label], times["floor"][visit.label])
        if not pairs:
            figures[visit.label] = {"timed_out": repeats}
            rows.append((visit.label, "-", "-", "timed out", shapes[visit.label].describe()))
            continue
        page_ms, floor_ms = [p for p, _ in pairs], [f for _, f in pairs]
        page_s = statistics.median(page_ms) / 1000
        floor_s = statistics.median(floor_ms) / 1000
        ratio = statistics.median(p / f for p, f in pairs)
        figures[visit.label] = {"seconds": round(page_s, 3), "floor_seconds": round(floor_s, 3),
                                "ratio": round(ratio, 3), "floor": shapes[visit.label].describe(),
                                "max_seconds": round(max(page_ms) / 1000, 3), "visits": len(pairs),
                                "timed_out": repeats - len(pairs)}
        over = " OVER" if ratio > FIRST_VIEW_RATIO_TARGET else ""
        row = [visit.label, f"{page_s:.2f}", f"{floor_s:.2f}", f"{ratio:.2f}{over}"]
        if baseline_app is not None:
            base_pairs = _pairs(times["baseline"][visit.label], times["floor"][visit.label])
            base_ms = [b for b, _ in base_pairs] or [float("nan")]
            base_ratio = statistics.median(b / f for b, f in base_pairs) if base_pairs else float("nan")
            figures[visit.label].update(baseline_seconds=round(statistics.median(base_ms) / 1000, 3),
                                        baseline_ratio=round(base_ratio, 3))
            row += [f"{statistics.median(base_ms) / 1000:.2f}", f"{base_ratio:.2f}"]
        rows.append((*row, shapes[visit.label].describe()))
    measured = [label for label in figures if "ratio" in figures[label]]
    if not measured:
        return {"sqlite": {"browser": figures, "browser_skipped": "every visit timed out"}}
    worst = max(measured, key=lambda label: figures[label]["ratio"])
    columns = ("page", "page s", "floor s", "ratio") + (("baseline s", "baseline ratio") if baseline_app else ())
    print(table(f"Browser: first settled view in a fresh session, median of {repeats} "
                f"(target <= {FIRST_VIEW_RATIO_TARGET:g}x the floor; {counts.get('trial', 0):,} trials; "
                f"load average {machine_load()})", (*columns, "floor: a bare page with"), rows))
    return {"sqlite": {"browser": figures, "browser_ratio_worst": figures[worst]["ratio"],
                       "browser_worst_page": worst, "browser_load_average": machine_load()}}
