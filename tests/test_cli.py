"""The CLI's public contract: exit codes, --json shapes, --db and --user, errors without tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from catalogue import curation, db, read

CLI = [sys.executable, "-m", "catalogue"]


def run(*args: str, url: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("CATALOGUE_DATABASE_URL", None)
    return subprocess.run([*CLI, "--db", url, *args], capture_output=True, text=True, input=stdin, env=env, timeout=300)


@pytest.fixture
def url(engine):
    return engine.url.render_as_string(hide_password=False)


def test_usage_errors_exit_2_without_a_traceback(url):
    for args in (["show"], ["stats", "--no-such-option"], ["no-such-command"]):
        result = run(*args, url=url)
        assert result.returncode == 2, (args, result.stderr)
        assert "Traceback" not in result.stderr + result.stdout


def test_a_viewer_is_refused_with_exit_3_and_nothing_changes(url, engine):
    curation.add_account(engine, curation.local_operator(), "vera", "viewer", password="pw-vera-2026")
    before = read.row_counts(engine)
    result = run("--user", "vera", "patients", "programme", "x", "5", "--source", "s", url=url)
    assert result.returncode == 3
    assert "viewer" in result.stderr and "Traceback" not in result.stderr
    result = run("--user", "vera", "user", "add", "eve", "--role", "admin", url=url, stdin="pw\n")
    assert result.returncode == 3
    result = run("--user", "nobody", "stats", url=url)
    assert result.returncode == 3
    assert read.row_counts(engine) == before


def test_user_add_reads_the_password_from_stdin_and_lists_accounts(url, engine):
    result = run("user", "add", "carl", "--role", "curator", url=url, stdin="s3cret-carl\n")
    assert result.returncode == 0, result.stderr
    listed = json.loads(run("user", "list", "--json", url=url).stdout)
    assert [(a["name"], a["role"]) for a in listed] == [("carl", "curator")]
    assert "s3cret-carl" not in json.dumps(listed)
    from sqlalchemy import select

    from catalogue.db.models import Account

    with engine.connect() as connection:
        stored = connection.execute(select(Account.password_hash).where(Account.name == "carl")).scalar_one()
    assert stored.startswith("$argon2") and "s3cret-carl" not in stored


def test_unknown_construct_or_trial_exits_1(url):
    assert run("show", "construct", "no such thing", url=url).returncode == 1
    assert run("show", "trial", "NCT00000000", "--json", url=url).returncode == 1


def test_an_empty_database_is_migrated_automatically(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    result = run("stats", "--json", url=url)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["totals"]["trials"] == 0
    assert db.current_revision(db.make_engine(url)) == db.head_revision()
