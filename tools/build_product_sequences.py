"""Build the approved CAR-T products' CAR protein records in constructs/ (and constructs/products.toml).

Each record is a public sequence fact with its citation (a GenBank accession, a patent SEQ ID, a journal
supplement), read from the shared copies in ../shared/data/sequences (see its SOURCES.md), translated with
Biopython, checked against the shared protein file where there is one, run through the catalogue's own domain
detection (:func:`catalogue.prepare.files.prepare_sequences`) and written as annotated GenBank by the catalogue's
own exporter (:func:`catalogue.export.to_genbank`): the domains are the project's detection, never the
source's annotations. What ships is the protein with its citation, not the shared file.

    python tools/build_product_sequences.py [--data ../shared/data/sequences] [--out constructs]

Liso-cel and obe-cel are not built: no public protein sequence of their CARs was found (patent, GenBank or
FDA GSRS record). Brexu-cel has axi-cel's CAR: its entry in products.toml points at axi-cel's record.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from Bio import SeqIO
from Bio.Seq import Seq

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from catalogue.export import to_genbank  # noqa: E402
from catalogue.prepare.files import prepare_sequences  # noqa: E402


@dataclass(frozen=True)
class ProductSequence:
    construct: str
    record_id: str
    description: str
    citation: str
    accession: str
    nucleotide_file: str  # in ../shared/data/sequences
    protein_file: str | None  # the shared translation or patent protein, to check against
    shared_with: tuple[str, ...] = ()


PRODUCTS = (
    ProductSequence(
        "tisa-cel", "tisa-cel_CAR",
        "tisagenlecleucel (Kymriah, CTL019) anti-CD19 CAR protein: translation of US 9,499,629 B2 SEQ ID NO:8",
        "US 9,499,629 B2 (June CH et al., University of Pennsylvania), SEQ ID NO:8, the CTL019 CAR coding sequence; "
        "translated (the copy read has one extra base after the last codon and no stop codon)",
        "US9499629B2 SEQ ID NO:8", "Tisacel_patentUS9499629B2.fasta", "Tisacel_patentUS9499629B2_protein_translated.fasta",
    ),
    ProductSequence(
        "axi-cel", "axi-cel_CAR",
        "axicabtagene ciloleucel (Yescarta, FMC63-28Z) anti-CD19 CAR protein: translation of GenBank HM852952",
        "GenBank HM852952, FMC63-28Z CAR (Kochenderfer JN et al., J Immunother 2009;32:689-702); translated",
        "GenBank HM852952", "Axicel_HM852952.fasta", "Axicel_HM852952_protein_translated.fasta",
        shared_with=("brexu-cel",),
    ),
    ProductSequence(
        "ide-cel", "ide-cel_CAR",
        "idecabtagene vicleucel (Abecma, bb2121) anti-BCMA CAR protein: WO2021091978A1 SEQ ID NO:9",
        "WO2021091978A1, SEQ ID NO:9 (protein) and NO:10 (coding sequence); the translation of NO:10 equals NO:9",
        "WO2021091978A1 SEQ ID NO:9", "Idecel_patentWO2021091978A1.fasta", "Idecel_patentWO2021091978A1_protein.fasta",
    ),
    ProductSequence(
        "cilta-cel", "cilta-cel_CAR",
        "ciltacabtagene autoleucel (Carvykti, LCAR-B38M) anti-BCMA bi-epitopic VHH CAR protein, Ozdemirli et al. 2024",
        "Ozdemirli M, et al. Indolent CD4+ CAR T-cell lymphoma after cilta-cel CAR T-cell therapy. "
        "N Engl J Med 2024;390:2074-82, supplementary Fig. S1 (CAR coding sequence); translated",
        "NEJM 2024 suppl. Fig. S1", "Ciltacel_Oezdemirli.fasta", "Ciltacel_Oezdemirli_protein_translated.fasta",
    ),
)
NOT_PUBLIC = {
    "liso-cel": "no public protein sequence of the liso-cel CAR was found (patent, GenBank or FDA GSRS record)",
    "obe-cel": "no public protein sequence of the obe-cel CAR was found (patent, GenBank or FDA GSRS record)",
}


def translated(path: Path) -> str:
    record = next(SeqIO.parse(path, "fasta"))
    coding = str(record.seq).upper()
    coding = coding[: len(coding) - len(coding) % 3]
    return str(Seq(coding).translate(to_stop=True))


def product_record(spec: ProductSequence, data: Path) -> tuple[str, list[str]]:
    """The GenBank text of one product's CAR protein, and the domains detection found (for the index)."""
    protein = translated(data / spec.nucleotide_file)
    if spec.protein_file:
        expected = str(next(SeqIO.parse(data / spec.protein_file, "fasta")).seq).upper().rstrip("*")
        if expected != protein:
            raise SystemExit(f"{spec.construct}: the translation of {spec.nucleotide_file} differs from {spec.protein_file}")
    fasta = f">{spec.record_id} {spec.description}. Source: {spec.citation}\n{protein}\n".encode()
    (draft,) = prepare_sequences(f"{spec.record_id}.fasta", fasta, molecule="protein").drafts
    draft.file_name = f"{spec.record_id}.gb"
    return to_genbank(draft), [f"{d.kind}:{d.label}:{d.start}-{d.end}" for d in draft.domains]


def index_text(entries: list[tuple[ProductSequence, list[str]]]) -> str:
    lines = [
        "# Approved CAR-T products: their CAR proteins as public sequence facts, each with its citation.",
        "# Generated by tools/build_product_sequences.py from the shared copies of the cited records; domains in",
        "# the .gb files are the catalogue's own detection. `shared_with`: products with the same CAR (the record",
        "# is this product's, and those products show it too). `missing`: products without a public sequence.",
        "",
    ]
    for spec, domains in entries:
        lines += [
            "[[product]]",
            f'construct = "{spec.construct}"',
            f'file = "{spec.record_id}.gb"',
            f'accession = "{spec.accession}"',
            f'citation = "{spec.citation}"',
            "shared_with = [" + ", ".join(f'"{s}"' for s in spec.shared_with) + "]",
            "detected = [" + ", ".join(f'"{d}"' for d in domains) + "]",
            "",
        ]
    for construct, reason in NOT_PUBLIC.items():
        lines += ["[[missing]]", f'construct = "{construct}"', f'reason = "{reason}"', ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "sequences")
    parser.add_argument("--out", type=Path, default=REPO / "constructs")
    args = parser.parse_args(argv)
    entries = []
    for spec in PRODUCTS:
        text, domains = product_record(spec, args.data)
        (args.out / f"{spec.record_id}.gb").write_text(text, encoding="utf-8")
        entries.append((spec, domains))
        print(f"{spec.construct}: {len(domains)} domains detected: {', '.join(domains)}")
    (args.out / "products.toml").write_text(index_text(entries), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
