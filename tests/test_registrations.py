"""Trials of other registries in the catalogue (both databases): ICTRP imports, trials entered by hand, and one
study registered twice, counted once everywhere. Records: tests/ictrp_exports.py (sources there)."""

from __future__ import annotations

import json

import pytest

from catalogue import curation, read
from catalogue.errors import InvalidInput, NotFound
from tests.ictrp_exports import CHICTR, KARMMA_EU, export_xml, run_cli
from tests.test_ictrp import BILLION_LAUGHS

ONC = "ONC-CAR-T-Trials-Monitor_2026-08-22_trials.csv"


def _cli(url: str, *args: str):
    """The installed command line, as a user runs it (errors are one line and an exit code)."""
    return run_cli(url, *args)


def test_an_ictrp_export_imports_under_chictr_and_reimports_as_a_no_op(engine, database_url):
    actor = curation.local_operator()
    report = curation.import_trials(engine, actor, "ICTRP-Results.xml", export_xml(CHICTR))
    assert report.ok, report.error
    assert report.counts() == {"created": 3}
    trial = read.trial_record(engine, "ChiCTR2600120587")
    assert trial["registry"] == "ChiCTR"
    assert trial["registry_url"] == "https://www.chictr.org.cn/showproj.html?proj=292341"
    assert read.to_json(trial["registrations"]) == [{"registry": "ChiCTR", "registry_id": "ChiCTR2600120587",
                                       "url": "https://www.chictr.org.cn/showproj.html?proj=292341", "archived": False}]
    assert read.trial_detail(engine, "ChiCTR2600122319")["targets"] == ["CD19"]
    assert read.stats(engine)["targets"]["BCMA"]["trials"] == 1
    page = read.trial_page(engine, limit=10)
    assert set(page.rows["registry_id"]) == {c["TrialID"] for c in CHICTR}
    assert all(url.startswith("https://www.chictr.org.cn/") for url in page.rows["registry_url"])

    before = read.row_counts(engine)
    again = curation.import_trials(engine, actor, "ICTRP-Results.xml", export_xml(CHICTR))
    assert again.ok and again.counts() == {"unchanged": 3}
    after = read.row_counts(engine)
    assert {k: v for k, v in after.items() if k not in ("trialimport", "trialchange")} == {
        k: v for k, v in before.items() if k not in ("trialimport", "trialchange")}

    result = _cli(database_url, "show", "trial", "ChiCTR1900021153", "--json")
    shown = json.loads(result.stdout)
    assert shown["registry"] == "ChiCTR" and shown["targets"] == ["BCMA"] and shown["study"] == "ChiCTR1900021153"


@pytest.mark.parametrize("content", [BILLION_LAUGHS, export_xml(CHICTR)[:-60]])
def test_broken_or_hostile_xml_writes_nothing(engine, database_url, tmp_path, content):
    before = read.row_counts(engine)
    report = curation.import_trials(engine, curation.local_operator(), "ICTRP-Results.xml", content)
    assert not report.ok and report.error.startswith("ICTRP-Results.xml")
    assert read.row_counts(engine) == before
    path = tmp_path / "ICTRP-Results.xml"
    path.write_bytes(content)
    result = _cli(database_url, "import", "trials", str(path))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert read.row_counts(engine) == before


def test_a_study_registered_twice_counts_once_everywhere(engine, database_url, shared_data):
    actor = curation.local_operator()
    from catalogue.drafts import ConstructDraft

    curation.save_construct(engine, actor, ConstructDraft(name="ide-cel", aliases=["bb2121"], targets=["BCMA"]))
    assert curation.import_trials(engine, actor, ONC, (shared_data / "trials" / ONC).read_bytes()).ok  # links bb2121

    def counts():
        stats = read.stats(engine)
        return {
            "stats_bcma": stats["targets"]["BCMA"]["trials"],
            "stats_total": stats["totals"]["trials"],
            "enrollment": (stats["totals"]["enrollment_unknown"] or 0) + (stats["totals"]["enrollment_estimated"] or 0)
            + (stats["totals"]["enrollment_actual"] or 0),
            "portfolio": read.portfolio(engine)["tiles"]["trials"],
            "per_target": int(read.portfolio(engine)["per_target"].set_index("target").loc["BCMA", "trials"]),
            "overview": int(read.targets_overview(engine).set_index("target").loc["BCMA", "trials"]),
            "target_page": read.target_detail(engine, "BCMA")["trial_count"],
            "trials_page": read.trial_page(engine, limit=0).total,
            "bcma_trials_page": read.trial_page(engine, limit=0, target="BCMA").total,
            "construct_trials": len(read.construct_detail(engine, "ide-cel")["trials"]),
            "construct_row": int(read.construct_page(engine, limit=50).rows.set_index("name").loc["ide-cel", "trials"]),
        }

    alone = counts()
    assert alone["construct_trials"] == alone["construct_row"] > 0
    report = curation.import_trials(engine, actor, "ICTRP-EU.xml", export_xml([KARMMA_EU]))
    assert report.ok, report.error
    assert counts() == alone  # KarMMa's EU registration names NCT03361748: one study, counted once

    eu = read.trial_record(engine, "2017-002245-29")
    assert eu["registry"] == "EU CTR" and eu["study"] == "NCT03361748"  # the ClinicalTrials.gov record stands for it
    assert [r["registry_id"] for r in eu["registrations"]] == ["2017-002245-29", "NCT03361748"]
    assert eu["registrations"][1]["url"] == "https://clinicaltrials.gov/study/NCT03361748"
    karmma = read.trial_page(engine, limit=100, target="BCMA", sponsor="Celgene")
    row = karmma.rows.set_index("registry_id").loc["NCT03361748"]
    assert row["also_registered_as"] == "2017-002245-29"

    result = _cli(database_url, "unlink-trials", "NCT03361748", "2017-002245-29", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["registrations"] == ["NCT03361748"]
    separate = counts()
    assert separate["stats_total"] == alone["stats_total"] + 1 and separate["stats_bcma"] == alone["stats_bcma"] + 1
    assert curation.import_trials(engine, actor, "ICTRP-EU.xml", export_xml([KARMMA_EU])).ok
    assert counts() == separate  # a curator's unlink survives the record naming the other ID again

    result = _cli(database_url, "link-trials", "2017-002245-29", "NCT03361748")
    assert result.exit_code == 0 and "linked (updated)" in result.output
    assert counts() == alone
    # archiving the record that stands for the study leaves the other to stand for it
    curation.set_archived(engine, actor, "trial", "NCT03361748", True)
    assert read.trial_record(engine, "2017-002245-29")["study"] == "2017-002245-29"
    assert read.stats(engine)["totals"]["trials"] == alone["stats_total"]


def test_links_are_for_curators_between_live_trials(engine):
    actor = curation.local_operator()
    curation.import_trials(engine, actor, "ICTRP-Results.xml", export_xml(CHICTR))
    with pytest.raises(NotFound):
        curation.link_registrations(engine, actor, "ChiCTR2600120587", "NCT00000000")
    with pytest.raises(InvalidInput, match="itself"):
        curation.link_registrations(engine, actor, "ChiCTR2600120587", "ChiCTR2600120587")
    curation.add_account(engine, actor, "reader", "viewer", password="a long enough password")
    with pytest.raises(curation.PermissionDenied):
        curation.link_registrations(engine, curation.actor_for(engine, "reader"), "ChiCTR2600120587",
                                    "ChiCTR1900021153")


def test_a_curator_adds_a_trial_of_any_registry_by_hand(engine, database_url):
    result = _cli(database_url, "add", "trial", "ChiCTR2600122319", "--registry", "ChiCTR", "--title",
                  CHICTR[2]["Public_title"], "--condition", "Systemic lupus erythematosus", "--json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["registry"] == "ChiCTR" and shown["targets"] == ["CD19"] and shown["indication"] == "SLE"
    assert shown["registrations"][0]["url"] == "https://www.chictr.org.cn/searchprojEN.html?regno=ChiCTR2600122319"

    # the ID is checked for its registry, and the trial must be new; nothing is written otherwise
    before = read.row_counts(engine)
    for args, message in [
        (["ChiCTR12", "--title", "x"], "not a registry ID"),
        (["NCT03361748", "--registry", "ChiCTR", "--title", "x"], "not a ChiCTR one"),
        (["ChiCTR2600122319", "--title", "again"], "already in the catalogue"),
        (["2017-002245-29", "--start-date", "someday", "--title", "x"], "not a date"),
        (["2017-002245-29"], "needs its title"),
    ]:
        result = _cli(database_url, "add", "trial", *args)
        assert result.exit_code == 1 and message in result.output, (args, result.output)
    assert read.row_counts(engine) == before

    result = _cli(database_url, "add", "trial", "EUCTR2017-002245-29-FR", "--title", KARMMA_EU["Public_title"],
                  "--secondary-id", "NCT03361748", "--target", "BCMA", "--phase", "Phase 2")
    assert result.exit_code == 0, result.output
    trial = read.trial_detail(engine, "2017-002245-29")
    assert trial["registry"] == "EU CTR" and trial["phases"] == ["PHASE2"] and trial["targets_curated"]
    assert trial["secondary_ids"] == ["NCT03361748"]
