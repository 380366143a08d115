"""The page queries against the demo catalogue, checked against the rows themselves (read with the ORM)."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import select
from sqlmodel import Session

from catalogue import curation, read
from catalogue.db.models import Construct, ConstructTarget, Programme, Target, Trial, TrialConstruct, TrialTarget
from catalogue.parse.registry_ids import registry_url
from catalogue.vocabulary import NOT_RECORDED, phase_label, status_label, uniprot_url

UNION = "Union Hospital CAR-T/TCR-T programme"


def _trials(engine) -> list[tuple[Trial, list[str]]]:
    with Session(engine) as session:
        symbols = {t.id: t.symbol for t in session.exec(select(Target)).scalars()}
        links: dict[int, list[str]] = {}
        for link in session.exec(select(TrialTarget)).scalars():
            links.setdefault(link.trial_id, []).append(symbols[link.target_id])
        return [(t, sorted(links.get(t.id, []))) for t in session.exec(select(Trial)).scalars() if t.archived_at is None]


def _constructs(engine) -> list[tuple[Construct, list[str]]]:
    with Session(engine) as session:
        symbols = {t.id: t.symbol for t in session.exec(select(Target)).scalars()}
        links: dict[int, list[str]] = {}
        for link in session.exec(select(ConstructTarget)).scalars():
            links.setdefault(link.construct_id, []).append(symbols[link.target_id])
        return [(c, links.get(c.id, [])) for c in session.exec(select(Construct)).scalars() if c.archived_at is None]


def _known(value):
    """A table cell as a plain value: pandas' NA (a sum no trial states) is None, like the CLI's null."""
    return None if value is None or pd.isna(value) else int(value)


def test_portfolio_of_the_whole_catalogue_matches_stats(demo_engine):
    portfolio = read.portfolio(demo_engine)
    stats = read.stats(demo_engine)
    per_target = portfolio["per_target"].set_index("target")
    with_records = {s for s, row in stats["targets"].items() if row["constructs"] or row["trials"]}
    assert set(per_target.index) == with_records
    for symbol in with_records:
        expected = stats["targets"][symbol]
        row = per_target.loc[symbol]
        for key in ("constructs", "trials", *read.ENROLLMENT_KEYS):
            assert _known(row[key]) == expected[key], (symbol, key)
        patients = None if pd.isna(row["patients_treated"]) else int(row["patients_treated"])
        assert patients == expected["patients_treated"], symbol
    tiles = portfolio["tiles"]
    for key in ("constructs", "trials", "patients_treated", *read.ENROLLMENT_KEYS):
        assert tiles[key] == stats["totals"][key], key
    # every trial-per-target breakdown adds up to the same trial counts
    for frame in ("by_phase", "by_status", "by_indication"):
        sums = portfolio[frame].groupby("target")["trials"].sum()
        assert sums.to_dict() == per_target["trials"][per_target["trials"] > 0].to_dict(), frame
    dated = portfolio["by_year"].groupby("target")["trials"].sum()
    for symbol, count in dated.items():
        assert count <= per_target.loc[symbol, "trials"]


def test_portfolio_of_a_programme_counts_its_sponsored_and_linked_trials(demo_engine):
    with Session(demo_engine) as session:
        programme = session.exec(select(Programme).where(Programme.name == UNION)).scalars().one()
        own_constructs = {c.id for c in session.exec(select(Construct).where(Construct.programme_id == programme.id)).scalars()}
        linked = {link.trial_id for link in session.exec(select(TrialConstruct)).scalars() if link.construct_id in own_constructs}
    expected = {t.registry_id for t, _ in _trials(demo_engine) if t.id in linked or t.lead_sponsor == programme.sponsor}
    portfolio = read.portfolio(demo_engine, UNION)
    assert portfolio["tiles"]["trials"] == len(expected) > 0
    assert portfolio["tiles"]["constructs"] == len(own_constructs)
    assert portfolio["tiles"]["trials"] < read.portfolio(demo_engine)["tiles"]["trials"]
    # the programme's own total is reported beside, never added to the tiles
    (total,) = portfolio["programme_totals"]
    assert total["patients_treated"] == programme.patients_treated
    assert total["patients_treated_source"]
    assert portfolio["tiles"]["patients_treated"] != programme.patients_treated


def test_a_targets_counts_are_those_of_stats(demo_engine):
    """The target page counts one target over its own links only: the same figures as the whole-catalogue stats."""
    every = read.stats(demo_engine).targets
    assert {symbol: read.target_counts(demo_engine, symbol) for symbol in every} == every
    assert read.target_counts(demo_engine, "NOT-A-TARGET") is None


def test_targets_overview_has_the_counts_of_stats(demo_engine):
    overview = read.targets_overview(demo_engine).set_index("target")
    stats = read.stats(demo_engine)["targets"]
    assert set(overview.index) == set(stats)
    for symbol, expected in stats.items():
        for key in ("constructs", "sequence_records", "trials", *read.ENROLLMENT_KEYS):
            assert _known(overview.loc[symbol, key]) == expected[key], (symbol, key)


def test_target_detail_lists_its_constructs_and_trials(demo_engine):
    detail = read.target_detail(demo_engine, "CD19")
    constructs = sorted(c.name for c, targets in _constructs(demo_engine) if "CD19" in targets)
    trials = sorted(t.registry_id for t, targets in _trials(demo_engine) if "CD19" in targets)
    assert sorted(detail["constructs"]["name"]) == constructs
    assert sorted(detail["trials"]["registry_id"]) == trials
    assert sum(i["trials"] for i in detail["indications"]) == len(trials) == detail["trial_count"]
    assert detail["construct_count"] == len(constructs)
    first = read.target_detail(demo_engine, "CD19", limit=3)
    assert list(first["constructs"]["name"]) == constructs[:3] and first["construct_count"] == len(constructs)
    assert detail["uniprot"] and uniprot_url(detail["uniprot"]).endswith(f"/{detail['uniprot']}/entry")
    assert read.target_detail(demo_engine, "no such target") is None


@pytest.mark.parametrize(
    "filters",
    [{}, {"target": "CD19"}, {"costimulatory": "4-1BB"}, {"status": "approved", "binder_format": "scFv"},
     {"hinge": "CD8α"}, {"modality": "CAR-NK"}, {"target": "BCMA", "costimulatory": "4-1BB"}],
)
def test_construct_page_filters_and_counts_like_the_rows(demo_engine, filters):
    def matches(construct: Construct, targets: list[str]) -> bool:
        for key, value in filters.items():
            if key == "target" and value not in targets:
                return False
            if key == "costimulatory" and value not in (construct.costimulatory or []):
                return False
            if key not in ("target", "costimulatory") and getattr(construct, key) != value:
                return False
        return True

    expected = sorted(c.name for c, targets in _constructs(demo_engine) if matches(c, targets))
    page = read.construct_page(demo_engine, limit=1000, **filters)
    assert page.total == len(expected) > 0
    assert list(page.rows["name"]) == sorted(page.rows["name"]) and sorted(page.rows["name"]) == expected


def test_construct_pages_cover_every_construct_once(demo_engine):
    total = read.construct_page(demo_engine, limit=0).total
    names = []
    for offset in range(0, total, 7):
        names.extend(read.construct_page(demo_engine, limit=7, offset=offset).rows["name"])
    assert len(names) == len(set(names)) == total == len(_constructs(demo_engine))


def test_construct_facets_are_values_present(demo_engine):
    facets = read.construct_facets(demo_engine)
    constructs = _constructs(demo_engine)
    assert set(facets["costimulatory"]) == {d for c, _ in constructs for d in (c.costimulatory or [])}
    assert set(facets["hinge"]) == {c.hinge for c, _ in constructs if c.hinge}
    assert set(facets["target"]) == {t for _, targets in constructs for t in targets}


@pytest.mark.parametrize(
    "filters",
    [{"target": "BCMA"}, {"phase": "Phase 1"}, {"phase": "Phase 1/2"}, {"status": "RECRUITING"},
     {"country": "China"}, {"year_from": 2020, "year_to": 2023}, {"target": "CD19", "country": "China"}],
)
def test_trial_page_filters_and_counts_like_the_rows(demo_engine, filters):
    def matches(trial: Trial, targets: list[str]) -> bool:
        for key, value in filters.items():
            if key == "target" and value not in targets:
                return False
            if key == "phase" and phase_label(trial.phases) != value:
                return False
            if key == "status" and trial.overall_status != value:
                return False
            if key == "country" and value not in (trial.countries or []):
                return False
            if key == "year_from" and (trial.start_year is None or trial.start_year < value):
                return False
            if key == "year_to" and (trial.start_year is None or trial.start_year > value):
                return False
        return True

    expected = sorted(t.registry_id for t, targets in _trials(demo_engine) if matches(t, targets))
    page = read.trial_page(demo_engine, limit=1000, **filters)
    assert page.total == len(expected) > 0
    assert sorted(page.rows["registry_id"]) == expected
    assert all(url == f"https://clinicaltrials.gov/study/{i}" for i, url in zip(page.rows["registry_id"],
                                                                              page.rows["registry_url"])
               if i.startswith("NCT"))


def test_trial_facets_offer_every_value_that_filters_something(demo_engine):
    facets = read.trial_facets(demo_engine)
    for phase in facets["phase"]:
        assert read.trial_page(demo_engine, limit=0, phase=phase).total > 0, phase
    for status in facets["status"]:
        assert read.trial_page(demo_engine, limit=0, status=status).total > 0, status
    years = facets["year_from"]
    assert years == facets["year_to"] == list(range(years[0], years[-1] + 1))
    for year in (years[0], years[-1]):
        assert read.trial_page(demo_engine, limit=0, year_from=year, year_to=year).total > 0, year


def test_every_phase_label_filters_back_to_its_trials(demo_engine):
    """A label of any phase set (combined ones too: "Phase 1 + Phase 3") selects exactly the trials showing it."""
    labels = {}
    for trial, _ in _trials(demo_engine):
        labels.setdefault(phase_label(trial.phases), set()).add(trial.registry_id)
    assert NOT_RECORDED in labels or len(labels) > 3
    for label, expected in labels.items():
        page = read.trial_page(demo_engine, limit=1000, phase=label)
        assert set(page.rows["registry_id"]) == expected, label


def test_facets_describe_the_filters_the_pages_offer(demo_engine):
    assert set(read.construct_facets(demo_engine)) == set(read.CONSTRUCT_FACETS.keys)
    assert set(read.trial_facets(demo_engine)) == set(read.TRIAL_FACETS.keys)
    assert all(facet.label for facet in read.CONSTRUCT_FACETS.facets + read.TRIAL_FACETS.facets)


def test_unknown_filters_are_refused(demo_engine):
    with pytest.raises(ValueError):
        read.construct_page(demo_engine, colour="blue")
    with pytest.raises(ValueError):
        read.trial_page(demo_engine, colour="blue")


def test_labels():
    assert phase_label(["PHASE2", "PHASE1"]) == "Phase 1/2"
    assert phase_label(None) == NOT_RECORDED
    assert status_label("ACTIVE_NOT_RECRUITING") == "Active, not recruiting"
    assert registry_url("ClinicalTrials.gov", "NCT02348216") == "https://clinicaltrials.gov/study/NCT02348216"


def test_construct_records_binders_and_downloads(engine, shared_data):
    from catalogue import export
    from catalogue.parse.sequences import parse_sequence_file

    actor = curation.local_operator()
    for file_name, construct in (("Axicel_HM852952_protein_translated.fasta", "axi-cel"),
                                 ("Tisacel_patentUS9499629B2_protein_translated.fasta", "tisa-cel")):
        report = curation.import_sequences(engine, actor, file_name, (shared_data / "sequences" / file_name).read_bytes(),
                                           construct=construct)
        assert report.ok, report.error
    detail = read.construct_detail(engine, "axi-cel")
    (record,) = detail["sequence_records"]
    full = read.sequence_record(engine, record["id"])
    assert full["construct"] == "axi-cel" and len(full["sequence"]) == full["length"] == record["length"]
    assert len(full["domains"]) == len(record["domains"]) > 0

    # both products carry the FMC63 binder: each lists the other
    sharing = read.constructs_sharing_binder(engine, "axi-cel")
    assert set(sharing["name"]) == {"tisa-cel"}
    assert set(sharing["kind"]) <= {"vh", "vl"}

    # the draft rebuilt from the database exports to a file that reads back to the same record
    draft = read.sequence_record_draft(engine, record["id"])
    (again,) = parse_sequence_file(export.to_fasta(draft).encode(), "again.fasta")
    assert again.sequence == full["sequence"] and again.checksum == full["checksum"]
    file_name, original = read.original_file(engine, record["id"])
    assert file_name == "Axicel_HM852952_protein_translated.fasta" and original.startswith(b">")

    history = read.sequence_history(engine, "axi-cel")
    assert list(history["record_id"]) == [record["record_id"]] and history["imported_by"][0] == actor.name


def test_identity_queries_and_sign_in(engine):
    assert not read.has_accounts(engine)
    curation.add_account(engine, curation.local_operator(), "ada", "curator", password="correct horse", email="Ada@Example.org")
    assert read.has_accounts(engine)
    assert curation.authenticate(engine, "ada", "correct horse") == curation.Actor("ada", "curator")
    assert curation.authenticate(engine, " ada ", "correct horse") == curation.Actor("ada", "curator")
    assert curation.authenticate(engine, "ada", "wrong") is None
    assert curation.authenticate(engine, "nobody", "correct horse") is None
    assert read.account_by_email(engine, "ada@example.org") == {"name": "ada", "role": "curator"}
    assert all("password_hash" not in account for account in read.accounts(engine))
    curation.add_account(engine, curation.local_operator(), "bob", "viewer")  # no password: cannot sign in
    assert curation.authenticate(engine, "bob", "") is None


def test_audit_filters(engine):
    curation.add_account(engine, curation.local_operator(), "ada", "curator", password="ada-pass-2026")
    events = read.audit_events(engine)
    day = events[0]["at"].date().isoformat()
    assert read.audit_events(engine, until=day) == events
    assert read.audit_events(engine, since=day, until=day) == events
    assert read.audit_events(engine, until="2000-01-01") == []
    assert read.audit_events(engine, exclude_kinds=("account",)) == []
    assert read.audit_kinds(engine) == ["account"]


def test_pickers_search_names_and_titles_and_are_bounded(demo_engine):
    every = read.construct_names(demo_engine)
    found = read.construct_names(demo_engine, search="CEL")
    assert found == [name for name in every if "cel" in name.lower()] and "tisa-cel" in found
    assert read.construct_names(demo_engine, limit=3) == every[:3]
    assert read.construct_names(demo_engine, search="%") == []  # a wildcard is searched for literally
    trials = read.trial_choices(demo_engine, search="lupus")
    assert trials and all("lupus" in (title or "").lower() or "lupus" in rid.lower() for rid, title in trials.items())
    assert list(read.trial_choices(demo_engine, search="nct04662099")) == ["NCT04662099"]
    assert len(read.trial_choices(demo_engine, limit=5)) == 5
