"""A corpus of GenBank files of CAR designs, generated from real public parts.

Each record is :func:`catalogue.design.design_construct` of a varied chain: a signal
peptide, the V domains of a therapeutic antibody from a Thera-SAbDab export (VH-VL or
VL-VH scFv with one of the reference linkers, or a single VHH), a hinge, a
transmembrane domain, 0-2 costimulatory domains, CD3ζ, and sometimes a 2A peptide with
a second signal peptide and the EGFRt marker. Proteins are back-translated with the
fixed codon table of :mod:`catalogue.design`; every record's protein is distinct, so
every record is a new sequence to the catalogue. The same seed gives the same corpus.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from catalogue.design import design_construct
from catalogue.detect.binders import ReferenceBinder, parse_therasabdab

SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
THERASABDAB = SHARED_DATA / "binders" / "TheraSAbDab_SeqStruc_OnlineDownload.csv"

SIGNAL_PEPTIDES = ("cd8a_signal_peptide", "csf2ra_signal_peptide", "igk_leader")
LINKERS = ("g4s3_linker", "whitlow_218_linker", "g4s1_linker")
HINGES = ("cd8a_hinge", "cd28_hinge", "igg4_hinge", "igg4_hinge_ch2_ch3")
TRANSMEMBRANES = ("cd8a_transmembrane", "cd28_transmembrane")
COSTIMULATION = (("tnfrsf9_costimulatory",), ("cd28_costimulatory",),
                 ("cd28_costimulatory", "tnfrsf9_costimulatory"), ())
CLEAVAGE_2A = ("t2a", "p2a", "e2a", "f2a")
MARKER_SHARE = 0.3  # records that carry 2A + signal peptide + EGFRt after the CAR
VHH_SHARE = 0.05  # records with a single-domain binder


@dataclass(frozen=True)
class Corpus:
    """The generated files and how many records they hold."""

    files: list[Path]
    records: int


def binder_library(path: Path = THERASABDAB) -> list[ReferenceBinder]:
    """The Thera-SAbDab rows the corpus draws binders from (needs ../shared/data)."""
    return parse_therasabdab(path.read_bytes(), path.name)


def _design(rng: random.Random, name: str, paired: list[ReferenceBinder],
            single: list[ReferenceBinder]) -> str:
    if single and rng.random() < VHH_SHARE:
        binder = rng.choice(single)
        items = ((f"{binder.name} VHH", "vhh", binder.heavy, binder.source),)
        binder_parts = ["{binder1}"]
    else:
        binder = rng.choice(paired)
        vh = (f"{binder.name} VH", "vh", binder.heavy, binder.source)
        vl = (f"{binder.name} VL", "vl", binder.light, binder.source)
        items = (vh, vl) if rng.random() < 0.6 else (vl, vh)
        binder_parts = ["{binder1}", rng.choice(LINKERS), "{binder2}"]
    parts = [rng.choice(SIGNAL_PEPTIDES), *binder_parts, rng.choice(HINGES), rng.choice(TRANSMEMBRANES),
             *rng.choice(COSTIMULATION), "cd247_signalling"]
    if rng.random() < MARKER_SHARE:
        parts += [rng.choice(CLEAVAGE_2A), "csf2ra_signal_peptide", "egfrt"]
    return design_construct(name, parts, items, back_translate=True)


def write_corpus(folder: Path, records: int, per_file: int, *, seed: int = 20260822,
                 library: list[ReferenceBinder] | None = None, prefix: str = "BN") -> Corpus:
    """Write ``records`` GenBank records, ``per_file`` to a file, into ``folder``.

    Record names (``BN000001``...) are unique; so are the sequences (a repeated
    design is drawn again).
    """
    library = library if library is not None else binder_library()
    paired = [b for b in library if b.heavy and b.light]
    single = [b for b in library if b.heavy and not b.light]
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    seen: set[str] = set()
    files: list[Path] = []
    made = 0
    while made < records:
        texts = []
        for _ in range(min(per_file, records - made)):
            name = f"{prefix}{made + 1:06d}"
            while True:
                text = _design(rng, name, paired, single)
                body = text.split("\nORIGIN", 1)[1]
                if body not in seen:
                    seen.add(body)
                    break
            texts.append(text)
            made += 1
        path = folder / f"designs_{len(files) + 1:04d}.gb"
        path.write_text("".join(texts), encoding="utf-8")
        files.append(path)
    return Corpus(files, made)
