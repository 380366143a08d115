"""How the trial classifier agrees with the CAR-T Trials Monitors' own TargetCategory labels.

Reads the shared snapshots, compares :func:`catalogue.parse.trial_classification.classify_trial`'s
targets with the labels per seed target, judges each disagreement, and writes the generated part of
docs/target-classification.md::

    python tools/classification_agreement.py ../shared/data/trials

The labels are read only here (:func:`catalogue.parse.trials.snapshot_labels`); the catalogue never
stores them.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from catalogue.parse.trial_classification import SEED_TARGETS, named_targets  # noqa: E402
from catalogue.parse.trials import parse_trial_file, snapshot_labels  # noqa: E402

SNAPSHOTS = ("ONC-CAR-T-Trials-Monitor_2026-08-22_trials.csv", "Rheumatology-CAR-T-Trials-Monitor_2026-08-22_trials.csv")
DOC = REPO / "docs" / "target-classification.md"


# ---------------------------------------------------------------------------
# Agreement with another classifier's labels
# ---------------------------------------------------------------------------

#: Label words of the CAR-T Trials Monitor that name something other than a target.
NON_TARGET_LABELS = {
    "Other_or_unknown",
    "CAR-T_unspecified",
    "CAR-NK",
    "CAR-Treg",
    "CAAR-T",
    "CAR-γδ T",
    "Multi-target platform",
}

#: Label target names that differ from our canonical symbols.
LABEL_SYMBOLS = {
    "SLAMF7": "CS1",
    "Claudin 18.2": "Claudin18.2",
    "NKG2D-L": "NKG2D ligands",
    "Kappa LC": "Kappa light chain",
    "MET": "c-MET",
    "IL-5": "IL-5",
}


def label_targets(label: str) -> set[str]:
    """The target set a TargetCategory label means.

    "CD19" → {CD19}; "CD19/CD22 dual" → {CD19, CD22}; "CD19/CD20/CD22 triple" → three;
    "CAR-NK: CD19" → {CD19} (the prefix names the modality); "SLAMF7" → {CS1};
    "Other_or_unknown", "CAR-T_unspecified", "CAR-NK", "CAR-Treg", "CAAR-T", "CAR-γδ T",
    "Multi-target platform" → {} (no target named).
    """
    label = (label or "").strip()
    if label.startswith("CAR-NK:"):
        label = label.split(":", 1)[1].strip()
    if not label or label in NON_TARGET_LABELS:
        return set()
    label = re.sub(r"\s+(?:dual|triple)$", "", label)
    return {LABEL_SYMBOLS.get(part.strip(), part.strip()) for part in label.split("/") if part.strip()}


@dataclass
class TargetAgreement:
    """How our calls and the labels agree on one seed target over all compared trials.

    ``agreement`` = (both + neither) / trials; ``positive_agreement`` = 2·both /
    (2·both + ours_only + theirs_only), the agreement on the trials either side calls
    positive (None when neither side calls any).
    """

    target: str
    trials: int = 0
    both: int = 0
    ours_only: int = 0
    theirs_only: int = 0

    @property
    def neither(self) -> int:
        return self.trials - self.both - self.ours_only - self.theirs_only

    @property
    def agreement(self) -> float:
        return (self.both + self.neither) / self.trials if self.trials else 1.0

    @property
    def positive_agreement(self) -> float | None:
        denominator = 2 * self.both + self.ours_only + self.theirs_only
        return 2 * self.both / denominator if denominator else None


@dataclass
class Disagreement:
    """One trial where our seed-target set differs from the label's."""

    registry_id: str
    ours: list[str]
    label: str
    differing: list[str]  # seed targets on which we differ
    decisive_words: list[str]  # our evidence for the targets we call; empty when we call none
    title: str | None = None
    absent_from_text: list[str] = field(default_factory=list)  # label targets the record text never names


@dataclass
class AgreementReport:
    """Per-seed-target agreement and the list of disagreements.

    ``trial_agreement`` is the share of trials whose seed-target sets are identical on
    both sides (the strict measure); per-target figures are in ``per_target``.
    """

    trials: int
    trial_agreement: float
    per_target: dict[str, TargetAgreement]
    disagreements: list[Disagreement]

    def table_markdown(self) -> str:
        """The per-target table as Markdown."""
        lines = [
            "| target | trials | both | ours only | label only | agreement | positive agreement |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for t in self.per_target.values():
            pa = f"{t.positive_agreement:.1%}" if t.positive_agreement is not None else "n/a"
            lines.append(
                f"| {t.target} | {t.trials} | {t.both} | {t.ours_only} | {t.theirs_only} | {t.agreement:.2%} | {pa} |"
            )
        lines.append(f"| **all 8 (identical seed sets per trial)** | {self.trials} | | | | {self.trial_agreement:.2%} | |")
        return "\n".join(lines)

    def disagreements_markdown(self, judgements: dict[str, str] | None = None) -> str:
        """The disagreements as a Markdown table, with a judgement column filled from ``judgements``."""
        judgements = judgements or {}
        lines = [
            "| registry ID | ours (seed) | label | decisive words | judgement |",
            "|---|---|---|---|---|",
        ]
        for d in self.disagreements:
            ours = ", ".join(t for t in d.ours if t in SEED_TARGETS) or "—"
            words = "; ".join(d.decisive_words)[:220].replace("|", "/") or "—"
            judgement = judgements.get(d.registry_id, "").replace("|", "/")
            lines.append(f"| {d.registry_id} | {ours} | {d.label} | {words} | {judgement} |")
        return "\n".join(lines)


def agreement_report(drafts_with_labels: Iterable[tuple[object, str]]) -> AgreementReport:
    """Compare our targets with TargetCategory labels on the eight seed targets.

    ``drafts_with_labels`` yields ``(draft, label)`` pairs; a draft is anything with
    ``registry_id``, ``targets``, ``target_evidence`` and ``title`` (a TrialDraft).
    For each seed target T and trial, both sides either call T or not; a trial agrees
    on T when they call the same. The trial agrees overall when it agrees on all eight.
    """
    per_target = {t: TargetAgreement(t) for t in SEED_TARGETS}
    disagreements: list[Disagreement] = []
    trials = agreeing = 0
    for draft, label in drafts_with_labels:
        trials += 1
        ours = set(getattr(draft, "targets")) & set(SEED_TARGETS)
        theirs = label_targets(label) & set(SEED_TARGETS)
        for t in SEED_TARGETS:
            stat = per_target[t]
            stat.trials += 1
            if t in ours and t in theirs:
                stat.both += 1
            elif t in ours:
                stat.ours_only += 1
            elif t in theirs:
                stat.theirs_only += 1
        if ours == theirs:
            agreeing += 1
            continue
        evidence = getattr(draft, "target_evidence") or {}
        differing = sorted(ours ^ theirs, key=SEED_TARGETS.index)
        words = [f"{t}: {w}" for t in differing if t in evidence for w in evidence[t][:2]]
        if not words:
            words = [f"{t}: {w}" for t in sorted(getattr(draft, "targets")) for w in evidence.get(t, [])[:1]]
        text = " ".join(
            [getattr(draft, "title", None) or "", " ".join(getattr(draft, "interventions", []) or []),
             " ".join(getattr(draft, "conditions", []) or []), getattr(draft, "summary", None) or ""]
        )
        named = named_targets(text)
        disagreements.append(
            Disagreement(
                absent_from_text=sorted(t for t in theirs - ours if t not in named),
                registry_id=getattr(draft, "registry_id"),
                ours=sorted(getattr(draft, "targets")),
                label=label,
                differing=differing,
                decisive_words=words,
                title=getattr(draft, "title", None),
            )
        )
    return AgreementReport(
        trials=trials,
        trial_agreement=agreeing / trials if trials else 1.0,
        per_target=per_target,
        disagreements=disagreements,
    )


# ---------------------------------------------------------------------------
# The agreement report document
# ---------------------------------------------------------------------------

#: Judgements of single disagreements, read on the record text (registry ID → one line).
JUDGEMENTS: dict[str, str] = {
    "NCT04662099": "ours right: title 'Bispecific CAR Targeting CS1 and BCMA'; the label drops CS1",
    "NCT02958410": "ours right on the CAR (title and intervention say anti-CD30 CAR); the label follows a summary sentence copied from a BCMA trial",
    "NCT03049449": "ours right: 'Anti-CD30 Chimeric Antigen Receptor'; nothing in the record names CD19 or CD20",
    "NCT03383965": "ours right: 'CD30 Targeted CAR-T in Treating CD30-Expressing Lymphomas'",
    "NCT04860817": "ours right: 'Anti-CD7 CAR-T Cells', intervention 'Target CD7 CAR-T cells'",
    "NCT03754764": "ours right: a CD38 CAR-T trial for B-ALL relapsing after CD19 CAR-T; CD19 is the prior therapy",
    "NCT03767751": "ours right: 'Dual Specificity CD38 and BCMA CAR-T'; the label drops CD38",
    "NCT04156269": "ours right: 'BCMA-CS1 Compound CAR'; the label drops CS1",
    "NCT05950113": "ours right: 'CART-BCMA/CS1'; the label drops CS1",
    "NCT03778346": "ambiguous: a platform naming BCMA, CS1, CD38, CD138, integrin β7 as single or compound targets; we list all, the label BCMA",
    "NCT04036019": "ours right: C-CAR066 is CD20-directed ('CD20-directed CAR-T cells'); CD19 is the prior CAR-T",
    "NCT04316624": "ours right: C-CAR066 (CD20-directed, per NCT04036019) after prior CD19 CAR-T",
    "NCT04340167": "ambiguous: title names anti-CD22 CAR-T only; the label may read a sequential CD19/CD22 programme",
    "NCT03244306": "ours right: 'CD22-CAR T cell immunotherapy for CD22+ leukaemia'",
    "NCT04702841": "ambiguous: CAR-γδ T cells for 'CD7 Positive' T-cell malignancies; CD7 is inferred from expression",
    "NCT05397184": "ours right: 'Base Edited CAR7 T Cells' (CAR7 = anti-CD7 CAR)",
    "NCT04283006": "ours right: 'CD20/CD22 Targeted CAR T-cell'; nothing names CD19",
    "NCT05098613": "ours right: 'CD19x22 CAR T Cells'",
    "NCT03463928": "ours right: 'donor-derived CD19/22 bispecific CAR-T cells'",
    "NCT04539444": "ours right: 'CD19/22 CART Cells'",
    "NCT05436509": "ours right: 'CD19/79b Bi-specific CAR-T'; the label drops CD19",
    "NCT03549442": "ours right: 'CART-BCMA With or Without huCART19' (two CAR products)",
    "NCT03056339": "ours right: 'iC9/CAR.19/IL15-Transduced CB-NK' is an anti-CD19 CAR-NK",
    "NCT02203825": "ours right: 'CAR Modified T-cells Targeting NKG2D-Ligands'; 'CM-CS1' is the product name, not SLAMF7",
    "NCT03125577": "ambiguous: combination 4SCAR19 plus CAR20/22/30/38/70/123; we list all CARs, the label only CD19",
    "NCT04016129": "ours right: 'Targeting CD19- ALL' means CD19-negative disease; the CARs are CD22/CD123/CD38/CD10/CD20/TSLPR",
    "NCT04430530": "ours right: 4SCAR-T specific to CD22/CD123/CD38/CD10/CD20 'Post CD19-targeted Immunotherapy'",
    "NCT03407859": "ours right: CD20/CD22/CD10-CART 'After CD19-CART' (CD19 is the prior therapy)",
    "NCT03222674": "ambiguous: multi-CAR platform Muc1/CLL1/CD33/CD38/CD56/CD123; label CD33 only",
    "NCT04010877": "ours right: 'CLL-1, CD33 and/or CD123-specific CAR'; the label keeps CD33 only",
    "NCT04020575": "theirs right: 'huMNC2-CAR22' is a MUC1* CAR construct name, not CD22 (our CAR-number rule misreads it)",
    "NCT03196830": "ours right: 'CAR-T targeted CD19/CD20/CD22/CD30'; the label keeps CD19/CD22",
}


def _judge(d: Disagreement) -> str:
    if d.registry_id in JUDGEMENTS:
        return JUDGEMENTS[d.registry_id]
    ours_seed = [t for t in d.ours if t in SEED_TARGETS]
    theirs = label_targets(d.label)
    product_words = [w for w in d.decisive_words if ": product " in w]
    if not d.ours:
        return ("ambiguous: the record text names no target; the label is presumably inferred from disease, "
                "sponsor or an unlisted product code, which we do not do")
    if not theirs and product_words:
        return "ours right: the record names a product whose target is documented (see the product's source); the label names none"
    if not theirs:
        return "ours right: the record text names the target with CAR wording (decisive words); the label names none"
    if product_words and all(": product " in w for w in d.decisive_words):
        return "ours right on the product's documented target; the label differs"
    if d.absent_from_text and not product_words:
        return f"ours right: the record never names {', '.join(d.absent_from_text)}; the label's target is not in the text"
    if set(ours_seed) > (theirs & set(SEED_TARGETS)):
        return "ours right: the title/interventions name the extra target with CAR wording; the label keeps fewer"
    if set(ours_seed) < (theirs & set(SEED_TARGETS)):
        return "ambiguous: the label adds a target the title/interventions do not name with CAR wording"
    return "ambiguous: the record names different targets in different places"


def render_agreement_doc(data_dir: str, files: Iterable[str]) -> str:
    """The Markdown of docs/target-classification.md's generated part: figures and disagreements."""
    pairs = []
    for name in files:
        content = (Path(data_dir) / name).read_bytes()
        labels = snapshot_labels(content, name)
        pairs += [(d, labels[d.registry_id]) for d in parse_trial_file(content, name)]
    report = agreement_report(pairs)
    counts: dict[str, int] = {}
    for d in report.disagreements:
        verdict = next(v for v in ("ours right", "theirs right", "ambiguous") if _judge(d).startswith(v))
        counts[verdict] = counts.get(verdict, 0) + 1
    lines = [
        report.table_markdown(),
        "",
        f"Disagreements (trials whose seed-target sets differ): {len(report.disagreements)} — "
        + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())),
        "",
        report.disagreements_markdown({d.registry_id: _judge(d) for d in report.disagreements}),
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Print the generated part of docs/target-classification.md for the snapshots in ``argv[0]``."""
    data_dir = argv[0] if argv else str(REPO.parent / "shared" / "data" / "trials")
    print(render_agreement_doc(data_dir, SNAPSHOTS))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
