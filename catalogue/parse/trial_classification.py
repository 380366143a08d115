# Over 500 lines on purpose: one classifier. Products are found first and masked, then target names are
# grouped and each group's context decides; the steps read the same masked text and decide together, so
# they stay in one module. The knowledge it reads (targets, products) is data, not these rules.
"""Target classification of registry trials from their raw text.

A trial record names what its cells are aimed at in free text: the title ("CD19 & CD20
Bispecific CAR T Cells"), the intervention names ("CAR7-T Cells", "CART-38"), the
conditions ("CS1+ or BCMA+ Multiple Myeloma") and the summary. :func:`classify_trial`
reads those four fields and returns the target symbols it found, the words that decided
each one, the modality, the cell source and the named products.

How a target is recognised
--------------------------
1. Named products are found first (``tisagenlecleucel`` → ``tisa-cel`` → CD19,
   ``LCAR-AIO`` → CD19/CD20/CD22, ...). Their text is then masked, so that a code such as
   ``CM-CS1`` or ``CT1190B`` is not read as a target name. A product whose target no
   source establishes contributes a product and no target (see :data:`PRODUCTS`).
2. Target names (:data:`TARGETS`: symbols with their aliases) are found in the masked
   text. Names joined by ``/``, ``&``, ``and``, ``,``, ``-``, ``x`` or spaces form one
   *group* ("CS1 and BCMA", "BCMA-GPRC5D", "CD19/20"), which shares one context.
3. A group's context decides what it is:

   * **negative** – not a target of this trial: "CD19-negative", "CD19 loss",
     "anti-CD20 antibody", "CD20xCD3 bispecific antibody", "prior CD19 CAR-T",
     "after BCMA CAR-T", "CD4/CD8 ratio", "CD3/CD28 beads", "CD34+ selection";
   * **strong** – CAR wording right after it ("CD19 CAR-T", "BCMA-directed",
     "CD19/CD22 bispecific") or targeting wording right before it ("targeting CS1 and
     BCMA", "CAR-T-CD19", "directed against", "CART-38");
   * **expression** – "CD19+", "BCMA-positive", "CD123-expressing": the disease
     expresses it;
   * **plain** – anything else.

   A trial's targets are the strong groups anywhere, plus plain groups in the title or
   the intervention names. Only when that gives nothing are expression groups used (a
   product trial "in CD19+ B-cell leukaemia" aims at CD19).

Symbols are canonical (:data:`TARGETS`): ``BCMA`` for TNFRSF17/CD269, ``CS1`` for
SLAMF7/CD319, ``CD123`` for IL3RA, ``CD30`` for TNFRSF8, ``B7-H3`` for CD276,
``CLL1`` for CLEC12A/CD371, ``Claudin18.2`` for CLDN18.2, ``NKG2D ligands`` for
"NKG2D CAR"/"NKG2D-L".

How the result compares with the trial monitors' own labels is measured by
``tools/classification_agreement.py``, which writes docs/target-classification.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from catalogue.parse.tcr_products import tcr_product_pattern, tcr_products

# ---------------------------------------------------------------------------
# Targets: canonical symbol -> regular expressions of the names that mean it.
# CD numbers are handled by one pattern (CD_NUMBERS below), the rest by aliases.
# ---------------------------------------------------------------------------

#: CD numbers that are CAR targets, with the canonical symbol each one means.
CD_NUMBERS: dict[str, str] = {
    "19": "CD19",
    "20": "CD20",
    "22": "CD22",
    "7": "CD7",
    "5": "CD5",
    "4": "CD4",
    "30": "CD30",
    "33": "CD33",
    "38": "CD38",
    "70": "CD70",
    "123": "CD123",
    "79b": "CD79b",
    "133": "CD133",
    "147": "CD147",
    "1a": "CD1a",
    "6": "CD6",
    "10": "CD10",
    "269": "BCMA",
    "276": "B7-H3",
    "319": "CS1",
    "371": "CLL1",
    "171": "L1CAM",
    "44v6": "CD44v6",
    "138": "CD138",
}

#: Non-CD target names: canonical symbol -> alias patterns (case-insensitive).
TARGET_ALIASES: dict[str, list[str]] = {
    "BCMA": [r"BCMA", r"TNFRSF17", r"B[\s-]?cells?[\s-]maturation[\s-]antigen"],
    "CS1": [r"CS-?1", r"SLAMF-?7", r"signal(?:l?ing)?\s+lymphocytic\s+activation\s+molecule\s+F7"],
    "CD123": [r"IL-?3R(?:A|α|alpha)"],
    "CD30": [r"TNFRSF8"],
    "GPRC5D": [r"GPRC5D"],
    "FLT3": [r"FLT-?3"],
    "CLL1": [r"CLL-?1", r"CLEC12A"],
    "NKG2D ligands": [r"NKG2D(?:[\s-]?L(?:igands?)?)?"],
    "Mesothelin": [r"mesothelin", r"MSLN"],
    "GD2": [r"GD2"],
    "HER2": [r"HER-?2", r"ERBB2"],
    "Claudin18.2": [r"claudin[\s-]?18\.?2", r"CLDN[\s-]?18\.?2", r"CLDN18A2"],
    "CLDN6": [r"claudin[\s-]?6", r"CLDN-?6"],
    "GPC3": [r"GPC-?3", r"glypican[\s-]?3"],
    "EGFRvIII": [r"EGFR[\s-]?vIII"],
    "EGFR": [r"EGFR(?![\s-]?(?:vIII|t\b|-?t\b))"],
    "B7-H3": [r"B7-?H3"],
    "PSMA": [r"PSMA", r"prostate[\s-]specific\s+membrane\s+antigen"],
    "PSCA": [r"PSCA"],
    "CEA": [r"CEA(?:CAM5)?", r"carcinoembryonic\s+antigen"],
    "MUC1": [r"MUC-?1"],
    "DLL3": [r"DLL-?3"],
    "EpCAM": [r"EpCAM"],
    "ROR1": [r"ROR-?1"],
    "IL13Rα2": [r"IL-?13R(?:α|a|alpha)-?2"],
    "CDH17": [r"CDH17"],
    "GPNMB": [r"GPNMB"],
    "BAFF-R": [r"BAFF-?R"],
    "Kappa light chain": [r"kappa\s+light\s+chain", r"Igκ"],
    "c-MET": [r"c-?MET"],
    "L1CAM": [r"L1-?CAM"],
    "FAP": [r"FAP"],
    "NY-ESO-1": [r"NY-?ESO-?1"],
    "AFP": [r"AFP"],
    "FcRH5": [r"FcRH5", r"FCRL5"],
    "FGFR4": [r"FGFR4"],
    "GUCY2C": [r"GUCY2C", r"GCC"],
    "TRBC1": [r"TRBC1"],
    "TSLPR": [r"TSLPR", r"CRLF2"],
    "CD56": [r"CD56"],
    "MAGE-A4": [r"MAGE-?A4"],
    "PD-L1": [r"PD-?L1"],
    "Desmoglein 3": [r"DSG-?3"],
}

#: HLA-presented intracellular antigens that TCR-T trials name (NY-ESO-1, MAGE-A4 and AFP are above).
TARGET_ALIASES |= {
    "KK-LC-1": [r"KK-?LC-?1", r"CT83"],
    "PRAME": [r"PRAME"],
    "MAGE-A1": [r"MAGE-?A1(?!\d)"],
    "MAGE-A3": [r"MAGE-?A3"],
    "HPV16 E6": [r"HPV-?16\s+E6", r"HPV\s+E6"],
    "HPV16 E7": [r"HPV-?16\s+E7", r"HPV\s+E7"],
}

#: The eight targets of the seed catalogue, compared with the snapshot labels.
SEED_TARGETS = ("CD19", "CD22", "BCMA", "CD7", "CD38", "CD30", "CD123", "CS1")


@dataclass(frozen=True)
class Product:
    """A named cell product: the name a construct is filed under, its spellings, its targets.

    ``source`` says where the targets come from (the record text itself, another
    registry record, or a public publication). ``targets`` is empty when no source we
    can name establishes it.
    """

    name: str
    patterns: tuple[str, ...]
    targets: tuple[str, ...]
    source: str
    modality: str | None = None


_LABEL = "approved product label / USPI"

PRODUCTS: tuple[Product, ...] = (
    Product("tisa-cel", (r"tisa-?cel", r"tisagenlecleucel", r"Kymriah", r"CTL-?019"), ("CD19",), _LABEL),
    Product("axi-cel", (r"axi-?cel", r"axicabtagene\s+ciloleucel", r"Yescarta", r"KTE-?C19"), ("CD19",), _LABEL),
    Product("brexu-cel", (r"brexu-?cel", r"brexucabtagene\s+autoleucel", r"Tecartus", r"KTE-?X19"), ("CD19",), _LABEL),
    Product("liso-cel", (r"liso-?cel", r"lisocabtagene\s+maraleucel", r"Breyanzi", r"JCAR-?017"), ("CD19",), _LABEL),
    Product("ide-cel", (r"ide-?cel", r"idecabtagene\s+vicleucel", r"Abecma", r"bb-?2121"), ("BCMA",), _LABEL),
    Product(
        "cilta-cel",
        (r"cilta-?cel", r"ciltacabtagene\s+autoleucel", r"Carvykti", r"LCAR-?B38M", r"JNJ-?68284528", r"JNJ-?4528"),
        ("BCMA",),
        _LABEL,
    ),
    Product("obe-cel", (r"obe-?cel", r"obecabtagene\s+autoleucel", r"Aucatzyl", r"AUTO1(?![\d/])"), ("CD19",), _LABEL),
    Product("relma-cel", (r"relma-?cel", r"relmacabtagene\s+autoleucel", r"JWCAR-?029"), ("CD19",), "NMPA label (China)"),
    Product("eque-cel", (r"eque-?cel", r"equecabtagene\s+autoleucel", r"CT-?103A", r"Fucaso"), ("BCMA",),
            "NMPA label; Wang et al., Blood 2021;137:2890 (fully human BCMA CAR CT103A)"),
    Product("zevor-cel", (r"zevor-?cel", r"zevorcabtagene\s+autoleucel", r"CT-?053"), ("BCMA",), "NMPA label (China)"),
    Product("inaticabtagene autoleucel", (r"inaticabtagene(?:\s+autoleucel)?", r"inati-?cel", r"CNCT-?19"), ("CD19",),
            "NMPA label (China)"),
    Product("KYV-101", (r"KYV-?101",), ("CD19",), "Kyverna: fully human anti-CD19 CAR (company pipeline; record titles say 'CD19')"),
    # Union Hospital (Wuhan) product codes and related codes in the snapshots.
    Product("ET019003", (r"ET-?019003",), ("CD19",), "record NCT04014894: 'ET019003-T Cells in ... CD19+ B-Cell Leukemia'"),
    Product("RD13-02", (r"RD13-?02",), ("CD7",), "record NCT06732492 and NCT05902845: 'CD7 CAR-T ... RD13-02'"),
    Product("RD06-04", (r"RD06-?04",), ("CD19",), "record NCT06310811: 'Anti-CD19 CAR-T ... RD06-04 Cells'"),
    Product("RD06-05", (r"RD06-?05",), ("CD19", "BCMA"), "record NCT07441525: 'UCAR-T Targeting CD19/BCMA ... RD06-05'"),
    Product("LCAR-AIO", (r"LCAR-?AIO",), ("CD19", "CD20", "CD22"),
            "oncology record with intervention 'LCAR-AIO cells product': 'CD19/CD20/CD22 Triple-targeted Cell'"),
    Product("CT1192", (r"CT-?1192",), ("CD19", "CD20"), "record NCT07031713: 'universal CD19/20 car-t cell injection ... ct1192 cells'"),
    Product("CT1195E", (r"CT-?1195E",), ("CD19", "CD20"),
            "record NCT07339332: title 'Universal CD19 / 20 Car-t Cell Injection', summary 'ct1195e cells'"),
    Product("CT1190B", (r"CT-?1190B",), (), "no source names its target (NCT07470073 only says 'CD19 and / or CD20 positive')"),
    Product("CT1182", (r"CT-?1182",), (), "no source names its target"),
    Product("TAA05", (r"y?TAA-?05",), ("FLT3",), "record NCT05017883: 'TAA05 cell injection is a T cell targeting FLT3 CAR'"),
    Product("SYS6020", (r"SYS-?6020",), ("BCMA",), "record NCT06359509: 'SYS6020 ... BCMA Targeted CAR T-cells'"),
    Product("ESO-T01", (r"ESO-?T01",), ("BCMA",),
            "Nature Medicine phase I report (Wuhan), summarised at vcbeathealth.com/article/4169: "
            "'a lentiviral vector encoding a humanized anti-BCMA CAR' (in vivo CAR-T)"),
    Product("OriV508", (r"OriV-?508",), (), "no source names its target"),
    Product("ZZSW-01", (r"ZZSW-?01",), (), "no source names its target"),
    Product("IASO208", (r"IASO-?208",), (), "no source names its target"),
    Product("QI-019A", (r"QI-?019A",), (), "no source names its target"),
    Product("QT-019C", (r"QT-?019C",), ("CD19", "BCMA"), "record NCT07416032: 'CAR T-cell Therapy Targeting CD19 and BCMA(QT-019C)'"),
    Product("PRG-1801", (r"PRG-?1801",), ("BCMA",), "rheumatology record with intervention 'PRG-1801 (CAR-T against BCMA)'"),
    Product("EVM18001", (r"EVM-?18001",), (), "no source names its target"),
    # Other named products of the snapshots, each with the public source of its target.
    Product("anito-cel", (r"anito-?cel", r"anitocabtagene[\s-]+autoleucel", r"CART-ddBCMA"), ("BCMA",), "INN anitocabtagene autoleucel; Arcellx (CART-ddBCMA)"),
    Product("rapcabtagene autoleucel", (r"rapcabtagene[\s-]+autoleucel", r"rapa-?cel", r"YTB-?323"), ("CD19",), "INN rapcabtagene autoleucel (YTB323), Novartis anti-CD19"),
    Product("zamto-cel", (r"zamto-?cel", r"zamtocabtagene[\s-]+autoleucel", r"MB-CART2019\.1"), ("CD19", "CD20"), "Miltenyi MB-CART2019.1: tandem CD20/CD19 CAR (DALY trials)"),
    Product("orva-cel", (r"orva-?cel", r"orvacabtagene[\s-]+autoleucel", r"JCARH-?125"), ("BCMA",), "INN orvacabtagene autoleucel (JCARH125), anti-BCMA"),
    Product("GC012F", (r"GC012F",), ("CD19", "BCMA"), "Gracell FasTCAR GC012F: BCMA/CD19 dual CAR (Du et al., Blood 2023)"),
    Product("GC007F", (r"GC007F",), ("CD19",), "Gracell GC007F: CD19 FasTCAR"),
    Product("GC022F", (r"GC022F",), ("CD19", "CD22"), "Gracell GC022F: CD19/CD22 dual FasTCAR"),
    Product("MCARH109", (r"MCARH-?109",), ("GPRC5D",), "Mailankody et al., NEJM 2022 (GPRC5D CAR MCARH109)"),
    Product("MCARH125", (r"MCARH-?125",), ("BCMA",), "MSK anti-BCMA CAR (JCARH125 precursor)"),
    Product("KITE-585", (r"KITE-?585",), ("BCMA",), "Kite anti-BCMA CAR KITE-585"),
    Product("KITE-363", (r"KITE-?363",), ("CD19", "CD20"), "Kite bicistronic CD19/CD20 CAR KITE-363"),
    Product("KITE-753", (r"KITE-?753",), ("CD19", "CD20"), "Kite bicistronic CD19/CD20 CAR KITE-753"),
    Product("WU-CART-007", (r"WU-?CART-?007",), ("CD7",), "Washington University CD7-deleted anti-CD7 CAR (Ghobadi et al.)"),
    Product("UCARTCS1", (r"UCARTCS1A?",), ("CS1",), "record NCT04142619: 'UCART Targeting CS1'"),
    Product("CTX110", (r"CTX-?110",), ("CD19",), "CRISPR Therapeutics allogeneic anti-CD19 CAR"),
    Product("CTX112", (r"CTX-?112",), ("CD19",), "CRISPR Therapeutics allogeneic anti-CD19 CAR"),
    Product("CTX120", (r"CTX-?120",), ("BCMA",), "CRISPR Therapeutics allogeneic anti-BCMA CAR"),
    Product("CTX130", (r"CTX-?130",), ("CD70",), "CRISPR Therapeutics allogeneic anti-CD70 CAR"),
    Product("ALLO-501", (r"ALLO-?501A?",), ("CD19",), "Allogene allogeneic anti-CD19 CAR (cema-cel)"),
    Product("ALLO-715", (r"ALLO-?715",), ("BCMA",), "Allogene allogeneic anti-BCMA CAR"),
    Product("ALLO-316", (r"ALLO-?316",), ("CD70",), "Allogene allogeneic anti-CD70 CAR"),
    Product("bb21217", (r"bb-?21217",), ("BCMA",), "bluebird bio anti-BCMA CAR (ide-cel with PI3K inhibitor culture)"),
    Product("CYAD-211", (r"CYAD-?211",), ("BCMA",), "Celyad anti-BCMA CAR with CD3ζ shRNA"),
    Product("NXC-201", (r"NXC-?201", r"HBI-?0101"), ("BCMA",), "Immix NXC-201 (HBI0101): anti-BCMA CAR"),
    Product("FT819", (r"FT-?819",), ("CD19",), "Fate iPSC-derived anti-CD19 CAR T"),
    Product("FT596", (r"FT-?596",), ("CD19",), "Fate iPSC-derived anti-CD19 CAR NK", "CAR-NK"),
    Product("FT576", (r"FT-?576",), ("BCMA",), "Fate iPSC-derived anti-BCMA CAR NK", "CAR-NK"),
    Product("CABA-201", (r"CABA-?201", r"rese-?cel", r"resecabtagene[\s-]+autoleucel"), ("CD19",), "Cabaletta CABA-201: fully human anti-CD19 CAR"),
    Product("Descartes-08", (r"Descartes-?08",), ("BCMA",), "Cartesian mRNA anti-BCMA CAR-T"),
    Product("AUTO3", (r"AUTO3(?!\d)",), ("CD19", "CD22"), "Autolus bicistronic CD19/CD22 CAR"),
    Product("AUTO4", (r"AUTO4(?!\d)",), ("TRBC1",), "Autolus anti-TRBC1 CAR"),
    Product("C-CAR066", (r"C-?CAR066",), ("CD20",), "record NCT04036019: 'CD20-directed CAR-T cells'"),
    Product("C-CAR039", (r"C-?CAR039", r"prizlon-?cel"), ("CD19", "CD20"), "Cellular Biomedicine C-CAR039: bispecific CD19/CD20 CAR"),
    Product("JNJ-90014496", (r"JNJ-?90014496",), ("CD19", "CD20"), "J&J JNJ-90014496 (C-CAR039): CD19/CD20 bispecific CAR"),
    Product("BMS-986353", (r"BMS-?986353", r"CC-?97540", r"zola-?cel"), ("CD19",), "BMS CD19 NEX-T CAR (zola-cel)"),
    Product("IM19", (r"IM19(?!\d)",), ("CD19",), "ImmunoChina IM19: anti-CD19 CAR-T"),
    Product("CT0590", (r"CT-?0590",), ("BCMA",), "CARsgen allogeneic anti-BCMA CAR-T"),
    Product("CT041", (r"CT-?041", r"satri-?cel", r"satricabtagene[\s-]+autoleucel"), ("Claudin18.2",), "CARsgen satri-cel: anti-Claudin18.2 CAR"),
    Product("CT011", (r"CT-?011",), ("GPC3",), "CARsgen CT011: anti-GPC3 CAR"),
    Product("19(T2)28z1xx", (r"19\(T2\)28z1?xx",), ("CD19",), "MSK 19(T2)28z1xx: anti-CD19 CAR with CD28/1XX CD3ζ"),
    Product("TriPRIL", (r"TriPRIL",), ("BCMA", "TACI"), "MGH TriPRIL CAR: trimeric APRIL ligand binding BCMA and TACI"),
    Product("CRC01", (r"CRC01(?!\d)", r"anbal-?cel", r"anbalcabtagene[\s-]+autoleucel"), ("CD19",), "Curocell anbal-cel (CRC01): anti-CD19 CAR"),
    Product("MB-102", (r"MB-?102",), ("CD123",), "Mustang Bio MB-102: City of Hope anti-CD123 CAR"),
    Product("MB-106", (r"MB-?106",), ("CD20",), "Mustang Bio MB-106: Fred Hutch anti-CD20 CAR"),
    Product("var-cel", (r"var-?cel", r"varnimcabtagene[\s-]+autoleucel", r"ARI-?0001"), ("CD19",), "Hospital Clínic ARI-0001 (varnimcabtagene autoleucel): anti-CD19"),
    Product("ARI0002h", (r"ARI-?0002h?",), ("BCMA",), "Hospital Clínic ARI0002h (cesnicabtagene autoleucel): anti-BCMA"),
    Product("SC291", (r"SC-?291",), ("CD19",), "Sana Biotechnology SC291: hypoimmune allogeneic anti-CD19 CAR (ARDENT)"),
    Product("BEAM-201", (r"BEAM-?201",), ("CD7",), "Beam Therapeutics BEAM-201: base-edited allogeneic anti-CD7 CAR"),
    Product("CM-CS1", (r"CM-CS1",), ("NKG2D ligands",),
            "record NCT02203825: 'CAR Modified T-cells Targeting NKG2D-Ligands' with intervention 'CM-CS1 T-cell infusion'"),
)

#: Named TCR-T products (``catalogue/reference/tcr_products.toml``) name their antigens too.
PRODUCTS += tuple(
    Product(p.name, p.patterns, p.targets, p.source, "TCR-T")
    for p in tcr_products() if p.name not in {known.name for known in PRODUCTS}
)

# ---------------------------------------------------------------------------
# Compiled patterns
# ---------------------------------------------------------------------------

_EDGE_L = r"(?<![A-Za-z0-9])"
# Target names may be glued to a prefix: "AntiCD19", "UCD19", "huCART19", "UCART123", "αCD19".
_TARGET_EDGE_L = r"(?<![a-z0-9])(?:anti-?|α|hu|u|allo-?)?"
_EDGE_R = r"(?![A-Za-z0-9])"

def _lower_pattern(pattern: str) -> str:
    """A pattern for matching lower-cased text (group syntax kept)."""
    return pattern.lower().replace("(?p<", "(?P<")


def _rx(pattern: str) -> re.Pattern[str]:
    """Compile a pattern written in any case, to match lower-cased text."""
    return re.compile(_lower_pattern(pattern))


def _lower(text: str) -> str:
    """Lower-cased text of the same length (characters that change length stay as they are)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


_CD_PATTERN = (
    r"(?:cd[\s-]?(?P<cd>\d{1,3}(?:v6|[ab](?![a-z]))?)(?!\d)"
    r"|cluster\s+of\s+differentiation\s*(?P<cdw>\d{1,3}))"
)
_CAR_NUMBER_PATTERN = (
    r"(?P<carpre>car[\s.-]?t?[\s-]?|cart[\s-]?|4scar[\s-]?)(?P<carcd>19|20|22|7|5|30|38|123|33|70)(?![a-z0-9])"
)
_ALIAS_RES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(_lower_pattern("|".join(patterns))), symbol) for symbol, patterns in TARGET_ALIASES.items()
]
# Lower-cased text is matched case-sensitively: much faster than IGNORECASE.
_MENTION_RE = re.compile(
    _TARGET_EDGE_L
    + "(?:"
    + "|".join([_CAR_NUMBER_PATTERN, _CD_PATTERN, "(?P<alias>" + "|".join(_lower_pattern(p) for ps in TARGET_ALIASES.values() for p in ps) + ")" + _EDGE_R.lower()])
    + ")"
)
_ALIAS_CACHE: dict[str, str | None] = {}


def _alias_symbol(matched: str) -> str | None:
    """The target symbol an alias (lower-cased match) stands for."""
    if matched not in _ALIAS_CACHE:
        _ALIAS_CACHE[matched] = next((symbol for regex, symbol in _ALIAS_RES if regex.fullmatch(matched)), None)
    return _ALIAS_CACHE[matched]


# "CD19/20", "CD19 / 22": a bare number continuing a CD name.
_CD_CONTINUATION_RE = re.compile(r"(?:\s?[/\\&x×]\s?(?:cd)?|cd)(\d{1,3}[ab]?)(?![\d.a-z])")

_PRODUCT_RE = re.compile(
    _EDGE_L.lower() + "(?:" + "|".join(_lower_pattern(p) for product in PRODUCTS for p in product.patterns) + ")" + _EDGE_R.lower()
)
_PRODUCT_RES: list[tuple[re.Pattern[str], Product]] = [
    (re.compile("(?:" + "|".join(_lower_pattern(p) for p in product.patterns) + ")"), product) for product in PRODUCTS
]
_PRODUCT_CACHE: dict[str, Product | None] = {}


def _product_of(matched: str) -> Product | None:
    if matched not in _PRODUCT_CACHE:
        _PRODUCT_CACHE[matched] = next((p for regex, p in _PRODUCT_RES if regex.fullmatch(matched)), None)
    return _PRODUCT_CACHE[matched]


# Phrases masked before targets are searched (not targets, and they confuse the grouping).
_MASK_RE = _rx(
    r"CD4\+?\s?(?:/|:|\\|and|&|,|or)\s?CD8\+?"  # CD4/CD8 ratio, CD4+ and CD8+ T cells
    r"|CD3\s?[/&]\s?CD28"  # CD3/CD28 beads
    r"|CD4\+?\s?(?:T[\s-]?cells?|T[\s-]?lymphocytes?|helper|count)"  # CD4+ T cells
    r"|CD8\+?\s?(?:T[\s-]?cells?|alpha|α)"
    r"|(?:CD19|EGFR|HER2)-?t(?:G)?(?![a-z])")  # truncated CD19/EGFR/HER2: transduction markers

_CONNECTOR_RE = _rx(r"(?:[\s()/\\&+,;–×-]|x|and/or|and|or|plus|anti)*")

_NEG_AFTER_RE = _rx(
    r"^[\s(]*(?:[-–−]\s*)?(?:negative|neg\b|null|loss|lost|escape|dim\b|low\b|deficien|knock|antibod|monoclonal|mab\b|moab"
    r"|bead|ratio|selection|selected|enrich|depleted|count|expression\s+loss)"
    r"|^[-–−](?=$|[,.;)]|\s+(?!and\b|or\b|&|/))")
_NEG_BEFORE_RE = _rx(
    r"(?:\bprior|\bprevious(?:ly)?|\bafter|\bfollowing|\bfailed|\bfailure\s+of|\bfailing|\bpost|\brefractory\s+to|\bresistant\s+to"
    r"|\bexposed\s+to|\bexposure\s+to|\breceived|\brelapsed?\s+(?:after|from|following)|\bprogress\w*\s+(?:after|on))"
    r"[^.;:]{0,24}$"
    r"|(?:antibod\w*|engagers?|mabs?|conjugates?|inhibitors?)\s+(?:targeting|against|directed\s+(?:at|to|against))\s*(?:the\s+)?(?:anti[\s-]?)?$")
_STRONG_BEFORE_RE = _rx(
    r"(?:\btargeting|\btargeted(?:\s+(?:to|at|against))?|\bdirected\s+(?:at|to|against)|\bagainst|\bspecific\s+(?:for|to)"
    r"|\bredirected\s+(?:to|against)|\brecogni[sz]ing|\bCAR\s*[.-]?\s*(?:T|NK)?[\s.-]*(?:cells?)?[\s.-]?|\bCART[\s-]?|\bUCART[\s-]?|\bCAR-?T-?)"
    r"\s*(?:the\s+)?(?:anti[\s-]?)?$")
_AFTER_WORD_RE = _rx(
    r"(?P<car>\bCARs?\b|\bCAR[\s-]?T|\bCAR[\s-]?NK|\bCART|\bUCAR|\bchimeric|\btargete?d?\b|\btargeting|\bdirected|\bspecific|\bredirected"
    r"|\bbi-?specific|\bbivalent|\btandem|\bdual|\btri-?specific|\btriple|\bbi-?epitope|\.CAR|\bTCR|\bnanobody"
    r"|\bengineered|\bmodified|\bcells?\b)"
    r"|(?P<neg>\bantibod|\bengager|\bBiTE|\bmab\b|\bconjugate|\bADC\b|\bbispecific\s+t[\s-]?cell\s+engager)")
_EXPRESSION_AFTER_RE = _rx(r"^\s?(?:\(\+\)|\+|[-\s]?positive|[-\s]?pos\b|[-\s]?expressing|[-\s]?high\b|[-\s]?bright)")
_SENTENCE_END_RE = re.compile(r"[.;:!?](?:\s|$)|\n")

# Modality, cell source
_MODALITY_RE = _rx(
    r"(?<![a-z0-9])(?:(?P<caar>caar[\s-]?t?(?![a-z])|chimeric\s+auto-?antibody\s+receptor)"
    r"|(?P<nk>car[\s-]?nk(?![a-z])|nk[\s-]?car(?![a-z])|nk[\s-]?92(?![0-9])|car[\s-](?:engineered|modified|transduced)\s+nk)"
    r"|(?P<nkcell>nk\s+cells?(?![a-z])|natural\s+killer\s+cells?)"
    r"|(?P<carm>car[\s-]?m(?![a-z])|car[\s-]?macrophage)"
    r"|(?P<tcr>tcr[\s-]?t(?![a-z])|tcr[\s-]?(?:engineered|modified|transduced|redirected|transgenic|gene(?![\s-]*(?:knock|edit|disrupt|delet)))"
    r"|t[\s-]?cell[\s-]receptor\s*(?:\(tcr\)\s*)?[\s-]?(?:engineered|modified|transduced|redirected|gene\s+therapy|gene(?![\s-]*(?:knock|edit|disrupt|delet))|t[\s-]cells?)"
    r"|(?:engineered|transgenic|high[\s-]affinity|affinity[\s-](?:enhanced|enhancing|matured|optimi[sz]ed))(?:\s+[\w-]+){0,3}?\s+tcrs?(?![a-z-])"
    r"|ab[\s-]?tcr(?![a-z])|antibody[\s-](?:tcr|t[\s-]cell\s+receptor)"
    r"|truc(?![a-z])|t[\s-]cell\s+receptor\s+fusion\s+construct"
    r"|star[\s-]t(?![a-z])|synthetic\s+t[\s-]?cell\s+receptor\s+and\s+antigen\s+receptor"
    r"|hit[\s-]t(?![a-z])|hla[\s-]independent\s+t[\s-]?cell\s+receptor|spear[\s-]?t(?![a-z]))"
    r"|(?P<car>car(?:s|t|-t|\s+t|\d+)?(?![a-z])|ucar|chimeric\s+antigen\s+receptor))"
)
_ALLO_RE = _rx(r"\ballogeneic\b(?![\s-]+(?:hematopoietic|haematopoietic|stem|bone|HSCT|SCT|transplant))|\buniversal\b|\bUCAR|\boff[\s-]the[\s-]shelf"
                      r"|\bcord[\s-]blood|\bhealthy[\s-]donors?|\bdonor[\s-]derived|\biPSC")
_AUTO_RE = _rx(r"\bautologous\b(?![\s-]+(?:hematopoietic|haematopoietic|stem|HSCT|SCT|transplant))")

# A code-like token in an intervention name: letters and digits, e.g. "GC012F", "CABA-201".
_CODE_RE = re.compile(r"(?<![A-Za-z0-9-])(?=[A-Z0-9-]*\d)(?=[A-Z0-9-]*[A-Z])[A-Z][A-Z0-9]{1,9}(?:-[A-Z0-9]{1,7})?(?![A-Za-z0-9-])")
_NOT_A_CODE_RE = re.compile(r"^(?:CD\d+\w*|IL-?\d+\w*|CAR\d*|CART\d*|T\d+|NK\d*|COVID-19|SARS-COV-2|HLA-\w+|[A-Z]{1,4}\d?|\w+-\d+ANTIBOD\w*)$")


@dataclass
class TrialClassification:
    """What a trial's text says about its cells: targets (with evidence), modality, source, products."""

    targets: list[str] = field(default_factory=list)
    evidence: dict[str, list[str]] = field(default_factory=dict)
    modality: str | None = None
    cell_source: str | None = None
    products: list[str] = field(default_factory=list)


@dataclass
class _Group:
    field: str
    start: int
    end: int
    symbols: list[str]
    text: str
    car_prefixed: bool = False


def _mask(text: str, spans: Iterable[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        for i in range(start, end):
            chars[i] = "#"
    return "".join(chars)


def _mentions(text: str) -> list[tuple[int, int, str, bool]]:
    """Target names in lower-cased ``text``: (start, end, symbol, CAR-prefixed)."""
    found: list[tuple[int, int, str, bool]] = []
    for m in _MENTION_RE.finditer(text):
        cd = m.group("carcd") or m.group("cd") or m.group("cdw")
        if cd is not None:
            symbol = CD_NUMBERS.get(cd)
            if symbol is None:
                continue
            car_prefixed = m.group("carcd") is not None
            start = m.start("carcd") if car_prefixed else m.start()
            found.append((start, m.end(), symbol, car_prefixed))
            pos = m.end()
            while True:  # CD19/20, CD19/22
                cont = _CD_CONTINUATION_RE.match(text, pos)
                if not cont or cont.group(1) not in CD_NUMBERS:
                    break
                found.append((cont.start(1), cont.end(1), CD_NUMBERS[cont.group(1)], car_prefixed))
                pos = cont.end()
            continue
        symbol = _alias_symbol(m.group("alias"))
        if symbol is not None:
            found.append((m.start("alias"), m.end(), symbol, False))
    return found


def _groups(field_name: str, text: str) -> list[_Group]:
    groups: list[_Group] = []
    for start, end, symbol, car_prefixed in _mentions(text):
        if groups and groups[-1].field == field_name:
            last = groups[-1]
            between = text[last.end:start]
            if len(between) <= 12 and _CONNECTOR_RE.fullmatch(between):
                last.end = end
                if symbol not in last.symbols:
                    last.symbols.append(symbol)
                last.text = text[last.start:end]
                continue
        groups.append(_Group(field_name, start, end, [symbol], text[start:end], car_prefixed))
    return groups


def _context(group: _Group, text: str, raw: str) -> tuple[str, str]:
    """(kind, phrase) of a group in lower-cased ``text``; the phrase is cut from ``raw``.

    kind is 'negative', 'strong', 'expression' or 'plain'.
    """
    before_start = max(0, group.start - 48)
    before = text[before_start:group.start]
    ends = list(_SENTENCE_END_RE.finditer(before))
    if ends:
        before = before[ends[-1].end():]
    after = text[group.end:group.end + 48]
    cut = _SENTENCE_END_RE.search(after)
    if cut:
        after = after[:cut.start()]
    phrase_start = max(group.start - min(len(before), 24), 0)
    phrase = raw[phrase_start:group.end + min(len(after), 24)].strip()
    if _NEG_AFTER_RE.match(after) or _NEG_BEFORE_RE.search(before):
        return "negative", phrase
    if group.car_prefixed or _STRONG_BEFORE_RE.search(before):
        return "strong", phrase
    # the first decisive word after the group: CAR wording or antibody wording
    word = _AFTER_WORD_RE.search(after)
    if word and word.start() <= 30:
        # the group must not be followed by an unrelated clause first
        gap = after[:word.start()]
        if "," not in gap or word.group("neg"):
            if word.group("neg"):
                return "negative", phrase
            if not (word.group("car").lower().startswith("cell") and word.start() > 3):
                return "strong", phrase
    if _EXPRESSION_AFTER_RE.match(after):
        return "expression", phrase
    return "plain", phrase


def _products(fields: list[tuple[str, str]]) -> tuple[list[Product], dict[str, list[tuple[int, int]]]]:
    """Named products in the (lower-cased) fields, and where they are."""
    found: list[Product] = []
    spans: dict[str, list[tuple[int, int]]] = {}
    for field_name, text in fields:
        for m in _PRODUCT_RE.finditer(text):
            product = _product_of(m.group(0))
            if product is None:
                continue
            spans.setdefault(field_name, []).append((m.start(), m.end()))
            if product not in found:
                found.append(product)
    return found, spans


def _modality(fields: list[tuple[str, str]]) -> str | None:
    """CAAR-T, CAR-NK, CAR-M, TCR-T or CAR-T from the words of the (lower-cased) fields.

    "NK cells" alone make a CAR-NK trial only in the title or intervention names and
    with CAR wording; a summary that mentions NK cells does not. TCR wording ("TCR-T",
    "TCR-engineered", "T cell receptor (TCR) gene therapy", AbTCR, TRuC, STAR-T) or a named
    TCR-T product (``catalogue/reference/tcr_products.toml``) in the title or intervention
    names makes a TCR-T trial unless CAR wording is there too; elsewhere CAR wording wins
    (CAR summaries mention "TCRζ" and "the T cell receptor"; TCR-T summaries compare with CAR-T).
    """
    kinds: set[str] = set()
    primary: set[str] = set()  # title and intervention names
    tcr_product = tcr_product_pattern()
    for name, text in fields:
        for m in _MODALITY_RE.finditer(text):
            kind = m.lastgroup
            if kind == "nkcell":
                if name in ("title", "interventions"):
                    kinds.add(kind)
            elif kind:
                kinds.add(kind)
                if name in ("title", "interventions"):
                    primary.add(kind)
        if tcr_product.search(text):
            kinds.add("tcr")
            primary.add("tcr")
    if "caar" in kinds:
        return "CAAR-T"
    if "nk" in kinds or ("nkcell" in kinds and "car" in kinds):
        return "CAR-NK"
    if "carm" in kinds:
        return "CAR-M"
    if "tcr" in primary and "car" not in primary:
        return "TCR-T"
    if "car" in kinds:
        return "CAR-T"
    if "tcr" in kinds:
        return "TCR-T"
    return None


def _cell_source(fields: list[tuple[str, str]]) -> str | None:
    for _name, text in fields:
        allo = bool(_ALLO_RE.search(text))
        auto = bool(_AUTO_RE.search(text))
        if allo and not auto:
            return "allogeneic"
        if auto and not allo:
            return "autologous"
        if auto and allo:
            return None
    return None


def _intervention_codes(interventions: Iterable[str], known: list[str]) -> list[str]:
    """Code-like product names in the intervention names ("GC012F", "CABA-201").

    A token that names a target ("BCMA-GPRC5D", "CAR7-T") or extends a known product
    ("ET019003-T") is not a product code.
    """
    known_lower = [k.lower().replace("-", "") for k in known]
    codes: list[str] = []
    for name in interventions:
        for m in _CODE_RE.finditer(name):
            code = m.group(0)
            flat = code.lower().replace("-", "")
            if _NOT_A_CODE_RE.match(code.upper()) or code in codes:
                continue
            if any(flat.startswith(k) or k.startswith(flat) for k in known_lower):
                continue
            if _MENTION_RE.search(code.lower()) or "car" in flat:
                continue
            codes.append(code)
    return codes


def classify_trial(
    title: str | None,
    interventions: Iterable[str] | str | None,
    conditions: Iterable[str] | str | None,
    summary: str | None,
) -> TrialClassification:
    """Targets, modality, cell source and products of one trial, from its raw text.

    ``interventions`` and ``conditions`` are lists of names (a single string is one name).
    Evidence strings read ``"<field>: <words>"``, e.g. ``"title: Targeting CS1 and BCMA"``.
    """
    intervention_list = [interventions] if isinstance(interventions, str) else list(interventions or [])
    condition_list = [conditions] if isinstance(conditions, str) else list(conditions or [])
    fields = [
        ("title", title or ""),
        ("interventions", " | ".join(intervention_list)),
        ("conditions", " | ".join(condition_list)),
        ("summary", summary or ""),
    ]
    lowered = [(name, _lower(text)) for name, text in fields]
    products, product_spans = _products(lowered)

    primary: dict[str, list[str]] = {}  # title and intervention names
    secondary: dict[str, list[str]] = {}  # CAR wording in the conditions or summary
    expression: dict[str, list[str]] = {}  # "CD19+", "BCMA-positive"
    for (field_name, raw), (_name, low) in zip(fields, lowered):
        if not raw:
            continue
        text = _mask(low, product_spans.get(field_name, []))
        text = _MASK_RE.sub(lambda m: "#" * len(m.group(0)), text)
        for group in _groups(field_name, text):
            kind, phrase = _context(group, text, raw)
            if field_name in ("title", "interventions") and kind in ("strong", "plain"):
                bucket = primary
            elif kind == "strong":
                bucket = secondary
            elif kind == "expression":
                bucket = expression
            else:
                continue
            for symbol in group.symbols:
                words = f"{field_name}: {phrase}"
                if words not in bucket.setdefault(symbol, []):
                    bucket[symbol].append(words)
    evidence = primary or secondary or expression
    for product in products:
        for symbol in product.targets:
            evidence.setdefault(symbol, []).append(f"product {product.name}: {product.source}")

    product_names = [p.name for p in products]
    product_names += _intervention_codes(intervention_list, product_names)
    modality = _modality(lowered)
    if modality is None:
        modality = next((p.modality for p in products if p.modality), None)
        if modality is None and products and any(p.targets for p in products):
            modality = "CAR-T"
    return TrialClassification(
        targets=sorted(evidence),
        evidence={symbol: evidence[symbol] for symbol in sorted(evidence)},
        modality=modality,
        cell_source=_cell_source(lowered),
        products=product_names,
    )


def named_targets(text: str) -> set[str]:
    """Every target symbol that ``text`` names, in any context (negative and expression mentions too)."""
    return {symbol for _start, _end, symbol, _context in _mentions(_lower(text))}
