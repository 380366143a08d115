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
    # targets without published results say so (None), never 0
    assert stats["targets"]["CD30"]["patients_treated"] is None
    assert stats["targets"]["CD7"]["patients_treated"] == 10  # a published construct-level result
    # every published result cites its publication; DOIs and PMIDs are well-formed where given
    for result in catalogue.published_results:
        assert result.citation and result.published
        assert result.doi is None or result.doi.startswith("10.")
        assert result.pmid is None or result.pmid.isdigit()


def test_patients_treated_never_include_enrollment(demo_engine):
    stats = read.stats(demo_engine)
    latest: dict[tuple[str, str], tuple] = {}
    for result in demo.read_demo_catalogue().published_results:
        key = (result.kind, result.key)
        if key not in latest or (result.published or "") > (latest[key][0] or ""):
            latest[key] = (result.published, result.patients_treated)
    assert stats["totals"]["patients_treated"] == sum(n for _, n in latest.values())


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
    detail = read.to_json(read.construct_detail(demo_engine, designed[0]))  # what --json prints
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


# --- corrections and the approved products' sequences (issue 13) -------------------------------------------

PRODUCTS_WITH_SEQUENCE = ("tisa-cel", "axi-cel", "ide-cel", "cilta-cel")


@pytest.mark.parametrize("name", PRODUCTS_WITH_SEQUENCE)
def test_approved_products_ship_their_car_protein_with_a_detected_domain_map(demo_engine, name):
    detail = read.construct_detail(demo_engine, name)
    (record,) = detail["sequence_records"]
    assert record["molecule"] == "protein"
    facts = {p.construct: p for p in demo.read_demo_catalogue().product_sequences}
    assert facts[name].accession and " ".join(facts[name].citation.split()) in " ".join((record["description"] or "").split())
    kinds = [d["kind"] for d in detail["domains"]]
    assert kinds[0] == "signal_peptide" and kinds[-1] == "signalling"
    assert {"hinge", "transmembrane", "costimulatory"} <= set(kinds)
    assert ("vhh" in kinds) == (name == "cilta-cel") and ("vh" in kinds) == (name != "cilta-cel")


def test_brexu_cel_shares_axi_cels_car_and_products_without_a_public_sequence_say_so(demo_engine):
    catalogue = demo.read_demo_catalogue()
    (axicel,) = [p for p in catalogue.product_sequences if p.construct == "axi-cel"]
    assert axicel.shared_with == ("brexu-cel",)
    assert "axi-cel" in read.construct_detail(demo_engine, "brexu-cel")["notes"]
    assert set(catalogue.products_without_sequence) == {"liso-cel", "obe-cel"}
    for name in catalogue.products_without_sequence:
        detail = read.construct_detail(demo_engine, name)
        assert not detail["sequence_records"] and "No public protein sequence" in detail["notes"]


def test_the_corrections_of_issue_13_are_in_the_demo(demo_engine):
    constructs = {c.name: c for c in demo.read_demo_catalogue().constructs}
    for name in ("OriV508", "IASO208", "ZZSW-01", "QI-019A", "EVM18001", "CT1182"):
        assert constructs[name].modality is None  # no source says CAR-T
        assert read.construct_detail(demo_engine, name)["modality"] is None
    sle = read.construct_detail(demo_engine, "anti-CD19 CAR-T for SLE (Union Hospital)")
    assert sle["trials"] == [] or len(sle["trials"]) == 0
    assert "unknown" in sle["notes"]
    assert "NCT06866080" in constructs["LCAR-AIO"].source and constructs["LCAR-AIO"].developer
    assert "Lancet" in constructs["ESO-T01"].source and "Nature Medicine, 2025" not in constructs["ESO-T01"].notes
    assert "L235E/N297Q" not in constructs["liso-cel"].hinge and "12-residue" in constructs["liso-cel"].notes


def test_programme_candidates_come_with_their_reasons(demo_engine):
    candidates = read.portfolio(demo_engine, "Union Hospital CAR-T/TCR-T programme")["candidates"]
    assert len(candidates) >= 4
    assert all(candidates["reason"]) and set(candidates["decision"]) == {"proposed"}
    sponsors = set(candidates["lead_sponsor"])
    assert "Huazhong University of Science and Technology" in sponsors  # the university itself leads two
    assert sum(candidates["lead_sponsor"] == "Huazhong University of Science and Technology") == 2
    assert any("site" in reason for reason in candidates["reason"])
