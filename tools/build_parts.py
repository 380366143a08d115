"""Build catalogue/reference/parts.toml, the reference parts library, from public records.

Run from the repository root (the shared real-data folder must sit beside it):

    .venv/bin/python tools/build_parts.py [--shared ../shared/data] [--out catalogue/reference/parts.toml]

Where each part comes from:

* Parts derived here from the shared NCBI/SnapGene files (reproducible): the coding
  sequence of each RefSeq mRNA in ``sequences/fetched_sequences.fasta`` is taken as its
  longest ATG-initiated open reading frame, translated, and the domain is sliced by a
  residue range of that translation. The EGFR, T2A, P2A and Ig-kappa leader GenBank
  files are translated the same way.
* Parts not present in the shared data are written below as literals, each with the
  accession, residue range and the public source it was read from. The script checks
  what it can (e.g. that the literal CD8A sequence agrees with the shared CD8A RefSeq
  where both cover the same residues) and refuses to write the library otherwise.
* Synthetic linkers are literature facts (no accession).

Every derived segment is a public protein fact with accession and range; no CAR construct
sequence is copied.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from Bio import SeqIO
from Bio.Seq import Seq

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SHARED = REPO.parent / "shared" / "data"
DEFAULT_OUT = REPO / "catalogue" / "reference" / "parts.toml"

FETCHED = "sequences/fetched_sequences.fasta"
FETCHED_ORIGIN = (
    "fraunhofer-izi/Living-Drugs-Wiki extracted_pages/fetched_sequences.fasta "
    "(NCBI record as fetched by the authors)"
)
PLANNOTATE_ORIGIN = "mmcguffi/pLannotate data/addgene_features_20-9-3 (SnapGene standard feature, GPL-3.0)"


@dataclass(frozen=True)
class RefSeqSlice:
    """A domain sliced from the translated CDS of a RefSeq mRNA in fetched_sequences.fasta."""

    name: str
    kind: str
    label: str
    accession: str
    start: int  # 1-based residue in the translated CDS
    end: int
    note: str


REFSEQ_SLICES = (
    RefSeqSlice(
        "cd8a_signal_peptide", "signal_peptide", "CD8α signal peptide", "NM_171827.4", 1, 21,
        "CD8A signal peptide (UniProt P01732 signal 1-21).",
    ),
    RefSeqSlice(
        "csf2ra_signal_peptide", "signal_peptide", "GM-CSFRα signal peptide", "NR_027760.3", 1, 22,
        "CSF2RA (GM-CSF receptor alpha) signal peptide, residues 1-22 of the longest ORF of this "
        "record (a non-coding RefSeq transcript variant whose ORF starts with the CSF2RA leader; "
        "UniProt P15509 signal 1-22).",
    ),
    RefSeqSlice(
        "cd28_hinge", "hinge", "CD28 hinge", "NM_001410981.1", 128, 166,
        "CD28 extracellular membrane-proximal segment used as CAR hinge; this transcript "
        "variant's protein is 14 residues longer at the N-terminus than UniProt P10747, so "
        "128-166 here = P10747 114-152.",
    ),
    RefSeqSlice(
        "cd28_transmembrane", "transmembrane", "CD28 transmembrane", "NM_001410981.1", 167, 193,
        "CD28 transmembrane helix; = UniProt P10747 153-179 (topological TM).",
    ),
    RefSeqSlice(
        "cd28_costimulatory", "costimulatory", "CD28", "NM_001410981.1", 194, 234,
        "CD28 cytoplasmic domain; = UniProt P10747 180-220.",
    ),
    RefSeqSlice(
        "tnfrsf9_costimulatory", "costimulatory", "4-1BB", "NM_001561.6", 214, 255,
        "4-1BB (TNFRSF9, CD137) cytoplasmic domain; = UniProt Q07011 214-255.",
    ),
    RefSeqSlice(
        "cd247_signalling", "signalling", "CD3ζ", "NM_001378516.1", 83, 194,
        "CD3ζ (CD247) cytoplasmic domain with the three ITAMs, from RVKF to the C-terminus "
        "(transcript variant 4; = UniProt P20963-3, isoform 3 (163 aa, NP_000725.1), residues "
        "52-163: the cytoplasmic domain of the isoform without Gln101 of the canonical isoform 1 "
        "(P20963-1, 164 aa, where the same stretch is 52-164 minus Q101), as used in CARs; checked "
        "against the UniProt sequence by tests/test_parts_reference.py).",
    ),
)


@dataclass(frozen=True)
class LiteralPart:
    """A part whose sequence is not in the shared data: written here with where it was read."""

    name: str
    kind: str
    label: str
    accession: str | None
    start: int | None
    end: int | None
    sequence: str
    source: str
    cysteine_site: int | None = None


# Full-length human CD8A isoform 1 (UniProt P01732, 235 aa). The shared RefSeq NM_171827.4 is
# transcript variant 2 (a 198-aa isoform without the transmembrane exon), so hinge end and TM
# come from this sequence; it is checked against NM_171827.4 over residues 1-170 below.
CD8A_P01732 = (
    "MALPVTALLLPLALLLHAARPSQFRVSPLDRTWNLGETVELKCQVLLSNPTSGCSWLFQPRGAAASPTFLLYLSQNKPKAAEGL"
    "DTQRFSGKRLGDTFVLTLSDFRRENEGCYFCSALSNSIMYFSHFVPVFLPAKPTTTPAPRPPTPAPTIASQPLSLRPEACRPAAG"
    "GAVHTRGLDFACDIYIWAPLAGTCGVLLLSLVITLYCNHRNRRRVCKCPRPVVKSGDKPSLSARYV"
)
CD8A_SOURCE = (
    "UniProt P01732 (CD8A isoform 1) as written in a public GitHub test file found by code "
    "search (an 'amphipathic index' unittest; repository not named by the index); agrees "
    "with the shared RefSeq NM_171827.4 translation over residues 1-170 except one residue "
    "(C/Y at 112); hinge and TM residues are identical to the four approved CARs in the "
    "shared data."
)
# Human IgG4 constant region CH1 (1-98) and hinge-CH2-CH3 (99-327) with the stabilising
# S228P (EU numbering) hinge substitution, as used in IgG4-spacer CARs.
IGHG4_CH1 = (
    "ASTKGPSVFPLAPCSRSTSESTAALGCLVKDYFPEPVTVSWNSGALTSGVHTFPAVLQSSGLYSLSSVVTVPSSSLGTKTYTCNVD"
    "HKPSNTKVDKRV"
)
IGHG4_FC_S228P = (
    "ESKYGPPCPPCPAPEFLGGPSVFLFPPKPKDTLMISRTPEVTCVVVDVSQEDPEVQFNWYVDGVEVHNAKTKPREEQFNSTYRVVS"
    "VLTVLHQDWLNGKEYKCKVSNKGLPSSIEKTISKAKGQPREPQVYTLPPSQEEMTKNQVSLTCLVKGFYPSDIAVEWESNGQPENN"
    "YKTTPPVLDSDGSFFLYSRLTVDKSRWQEGNVFSCSVMHEALHNHYTQKSLSLSLGK"
)
IGHG4_SOURCE = (
    "UniProt P01861 (IGHG4) constant region with S228P, as written in public GitHub antibody "
    "files found by code search (several independent files agree: an 'IgG4 Fc with S228P' "
    "constant and full IgG4 heavy chains); CH1 is 98 residues in those files, so the hinge "
    "is 99-110 and the Fc ends at 327. The S228P hinge (ESKYGPPCPPCP) differs from the "
    "natural ESKYGPPCPSCP at one residue. The L235E and N297Q (EU numbering) Fc-receptor-"
    "binding mutations of some long hinge-CH2-CH3 spacers sit in CH2 (Hudecek et al., Cancer "
    "Immunol Res 2015;3:125-35): they are not part of the 12-residue hinge (liso-cel's spacer) "
    "and are not included in the long spacer here."
)
TRAC_P01848 = (
    "IQNPDPAVYQLRDSKSSDKSVCLFTDFDSQTNVSQSKDSDVYITDKTVLDMRSMDFKSNSAVAWSNKSDFACANAFNNSIIPEDT"
    "FFPSPESSCDVKLVEKSFETDTNLNFQNLSVIGFRILLLKVAGFNLLMTLRLWSS"
)
TRBC1_P01850 = (
    "DLNKVFPPEVAVFEPSEAEISHTQKATLVCLATGFFPDHVELSWWVNGKEVHSGVSTDPQPLKEQPALNDSRYCLSSRLRVSATF"
    "WQNPRNHFRCQVQFYGLSENDEWTQDRAKPVTQIVSAEAWGRADCGFTSVSYQQGVLSATILYEILLGKATLYAVLVSALVLMAMV"
    "KRKDF"
)
# Human TRBC2 (UniProt A0A5B9) and mouse TRAC (UniProt P01849), as written in the same public
# TCR-standardisation module; mouse TRBC1 (UniProt P01852, TCB1_MOUSE) as written in a second public
# TCR module found by code search, which names the UniProt entry.
TRBC2_A0A5B9 = (
    "DLKNVFPPEVAVFEPSEAEISHTQKATLVCLATGFYPDHVELSWWVNGKEVHSGVSTDPQPLKEQPALNDSRYCLSSRLRVSATFWQNPRNHFRCQVQFYGLSENDEWTQ"
    "DRAKPVTQIVSAEAWGRADCGFTSESYQQGVLSATILYEILLGKATLYAVLVSALVLMAMVKRKDSRG"
)
MOUSE_TRAC_P01849 = (
    "IQNPEPAVYQLKDPRSQDSTLCLFTDFDSQINVPKTMESGTFITDKTVLDMKAMDSKSNGAIAWSNQTSFTCQDIFKETNATYPSSDVPCDATLTEKSFETDMNLNFQNL"
    "SVMGLRILLLKVAGFNLLMTLRLWSS"
)
MOUSE_TRBC1_P01852 = (
    "EDLRNVTPPKVSLFEPSKAEIANKQKATLVCLARGFFPDHVELSWWVNGKEVHSGVSTDPQAYKESNYSYCLSSRLRVSATFWHNPRNHFRCQVQFHGLSEEDKWPEGS"
    "PKPVTQNISAEAWGRADCGITSASYQQGVLSATILYEILLGKATLYAVLVSTLVVMAMVKRKNS"
)
# The engineered inter-chain disulphide of TCR-T constructs (Kuball et al., Blood 2007;109:2331; Cohen et al.,
# Cancer Res 2007;67:3898): Cα Thr48 -> Cys and Cβ Ser57 -> Cys. The site is found here by its motif
# (the Thr of ITDKTVLD in Cα, the Ser of HSGVSTDP in Cβ) and stored as a residue of each part.
CYSTEINE_MOTIFS = {"alpha": ("ITDKTVLD", 4), "beta": ("HSGVSTDP", 4)}
CYSTEINE_SOURCE = (
    " Engineered-cysteine site (cysteine_site): the residue that the inter-chain disulphide of cysteine-modified "
    "TCR-T constructs replaces with Cys (Cα Thr48, Cβ Ser57 in the literature's numbering; Kuball et al., Blood "
    "2007;109:2331; Cohen et al., Cancer Res 2007;67:3898), located by its motif (ITDKTVLD / HSGVSTDP)."
)


def cysteine_site(sequence: str, chain: str) -> int:
    motif, offset = CYSTEINE_MOTIFS[chain]
    at = sequence.find(motif)
    if at < 0 or sequence.count(motif) != 1:
        raise SystemExit(f"the {chain} constant region does not carry the motif {motif} once")
    return at + offset + 1


TCR_C_SOURCE = (
    "as written in a public GitHub TCR-standardisation module found by code search, which "
    "cites the UniProt entry and states that Stitchr and UniProt agree exactly; the TRAC "
    "string is also identical in several other public TCR files."
)

LITERAL_PARTS = (
    LiteralPart(
        "cd8a_hinge", "hinge", "CD8α hinge", "P01732", 138, 182, CD8A_P01732[137:182],
        "CD8A membrane-proximal extracellular segment used as CAR hinge. " + CD8A_SOURCE,
    ),
    LiteralPart(
        "cd8a_transmembrane", "transmembrane", "CD8α transmembrane", "P01732", 183, 206,
        CD8A_P01732[182:206],
        "CD8A transmembrane helix (UniProt topological TM 183-203) plus the three juxtamembrane "
        "residues LYC that CD8α-TM CARs carry. " + CD8A_SOURCE,
    ),
    LiteralPart(
        "igg4_hinge", "hinge", "IgG4 hinge", "P01861", 99, 110, IGHG4_FC_S228P[:12],
        "IgG4 short hinge (S228P): the 12-residue spacer of liso-cel-type CARs, with no CH2 or "
        "CH3. " + IGHG4_SOURCE,
    ),
    LiteralPart(
        "igg4_hinge_ch2_ch3", "hinge", "IgG4 hinge-CH2-CH3", "P01861", 99, 327, IGHG4_FC_S228P,
        "IgG4 hinge-CH2-CH3 long spacer (S228P). " + IGHG4_SOURCE,
    ),
    LiteralPart(
        "trac", "tcr_constant", "TRAC", "P01848", 1, 140, TRAC_P01848,
        "Human TCR alpha constant region (UniProt P01848, full length) " + TCR_C_SOURCE,
    ),
    LiteralPart(
        "trbc1", "tcr_constant", "TRBC1", "P01850", 1, 176, TRBC1_P01850,
        "Human TCR beta constant region 1 (UniProt P01850, full length) " + TCR_C_SOURCE,
    ),
    LiteralPart(
        "trbc2", "tcr_constant", "TRBC2", "A0A5B9", 1, 178, TRBC2_A0A5B9,
        "Human TCR beta constant region 2 (UniProt A0A5B9, full length) as written in the same public "
        "TCR-standardisation module, which notes that residue 9 is E as in Stitchr (IMGT TRBC2*01) where the "
        "UniProt entry has K.",
    ),
    LiteralPart(
        "mouse_trac", "tcr_constant", "TRAC (mouse)", "P01849", 1, 136, MOUSE_TRAC_P01849,
        "Mouse TCR alpha constant region (UniProt P01849) as written in the same public TCR-standardisation "
        "module, which cites the UniProt entry; murine constant regions are used in 'murinised' TCR-T constructs "
        "(Cohen et al., Cancer Res 2006;66:8878).",
    ),
    LiteralPart(
        "mouse_trbc1", "tcr_constant", "TRBC1 (mouse)", "P01852", 1, 173, MOUSE_TRBC1_P01852,
        "Mouse TCR beta constant region 1 (UniProt P01852, TCB1_MOUSE) as written in a public TCR module found by "
        "code search that names the UniProt entry; the same string opens mouse TCR beta chains in public "
        "structure-modelling inputs.",
    ),
    LiteralPart(
        "e2a", "cleavage_2a", "E2A", "Q66774", 991, 1010, "QCTNYALLKLAGDVESNPGP",
        "Equine rhinitis A virus 2A (Donnelly et al. 2001, J Gen Virol 82:1013, PMID 11297676); "
        "UniProt Q66774 (EMBL X96870) residues 991-1010 as recorded by a public, citation-checked "
        "parts allow-list found by code search; the same 20-mer appears in many public 2A tables.",
    ),
    LiteralPart(
        "f2a", "cleavage_2a", "F2A", "P03305", 933, 954, "VKQTLNFDLLKLAGDVESNPGP",
        "Foot-and-mouth disease virus 2A, the 22-residue vector form (Donnelly et al. 2001, PMID "
        "11297676); UniProt P03305 residues 933-954 (annotated chain 'Protein 2A' is 936-953) as "
        "recorded by a public, citation-checked parts allow-list found by code search.",
    ),
    LiteralPart(
        "g4s3_linker", "linker", "(G4S)3 linker", None, None, None, "GGGGS" * 3,
        "Synthetic (Gly4Ser)3 scFv linker (Huston et al. 1988, PNAS 85:5879, PMID 3045807).",
    ),
    LiteralPart(
        "g4s1_linker", "linker", "G4S linker", None, None, None, "GGGGS",
        "Synthetic Gly4Ser linker, one repeat (the (Gly4Ser)n family of Huston et al. 1988); "
        "joins the two VHH of cilta-cel.",
    ),
    LiteralPart(
        "whitlow_218_linker", "linker", "Whitlow 218 linker", None, None, None,
        "GSTSGSGKPGSGEGSTKG",
        "Synthetic 18-residue '218' scFv linker (Whitlow et al. 1993, Protein Eng 6:989-995); "
        "the linker of the FMC63 scFv in axi-cel and of the ide-cel scFv.",
    ),
)


def longest_orf(sequence: Seq) -> tuple[str, int]:
    """The longest ATG-initiated open reading frame on the forward strand: (protein, nt start)."""
    best = ("", 0)
    for frame in range(3):
        usable = len(sequence) - ((len(sequence) - frame) % 3)
        protein = str(sequence[frame:usable].translate())
        offset = 0
        for segment in protein.split("*"):
            first_met = segment.find("M")
            if first_met >= 0 and len(segment) - first_met > len(best[0]):
                best = (segment[first_met:], frame + 3 * (offset + first_met) + 1)
            offset += len(segment) + 1
    return best


def toml_string(text: str) -> str:
    """A TOML basic string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def build(shared: Path) -> list[dict]:
    """All parts as dictionaries, in library order, after the consistency checks."""
    parts: list[dict] = []
    records = {r.id: r for r in SeqIO.parse(shared / FETCHED, "fasta")}
    translated = {acc: longest_orf(rec.seq) for acc, rec in records.items()}

    for piece in REFSEQ_SLICES:
        protein, cds_start = translated[piece.accession]
        sequence = protein[piece.start - 1 : piece.end]
        parts.append(
            dict(
                name=piece.name, kind=piece.kind, label=piece.label, accession=piece.accession,
                residue_range=[piece.start, piece.end], sequence=sequence,
                source=f"{piece.note} Derived by tools/build_parts.py: longest ORF of "
                f"{piece.accession} (CDS from nt {cds_start}), translated, residues "
                f"{piece.start}-{piece.end}; {FETCHED_ORIGIN}.",
            )
        )

    cd8a_refseq = translated["NM_171827.4"][0]
    differences = [i + 1 for i in range(170) if cd8a_refseq[i] != CD8A_P01732[i]]
    if len(differences) > 1:
        raise SystemExit(f"CD8A literal disagrees with NM_171827.4 at residues {differences}")
    if IGHG4_CH1[-3:] != "KRV" or len(IGHG4_CH1) + len(IGHG4_FC_S228P) != 327:
        raise SystemExit("IgG4 constant region literal is not 98 + 229 residues")

    for literal in LITERAL_PARTS:
        if literal.start and literal.end - literal.start + 1 != len(literal.sequence):
            raise SystemExit(f"{literal.name}: residue range and sequence length disagree")
        entry = dict(
            name=literal.name, kind=literal.kind, label=literal.label,
            accession=literal.accession,
            residue_range=[literal.start, literal.end] if literal.start else None,
            sequence=literal.sequence, source=literal.source,
        )
        if literal.kind == "tcr_constant":
            chain = "alpha" if literal.label.startswith("TRAC") else "beta"
            entry["cysteine_site"] = cysteine_site(literal.sequence, chain)
            entry["source"] += CYSTEINE_SOURCE
        parts.append(entry)

    egfr = SeqIO.read(shared / "sequences/EGFR.gb", "genbank")
    egfr_protein = str(egfr.seq.translate()).rstrip("*")
    start, end = 334, 668
    if egfr_protein[start - 1 : start + 11] != "RKVCNGIGIGEF" or egfr_protein[end - 5 : end] != "IGLFM":
        raise SystemExit("EGFR.gb translation does not carry the EGFRt boundaries where expected")
    parts.append(
        dict(
            name="egfrt", kind="marker", label="EGFRt", accession="P00533",
            residue_range=[start, end], sequence=egfr_protein[start - 1 : end],
            source="Truncated EGFR safety switch/marker (Wang et al. 2011, Blood 118:1255; used "
            "in liso-cel): EGFR domain III from R334 through domain IV and the transmembrane "
            "helix to M668 (precursor numbering of UniProt P00533), no ligand-binding domains "
            "I-II and no kinase domain. Boundaries as described in that literature; derived by "
            "tools/build_parts.py from the translated full-length EGFR CDS in EGFR.gb ("
            f"{PLANNOTATE_ORIGIN}).",
        )
    )
    for file_name, name, label, accession, residue_range, citation in (
        ("T2A.gb", "t2a", "T2A", "Q9YK87", [139, 156],
         "Thosea asigna virus 2A (Szymczak et al. 2004, Nat Biotechnol 22:589); UniProt Q9YK87 "
         "139-156 as recorded by a public, citation-checked parts allow-list."),
        ("P2A.gb", "p2a", "P2A", "Q99HP0", [947, 965],
         "Porcine teschovirus-1 2A (Kim et al. 2011, PLoS ONE 6:e18556); UniProt Q99HP0 947-965 "
         "as recorded by a public, citation-checked parts allow-list."),
    ):
        record = SeqIO.read(shared / "sequences" / file_name, "genbank")
        cds = next(f for f in record.features if f.type == "CDS")
        translation = cds.qualifiers["translation"][0]
        if str(record.seq.translate()) != translation:
            raise SystemExit(f"{file_name}: /translation disagrees with the sequence")
        parts.append(
            dict(name=name, kind="cleavage_2a", label=label, accession=accession,
                 residue_range=residue_range, sequence=translation,
                 source=f"{citation} Translation of {file_name} ({PLANNOTATE_ORIGIN}).")
        )
    record = SeqIO.read(shared / "sequences/Ig-kappa_leader.gb", "genbank")
    parts.append(
        dict(
            name="igk_leader", kind="signal_peptide", label="Ig-κ leader", accession=None,
            residue_range=None, sequence=str(record.seq.translate()),
            source="Mouse immunoglobulin kappa light-chain leader; translation of "
            f"Ig-kappa_leader.gb ({PLANNOTATE_ORIGIN}); the record carries no accession.",
        )
    )
    names = [p["name"] for p in parts]
    if len(names) != len(set(names)):
        raise SystemExit("duplicate part names")
    return parts


def render(parts: list[dict]) -> str:
    """The library as TOML text."""
    lines = [
        "# Reference parts library: public protein segments used to detect and design CAR/TCR",
        "# constructs. GENERATED by tools/build_parts.py from ../shared/data and the cited sources;",
        "# do not edit by hand. Residue ranges are 1-based inclusive in the named accession",
        "# (for RefSeq mRNAs: in the translation of the record's CDS).",
        "",
    ]
    for part in parts:
        lines.append("[[part]]")
        for key in ("name", "kind", "label", "accession"):
            if part[key] is not None:
                lines.append(f"{key} = {toml_string(part[key])}")
        if part["residue_range"] is not None:
            lines.append(f"residue_range = [{part['residue_range'][0]}, {part['residue_range'][1]}]")
        if part.get("cysteine_site") is not None:
            lines.append(f"cysteine_site = {part['cysteine_site']}")
        lines.append(f"sequence = {toml_string(part['sequence'])}")
        lines.append(f"source = {toml_string(part['source'])}")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    parts = build(args.shared)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(parts), encoding="utf-8")
    print(f"wrote {len(parts)} parts to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
