"""Build catalogue/demo/trials.json: the demo catalogue's trial facts.

Reads the two CAR-T Trials Monitor snapshots (../shared/data/trials/) with
:func:`catalogue.parse.trials.parse_trial_file` and keeps:

* the trials whose lead sponsor is Union Hospital, Tongji Medical College (Wuhan);
* the pivotal trials of the approved reference products present in the snapshots;
* real CD38 CAR-T trials (checked by hand on their text; see DEMO_CD38 below).

Each entry holds structured facts and the title only (no summary text), plus the
record's source and snapshot date. Run: ``python tools/build_demo_trials.py``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from catalogue.demo.trials_file import draft_to_json  # noqa: E402
from catalogue.parse.trials import parse_trial_file  # noqa: E402

SNAPSHOT_FILES = (
    "ONC-CAR-T-Trials-Monitor_2026-08-22_trials.csv",
    "Rheumatology-CAR-T-Trials-Monitor_2026-08-22_trials.csv",
)
UNION_HOSPITAL = "Union Hospital, Tongji Medical College, Huazhong University of Science and Technology"

#: Pivotal trials of the approved reference products (ELIANA, NCT02435849, is not in the snapshots).
PIVOTAL = {
    "NCT02348216": "ZUMA-1 (axi-cel)",
    "NCT03361748": "KarMMa (ide-cel)",
    "NCT03548207": "CARTITUDE-1 (cilta-cel)",
    "NCT02445248": "JULIET (tisa-cel)",
    "NCT02601313": "ZUMA-2 (brexu-cel)",
    "NCT02631044": "TRANSCEND NHL 001 (liso-cel)",
    "NCT04404660": "FELIX (obe-cel)",
    "NCT02435849": "ELIANA (tisa-cel)",
}

#: CD38 CAR-T trials read by hand: title and interventions name a CD38 CAR.
#: NCT03464916 "Anti-CD38 CAR-T in R/R Multiple Myeloma" (CAR2 Anti-CD38 A2 CAR-T Cells);
#: NCT04351022 "CD38-targeted CAR T Cell in R/R AML" (CART-38).
DEMO_CD38 = ("NCT03464916", "NCT04351022")


def snapshot_source(file_name: str) -> str:
    return f"ClinicalTrials.gov record as in the CAR-T Trials Monitor snapshot of 2026-08-22 ({file_name})"


def build(data_dir: Path) -> dict:
    entries: dict[str, dict] = {}
    found_pivotal: set[str] = set()
    for file_name in SNAPSHOT_FILES:
        drafts = parse_trial_file((data_dir / file_name).read_bytes(), file_name)
        for draft in drafts:
            keep = (
                draft.lead_sponsor == UNION_HOSPITAL
                or draft.registry_id in PIVOTAL
                or draft.registry_id in DEMO_CD38
            )
            if not keep or draft.registry_id in entries:
                continue
            if draft.registry_id in DEMO_CD38 and "CD38" not in draft.targets:
                raise SystemExit(f"{draft.registry_id} no longer classifies as CD38: check the classifier")
            if draft.registry_id in PIVOTAL:
                found_pivotal.add(draft.registry_id)
            entries[draft.registry_id] = draft_to_json(draft, source=snapshot_source(file_name))
    absent = sorted(set(PIVOTAL) - found_pivotal)
    return {
        "description": (
            "Trial facts of the demo catalogue: the Union Hospital (Wuhan) trials, the pivotal trials of the "
            "approved reference products and CD38 CAR-T trials, parsed and classified from the registry fields "
            "by catalogue.parse.trials (targets from the record text, not from the snapshot's labels)."
        ),
        "pivotal_absent_from_snapshots": {rid: PIVOTAL[rid] for rid in absent},
        "trials": sorted(entries.values(), key=lambda e: e["registry_id"]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "trials")
    parser.add_argument("--out", type=Path, default=REPO / "catalogue" / "demo" / "trials.json")
    args = parser.parse_args(argv)
    result = build(args.data)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(result['trials'])} trials to {args.out}; absent: {result['pivotal_absent_from_snapshots']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
