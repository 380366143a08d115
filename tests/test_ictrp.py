"""WHO ICTRP exports (XML and CSV) and registry IDs: parsing only, no database. Records: tests/ictrp_exports.py."""

from __future__ import annotations

import csv

import pytest

from catalogue.errors import InvalidInput
from catalogue.parse.ictrp import ictrp_date, ictrp_phases, target_size
from catalogue.parse.registry_ids import checked_registry_id, normalise_registry_id, registry_ids_in, registry_url
from catalogue.parse.trials import parse_trial_file
from tests.ictrp_exports import CHICTR, KARMMA_EU, export_csv, export_xml, from_monitor_row

RHEUM = "Rheumatology-CAR-T-Trials-Monitor_2026-08-22_trials.csv"


@pytest.fixture(scope="module")
def monitor_rows(shared_data) -> dict[str, dict[str, str]]:
    with (shared_data / "trials" / RHEUM).open(encoding="utf-8-sig", newline="") as handle:
        return {row["NCTId"]: row for row in csv.DictReader(handle)}


def test_chictr_records_are_stored_under_chictr_with_their_page():
    drafts = {d.registry_id: d for d in parse_trial_file(export_xml(CHICTR), "ICTRP-Results.xml")}
    assert set(drafts) == {"ChiCTR1900021153", "ChiCTR2600120587", "ChiCTR2600122319"}
    assert {d.registry for d in drafts.values()} == {"ChiCTR"}
    assert drafts["ChiCTR2600120587"].url == "https://www.chictr.org.cn/showproj.html?proj=292341"
    assert drafts["ChiCTR2600122319"].url is None  # no web_address: the registry table's URL is used
    assert registry_url("ChiCTR", "ChiCTR2600122319").startswith("https://www.chictr.org.cn/")
    assert drafts["ChiCTR1900021153"].last_update == "2019-01-30"  # "30 January 2019"
    assert drafts["ChiCTR1900021153"].snapshot_date == "2026-08-28"  # Export_date, month first
    # classified from the titles: a BCMA CAR-T for plasma cell malignancies, a CD19 CAR-T for lupus, and a
    # myasthenia gravis CAR-T whose titles name no target
    assert drafts["ChiCTR1900021153"].targets == ["BCMA"]
    assert drafts["ChiCTR2600122319"].targets == ["CD19"] and drafts["ChiCTR2600122319"].indication == "SLE"
    assert drafts["ChiCTR2600120587"].targets == [] and drafts["ChiCTR2600120587"].indication == "MG"
    assert all(d.modality == "CAR-T" for d in drafts.values())
    # fields the export leaves empty are not recorded, never 0
    assert drafts["ChiCTR2600120587"].enrollment_count is None and drafts["ChiCTR2600120587"].overall_status is None


def test_the_scientific_title_is_read_too():
    public_only = dict(CHICTR[2], Scientific_title="")
    science_only = dict(CHICTR[2], Public_title="")
    (from_public,) = parse_trial_file(export_xml([public_only]), "a.xml")
    (from_science,) = parse_trial_file(export_xml([science_only]), "b.xml")
    assert from_public.targets == from_science.targets == ["CD19"]
    assert from_science.title == CHICTR[2]["Scientific_title"]


def test_fields_inside_main_and_in_any_case_read_the_same():
    flat = parse_trial_file(export_xml(CHICTR), "flat.xml")
    in_main = parse_trial_file(export_xml(CHICTR, main_block=True), "main.xml")
    lower = export_xml(CHICTR).replace(b"<Public_title>", b"<PUBLIC_TITLE>").replace(b"</Public_title>", b"</PUBLIC_TITLE>")
    assert [d.title for d in flat] == [d.title for d in in_main] == [d.title for d in parse_trial_file(lower, "l.xml")]


def test_monitor_rows_as_ictrp_records_read_as_the_monitor_file_does(shared_data, monitor_rows):
    chosen = [monitor_rows[i] for i in sorted(monitor_rows)[:40]]
    from_ictrp = {d.registry_id: d for d in parse_trial_file(export_xml([from_monitor_row(r) for r in chosen]), "x.xml")}
    from_csv = {d.registry_id: d for d in parse_trial_file((shared_data / "trials" / RHEUM).read_bytes(), RHEUM)}
    assert len(from_ictrp) == 40
    for registry_id, draft in from_ictrp.items():
        monitor = from_csv[registry_id]
        assert draft.registry == "ClinicalTrials.gov"
        for name in ("phases", "overall_status", "conditions", "interventions", "countries", "start_date",
                     "enrollment_count", "lead_sponsor", "last_update", "indication"):
            assert getattr(draft, name) == getattr(monitor, name), (registry_id, name)
        # ICTRP carries no summary: targets named only there are not found, none is invented
        assert set(draft.targets) <= set(monitor.targets), registry_id
    as_csv = {d.registry_id: d for d in parse_trial_file(export_csv([from_monitor_row(r) for r in chosen]), "x.csv")}
    assert {k: (d.title, d.phases, d.targets) for k, d in as_csv.items()} == {
        k: (d.title, d.phases, d.targets) for k, d in from_ictrp.items()}


def test_an_eu_record_names_its_other_registration():
    (draft,) = parse_trial_file(export_xml([KARMMA_EU]), "eu.xml")
    assert (draft.registry, draft.registry_id) == ("EU CTR", "2017-002245-29")
    assert draft.secondary_ids == ["NCT03361748"]  # the sponsor's protocol code is not a registration
    assert draft.targets == ["BCMA"]  # bb2121 is ide-cel
    assert registry_url(draft.registry, draft.registry_id) == (
        "https://www.clinicaltrialsregister.eu/ctr-search/search?query=2017-002245-29")


@pytest.mark.parametrize(("raw", "phases"), [
    ("Phase 1", ["PHASE1"]), ("1", ["PHASE1"]), ("I", ["PHASE1"]), ("Phase I/II", ["PHASE1", "PHASE2"]),
    ("1-2", ["PHASE1", "PHASE2"]), ("II-III", ["PHASE2", "PHASE3"]), ("Phase-3", ["PHASE3"]), ("N/A", ["NA"]),
    ("0", ["EARLY_PHASE1"]), ("Phase 1 / Phase 2", ["PHASE1", "PHASE2"]),
    ("Human pharmacology (Phase I): yes\nTherapeutic exploratory (Phase II): yes\n"
     "Therapeutic confirmatory - (Phase III): no\nTherapeutic use (Phase IV): no\n", ["PHASE1", "PHASE2"]),
    ("New Treatment Measure Clinical Study", []), ("Retrospective study", []), ("", []),
])
def test_ictrp_phase_words(raw, phases):
    assert ictrp_phases(raw) == phases


def test_ictrp_sizes_and_dates():
    assert target_size("60") == 60 and target_size("Capecitabine group:49;S-1 group:49;follow-up group:49;") == 147
    assert target_size("to be decided") is None
    assert ictrp_date("13/09/2026") == "2026-09-13" and ictrp_date("21-10-2013") == "2013-10-21"
    assert ictrp_date("20260920") == "2026-09-20" and ictrp_date("21 September 2026") == "2026-09-21"
    assert ictrp_date("08/28/2026 20:14:44", month_first=True) == "2026-08-28" and ictrp_date("N/A") is None
    with pytest.raises(ValueError):
        ictrp_date("soon")


@pytest.mark.parametrize(("raw", "expected"), [
    ("NCT04662099", ("ClinicalTrials.gov", "NCT04662099")),
    ("chictr2000029308", ("ChiCTR", "ChiCTR2000029308")),
    ("ChiCTR-TRC-12002205", ("ChiCTR", "ChiCTR-TRC-12002205")),
    ("EUCTR2017-002245-29-FR", ("EU CTR", "2017-002245-29")),
    ("2022-500014-26-00", ("CTIS", "2022-500014-26-00")),
    ("ISRCTN12345678", ("ISRCTN", "ISRCTN12345678")),
    ("JPRN-jRCT2031200123", ("jRCT", "jRCT2031200123")),
    ("JPRN-UMIN000012345", ("UMIN-CTR", "UMIN000012345")),
    ("CTRI/2020/03/024100", ("CTRI", "CTRI/2020/03/024100")),
    ("ACTRN12620000123456", ("ANZCTR", "ACTRN12620000123456")),
    ("DRKS00012345", ("DRKS", "DRKS00012345")),
    ("IRCT20200318046812N1", ("IRCT", "IRCT20200318046812N1")),
])
def test_registry_ids_of_each_registry(raw, expected):
    assert normalise_registry_id(raw) == expected
    assert registry_url(*expected).startswith("https://")


def test_registry_id_errors_name_the_registry():
    with pytest.raises(InvalidInput, match="not a ChiCTR ID"):
        checked_registry_id("NCT123", {"record": "NCT123"}, registry="ChiCTR")
    with pytest.raises(InvalidInput, match="is a ClinicalTrials.gov ID, not a ChiCTR one"):
        checked_registry_id("NCT04662099", {}, registry="ChiCTR")
    with pytest.raises(InvalidInput, match="not a registry this catalogue knows"):
        checked_registry_id("NCT04662099", {}, registry="Narnia")
    assert registry_ids_in("BB2121-MM-001; NCT03361748, EudraCT 2017-002245-29") == [
        ("ClinicalTrials.gov", "NCT03361748"), ("EU CTR", "2017-002245-29")]


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Trials_downloaded_from_ICTRP><Trial><TrialID>ChiCTR2600120587</TrialID><Public_title>&lol3;</Public_title></Trial>
</Trials_downloaded_from_ICTRP>"""
EXTERNAL = b"""<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<Trials_downloaded_from_ICTRP><Trial><TrialID>&x;</TrialID></Trial></Trials_downloaded_from_ICTRP>"""


@pytest.mark.parametrize(("content", "message"), [
    (BILLION_LAUGHS, "declares entities"),
    (EXTERNAL, "declares entities|external"),
    (export_xml(CHICTR)[:-60], "malformed XML.*truncated"),
    (b"<!DOCTYPE html><html><body><p>Service unavailable</body></html>", "malformed XML: mismatched tag"),
    (b"<Trials_downloaded_from_ICTRP></Trials_downloaded_from_ICTRP>", "no <Trial> records"),
    (export_xml([dict(CHICTR[0], TrialID="ChiCTR12")]), "not a ChiCTR ID"),
    (export_xml([dict(CHICTR[0], Last_Refreshed_on="someday")]), "date"),
])
def test_broken_or_hostile_xml_is_refused_with_one_clear_line(content, message):
    with pytest.raises(InvalidInput, match=message) as error:
        parse_trial_file(content, "ICTRP-Results.xml")
    assert str(error.value).startswith("ICTRP-Results.xml") and "\n" not in str(error.value)
