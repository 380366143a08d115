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
from catalogue.drafts import ConstructDraft, ProgrammeDraft, TargetDraft, TrialDraft
from catalogue.reference.products import Product, mention_regex, reference_products
from catalogue.reference.targets import reference_targets

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
    catalogue.targets = demo_targets(_toml("targets.toml")["symbols"])
    catalogue.programmes = [_draft(ProgrammeDraft, p) for p in _toml("programmes.toml")["programme"]]
    for entry in _toml("constructs.toml")["construct"]:
        values = dict(entry)
        for registry_id in values.pop("trials", []):
            catalogue.trial_links.append((registry_id, values["name"]))
        catalogue.constructs.append(_draft(ConstructDraft, with_product_facts(values)))
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


def demo_targets(symbols: list[str]) -> list[TargetDraft]:
    """The demo's targets, their facts read from ``catalogue/reference/targets.toml``."""
    by_symbol = {t.symbol: t for t in reference_targets()}
    missing = [s for s in symbols if s not in by_symbol]
    if missing:
        raise ValueError(f"demo catalogue: target(s) {', '.join(missing)} are not in catalogue/reference/targets.toml")
    return [
        TargetDraft(
            symbol=t.symbol, gene_symbol=t.gene_symbol, aliases=list(t.aliases), uniprot=t.uniprot, note=t.note,
            source=t.source,
        )
        for t in (by_symbol[s] for s in symbols)
    ]


def _product_named(values: dict) -> Product | None:
    """The reference product whose name or alias is a whole word of the construct's name or aliases."""
    names = [n.lower() for n in [values["name"], *values.get("aliases", [])]]
    for product in reference_products():
        if any(mention_regex(product).search(n) for n in names):
            return product
    return None


def with_product_facts(values: dict) -> dict:
    """A demo construct's values with the facts of the reference product it is named after.

    The product gives names, targets, modality, binder format, developer and status where the
    construct does not; a value the construct gives as well must agree (a demo error otherwise).
    """
    product = _product_named(values)
    if product is None:
        return values
    values = dict(values)
    facts = {
        "targets": list(product.targets), "modality": product.modality, "binder_format": product.binder,
        "developer": product.developer, "status": product.status,
    }  # fmt: skip
    for key, fact in facts.items():
        if fact in (None, []):
            continue
        if key not in values or values[key] in (None, []):
            values[key] = fact
        elif values[key] != fact:
            raise ValueError(
                f"demo catalogue: construct {values['name']!r} gives {key} {values[key]!r}, but product "
                f"{product.name!r} of catalogue/reference/products.toml gives {fact!r}"
            )
    names = [product.name, *product.aliases]
    values["aliases"] = [a for a in dict.fromkeys([*values.get("aliases", []), *names]) if a != values["name"]]
    return values


def design_construct(design: dict) -> ConstructDraft:
    """A reference design's construct, its architecture read from the design's own parts list."""
    from catalogue.detect.parts import part_named
    from catalogue.errors import InvalidInput

    architecture: dict = {"costimulatory": []}
    binder_chains = set()
    markers = []
    for name in design.get("parts", []):
        try:
            part = part_named(name)
        except InvalidInput:  # not a library part: one of the binder's V domains, e.g. "Belantamab VL"
            binder_chains.add(name.rsplit(" ", 1)[-1])
            continue
        if part.kind == "hinge":
            architecture["hinge"] = part.label.removesuffix(" hinge")
        elif part.kind == "transmembrane":
            architecture["transmembrane"] = part.label.removesuffix(" transmembrane")
        elif part.kind == "costimulatory":
            architecture["costimulatory"].append(part.label)
        elif part.kind == "signalling":
            architecture["signalling"] = part.label
        elif part.kind == "marker":
            markers.append(part.label)
    binder_format = "scFv" if {"VH", "VL"} <= binder_chains else ("VHH" if binder_chains == {"VHH"} else None)
    notes = "A reference design assembled from public parts, not a product."
    if markers:
        notes += f" Co-expresses {', '.join(markers)}."
    return ConstructDraft(
        name=design["name"],
        targets=list(design.get("targets", [])),
        status="reference design",
        binder_clone=design.get("binder"),
        binder_format=binder_format,
        hinge=architecture.get("hinge"),
        transmembrane=architecture.get("transmembrane"),
        costimulatory=architecture["costimulatory"],
        signalling=architecture.get("signalling"),
        generation=1 + len(architecture["costimulatory"]) if architecture.get("signalling") else None,
        notes=notes,
        source=f"constructs/designs.toml; parts: {', '.join(design.get('parts', []))}",
    )
