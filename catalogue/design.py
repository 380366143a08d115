"""Design from parts: assemble a CAR from reference parts and binder V domains.

:func:`design_construct` returns an annotated GenBank record, either protein or a
back-translated DNA open reading frame carrying the same protein features. The reference
designs shipped in ``constructs/`` are built by :func:`reference_designs` from public
therapeutic antibody V domains (Thera-SAbDab) and are labelled as what they are:
reference designs assembled from public parts, not products.

    python -m catalogue.design ../shared/data/binders/TheraSAbDab_SeqStruc_OnlineDownload.csv constructs/ \
        ../shared/data/sequences/ternary_templates_v2.tsv

Reference TCR-T designs (:data:`REFERENCE_TCR_DESIGNS`) take their V domains from a public
TCR:peptide:MHC structure (the TCRdock ternary templates) and carry the epitope the structure shows.
"""

from __future__ import annotations

import io
import re
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

from Bio import BiopythonWarning, SeqIO
from Bio.Seq import Seq
from Bio.SeqFeature import FeatureLocation, SeqFeature
from Bio.SeqRecord import SeqRecord

from catalogue.detect.binders import ReferenceBinder, parse_therasabdab
from catalogue.detect.parts import part_named
from catalogue.errors import InvalidInput
from catalogue.vocabulary import DOMAIN_KINDS

NOT_A_PRODUCT = "reference design assembled from public parts, not a product"
BINDER_TOKEN = re.compile(r"^\{binder(\d*)\}$")
PROTEIN_LETTERS = frozenset("ACDEFGHIKLMNPQRSTVWY")

# One codon per amino acid: the most frequent human codon (Kazusa codon usage table,
# Homo sapiens). A readable, deterministic back-translation, not codon optimisation.
HUMAN_CODONS = {
    "A": "GCC", "R": "AGA", "N": "AAC", "D": "GAC", "C": "TGC", "Q": "CAG", "E": "GAG",
    "G": "GGC", "H": "CAC", "I": "ATC", "L": "CTG", "K": "AAG", "M": "ATG", "F": "TTC",
    "P": "CCC", "S": "AGC", "T": "ACC", "W": "TGG", "Y": "TAC", "V": "GTG",
}
STOP_CODON = "TGA"

BinderItem = tuple[str, str, str, str]  # (label, kind, protein sequence, source)


@dataclass(frozen=True)
class Segment:
    """One piece of a designed chain."""

    label: str
    kind: str
    sequence: str
    source: str


def _segments(part_names: list[str], binder: tuple[BinderItem, ...]) -> list[Segment]:
    for item in binder:
        if len(item) != 4:
            raise InvalidInput("each binder item is (label, kind, sequence, source)")
        label, kind, sequence, _ = item
        if kind not in DOMAIN_KINDS:
            raise InvalidInput(f"binder item {label!r}: unknown kind {kind!r}")
        if not sequence or not set(sequence.upper()) <= PROTEIN_LETTERS:
            raise InvalidInput(f"binder item {label!r}: not an amino-acid sequence")
    names = list(part_names)
    if binder and not any(BINDER_TOKEN.match(n) for n in names):
        # no placeholder: the binder follows the signal peptide (or opens the chain)
        names.insert(1 if names and part_named(names[0]).kind == "signal_peptide" else 0, "{binder}")
    segments: list[Segment] = []
    used: set[int] = set()
    for name in names:
        token = BINDER_TOKEN.match(name)
        if token:
            numbers = [int(token.group(1))] if token.group(1) else list(range(1, len(binder) + 1))
            for number in numbers:
                if not 1 <= number <= len(binder):
                    raise InvalidInput(f"{name}: there are {len(binder)} binder items")
                label, kind, sequence, source = binder[number - 1]
                segments.append(Segment(label, kind, sequence.upper(), source))
                used.add(number)
            continue
        part = part_named(name)
        segments.append(
            Segment(part.label, part.kind, part.sequence, f"{part.reference}. {part.source}")
        )
    if binder and used != set(range(1, len(binder) + 1)):
        raise InvalidInput("some binder items are not placed by a {binderN} token")
    return segments


def _locus_name(name: str) -> str:
    squashed = re.sub(r"[^A-Za-z0-9_]", "_", name).strip("_") or "design"
    return squashed[:16]


def design_construct(
    name: str,
    part_names: list[str],
    binder: tuple[BinderItem, ...],
    *,
    back_translate: bool,
) -> str:
    """An annotated GenBank record of a CAR built from reference parts and binder domains.

    ``part_names`` are reference part names or labels in chain order; ``"{binder}"`` places
    all binder items there, ``"{binder1}"``, ``"{binder2}"``... place single items (so a
    linker part can sit between VH and VL). Without a token the binder follows the first
    signal peptide. ``binder`` items are ``(label, kind, protein sequence, source)``.

    With ``back_translate`` the record is DNA: one fixed codon per residue
    (:data:`HUMAN_CODONS`) plus a stop codon, a CDS feature with the translation, and each
    part as a feature on its codons. Otherwise the record is the protein with one Region
    feature per part. Every feature carries /label and a /note with the part's source.
    """
    if not name.strip():
        raise InvalidInput("a design needs a name")
    segments = _segments(part_names, binder)
    if not segments:
        raise InvalidInput("a design needs at least one part")
    protein = "".join(s.sequence for s in segments)
    scale = 3 if back_translate else 1
    features: list[SeqFeature] = []
    position = 0
    for segment in segments:
        start, end = position * scale, (position + len(segment.sequence)) * scale
        if back_translate:
            key = "sig_peptide" if segment.kind == "signal_peptide" else "misc_feature"
        else:
            key = "Region"
        features.append(
            SeqFeature(
                FeatureLocation(start, end, strand=1 if back_translate else None),
                type=key,
                qualifiers={
                    "label": [segment.label],
                    "note": [f"kind: {segment.kind}; source: {segment.source}"],
                },
            )
        )
        position += len(segment.sequence)
    if back_translate:
        sequence = "".join(HUMAN_CODONS[a] for a in protein) + STOP_CODON
        features.insert(
            0,
            SeqFeature(
                FeatureLocation(0, len(sequence), strand=1),
                type="CDS",
                qualifiers={"label": [name], "translation": [protein], "codon_start": ["1"],
                            "note": [NOT_A_PRODUCT]},
            ),
        )
        molecule = "DNA"
        how = (
            "DNA: the protein back-translated with one fixed codon per residue (the most "
            "frequent human codon, Kazusa table), plus a TGA stop; not codon-optimised and "
            "not validated for expression. Part features are the protein parts on their codons."
        )
    else:
        sequence = protein
        molecule = "protein"
        how = "protein: one Region feature per part."
    record = SeqRecord(
        Seq(sequence),
        id=_locus_name(name),
        name=_locus_name(name),
        description=f"{name}, {NOT_A_PRODUCT}",
        features=features,
        annotations={
            "molecule_type": molecule,
            "topology": "linear",
            "data_file_division": "SYN",
            "comment": f"{name}: {NOT_A_PRODUCT}. Record type: {how} Parts in order: "
            + "; ".join(f"{s.label} ({s.kind})" for s in segments) + ".",
        },
    )
    out = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BiopythonWarning)
        SeqIO.write(record, out, "genbank")
    return out.getvalue()


# ------------------------------------------------------------- reference designs


@dataclass(frozen=True)
class DesignSpec:
    """A shipped reference design: which therapeutic's V domains in which frame of parts."""

    file: str
    name: str
    targets: tuple[str, ...]
    therapeutic: str  # Thera-SAbDab "Therapeutic" name whose HC/LC are the binder
    order: str  # "VH-VL" or "VL-VH"
    parts: tuple[str, ...]  # with "{binder1}", "{binder2}" for the two V domains


SCFV_8BBZ = ("cd8a_hinge", "cd8a_transmembrane", "tnfrsf9_costimulatory", "cd247_signalling")

REFERENCE_DESIGNS = (
    DesignSpec(
        "ref_CD19_tafasitamab_IgG4-28TM-BBz-EGFRt.gb", "ref-CD19-tafasitamab-BBz-EGFRt",
        ("CD19",), "Tafasitamab", "VL-VH",
        ("csf2ra_signal_peptide", "{binder1}", "whitlow_218_linker", "{binder2}", "igg4_hinge",
         "cd28_transmembrane", "tnfrsf9_costimulatory", "cd247_signalling", "t2a",
         "csf2ra_signal_peptide", "egfrt"),
    ),
    DesignSpec(
        "ref_CD22_inotuzumab_8BBz.gb", "ref-CD22-inotuzumab-BBz", ("CD22",), "Inotuzumab", "VH-VL",
        ("cd8a_signal_peptide", "{binder1}", "g4s3_linker", "{binder2}") + SCFV_8BBZ,
    ),
    DesignSpec(
        "ref_BCMA_belantamab_8BBz.gb", "ref-BCMA-belantamab-BBz", ("BCMA",), "Belantamab", "VL-VH",
        ("cd8a_signal_peptide", "{binder1}", "g4s3_linker", "{binder2}") + SCFV_8BBZ,
    ),
    DesignSpec(
        "ref_CD7_grisnilimab_8BBz.gb", "ref-CD7-grisnilimab-BBz", ("CD7",), "Grisnilimab", "VH-VL",
        ("cd8a_signal_peptide", "{binder1}", "g4s3_linker", "{binder2}") + SCFV_8BBZ,
    ),
    DesignSpec(
        "ref_CD38_daratumumab_8BBz.gb", "ref-CD38-daratumumab-BBz", ("CD38",), "Daratumumab", "VH-VL",
        ("cd8a_signal_peptide", "{binder1}", "g4s3_linker", "{binder2}") + SCFV_8BBZ,
    ),
    DesignSpec(
        "ref_CD30_brentuximab_28-BBz.gb", "ref-CD30-brentuximab-28BBz", ("CD30",), "Brentuximab",
        "VL-VH",
        ("csf2ra_signal_peptide", "{binder1}", "whitlow_218_linker", "{binder2}", "cd28_hinge",
         "cd28_transmembrane", "cd28_costimulatory", "tnfrsf9_costimulatory", "cd247_signalling"),
    ),
    DesignSpec(
        "ref_CD123_talacotuzumab_IgG4Fc-28z.gb", "ref-CD123-talacotuzumab-28z", ("CD123",),
        "Talacotuzumab", "VH-VL",
        ("igk_leader", "{binder1}", "g4s3_linker", "{binder2}", "igg4_hinge_ch2_ch3",
         "cd28_transmembrane", "cd28_costimulatory", "cd247_signalling"),
    ),
    DesignSpec(
        "ref_CS1_elotuzumab_8BBz.gb", "ref-CS1-elotuzumab-BBz", ("CS1", "SLAMF7"), "Elotuzumab",
        "VH-VL",
        ("cd8a_signal_peptide", "{binder1}", "g4s3_linker", "{binder2}") + SCFV_8BBZ,
    ),
)


def binder_items(spec: DesignSpec, library: list[ReferenceBinder]) -> tuple[BinderItem, BinderItem]:
    """The two V-domain items of a design, from the named Thera-SAbDab row."""
    row = next((b for b in library if b.name == spec.therapeutic), None)
    if row is None or not row.heavy or not row.light:
        raise InvalidInput(f"{spec.therapeutic}: no row with both VH and VL in the Thera-SAbDab file")
    source = f"{spec.therapeutic} (INN), target {row.target}; {row.source}"
    vh = (f"{spec.therapeutic} VH", "vh", row.heavy, source)
    vl = (f"{spec.therapeutic} VL", "vl", row.light, source)
    return (vh, vl) if spec.order == "VH-VL" else (vl, vh)


def reference_designs(library: list[ReferenceBinder]) -> dict[str, str]:
    """GenBank text of every shipped reference design, by file name."""
    return {
        spec.file: design_construct(spec.name, list(spec.parts), binder_items(spec, library),
                                    back_translate=True)
        for spec in REFERENCE_DESIGNS
    }


def designs_index(library: list[ReferenceBinder]) -> str:
    """``constructs/designs.toml``: one [[design]] table per shipped file."""
    lines = [
        f"# Shipped reference designs ({NOT_A_PRODUCT}s). Generated by python -m catalogue.design.",
        "",
    ]
    for spec in REFERENCE_DESIGNS:
        items = binder_items(spec, library)
        parts = []
        for name in spec.parts:
            token = BINDER_TOKEN.match(name)
            parts.append(items[int(token.group(1)) - 1][0] if token else part_named(name).label)
        lines += [
            "[[design]]",
            f'file = "{spec.file}"',
            f'name = "{spec.name}"',
            "targets = [" + ", ".join(f'"{t}"' for t in spec.targets) + "]",
            f'binder = "{spec.therapeutic} VH/VL ({spec.order} scFv), Thera-SAbDab"',
            "parts = [" + ", ".join(f'"{p}"' for p in parts) + "]",
            'molecule = "DNA"',
            "",
        ]
    return "\n".join(lines)


# ------------------------------------------------------------- reference TCR designs


@dataclass(frozen=True)
class TcrDesignSpec:
    """A shipped reference TCR-T design: a public TCR:peptide:MHC structure's V domains in a frame of parts.

    The V domains come from the TCRdock ternary templates (``ternary_templates_v2.tsv``: PDB entry,
    genes, CDR3s, chain sequences); ``{alpha}`` and ``{beta}`` place them among the parts.
    """

    file: str
    name: str
    targets: tuple[str, ...]
    pdb: str
    tcr: str  # the TCR's name in the literature, e.g. "1G4"
    parts: tuple[str, ...]
    antigen: str  # gene symbol
    uniprot: str
    peptide_range: tuple[int, int]
    epitope_source: str


REFERENCE_TCR_DESIGNS = (
    TcrDesignSpec(
        "ref_NY-ESO-1_1G4_TRAC-P2A-TRBC2.gb", "ref-NY-ESO-1-1G4-TCR", ("NY-ESO-1",), "2bnr", "1G4",
        ("cd8a_signal_peptide", "{alpha}", "trac", "p2a", "cd8a_signal_peptide", "{beta}", "trbc2"),
        "CTAG1B", "P78358", (157, 165),
        "NY-ESO-1 157-165 (SLLMWITQC) presented by HLA-A*02:01 to TCR 1G4: PDB 2BNR (Chen et al., J Exp Med "
        "2005;201:1243); peptide and restriction as in the TCRdock ternary template of 2bnr",
    ),
)


def tcr_templates(tsv: bytes, file_name: str) -> dict[str, dict[str, str]]:
    """The TCRdock ternary templates by PDB id: organism, MHC allele, peptide, genes, CDR3s, V domains."""
    import csv

    try:
        rows = list(csv.DictReader(io.StringIO(tsv.decode("utf-8")), delimiter="\t"))
    except UnicodeDecodeError:
        raise InvalidInput("not UTF-8 text", file=file_name) from None
    templates = {}
    for number, row in enumerate(rows, start=2):
        chains = (row.get("chainseq") or "").split("/")
        if not row.get("pdbid") or len(chains) < 4:
            raise InvalidInput("a template needs pdbid and chainseq MHC/peptide/alpha/beta", file=file_name,
                               line=number)
        templates[row["pdbid"].lower()] = row | {"alpha_v": chains[-2], "beta_v": chains[-1]}
    return templates


def tcr_binder_items(spec: TcrDesignSpec, templates: dict[str, dict[str, str]]) -> tuple[BinderItem, BinderItem]:
    """The alpha and beta V-domain items of a TCR design, from its PDB entry's template."""
    row = templates.get(spec.pdb)
    if row is None:
        raise InvalidInput(f"{spec.pdb}: no such PDB entry in the TCR templates")
    source = (f"TCR {spec.tcr}, PDB {spec.pdb.upper()} ({row['organism']}, {row['mhc_allele']} + "
              f"{row['pep_seq']}); V domain as in phbradley/TCRdock tcrdock/db/ternary_templates_v2.tsv (MIT)")
    alpha = (f"{spec.tcr} Vα ({row['va']}, CDR3 {row['cdr3a']})", "tcr_alpha_variable", row["alpha_v"], source)
    beta = (f"{spec.tcr} Vβ ({row['vb']}, CDR3 {row['cdr3b']})", "tcr_beta_variable", row["beta_v"], source)
    return alpha, beta


def reference_tcr_designs(templates: dict[str, dict[str, str]]) -> dict[str, str]:
    """GenBank text of every shipped reference TCR design, by file name."""
    designs = {}
    for spec in REFERENCE_TCR_DESIGNS:
        parts = [p.replace("{alpha}", "{binder1}").replace("{beta}", "{binder2}") for p in spec.parts]
        designs[spec.file] = design_construct(spec.name, parts, tcr_binder_items(spec, templates),
                                              back_translate=True)
    return designs


def tcr_designs_index(templates: dict[str, dict[str, str]]) -> str:
    """The [[design]] tables of the TCR designs (appended to ``constructs/designs.toml``)."""
    from catalogue.parse.tcr_facts import normalise_hla

    lines = []
    for spec in REFERENCE_TCR_DESIGNS:
        row = templates[spec.pdb]
        alpha, beta = tcr_binder_items(spec, templates)
        labels = {"{alpha}": alpha[0], "{beta}": beta[0]}
        parts = [labels.get(name) or part_named(name).label for name in spec.parts]
        first, last = spec.peptide_range
        if last - first + 1 != len(row["pep_seq"]):
            raise InvalidInput(f"{spec.name}: residues {first}-{last} do not span {row['pep_seq']}")
        lines += [
            "[[design]]",
            f'file = "{spec.file}"',
            f'name = "{spec.name}"',
            'modality = "TCR-T"',
            "targets = [" + ", ".join(f'"{t}"' for t in spec.targets) + "]",
            f'binder = "TCR {spec.tcr} Vα/Vβ (PDB {spec.pdb.upper()}), TCRdock ternary templates"',
            "parts = [" + ", ".join(f'"{p}"' for p in parts) + "]",
            'molecule = "DNA"',
            "",
            "[[design.epitopes]]",
            f'antigen = "{spec.antigen}"',
            f'peptide = "{row["pep_seq"]}"',
            f'hla = "{normalise_hla(row["mhc_allele"])}"',
            f'uniprot = "{spec.uniprot}"',
            f"peptide_start = {first}",
            f"peptide_end = {last}",
            f'source = "{spec.epitope_source}"',
            "",
        ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Write the reference designs and their index into a folder."""
    if len(argv) not in (2, 3):
        print("usage: python -m catalogue.design THERASABDAB_CSV OUT_DIR [TCR_TEMPLATES_TSV]", file=sys.stderr)
        return 2
    csv_path, out_dir = Path(argv[0]), Path(argv[1])
    library = parse_therasabdab(csv_path.read_bytes(), csv_path.name)
    out_dir.mkdir(parents=True, exist_ok=True)
    for file_name, text in reference_designs(library).items():
        (out_dir / file_name).write_text(text, encoding="utf-8")
    index = designs_index(library)
    count = len(REFERENCE_DESIGNS)
    if len(argv) == 3:
        tsv = Path(argv[2])
        templates = tcr_templates(tsv.read_bytes(), tsv.name)
        for file_name, text in reference_tcr_designs(templates).items():
            (out_dir / file_name).write_text(text, encoding="utf-8")
        index += "\n" + tcr_designs_index(templates)
        count += len(REFERENCE_TCR_DESIGNS)
    (out_dir / "designs.toml").write_text(index, encoding="utf-8")
    print(f"wrote {count} designs and designs.toml to {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
