"""The shipped demo catalogue: the Union Hospital programme, reference products, real facts only.

The facts live in ``catalogue/demo/`` (TOML written by hand, each fact with its
source; ``trials.json`` generated from registry records by
``tools/build_demo_trials.py``) and the sequence files in ``constructs/``.
This module only reads them into drafts; :func:`catalogue.curation.load_demo`
writes them.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

from catalogue.demo.trials_file import load_demo_trials
from catalogue.drafts import ConstructDraft, EpitopeDraft, ProgrammeDraft, TargetDraft, TrialDraft

DEMO_DIR = Path(__file__).parent
CONSTRUCTS_DIR = Path(__file__).resolve().parents[2] / "constructs"


@dataclass(frozen=True)
class DemoSequenceFile:
    path: Path
    construct: str


@dataclass
class DemoCatalogue:
    targets: list[TargetDraft] = field(default_factory=list)
    programmes: list[ProgrammeDraft] = field(default_factory=list)
    constructs: list[ConstructDraft] = field(default_factory=list)
    trials: list[TrialDraft] = field(default_factory=list)
    trial_links: list[tuple[str, str]] = field(default_factory=list)  # (registry ID, construct name)
    patients_treated: list[tuple[str, str, int, str, str]] = field(default_factory=list)
    sequence_files: list[DemoSequenceFile] = field(default_factory=list)


def _toml(name: str) -> dict:
    return tomllib.loads((DEMO_DIR / name).read_text(encoding="utf-8"))


def _draft(cls, values: dict):
    known = {f.name for f in fields(cls)}
    unknown = set(values) - known
    if unknown:
        raise ValueError(f"demo catalogue: {cls.__name__} has no field(s) {', '.join(sorted(unknown))}")
    return cls(**values)


def read_demo_catalogue() -> DemoCatalogue:
    catalogue = DemoCatalogue()
    catalogue.targets = [_draft(TargetDraft, t) for t in _toml("targets.toml")["target"]]
    catalogue.programmes = [_draft(ProgrammeDraft, p) for p in _toml("programmes.toml")["programme"]]
    for entry in _toml("constructs.toml")["construct"]:
        values = dict(entry)
        for registry_id in values.pop("trials", []):
            catalogue.trial_links.append((registry_id, values["name"]))
        values["epitopes"] = [_draft(EpitopeDraft, e) for e in values.get("epitopes", [])]
        catalogue.constructs.append(_draft(ConstructDraft, values))
    trials_file = DEMO_DIR / "trials.json"
    if trials_file.exists():
        catalogue.trials = load_demo_trials(trials_file)
    for figure in _toml("patients_treated.toml")["figure"]:
        catalogue.patients_treated.append(
            ("trial", figure["trial"], figure["patients_treated"], figure["source"], figure["as_of"])
        )
    designs = CONSTRUCTS_DIR / "designs.toml"
    if designs.exists():
        for design in tomllib.loads(designs.read_text(encoding="utf-8")).get("design", []):
            catalogue.constructs.append(design_construct(design))
            catalogue.sequence_files.append(DemoSequenceFile(CONSTRUCTS_DIR / design["file"], design["name"]))
    return catalogue


@dataclass(frozen=True)
class DesignedDomain:
    """One of a reference design's binder V domains, named in its parts list ("Belantamab VL")."""

    kind: str
    label: str


def design_construct(design: dict) -> ConstructDraft:
    """A reference design's construct, its architecture read from the design's own parts list."""
    from catalogue.detect.architecture import propose_architecture
    from catalogue.detect.parts import part_named
    from catalogue.errors import InvalidInput
    from catalogue.vocabulary import BINDER_KINDS, kind_label

    v_kinds = {kind_label(kind): kind for kind in BINDER_KINDS}  # "VL" -> "vl"
    domains = []
    for name in design.get("parts", []):
        try:
            domains.append(part_named(name))
        except InvalidInput:  # not a library part: one of the binder's V domains, e.g. "Belantamab VL"
            domains.append(DesignedDomain(v_kinds.get(name.rsplit(" ", 1)[-1], "other"), name))
    architecture = propose_architecture(domains)
    markers = architecture.markers
    modality = design.get("modality", "CAR-T")
    epitopes = [_draft(EpitopeDraft, e) for e in design.get("epitopes", [])]
    binder_format = "TCR" if modality == "TCR-T" else architecture.binder_format
    notes = "A reference design assembled from public parts, not a product."
    if markers:
        notes += f" Co-expresses {', '.join(markers)}."
    return ConstructDraft(
        name=design["name"],
        modality=modality,
        epitopes=epitopes,
        targets=list(design.get("targets", [])),
        status="reference design",
        binder_clone=design.get("binder"),
        binder_format=binder_format,
        hinge=architecture.hinge,
        transmembrane=architecture.transmembrane,
        costimulatory=list(architecture.costimulatory),
        signalling=architecture.signalling,
        generation=architecture.generation,
        notes=notes,
        source=f"constructs/designs.toml; parts: {', '.join(design.get('parts', []))}",
    )
