"""The Streamlit app, run headless with AppTest on the demo catalogue: pages, numbers, roles, uploads, escaping."""

from __future__ import annotations

import pandas as pd
import pytest
from app_support import PAGES, demo_database, open_app, open_tab, sign_in, visit
from sqlalchemy import select
from sqlmodel import Session

from catalogue import curation, read
from catalogue.db.models import SequenceRecord
from catalogue.drafts import ConstructDraft
from catalogue.errors import PermissionDenied
from catalogue.vocabulary import NOT_RECORDED

HOSTILE = "<script>alert(1)</script><b>x</b>"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A demo catalogue in a tmp folder, read-only for the tests that use it."""
    url, engine = demo_database(tmp_path_factory.mktemp("app_demo"))
    yield url, engine
    engine.dispose()


@pytest.fixture
def writable_demo(tmp_path):
    url, engine = demo_database(tmp_path)
    yield url, engine
    engine.dispose()


def _texts(at) -> str:
    return "\n".join(
        [t.value for t in at.text] + [m.value for m in at.markdown] + [c.value for c in at.caption]
        + [t.value for t in at.title] + [h.value for h in at.subheader]
    )


def test_every_page_renders_on_the_demo(demo, monkeypatch):
    url, engine = demo
    at = open_app(monkeypatch, url).run()
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
        ("Portfolio", {"scope": "Approved reference products"}),
        ("Portfolio", {"scope": "Everything in the catalogue"}),
    ]
    for page, params in visits:
        visit(at, page, **params)
        assert not at.error, (page, params, [e.value for e in at.error])
        assert at.title or at.warning, (page, params)
    # the construct page shows its domain map
    visit(at, "Constructs", name=construct_with_record)
    assert at.get("plotly_chart"), "the construct page has a domain map"


def test_every_page_reruns_from_the_cache_without_error(demo, monkeypatch):
    """A second run of each page reads its results from the revision cache and shows the same page. How long a
    rerun takes is measured by the benchmarks (bench/page_bench.py, budget 300 ms), not asserted here."""
    url, engine = demo
    at = open_app(monkeypatch, url).run()
    for page in PAGES:
        visit(at, page)
        first = [t.value for t in at.title]
        revision = read.catalogue_revision(engine)
        at.run()
        assert not at.exception and not at.error, page
        assert [t.value for t in at.title] == first and read.catalogue_revision(engine) == revision, page


def test_targets_table_counts_equal_stats(demo, monkeypatch):
    url, engine = demo
    at = visit(open_app(monkeypatch, url).run(), "Targets")
    table = at.dataframe[0].value.set_index("target")
    stats = read.stats(engine)["targets"]
    assert set(table.index) == set(stats)
    for symbol, expected in stats.items():
        for key in ("constructs", "sequence_records", "trials", "enrollment_actual", "enrollment_estimated",
                    "enrollment_unknown", "enrollment_unknown_inferred_actual"):
            cell = table.loc[symbol, key]
            assert (None if pd.isna(cell) else int(cell)) == expected[key], (symbol, key)


def _tile_number(text: str) -> str:
    return text.replace("\u2009", "")


def test_portfolio_opens_on_the_programme_and_shows_the_query_numbers(demo, monkeypatch):
    url, engine = demo
    at = visit(open_app(monkeypatch, url).run(), "Portfolio")
    programme = read.default_programme(engine)
    assert programme == "Union Hospital CAR-T/TCR-T programme"
    assert at.segmented_control(key="portfolio_scope").value == programme
    tiles = {m.label: m.value for m in at.metric}
    expected = read.portfolio(engine, programme)["tiles"]
    assert tiles["Trials"] == str(expected["trials"])
    assert tiles["Constructs"] == str(expected["constructs"])
    assert _tile_number(tiles["Patients treated (published)"]) == str(expected["patients_treated"])
    for label, key in (("Enrollment, actual (registry)", "enrollment_actual"),
                       ("Enrollment, estimated (registry)", "enrollment_estimated"),
                       ("Enrollment, type not given (registry)", "enrollment_unknown")):
        shown = _tile_number(tiles[label])
        assert shown == (NOT_RECORDED if expected[key] is None else str(expected[key])), label
    (total,) = [p for p in read.programmes(engine) if p["name"] == programme]
    assert tiles["Programme total, patients treated"] == str(total["patients_treated"])
    assert total["patients_treated_source"] in _texts(at).replace("\\", "")
    # a chart's data downloads as CSV
    assert any(b.proto.label == "CSV" for b in at.get("download_button"))


def test_the_approved_products_are_one_click_away_and_unknowns_are_not_zero(demo, monkeypatch):
    url, engine = demo
    at = visit(open_app(monkeypatch, url).run(), "Portfolio")
    at.segmented_control(key="portfolio_scope").set_value("Approved reference products").run()
    assert not at.exception
    tiles = {m.label: m.value for m in at.metric}
    expected = read.portfolio(engine, None, read.APPROVED)["tiles"]
    assert tiles["Trials"] == str(expected["trials"]) and expected["trials"] > 0
    # the pivotal trials' snapshot gives no enrollment type: not recorded, never 0
    for label, key in (("Enrollment, actual (registry)", "enrollment_actual"),
                       ("Enrollment, estimated (registry)", "enrollment_estimated")):
        if expected[key] is None:
            assert tiles[label] == NOT_RECORDED
    assert _tile_number(tiles["Enrollment, type not given (registry)"]) == str(expected["enrollment_unknown"])
    assert "Programme total, patients treated" not in tiles


def test_a_curator_accepts_a_candidate_trial_on_the_portfolio(writable_demo, monkeypatch):
    url, engine = writable_demo
    programme = read.default_programme(engine)
    candidates = read.portfolio(engine, programme)["candidates"]
    registry_id = candidates["registry_id"].iloc[0]
    before = read.portfolio(engine, programme)["tiles"]["trials"]
    at = visit(open_app(monkeypatch, url).run(), "Portfolio")
    at.selectbox(key="candidate_trial").select(registry_id).run()
    at.segmented_control(key="candidate_decision").set_value("rejected").run()
    at.segmented_control(key="candidate_decision").set_value("accepted").run()
    at.button(key="candidate_save").click().run()
    assert not at.exception
    read.clear_cache()
    after = read.portfolio(engine, programme)
    decided = after["candidates"].set_index("registry_id").loc[registry_id]
    assert decided["decision"] == "accepted" and decided["decided_by"] == "local-operator"
    assert after["tiles"]["trials"] == before + 1
    events = read.audit_events(engine, entity_kind="programme candidate")
    assert any(e["action"] == "accepted" and e["entity_key"] == f"{programme}: {registry_id}" for e in events)


def test_filters_live_in_the_url(demo, monkeypatch):
    url, engine = demo
    at = visit(open_app(monkeypatch, url).run(), "Trials")
    at.selectbox(key="filter_target").select("BCMA").run()
    assert at.query_params["target"] == ["BCMA"] or at.query_params["target"] == "BCMA"
    shown = at.dataframe[0].value
    assert set(shown["registry_id"]) == set(read.trial_page(engine, target="BCMA", limit=25).rows["registry_id"])
    # a shared link opens the same view
    again = visit(open_app(monkeypatch, url).run(), "Trials", target="BCMA")
    assert again.selectbox(key="filter_target").value == "BCMA"


def test_unknown_values_show_not_recorded(demo, monkeypatch):
    url, engine = demo
    at = visit(open_app(monkeypatch, url).run(), "Constructs", name="CT1182")  # no targets or architecture recorded
    values = [v for frame in at.dataframe for v in frame.value.get("Value", [])]
    assert "not recorded" in values and "0" not in values


def test_curator_uploads_a_real_file_and_finds_it_saved(writable_demo, monkeypatch, shared_data):
    url, engine = writable_demo
    curation.add_account(engine, curation.local_operator(), "ada", "curator", password="a long passphrase")
    at = open_app(monkeypatch, url).run()
    sign_in(at, "ada", "wrong password")
    assert any("wrong password" in e.value for e in at.error)
    sign_in(at, "ada", "a long passphrase")
    assert any("ada (curator)" in t.value for t in at.sidebar.text)

    # the demo ships axi-cel's CAR protein already: upload a protein it does not hold (the m971 anti-CD22 scFv)
    file_name = "m971_CD22_scFv.fasta"
    content = (shared_data / "binders" / file_name).read_bytes()
    second = "Axicel_HM852952.fasta"  # two files: the import parses them in a second process
    visit(at, "Curate")
    at.file_uploader(key="sequence_files").set_value([
        (file_name, content, "text/plain"),
        (second, (shared_data / "sequences" / second).read_bytes(), "text/plain"),
    ]).run()
    assert not at.exception
    previews = [frame.value for frame in at.dataframe if "molecule" in frame.value.columns]
    assert [list(p["molecule"]) for p in previews] == [["protein"], ["DNA"]] and previews[0]["domains"][0] > 0
    at.radio(key="attach_mode").set_value("A new construct").run()
    at.text_input(key="attach_new_name").input("m971 scFv and FMC63-28z from HM852952").run()
    at.text_input(key="attach_new_targets").input("CD19").run()
    at.button(key="save_sequences").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert len([s for s in at.success if "1 created" in s.value]) == 2, [s.value for s in at.success]

    with Session(engine) as session:
        record = session.exec(select(SequenceRecord).where(SequenceRecord.file_name == file_name)).scalars().one()
        assert record.imported_by == "ada"
        assert record.original_bytes.startswith(b">")
    detail = read.construct_detail(engine, "m971 scFv and FMC63-28z from HM852952")
    assert detail["targets"] == ["CD19"] and detail["sequence_records"][0]["domains"]
    assert sorted(r["file_name"] for r in detail["sequence_records"]) == sorted([file_name, second])
    # the new construct is on the Constructs page at once (the cache was cleared after the write)
    visit(at, "Constructs", name="m971 scFv and FMC63-28z from HM852952")
    assert at.get("plotly_chart")


def test_curator_edit_conflict_shows_the_newer_values(writable_demo, monkeypatch):
    url, engine = writable_demo
    at = open_tab(visit(open_app(monkeypatch, url).run(), "Curate"), "Constructs")  # no accounts: the local operator
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
    at = open_app(monkeypatch, url).run()
    assert any("Browsing as a viewer" in c.value for c in at.sidebar.caption)
    with pytest.raises(ValueError, match="Could not find a navigation page"):  # Curate is not offered
        at.switch_page(PAGES["Curate"])
    sign_in(at, "vic", "viewer pass")
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

    at = visit(open_app(monkeypatch, url).run(), "Constructs", name=HOSTILE)
    assert HOSTILE in [t.value for t in at.text]  # notes: plain text
    (title,) = at.title
    assert "<script>" not in title.value and "<b>" not in title.value and "&lt;script&gt;" in title.value

    at = visit(at, "Trials", id="NCT02348216")
    assert HOSTILE in [t.value for t in at.text]
    for element in [*at.markdown, *at.caption, *at.title]:
        assert "<script>" not in element.value


def test_curator_adds_a_product_and_the_trial_page_shows_why(writable_demo, monkeypatch):
    url, engine = writable_demo
    at = open_tab(visit(open_app(monkeypatch, url).run(), "Curate"), "Products")  # no accounts: the local operator
    assert any("named products" in c.value for c in at.caption)
    at.selectbox(key="product_choice").select("CT1182").run()
    # a form: set its values, then submit, in one run
    next(m for m in at.multiselect if m.label == "Targets").select("CD19")
    next(t for t in at.text_input if t.label.startswith("Source")).input("a curator's source for this test")
    next(b for b in at.button if b.label == "Save product").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("1 changed classification" in s.value for s in at.success), [s.value for s in at.success]
    assert read.trial_detail(engine, "NCT07548697")["targets"] == ["CD19"]
    at = visit(at, "Trials", id="NCT07548697")
    assert "Why these targets" in _texts(at)
    evidence = next(f.value for f in at.dataframe if "led_by" in f.value.columns)
    assert list(evidence["led_by"]) == ["product CT1182 (named in the title as “CT1182”)"]
