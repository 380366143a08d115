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
The knowledge is data with sources (docs/reference-data.md): target names come from
``catalogue/reference/targets.toml`` (:data:`CD_NUMBERS`, :data:`TARGET_ALIASES`,
:data:`CAR_SHORTHAND_NUMBERS`), named products from ``catalogue/reference/products.toml``
(:data:`PRODUCTS`) plus, through the service layer, the curators' products.

1. Named products are found first (``tisagenlecleucel`` → ``tisa-cel`` → CD19,
   ``LCAR-AIO`` → CD19/CD20/CD22, ...). Their text is then masked, so that a code such as
   ``CM-CS1`` or ``CT1190B`` is not read as a target name. A product whose target no
   source establishes contributes a product and no target.
2. Target names (symbols with their aliases; CD numbers; "CAR19"-style names) are found in the masked
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

Symbols are canonical (targets.toml): ``BCMA`` for TNFRSF17/CD269, ``CS1`` for
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
from typing import Any

from catalogue.parse.tcr_products import tcr_product_pattern, tcr_products
from catalogue.reference.products import Product, reference_products
from catalogue.reference.targets import reference_targets
from catalogue.reference.wording import name_pattern

# ---------------------------------------------------------------------------
# Knowledge: targets and products come from catalogue/reference/ (data files with sources).
# ---------------------------------------------------------------------------

#: CD numbers that are CAR targets, with the canonical symbol each one means (targets.toml ``cd``).
CD_NUMBERS: dict[str, str] = {t.cd: t.symbol for t in reference_targets() if t.cd}

#: Non-CD target names: canonical symbol -> regular expressions of the words that mean it
#: (targets.toml ``text_forms`` and ``text_patterns``).
TARGET_ALIASES: dict[str, list[str]] = {t.symbol: list(t.text_regexes) for t in reference_targets() if t.text_regexes}

#: CD numbers registries write right after "CAR", "CART", "UCART" or "4SCAR" ("CAR19", "CART-38").
CAR_SHORTHAND_NUMBERS: tuple[str, ...] = tuple(t.cd for t in reference_targets() if t.car_shorthand and t.cd)

#: The eight targets of the seed catalogue, compared with the snapshot labels.
SEED_TARGETS = ("CD19", "CD22", "BCMA", "CD7", "CD38", "CD30", "CD123", "CS1")

#: The shipped named products (catalogue/reference/products.toml); curated ones are passed to
#: :func:`classify_trial` by the service layer.
PRODUCTS: tuple[Product, ...] = reference_products()

#: Named TCR-T products (``catalogue/reference/tcr_products.toml``) name their antigens too.
PRODUCTS += tuple(
    Product(p.name, patterns=p.patterns, targets=p.targets, targets_source=p.source, modality="TCR-T",
            modality_source=p.source, binder="TCR", binder_source=p.source)
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
_CAR_NUMBERS = "|".join(sorted(CAR_SHORTHAND_NUMBERS, key=len, reverse=True))
_CAR_NUMBER_PATTERN = rf"(?P<carpre>car[\s.-]?t?[\s-]?|cart[\s-]?|4scar[\s-]?)(?P<carcd>{_CAR_NUMBERS})(?![a-z0-9])"
# "19-28z", "1928z", "19-BBz": the CD number named by the costimulatory-domain suffix of a CAR's name.
_CAR_SUFFIX_PATTERN = rf"(?P<sufcd>{_CAR_NUMBERS})(?=[\s.-]?(?:28|bb|41bb|4-1bb)[\s.-]?(?:z|ζ)(?![a-z]))"
_ALIAS_RES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(_lower_pattern("|".join(patterns))), symbol) for symbol, patterns in TARGET_ALIASES.items()
]
# Lower-cased text is matched case-sensitively: much faster than IGNORECASE.
_MENTION_RE = re.compile(
    _TARGET_EDGE_L
    + "(?:"
    + "|".join([_CAR_NUMBER_PATTERN, _CD_PATTERN, _CAR_SUFFIX_PATTERN, "(?P<alias>" + "|".join(_lower_pattern(p) for ps in TARGET_ALIASES.values() for p in ps) + ")" + _EDGE_R.lower()])
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



class _ProductMatcher:
    """Finds the names of a set of products in lower-cased text.

    The names are grouped by their first character, so that the regular expression tries
    only the names that can start where it stands (hundreds of names stay fast).
    """

    def __init__(self, products: tuple[Product, ...]) -> None:
        self.products = products
        by_first: dict[str, list[str]] = {}
        other: list[str] = []
        for product in products:
            for name in product.names:
                pattern = name_pattern(name)
                first = re.escape(name.strip().lower()[:1])
                if first and pattern.startswith(first):
                    by_first.setdefault(first, []).append(pattern[len(first):])
                else:
                    other.append(pattern)
            other.extend(p.lower() for p in product.patterns)
        branches = [f"{first}(?:{'|'.join(sorted(set(rests), key=len, reverse=True))})" for first, rests in by_first.items()]
        self.regex = re.compile(_EDGE_L.lower() + "(?:" + "|".join(branches + other) + ")" + _EDGE_R.lower())
        self._each = [(re.compile("(?:" + "|".join(product.text_regexes) + ")"), product) for product in products]
        self._cache: dict[str, Product | None] = {}

    def product_of(self, matched: str) -> Product | None:
        if matched not in self._cache:
            self._cache[matched] = next((p for regex, p in self._each if regex.fullmatch(matched)), None)
        return self._cache[matched]


_MATCHERS: dict[int, tuple[tuple[Product, ...], _ProductMatcher]] = {}


def _product_matcher(products: tuple[Product, ...]) -> _ProductMatcher:
    """The matcher of ``products``, kept per tuple (by identity: one file is parsed with one tuple)."""
    kept = _MATCHERS.get(id(products))
    if kept is None or kept[0] is not products:
        if len(_MATCHERS) >= 8:
            _MATCHERS.pop(next(iter(_MATCHERS)))
        kept = _MATCHERS[id(products)] = (products, _ProductMatcher(products))
    return kept[1]


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

    def draft_fields(self) -> dict[str, Any]:
        """The classification as the fields of a ``TrialDraft`` (every registry reader fills them alike)."""
        return {"targets": self.targets, "target_evidence": self.evidence, "modality": self.modality,
                "cell_source": self.cell_source, "products": self.products}


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
        cd = m.group("carcd") or m.group("cd") or m.group("cdw") or m.group("sufcd")
        if cd is not None:
            symbol = CD_NUMBERS.get(cd)
            if symbol is None:
                continue
            car_prefixed = m.group("carcd") is not None or m.group("sufcd") is not None
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


def _products(
    fields: list[tuple[str, str]], matcher: _ProductMatcher
) -> tuple[list[Product], dict[str, list[tuple[int, int]]], dict[str, tuple[str, int, int]]]:
    """Named products in the (lower-cased) fields, where they are, and where each was first named."""
    found: list[Product] = []
    spans: dict[str, list[tuple[int, int]]] = {}
    named_as: dict[str, tuple[str, int, int]] = {}
    for field_name, text in fields:
        for m in matcher.regex.finditer(text):
            product = matcher.product_of(m.group(0))
            if product is None:
                continue
            spans.setdefault(field_name, []).append((m.start(), m.end()))
            if product not in found:
                found.append(product)
                named_as[product.name] = (field_name, m.start(), m.end())
    return found, spans, named_as


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
    products: tuple[Product, ...] | None = None,
) -> TrialClassification:
    """Targets, modality, cell source and products of one trial, from its raw text.

    ``interventions`` and ``conditions`` are lists of names (a single string is one name).
    ``products`` are the named products to look for (default: the reference file's; the service
    layer passes the reference file's merged with the curated ones).

    Evidence says what led to each target: ``"<field>: <words>"`` for words of the record, e.g.
    ``"title: Targeting CS1 and BCMA"``, and ``"product <name> (<field>: <name as written>): <source>"``
    for a named product whose targets a source gives. A target without evidence is never returned;
    a modality that neither the words nor a product's sourced facts give is left empty.
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
    matcher = _product_matcher(PRODUCTS if products is None else tuple(products))
    products, product_spans, named_as = _products(lowered, matcher)
    raw_fields = dict(fields)

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
        field_name, start, end = named_as[product.name]
        written = raw_fields[field_name][start:end]
        for symbol in product.targets:
            evidence.setdefault(symbol, []).append(
                f"product {product.name} ({field_name}: {written}): {product.source or 'source not recorded'}"
            )

    product_names = [p.name for p in products]
    product_names += _intervention_codes(intervention_list, product_names)
    modality = _modality(lowered)
    if modality is None:  # only a product's sourced modality, never a guess
        modality = next((p.modality for p in products if p.modality), None)
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
