"""One trial field at a time, as registries write it, normalised: registry IDs, phases, statuses, dates,
enrollment, and the indication a trial's conditions name.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Iterable
from typing import Any

from catalogue import bounds

# ---------------------------------------------------------------------------
# Registry identifiers
# ---------------------------------------------------------------------------
# One table of registries, patterns and URLs for the whole catalogue: catalogue/parse/registry_ids.py.
from catalogue.parse.registry_ids import checked_registry_id, registry_of  # noqa: E402,F401  (re-exported)
from catalogue.vocabulary import PHASE_CODES

# ---------------------------------------------------------------------------
# Normalisation of single fields
# ---------------------------------------------------------------------------

# How registries spell the phases that are not "Phase N" (codes: :data:`catalogue.vocabulary.PHASES`).
_PHASE_SPELLINGS = {
    "EARLY_PHASE1": "EARLY_PHASE1",
    "EARLYPHASE1": "EARLY_PHASE1",
    "EARLY_PHASE_1": "EARLY_PHASE1",
    "EARLY_PHASE_I": "EARLY_PHASE1",
    "PHASE0": "EARLY_PHASE1",
    "PHASE_0": "EARLY_PHASE1",
    "NA": "NA",
    "N_A": "NA",
    "NOT_APPLICABLE": "NA",
}
_ROMAN = {"I": "1", "II": "2", "III": "3", "IV": "4"}
_PHASE_SPLIT_RE = re.compile(r"\s*(?:\||,|;|/|\band\b|\+)\s*", re.IGNORECASE)
_PHASE_TOKEN_RE = re.compile(r"(EARLY_)?PHASE_?([1-4]|IV|III|II|I)", re.IGNORECASE)


def normalise_phases(raw: str | Iterable[str] | None) -> list[str]:
    """Phase codes in registry order: "Phase 1/Phase 2" → ["PHASE1", "PHASE2"]; "" / "Unknown" → [].

    Raises ``ValueError`` for a word that is not a phase.
    """
    if raw is None:
        return []
    items = [raw] if isinstance(raw, str) else list(raw)
    phases: set[str] = set()
    for item in items:
        text = re.sub(r"\bN\s*/\s*A\b", "NA", str(item).strip(), flags=re.IGNORECASE)
        for token in _PHASE_SPLIT_RE.split(text):
            word = re.sub(r"[\s-]+", "_", token.strip()).upper()
            if word in ("", "UNKNOWN", "NONE", "NAN"):
                continue
            if word in _PHASE_SPELLINGS:
                phases.add(_PHASE_SPELLINGS[word])
                continue
            if word in ("1", "2", "3", "4", "I", "II", "III", "IV"):  # "Phase 1/2": the bare second number
                phases.add(f"PHASE{_ROMAN.get(word, word)}")
                continue
            m = _PHASE_TOKEN_RE.fullmatch(word)
            if not m:
                raise ValueError(f"{token.strip()!r} is not a trial phase")
            number = _ROMAN.get(m.group(2).upper(), m.group(2))
            phases.add("EARLY_PHASE1" if m.group(1) and number == "1" else f"PHASE{number}")
    return [p for p in PHASE_CODES if p in phases]


MAX_STATUS_LENGTH = 40  # the longest registry status word ("ACTIVE_NOT_RECRUITING" is 21); the schema's width


def normalise_status(raw: str | None) -> str | None:
    """Overall status in upper snake case: "Active, not recruiting" → "ACTIVE_NOT_RECRUITING".

    Raises ``ValueError`` for a status longer than :data:`MAX_STATUS_LENGTH` characters.
    """
    if raw is None or not str(raw).strip():
        return None
    status = re.sub(r"[^A-Za-z0-9]+", "_", str(raw).strip()).strip("_").upper()
    if len(status) > MAX_STATUS_LENGTH:
        raise ValueError(f"status {str(raw).strip()[:60]!r}... is longer than {MAX_STATUS_LENGTH} characters")
    return status or None


_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
            ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
            ("october", "oct"), ("november", "nov"), ("december", "dec"),
        ],
        start=1,
    )
    for m in names
}
_ISO_DATE_RE = re.compile(r"(\d{4})(?:[-/](\d{1,2})(?:[-/](\d{1,2}))?)?", re.ASCII)
_WORD_DATE_RE = re.compile(r"([A-Za-z]+)\.?\s+(?:(\d{1,2}),?\s+)?(\d{4})", re.ASCII)


def normalise_date(raw: str | None) -> str | None:
    """An ISO date with the precision given: "2023", "2023-03", "2023-03-28".

    Accepts "2023-3", "2023/03/28", "March 2023", "March 28, 2023", "Mar 2023".
    Raises ``ValueError`` for text that is not such a date.
    """
    if raw is None:
        return None
    text = str(raw).strip()
    if not text:
        return None
    if len(text) > 40:
        raise ValueError(f"{text[:40]!r}... is not a date")
    m = _ISO_DATE_RE.fullmatch(text)
    if m:
        year, month, day = m.group(1), m.group(2), m.group(3)
    else:
        m = _WORD_DATE_RE.fullmatch(text)
        if not m or m.group(1).lower() not in _MONTHS:
            raise ValueError(f"{text!r} is not a date (expected e.g. 2023-03-28, 2023-03, 2023 or March 2023)")
        year, month, day = m.group(3), str(_MONTHS[m.group(1).lower()]), m.group(2)
    bounds.year(int(year), text)
    if month is not None and not 1 <= int(month) <= 12:
        raise ValueError(f"{text!r} has month {int(month)}")
    if day is not None:
        try:
            datetime.date(int(year), int(month), int(day))
        except ValueError as exc:
            raise ValueError(f"{text!r} is not a calendar date ({exc})") from None
        return f"{year}-{int(month):02d}-{int(day):02d}"
    if month is not None:
        return f"{year}-{int(month):02d}"
    return year


_ENROLLMENT_RE = re.compile(r"\d+(?:\.0*)?", re.ASCII)


def normalise_enrollment(raw: Any) -> int | None:
    """Enrollment as an int: "307" or "307.0" → 307; "" → None. Raises ``ValueError`` otherwise.

    A count must be a whole number from 0 to :data:`catalogue.bounds.MAX_PARTICIPANTS`.
    """
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise ValueError(f"{raw!r} is not a participant count")
    if isinstance(raw, int):
        return bounds.participants(raw)
    if isinstance(raw, float):
        if not math.isfinite(raw) or raw != int(raw):
            raise ValueError(f"enrollment {raw!r} is not a whole participant count")
        return bounds.participants(int(raw))
    text = str(raw).strip().replace(",", "")
    if not text:
        return None
    if not _ENROLLMENT_RE.fullmatch(text) or len(text) > 40:
        raise ValueError(f"enrollment {str(raw).strip()[:40]!r} is not a whole number")
    return bounds.participants(int(text.split(".")[0]))


def enrollment_type_of(raw: Any) -> str:
    text = str(raw or "").strip().lower()
    if text in ("actual", "estimated"):
        return text
    if text in ("anticipated",):
        return "estimated"
    return "unknown"


# Indications: (pattern, indication, category), most specific first.
_HAEM = "haematological malignancy"
_AUTO = "autoimmune"
_SOLID = "solid tumour"
_INDICATIONS: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(p, re.IGNORECASE), ind, cat)
    for p, ind, cat in [
        (r"lupus|\bSLE\b", "SLE", _AUTO),
        (r"systemic\s+sclerosis|scleroderma|\bSSc\b", "SSc", _AUTO),
        (r"myasthenia", "MG", _AUTO),
        (r"multiple\s+sclerosis|neuromyelitis|\bNMOSD\b|\bMOGAD\b|\bMS\b", "MS/NMOSD", _AUTO),
        (r"\bANCA\b|vasculitis|\bAAV\b", "AAV", _AUTO),
        (r"myositis|myopathy|\bIIM\b|antisynthetase", "IIM", _AUTO),
        (r"rheumatoid\s+arthritis|\bRA\b", "RA", _AUTO),
        (r"immune\s+thrombocytop|\bITP\b|thrombocytopenic\s+purpura", "ITP", _AUTO),
        (r"autoimmune\s+ha?emolytic|\bAIHA\b", "AIHA", _AUTO),
        (r"IgG4", "IgG4-RD", _AUTO),
        (r"sj[öo]gren", "Sjögren disease", _AUTO),
        (r"pemphigus", "pemphigus", _AUTO),
        (r"\bCIDP\b|inflammatory\s+demyelinating", "CIDP", _AUTO),
        (r"nephrotic|membranous\s+nephropathy|glomerul", "autoimmune kidney disease", _AUTO),
        (r"autoimmun|immune[\s-]mediated|rheumat", "autoimmune disease", _AUTO),
        (r"T[\s-]?cell\s+acute\s+lymphoblastic|\bT[\s-]?ALL\b|T[\s-]?lymphoblastic|\bT[\s-]?LBL\b", "T-ALL", _HAEM),
        (r"acute\s+myeloid|acute\s+myelogenous|acute\s+myelocytic|\bAML\b", "AML", _HAEM),
        (r"blastic\s+plasmacytoid|\bBPDCN\b", "BPDCN", _HAEM),
        (r"myelodysplastic|\bMDS\b", "MDS", _HAEM),
        (r"B[\s-]?cell\s+acute\s+lymphoblastic|\bB[\s-]?ALL\b|acute\s+lymphoblastic|acute\s+lymphocytic|\bALL\b|B[\s-]?lymphoblastic",
         "B-ALL", _HAEM),
        (r"myeloma|plasma\s+cell\s+(?:neoplasm|leuk)|\bMM\b|\bRRMM\b", "MM", _HAEM),
        (r"amyloidosis", "AL amyloidosis", _HAEM),
        (r"(?<!non[\s-])(?<!non)hodgkin|\bc?HL\b", "classical HL", _HAEM),
        (r"diffuse\s+large|\bDLBCL\b|\bLBCL\b|large\s+B[\s-]?cell", "DLBCL", _HAEM),
        (r"mantle\s+cell|\bMCL\b", "MCL", _HAEM),
        (r"follicular|\bFL\b", "FL", _HAEM),
        (r"chronic\s+lympho|\bCLL\b|\bSLL\b|small\s+lymphocytic", "CLL", _HAEM),
        (r"anaplastic\s+large|\bALCL\b", "ALCL", _HAEM),
        (r"\bNK\s*[/-]?\s*T[\s-]?cell\s+lymphoma|NK\s*/\s*T|natural\s+killer\s*/?\s*T|\bNKTCL\b", "NK/T-cell lymphoma", _HAEM),
        (r"peripheral\s+T|\bPTCL\b|T[\s-]?cell\s+lymphoma|T[\s-]?cell\s+non[\s-]?hodgkin|angioimmunoblastic|cutaneous\s+T", "PTCL", _HAEM),
        (r"burkitt", "Burkitt lymphoma", _HAEM),
        (r"non[\s-]?hodgkin|\bNHL\b|B[\s-]?cell\s+lymphoma|\bB[\s-]?NHL\b|lymphoma", "B-NHL", _HAEM),
        (r"leuka?emia|B[\s-]?cell\s+malignan|ha?ematolog|lymphoid\s+malignan|myeloid\s+malignan", "haematological malignancy", _HAEM),
        (r"glioblastoma|glioma|\bGBM\b|\bDIPG\b|brain\s+tumou?r", "glioma", _SOLID),
        (r"neuroblastoma", "neuroblastoma", _SOLID),
        (r"hepatocellular|liver\s+cancer|\bHCC\b", "HCC", _SOLID),
        (r"gastric|stomach|gastro-?oesophageal|gastroesophageal", "gastric cancer", _SOLID),
        (r"pancrea", "pancreatic cancer", _SOLID),
        (r"colorectal|colon\s+cancer|rectal", "colorectal cancer", _SOLID),
        (r"lung|\bNSCLC\b|\bSCLC\b", "lung cancer", _SOLID),
        (r"mesothelioma", "mesothelioma", _SOLID),
        (r"ovar", "ovarian cancer", _SOLID),
        (r"prostat", "prostate cancer", _SOLID),
        (r"breast", "breast cancer", _SOLID),
        (r"sarcoma", "sarcoma", _SOLID),
        (r"solid\s+tumou?r|carcinoma|cancer|neoplasm|tumou?r", "solid tumour", _SOLID),
    ]
]


def classify_indication(conditions: Iterable[str], title: str | None) -> tuple[str | None, str | None]:
    """(indication, category) from the conditions, else the title.

    The first condition (in record order) that names a known indication decides;
    the title is used when no condition does. Unrecognised → (None, "other") when
    there is any condition text, else (None, None).
    """
    condition_list = [c for c in conditions if c]
    for text in [*condition_list, title or ""]:
        for pattern, indication, category in _INDICATIONS:
            if pattern.search(text):
                return indication, category
    return (None, "other") if condition_list else (None, None)


def normalise_as_of(raw: str | None, *, today: datetime.date | None = None) -> str | None:
    """The date a figure was true (a patients-treated count), as :func:`normalise_date` reads it, never in
    the future. Raises ``ValueError`` otherwise."""
    value = normalise_date(raw)
    if value is None:
        return None
    today = today or datetime.date.today()
    if value > today.isoformat()[: len(value)]:
        raise ValueError(f"{str(raw).strip()!r} is in the future (today is {today.isoformat()})")
    return value
