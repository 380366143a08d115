"""Read models: frozen dataclasses whose fields are the CLI's JSON keys, serialized by one function."""

from __future__ import annotations

import dataclasses
import json

import pandas as pd
import pytest

from catalogue import read
from catalogue.db.models import Construct, Target, Trial
from catalogue.detect.architecture import ArchitectureProposal, propose_architecture


def _columns(table, *left_out: str) -> list[str]:
    return [c.name for c in table.__table__.columns if c.name not in left_out]


@pytest.mark.parametrize(("model", "table", "left_out", "added"), [
    (read.ConstructDetail, Construct, ("id", "programme_id"),
     ["targets", "programme", "trials", "sequence_records", "domains", "epitopes", "tcr_chains", "proposed_modality"]),
    (read.TrialDetail, Trial, ("id", "registry_name", "study_id"),
     ["registry", "registrations", "study", "targets", "constructs"]),
    (read.TargetDetail, Target, ("id",), ["construct_count", "constructs", "trial_count", "trials", "indications"]),
])
def test_a_detail_model_names_every_column_of_its_table_in_the_table_order(model, table, left_out, added):
    """A column added to the table without its field would vanish from ``--json``: this fails first."""
    assert list(model.field_names()) == _columns(table, *left_out) + added


def test_a_construct_detail_serializes_to_the_keys_and_order_of_show_construct_json(demo_engine):
    detail = read.construct_detail(demo_engine, "axi-cel")
    shown = json.loads(json.dumps(read.to_json(detail)))
    assert list(shown) == list(read.ConstructDetail.field_names())
    assert shown["targets"] == ["CD19"] and shown["name"] == "axi-cel"
    assert list(shown["trials"][0]) == ["registry_id", "title", "phases", "overall_status", "curated"]
    assert [list(d) for d in shown["domains"]] == [["kind", "label", "start", "end"]] * len(detail.domains)
    record = shown["sequence_records"][0]
    assert list(record)[:3] == ["id", "file_name", "record_id"] and "domains" in record
    assert isinstance(record["imported_at"], str)  # dates and times as ISO 8601 text


def test_read_models_are_frozen_and_each_caller_gets_its_own_copy(demo_engine):
    detail = read.construct_detail(demo_engine, "axi-cel")
    with pytest.raises(dataclasses.FrozenInstanceError):
        detail.name = "something else"  # type: ignore[misc]
    again = read.construct_detail(demo_engine, "axi-cel")
    assert again == detail and again is not detail  # same revision: the cached result, copied
    detail.trials.clear()  # what one caller does to the lists inside its model ...
    assert read.construct_detail(demo_engine, "axi-cel").trials == again.trials != []  # ... the next never sees
    frame = read.targets_overview(demo_engine)
    assert read.targets_overview(demo_engine) is not frame  # a bare DataFrame is still copied for each caller


def test_a_trial_record_is_its_detail_plus_what_the_page_shows(demo_engine):
    detail = read.trial_detail(demo_engine, "NCT02348216")
    record = read.trial_record(demo_engine, "NCT02348216")
    assert isinstance(record, read.TrialDetail)
    assert all(getattr(record, f) == getattr(detail, f) for f in read.TrialDetail.field_names())
    assert record.phase == "Phase 1/2" and record.registry_url == "https://clinicaltrials.gov/study/NCT02348216"
    assert [row.target for row in record.evidence_rows] == ["CD19"]
    # the trial page's extra fields come after the detail's, so show trial --json (the detail) is unchanged
    assert list(read.to_json(record))[: len(read.TrialDetail.field_names())] == list(read.TrialDetail.field_names())


def test_the_portfolio_serializes_its_tables_as_rows_with_null_for_not_recorded(demo_engine):
    portfolio = read.portfolio(demo_engine)
    shown = json.loads(json.dumps(read.to_json(portfolio)))
    assert list(shown) == list(read.Portfolio.field_names())
    assert len(shown["per_target"]) == len(portfolio.per_target)
    assert list(shown["per_target"][0]) == list(portfolio.per_target.columns)
    missing = portfolio.per_target["patients_treated"].isna()
    assert [r["patients_treated"] is None for r in shown["per_target"]] == missing.tolist()
    assert shown["tiles"] == {k: v for k, v in portfolio.tiles.items()}


def test_the_architecture_proposal_goes_through_the_same_serializer(demo_engine):
    detail = read.construct_detail(demo_engine, "tisa-cel")  # its CAR's domains as detected on GenBank's sequence
    proposal = propose_architecture(detail.domains)
    shown = read.to_json(proposal)
    assert list(shown) == [f.name for f in dataclasses.fields(ArchitectureProposal)]
    assert shown["costimulatory"] == list(proposal.costimulatory) and isinstance(shown["markers"], list)
    assert shown["generation"] == detail.generation == 2


def test_the_serializer_keeps_plain_values_and_describes_bytes():
    frame = pd.DataFrame({"n": pd.array([1, None], dtype="Int64"), "word": ["a", None]})
    assert read.to_json({"rows": frame, "raw": b"\x00\x01", "t": ("x",)}) == {
        "rows": [{"n": 1, "word": "a"}, {"n": None, "word": None}], "raw": "<2 bytes>", "t": ["x"]}
