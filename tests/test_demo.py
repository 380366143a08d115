"""The shipped demo catalogue: real facts, the seed targets covered, loading twice changes nothing."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest

from catalogue import curation, demo, read

SEED_TARGETS = ("CD19", "CD22", "BCMA", "CD7", "CD38", "CD30", "CD123", "CS1")
UNION_HOSPITAL = "Union Hospital, Tongji Medical College, Huazhong University of Science and Technology"


def union_hospital_ids(shared_data) -> set[str]:
    ids = set()
    for path in sorted((shared_data / "trials").glob("*_2026-08-22_trials.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            ids |= {row["NCTId"] for row in csv.DictReader(handle) if row["LeadSponsor"] == UNION_HOSPITAL}
    return ids


def test_every_seed_target_has_a_construct_and_a_trial(demo_engine):
    per_target = read.stats(demo_engine)["targets"]
    for symbol in SEED_TARGETS:
        assert per_target[symbol]["constructs"] >= 1, symbol
        assert per_target[symbol]["trials"] >= 1, symbol


def test_the_40_union_hospital_trials_are_in_the_demo(demo_engine, shared_data):
    expected = union_hospital_ids(shared_data)
    assert len(expected) == 40
    for registry_id in expected:
        trial = read.trial_detail(demo_engine, registry_id)
        assert trial is not None, registry_id
        assert trial["lead_sponsor"] == UNION_HOSPITAL
    assert set(read.trial_detail(demo_engine, "NCT04662099")["targets"]) == {"BCMA", "CS1"}


def test_demo_facts_carry_sources_and_no_invented_zeros(demo_engine):
    catalogue = demo.read_demo_catalogue()
    assert all(t.source for t in catalogue.targets)
    assert all(c.source for c in catalogue.constructs)
    assert all(t.record_source for t in catalogue.trials)
    stats = read.stats(demo_engine)
    programme = stats["programmes"]["Union Hospital CAR-T/TCR-T programme"]
    assert programme["patients_treated"] == 412 and "31 May 2023" in programme["patients_treated_source"]
    # 412 is a programme total: no Union Hospital trial carries a per-trial figure
    for registry_id, _ in catalogue.trial_links:
        trial = read.trial_detail(demo_engine, registry_id)
        if trial["lead_sponsor"] == UNION_HOSPITAL:
            assert trial["patients_treated"] is None
    # targets without recorded figures say so (None), never 0
    assert stats["targets"]["CD7"]["patients_treated"] is None


def test_patients_treated_never_include_enrollment(demo_engine):
    stats = read.stats(demo_engine)
    figures = sum(f[2] for f in demo.read_demo_catalogue().patients_treated)
    construct_figures = sum(c.patients_treated or 0 for c in demo.read_demo_catalogue().constructs)
    assert stats["totals"]["patients_treated"] == figures + construct_figures


def test_loading_the_demo_twice_changes_nothing(demo_engine):
    before_counts = read.row_counts(demo_engine)
    before_stats = read.stats(demo_engine)
    tally = curation.load_demo(demo_engine, curation.local_operator())
    assert {outcome for kind in tally.values() for outcome in kind} <= {"unchanged", "already present"}
    assert read.row_counts(demo_engine) == before_counts  # no new rows, no new audit events
    assert read.stats(demo_engine) == before_stats


def test_sqlite_and_postgresql_give_the_same_numbers(tmp_path, postgres_server):
    stats = []
    for url in (f"sqlite:///{tmp_path / 'demo.sqlite'}", postgres_server.create_database()):
        for _ in range(2):
            result = subprocess.run([sys.executable, "-m", "catalogue", "--db", url, "init", "--demo"],
                                    capture_output=True, text=True, timeout=300)
            assert result.returncode == 0, result.stderr
        result = subprocess.run([sys.executable, "-m", "catalogue", "--db", url, "stats", "--json"],
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        stats.append(json.loads(result.stdout))
    assert stats[0] == stats[1]
    assert stats[0]["totals"]["trials"] >= 41


def test_show_construct_json_lists_domains_in_chain_order(demo_engine):
    catalogue = demo.read_demo_catalogue()
    designed = [f.construct for f in catalogue.sequence_files]
    assert designed, "the demo ships reference designs with sequences"
    detail = read.construct_detail(demo_engine, designed[0])
    kinds = [d["kind"] for d in detail["domains"]]
    assert kinds[0] == "signal_peptide" and "signalling" in kinds
    starts = [d["start"] for d in detail["domains"]]
    assert starts == sorted(starts)
    assert set(detail["domains"][0]) == {"kind", "label", "start", "end"}


@pytest.mark.parametrize("name", ["tisa-cel", "cilta-cel"])
def test_reference_products_link_their_pivotal_trials(demo_engine, name):
    detail = read.construct_detail(demo_engine, name)
    assert detail["status"] == "approved"
    assert detail["trials"], name
