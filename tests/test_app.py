"""The Streamlit app, run headless with AppTest on the demo catalogue: pages, numbers, roles, uploads, escaping."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import Session

from catalogue import curation, db, read
from catalogue.db.models import SequenceRecord
from catalogue.drafts import ConstructDraft
from catalogue.errors import PermissionDenied

APP = Path(__file__).resolve().parent.parent / "app.py"
PAGES = {
    "Portfolio": "catalogue/ui/portfolio.py",
    "Targets": "catalogue/ui/targets.py",
    "Constructs": "catalogue/ui/constructs.py",
    "Trials": "catalogue/ui/trials.py",
    "What changed": "catalogue/ui/changes.py",
    "Curate": "catalogue/ui/curate.py",
    "Audit": "catalogue/ui/audit.py",
}
HOSTILE = "<script>alert(1)</script><b>x</b>"


def _demo_database(folder: Path) -> tuple[str, object]:
    url = f"sqlite:///{folder / 'catalogue.sqlite'}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    curation.load_demo(engine, curation.local_operator())
    return url, engine


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A demo catalogue in a tmp folder, read-only for the tests that use it."""
    url, engine = _demo_database(tmp_path_factory.mktemp("app_demo"))
    yield url, engine
    engine.dispose()


@pytest.fixture
def writable_demo(tmp_path):
    url, engine = _demo_database(tmp_path)
    yield url, engine
    engine.dispose()


def _app(monkeypatch, url: str):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("CATALOGUE_DATABASE_URL", url)
    return AppTest.from_file(str(APP), default_timeout=60)


def _visit(at, page: str, **params: str):
    at.switch_page(PAGES[page])
    for key in list(at.query_params):
        del at.query_params[key]
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(at) -> str:
    return "\n".join(
        [t.value for t in at.text] + [m.value for m in at.markdown] + [c.value for c in at.caption]
        + [t.value for t in at.title] + [h.value for h in at.subheader]
    )


def test_every_page_renders_on_the_demo(demo, monkeypatch):
    url, engine = demo
    at = _app(monkeypatch, url).run()
    assert not at.exception
    construct_with_record = next(
        name for name in read.construct_names(engine) if read.construct_detail(engine, name)["sequence_records"]
    )
    visits = [(page, {}) for page in PAGES] + [
        ("Targets", {"symbol": "CD19"}),
        ("Constructs", {"name": construct_with_record}),
        ("Constructs", {"name": "axi-cel"}),
        ("Trials", {"id": "NCT02348216"}),
        ("Constructs", {"name": "no such construct"}),
        ("Constructs", {"target": "CD19", "costimulatory": "4-1BB"}),
        ("Trials", {"target": "BCMA", "status": "RECRUITING"}),
        ("Portfolio", {"programme": "Union Hospital CAR-T/TCR-T programme"}),
    ]
    for page, params in visits:
        _visit(at, page, **params)
        assert not at.error, (page, params, [e.value for e in at.error])
        assert at.title or at.warning, (page, params)
    # the construct page shows its domain map
    _visit(at, "Constructs", name=construct_with_record)
    assert at.get("plotly_chart"), "the construct page has a domain map"


def test_page_reruns_are_fast(demo, monkeypatch):
    """Each page reruns well under 300 ms on the demo catalogue (cached reads; the first run warms up)."""
    url, _ = demo
    at = _app(monkeypatch, url).run()
    timings = {}
    for page in PAGES:
        _visit(at, page)
        start = time.perf_counter()
        at.run()
        timings[page] = (time.perf_counter() - start) * 1000
    print("AppTest rerun ms:", {k: round(v) for k, v in timings.items()})
    assert max(timings.values()) < 300, timings


def test_targets_table_counts_equal_stats(demo, monkeypatch):
    url, engine = demo
    at = _visit(_app(monkeypatch, url).run(), "Targets")
    table = at.dataframe[0].value.set_index("target")
    stats = read.stats(engine)["targets"]
    assert set(table.index) == set(stats)
    for symbol, expected in stats.items():
        for key in ("constructs", "sequence_records", "trials", "enrollment_actual", "enrollment_estimated"):
            assert table.loc[symbol, key] == expected[key], (symbol, key)


def test_portfolio_tiles_show_the_query_numbers(demo, monkeypatch):
    url, engine = demo
    at = _visit(_app(monkeypatch, url).run(), "Portfolio")
    tiles = {m.label: m.value for m in at.metric}
    expected = read.portfolio(engine)["tiles"]
    assert tiles["Trials"] == str(expected["trials"])
    assert tiles["Constructs"] == str(expected["constructs"])
    assert tiles["Patients treated (curated)"].replace("\u2009", "") == str(expected["patients_treated"])
    programme = read.programmes(engine)[0]
    assert tiles["Programme total, patients treated"] == str(programme["patients_treated"])
    assert programme["patients_treated_source"] in _texts(at).replace("\\", "")
    # a chart's data downloads as CSV
    assert any(b.proto.label == "CSV" for b in at.get("download_button"))


def test_filters_live_in_the_url(demo, monkeypatch):
    url, engine = demo
    at = _visit(_app(monkeypatch, url).run(), "Trials")
    at.selectbox(key="filter_target").select("BCMA").run()
    assert at.query_params["target"] == ["BCMA"] or at.query_params["target"] == "BCMA"
    shown = at.dataframe[0].value
    assert set(shown["registry_id"]) == set(read.trial_page(engine, target="BCMA", limit=25).rows["registry_id"])
    # a shared link opens the same view
    again = _visit(_app(monkeypatch, url).run(), "Trials", target="BCMA")
    assert again.selectbox(key="filter_target").value == "BCMA"


def test_unknown_values_show_not_recorded(demo, monkeypatch):
    url, engine = demo
    at = _visit(_app(monkeypatch, url).run(), "Constructs", name="CT1182")  # no targets or architecture recorded
    values = [v for frame in at.dataframe for v in frame.value.get("Value", [])]
    assert "not recorded" in values and "0" not in values


def _sign_in(at, name: str, password: str):
    at.sidebar.text_input(key="sign_in_name").input(name)
    at.sidebar.text_input(key="sign_in_password").input(password)
    next(b for b in at.sidebar.button if b.label == "Sign in").click()
    return at.run()


def test_curator_uploads_a_real_file_and_finds_it_saved(writable_demo, monkeypatch, shared_data):
    url, engine = writable_demo
    curation.add_account(engine, curation.local_operator(), "ada", "curator", password="a long passphrase")
    at = _app(monkeypatch, url).run()
    _sign_in(at, "ada", "wrong password")
    assert any("wrong password" in e.value for e in at.error)
    _sign_in(at, "ada", "a long passphrase")
    assert any("ada (curator)" in t.value for t in at.sidebar.text)

    file_name = "Axicel_HM852952_protein_translated.fasta"
    content = (shared_data / "sequences" / file_name).read_bytes()
    second = "Axicel_HM852952.fasta"  # two files: the import parses them in a second process
    _visit(at, "Curate")
    at.file_uploader(key="sequence_files").set_value([
        (file_name, content, "text/plain"),
        (second, (shared_data / "sequences" / second).read_bytes(), "text/plain"),
    ]).run()
    assert not at.exception
    previews = [frame.value for frame in at.dataframe if "molecule" in frame.value.columns]
    assert [list(p["molecule"]) for p in previews] == [["protein"], ["DNA"]] and previews[0]["domains"][0] > 0
    at.radio(key="attach_mode").set_value("A new construct").run()
    at.text_input(key="attach_new_name").input("FMC63-28z from HM852952").run()
    at.text_input(key="attach_new_targets").input("CD19").run()
    at.button(key="save_sequences").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert len([s for s in at.success if "1 created" in s.value]) == 2, [s.value for s in at.success]

    with Session(engine) as session:
        record = session.exec(select(SequenceRecord).where(SequenceRecord.file_name == file_name)).scalars().one()
        assert record.imported_by == "ada"
        assert record.original_bytes.startswith(b">")
    detail = read.construct_detail(engine, "FMC63-28z from HM852952")
    assert detail["targets"] == ["CD19"] and detail["sequence_records"][0]["domains"]
    assert sorted(r["file_name"] for r in detail["sequence_records"]) == sorted([file_name, second])
    # the new construct is on the Constructs page at once (the cache was cleared after the write)
    _visit(at, "Constructs", name="FMC63-28z from HM852952")
    assert at.get("plotly_chart")


def test_curator_edit_conflict_shows_the_newer_values(writable_demo, monkeypatch):
    url, engine = writable_demo
    at = _visit(_app(monkeypatch, url).run(), "Curate")  # no accounts: the local operator
    at.selectbox(key="edit_choice").select("axi-cel").run()
    version = read.construct_detail(engine, "axi-cel")["version"]
    # someone else saves first
    curation.update_construct(engine, curation.local_operator(), "axi-cel", {"vector": "retroviral (MSGV1)"},
                              expected_version=version)
    form_inputs = [t for t in at.text_input if t.label == "Developer"]
    form_inputs[0].input("Kite Pharma")
    next(b for b in at.button if b.label == "Save changes").click().run()
    assert any("changed by someone else" in e.value for e in at.error)
    assert read.construct_detail(engine, "axi-cel")["developer"] != "Kite Pharma"


def test_viewer_sees_no_curate_page_and_the_service_refuses(writable_demo, monkeypatch):
    url, engine = writable_demo
    curation.add_account(engine, curation.local_operator(), "vic", "viewer", password="viewer pass")
    at = _app(monkeypatch, url).run()
    assert any("Browsing as a viewer" in c.value for c in at.sidebar.caption)
    with pytest.raises(ValueError, match="Could not find a navigation page"):  # Curate is not offered
        at.switch_page(PAGES["Curate"])
    _sign_in(at, "vic", "viewer pass")
    assert any("vic (viewer)" in t.value for t in at.sidebar.text)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGES["Curate"])

    before = read.row_counts(engine)
    viewer = curation.actor_for(engine, "vic")
    with pytest.raises(PermissionDenied):
        curation.save_construct(engine, viewer, ConstructDraft(name="not allowed", targets=["CD19"]))
    assert read.row_counts(engine) == before


def test_record_text_with_html_is_shown_literally(writable_demo, monkeypatch):
    url, engine = writable_demo
    operator = curation.local_operator()
    curation.save_construct(engine, operator, ConstructDraft(name=HOSTILE, notes=HOSTILE, targets=["CD19"]))
    trial = read.trial_detail(engine, "NCT02348216")
    curation.update_trial(engine, operator, "NCT02348216", {"title": HOSTILE}, expected_version=trial["version"])

    at = _visit(_app(monkeypatch, url).run(), "Constructs", name=HOSTILE)
    assert HOSTILE in [t.value for t in at.text]  # notes: plain text
    (title,) = at.title
    assert "<script>" not in title.value and "<b>" not in title.value and "&lt;script&gt;" in title.value

    at = _visit(at, "Trials", id="NCT02348216")
    assert HOSTILE in [t.value for t in at.text]
    for element in [*at.markdown, *at.caption, *at.title]:
        assert "<script>" not in element.value
