"""What changed between two real snapshots of the oncology monitor (2026-05-15, 2026-08-22), on both databases.

The expected sets are computed here from the two CSV files themselves, by NCTId: the trials only the newer
file lists, those whose OverallStatus or EnrollmentCount differ, and those the newer file no longer lists.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from catalogue import curation, read
from catalogue.curation.import_history import listing_of
from tests.ictrp_exports import run_cli

OLDER = "ONC-CAR-T-Trials-Monitor_2026-05-15_trials.csv"
NEWER = "ONC-CAR-T-Trials-Monitor_2026-08-22_trials.csv"


def _rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {row["NCTId"].strip(): row for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def expected(shared_data):
    older, newer = _rows(shared_data / "trials" / OLDER), _rows(shared_data / "trials" / NEWER)
    both = older.keys() & newer.keys()

    def count(value: str) -> int | None:
        return int(float(value)) if value.strip() else None

    return {
        "new": newer.keys() - older.keys(),
        "absent": older.keys() - newer.keys(),
        "status": {i: (older[i]["OverallStatus"], newer[i]["OverallStatus"]) for i in both
                   if older[i]["OverallStatus"] != newer[i]["OverallStatus"]},
        "enrollment": {i: (count(older[i]["EnrollmentCount"]), count(newer[i]["EnrollmentCount"])) for i in both
                       if count(older[i]["EnrollmentCount"]) != count(newer[i]["EnrollmentCount"])},
        "same_version_status": {i for i in both if older[i]["OverallStatus"] != newer[i]["OverallStatus"]
                                and older[i]["LastUpdatePostDate"] == newer[i]["LastUpdatePostDate"]},
    }


def _cli(url: str, *args: str):
    return run_cli(url, *args)


def test_the_two_snapshots_share_one_listing():
    assert listing_of(OLDER) == listing_of(NEWER) == "ONC-CAR-T-Trials-Monitor_trials.csv"
    assert listing_of(NEWER, "CAR-T monitor") == "CAR-T monitor"


def test_changes_report_exactly_what_the_two_files_show(engine, database_url, shared_data, expected):
    assert expected["same_version_status"], "the files hold status moves without a new record version"
    older = curation.import_trials(engine, curation.local_operator(), OLDER, (shared_data / "trials" / OLDER).read_bytes())
    newer = curation.import_trials(engine, curation.local_operator(), NEWER, (shared_data / "trials" / NEWER).read_bytes())
    assert older.ok and newer.ok, (older.error, newer.error)

    result = _cli(database_url, "changes", "--import", str(newer.import_id), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) >= {"imports", "changes"}
    (entry,) = report["imports"]
    assert set(entry) >= {"id", "at", "source", "created", "updated", "unchanged"}
    assert entry["id"] == newer.import_id and entry["source"] == NEWER
    for change in report["changes"]:
        assert set(change) == {"import", "registry_id", "change", "fields"} and change["change"] in ("new", "updated")

    new = {c["registry_id"] for c in report["changes"] if c["change"] == "new"}
    assert new == expected["new"] and entry["created"] == len(expected["new"])
    status = {c["registry_id"]: (c["fields"]["overall_status"]["before"], c["fields"]["overall_status"]["after"])
              for c in report["changes"] if "overall_status" in c["fields"]}
    assert status == expected["status"]  # including the registry's moves to UNKNOWN at the same version
    enrollment = {c["registry_id"]: (c["fields"]["enrollment_count"]["before"], c["fields"]["enrollment_count"]["after"])
                  for c in report["changes"] if "enrollment_count" in c["fields"]}
    assert enrollment == expected["enrollment"]
    assert {a["registry_id"] for a in report["absent"]} == expected["absent"] and entry["absent"] == len(expected["absent"])
    assert entry["created"] + entry["updated"] + entry["unchanged"] == len(_rows(shared_data / "trials" / NEWER))

    # the catalogue now holds the newer snapshot's status, also where the record's version did not move
    for registry_id in expected["same_version_status"]:
        assert read.trial_detail(engine, registry_id)["overall_status"] == expected["status"][registry_id][1]

    # --since: both imports are from today; a date after today has none
    both = json.loads(_cli(database_url, "changes", "--since", "2000-01-01", "--json").stdout)
    assert [i["id"] for i in both["imports"]] == [older.import_id, newer.import_id]
    assert json.loads(_cli(database_url, "changes", "--since", "2999-01-01", "--json").stdout)["imports"] == []
    assert _cli(database_url, "changes", "--since", "yesterday").exit_code == 2
    text = _cli(database_url, "changes", "--import", str(newer.import_id)).output
    assert f"import {newer.import_id}" in text and "overall_status" in text


def test_importing_the_older_snapshot_again_changes_nothing(engine, shared_data):
    actor = curation.local_operator()
    for name in (OLDER, NEWER):
        curation.import_trials(engine, actor, name, (shared_data / "trials" / name).read_bytes())
    again = curation.import_trials(engine, actor, OLDER, (shared_data / "trials" / OLDER).read_bytes())
    assert again.ok and set(again.counts()) <= {"unchanged", "older", "absent"}, again.counts()
    recorded = read.trial_changes(engine, import_id=again.import_id)
    assert recorded["changes"] == []  # an older snapshot never overwrites a newer one
    newly_absent = {a["registry_id"] for a in recorded["absent"]}  # the older file lacks the 98 new trials
    assert len(newly_absent) == recorded["imports"][0]["absent"] > 0


def test_the_change_table_splits_changes_by_kind_and_filters_by_target(engine, shared_data, expected):
    actor = curation.local_operator()
    for name in (OLDER, NEWER):
        curation.import_trials(engine, actor, name, (shared_data / "trials" / name).read_bytes())
    imports = read.trial_imports(engine)
    table = read.change_table(engine, after_import=imports[-1]["id"], until_import=imports[0]["id"])
    assert set(table.loc[table["kind"] == "new trial", "registry_id"]) == expected["new"]
    assert set(table.loc[table["kind"] == "status", "registry_id"]) == set(expected["status"])
    enrollment = table[(table["kind"] == "enrollment") & (table["field"] == "enrollment_count")]
    assert set(enrollment["registry_id"]) == set(expected["enrollment"])
    cd19 = read.change_table(engine, after_import=imports[-1]["id"], target="CD19")
    assert len(cd19) and all("CD19" in t.split(", ") for t in cd19["targets"])
    assert set(cd19["registry_id"]) < set(table["registry_id"])
