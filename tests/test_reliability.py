"""Issue 15, item by item: hostile and careless input is bounded, refused in one clear line, and changes nothing.

Each test names the item it covers. Database tests run on SQLite and PostgreSQL; the CLI is run as a
person runs it (a subprocess), so exit codes and messages are the public ones.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from database_support import database_checksum
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError
from trial_samples import RHEUMATOLOGY, sample

from catalogue import bounds, curation, db, read
from catalogue.drafts import ConstructDraft, ProgrammeDraft, TargetDraft
from catalogue.errors import InvalidInput, NotFound, PermissionDenied
from catalogue.parse.gtf import parse_gtf
from catalogue.parse.trials import parse_trial_file

FORBIDDEN = re.compile(r"Traceback|unexpected|\bSELECT\b|\bINSERT\b|\bUPDATE\b|sqlalchemy|psycopg|\[SQL", re.IGNORECASE)
BOM = b"\xef\xbb\xbf"


def cli(url: str, *args: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "CATALOGUE_DATABASE_URL"} | env
    return subprocess.run([sys.executable, "-m", "catalogue", "--db", url, *args], capture_output=True, text=True,
                          input=stdin, env=environment, timeout=600)


def refused(result: subprocess.CompletedProcess, code: int = 1) -> str:
    """The one-line error of a refused command."""
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert not FORBIDDEN.search(lines[0]), lines[0]
    return lines[0]


def snapshot(engine) -> tuple:
    return read.row_counts(engine), database_checksum(engine)


@pytest.fixture
def url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
def rows(shared_data):
    """Real rows of the rheumatology trial-monitor snapshot."""
    return sample(shared_data, RHEUMATOLOGY)


# --- 1. enrollment and patients treated are bounded on both databases ------------------------------------------


@pytest.mark.parametrize("value", ["1000000000000", "3000000000", "1e20", "1" + "0" * 20])
def test_1_an_enrollment_beyond_any_trial_is_refused_naming_file_line_and_record(engine, url, rows, tmp_path, value):
    before = snapshot(engine)
    content, line, record = rows.with_value(2, "EnrollmentCount", value)
    path = tmp_path / "big.csv"
    path.write_bytes(content)
    message = refused(cli(url, "import", "trials", str(path)))
    assert message.startswith(f"error: {path.name}, line {line}, record '{record}':"), message
    assert snapshot(engine) == before


def test_1_an_enrollment_of_1e20_in_json_is_refused(engine, rows):
    studies = rows.studies()
    studies[1]["protocolSection"]["designModule"]["enrollmentInfo"]["count"] = 1e20
    before = snapshot(engine)
    report = curation.import_trials(engine, curation.local_operator(), "big.json", json.dumps(studies).encode())
    assert report.error.startswith(f"big.json, record '{rows.row_id(1)}': enrollment 1e+20 is more than 100,000,000"), \
        report.error
    assert snapshot(engine) == before


def test_1_the_largest_accepted_counts_are_stored_exactly_and_added_up(engine, url, rows, tmp_path):
    """MAX_PARTICIPANTS on two trials: both databases store each exactly and the total is their sum."""
    def change(table):
        for index in (0, 1):
            table[index][rows.column("EnrollmentCount")] = str(bounds.MAX_PARTICIPANTS)
            table[index][rows.column("EnrollmentType")] = "ACTUAL"

    content, _ = rows.csv(change)
    path = tmp_path / "largest.csv"
    path.write_bytes(content)
    result = cli(url, "import", "trials", str(path))
    assert result.returncode == 0, result.stderr
    for index in (0, 1):
        assert read.trial_detail(engine, rows.row_id(index))["enrollment_count"] == bounds.MAX_PARTICIPANTS
    totals = json.loads(cli(url, "stats", "--json").stdout)["totals"]
    others = sum(int(float(r[rows.column("EnrollmentCount")])) for r in rows.rows[2:]
                 if r[rows.column("EnrollmentCount")] and r[rows.column("EnrollmentType")] == "ACTUAL")
    assert totals["enrollment_actual"] == 2 * bounds.MAX_PARTICIPANTS + others


def test_1_and_4_patients_treated_and_its_date_are_bounded(engine, url, rows):
    curation.import_trials(engine, curation.local_operator(), "rows.csv", rows.csv()[0])
    trial = rows.row_id(0)
    before = snapshot(engine)
    assert "more than 100,000,000" in refused(cli(url, "patients", "trial", trial, "5000000000000", "--source", "s"))
    assert "not a date" in refused(cli(url, "patients", "trial", trial, "5", "--source", "s", "--as-of", "not-a-date"))
    next_year = f"{date.today().year + 1}-01"
    assert "in the future" in refused(cli(url, "patients", "trial", trial, "5", "--source", "s", "--as-of", next_year))
    assert "outside 1900-2100" in refused(cli(url, "patients", "trial", trial, "5", "--source", "s", "--as-of", "0999"))
    assert snapshot(engine) == before
    result = cli(url, "patients", "trial", trial, "12", "--source", "a publication", "--as-of", "2024/3")
    assert result.returncode == 0, result.stderr
    detail = read.trial_detail(engine, trial)
    assert (detail["patients_treated"], detail["patients_treated_date"]) == (12, "2024-03")
    with pytest.raises(InvalidInput, match="more than 100,000,000"):
        curation.set_patients_treated(engine, curation.local_operator(), "programme", "x", 10**13, source="s",
                                      as_of=None)
    with pytest.raises(InvalidInput, match="not a whole number"):
        curation.update_trial(engine, curation.local_operator(), trial, {"enrollment_count": 12.5},
                              expected_version=detail["version"])
    with pytest.raises(InvalidInput, match="not a calendar date"):
        curation.update_trial(engine, curation.local_operator(), trial, {"start_date": "2023-02-30"},
                              expected_version=detail["version"])


def test_1_database_errors_nobody_foresaw_are_one_line_without_sql(engine):
    from catalogue.cli import one_line_reason

    with pytest.raises(DatabaseError) as raised:
        with db.write_session(engine) as session:
            session.execute(text("INSERT INTO target (symbol) VALUES (:symbol)"), {"symbol": "X" * 500})
    reason = one_line_reason(raised.value)
    assert "\n" not in reason and not FORBIDDEN.search(reason) and "XXXX" not in reason, reason


# --- 2. one upload cap for every file, CLI and service layer ---------------------------------------------------


def test_2_the_upload_cap_applies_to_every_file_the_cli_reads(engine, url, rows, shared_data, tmp_path):
    before = snapshot(engine)
    trials = tmp_path / "small.csv"
    trials.write_bytes(rows.csv()[0][:2000].rsplit(b"\n", 1)[0] + b"\n")
    sequences = shared_data / "sequences"
    cap = {"CATALOGUE_MAX_UPLOAD_BYTES": "100"}
    for args, named in (
        (["import", "trials", str(trials)], trials),
        (["import", "binders", str(shared_data / "binders" / "TheraSAbDab_SeqStruc_OnlineDownload.csv")],
         shared_data / "binders" / "TheraSAbDab_SeqStruc_OnlineDownload.csv"),
        (["import", "sequences", str(sequences / "Anno_Tisacel.gtf"), "--annotations",
          str(sequences / "Anno_Tisacel.gtf")], sequences / "Anno_Tisacel.gtf"),
    ):
        message = refused(cli(url, *args, **cap))
        assert "over the upload cap of 100 bytes" in message and named.name in message, message
    result = cli(url, "import", "sequences", str(sequences / "Tisacel_patentUS9499629B2.fasta"), **cap)
    assert result.returncode == 1 and "over the upload cap of 100 bytes" in result.stderr, result.stderr
    assert snapshot(engine) == before
    message = refused(cli(url, "import", "trials", str(trials), CATALOGUE_MAX_UPLOAD_BYTES="lots"))
    assert "CATALOGUE_MAX_UPLOAD_BYTES='lots' is not a whole number" in message


def test_2_the_service_layer_applies_the_cap_whoever_calls_it(engine, rows, shared_data, monkeypatch):
    actor = curation.local_operator()
    monkeypatch.setenv("CATALOGUE_MAX_UPLOAD_BYTES", "1000")
    before = snapshot(engine)
    report = curation.import_trials(engine, actor, "rows.csv", rows.csv()[0])
    assert report.error.startswith("rows.csv: the file is") and "over the upload cap" in report.error
    binders = (shared_data / "binders" / "TheraSAbDab_SeqStruc_OnlineDownload.csv").read_bytes()
    assert "over the upload cap" in curation.import_binders(engine, actor, "binders.csv", binders).error
    sequences = shared_data / "sequences"
    report = curation.import_sequences(engine, actor, "P2A.gb", (sequences / "P2A.gb").read_bytes()[:900],
                                       annotations=(sequences / "lentiviral_vector_tisacel.gtf").read_bytes(),
                                       annotations_name="vector.gtf", detect=False)
    assert report.error.startswith("vector.gtf: the file is"), report.error
    assert snapshot(engine) == before


# --- 3. the last admin is kept ---------------------------------------------------------------------------------


def test_3_the_last_admin_can_be_neither_demoted_nor_archived(engine, url):
    operator = curation.local_operator()
    curation.add_account(engine, operator, "boss", "admin", password="boss-pass-2026")
    before = snapshot(engine)
    message = refused(cli(url, "--user", "boss", "user", "set-role", "boss", "--role", "viewer"))
    assert "'boss' is the last admin" in message
    assert "last admin" in refused(cli(url, "--user", "boss", "user", "archive", "boss"))
    assert snapshot(engine) == before
    boss = curation.actor_for(engine, "boss")
    curation.add_account(engine, boss, "deputy", "admin", password="deputy-pass-2026")
    assert curation.set_role(engine, boss, "boss", "curator") == "updated"  # another admin is left
    deputy = curation.actor_for(engine, "deputy")
    with pytest.raises(InvalidInput, match="last admin"):
        curation.set_role(engine, deputy, "deputy", "viewer")
    with pytest.raises(InvalidInput, match="last admin"):
        curation.set_account_archived(engine, deputy, "deputy", True)
    assert curation.set_account_archived(engine, deputy, "boss", True) == "updated"  # a curator now
    with pytest.raises(PermissionDenied):
        curation.actor_for(engine, "boss")
    assert curation.has_active_admin(engine)
    with pytest.raises(NotFound):
        curation.set_role(engine, deputy, "nobody", "viewer")


# --- 5. the audit trail is append-only against REPLACE, upserts and TRUNCATE -----------------------------------


def test_5_no_statement_rewrites_or_empties_the_audit_trail(engine):
    curation.save_construct(engine, curation.local_operator(), ConstructDraft(name="anti-CD19", targets=["CD19"]))
    before = read.audit_events(engine)
    first = min(event["id"] for event in before)
    columns = "(id, at, actor, action, entity_kind, entity_key)"
    values = f"({first}, CURRENT_TIMESTAMP, 'mallory', 'create', 'construct', 'forged')"
    statements = [f"INSERT INTO auditevent {columns} VALUES {values} "
                  "ON CONFLICT (id) DO UPDATE SET actor = 'mallory'"]
    if engine.dialect.name == "sqlite":
        statements += [f"INSERT OR REPLACE INTO auditevent {columns} VALUES {values}",
                       f"REPLACE INTO auditevent {columns} VALUES {values}"]
    else:
        statements += ["TRUNCATE auditevent", "TRUNCATE auditevent CASCADE"]
    for statement in statements:
        with pytest.raises(DatabaseError, match="append-only"):
            with db.write_session(engine) as session:
                session.execute(text(statement))
    assert read.audit_events(engine) == before
    curation.save_construct(engine, curation.local_operator(), ConstructDraft(name="anti-CD22", targets=["CD22"]))
    assert len(read.audit_events(engine)) > len(before)  # appending still works


# --- 7. export: no overwrite without --force, no symlink followed, each file whole ----------------------------


@pytest.fixture
def exportable(engine, url, shared_data):
    sequences = shared_data / "sequences"
    curation.import_sequences(engine, curation.local_operator(), "Axicel_HM852952.fasta",
                              (sequences / "Axicel_HM852952.fasta").read_bytes(), construct="axi-cel", detect=False)
    return url


def test_7_export_refuses_to_overwrite_unless_forced(exportable, tmp_path):
    out = tmp_path / "out"
    first = json.loads(cli(exportable, "export", str(out), "--json").stdout)["files"]
    assert len(first) == 2
    Path(first[0]).write_text("edited by hand\n")
    message = refused(cli(exportable, "export", str(out)))
    assert "exists already" in message and "--force" in message
    assert Path(first[0]).read_text() == "edited by hand\n"
    result = cli(exportable, "export", str(out), "--force")
    assert result.returncode == 0, result.stderr
    assert Path(first[0]).read_text().startswith(("LOCUS", ">"))
    assert sorted(p.name for p in (out / "axi-cel").iterdir()) == sorted(Path(p).name for p in first)  # no temp file


def test_7_export_never_follows_a_symbolic_link(exportable, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "victim.txt"
    victim.write_text("precious\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "axi-cel").symlink_to(outside, target_is_directory=True)  # a planted folder link
    assert "symbolic link" in refused(cli(exportable, "export", str(out), "--force"))
    assert sorted(p.name for p in outside.iterdir()) == ["victim.txt"]
    (out / "axi-cel").unlink()
    (out / "axi-cel").mkdir()
    record = "HM852952.1" if False else None  # the file names come from the record: find them from a first export
    first = json.loads(cli(exportable, "export", str(tmp_path / "probe"), "--json").stdout)["files"]
    for name in (Path(p).name for p in first):
        (out / "axi-cel" / name).symlink_to(victim)  # planted file links
    assert "exists already" in refused(cli(exportable, "export", str(out)))
    result = cli(exportable, "export", str(out), "--force")
    assert result.returncode == 0, result.stderr
    assert victim.read_text() == "precious\n"  # the links were replaced, never written through
    assert all(not (out / "axi-cel" / Path(p).name).is_symlink() for p in first) and record is None
    linked_root = tmp_path / "linked"
    linked_root.symlink_to(outside, target_is_directory=True)
    assert "symbolic link" in refused(cli(exportable, "export", str(linked_root)))
    assert sorted(p.name for p in outside.iterdir()) == ["victim.txt"]


# --- 8. a UTF-8 byte-order mark is accepted on every text format of this side ----------------------------------


def test_8_a_byte_order_mark_is_accepted_on_trial_gtf_and_binder_files(rows, shared_data):
    content = rows.csv()[0]
    assert parse_trial_file(BOM + content, "bom.csv") == parse_trial_file(content, "bom.csv")
    studies = json.dumps({"studies": rows.studies()}).encode()
    assert parse_trial_file(BOM + studies, "bom.json") == parse_trial_file(studies, "bom.json")
    gtf = (shared_data / "sequences" / "Anno_Idecel.gtf").read_bytes()
    assert parse_gtf(BOM + gtf, "bom.gtf") == parse_gtf(gtf, "bom.gtf")
    from catalogue.detect.binders import parse_therasabdab

    binders = (shared_data / "binders" / "TheraSAbDab_SeqStruc_OnlineDownload.csv").read_bytes()
    assert parse_therasabdab(BOM + binders, "bom.csv") == parse_therasabdab(binders, "bom.csv")


# --- 9. names are neither blank nor over-long ------------------------------------------------------------------


def test_9_blank_and_over_long_construct_names_are_refused(engine, url, shared_data):
    fasta = str(shared_data / "sequences" / "Axicel_HM852952.fasta")
    before = snapshot(engine)
    assert "cannot be blank" in refused(cli(url, "import", "sequences", fasta, "--construct", "   ", "--no-detect"))
    assert "cannot be blank" in refused(cli(url, "import", "sequences", fasta, "--construct", "", "--no-detect"))
    message = refused(cli(url, "import", "sequences", fasta, "--construct", "x" * 10_000, "--no-detect"))
    assert "10,000 characters long; at most 200" in message and len(message) < 300
    assert snapshot(engine) == before
    operator = curation.local_operator()
    for draft in (ConstructDraft(name="\t"), ConstructDraft(name="a\nb"), ConstructDraft(name="y" * 201),
                  ConstructDraft(name="ok", targets=["  "]), ConstructDraft(name="ok", targets=["T" * 41])):
        with pytest.raises(InvalidInput):
            curation.save_construct(engine, operator, draft)
    with pytest.raises(InvalidInput):
        curation.save_target(engine, operator, TargetDraft(symbol=" "))
    for name in ("", " ", "z" * 121, "local-operator"):
        with pytest.raises(InvalidInput):
            curation.add_account(engine, operator, name, "viewer", password="long enough pass")
    with pytest.raises(InvalidInput):
        with db.write_session(engine) as session:
            from catalogue.curation.constructs import upsert_programme

            upsert_programme(session, operator, ProgrammeDraft(name=" "))
    assert snapshot(engine) == before
    assert curation.save_construct(engine, operator, ConstructDraft(name="  anti-CD7  ")) == "created"
    assert read.construct_detail(engine, "anti-CD7") is not None  # surrounding white space is trimmed


def test_9_a_record_id_too_long_to_name_a_construct_is_refused_naming_the_record(engine):
    fasta = b">" + b"R" * 300 + b"\nMALPVTALLLPLALLLHAARP\n"
    report = curation.import_sequences(engine, curation.local_operator(), "long.fasta", fasta, detect=False)
    assert report.error.startswith("long.fasta, line 1, record 'RRRR") and "cannot name a construct" in report.error


@pytest.mark.parametrize("table, column, value", [("construct", "name", " "), ("construct", "name", "c" * 201),
                                                  ("target", "symbol", ""), ("account", "name", "a" * 121),
                                                  ("programme", "name", "\t")])
def test_9_the_schema_itself_refuses_blank_and_over_long_names(engine, table, column, value):
    extra = {"construct": ", modality, version) VALUES (:value, 'CAR-T', 1)",
             "account": ", role, created_at) VALUES (:value, 'viewer', CURRENT_TIMESTAMP)"}.get(table, ") VALUES (:value)")
    with pytest.raises(DatabaseError):
        with db.write_session(engine) as session:
            session.execute(text(f"INSERT INTO {table} ({column}{extra}"), {"value": value})


# --- 10. every warning of an import is shown where the import was made -----------------------------------------


def test_10_the_cli_shows_the_warnings_of_an_import(url, shared_data):
    sequences = shared_data / "sequences"
    fasta, gtf = str(sequences / "Tisacel_patentUS9499629B2.fasta"), str(sequences / "Anno_Tisacel.gtf")
    result = cli(url, "import", "sequences", fasta, "--annotations", gtf, "--no-detect")
    assert result.returncode == 0, result.stderr
    assert "warning: Tisacel_WO2021091978A1_CAR_construct: The annotation file Anno_Tisacel.gtf names the " \
           "sequence 'tisacel'" in result.stdout, result.stdout
    report = json.loads(cli(url, "import", "sequences", fasta, "--annotations", gtf, "--no-detect", "--json").stdout)
    (file_report,) = report["files"]
    assert set(file_report) >= {"file", "ok", "error", "counts", "records", "warnings"}
    assert any("names the sequence 'tisacel'" in w for w in file_report["warnings"])
    assert any("names the sequence 'tisacel'" in w for w in file_report["records"][0]["warnings"])


# --- the CLI without --user, and passwords ---------------------------------------------------------------------


def test_the_cli_acts_as_admin_only_until_an_admin_account_exists(engine, url):
    result = cli(url, "user", "add", "boss", "--role", "admin", stdin="a good passphrase\n")
    assert result.returncode == 0, result.stderr  # the local operator creates the first admin
    before = snapshot(engine)
    message = refused(cli(url, "patients", "programme", "x", "5", "--source", "s"), code=3)
    assert "--user NAME" in message
    assert refused(cli(url, "user", "add", "eve", "--role", "admin", stdin="another passphrase\n"), code=3)
    assert cli(url, "stats", "--json").returncode == 0  # reading needs no account
    assert snapshot(engine) == before
    result = cli(url, "--user", "boss", "user", "add", "carl", "--role", "curator", stdin="carl's passphrase\n")
    assert result.returncode == 0, result.stderr
    (event,) = read.audit_events(engine, entity_kind="account", entity_key="carl")
    assert event["actor"] == "boss" and event["origin"].startswith("cli: OS user ")


def test_a_one_character_password_is_refused(engine, url):
    assert "at least 8" in refused(cli(url, "user", "add", "carl", "--role", "curator", stdin="x\n"))
    with pytest.raises(InvalidInput, match="at least 8"):
        curation.add_account(engine, curation.local_operator(), "carl", "curator", password="1234567")
    assert read.accounts(engine) == []


def test_revision_0005_downgrades_and_upgrades_again(engine):
    from alembic import command
    from alembic.script import ScriptDirectory

    curation.save_construct(engine, curation.local_operator(), ConstructDraft(name="anti-CD19", targets=["CD19"]))
    before = read.audit_events(engine)
    cfg = db._alembic_config()
    before_0005 = ScriptDirectory.from_config(cfg).get_revision("0005").down_revision  # chained as merged
    for revision in (before_0005, "head"):
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            (command.downgrade if revision == before_0005 else command.upgrade)(cfg, revision)
    assert db.current_revision(engine) == db.head_revision()
    assert [(e["id"], e["actor"], e["after"]) for e in read.audit_events(engine)] == \
        [(e["id"], e["actor"], e["after"]) for e in before]
    with pytest.raises(DatabaseError, match="append-only"):
        with db.write_session(engine) as session:
            session.execute(text("DELETE FROM auditevent"))
