"""First page in a real browser: every page of the app, settled, against a bare Streamlit page of the same shape.

What a person feels is the first view of a page in a fresh browser session: the server runs the page's
script for a new session, the browser draws what it sends. Each visit opens a new browser context (no
cache, no session) in Debian's Chromium, loads the page and waits until it has *settled*: the script has
finished (``data-test-script-state="notRunning"``), no skeleton is left, every Plotly chart has drawn, and
no rerun follows within 600 ms. The figure is the time from navigation start to that moment.

Each page is paired with its *floor*: a bare Streamlit page (one title) with the same number of Plotly
charts and dataframes of the same shapes as the page showed, served by its own ``streamlit run`` on the
same machine. Visits alternate page, floor, page, floor, so a drift of the machine's speed touches both;
the ratio is the median of the pairwise ratios. The catalogue is the demo plus both 2026-08-22 trial
snapshots (2,589 trials), on SQLite, the embedded default.
"""

from __future__ import annotations

import re
import statistics
import urllib.parse
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


def _visit_ms(browser, url: str) -> float:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.add_init_script(f"({RUN_COUNTER_JS})()")
        page.goto(url, wait_until="commit")
        return settled_ms(page)
    finally:
        context.close()


def run(url: str, repeats: int, work: Path) -> dict[str, dict[str, Any]]:
    """Every page and detail view of the app at ``url``'s catalogue, each against its floor."""
    if not CHROMIUM.exists():
        reason = f"Debian's Chromium is not installed at {CHROMIUM}"
        print(f"\n== Browser: skipped ({reason})")
        return {"sqlite": {"browser_skipped": reason}}
    counts = demo_with_snapshots(url)
    pages = discover_pages()
    paths = url_paths()
    with database(url):
        visits = pages + detail_visits(url, pages)
        shapes = {visit.label: page_shape(visit) for visit in visits}
    floor = work / "floor_page.py"
    floor.parent.mkdir(parents=True, exist_ok=True)
    floor.write_text(FLOOR_SCRIPT, encoding="utf-8")
    times: dict[str, list[float]] = {v.label: [] for v in visits}
    floors: dict[str, list[float]] = {v.label: [] for v in visits}
    with streamlit_server("app.py", database_url=url, log=work / "app.log") as app_base, \
            streamlit_server(floor, cwd=work, log=work / "floor.log") as floor_base, chromium() as browser:
        def addresses(visit: PageVisit) -> tuple[str, str]:
            query = urllib.parse.urlencode(visit.query_params)
            page_url = f"{app_base}/{paths.get(visit.script, '')}" + (f"?{query}" if query else "")
            return page_url, f"{floor_base}/?{shapes[visit.label].floor_query(visit.label)}"

        for visit in visits:  # warm-up: the servers' first script runs (imports), not counted
            for address in addresses(visit):
                _visit_ms(browser, address)
        for _ in range(repeats):
            for visit in visits:
                page_url, floor_url = addresses(visit)
                times[visit.label].append(_visit_ms(browser, page_url))
                floors[visit.label].append(_visit_ms(browser, floor_url))
    figures: dict[str, Any] = {}
    rows = []
    for visit in visits:
        page_s = statistics.median(times[visit.label]) / 1000
        floor_s = statistics.median(floors[visit.label]) / 1000
        ratio = statistics.median(p / f for p, f in zip(times[visit.label], floors[visit.label]))
        figures[visit.label] = {"seconds": round(page_s, 3), "floor_seconds": round(floor_s, 3),
                                "ratio": round(ratio, 3), "floor": shapes[visit.label].describe(),
                                "max_seconds": round(max(times[visit.label]) / 1000, 3)}
        over = " OVER" if ratio > FIRST_VIEW_RATIO_TARGET else ""
        rows.append((visit.label, f"{page_s:.2f}", f"{floor_s:.2f}", f"{ratio:.2f}{over}",
                     shapes[visit.label].describe()))
    worst = max(figures, key=lambda label: figures[label]["ratio"])
    print(table(f"Browser: first settled view in a fresh session, median of {repeats} "
                f"(target <= {FIRST_VIEW_RATIO_TARGET:g}x the floor; {counts.get('trial', 0):,} trials)",
                ("page", "page s", "floor s", "ratio", "floor: a bare page with"), rows))
    return {"sqlite": {"browser": figures, "browser_ratio_worst": figures[worst]["ratio"],
                       "browser_worst_page": worst}}
