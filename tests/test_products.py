"""Product and target knowledge as sourced data: the reference files, what they teach the classifier
(each case names its source), curated products through the service layer and the CLI (both backends)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from catalogue import curation, read
from catalogue.demo import with_product_facts
from catalogue.errors import InvalidInput, PermissionDenied
from catalogue.parse.trial_classification import classify_trial
from catalogue.parse.trials import parse_trial_file
from catalogue.reference.products import FACTS, parse_products, reference_products
from catalogue.reference.targets import parse_targets, reference_targets, target_named

ONC = "ONC-CAR-T-Trials-Monitor_2026-08-22_trials.csv"
RHEUM = "Rheumatology-CAR-T-Trials-Monitor_2026-08-22_trials.csv"


@pytest.fixture(scope="module")
def by_id(shared_data: Path) -> dict:
    return {d.registry_id: d for name in (ONC, RHEUM)
            for d in parse_trial_file((shared_data / "trials" / name).read_bytes(), name)}


def _snapshot_rows(shared_data: Path, ids: set[str], name: str = ONC) -> bytes:
    """A snapshot CSV holding only the rows of ``ids`` (made in memory from the shared file)."""
    text = (shared_data / "trials" / name).read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=reader.fieldnames)
    writer.writeheader()
    writer.writerows(row for row in reader if row["NCTId"] in ids)
    return out.getvalue().encode("utf-8")


# --- the reference files ---------------------------------------------------------------------------


def test_every_product_fact_has_a_source_and_every_target_is_in_the_vocabulary():
    symbols = {t.symbol for t in reference_targets()}
    products = reference_products()
    assert len(products) >= 140
    for product in products:
        assert set(product.targets) <= symbols, product.name
        for fact in FACTS:
            if getattr(product, fact) not in (None, ()):
                assert getattr(product, f"{fact}_source"), (product.name, fact)
    approved = {p.name for p in products if p.status == "approved"}
    assert {"tisa-cel", "axi-cel", "brexu-cel", "liso-cel", "ide-cel", "cilta-cel", "obe-cel"} <= approved
    assert all(t.source for t in reference_targets())


def test_target_vocabulary_resolves_gene_symbols_cd_names_and_aliases():
    assert target_named("TNFRSF17").symbol == target_named("CD269").symbol == "BCMA"
    assert target_named("CD276").symbol == "B7-H3"
    assert target_named("MSLN").symbol == "Mesothelin"
    assert target_named("SLAMF7").symbol == "CS1"
    assert target_named("FOLH1").symbol == "PSMA"
    assert target_named("no such antigen") is None


def test_a_product_fact_without_its_source_is_refused_naming_file_record_and_line():
    content = b'[[product]]\nname = "X-1"\nsource = "a record"\n\n[[product]]\nname = "Y-2"\ntargets = ["CD19"]\n'
    with pytest.raises(InvalidInput) as error:
        parse_products(content, "products.toml")
    message = str(error.value)
    assert "products.toml" in message and "Y-2" in message and "line 6" in message and "source" in message


def test_a_product_with_an_unknown_target_or_a_name_given_twice_is_refused():
    with pytest.raises(InvalidInput, match="unknown target"):
        parse_products(b'[[product]]\nname = "X-1"\ntargets = ["CD999x"]\nsource = "s"\n')
    with pytest.raises(InvalidInput, match="also a name of"):
        parse_products(b'[[product]]\nname = "X-1"\nsource = "s"\n[[product]]\nname = "Z"\naliases = ["X1"]\nsource = "s"\n')


def test_a_target_cd_number_given_twice_is_refused():
    content = b'[[target]]\nsymbol = "A"\ncd = "19"\nsource = "s"\n[[target]]\nsymbol = "B"\ncd = "19"\nsource = "s"\n'
    with pytest.raises(InvalidInput, match="CD19 is given to both A and B"):
        parse_targets(content)


# --- what the knowledge teaches the classifier (real records; each names its source) -----------------


@pytest.mark.parametrize(
    "registry_id, expected, source",
    [
        # abbreviations of targets.toml
        ("NCT02159716", {"Mesothelin"}, "targets.toml forms_source: 'CART-meso' is the mesothelin CAR"),
        ("NCT03054298", {"Mesothelin"}, "targets.toml forms_source: 'huCART-meso cells'"),
        ("NCT00085930", {"GD2"}, "'GD-2': the letter-digit rule of targets.toml (GD2, ChEBI ganglioside GD2)"),
        ("NCT06287528", {"CD19"}, "'19-28z': the CD number named by a CAR's costimulatory suffix (MSK 19-28z)"),
        # product codes of products.toml whose target is public elsewhere
        ("NCT06726564", {"B7-H3"}, "MT027: ClinicalTrials.gov NCT06742593 and T-Maximum's ASCO abstract"),
        ("NCT07073547", {"CD19", "BCMA"}, "AZD0120 = GC012F: ClinicalTrials.gov NCT05850234"),
        ("NCT07358988", {"CD19"}, "KN5501: ClinicalTrials.gov NCT06010472"),
        ("NCT05607420", {"CD20", "CD22"}, "UCART20x22: Cellectis, AACR 2022 abstract 551"),
        ("NCT05489991", {"PSMA"}, "TmPSMA-02: NCI trial record NCI-2024-04859"),
        ("NCT06121843", {"GPRC5D"}, "arlo-cel (BMS-986393): ClinicalTrials.gov NCT06297226"),
        ("NCT06801119", {"CD19"}, "HN2301: ClinicalTrials.gov NCT07333677 (CD19 CAR-mRNA LNP)"),
        ("NCT06375993", {"CD20"}, "prula-cel (ADI-001): NCI Drug Dictionary"),
        ("NCT05826535", {"CD19", "CD20"}, "ronde-cel (LYL314): Lyell Immunopharma"),
        ("NCT06813417", {"GPNMB"}, "GCAR1: ClinicalTrials.gov NCT06789081"),
        ("NCT06718270", {"BCMA"}, "CT0596: CARsgen press release (allogeneic BCMA CAR-T)"),
    ],
)
def test_abbreviations_and_product_codes_name_their_target(by_id, registry_id, expected, source):
    draft = by_id[registry_id]
    assert expected <= set(draft.targets), (registry_id, source, draft.target_evidence)
    for target in expected:
        assert draft.target_evidence[target], (registry_id, target)


def test_product_evidence_says_which_product_where_and_its_source(by_id):
    evidence = by_id["NCT06726564"].target_evidence["B7-H3"]
    assert evidence == [next(w for w in evidence if w.startswith("product MT027 (title: MT027): "))]
    assert "NCT06742593" in evidence[0]


def test_a_classification_no_evidence_supports_is_left_empty():
    # a product without a sourced target or modality, and no CAR wording: nothing is guessed
    found = classify_trial("OriV508 in SLE", ["OriV508 injection"], ["SLE"], None)
    assert found.targets == [] and found.modality is None and found.products == ["OriV508"]
    found = classify_trial("A study of tisagenlecleucel", [], [], None)
    assert found.modality == "CAR-T"  # from the product's label, a sourced fact


# --- the demo reads the products -----------------------------------------------------------------------


def test_a_demo_construct_takes_its_products_facts_and_a_contradiction_is_an_error():
    values = with_product_facts({"name": "cilta-cel"})
    assert values["targets"] == ["BCMA"] and values["binder_format"] == "VHH" and "Carvykti" in values["aliases"]
    with pytest.raises(ValueError, match="cilta-cel"):
        with_product_facts({"name": "cilta-cel", "targets": ["CD19"]})


# --- curated products through the service layer (both backends) ----------------------------------------

IM21_TRIALS = {"NCT04537442", "NCT05478343"}  # "IM21 CAR-T Cells": no target named in the record
IM21_SOURCE = "ClinicalTrials.gov NCT03711864: 'IM21 CAR-T cells in patients with ... BCMA positive multiple myeloma'"


def test_adding_a_product_classifies_the_trials_that_name_it_again(engine, shared_data):
    actor = curation.local_operator()
    report = curation.import_trials(engine, actor, "im21.csv", _snapshot_rows(shared_data, IM21_TRIALS | {"NCT04662099"}))
    assert report.error is None
    assert read.trial_detail(engine, "NCT04537442")["targets"] == []

    change = curation.add_product(engine, actor, "IM21", {"targets": ["BCMA"], "modality": "CAR-T", "source": IM21_SOURCE})
    assert change.outcome == "created" and change.trials_named == 2
    assert {t.registry_id for t in change.trials_changed} == IM21_TRIALS
    assert all(t.targets_before == [] and t.targets_after == ["BCMA"] for t in change.trials_changed)
    detail = read.trial_detail(engine, "NCT04537442")
    assert detail["targets"] == ["BCMA"]
    assert detail["target_evidence"]["BCMA"] == [f"product IM21 (title: IM21): {IM21_SOURCE}"]
    assert read.trial_detail(engine, "NCT04662099")["targets"] == ["BCMA", "CS1"]  # not named: untouched
    events = read.audit_events(engine, entity_kind="trial", entity_key="NCT04537442")
    assert events[0]["action"] == "reclassify" and events[0]["after"]["targets"] == ["BCMA"]
    assert read.audit_events(engine, entity_kind="product", entity_key="IM21")[0]["action"] == "create"
    assert read.product_detail(engine, "im21")["origin"] == "curated"

    # a second add is refused, the same values again change nothing
    with pytest.raises(InvalidInput, match="exists already"):
        curation.add_product(engine, actor, "IM21", {"targets": ["BCMA"], "source": IM21_SOURCE})
    assert curation.set_product(engine, actor, "IM21", {"targets": ["BCMA"], "source": IM21_SOURCE}).outcome == "unchanged"


def test_a_change_without_a_source_or_by_a_viewer_changes_nothing(engine, shared_data):
    actor = curation.local_operator()
    curation.import_trials(engine, actor, "im21.csv", _snapshot_rows(shared_data, IM21_TRIALS))
    curation.add_account(engine, actor, "vera", "viewer", password="pw-vera-viewer")
    before = read.row_counts(engine)
    with pytest.raises(InvalidInput, match="needs its source"):
        curation.add_product(engine, actor, "IM21", {"targets": ["BCMA"]})
    with pytest.raises(InvalidInput, match="unknown target"):
        curation.add_product(engine, actor, "IM21", {"targets": ["not-a-target"], "source": "s"})
    with pytest.raises(PermissionDenied):
        curation.add_product(engine, curation.actor_for(engine, "vera"), "IM21", {"targets": ["BCMA"], "source": "s"})
    assert read.row_counts(engine) == before
    assert read.trial_detail(engine, "NCT04537442")["targets"] == []


def test_correcting_a_shipped_product_seeds_it_and_keeps_a_curators_target_override(engine, shared_data):
    actor = curation.local_operator()
    ids = {"NCT06734871", "NCT06822868"}  # "A Clinical Study Exploring CT1190B ...": no target named
    curation.import_trials(engine, actor, "ct1190b.csv", _snapshot_rows(shared_data, ids))
    curation.set_trial_targets(engine, actor, "NCT06822868", ["CD22"])
    change = curation.set_product(engine, actor, "CT1190B", {"targets": ["CD19"], "source": "a curator's source"})
    assert change.outcome == "updated" and change.product["origin"] == "curated"
    assert change.product["aliases"] == [] and change.product["targets_source"] == "a curator's source"
    assert [t.registry_id for t in change.trials_changed] == ["NCT06734871"]
    assert read.trial_detail(engine, "NCT06734871")["targets"] == ["CD19"]
    assert read.trial_detail(engine, "NCT06822868")["targets"] == ["CD22"]  # the override stands
    # later imports classify with the curated product too
    curation.import_trials(engine, actor, "more.csv", _snapshot_rows(shared_data, {"NCT07032324"}))
    assert read.trial_detail(engine, "NCT07032324")["targets"] == ["CD19"]


def _cli(*args: str, url: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "CATALOGUE_DATABASE_URL"}
    return subprocess.run([sys.executable, "-m", "catalogue", "--db", url, *args], capture_output=True, text=True,
                          env=env, timeout=300)


def test_cli_product_add_reports_the_trials_that_changed_as_json(engine, shared_data):
    run = _cli
    url = engine.url.render_as_string(hide_password=False)
    curation.import_trials(engine, curation.local_operator(), "im21.csv", _snapshot_rows(shared_data, IM21_TRIALS))
    result = run("product", "add", "IM21", "--target", "BCMA", "--url-free", url=url)
    assert result.returncode == 2  # an unknown option is a usage error
    result = run("product", "add", "IM21", "--target", "BCMA", url=url)
    assert result.returncode == 1 and "source" in result.stderr and "Traceback" not in result.stderr
    result = run("product", "add", "IM21", "--target", "BCMA", "--source", IM21_SOURCE, "--json", url=url)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["outcome"] == "created" and report["product"]["targets"] == ["BCMA"]
    assert sorted(t["registry_id"] for t in report["trials_changed"]) == sorted(IM21_TRIALS)
    shown = json.loads(run("show", "trial", "NCT05478343", "--json", url=url).stdout)
    assert shown["targets"] == ["BCMA"] and shown["target_evidence"]["BCMA"][0].startswith("product IM21 (")
    listed = json.loads(run("product", "list", "--json", url=url).stdout)
    assert {"IM21", "tisa-cel"} <= {p["name"] for p in listed}
