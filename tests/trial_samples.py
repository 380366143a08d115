"""Real rows of the trial-monitor snapshots, for tests that build trial files from them."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ONCOLOGY = "ONC-CAR-T-Trials-Monitor_2026-08-22_trials.csv"
RHEUMATOLOGY = "Rheumatology-CAR-T-Trials-Monitor_2026-08-22_trials.csv"
SITES = "Rheumatology-CAR-T-Trials-Monitor_2026-08-22_sites.csv"
METADATA = "ONC-CAR-T-Trials-Monitor_2026-08-22_metadata.json"
SAMPLE_ROWS = 12


@dataclass
class Sample:
    """Real rows of one snapshot: its header and the first rows, as lists of fields."""

    header: list[str]
    rows: list[list[str]]

    def column(self, name: str) -> int:
        return self.header.index(name)

    def row_id(self, index: int) -> str:
        return self.rows[index][self.column("NCTId")]

    def csv(self, change: Callable[[list[list[str]]], None] | None = None) -> tuple[bytes, list[int]]:
        """The rows as CSV (after ``change``), and each row's first line."""
        rows = [list(row) for row in self.rows]
        if change:
            change(rows)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.header)
        lines = []
        for row in rows:
            lines.append(out.getvalue().count("\n") + 1)
            writer.writerow(row)
        return out.getvalue().encode("utf-8"), lines

    def with_value(self, index: int, column: str, value: str) -> tuple[bytes, int, str]:
        """CSV bytes with one cell replaced; the line and registry ID of its row."""

        def change(rows):
            rows[index][self.column(column)] = value

        content, lines = self.csv(change)
        return content, lines[index], self.row_id(index)

    def studies(self) -> list[dict]:
        """The rows as ClinicalTrials.gov API v2 studies (the fields the v2 format has)."""
        studies = []
        for row in self.rows:
            value = dict(zip(self.header, row))
            count = value["EnrollmentCount"]
            studies.append({"protocolSection": {
                "identificationModule": {"nctId": value["NCTId"], "briefTitle": value["BriefTitle"]},
                "statusModule": {"overallStatus": value["OverallStatus"],
                                 "startDateStruct": {"date": value["StartDate"]},
                                 "lastUpdatePostDateStruct": {"date": value["LastUpdatePostDate"]}},
                "sponsorCollaboratorsModule": {"leadSponsor": {"name": value["LeadSponsor"]}},
                "descriptionModule": {"briefSummary": value["BriefSummary"]},
                "conditionsModule": {"conditions": [c for c in value["Conditions"].split("|") if c]},
                "designModule": {"phases": [p for p in value["Phase"].split("|") if p],
                                 "enrollmentInfo": {"count": int(float(count)) if count else None}},
                "armsInterventionsModule": {"interventions": [{"name": i} for i in value["Interventions"].split("|")
                                                              if i]},
                "contactsLocationsModule": {"locations": [{"country": c} for c in value["Countries"].split("|")
                                                          if c]},
            }})
        return studies


def sample(shared_data: Path, name: str) -> Sample:
    text = (shared_data / "trials" / name).read_text(encoding="utf-8")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    return Sample(header, [row for _, row in zip(range(SAMPLE_ROWS), reader)])
