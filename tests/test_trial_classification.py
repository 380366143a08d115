"""Target classification from raw trial text: real records, product codes, false-positive guards, agreement."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalogue.parse.trial_classification import SEED_TARGETS, classify_trial
from catalogue.parse.trials import parse_trial_file, snapshot_labels
from tools.classification_agreement import agreement_report, label_targets, render_agreement_doc

ONC = "ONC-CAR-T-Trials-Monitor_2026-08-22_trials.csv"
RHEUM = "Rheumatology-CAR-T-Trials-Monitor_2026-08-22_trials.csv"
UNION = "Union Hospital, Tongji Medical College, Huazhong University of Science and Technology"


@pytest.fixture(scope="module")
def drafts(shared_data: Path) -> dict[str, list]:
    return {name: parse_trial_file((shared_data / "trials" / name).read_bytes(), name) for name in (ONC, RHEUM)}


@pytest.fixture(scope="module")
def by_id(drafts) -> dict:
    return {d.registry_id: d for name in (RHEUM, ONC) for d in drafts[name]}


# The 40 Union Hospital (Wuhan) trials: targets judged on each record's text (or the named product source).
UNION_TARGETS = {
    "NCT04007978": ["CD22"],  # "Anti-CD22 CAR-Modified T Cell Therapy"
    "NCT04008394": ["CD30"],  # "Anti-CD30 CAR-T Therapy"
    "NCT04014881": ["CD123"],  # "Anti-CD123 CAR-T Therapy"
    "NCT04014894": ["CD19"],  # ET019003-T cells "in ... CD19+ B-Cell Leukemia and Lymphoma"
    "NCT04489862": ["Mesothelin"],  # "αPD1-MSLN-CAR T cells" (PD-1 nanobody is secreted, not a target)
    "NCT04662099": ["BCMA", "CS1"],  # "Bispecific CAR Targeting CS1 and BCMA"
    "NCT04796675": ["CD19"],  # "Anti-CD19 CAR-Engineered NK Cells"
    "NCT04796688": ["CD19"],  # "CAR-NK-CD19 Cells"
    "NCT04823091": ["CD7"],  # "Anti-CD7 CAR-Engineered T Cells", "CAR7-T Cells"
    "NCT05020392": ["CD19"],  # "CAR-T-CD19 Cells"
    "NCT05445011": ["FLT3"],  # "Anti-FLT3 CAR-T Cell (TAA05 Cell Injection)"
    "NCT05998928": ["BCMA", "GPRC5D"],  # "BCMA-GPRC5D CAR-T"
    "NCT06220097": ["CD19"],  # "CD19-targeting CAR-T"
    "NCT06359509": ["BCMA"],  # SYS6020, "BCMA Targeted CAR T-cells"
    "NCT06503094": ["CD19", "CD20"],  # "CD19 & CD20 Bispecific CAR T Cells"
    "NCT06503107": ["BCMA"],  # "Nanobody-based Biepitope CAR-T Cells Targeting BCMA"
    "NCT06691685": ["BCMA"],  # ESO-T01: in vivo anti-BCMA CAR vector (Nature Medicine phase I report)
    "NCT06720324": ["CD7"],  # "CD7-specific CAR-T Cell"
    "NCT06732492": ["CD7"],  # RD13-02, "CD7 Chimeric Antigen Receptor-T"
    "NCT06735495": ["CD19", "CD22"],  # "CD19 & CD22 Bispecific CAR T Cells"
    "NCT07101705": [],  # OriV508: no target in the record or a source we can name
    "NCT07240974": [],  # ZZSW-01: idem
    "NCT07309900": [],  # IASO208: idem
    "NCT07429721": [],  # QI-019A: idem
    "NCT07470073": ["CD19", "CD20"],  # CT1190B universal CAR-T "in CD19 and / or CD20 Positive" B-ALL
    "NCT07548697": [],  # CT1182: no target named
    "NCT06106906": ["CD19"],  # "CD19 CAR-T"
    "NCT06310811": ["CD19"],  # "Anti-CD19 CAR-T", RD06-04
    "NCT06349343": ["BCMA", "CD19"],  # "CD19/BCMA CAR-T"
    "NCT06519565": ["BCMA"],  # PRG-1801: "PRG-1801 (CAR-T against BCMA)" in another snapshot record
    "NCT06653556": ["CD19", "CD20", "CD22"],  # LCAR-AIO: "CD19/CD20/CD22 Triple-targeted" (oncology record)
    "NCT06869278": ["CD19", "CD20", "CD22"],  # LCAR-AIO
    "NCT06900764": [],  # "CAR-T Cells in SLE": no target named
    "NCT07031713": ["CD19", "CD20"],  # CT1192 "universal CD19/20 car-t"
    "NCT07033299": ["CD19", "CD20"],  # CT1192 "universal CD19/20 CAR-T"
    "NCT07339332": ["CD19", "CD20"],  # CT1195E "Universal CD19 / 20 Car-t"
    "NCT07355972": ["CD19", "CD20"],  # CT1195E (target from NCT07339332)
    "NCT07416032": ["BCMA", "CD19"],  # QT-019C "Targeting CD19 and BCMA"
    "NCT07441525": ["BCMA", "CD19"],  # RD06-05 "UCAR-T Targeting CD19/BCMA"
    "NCT07470151": [],  # EVM18001: no target named
}


def test_the_40_union_hospital_trials(drafts, by_id):
    union = [d for name in (ONC, RHEUM) for d in drafts[name] if d.lead_sponsor == UNION]
    assert len(union) == 40 and {d.registry_id for d in union} == set(UNION_TARGETS)
    wrong = {d.registry_id: d.targets for d in union if d.targets != UNION_TARGETS[d.registry_id]}
    assert not wrong
    for d in union:  # every target has words that decided it
        assert all(d.target_evidence[t] for t in d.targets)
    assert by_id["NCT06653556"].products == ["LCAR-AIO"]
    assert by_id["NCT07101705"].products == ["OriV508"] and by_id["NCT07101705"].targets == []
    assert by_id["NCT04796675"].modality == "CAR-NK" and by_id["NCT04796675"].cell_source == "allogeneic"
    assert by_id["NCT07441525"].cell_source == "allogeneic"


@pytest.mark.parametrize(
    "registry_id, expected, not_expected",
    [
        # "After CD19 CAR-T" is the prior therapy, the CAR is CD38
        ("NCT03754764", {"CD38"}, {"CD19"}),
        # "Targeting CD19- ALL": CD19-negative disease
        ("NCT04016129", {"CD22", "CD38", "CD123"}, {"CD19"}),
        # "Who Received CD19 CAR-T Therapy": prior therapy
        ("NCT04036019", {"CD20"}, {"CD19"}),
        # "Bispecific CD3xCD20 Antibody ... After CAR T-cell": antibody, not a CAR target
        ("NCT04703686", set(), {"CD20", "CD19"}),
        # "Anti-CD38 Antibody" as prior therapy
        ("NCT04637269", {"BCMA"}, {"CD38"}),
        # CD19t is a truncated transduction marker of a PSCA CAR
        ("NCT03873805", {"PSCA"}, {"CD19"}),
        # "CM-CS1" is the product name of an NKG2D CAR
        ("NCT02203825", {"NKG2D ligands"}, {"CS1"}),
        ("NCT04662099", {"CS1", "BCMA"}, set()),
    ],
)
def test_false_positive_guards_on_real_records(by_id, registry_id, expected, not_expected):
    targets = set(by_id[registry_id].targets)
    assert expected <= targets and not (not_expected & targets), (registry_id, targets, by_id[registry_id].target_evidence)


@pytest.mark.parametrize(
    "title, interventions, conditions, summary, expected",
    [
        ("CD4/CD8 ratio after CD34+ selection", ["CAR-T"], [], "CD3/CD28 bead activated CD4+ T cells", []),
        ("CAR-T in CD19-negative relapse", ["CD22 CAR-T"], [], "", ["CD22"]),
        ("Study", ["anti-CD20 antibody", "BCMA CAR-T"], [], "prior anti-CD38 monoclonal antibody", ["BCMA"]),
        ("CD19/CD22 bispecific CAR-T", [], [], "", ["CD19", "CD22"]),
        ("CS1 and BCMA CAR", [], [], "", ["BCMA", "CS1"]),
        ("Anti-SLAMF7 CAR T cells", [], [], "", ["CS1"]),
        ("IL3RA-directed CAR", [], [], "", ["CD123"]),
        ("CART-38 in AML", [], [], "", ["CD38"]),
        ("Tisagenlecleucel in DLBCL", [], [], "", ["CD19"]),
        ("KYV-101 in lupus", [], [], "", ["CD19"]),
    ],
)
def test_classify_trial_rules(title, interventions, conditions, summary, expected):
    assert classify_trial(title, interventions, conditions, summary).targets == expected


def test_products_are_named_as_constructs():
    c = classify_trial("Study of CTL019 and axicabtagene ciloleucel", ["Kymriah"], [], "")
    assert c.products == ["tisa-cel", "axi-cel"] and c.targets == ["CD19"]
    assert classify_trial("LCAR-AIO in SLE", ["LCAR-AIO T cells"], [], "").products == ["LCAR-AIO"]


def test_label_mapping():
    assert label_targets("CD19/CD22 dual") == {"CD19", "CD22"}
    assert label_targets("SLAMF7") == {"CS1"}
    assert label_targets("CAR-NK: CD19") == {"CD19"}
    assert label_targets("CD19/CD20/CD22 triple") == {"CD19", "CD20", "CD22"}
    assert label_targets("Other_or_unknown") == label_targets("CAR-T_unspecified") == label_targets("CAR-NK") == set()


def test_agreement_with_snapshot_labels_at_least_95_percent(shared_data, drafts):
    pairs = []
    for name in (ONC, RHEUM):
        labels = snapshot_labels((shared_data / "trials" / name).read_bytes(), name)
        pairs += [(d, labels[d.registry_id]) for d in drafts[name]]
    report = agreement_report(pairs)
    print("\n" + report.table_markdown())
    assert report.trials == 2589
    for target in SEED_TARGETS:
        assert report.per_target[target].agreement >= 0.95, target
    pooled = sum(t.both + t.neither for t in report.per_target.values()) / (8 * report.trials)
    assert pooled >= 0.95
    assert all(d.registry_id and d.label is not None for d in report.disagreements)


def test_agreement_doc_is_current(shared_data):
    generated = render_agreement_doc(str(shared_data / "trials"), [ONC, RHEUM])
    doc = (Path(__file__).resolve().parent.parent / "docs" / "target-classification.md").read_text(encoding="utf-8")
    assert generated in doc, "docs/target-classification.md is stale: regenerate its generated part"
