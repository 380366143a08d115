"""Pages: how long a Streamlit rerun of each page takes (AppTest), on the demo and a large catalogue.

Each page of ``app.py`` (its ``st.Page`` entries) is opened in
``streamlit.testing.v1.AppTest`` with ``CATALOGUE_DATABASE_URL`` pointing at the
catalogue under test, then rerun. Two figures per page: *cold*, a rerun after
:func:`catalogue.read.clear_cache` (the first visit, or any visit after a write: every
read is computed), and *warm*, a rerun that finds its reads in the revision cache. The budget
(300 ms per rerun) is judged on the cold figure. The benchmark databases have no
accounts, so the app runs as the local operator and needs no sign-in.
"""

from __future__ import annotations

import os
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.measure import percentile, table

REPO = Path(__file__).resolve().parent.parent
APP = REPO / "app.py"
PAGE_RERUN_BUDGET_MS = 300.0
_PAGE_ENTRY = re.compile(r"st\.Page\(\s*[\"']([^\"']+\.py)[\"'](?P<rest>[^)]*)\)", re.S)
_TITLE = re.compile(r"title\s*=\s*[\"']([^\"']+)[\"']")


@dataclass(frozen=True)
class PageVisit:
    """One page to open: its script (relative to app.py), a label, and query parameters."""

    label: str
    script: str
    query_params: dict[str, str] = field(default_factory=dict)


def discover_pages(app: Path = APP) -> list[PageVisit]:
    """The pages ``app.py`` declares with ``st.Page("path.py", title=...)``."""
    if not app.exists():
        return []
    visits = []
    for match in _PAGE_ENTRY.finditer(app.read_text(encoding="utf-8")):
        title = _TITLE.search(match.group("rest"))
        visits.append(PageVisit(title.group(1) if title else Path(match.group(1)).stem, match.group(1)))
    return visits


@contextmanager
def database(url: str):
    previous = os.environ.get("CATALOGUE_DATABASE_URL")
    os.environ["CATALOGUE_DATABASE_URL"] = url
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("CATALOGUE_DATABASE_URL", None)
        else:
            os.environ["CATALOGUE_DATABASE_URL"] = previous


def _open(visit: PageVisit):
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(APP), default_timeout=120)
    for key, value in visit.query_params.items():
        app.query_params[key] = value
    app.switch_page(visit.script)
    return app


def rerun_ms(visit: PageVisit, repeats: int) -> dict[str, Any]:
    """Cold and warm rerun times of one page, and any exception the page raised."""
    from catalogue import read

    app = _open(visit)
    app.run()  # first run: imports and engine creation, not timed
    errors = [e.value for e in app.exception] + [f"st.error: {e.value}" for e in app.error]
    cold, warm = [], []
    for _ in range(repeats):
        read.clear_cache()
        started = time.perf_counter()
        app.run()
        cold.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        app.run()
        warm.append((time.perf_counter() - started) * 1000)
        errors += [e.value for e in app.exception] + [f"st.error: {e.value}" for e in app.error]
    return {"cold_ms": percentile(cold, 0.5), "cold_max_ms": max(cold), "warm_ms": percentile(warm, 0.5),
            "errors": sorted(set(errors))[:3]}


def detail_visits(url: str, pages: list[PageVisit]) -> list[PageVisit]:
    """The detail views the pages open by URL: the most common target, a construct, a trial."""
    from bench.query_bench import sample_keys
    from catalogue import db

    engine = db.make_engine(url)
    try:
        keys = sample_keys(engine)
    finally:
        engine.dispose()
    scripts = {Path(v.script).stem: v.script for v in pages}
    wanted = (("targets", "symbol", keys.common_target, "target"), ("constructs", "name", keys.construct, "construct"),
              ("trials", "id", keys.trial, "trial"))
    return [PageVisit(f"{stem.capitalize()}: {kind} {value}", scripts[stem], {param: value})
            for stem, param, value, kind in wanted if stem in scripts]


def run(catalogues: dict[str, dict[str, str]], repeats: int, visits: list[PageVisit] | None = None
        ) -> dict[str, dict[str, Any]]:
    """Rerun every page on every catalogue; ``catalogues`` is {backend: {catalogue label: URL}}.

    Without ``visits``: every page of app.py, plus the detail views (target, construct, trial)
    with keys taken from each catalogue.
    """
    fixed = visits
    visits = visits if visits is not None else discover_pages()
    if not visits:
        reason = f"{APP.name} is absent or declares no st.Page" if not APP.exists() else "no st.Page in app.py"
        print(f"\n== Pages: skipped ({reason})")
        return {backend: {"pages_skipped": reason} for backend in catalogues}
    results: dict[str, dict[str, Any]] = {}
    rows = []
    for backend, urls in catalogues.items():
        per_catalogue: dict[str, dict[str, Any]] = {}
        for label, url in urls.items():
            per_page = {}
            page_visits = visits if fixed is not None else visits + detail_visits(url, visits)
            with database(url):
                for visit in page_visits:
                    try:
                        per_page[visit.label] = rerun_ms(visit, repeats)
                    except Exception as error:  # a page that cannot be opened is reported, not fatal
                        per_page[visit.label] = {"failed": f"{type(error).__name__}: {error}"[:300]}
            per_catalogue[label] = per_page
            for page, figures in per_page.items():
                if "failed" in figures:
                    rows.append((backend, label, page, "FAILED", "", figures["failed"][:80]))
                    continue
                over = " OVER" if figures["cold_ms"] > PAGE_RERUN_BUDGET_MS else ""
                rows.append((backend, label, page, f"{figures['cold_ms']:.0f}{over}", figures["warm_ms"],
                             "; ".join(figures["errors"])[:80] or "-"))
        timed = [(label, page, f) for label, pages in per_catalogue.items() for page, f in pages.items()
                 if "cold_ms" in f]
        results[backend] = {"pages": per_catalogue,
                            "pages_failed": sorted(f"{page} ({label})" for label, pages in per_catalogue.items()
                                                   for page, f in pages.items() if "failed" in f)}
        if timed:
            label, page, worst = max(timed, key=lambda t: t[2]["cold_ms"])
            results[backend].update(page_rerun_ms=worst["cold_ms"], page_rerun_worst=f"{page} ({label})",
                                    page_warm_rerun_ms=max(f["warm_ms"] for _, _, f in timed))
    print(table(f"Pages: AppTest rerun, median of {repeats} (budget {PAGE_RERUN_BUDGET_MS:g} ms, cold)",
                ("database", "catalogue", "page", "cold ms", "warm ms", "exceptions"), rows))
    return results
