"""The app in a real browser: `streamlit run app.py` on a demo catalogue, driven by Debian's Chromium.

Opens every page, applies a filter (the URL changes), opens a construct's domain
map, and saves a screenshot of each page to artifacts/screenshots/.
"""

from __future__ import annotations

import re

import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS, REPO_ROOT, SCREENSHOTS, streamlit_server, wait_for_app
from conftest import skip_or_fail

from catalogue import curation, db, read

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGES = {"portfolio": "", "targets": "targets", "constructs": "constructs", "trials": "trials", "curate": "curate",
         "audit": "audit"}


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        skip_or_fail(f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("the playwright Python package is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory, request):
    """The app serving a demo catalogue (with at least one construct that has a sequence record)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'catalogue.sqlite'}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    operator = curation.local_operator()
    curation.load_demo(engine, operator)
    with_records = [n for n in read.construct_names(engine) if read.construct_detail(engine, n)["sequence_records"]]
    if not with_records:
        shared = request.getfixturevalue("shared_data")
        name = "Axicel_HM852952_protein_translated.fasta"
        report = curation.import_sequences(engine, operator, name, (shared / "sequences" / name).read_bytes(),
                                           construct="axi-cel")
        assert report.ok, report.error
        with_records = ["axi-cel"]
    (REPO_ROOT / "artifacts").mkdir(exist_ok=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server(url) as base:
        yield base, engine, with_records[0]
    engine.dispose()


def _open(page, base: str, path: str) -> None:
    page.goto(f"{base}/{path}")
    wait_for_app(page)


def _shot(page, name: str) -> None:
    page.wait_for_timeout(800)  # let Plotly finish drawing
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_every_page_opens_and_is_screenshotted(browser, demo_app):
    base, _, _ = demo_app
    page = browser.new_page(viewport={"width": 1440, "height": 2200})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    for name, path in PAGES.items():
        _open(page, base, path)
        heading = page.locator('[data-testid="stMainBlockContainer"] h1').first.inner_text()
        assert heading.strip(), name
        assert page.locator('[data-testid="stException"]').count() == 0, name
        _shot(page, name)
    assert page.locator('[data-testid="stMainBlockContainer"] h1').first.inner_text().startswith("Audit")
    assert not errors, errors
    page.close()


def test_a_filter_changes_the_url_and_the_table(browser, demo_app):
    base, engine, _ = demo_app
    page = browser.new_page(viewport={"width": 1440, "height": 1400})
    _open(page, base, "trials")
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Target").first.click()
    page.get_by_role("option", name="BCMA", exact=True).click()
    page.wait_for_url(re.compile(r"target=BCMA"), timeout=15_000)
    wait_for_app(page)
    expected = read.trial_page(engine, target="BCMA", limit=0).total
    page.get_by_text(f"{expected} matching").wait_for(timeout=15_000)
    _shot(page, "trials_filtered")
    # the link reproduces the view after a reload
    page.reload()
    wait_for_app(page)
    assert "target=BCMA" in page.url
    page.get_by_text(f"{expected} matching").wait_for(timeout=15_000)
    page.close()


def test_a_construct_page_shows_its_domain_map(browser, demo_app):
    base, engine, construct = demo_app
    page = browser.new_page(viewport={"width": 1440, "height": 2400})
    from urllib.parse import quote

    _open(page, base, f"constructs?name={quote(construct)}")
    plot = page.locator(".js-plotly-plot").first
    plot.wait_for(timeout=20_000)
    record = read.construct_detail(engine, construct)["sequence_records"][0]
    kinds = {d["kind"].replace("_", " ") for d in record["domains"]}
    legend = plot.locator(".legendtext").evaluate_all("items => items.map(item => item.textContent)")
    assert kinds == {text.replace("VHH", "vhh").replace("VH", "vh").replace("VL", "vl") for text in legend}
    labels = " ".join(plot.locator(".bars text").evaluate_all("items => items.map(item => item.textContent)"))
    assert any(d["label"] in labels for d in record["domains"])
    assert plot.locator(".bars .point").count() >= len(record["domains"])
    _shot(page, "construct_domain_map")
    page.close()


def test_a_curator_uploads_two_files_and_both_are_imported(browser, demo_app, shared_data):
    """Two files go through the batch import, whose parsing process must start from a real Streamlit server
    (there ``__main__`` is app.py, which multiprocessing's children would re-run)."""
    base, engine, _ = demo_app
    names = ["P2A.gb", "T2A.gb"]
    page = browser.new_page(viewport={"width": 1440, "height": 2400})
    _open(page, base, "curate")
    page.locator('[data-testid="stFileUploader"]').first.locator('input[type="file"]').set_input_files(
        [str(shared_data / "sequences" / name) for name in names])
    page.get_by_text("A construct named after each record").click()
    page.get_by_role("button", name="Save to the catalogue").click()
    for name in names:
        page.get_by_text(f"{name}: 1 created.").wait_for(timeout=60_000)
    wait_for_app(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    _shot(page, "curate_two_files")
    page.close()
    imported = {r["file_name"] for name in read.construct_names(engine)
                for r in read.construct_detail(engine, name)["sequence_records"]}
    assert set(names) <= imported
