"""The shipped demo catalogue: the Union Hospital programme, reference products, real facts only.

The facts live in ``catalogue/demo/`` (TOML written by hand, each fact with its
source; ``trials.json`` generated from registry records by
``tools/build_demo_trials.py``) and the sequence files in ``constructs/``.
This module only reads them into drafts; :func:`catalogue.curation.load_demo`
writes them.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

from catalogue.demo.trials_file import load_demo_trials
from catalogue.drafts import ConstructDraft, EpitopeDraft, ProgrammeDraft, TargetDraft, TrialDraft
from catalogue.reference.products import Product, mention_regex, reference_products
from catalogue.reference.targets import reference_targets

DEMO_DIR = Path(__file__).parent
CONSTRUCTS_DIR = Path(__file__).resolve().parents[2] / "constructs"


@dataclass(frozen=True)
class DemoSequenceFile:
    path: Path
    construct: str


@dataclass(frozen=True)
class ProductSequenceFact:
    """An approved product's CAR protein shipped under constructs/, with its citation (constructs/products.toml)."""

    construct: str
    file: str
    accession: str
    citation: str
    shared_with: tuple[str, ...] = ()


@dataclass
class DemoCatalogue:
    targets: list[TargetDraft] = field(default_factory=list)
    programmes: list[ProgrammeDraft] = field(default_factory=list)
    constructs: list[ConstructDraft] = field(default_factory=list)
    trials: list[TrialDraft] = field(default_factory=list)
    trial_links: list[tuple[str, str]] = field(default_factory=list)  # (registry ID, construct name)
    published_results: list = field(default_factory=list)  # catalogue.curation.PublishedResult
    candidates: list = field(default_factory=list)  # catalogue.curation.CandidateTrial
    sequence_files: list[DemoSequenceFile] = field(default_factory=list)
    product_sequences: list[ProductSequenceFact] = field(default_factory=list)
    products_without_sequence: dict[str, str] = field(default_factory=dict)  # construct -> why


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
        if values.get("modality") == "":  # no cited source states the modality
            values["modality"] = None
        for registry_id in values.pop("trials", []):
            catalogue.trial_links.append((registry_id, values["name"]))
        values = with_product_facts(values)
        values["epitopes"] = [_draft(EpitopeDraft, e) for e in values.get("epitopes", [])]
        catalogue.constructs.append(_draft(ConstructDraft, values))
    trials_file = DEMO_DIR / "trials.json"
    if trials_file.exists():
        catalogue.trials = load_demo_trials(trials_file)
    catalogue.published_results = read_published_results()
    candidates_file = DEMO_DIR / "programme_candidates.json"
    if candidates_file.exists():
        from catalogue.curation.programme_candidates import CandidateTrial

        catalogue.trials += load_demo_trials(candidates_file)
        entries = json.loads(candidates_file.read_text(encoding="utf-8"))["candidates"]
        catalogue.candidates = [CandidateTrial(**entry) for entry in entries]
    designs = CONSTRUCTS_DIR / "designs.toml"
    if designs.exists():
        for design in tomllib.loads(designs.read_text(encoding="utf-8")).get("design", []):
            catalogue.constructs.append(design_construct(design))
            catalogue.sequence_files.append(DemoSequenceFile(CONSTRUCTS_DIR / design["file"], design["name"]))
    products = CONSTRUCTS_DIR / "products.toml"
    if products.exists():
        index = tomllib.loads(products.read_text(encoding="utf-8"))
        for entry in index.get("product", []):
            fact = ProductSequenceFact(entry["construct"], entry["file"], entry["accession"], entry["citation"],
                                       tuple(entry.get("shared_with", [])))
            catalogue.product_sequences.append(fact)
            catalogue.sequence_files.append(DemoSequenceFile(CONSTRUCTS_DIR / fact.file, fact.construct))
        catalogue.products_without_sequence = {m["construct"]: m["reason"] for m in index.get("missing", [])}
    return catalogue


@dataclass(frozen=True)
class DesignedDomain:
    """One of a reference design's binder V domains, named in its parts list ("Belantamab VL")."""

    kind: str
    label: str
def read_published_results() -> list:
    """The demo's published patients-treated results (catalogue/demo/patients_treated.toml)."""
    from catalogue.curation.patients_treated import PublishedResult

    results = []
    for entry in _toml("patients_treated.toml").get("result", []):
        kind = "trial" if "trial" in entry else "construct"
        results.append(PublishedResult(
            kind, entry[kind], entry["patients_treated"], entry["citation"], doi=entry.get("doi"),
            pmid=entry.get("pmid"), published=entry.get("published"), population=entry.get("population"),
        ))
    return results
def demo_targets(symbols: list[str]) -> list[TargetDraft]:
    """The demo's targets, their facts read from ``catalogue/reference/targets.toml``."""
    by_symbol = {t.symbol: t for t in reference_targets()}
    missing = [s for s in symbols if s not in by_symbol]
    if missing:
        raise ValueError(f"demo catalogue: target(s) {', '.join(missing)} are not in catalogue/reference/targets.toml")
    return [
        TargetDraft(
            symbol=t.symbol, gene_symbol=t.gene_symbol, aliases=list(t.aliases), uniprot=t.uniprot, note=t.note,
            source=t.source, kind=t.kind,
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
