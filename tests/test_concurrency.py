"""Several processes on one database: no lost update, no "database is locked", kill -9 leaves files whole.

Each test runs on SQLite (WAL, BEGIN IMMEDIATE, busy timeout) and on a throwaway PostgreSQL server.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import text

from catalogue import curation, db, read
from catalogue.drafts import ConstructDraft
from catalogue.errors import EditConflict

CONTEXT = multiprocessing.get_context("spawn")


def _edit_after_barrier(url: str, hinge: str, version: int, barrier, results) -> None:
    engine = db.make_engine(url)
    actor = curation.actor_for(engine, "carl")
    barrier.wait(timeout=60)
    try:
        curation.update_construct(engine, actor, "RD13-02", {"hinge": hinge}, expected_version=version)
        results.put((hinge, "saved"))
    except EditConflict as conflict:
        results.put((hinge, f"conflict: {conflict.current.get('hinge')}"))
    except Exception as error:  # reported, so the test shows it
        results.put((hinge, f"error: {type(error).__name__}: {error}"))


def test_two_processes_editing_one_construct_one_wins_one_gets_the_conflict(engine):
    url = engine.url.render_as_string(hide_password=False)
    admin = curation.local_operator()
    curation.add_account(engine, admin, "carl", "curator", password="pw-carl-2026")
    curation.save_construct(engine, admin, ConstructDraft(name="RD13-02", targets=["CD7"]))
    version = read.construct_detail(engine, "RD13-02")["version"]
    barrier, results = CONTEXT.Barrier(2), CONTEXT.Queue()
    workers = [CONTEXT.Process(target=_edit_after_barrier, args=(url, hinge, version, barrier, results))
               for hinge in ("CD8α", "CD28")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert not any(worker.is_alive() for worker in workers), "a writer never finished (a lock held forever?)"
    outcomes = dict(results.get(timeout=10) for _ in workers)
    saved = [hinge for hinge, outcome in outcomes.items() if outcome == "saved"]
    assert len(saved) == 1, outcomes
    loser = next(h for h in outcomes if h not in saved)
    assert outcomes[loser] == f"conflict: {saved[0]}"  # the loser is shown the winner's value
    assert read.construct_detail(engine, "RD13-02")["hinge"] == saved[0]
    updates = [e for e in read.audit_events(engine, entity_kind="construct", entity_key="RD13-02")
               if e["action"] == "update"]
    assert len(updates) == 1 and updates[0]["actor"] == "carl"


WRITES_PER_PROCESS = 500


def _write_many(url: str, prefix: str, results) -> None:
    engine = db.make_engine(url)
    actor = curation.actor_for(engine, "carl")
    errors = []
    for number in range(WRITES_PER_PROCESS):
        try:
            curation.save_construct(engine, actor, ConstructDraft(name=f"{prefix}-{number}", targets=["CD19"]))
        except Exception as error:
            errors.append(f"{type(error).__name__}: {error}")
    results.put((prefix, errors))


@pytest.mark.slow
def test_two_processes_of_500_writes_lose_nothing_and_never_see_a_lock_error(engine):
    url = engine.url.render_as_string(hide_password=False)
    curation.add_account(engine, curation.local_operator(), "carl", "curator", password="pw-carl-2026")
    audit_before = read.row_counts(engine)["auditevent"]
    results = CONTEXT.Queue()
    workers = [CONTEXT.Process(target=_write_many, args=(url, prefix, results)) for prefix in ("a", "b")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert not any(worker.is_alive() for worker in workers), "a writer never finished (a lock held forever?)"
    errors = dict(results.get(timeout=10) for _ in workers)
    assert errors == {"a": [], "b": []}, {k: v[:3] for k, v in errors.items()}
    assert read.stats(engine)["targets"]["CD19"]["constructs"] == 2 * WRITES_PER_PROCESS
    # one audit event per construct created, plus the CD19 target created once by whichever came first
    assert read.row_counts(engine)["auditevent"] - audit_before == 2 * WRITES_PER_PROCESS + 1


def _import_in_child(url: str, paths: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "catalogue", "--db", url, "import", "trials", *paths],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def _write_transaction_open(engine, database_path: str | None) -> bool:
    """Whether some other connection holds an open write transaction right now."""
    if engine.dialect.name == "sqlite":
        import sqlite3

        probe = sqlite3.connect(database_path, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:
            return True
        finally:
            probe.close()
    with engine.connect() as connection:
        return connection.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND xact_start IS NOT NULL AND backend_xid IS NOT NULL")).scalar_one() > 0


def test_kill_9_during_an_import_leaves_each_file_whole_or_absent(engine, shared_data):
    """The import is killed while it holds an open write transaction (seen from outside), twice."""
    url = engine.url.render_as_string(hide_password=False)
    database_path = engine.url.database if engine.dialect.name == "sqlite" else None
    paths = sorted(str(p) for p in (shared_data / "trials").glob("*_2026-08-22_trials.csv"))
    oncology, rheumatology = 2274, 315
    allowed = {0, oncology, oncology + rheumatology - 2}  # two trials are in both files
    for attempt in range(2):
        child = _import_in_child(url, paths)
        deadline = time.monotonic() + 60
        while not _write_transaction_open(engine, database_path):
            assert child.poll() is None, "the import finished before its write transaction could be seen"
            assert time.monotonic() < deadline
            time.sleep(0.005)
        os.killpg(child.pid, signal.SIGKILL)
        child.wait(30)
        trials = read.row_counts(engine)["trial"]
        assert trials in allowed, f"attempt {attempt}: {trials} trials is part of a file"
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            orphans = connection.execute(text(
                "SELECT count(*) FROM trialtarget WHERE trial_id NOT IN (SELECT id FROM trial)")).scalar_one()
            assert orphans == 0
            audits = connection.execute(text(
                "SELECT count(*) FROM auditevent WHERE entity_kind = 'trial' AND action = 'create'")).scalar_one()
            assert audits == trials  # every trial that stayed has its audit event, and no event outlived its trial
    # the database still takes the whole import afterwards
    finished = subprocess.run([sys.executable, "-m", "catalogue", "--db", url, "import", "trials", *paths],
                              capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    assert read.row_counts(engine)["trial"] == oncology + rheumatology - 2
