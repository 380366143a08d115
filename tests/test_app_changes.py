"""The What-changed page and Curate › Trials (add by hand, link registrations), run headless with AppTest on
SQLite after importing the two real oncology snapshots (2026-05-15, then 2026-08-22)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from catalogue import curation, db, read

APP = Path(__file__).resolve().parent.parent / "app.py"
OLDER = "ONC-CAR-T-Trials-Monitor_2026-05-15_trials.csv"
NEWER = "ONC-CAR-T-Trials-Monitor_2026-08-22_trials.csv"


@pytest.fixture(scope="module")
def two_snapshots(tmp_path_factory, shared_data):
    url = f"sqlite:///{tmp_path_factory.mktemp('changes') / 'catalogue.sqlite'}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    for name in (OLDER, NEWER):
        assert curation.import_trials(engine, curation.local_operator(), name,
                                      (shared_data / "trials" / name).read_bytes()).ok
    yield url, engine
    engine.dispose()


def _rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {row["NCTId"]: row for row in csv.DictReader(handle)}


_SECTIONS = {"New trials": "new", "Status changes": "status", "Enrollment changes": "enrollment",
             "Other updates": "other", "No longer listed": "absent"}


def _sections(at) -> dict[str, object]:
    """The page's tables by section: one dataframe under each section's subheader, in page order."""
    names = [_SECTIONS[h.value.rsplit(" (", 1)[0]] for h in at.subheader if h.value.rsplit(" (", 1)[0] in _SECTIONS]
    return dict(zip(names, [frame.value for frame in at.dataframe]))


def _app(monkeypatch, url: str, page: str):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("CATALOGUE_DATABASE_URL", url)
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_page_shows_the_new_trials_and_the_status_and_enrollment_changes(two_snapshots, monkeypatch, shared_data):
    url, engine = two_snapshots
    older, newer = _rows(shared_data / "trials" / OLDER), _rows(shared_data / "trials" / NEWER)
    both = older.keys() & newer.keys()
    status = {i for i in both if older[i]["OverallStatus"] != newer[i]["OverallStatus"]}
    enrollment = {i for i in both if older[i]["EnrollmentCount"] != newer[i]["EnrollmentCount"]}

    at = _app(monkeypatch, url, "catalogue/ui/changes.py")  # by default: the latest import against the one before
    tables = _sections(at)
    assert set(tables["new"]["registry_id"]) == newer.keys() - older.keys()
    assert set(tables["status"]["registry_id"]) == status
    assert set(tables["enrollment"]["registry_id"]) == enrollment
    assert set(tables["absent"]["registry_id"]) == older.keys() - newer.keys()
    moved = tables["status"].set_index("registry_id")
    some = sorted(status)[0]
    assert (moved.loc[some, "before"], moved.loc[some, "after"]) == (older[some]["OverallStatus"],
                                                                     newer[some]["OverallStatus"])
    tiles = {m.label: m.value for m in at.metric}
    assert tiles["Status changes"] == str(len(status)) and tiles["New trials"] == str(len(newer.keys() - older.keys()))
    assert {b.proto.label for b in at.get("download_button")} >= {"All changes (CSV)"}

    # per target: only that target's trials
    at.selectbox(key="filter_target").select("CD19").run()
    cd19 = _sections(at)
    assert all("CD19" in (t or "").split(", ") for frame in cd19.values() for t in frame["targets"])
    assert set(cd19["status"]["registry_id"]) < status


def test_a_curator_adds_a_trial_by_hand_and_links_two_registrations(two_snapshots, monkeypatch):
    url, engine = two_snapshots
    at = _app(monkeypatch, url, "catalogue/ui/curate.py")
    at.session_state["curate_tab"] = "Trials"  # only the open tab is built
    at.run()
    at.selectbox(key="add_trial_registry").select("EU CTR")
    at.text_input(key="add_trial_id").input("EUCTR2017-002245-29-FR")
    at.text_input(key="add_trial_title").input(
        "A Phase 2, Multicenter Study to Determine the Efficacy and Safety of bb2121 in Subjects With Relapsed and "
        "Refractory Multiple Myeloma")  # KarMMa's official title; EudraCT and NCT numbers: tests/ictrp_exports.py
    at.button(key="add_trial_save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert read.trial_detail(engine, "2017-002245-29")["registry"] == "EU CTR"
    total = read.stats(engine)["totals"]["trials"]

    at.text_input(key="link_registrations_find").input("bb2121 in Subjects With Relapsed and Refractory").run()
    at.selectbox(key="link_first").select("2017-002245-29").run()
    at.selectbox(key="link_second").select("NCT03361748").run()
    at.button(key="registrations_link").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert read.stats(engine)["totals"]["trials"] == total - 1
    assert read.trial_record(engine, "2017-002245-29")["study"] == "NCT03361748"

    # a wrong ID for the registry is refused with a message, and nothing is written
    before = read.row_counts(engine)
    at.selectbox(key="add_trial_registry").select("ChiCTR")
    at.text_input(key="add_trial_id").input("NCT03361748")
    at.button(key="add_trial_save").click().run()
    assert any("not a ChiCTR one" in e.value for e in at.error)
    assert read.row_counts(engine) == before
