"""The service layer: roles, one audit event per write, one transaction per action (both backends)."""

from __future__ import annotations

import json
import shutil

import pytest

from catalogue import curation, demo, read
from catalogue.drafts import ConstructDraft, TargetDraft
from catalogue.errors import EditConflict, InvalidInput, NotFound, PermissionDenied


@pytest.fixture
def accounts(engine):
    admin = curation.local_operator()
    curation.add_account(engine, admin, "vera", "viewer", password="vera-pass-1")
    curation.add_account(engine, admin, "carl", "curator", password="carl-pass-1")
    return {"viewer": curation.actor_for(engine, "vera"), "curator": curation.actor_for(engine, "carl")}


def test_a_viewers_writes_are_refused_and_change_nothing(engine, accounts):
    viewer = accounts["viewer"]
    before = read.row_counts(engine)
    attempts = [
        lambda: curation.save_construct(engine, viewer, ConstructDraft(name="x", targets=["CD19"])),
        lambda: curation.save_target(engine, viewer, TargetDraft(symbol="CD19")),
        lambda: curation.add_account(engine, viewer, "eve", "admin", password="p"),
        lambda: curation.set_patients_treated(engine, viewer, "programme", "p", 3, source="s", as_of=None),
        lambda: curation.import_trials(engine, viewer, "t.json", b"[]"),
        lambda: curation.import_sequences(engine, viewer, "s.fasta", b">a\nMKV\n"),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    assert read.row_counts(engine) == before


def test_a_curator_cannot_manage_accounts(engine, accounts):
    with pytest.raises(PermissionDenied):
        curation.add_account(engine, accounts["curator"], "mallory", "admin", password="x")
    assert [a["name"] for a in read.accounts(engine)] == ["carl", "vera"]


def test_unknown_accounts_cannot_act(engine):
    with pytest.raises(PermissionDenied):
        curation.actor_for(engine, "nobody")


def test_every_write_leaves_exactly_one_audit_event_with_actor_and_diff(engine, accounts):
    curator = accounts["curator"]

    def audit_count():
        return read.row_counts(engine)["auditevent"]

    start = audit_count()
    curation.save_target(engine, curator, TargetDraft(symbol="CD38", gene_symbol="CD38", source="UniProtKB P28907"))
    assert audit_count() == start + 1
    curation.save_construct(engine, curator, ConstructDraft(name="CART-38", targets=["CD38"], hinge="CD8α"))
    assert audit_count() == start + 2
    # unchanged: no event
    curation.save_construct(engine, curator, ConstructDraft(name="CART-38", targets=["CD38"], hinge="CD8α"))
    assert audit_count() == start + 2
    curation.save_construct(engine, curator, ConstructDraft(name="CART-38", targets=["CD38"], hinge="CD28"))
    assert audit_count() == start + 3
    event = read.audit_events(engine, entity_kind="construct", entity_key="CART-38", limit=1)[0]
    assert event["actor"] == "carl"
    assert event["action"] == "update"
    assert event["before"] == {"hinge": "CD8α"}
    assert event["after"] == {"hinge": "CD28"}


def test_passwords_never_reach_the_audit_trail(engine, accounts):
    for event in read.audit_events(engine):
        assert "vera-pass-1" not in repr(event) and "carl-pass-1" not in repr(event)


def test_a_stale_edit_is_refused_with_the_newer_values(engine, accounts):
    curator = accounts["curator"]
    curation.save_construct(engine, curator, ConstructDraft(name="RD13-02", targets=["CD7"]))
    version = read.construct_detail(engine, "RD13-02")["version"]
    saved = curation.update_construct(engine, curator, "RD13-02", {"hinge": "CD8α"}, expected_version=version)
    assert saved["hinge"] == "CD8α" and saved["version"] == version + 1
    with pytest.raises(EditConflict) as conflict:
        curation.update_construct(engine, curator, "RD13-02", {"hinge": "CD28"}, expected_version=version)
    assert conflict.value.current["hinge"] == "CD8α"
    assert read.construct_detail(engine, "RD13-02")["hinge"] == "CD8α"


def test_archiving_is_soft_and_restoring_needs_an_admin(engine, accounts):
    curator = accounts["curator"]
    curation.save_construct(engine, curator, ConstructDraft(name="TAA05", targets=["FLT3"]))
    assert curation.set_archived(engine, curator, "construct", "TAA05", True) == "updated"
    assert read.stats(engine)["targets"]["FLT3"]["constructs"] == 0
    with pytest.raises(PermissionDenied):
        curation.set_archived(engine, curator, "construct", "TAA05", False)
    curation.set_archived(engine, curation.local_operator(), "construct", "TAA05", False)
    assert read.stats(engine)["targets"]["FLT3"]["constructs"] == 1


def test_invalid_construct_input_is_refused_with_a_clear_message(engine):
    with pytest.raises(InvalidInput, match="modality"):
        curation.save_construct(engine, curation.local_operator(), ConstructDraft(name="x", modality="CAR-X"))
    with pytest.raises(InvalidInput, match="needs its source"):
        curation.save_construct(engine, curation.local_operator(), ConstructDraft(name="x", patients_treated=3))
    assert read.row_counts(engine)["construct"] == 0


def test_a_failure_halfway_rolls_back_everything(engine, tmp_path, monkeypatch):
    """The demo load fails at its last step (a link to a trial that does not exist): nothing stays."""
    broken = tmp_path / "demo"
    shutil.copytree(demo.DEMO_DIR, broken)
    with (broken / "constructs.toml").open("a", encoding="utf-8") as handle:
        handle.write('\n[[construct]]\nname = "orphan"\ntargets = ["CD19"]\ntrials = ["NCT99999999"]\n')
    monkeypatch.setattr(demo, "DEMO_DIR", broken)
    before = read.row_counts(engine)
    with pytest.raises(NotFound, match="NCT99999999"):
        curation.load_demo(engine, curation.local_operator())
    assert read.row_counts(engine) == before


def _ctgov_study(title: str, last_update: str, registry_id: str = "NCT04008394") -> bytes:
    """One study as ClinicalTrials.gov's API v2 writes it (the fields this test needs)."""
    return json.dumps({"protocolSection": {
        "identificationModule": {"nctId": registry_id, "briefTitle": title},
        "statusModule": {"lastUpdatePostDateStruct": {"date": last_update}},
        "conditionsModule": {"conditions": ["Anaplastic Large Cell Lymphoma"]},
    }}).encode()


def _import_study(engine, title: str, last_update: str) -> list[str]:
    report = curation.import_trials(engine, curation.local_operator(), "study.json", _ctgov_study(title, last_update))
    assert report.ok, report.error
    return [r.outcome for r in report.records]


def test_a_curators_trial_correction_survives_reimport_and_stale_edits_conflict(engine, accounts):
    assert _import_study(engine, "Anti-CD30 CAR-T Therapy", "2020-01-01") == ["created"]
    assert read.trial_detail(engine, "NCT04008394")["indication"] == "ALCL"
    curator = accounts["curator"]
    version = read.trial_detail(engine, "NCT04008394")["version"]
    saved = curation.update_trial(engine, curator, "NCT04008394", {"indication": "classical HL"},
                                  expected_version=version)
    assert saved["indication"] == "classical HL" and saved["curated_fields"] == ["indication"]
    with pytest.raises(EditConflict) as conflict:
        curation.update_trial(engine, curator, "NCT04008394", {"indication": "PTCL"}, expected_version=version)
    assert conflict.value.current["indication"] == "classical HL"
    assert _import_study(engine, "Anti-CD30 CAR-T Therapy (updated)", "2021-01-01") == ["updated"]
    trial = read.trial_detail(engine, "NCT04008394")
    assert trial["title"].endswith("(updated)") and trial["indication"] == "classical HL"
    with pytest.raises(InvalidInput):
        curation.update_trial(engine, curator, "NCT04008394", {"registry_id": "x"}, expected_version=trial["version"])
    with pytest.raises(InvalidInput, match="start date"):
        curation.update_trial(engine, curator, "NCT04008394", {"start_date": "abcd"}, expected_version=trial["version"])


def test_curated_domains_are_validated_versioned_and_audited(engine, accounts, shared_data):
    from catalogue.drafts import DomainDraft

    curator = accounts["curator"]
    path = shared_data / "sequences" / "Axicel_HM852952_protein_translated.fasta"
    assert curation.import_sequences(engine, curator, path.name, path.read_bytes(), construct="axi-cel").ok
    record = read.construct_detail(engine, "axi-cel")["sequence_records"][0]
    hinge = DomainDraft(kind="hinge", label="CD28 hinge (curated)", start=271, end=309)
    new_version = curation.set_curated_domains(engine, curator, record["id"], [hinge], expected_version=record["version"])
    assert new_version == record["version"] + 1
    detail = read.construct_detail(engine, "axi-cel")
    stored = detail["sequence_records"][0]["domains"]
    assert [d["label"] for d in stored if d["source"] == "curated"] == ["CD28 hinge (curated)"]
    assert read.to_json(detail["domains"]) == [{"kind": "hinge", "label": "CD28 hinge (curated)", "start": 271, "end": 309}]
    with pytest.raises(EditConflict):
        curation.set_curated_domains(engine, curator, record["id"], [], expected_version=record["version"])
    with pytest.raises(InvalidInput, match="outside"):
        curation.set_curated_domains(engine, curator, record["id"],
                                     [DomainDraft(kind="hinge", label="x", start=480, end=999)],
                                     expected_version=new_version)
    event = read.audit_events(engine, entity_kind="sequence_record", limit=1)[0]
    assert event["action"] == "curate domains" and event["actor"] == "carl"
