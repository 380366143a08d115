"""`catalogue fetch trials` for real, against a ClinicalTrials.gov API v2 stand-in that the tests start on 127.0.0.1.

The stand-in serves /api/v2/studies pages built from rows of the shared rheumatology snapshot (ClinicalTrials.gov
records, written back in the API's v2 shape), follows pageSize and pageToken, and can answer a page with a 429
and Retry-After, a 500, or a body cut short before it answers properly. No mock of the HTTP client: the CLI's
own urllib requests go over the loopback interface. Both databases.
"""

from __future__ import annotations

import csv
import http.server
import json
import threading
import urllib.parse
from datetime import date

import pytest

from catalogue import read
from tests.ictrp_exports import run_cli

RHEUM = "Rheumatology-CAR-T-Trials-Monitor_2026-08-22_trials.csv"


def v2_study(row: dict[str, str]) -> dict:
    """A snapshot row (a ClinicalTrials.gov record) in the API v2 shape the monitors read it from."""
    split = lambda value: [v for v in value.split("|") if v]  # noqa: E731
    count = row["EnrollmentCount"].strip()
    enrollment = {"count": int(float(count))} | ({"type": row["EnrollmentType"]} if row.get("EnrollmentType") else {})
    return {"protocolSection": {
        "identificationModule": {"nctId": row["NCTId"], "briefTitle": row["BriefTitle"]},
        "statusModule": {"overallStatus": row["OverallStatus"], "startDateStruct": {"date": row["StartDate"]},
                         "lastUpdatePostDateStruct": {"date": row["LastUpdatePostDate"]}},
        "designModule": {"phases": split(row["Phase"]), **({"enrollmentInfo": enrollment} if count else {})},
        "conditionsModule": {"conditions": split(row["Conditions"])},
        "armsInterventionsModule": {"interventions": [{"name": n} for n in split(row["Interventions"])]},
        "descriptionModule": {"briefSummary": row["BriefSummary"]},
        "sponsorCollaboratorsModule": {"leadSponsor": {"name": row["LeadSponsor"]}},
        "contactsLocationsModule": {"locations": [{"country": c} for c in split(row["Countries"])]},
    }}


class Registry(http.server.BaseHTTPRequestHandler):
    """The /studies endpoint: ``studies`` paged by pageSize/pageToken; ``faults[page]`` answered first, in order."""

    studies: list[dict] = []
    faults: dict[int, list[str]] = {}
    requests: list[str] = []

    def do_GET(self):  # noqa: N802
        cls = type(self)
        cls.requests.append(self.path)
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
        size = int(query.get("pageSize", "100"))
        page = int(query.get("pageToken", "p0")[1:])
        pending = cls.faults.get(page, [])
        if pending:
            fault = pending.pop(0)
            if fault.startswith("429"):
                return self._answer(429, b'{"message": "Too many requests"}', {"Retry-After": fault.split(":")[1]})
            if fault == "500":
                return self._answer(500, b"Internal Server Error", {"Retry-After": "0"})
            if fault == "truncated":
                body = json.dumps({"studies": cls.studies[page * size:(page + 1) * size]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])  # the connection closes mid-body
                return None
        chunk = cls.studies[page * size:(page + 1) * size]
        answer = {"studies": chunk}
        if (page + 1) * size < len(cls.studies):
            answer["nextPageToken"] = f"p{page + 1}"
        return self._answer(200, json.dumps(answer).encode(), {"Content-Type": "application/json"})

    def _answer(self, code: int, body: bytes, headers: dict[str, str]):
        self.send_response(code)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def rows(shared_data) -> list[dict[str, str]]:
    with (shared_data / "trials" / RHEUM).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def registry():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Registry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Registry.studies, Registry.faults, Registry.requests = [], {}, []
    yield f"http://127.0.0.1:{server.server_address[1]}/api/v2/studies"
    server.shutdown()
    server.server_close()


def test_fetch_pages_through_429_500_and_a_cut_short_body(engine, database_url, registry, rows):
    chosen = rows[:250]
    Registry.studies = [v2_study(r) for r in chosen]
    Registry.faults = {1: ["429:1"], 2: ["truncated", "500"]}
    result = run_cli(database_url, "fetch", "trials", "--query", "CAR-T lupus", "--base-url", registry, "--json")
    assert result.exit_code == 0, result.output
    (report,) = json.loads(result.stdout)["files"]
    assert report["ok"] and report["counts"] == {"created": 250}
    pages = [urllib.parse.parse_qs(urllib.parse.urlsplit(p).query).get("pageToken", [""])[0] for p in Registry.requests]
    assert pages == ["", "p1", "p1", "p2", "p2", "p2"]  # each fault answered, then the page asked again
    assert all("query.term=CAR-T+lupus" in p for p in Registry.requests)

    changes = json.loads(run_cli(database_url, "changes", "--import", str(report["import"]), "--json").stdout)
    (entry,) = changes["imports"]
    assert entry["kind"] == "fetch" and entry["created"] == 250 and "CAR-T lupus" in entry["source"]
    assert {c["registry_id"] for c in changes["changes"]} == {r["NCTId"] for r in chosen}
    lupus = read.trial_detail(engine, chosen[0]["NCTId"])
    assert lupus["record_source"].startswith("ClinicalTrials.gov API v2")
    assert lupus["snapshot_date"] == date.today().isoformat()  # the registry as read today
    assert lupus["overall_status"] == chosen[0]["OverallStatus"]


def test_a_second_run_reports_updates_and_trials_no_longer_listed(engine, database_url, registry, rows):
    Registry.studies = [v2_study(r) for r in rows[:120]]
    first = json.loads(run_cli(database_url, "fetch", "trials", "--query", "lupus", "--base-url", registry,
                               "--json").stdout)["files"][0]
    moved = dict(rows[0], OverallStatus="COMPLETED" if rows[0]["OverallStatus"] != "COMPLETED" else "TERMINATED")
    Registry.studies = [v2_study(moved)] + [v2_study(r) for r in rows[1:110]]  # the last ten are gone
    partial = json.loads(run_cli(database_url, "fetch", "trials", "--query", "lupus", "--base-url", registry,
                                 "--max-pages", "1", "--json").stdout)["files"][0]
    assert "absent" not in partial["counts"]  # a partial read says nothing about what is no longer listed
    second = json.loads(run_cli(database_url, "fetch", "trials", "--query", "lupus", "--base-url", registry,
                                "--json").stdout)["files"][0]
    # the status moved in the partial run already; absent: against the last complete run, not the partial one
    assert second["counts"] == {"unchanged": 110, "absent": 10}
    changes = read.trial_changes(engine, after_import=first["import"])
    assert [c["fields"]["overall_status"] for c in changes["changes"]] == [
        {"before": rows[0]["OverallStatus"], "after": moved["OverallStatus"]}]
    assert {a["registry_id"] for a in changes["absent"]} == {r["NCTId"] for r in rows[110:120]}


@pytest.mark.parametrize(("faults", "message"), [
    ({0: ["500"] * 4}, "HTTP 500"),
    ({0: ["429:3600"]}, "asks to wait 3600 s"),
    ({1: ["truncated"] * 4}, "cut short"),
])
def test_a_registry_that_keeps_failing_exits_4_and_writes_nothing(engine, database_url, registry, rows, faults,
                                                                   message):
    Registry.studies = [v2_study(r) for r in rows[:150]]
    Registry.faults = {page: list(answers) for page, answers in faults.items()}  # the server uses them up
    before = read.row_counts(engine)
    result = run_cli(database_url, "fetch", "trials", "--query", "lupus", "--base-url", registry)
    assert result.exit_code == 4, result.output
    assert message in result.output and "Traceback" not in result.output and len(result.output.splitlines()) == 1
    assert read.row_counts(engine) == before  # the first page was read, but nothing is written without the rest


def test_the_endpoint_can_be_set_in_the_environment(database_url, registry, rows, monkeypatch):
    Registry.studies = [v2_study(r) for r in rows[:3]]
    monkeypatch.setenv("CATALOGUE_CTGOV_API_URL", registry)
    result = run_cli(database_url, "fetch", "trials", "--query", "lupus")
    assert result.exit_code == 0 and "3 created" in result.output, result.output
