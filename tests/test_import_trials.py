"""Importing registry snapshots through the service layer (both backends): upsert, curated fields survive."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import update

from catalogue import curation, db, read
from catalogue.db.models import Trial


@pytest.fixture
def snapshots(shared_data):
    return sorted((shared_data / "trials").glob("*_2026-08-22_trials.csv"))


def import_all(engine, paths, actor=None):
    actor = actor or curation.local_operator()
    return [curation.import_trials(engine, actor, p.name, p.read_bytes()) for p in paths]


def test_both_snapshots_import_and_reimport_changes_nothing(engine, snapshots):
    reports = import_all(engine, snapshots)
    assert all(r.ok for r in reports), [r.error for r in reports]
    created = sum(r.counts().get("created", 0) for r in reports)
    stats = read.stats(engine)
    assert stats["totals"]["trials"] == created
    # 2,274 + 315 rows, two registry IDs in both files
    assert created + sum(r.counts().get("unchanged", 0) + r.counts().get("updated", 0) for r in reports) == 2589
    before = read.row_counts(engine)
    again = import_all(engine, snapshots)
    assert all(set(r.counts()) <= {"unchanged", "older"} for r in again), [r.counts() for r in again]
    history = ("trialimport", "trialchange")  # every import is recorded, even one that changes nothing
    after = read.row_counts(engine)
    assert {k: v for k, v in after.items() if k not in history} == {k: v for k, v in before.items() if k not in history}
    assert after["trialimport"] == before["trialimport"] + 2
    recorded = read.trial_changes(engine, import_id=again[-1].import_id)
    assert recorded["changes"] == [] and recorded["imports"][0]["created"] == recorded["imports"][0]["updated"] == 0


def test_curated_fields_survive_reimport(engine, snapshots):
    actor = curation.local_operator()
    import_all(engine, snapshots)
    curation.set_patients_treated(engine, actor, "trial", "NCT04662099", 16, source="a publication", as_of="2024")
    curation.set_trial_targets(engine, actor, "NCT04662099", ["CS1"])
    import_all(engine, snapshots)
    trial = read.trial_detail(engine, "NCT04662099")
    assert trial["patients_treated"] == 16
    assert trial["targets"] == ["CS1"] and trial["targets_curated"]


def test_a_changed_record_is_updated_and_audited_but_an_older_one_is_ignored(engine, snapshots):
    oncology = next(p for p in snapshots if p.name.startswith("ONC"))
    import_all(engine, [oncology])
    with db.write_session(engine) as session:  # pretend our copy is older and had another status
        session.execute(update(Trial).where(Trial.registry_id == "NCT04007978")
                        .values(overall_status="RECRUITING", last_update="1999-01-01"))
    report = import_all(engine, [oncology])[0]
    assert report.counts().get("updated") == 1
    event = read.audit_events(engine, entity_kind="trial", entity_key="NCT04007978", limit=1)[0]
    assert event["before"]["overall_status"] == "RECRUITING" and event["after"]["overall_status"] == "UNKNOWN"
    with db.write_session(engine) as session:  # now ours is newer than the file: the file must not win
        session.execute(update(Trial).where(Trial.registry_id == "NCT04007978")
                        .values(overall_status="COMPLETED", last_update="2099-01-01"))
    report = import_all(engine, [oncology])[0]
    assert report.counts().get("older") == 1
    assert read.trial_detail(engine, "NCT04007978")["overall_status"] == "COMPLETED"


def test_estimated_enrollment_is_never_patients_treated(engine, snapshots):
    import_all(engine, snapshots)
    stats = read.stats(engine)
    assert stats["totals"]["patients_treated"] is None
    assert stats["totals"]["enrollment_estimated"] > 0
    assert stats["targets"]["CD19"]["patients_treated"] is None


@pytest.mark.parametrize("content", [
    b"",
    b"\x00\x01binary",
    b'{"studies": [{"protocolSection": {"identificationModule": {}}}]}',
    b"NCTId,BriefTitle\nNCT01,x\nNCT01,y\n",
    b"[1, 2",
])
def test_malformed_trial_files_change_nothing(engine, content):
    before = read.row_counts(engine)
    report = curation.import_trials(engine, curation.local_operator(), "bad.json", content)
    assert not report.ok and report.error.startswith("bad.json")
    assert read.row_counts(engine) == before


def test_trial_links_to_constructs_by_product(engine):
    actor = curation.local_operator()
    from catalogue.drafts import ConstructDraft

    curation.save_construct(engine, actor, ConstructDraft(name="ide-cel", aliases=["bb2121", "Abecma"], targets=["BCMA"]))
    study = {"protocolSection": {
        "identificationModule": {"nctId": "NCT03361748", "briefTitle": "Efficacy and Safety Study of bb2121 in Subjects "
                                 "With Relapsed and Refractory Multiple Myeloma (KarMMa)"},
        "statusModule": {"overallStatus": "ACTIVE_NOT_RECRUITING", "startDateStruct": {"date": "2017-12-13"}},
        "designModule": {"phases": ["PHASE2"], "enrollmentInfo": {"count": 149, "type": "ACTUAL"}},
        "conditionsModule": {"conditions": ["Multiple Myeloma"]},
        "armsInterventionsModule": {"interventions": [{"type": "BIOLOGICAL", "name": "bb2121"}]},
        "sponsorCollaboratorsModule": {"leadSponsor": {"name": "Celgene"}},
    }}
    report = curation.import_trials(engine, actor, "karmma.json", json.dumps(study).encode())
    assert report.ok, report.error
    trial = read.trial_detail(engine, "NCT03361748")
    assert [c["name"] for c in trial["constructs"]] == ["ide-cel"]
    assert trial["targets"] == ["BCMA"] and trial["enrollment_type"] == "actual" and trial["enrollment_count"] == 149
