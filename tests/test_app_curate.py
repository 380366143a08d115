"""The Curate page and sign-in, run headless with AppTest on the demo catalogue.

Each Curate action is performed as a signed-in curator and checked in the
database (through catalogue.read) and in the audit trail: one event, by that
curator. Sign-in: idle sessions end, viewers never get Curate, only admins restore.
"""

from __future__ import annotations

import time

import pytest
from app_support import APP, PAGES, demo_database, open_app, open_tab, sign_in, visit
from streamlit.testing.v1 import AppTest

from catalogue import curation, read
from catalogue.ui import identity

PASSWORD = "a long passphrase"
TRIAL = "NCT02348216"  # ZUMA-1, linked to axi-cel in the demo
CURATOR = "cora"
ADMIN = "ada"


@pytest.fixture
def catalogue(tmp_path):
    """A fresh demo catalogue with a curator, an admin and a viewer account."""
    url, engine = demo_database(tmp_path)
    operator = curation.local_operator()
    for name, role in ((CURATOR, "curator"), (ADMIN, "admin"), ("vic", "viewer")):
        curation.add_account(engine, operator, name, role, password=PASSWORD)
    yield url, engine
    engine.dispose()


def _signed_in(monkeypatch, url: str, name: str, tab: str = "Sequences") -> AppTest:
    """Curate, signed in as ``name``, with ``tab`` open."""
    at = sign_in(open_app(monkeypatch, url).run(), name, PASSWORD)
    assert any(t.value.startswith(f"{name} (") for t in at.sidebar.text), "signed in"
    return open_tab(visit(at, "Curate"), tab)


def _last_event_id(engine) -> int:
    events = read.audit_events(engine, limit=1)
    return events[0]["id"] if events else 0


def _events_after(engine, event_id: int) -> list[dict]:
    return [e for e in read.audit_events(engine) if e["id"] > event_id]


def _facts(at: AppTest) -> list[dict]:
    """Every Field/Value table on the page (what a save wrote, a conflict's newer values) as a dict."""
    return [dict(zip(f.value["Field"], f.value["Value"])) for f in at.dataframe if list(f.value.columns) == ["Field", "Value"]]


def _clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _one_event(engine, since: int, action: str, kind: str, key: str) -> dict:
    (event,) = _events_after(engine, since)
    assert (event["actor"], event["action"], event["entity_kind"], event["entity_key"]) == (CURATOR, action, kind, key)
    return event


# --- identity ------------------------------------------------------------------------------------


def test_an_idle_session_is_signed_out(catalogue, monkeypatch):
    url, _ = catalogue
    at = _signed_in(monkeypatch, url, CURATOR)
    # active 5 minutes short of the limit: still signed in, and the activity is refreshed
    at.session_state[identity.LAST_SEEN_KEY] = time.time() - identity.IDLE_LIMIT.total_seconds() + 300
    at.run()
    assert any(t.value == f"{CURATOR} (curator)" for t in at.sidebar.text)
    assert time.time() - at.session_state[identity.LAST_SEEN_KEY] < 60
    # idle a minute beyond the limit: signed out on the next run, told why, Curate gone
    at.session_state[identity.LAST_SEEN_KEY] = time.time() - identity.IDLE_LIMIT.total_seconds() - 60
    at.run()
    assert not at.exception
    assert not any(CURATOR in t.value for t in at.sidebar.text)
    assert any("expired" in i.value for i in at.sidebar.info)
    assert at.sidebar.text_input(key="sign_in_name") is not None
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGES["Curate"])


def test_a_signed_in_viewer_gets_no_curate(catalogue, monkeypatch):
    url, _ = catalogue
    at = sign_in(open_app(monkeypatch, url).run(), "vic", PASSWORD)
    assert any(t.value == "vic (viewer)" for t in at.sidebar.text)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGES["Curate"])
    # the page itself refuses a viewer too (if it were reached some other way): no tabs, no widgets
    page = AppTest.from_file(str(APP.parent / PAGES["Curate"]), default_timeout=30)
    monkeypatch.setenv("CATALOGUE_DATABASE_URL", url)
    page.session_state["visitor"] = identity.Visitor(curation.Actor("vic", "viewer"), "signed in")
    page.run()
    assert not page.exception
    assert any("curator or admin role" in w.value for w in page.warning)
    assert not page.tabs and not page.button


def test_without_authlib_single_sign_on_falls_back_to_local_accounts(catalogue, monkeypatch):
    url, _ = catalogue
    at = open_app(monkeypatch, url)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "not a secret",
                          "client_id": "catalogue", "client_secret": "unused",
                          "server_metadata_url": "https://id.example.org/.well-known/openid-configuration"}
    at.run()
    assert not at.exception
    if identity.authlib_installed():
        assert any(b.label == "Sign in" for b in at.sidebar.button)  # st.login is offered
    else:
        assert any("Authlib is not installed" in c.value for c in at.sidebar.caption)
        sign_in(at, CURATOR, PASSWORD)
        assert any(t.value == f"{CURATOR} (curator)" for t in at.sidebar.text)
        visit(at, "Curate")


def test_an_admin_restores_and_a_curator_cannot(catalogue, monkeypatch):
    url, engine = catalogue
    curation.set_archived(engine, curation.local_operator(), "construct", "axi-cel", True)

    at = _signed_in(monkeypatch, url, CURATOR, "Archive")
    assert not [s for s in at.selectbox if s.key == "restore_choice"]
    assert not [b for b in at.button if b.key == "restore_save"]
    assert any("Only an admin can restore" in c.value for c in at.caption)

    at = _signed_in(monkeypatch, url, ADMIN, "Archive")
    (archived,) = [f.value for f in at.dataframe if "archived_at" in f.value.columns]
    assert list(archived["key"]) == ["axi-cel"]
    since = _last_event_id(engine)
    at.selectbox(key="restore_choice").select("construct: axi-cel").run()
    at.button(key="restore_save").click().run()
    _clean(at)
    assert any("restored" in s.value for s in at.success)
    assert "axi-cel" in read.construct_names(engine)
    (event,) = _events_after(engine, since)
    assert (event["actor"], event["action"], event["entity_key"]) == (ADMIN, "restore", "axi-cel")


# --- the six Curate actions, as a curator ------------------------------------------------------------


def test_a_curator_corrects_a_trial(catalogue, monkeypatch):
    url, engine = catalogue
    at = _signed_in(monkeypatch, url, CURATOR, "Trials")
    before = read.trial_detail(engine, TRIAL)
    since = _last_event_id(engine)
    at.selectbox(key="trial_choice").select(TRIAL).run()
    assert any(f"Editing version {before['version']}" in c.value for c in at.caption)
    assert any("kept when the registry record is re-imported" in c.value for c in at.caption)
    at.text_input(key="trial_lead_sponsor").input("Kite Pharma")
    at.number_input(key="trial_enrollment_count").set_value(111)
    at.selectbox(key="trial_enrollment_type").select("actual")
    at.button(key="save_trial_fields").click().run()
    _clean(at)
    after = read.trial_detail(engine, TRIAL)
    assert (after["lead_sponsor"], after["enrollment_count"], after["enrollment_type"]) == ("Kite Pharma", 111, "actual")
    assert set(after["curated_fields"]) == {"lead_sponsor", "enrollment_count", "enrollment_type"}
    assert after["title"] == before["title"]
    assert any(f"version {after['version']}" in s.value for s in at.success)
    assert {"enrollment_count": "111", "enrollment_type": "actual", "lead_sponsor": "Kite Pharma"} in _facts(at)
    event = _one_event(engine, since, "update", "trial", TRIAL)
    assert event["after"]["lead_sponsor"] == "Kite Pharma"
    # the form now edits the new version
    assert any(f"Editing version {after['version']}" in c.value for c in at.caption)


def test_a_stale_trial_edit_shows_the_conflict_and_writes_nothing(catalogue, monkeypatch):
    url, engine = catalogue
    at = _signed_in(monkeypatch, url, CURATOR, "Trials")
    at.selectbox(key="trial_choice").select(TRIAL).run()
    seen = read.trial_detail(engine, TRIAL)
    # an admin saves first
    curation.update_trial(engine, curation.actor_for(engine, ADMIN), TRIAL, {"indication": "LBCL"},
                          expected_version=seen["version"])
    newer = read.trial_detail(engine, TRIAL)
    since = _last_event_id(engine)
    at.text_input(key="trial_lead_sponsor").input("Kite Pharma")
    at.button(key="save_trial_fields").click().run()
    assert not at.exception
    assert any("changed by someone else" in e.value for e in at.error)
    assert {"indication": "LBCL"} in _facts(at)  # the newer value: what differs from what the curator saw
    assert read.trial_detail(engine, TRIAL) == newer
    assert _events_after(engine, since) == []
    # loading the newer version lets the edit through
    at.button(key="reload_trial").click().run()
    assert any(f"Editing version {newer['version']}" in c.value for c in at.caption)


def test_a_curator_overrides_a_trials_targets(catalogue, monkeypatch):
    url, engine = catalogue
    at = _signed_in(monkeypatch, url, CURATOR, "Trials")
    since = _last_event_id(engine)
    at.selectbox(key="trial_choice").select(TRIAL).run()
    assert read.trial_detail(engine, TRIAL)["targets"] == ["CD19"]
    at.multiselect(key=f"trial_targets_{TRIAL}").set_value(["CD19", "CD22"])
    at.button(key="save_trial_targets").click().run()
    _clean(at)
    after = read.trial_detail(engine, TRIAL)
    assert after["targets"] == ["CD19", "CD22"] and after["targets_curated"]
    assert any("targets updated" in s.value for s in at.success)
    event = _one_event(engine, since, "override targets", "trial", TRIAL)
    assert event["after"]["targets"] == ["CD19", "CD22"]


def test_a_curator_links_a_trial_to_a_construct(catalogue, monkeypatch):
    url, engine = catalogue
    construct = "ref-CD19-tafasitamab-BBz-EGFRt"
    at = _signed_in(monkeypatch, url, CURATOR, "Trials")
    since = _last_event_id(engine)
    at.selectbox(key="trial_choice").select(TRIAL).run()
    at.selectbox(key="link_construct").select(construct).run()
    at.button(key="save_trial_link").click().run()
    _clean(at)
    links = {c["name"]: c["curated"] for c in read.trial_detail(engine, TRIAL)["constructs"]}
    assert links[construct] is True
    assert TRIAL in [t["registry_id"] for t in read.construct_detail(engine, construct)["trials"]]
    assert any("linked to" in s.value for s in at.success)
    event = _one_event(engine, since, "link", "trial", TRIAL)
    assert event["after"] == {"construct": construct}


def test_a_curator_accepts_a_detected_architecture(catalogue, monkeypatch):
    url, engine = catalogue
    name = "ref-CD22-inotuzumab-BBz"  # a reference design with its GenBank record
    detail = read.construct_detail(engine, name)
    # the recorded hinge is lost; the detected architecture brings it back
    curation.update_construct(engine, curation.local_operator(), name, {"hinge": None, "generation": None},
                              expected_version=detail["version"])
    at = _signed_in(monkeypatch, url, CURATOR, "Constructs")
    since = _last_event_id(engine)
    at.selectbox(key="edit_choice").select(name).run()
    at.button(key="accept_architecture").click().run()
    _clean(at)
    after = read.construct_detail(engine, name)
    assert (after["hinge"], after["generation"]) == (detail["hinge"], detail["generation"])
    assert {"generation": str(detail["generation"]), "hinge": detail["hinge"]} in _facts(at)
    event = _one_event(engine, since, "accept architecture", "construct", name)
    assert set(event["after"]) == {"hinge", "generation"}


def test_a_curator_archives_a_trial_and_it_leaves_the_browse_pages(catalogue, monkeypatch):
    url, engine = catalogue
    at = _signed_in(monkeypatch, url, CURATOR, "Archive")
    since = _last_event_id(engine)
    at.radio(key="archive_kind").set_value("trial").run()
    at.selectbox(key="archive_choice").select(TRIAL).run()
    at.button(key="archive_save").click().run()
    _clean(at)
    assert any("archived" in s.value for s in at.success)
    assert TRIAL not in read.trial_choices(engine)
    assert TRIAL not in set(read.trial_page(engine, limit=1000).rows["registry_id"])
    assert list(read.archived_records(engine)["key"]) == [TRIAL]
    _one_event(engine, since, "archive", "trial", TRIAL)
    visit(at, "Trials", id=TRIAL)
    assert any("archived" in w.value for w in at.warning)


def test_a_curator_curates_the_domains_of_a_sequence_record(catalogue, monkeypatch):
    url, engine = catalogue
    name = "ref-CD22-inotuzumab-BBz"
    (record,) = read.construct_detail(engine, name)["sequence_records"]
    at = _signed_in(monkeypatch, url, CURATOR, "Domains")
    at.selectbox(key="domains_construct").select(name).run()
    (editor,) = at.data_editor
    assert editor.value.empty  # no curated domains yet
    since = _last_event_id(engine)

    # a domain outside the record is refused with a message; nothing is written
    at.session_state[editor.key] = {"edited_rows": {}, "deleted_rows": [], "added_rows": [
        {"kind": "hinge", "label": "too long", "start": 1, "end": record["length"] + 1}]}
    at.button(key="save_domains").click().run()
    assert not at.exception
    assert any("outside" in e.value for e in at.error)
    assert _events_after(engine, since) == []

    at.session_state[editor.key] = {"edited_rows": {}, "deleted_rows": [], "added_rows": [
        {"kind": "hinge", "label": "CD8α hinge (curated)", "start": 700, "end": 834},
        {"kind": "signalling", "label": "CD3ζ (curated)", "start": 1000, "end": 1335}]}
    at.button(key="save_domains").click().run()
    _clean(at)
    stored = read.sequence_record(engine, record["id"])
    curated = [(d["kind"], d["label"], d["start"], d["end"]) for d in stored["domains"] if d["source"] == "curated"]
    assert curated == [("hinge", "CD8α hinge (curated)", 700, 834), ("signalling", "CD3ζ (curated)", 1000, 1335)]
    assert len(stored["domains"]) == len(record["domains"]) + 2  # annotated and detected ones stay
    assert any("2 curated domain(s) saved" in s.value for s in at.success)
    event = _one_event(engine, since, "curate domains", "sequence_record", f"{name}/{record['record_id']}")
    assert len(event["after"]["domains"]) == 2
    # the editor now shows the curated domains, at the record's new version
    (editor,) = at.data_editor
    assert list(editor.value["label"]) == ["CD8α hinge (curated)", "CD3ζ (curated)"]


def test_a_stale_domain_edit_is_refused(catalogue, monkeypatch):
    url, engine = catalogue
    name = "ref-CD22-inotuzumab-BBz"
    (record,) = read.construct_detail(engine, name)["sequence_records"]
    at = _signed_in(monkeypatch, url, CURATOR, "Domains")
    at.selectbox(key="domains_construct").select(name).run()
    (editor,) = at.data_editor
    from catalogue.drafts import DomainDraft

    curation.set_curated_domains(engine, curation.actor_for(engine, ADMIN), record["id"],
                                 [DomainDraft("hinge", "admin's hinge", 700, 834)], expected_version=record["version"])
    since = _last_event_id(engine)
    at.session_state[editor.key] = {"edited_rows": {}, "deleted_rows": [], "added_rows": [
        {"kind": "hinge", "label": "mine", "start": 701, "end": 834}]}
    at.button(key="save_domains").click().run()
    assert not at.exception
    assert any("changed by someone else" in e.value for e in at.error)
    assert _events_after(engine, since) == []
    labels = [d["label"] for d in read.sequence_record(engine, record["id"])["domains"] if d["source"] == "curated"]
    assert labels == ["admin's hinge"]
    # loading the newer version shows the admin's domains in the editor
    at.button(key="reload_domains").click().run()
    (editor,) = at.data_editor
    assert list(editor.value["label"]) == ["admin's hinge"]
