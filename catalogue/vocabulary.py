"""The catalogue's shared words, defined once: trial phases and statuses, what is "not recorded", domain kinds,
binder kinds, modalities, enrollment types, and the registry links.

Parsers normalise registry text *to* these codes, the service layer validates against them, the read side and
the charts turn them into words and order them, and the pages offer them as choices. Nothing else spells them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

NOT_RECORDED = "not recorded"  # what a page or chart shows for an unknown value (never 0, never "")

# --- trial phases --------------------------------------------------------------------------


@dataclass(frozen=True)
class Phase:
    """One trial phase: its registry code (ClinicalTrials.gov API v2 spelling) and how people say it."""

    code: str
    words: str


PHASES = (
    Phase("EARLY_PHASE1", "Early phase 1"),
    Phase("PHASE1", "Phase 1"),
    Phase("PHASE2", "Phase 2"),
    Phase("PHASE3", "Phase 3"),
    Phase("PHASE4", "Phase 4"),
    Phase("NA", "Not applicable"),
)
PHASE_CODES = tuple(phase.code for phase in PHASES)  # registry order: how a trial's phases are listed
# Phase sets people name as one phase. A trial's phases are stored as a sorted list of codes.
COMBINED_PHASES = {("PHASE1", "PHASE2"): "Phase 1/2", ("PHASE2", "PHASE3"): "Phase 2/3"}
_WORDS = {phase.code: phase.words for phase in PHASES}
_CODES = {phase.words: phase.code for phase in PHASES}
_COMBINED_CODES = {words: list(codes) for codes, words in COMBINED_PHASES.items()}


def _rank(codes: Iterable[str]) -> float:
    """Where a phase (or a combined phase, between its two) stands in the order of :data:`PHASE_ORDER`."""
    places = [PHASE_CODES.index(code) for code in codes]
    return min(places) + (max(places) - min(places)) / 2


PHASE_ORDER = tuple(  # phase labels in the order pages and charts show them
    words for words, _ in sorted(
        [(p.words, _rank([p.code])) for p in PHASES] + [(w, _rank(c)) for c, w in COMBINED_PHASES.items()],
        key=lambda pair: pair[1],
    )
) + (NOT_RECORDED,)


def phase_label(phases: Iterable[str] | None) -> str:
    """A trial's phase codes as people say them: ``["PHASE1", "PHASE2"]`` is "Phase 1/2"; none is "not recorded"."""
    codes = sorted(set(phases or ()))
    if not codes:
        return NOT_RECORDED
    if tuple(codes) in COMBINED_PHASES:
        return COMBINED_PHASES[tuple(codes)]
    return " + ".join(_WORDS.get(code, code.replace("_", " ").capitalize()) for code in codes)


def phase_codes(label: str) -> list[str]:
    """The stored codes (sorted) a label of :func:`phase_label` stands for; ``[]`` for "not recorded"."""
    if label == NOT_RECORDED:
        return []
    if label in _COMBINED_CODES:
        return _COMBINED_CODES[label]
    return sorted(_CODES.get(words, words.replace(" ", "_").upper()) for words in label.split(" + "))


# --- trial statuses and enrollment ---------------------------------------------------------

# ClinicalTrials.gov's overall statuses of a study (API v2 OverallStatus), with their words.
TRIAL_STATUSES = {
    "NOT_YET_RECRUITING": "Not yet recruiting",
    "RECRUITING": "Recruiting",
    "ENROLLING_BY_INVITATION": "Enrolling by invitation",
    "ACTIVE_NOT_RECRUITING": "Active, not recruiting",
    "SUSPENDED": "Suspended",
    "TERMINATED": "Terminated",
    "COMPLETED": "Completed",
    "WITHDRAWN": "Withdrawn",
    "UNKNOWN": "Unknown",
}


def status_label(status: str | None) -> str:
    """A registry status as words: ``ACTIVE_NOT_RECRUITING`` is "Active, not recruiting"."""
    if not status:
        return NOT_RECORDED
    return TRIAL_STATUSES.get(status) or status.replace("_", " ").lower().capitalize()


ENROLLMENT_TYPES = ("actual", "estimated", "unknown")  # a registry's enrollment figure is one of these
CELL_SOURCES = ("autologous", "allogeneic")

# --- constructs and their domains ------------------------------------------------------------

MODALITIES = ("CAR-T", "TCR-T", "CAR-NK", "CAAR-T", "other")

BINDER_KINDS = ("vh", "vl", "vhh")  # antibody variable domains: what binds a CAR's target
TCR_VARIABLE_KINDS = ("tcr_alpha_variable", "tcr_beta_variable")  # what binds a TCR's peptide-HLA
DOMAIN_KINDS = (
    "signal_peptide",
    *BINDER_KINDS,
    "linker",
    "hinge",
    "transmembrane",
    "costimulatory",
    "signalling",
    "cleavage_2a",
    "marker",
    *TCR_VARIABLE_KINDS,
    "tcr_constant",
    "other",
)
_KIND_WORDS = {"vh": "VH", "vl": "VL", "vhh": "VHH"}


def kind_label(kind: str) -> str:
    """A domain kind as people write it: ``vhh`` is "VHH", ``signal_peptide`` is "signal peptide"."""
    return _KIND_WORDS.get(kind, kind.replace("_", " "))


# --- links to public records ------------------------------------------------------------------


def uniprot_url(accession: str | None) -> str | None:
    return f"https://www.uniprot.org/uniprotkb/{accession}/entry" if accession else None


# --- targets and TCR chains --------------------------------------------------------------

#: What kind of antigen a target is: on the cell surface (what a CAR binds), or a peptide presented by HLA
#: (what a TCR binds).
TARGET_KINDS = ("surface", "HLA-presented")
#: The chains of a TCR, as detection and curators name them.
TCR_CHAIN_TYPES = ("alpha", "beta", "gamma", "delta")
