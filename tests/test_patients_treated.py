"""Published patients-treated results and a programme's candidate trials: service layer, audit, migration 0009."""

from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from catalogue import curation, db, read
from catalogue.curation.actors import Actor
from catalogue.drafts import ConstructDraft, ProgrammeDraft, TrialDraft
from catalogue.errors import InvalidInput, NotFound, PermissionDenied

ADMIN = curation.local_operator()
VIEWER = Actor("vera", "viewer")
PROGRAMME = "Example programme"
SPONSOR = "Example Hospital"


def _trial(engine, registry_id: str, *, sponsor: str = SPONSOR, status: str = "COMPLETED", count: int | None = 40,
           kind: str = "unknown", targets: tuple[str, ...] = ("CD19",)) -> None:
    draft = TrialDraft(registry="ClinicalTrials.gov", registry_id=registry_id, title=f"CD19 CAR-T {registry_id}",
                       overall_status=status, lead_sponsor=sponsor, enrollment_count=count, enrollment_type=kind,
                       targets=list(targets), countries=["China"])
    with db.write_session(engine) as session:
        curation.trials.write_trials(session, ADMIN, [draft])


def _result(key: str, n: int, doi: str | None, published: str, kind: str = "trial") -> curation.PublishedResult:
    return curation.PublishedResult(kind, key, n, f"Author A et al. Journal {published[:4]}", doi=doi,
                                    published=published, population=f"{n} infused")


def test_the_latest_publication_counts_and_the_same_publication_is_corrected_in_place(engine):
    _trial(engine, "NCT00000001")
    assert curation.record_published_result(engine, ADMIN, _result("NCT00000001", 20, "10.1000/a", "2020-01")) == "created"
    assert curation.record_published_result(engine, ADMIN, _result("NCT00000001", 35, "10.1000/b", "2022-06")) == "created"
    assert read.trial_detail(engine, "NCT00000001")["patients_treated"] == 35
    # the same DOI again with a corrected count: in place, not a third result
    assert curation.record_published_result(engine, ADMIN, _result("NCT00000001", 36, "10.1000/B", "2022-06")) == "updated"
    assert curation.record_published_result(engine, ADMIN, _result("NCT00000001", 36, "10.1000/B", "2022-06")) == "unchanged"
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM patientstreatedresult")).scalar_one() == 2
    detail = read.trial_detail(engine, "NCT00000001")
    assert detail["patients_treated"] == 36 and "doi:10.1000/B" in detail["patients_treated_source"]
    stats = read.stats(engine)
    assert stats["targets"]["CD19"]["patients_treated"] == 36  # one trial, its latest result; never summed
    (shown,) = read.portfolio(engine)["patients_results"].to_dict("records")
    assert (shown["patients_treated"], shown["doi"], shown["target"]) == (36, "10.1000/B", "CD19")
    actions = [e["action"] for e in read.audit_events(engine, entity_kind="trial", entity_key="NCT00000001")]
    assert actions.count("record published result") == 3
    # removing the results makes the figure unknown again, never 0
    assert curation.remove_published_results(engine, ADMIN, "trial", "NCT00000001") == "updated"
    assert read.trial_detail(engine, "NCT00000001")["patients_treated"] is None
    assert read.stats(engine)["totals"]["patients_treated"] is None


@pytest.mark.parametrize(("change", "message"), [
    (dict(patients_treated=-1), "negative"),
    (dict(citation="  "), "citation"),
    (dict(doi="not a doi"), "DOI"),
    (dict(pmid="PMID12"), "PMID"),
    (dict(published="2021-13"), "YYYY"),
    (dict(kind="programme"), "trial or a construct"),
])
def test_a_bad_result_is_refused_with_its_field_and_nothing_changes(engine, change, message):
    _trial(engine, "NCT00000002")
    before = read.row_counts(engine)
    values = dict(kind="trial", key="NCT00000002", patients_treated=5, citation="Author A. J 2020", doi="10.1000/x",
                  pmid="123", published="2021-01")
    values.update(change)
    with pytest.raises(InvalidInput, match=message):
        curation.record_published_result(engine, ADMIN, curation.PublishedResult(**values))
    assert read.row_counts(engine) == before


def test_viewers_cannot_record_results_or_decide_candidates(engine):
    _trial(engine, "NCT00000003")
    before = read.row_counts(engine)
    with pytest.raises(PermissionDenied):
        curation.record_published_result(engine, VIEWER, _result("NCT00000003", 5, None, "2020"))
    with pytest.raises(PermissionDenied):
        curation.decide_candidate(engine, VIEWER, PROGRAMME, "NCT00000003", "accepted")
    with pytest.raises(NotFound):
        curation.record_published_result(engine, ADMIN, _result("NCT09999999", 5, None, "2020"))
    assert read.row_counts(engine) == before


def test_a_construct_result_counts_under_each_of_its_targets(engine):
    curation.save_construct(engine, ADMIN, ConstructDraft(name="CS1/BCMA CAR", targets=["CS1", "BCMA"]))
    curation.record_published_result(engine, ADMIN, _result("CS1/BCMA CAR", 16, "10.1000/c", "2023-10", "construct"))
    stats = read.stats(engine)
    assert stats["targets"]["CS1"]["patients_treated"] == stats["targets"]["BCMA"]["patients_treated"] == 16
    assert stats["totals"]["patients_treated"] == 16
    # editing the construct keeps its figure and adds no result
    detail = read.construct_detail(engine, "CS1/BCMA CAR")
    curation.update_construct(engine, ADMIN, "CS1/BCMA CAR", {"hinge": "CD8α"}, expected_version=detail["version"])
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM patientstreatedresult")).scalar_one() == 1


def test_enrollment_kinds_are_unknown_not_zero_and_inferred_actual_is_apart(engine):
    _trial(engine, "NCT00000010", status="COMPLETED", count=40, kind="unknown")
    _trial(engine, "NCT00000011", status="RECRUITING", count=25, kind="unknown")
    _trial(engine, "NCT00000012", status="RECRUITING", count=12, kind="estimated")
    totals = read.stats(engine)["totals"]
    assert totals["enrollment_actual"] is None and totals["trials_enrollment_actual"] == 0  # nothing stated
    assert totals["enrollment_estimated"] == 12
    assert totals["enrollment_unknown"] == 65 and totals["trials_enrollment_unknown"] == 2
    assert totals["enrollment_unknown_inferred_actual"] == 40  # the completed one, shown apart
    _trial(engine, "NCT00000013", status="WITHDRAWN", count=0, kind="actual")
    totals = read.stats(engine)["totals"]
    assert totals["enrollment_actual"] == 0 and totals["trials_enrollment_actual"] == 1  # a stated 0 is a fact


def test_a_programmes_candidates_count_once_accepted(engine):
    with db.write_session(engine) as session:
        curation.constructs.upsert_programme(session, ADMIN, ProgrammeDraft(name=PROGRAMME, sponsor=SPONSOR))
    _trial(engine, "NCT00000020")
    _trial(engine, "NCT00000021", sponsor="Another Company")
    proposal = curation.CandidateTrial(PROGRAMME, "NCT00000021", "lists the hospital as a site", "sites file")
    assert curation.propose_candidates(engine, ADMIN, [proposal]) == ["created"]
    assert curation.propose_candidates(engine, ADMIN, [proposal]) == ["unchanged"]
    assert read.portfolio(engine, PROGRAMME)["tiles"]["trials"] == 1
    with pytest.raises(InvalidInput):
        curation.decide_candidate(engine, ADMIN, PROGRAMME, "NCT00000021", "maybe")  # type: ignore[arg-type]
    assert curation.decide_candidate(engine, ADMIN, PROGRAMME, "NCT00000021", "accepted") == "updated"
    assert curation.decide_candidate(engine, ADMIN, PROGRAMME, "NCT00000021", "accepted") == "unchanged"
    view = read.portfolio(engine, PROGRAMME)
    assert view["tiles"]["trials"] == 2
    assert view["candidates"].to_dict("records")[0]["decision"] == "accepted"
    # proposing again keeps the curator's decision
    curation.propose_candidates(engine, ADMIN, [proposal])
    assert read.portfolio(engine, PROGRAMME)["candidates"]["decision"].tolist() == ["accepted"]
    assert curation.decide_candidate(engine, ADMIN, PROGRAMME, "NCT00000021", "rejected") == "updated"
    assert read.portfolio(engine, PROGRAMME)["tiles"]["trials"] == 1
    kinds = {e["action"] for e in read.audit_events(engine, entity_kind="programme candidate")}
    assert kinds == {"propose", "accepted", "rejected"}


#: The revision 0009 follows (the revisions are chained in the order they were merged).
BEFORE_0009 = ScriptDirectory(str(db.MIGRATIONS)).get_revision("0009").down_revision


def test_migration_0009_keeps_curated_figures_and_links(database_url):
    engine = db.make_engine(database_url)
    try:
        db.upgrade(engine, BEFORE_0009)
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO target (id, symbol) VALUES (1, 'CD19')"))
            connection.execute(text(
                "INSERT INTO construct (id, name, modality, version, patients_treated, patients_treated_source, "
                "patients_treated_date) VALUES (1, 'c1', 'CAR-T', 1, 7, 'News item 2023', '2023-05')"))
            connection.execute(text("INSERT INTO constructtarget (construct_id, target_id, position) VALUES (1, 1, 0)"))
            connection.execute(text(
                "INSERT INTO trial (id, registry_name, registry_id, enrollment_type, targets_curated, version, "
                "patients_treated, patients_treated_source) VALUES (1, 'ClinicalTrials.gov', 'NCT1', 'unknown', "
                "false, 1, 101, 'Neelapu 2017')"))
        db.upgrade(engine)
        with engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT trial_id, construct_id, patients_treated, citation, published FROM patientstreatedresult "
                "ORDER BY patients_treated")).all()
            assert [tuple(r) for r in rows] == [(None, 1, 7, "News item 2023", "2023-05"), (1, None, 101, "Neelapu 2017", None)]
            assert connection.execute(text("SELECT count(*) FROM constructtarget")).scalar_one() == 1
            connection.execute(text("UPDATE construct SET modality = NULL WHERE id = 1"))  # nullable now
        assert read.stats(engine)["targets"]["CD19"]["patients_treated"] == 7
        db.upgrade(engine, BEFORE_0009)  # and back: nothing is lost that the old schema can hold
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM constructtarget")).scalar_one() == 1
    finally:
        engine.dispose()
