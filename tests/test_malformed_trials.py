"""A corpus of hostile trial files, generated from the real trial-monitor snapshots, each refused clearly.

Every case starts from real rows of ``../shared/data/trials`` (as CSV, as the ClinicalTrials.gov CSV
download, or as ClinicalTrials.gov API v2 JSON built from the same rows) and breaks them: numbers out
of bounds, impossible dates, broken CSV and JSON, wrong encodings, wrong types, files that are not trial
files at all. The parser must refuse each with one line that names the file, and the record and line
where there is one; the service layer and the CLI must then change nothing, on both databases.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from database_support import database_checksum
from trial_samples import METADATA, ONCOLOGY, RHEUMATOLOGY, SITES, Sample, sample

from catalogue import curation, read
from catalogue.errors import InvalidInput
from catalogue.parse.trials import parse_trial_file

FORBIDDEN = re.compile(r"Traceback|unexpected|\bSELECT\b|\bINSERT\b|\bUPDATE\b|sqlalchemy|psycopg", re.IGNORECASE)


@dataclass
class Built:
    content: bytes
    file_name: str
    message: str  # regular expression searched in the error
    line: int | None = None
    record: str | None = None


def build_cases(d: Path) -> list[tuple[str, Built]]:
    onc = sample(d, ONCOLOGY)
    rheum = sample(d, RHEUMATOLOGY)
    cases: list[tuple[str, Built]] = []

    def cell(case_id, snapshot, index, column, value, message):
        content, line, record = snapshot.with_value(index, column, value)
        record = None if column == "NCTId" else record  # the ID itself is what is wrong: no record to name
        cases.append((case_id, Built(content, f"{case_id}.csv", message, line, record)))

    # numbers out of bounds or not numbers
    cell("enrollment-1e12", onc, 3, "EnrollmentCount", "1000000000000", r"more than 100,000,000")
    cell("enrollment-3e9", rheum, 2, "EnrollmentCount", "3000000000", r"more than 100,000,000")
    cell("enrollment-1e20-text", onc, 5, "EnrollmentCount", "1e20", r"not a whole number")
    cell("enrollment-thousands", onc, 1, "EnrollmentCount", "1,000,000,000,000", r"more than 100,000,000")
    cell("enrollment-negative", rheum, 4, "EnrollmentCount", "-30", r"not a whole number")
    cell("enrollment-fraction", onc, 6, "EnrollmentCount", "12.5", r"not a whole number")
    cell("enrollment-5000-digits", onc, 7, "EnrollmentCount", "9" * 5000, r"not a whole number")
    cell("enrollment-arabic-digits", onc, 2, "EnrollmentCount", "\u0663\u0660", r"not a whole number")
    # impossible dates
    cell("date-words", onc, 0, "StartDate", "not-a-date", r"not a date")
    cell("date-month-13", rheum, 1, "StartDate", "2023-13-01", r"month 13")
    cell("date-february-30", onc, 4, "StartDate", "2024-02-30", r"not a calendar date")
    cell("date-year-1", onc, 8, "StartDate", "0001-01-01", r"outside 1900-2100")
    cell("date-year-9999", rheum, 3, "LastUpdatePostDate", "9999-12-31", r"outside 1900-2100")
    cell("date-long", onc, 9, "LastUpdatePostDate", "2023-" * 30, r"not a date")
    # identifiers, phases, statuses
    cell("registry-id-short", onc, 2, "NCTId", "NCT123", r"not a registry ID")
    cell("registry-id-empty", rheum, 0, "NCTId", "", r"no registry ID")
    cell("registry-id-injection", onc, 3, "NCTId", "NCT01234567'; DROP TABLE trial; --", r"not a registry ID")
    cell("phase-7", onc, 1, "Phase", "PHASE7", r"not a trial phase")
    cell("status-too-long", rheum, 5, "OverallStatus", "RECRUITING " * 20, r"longer than 40 characters")

    # broken CSV structure
    content, lines = onc.csv()
    text = content.decode()
    cut = text.index(onc.row_id(4))
    quoted = text[:cut] + onc.row_id(4) + ',"an unterminated quoted title' + "\n"
    cases.append(("csv-unterminated-quote", Built(quoted.encode(), "csv-unterminated-quote.csv", r"malformed CSV",
                                                  lines[4])))
    content, lines = onc.csv(lambda rows: rows[3].append("one field too many"))
    cases.append(("csv-extra-field", Built(content, "csv-extra-field.csv", r"fields, the header has", lines[3])))
    content, lines = rheum.csv(lambda rows: rows[2].__delitem__(slice(5, None)))
    cases.append(("csv-missing-fields", Built(content, "csv-missing-fields.csv", r"5 fields", lines[2])))
    dropped = Sample([h for h in onc.header if h != "Phase"],
                     [[v for h, v in zip(onc.header, row) if h != "Phase"] for row in onc.rows])
    cases.append(("csv-no-phase-column", Built(dropped.csv()[0], "csv-no-phase-column.csv",
                                               r"missing required column\(s\): Phase", 1)))
    doubled = Sample(onc.header + ["NCTId"], [row + [row[0]] for row in onc.rows])
    cases.append(("csv-duplicated-column", Built(doubled.csv()[0], "csv-duplicated-column.csv",
                                                 r"duplicated column\(s\): NCTId", 1)))
    content, lines = onc.csv(lambda rows: rows.append(list(rows[2][:1]) + ["a different title"] + rows[2][2:]))
    cases.append(("csv-conflicting-duplicate", Built(content, "csv-conflicting-duplicate.csv",
                                                     r"conflicting data", lines[-1], onc.row_id(2))))
    content, lines = onc.csv()
    huge = content.decode().replace(onc.rows[1][onc.column("BriefSummary")], "x" * 200_000, 1)
    cases.append(("csv-field-over-limit", Built(huge.encode(), "csv-field-over-limit.csv", r"malformed CSV",
                                                lines[1])))
    header_only = content.split(b"\n", 1)[0] + b"\n"
    cases.append(("csv-header-only", Built(header_only, "csv-header-only.csv", r"no trial rows")))

    # bytes that are not UTF-8 text
    content, lines = onc.csv()
    nul_at = content.index(onc.row_id(3).encode())
    cases.append(("bytes-nul", Built(content[:nul_at] + b"\x00" + content[nul_at:], "bytes-nul.csv", r"NUL bytes",
                                     lines[3])))
    cases.append(("bytes-utf16", Built(content.decode().encode("utf-16"), "bytes-utf16.csv", r"NUL bytes|not UTF-8")))
    latin1 = content.decode().replace(onc.rows[2][onc.column("BriefTitle")],
                                      onc.rows[2][onc.column("BriefTitle")] + " caf\u00e9", 1).encode("latin-1", "replace")
    cases.append(("bytes-latin1", Built(latin1, "bytes-latin1.csv", r"not UTF-8", lines[2])))
    cases.append(("bytes-gzip", Built(gzip.compress(content, mtime=0), "bytes-gzip.csv.gz", r"NUL bytes|not UTF-8")))
    cases.append(("bytes-empty", Built(b"", "bytes-empty.csv", r"empty")))
    cases.append(("bytes-blank", Built(b" \r\n\t\n", "bytes-blank.csv", r"empty")))

    # real files that are not trial files
    cases.append(("real-sites-file", Built((d / "trials" / SITES).read_bytes(), SITES, r"missing required column", 1)))
    cases.append(("real-metadata-file", Built((d / "trials" / METADATA).read_bytes(), METADATA,
                                              r"unrecognised JSON")))

    # ClinicalTrials.gov API v2 JSON built from the same real rows
    studies = onc.studies()

    def study_case(case_id, change, message, index=None):
        data = json.loads(json.dumps({"studies": studies}))
        change(data)
        record = f"study #{index}" if index is not None else None
        cases.append((case_id, Built(json.dumps(data, indent=1).encode(), f"{case_id}.json", message, None, record)))

    def enrollment(value, index=2):
        return lambda data: data["studies"][index]["protocolSection"]["designModule"]["enrollmentInfo"].update(
            count=value)

    study_case("json-enrollment-1e12", enrollment(10**12), r"more than 100,000,000")
    study_case("json-enrollment-1e20-float", enrollment(1e20), r"more than 100,000,000")
    study_case("json-enrollment-infinity", enrollment(float("inf")), r"not a whole participant count")
    study_case("json-enrollment-text", enrollment("many"), r"not a whole number")
    study_case("json-enrollment-list", enrollment([30]), r"not a whole number")
    study_case("json-title-object", lambda data: data["studies"][1]["protocolSection"]["identificationModule"].update(
        briefTitle={"text": "x"}), r"wrong type: identificationModule\.briefTitle is dict", index=1)
    study_case("json-conditions-text", lambda data: data["studies"][4]["protocolSection"]["conditionsModule"].update(
        conditions="Lymphoma"), r"wrong type: conditionsModule\.conditions is not a list", index=4)
    study_case("json-studies-object", lambda data: data.update(studies={"a": 1}), r"'studies' is not a list")
    study_case("json-no-studies", lambda data: data.update(studies=[]), r"holds no studies")
    study_case("json-study-not-object", lambda data: data["studies"].insert(3, "NCT01234567"),
               r"no 'protocolSection' object", index=3)
    whole = json.dumps({"studies": studies}, indent=1).encode()
    cut = len(whole) // 2
    cases.append(("json-truncated", Built(whole[:cut], "json-truncated.json", r"malformed JSON",
                                          whole[:cut].count(b"\n") + 1)))
    cases.append(("json-nested", Built(b"[" * 100_000 + b"]" * 100_000, "json-nested.json", r"nested too deeply")))
    cases.append(("json-long-number", Built(b'{"studies": [' + b"7" * 5000 + b"]}", "json-long-number.json",
                                            r"a number is too long")))
    return cases


@pytest.fixture(scope="module")
def corpus(shared_data):
    return build_cases(shared_data)


def test_the_corpus_is_large_and_every_file_is_refused_in_one_clear_line(corpus):
    assert len(corpus) >= 30
    assert len({built.file_name for _, built in corpus}) == len(corpus)
    for case_id, built in corpus:
        with pytest.raises(InvalidInput) as refused:
            parse_trial_file(built.content, built.file_name)
        message = str(refused.value)
        assert "\n" not in message and not FORBIDDEN.search(message), (case_id, message)
        assert message.startswith(built.file_name), (case_id, message)
        assert re.search(built.message, message), (case_id, message)
        if built.line is not None:
            assert refused.value.line == built.line, (case_id, message)
        if built.record is not None:
            assert refused.value.record == built.record, (case_id, message)
        assert len(message) < 400, (case_id, message)


def test_the_corpus_changes_nothing_through_the_service_layer(engine, corpus):
    actor = curation.local_operator()
    curation.load_demo(engine, actor)
    before = (read.row_counts(engine), database_checksum(engine))
    for case_id, built in corpus:
        report = curation.import_trials(engine, actor, built.file_name, built.content, source="corpus")
        assert not report.ok and report.error.startswith(built.file_name), (case_id, report.error)
        assert not FORBIDDEN.search(report.error), (case_id, report.error)
    assert (read.row_counts(engine), database_checksum(engine)) == before


def test_the_corpus_through_the_cli_exits_1_with_one_line_per_file(engine, corpus, tmp_path):
    curation.load_demo(engine, curation.local_operator())
    before = (read.row_counts(engine), database_checksum(engine))
    folder = tmp_path / "corpus"
    folder.mkdir()
    paths = []
    for _, built in corpus:
        path = folder / built.file_name
        path.write_bytes(built.content)
        paths.append(str(path))
    env = {k: v for k, v in os.environ.items() if k != "CATALOGUE_DATABASE_URL"}
    result = subprocess.run([sys.executable, "-m", "catalogue", "--db", engine.url.render_as_string(hide_password=False),
                             "import", "trials", *paths], capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 1, result.stderr[-2000:]
    lines = result.stderr.splitlines()
    assert len(lines) == len(corpus), result.stderr[-3000:]
    for line, (case_id, built) in zip(lines, corpus):
        assert line.startswith(f"error: {built.file_name}"), (case_id, line)
        assert not FORBIDDEN.search(line), (case_id, line)
    assert result.stdout == ""
    assert (read.row_counts(engine), database_checksum(engine)) == before
