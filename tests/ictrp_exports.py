"""WHO ICTRP exports built for the tests from public facts, in the shape the ICTRP search portal exports.

The shape (element names, ';'-separated lists, day-first dates, "Last_Refreshed_on" as "21 September 2026",
"Export_date" month first) is that of the portal's "Export results to XML" (``<Trials_downloaded_from_ICTRP>``),
as documented from real exports; the values are facts with their source:

* CHICTR: three ChiCTR records, each as its public ChiCTR page gives it (registration number, titles, dates,
  page address). Fields their pages show but we did not read (status, sample size) are left empty, as ICTRP
  leaves a field the registry did not give.
* :func:`from_monitor_row`: a row of the shared CAR-T Trials Monitor snapshots (ClinicalTrials.gov records)
  written as ICTRP carries a ClinicalTrials.gov record.
* KARMMA_EU: the EU Clinical Trials Register's record of KarMMa (EudraCT 2017-002245-29, sponsor's protocol
  code BB2121-MM-001: clinicaltrialsregister.eu/ctr-search/trial/2017-002245-29/FR), whose report gives both
  its numbers, "ClinicalTrials.gov number, NCT03361748; EudraCT number, 2017-002245-29" (Munshi et al.,
  N Engl J Med 2021;384:705-16). Its title is the trial's official title (clinicaltrials.gov/study/NCT03361748).
"""

from __future__ import annotations

from xml.sax.saxutils import escape

CHICTR = [
    {   # https://www.chictr.org.cn/hvshowproject.html?id=193699 (Tongji Medical College, HUST, Wuhan)
        "TrialID": "ChiCTR1900021153",
        "Last_Refreshed_on": "30 January 2019",
        "Public_title": "An open-label, single-center and randomized controlled trial for anti-BCMA CAR-T cells with "
                        "chemotherapy agents conditioning for patients with R/R plasma cell malignancies",
        "Scientific_title": "An open-label, single-center and randomized controlled trial for anti-BCMA CAR-T cells "
                            "with chemotherapy agents conditioning for patients with R/R plasma cell malignancies",
        "Date_registration": "2019-01-30",
        "Source_Register": "ChiCTR",
        "web_address": "https://www.chictr.org.cn/hvshowproject.html?id=193699",
    },
    {   # https://www.chictr.org.cn/showproj.html?proj=292341 (Shanghai)
        "TrialID": "ChiCTR2600120587",
        "Last_Refreshed_on": "17 March 2026",
        "Public_title": "Chimeric Antigen Receptor T-Cell Immunotherapy for Refractory Myasthenia Gravis",
        "Scientific_title": "Chimeric Antigen Receptor T-Cell Immunotherapy for Refractory Myasthenia Gravis",
        "Date_registration": "2026-03-17",
        "Source_Register": "ChiCTR",
        "web_address": "https://www.chictr.org.cn/showproj.html?proj=292341",
    },
    {   # ChiCTR2600122319, registered 2026-04-12 (retrospective registration), Zhanjiang
        "TrialID": "ChiCTR2600122319",
        "Last_Refreshed_on": "12 April 2026",
        "Public_title": "Clinical study on the safety and efficacy of humanized chimeric antigen receptor gene modified "
                        "T cell therapy targeting CD19 for relapse/refractory systemic lupus erythematosus",
        "Scientific_title": "Clinical study on the safety and efficacy of humanized chimeric antigen receptor gene "
                            "modified T cell therapy targeting CD19 for relapse/refractory systemic lupus erythematosus",
        "Date_registration": "2026-04-12",
        "Source_Register": "ChiCTR",
    },
]

KARMMA_EU = {
    "TrialID": "EUCTR2017-002245-29-FR",
    "Public_title": "A Phase 2, Multicenter Study to Determine the Efficacy and Safety of bb2121 in Subjects With "
                    "Relapsed and Refractory Multiple Myeloma",
    "Scientific_title": "A Phase 2, Multicenter Study to Determine the Efficacy and Safety of bb2121 in Subjects With "
                        "Relapsed and Refractory Multiple Myeloma",
    "Date_registration": "12/12/2017",  # first entered in EudraCT (France), day first as ICTRP writes EU CTR dates
    "Source_Register": "EU Clinical Trials Register",
    "Secondary_ID": "BB2121-MM-001;NCT03361748",
    "Condition": "Relapsed and Refractory Multiple Myeloma",
    "Intervention": "bb2121",
}

_WORDS = {"ACTIVE_NOT_RECRUITING": "Active, not recruiting", "NOT_YET_RECRUITING": "Not yet recruiting"}


def from_monitor_row(row: dict[str, str]) -> dict[str, str]:
    """A CAR-T Trials Monitor row (a ClinicalTrials.gov record) as the ICTRP export carries it."""
    status = row["OverallStatus"]
    count = row["EnrollmentCount"].strip()
    phase = row["Phase"].replace("PHASE", "Phase ").replace("|", "/") if row["Phase"] not in ("NA", "") else "N/A"
    year, month, day = (row["LastUpdatePostDate"].split("-") + ["", ""])[:3]
    months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December"]
    return {
        "TrialID": row["NCTId"],
        "Last_Refreshed_on": f"{int(day)} {months[int(month) - 1]} {year}" if day else "",
        "Public_title": row["BriefTitle"],
        "Primary_sponsor": row["LeadSponsor"],
        "Source_Register": "ClinicalTrials.gov",
        "web_address": f"https://clinicaltrials.gov/show/{row['NCTId']}",
        "Recruitment_Status": _WORDS.get(status, status.replace("_", " ").capitalize()),
        "Target_size": str(int(float(count))) if count else "",
        "Date_enrollement": row["StartDate"],
        "Phase": phase,
        "Countries": ";".join(row["Countries"].split("|")) if row["Countries"] else "",
        "Condition": ";".join(row["Conditions"].split("|")),
        "Intervention": ";".join(row["Interventions"].split("|")),
    }


def export_xml(records: list[dict[str, str]], *, export_date: str = "08/28/2026 20:14:44", main_block: bool = False) -> bytes:
    """An ICTRP XML export of ``records``; with ``main_block`` the fields sit inside <Main> (registries' form)."""
    trials = []
    for record in records:
        fields = "".join(
            f"<{name}>{escape(value)}</{name}>" if value else f"<{name}/>"
            for name, value in {"Export_date": export_date, **record}.items()
        )
        trials.append(f"<Trial><Main>{fields}</Main></Trial>" if main_block else f"<Trial>{fields}</Trial>")
    return ("<?xml version='1.0' encoding='UTF-8' ?>\n<Trials_downloaded_from_ICTRP>\n"
            + "\n".join(trials) + "\n</Trials_downloaded_from_ICTRP>\n").encode("utf-8")


def export_csv(records: list[dict[str, str]]) -> bytes:
    """The CSV form: one column per field, headers spaced as the portal's CSV writes them ("Public title")."""
    import csv
    import io

    names = list(dict.fromkeys(name for record in records for name in record))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([name.replace("_", " ") for name in names])
    for record in records:
        writer.writerow([record.get(name, "") for name in names])
    return out.getvalue().encode("utf-8")


class CliResult:
    def __init__(self, completed):
        self.exit_code = completed.returncode
        self.output = completed.stdout + completed.stderr
        self.stdout = completed.stdout


def run_cli(url: str, *args: str) -> CliResult:
    """``catalogue --db URL ARGS...`` in a subprocess, as a user runs it."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "CATALOGUE_DATABASE_URL"}
    completed = subprocess.run([sys.executable, "-m", "catalogue", "--db", url, *args], capture_output=True,
                               text=True, env=env, timeout=600)
    return CliResult(completed)
