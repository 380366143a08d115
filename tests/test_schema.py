"""The schema: migrations match the models, constraints hold, unknown values are NULL (both backends)."""

from __future__ import annotations

import json

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from catalogue import curation, db, read
from catalogue.db.models import Construct, ConstructTarget, Trial
from catalogue.drafts import ConstructDraft


def test_migrations_create_exactly_the_models(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == [], f"models and migrations disagree: {differences}"
    assert db.current_revision(engine) == db.head_revision()
    assert set(SQLModel.metadata.tables) <= set(inspect(engine).get_table_names())


def test_upgrade_twice_is_harmless(engine):
    before = read.row_counts(engine)
    db.upgrade(engine)
    assert read.row_counts(engine) == before
    db.ensure_schema(engine)


def test_registry_ids_are_unique(engine):
    with pytest.raises(IntegrityError):
        with db.write_session(engine) as session:
            session.add(Trial(registry_name="ClinicalTrials.gov", registry_id="NCT04662099"))
            session.add(Trial(registry_name="ClinicalTrials.gov", registry_id="NCT04662099"))
    assert read.row_counts(engine)["trial"] == 0


def test_foreign_keys_are_enforced(engine):
    with pytest.raises(IntegrityError):
        with db.write_session(engine) as session:
            session.add(ConstructTarget(construct_id=999, target_id=999))


def test_a_bispecific_construct_counts_under_each_target_and_once_in_total(engine):
    actor = curation.local_operator()
    curation.save_construct(engine, actor, ConstructDraft(name="CS1/BCMA bispecific", targets=["CS1", "BCMA"]))
    curation.save_construct(engine, actor, ConstructDraft(name="anti-BCMA", targets=["BCMA"]))
    result = read.stats(engine)
    assert result["targets"]["CS1"]["constructs"] == 1
    assert result["targets"]["BCMA"]["constructs"] == 2
    assert result["totals"]["constructs"] == 2
    detail = read.construct_detail(engine, "CS1/BCMA bispecific")
    assert detail["targets"] == ["CS1", "BCMA"]  # in the order given


def test_unknown_values_are_null_not_zero_or_empty(engine):
    actor = curation.local_operator()
    curation.save_construct(engine, actor, ConstructDraft(name="bare", targets=["CD7"]))
    with engine.connect() as connection:
        row = connection.execute(select(Construct).where(Construct.name == "bare")).one()._mapping
        assert row["generation"] is None
        assert row["hinge"] is None
        assert row["costimulatory"] is None
        assert row["patients_treated"] is None
        # JSON lists that are unknown are SQL NULL, not the JSON text 'null' or '[]'
        raw = connection.execute(text("SELECT count(*) FROM construct WHERE costimulatory IS NULL")).scalar_one()
        assert raw == 1
    stats = read.stats(engine)
    assert stats["targets"]["CD7"]["patients_treated"] is None
    assert stats["totals"]["patients_treated"] is None


def test_unknown_enrollment_is_null(engine):
    study = {"protocolSection": {"identificationModule": {"nctId": "NCT00000001"}}}  # nothing else known
    report = curation.import_trials(engine, curation.local_operator(), "bare.json", json.dumps(study).encode())
    assert [o.outcome for o in report.records] == ["created"], report.error
    detail = read.trial_detail(engine, "NCT00000001")
    assert detail["enrollment_count"] is None
    assert detail["enrollment_type"] == "unknown"
    assert detail["patients_treated"] is None
    assert detail["phases"] is None


def test_sqlite_runs_with_wal_and_foreign_keys(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'x.sqlite'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_sqlite_write_transactions_take_the_write_lock_up_front(tmp_path):
    """BEGIN IMMEDIATE: a second writer cannot even start while the first holds the lock."""
    import sqlite3

    path = tmp_path / "lock.sqlite"
    engine = db.make_engine(f"sqlite:///{path}")
    db.upgrade(engine)
    with db.write_session(engine) as session:
        session.execute(text("SELECT 1"))  # no write yet, but the transaction is IMMEDIATE
        other = sqlite3.connect(path, timeout=0.1, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()


def test_the_audit_trail_is_append_only(engine):
    from sqlalchemy.exc import DatabaseError

    curation.save_construct(engine, curation.local_operator(), ConstructDraft(name="x", targets=["CD19"]))
    before = read.audit_events(engine)
    for statement in ("UPDATE auditevent SET actor = 'mallory'", "DELETE FROM auditevent"):
        with pytest.raises(DatabaseError, match="append-only"):
            with db.write_session(engine) as session:
                session.execute(text(statement))
    assert read.audit_events(engine) == before


def test_every_changing_write_raises_the_revision_and_cached_reads_follow_it(engine):
    url = engine.url.render_as_string(hide_password=False)
    other_instance = db.make_engine(url)  # a second app instance on the same database
    actor = curation.local_operator()
    start = read.catalogue_revision(engine)
    assert read.stats(engine)["totals"]["constructs"] == 0  # now cached at this revision
    curation.save_construct(other_instance, actor, ConstructDraft(name="anti-CD7", targets=["CD7"]))
    assert read.catalogue_revision(engine) == start + 1  # one write transaction, one step
    assert read.stats(engine)["totals"]["constructs"] == 1  # the cache noticed at once
    curation.save_construct(other_instance, actor, ConstructDraft(name="anti-CD7", targets=["CD7"]))
    assert read.catalogue_revision(engine) == start + 1  # nothing changed, nothing raised
    cached = read.stats(engine)
    cached["totals"]["constructs"] = 99  # callers get copies
    assert read.stats(engine)["totals"]["constructs"] == 1
    other_instance.dispose()
