"""Trial records from registry files: parsed, normalised and classified.

:func:`parse_trial_file` reads bytes and returns :class:`~catalogue.drafts.TrialDraft`
objects; it never touches the database. It recognises three shapes by their content:

* ClinicalTrials.gov API v2 JSON: one study object, a list of studies, or a page
  ``{"studies": [...], "nextPageToken": ...}`` (field paths under ``protocolSection``);
* the ClinicalTrials.gov CSV download (header ``NCT Number,Study Title,Study URL,...``);
* the CAR-T Trials Monitor snapshot CSV (header ``NCTId,BriefTitle,...``), oncology
  (no ``EnrollmentType`` column: enrollment type "unknown") or rheumatology.

Targets, modality, cell source and products always come from the raw text (title,
interventions, conditions, summary) through :mod:`catalogue.trial_classification`;
the snapshot's own classification columns (TargetCategory, ProductType, ProductName,
DiseaseEntity, ...) are never read into a draft. :func:`snapshot_labels` reads
TargetCategory separately, only to compare classifiers.

Every problem with the input is an :class:`~catalogue.errors.InvalidInput` naming the
file and the line (CSV row start line, JSON error line) or the study index.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from catalogue.drafts import TrialDraft
from catalogue.errors import InvalidInput
from catalogue.trial_classification import classify_trial

__all__ = [
    "parse_trial_file",
    "snapshot_labels",
    "load_demo_trials",
    "draft_to_json",
    "product_links",
    "normalise_phases",
    "normalise_status",
    "normalise_date",
    "normalise_enrollment",
    "classify_indication",
    "registry_of",
]

# ---------------------------------------------------------------------------
# Registry identifiers
# ---------------------------------------------------------------------------

_NCT_RE = re.compile(r"NCT\d{8}")
_CHICTR_RE = re.compile(r"ChiCTR(?:-[A-Z]{2,5}-)?\d{8,10}", re.IGNORECASE)


def registry_of(registry_id: str) -> str | None:
    """The registry an identifier belongs to ("ClinicalTrials.gov", "ChiCTR"), or None."""
    if _NCT_RE.fullmatch(registry_id):
        return "ClinicalTrials.gov"
    if _CHICTR_RE.fullmatch(registry_id):
        return "ChiCTR"
    return None


def _registry_id(raw: Any, where: dict[str, Any]) -> tuple[str, str]:
    registry_id = str(raw).strip() if raw is not None else ""
    if not registry_id:
        raise InvalidInput("the trial has no registry ID", **where)
    if registry_id[:3].upper() == "NCT":
        registry_id = "NCT" + registry_id[3:]
    elif registry_id[:6].lower() == "chictr":
        registry_id = "ChiCTR" + registry_id[6:]
    registry = registry_of(registry_id)
    if registry is None:
        raise InvalidInput(
            f"{registry_id!r} is not a registry ID this catalogue knows "
            "(NCT followed by 8 digits, or ChiCTR followed by digits)",
            **where,
        )
    return registry, registry_id


# ---------------------------------------------------------------------------
# Normalisation of single fields
# ---------------------------------------------------------------------------

PHASE_ORDER = ("EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4", "NA")
_PHASE_WORDS = {
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
    """Phases as a sorted set: "Phase 1/Phase 2" → ["PHASE1", "PHASE2"]; "" / "Unknown" → [].

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
            if word in _PHASE_WORDS:
                phases.add(_PHASE_WORDS[word])
                continue
            if word in ("1", "2", "3", "4", "I", "II", "III", "IV"):  # "Phase 1/2": the bare second number
                phases.add(f"PHASE{_ROMAN.get(word, word)}")
                continue
            m = _PHASE_TOKEN_RE.fullmatch(word)
            if not m:
                raise ValueError(f"{token.strip()!r} is not a trial phase")
            number = _ROMAN.get(m.group(2).upper(), m.group(2))
            phases.add("EARLY_PHASE1" if m.group(1) and number == "1" else f"PHASE{number}")
    return [p for p in PHASE_ORDER if p in phases]


def normalise_status(raw: str | None) -> str | None:
    """Overall status in upper snake case: "Active, not recruiting" → "ACTIVE_NOT_RECRUITING"."""
    if raw is None or not str(raw).strip():
        return None
    return re.sub(r"[^A-Za-z0-9]+", "_", str(raw).strip()).strip("_").upper()


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
_ISO_DATE_RE = re.compile(r"(\d{4})(?:[-/](\d{1,2})(?:[-/](\d{1,2}))?)?")
_WORD_DATE_RE = re.compile(r"([A-Za-z]+)\.?\s+(?:(\d{1,2}),?\s+)?(\d{4})")


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
    m = _ISO_DATE_RE.fullmatch(text)
    if m:
        year, month, day = m.group(1), m.group(2), m.group(3)
    else:
        m = _WORD_DATE_RE.fullmatch(text)
        if not m or m.group(1).lower() not in _MONTHS:
            raise ValueError(f"{text!r} is not a date (expected e.g. 2023-03-28, 2023-03, 2023 or March 2023)")
        year, month, day = m.group(3), str(_MONTHS[m.group(1).lower()]), m.group(2)
    if month is not None and not 1 <= int(month) <= 12:
        raise ValueError(f"{text!r} has month {int(month)}")
    if day is not None:
        import datetime

        try:
            datetime.date(int(year), int(month), int(day))
        except ValueError as exc:
            raise ValueError(f"{text!r} is not a calendar date ({exc})") from None
        return f"{year}-{int(month):02d}-{int(day):02d}"
    if month is not None:
        return f"{year}-{int(month):02d}"
    return year


_ENROLLMENT_RE = re.compile(r"\d+(?:\.0*)?")


def normalise_enrollment(raw: Any) -> int | None:
    """Enrollment as an int: "307" or "307.0" → 307; "" → None. Raises ``ValueError`` otherwise."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise ValueError(f"{raw!r} is not a participant count")
    if isinstance(raw, int):
        if raw < 0:
            raise ValueError(f"{raw!r} is not a participant count")
        return raw
    if isinstance(raw, float):
        if raw < 0 or raw != int(raw):
            raise ValueError(f"{raw!r} is not a whole participant count")
        return int(raw)
    text = str(raw).strip().replace(",", "")
    if not text:
        return None
    if not _ENROLLMENT_RE.fullmatch(text):
        raise ValueError(f"enrollment {str(raw).strip()!r} is not a whole number")
    return int(text.split(".")[0])


def _enrollment_type(raw: Any) -> str:
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


# ---------------------------------------------------------------------------
# Shape detection and decoding
# ---------------------------------------------------------------------------

_SNAPSHOT_REQUIRED = ("NCTId", "BriefTitle", "OverallStatus", "Phase", "Conditions", "Interventions")
_CTGOV_REQUIRED = ("NCT Number", "Study Title", "Study Status")


def _decode(content: bytes, file_name: str) -> str:
    if not isinstance(content, (bytes, bytearray)):
        raise InvalidInput(f"expected bytes, got {type(content).__name__}", file=file_name)
    if not content.strip():
        raise InvalidInput("the file is empty", file=file_name)
    nul = content.find(b"\x00")
    if nul >= 0:
        raise InvalidInput(
            "the file holds NUL bytes: it is binary, not a trial CSV or JSON file",
            file=file_name,
            line=content.count(b"\n", 0, nul) + 1,
        )
    try:
        text = bytes(content).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"the file is not UTF-8 text (byte 0x{content[exc.start]:02x} at offset {exc.start})",
            file=file_name,
            line=content.count(b"\n", 0, exc.start) + 1,
        ) from None
    return text


def parse_trial_file(content: bytes, file_name: str, *, source: str | None = None) -> list[TrialDraft]:
    """Parse a registry file into normalised, classified trial drafts.

    The shape (CT.gov v2 JSON, CT.gov CSV, CAR-T Trials Monitor snapshot CSV) is found
    from the content. ``source`` (e.g. "ClinicalTrials.gov API 2026-08-22") is written
    with the file name into each draft's ``record_source``. Identical duplicate IDs
    are merged; conflicting ones are an error.
    """
    text = _decode(content, file_name)
    record_source = f"{source} ({file_name})" if source else file_name
    stripped = text.lstrip()
    if stripped[:1] in ("{", "["):
        drafts = _parse_v2_json(text, file_name, record_source)
    else:
        drafts = _parse_csv(text, file_name, record_source)
    return _merge_duplicates(drafts, file_name)


def _draft(
    *,
    registry_id_raw: Any,
    where: dict[str, Any],
    title: str | None,
    official_title: str | None,
    phases: Any,
    status: str | None,
    conditions: list[str],
    interventions: list[str],
    summary: str | None,
    sponsor: str | None,
    countries: list[str],
    start_date: str | None,
    last_update: str | None,
    enrollment: Any,
    enrollment_type: Any,
    record_source: str,
    snapshot_date: str | None,
    line: int | None,
) -> TrialDraft:
    registry, registry_id = _registry_id(registry_id_raw, where)
    where = {**where, "record": registry_id}
    try:
        phase_list = normalise_phases(phases)
    except ValueError as exc:
        raise InvalidInput(f"phase: {exc}", **where) from None
    try:
        start = normalise_date(start_date)
        updated = normalise_date(last_update)
        snap = normalise_date(snapshot_date)
    except ValueError as exc:
        raise InvalidInput(f"date: {exc}", **where) from None
    try:
        count = normalise_enrollment(enrollment)
    except ValueError as exc:
        raise InvalidInput(str(exc), **where) from None
    title = (title or "").strip() or None
    classification = classify_trial(
        " ".join(t for t in (title, (official_title or "").strip()) if t) or None, interventions, conditions, summary
    )
    indication, category = classify_indication(conditions, title)
    return TrialDraft(
        registry=registry,
        registry_id=registry_id,
        title=title or ((official_title or "").strip() or None),
        phases=phase_list,
        overall_status=normalise_status(status),
        conditions=conditions,
        interventions=interventions,
        summary=(summary or "").strip() or None,
        indication=indication,
        indication_category=category,
        lead_sponsor=(sponsor or "").strip() or None,
        countries=countries,
        start_date=start,
        last_update=updated,
        enrollment_count=count,
        enrollment_type=_enrollment_type(enrollment_type) if count is not None or enrollment_type else "unknown",
        targets=classification.targets,
        target_evidence=classification.evidence,
        modality=classification.modality,
        cell_source=classification.cell_source,
        products=classification.products,
        record_source=record_source,
        snapshot_date=snap,
        line=line,
    )


def _split(value: str | None, sep: str = "|") -> list[str]:
    if not value:
        return []
    return [part.strip() for part in value.split(sep) if part.strip()]


def _unique(items: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        if item and item not in seen:
            seen[item] = None
    return list(seen)


# ---------------------------------------------------------------------------
# CSV shapes
# ---------------------------------------------------------------------------

_INTERVENTION_TYPE_RE = re.compile(
    r"^(?:DRUG|BIOLOGICAL|GENETIC|PROCEDURE|DEVICE|OTHER|RADIATION|BEHAVIORAL|DIETARY_SUPPLEMENT|COMBINATION_PRODUCT"
    r"|DIAGNOSTIC_TEST)\s*:\s*",
    re.IGNORECASE,
)


def _parse_csv(text: str, file_name: str, record_source: str) -> list[TrialDraft]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise InvalidInput("the file is empty", file=file_name) from None
    except csv.Error as exc:
        raise InvalidInput(f"malformed CSV header: {exc}", file=file_name, line=1) from None
    header = [h.strip() for h in header]
    if "NCTId" in header or "BriefTitle" in header:
        required, row_to_draft = _SNAPSHOT_REQUIRED, _snapshot_row
    elif "NCT Number" in header or "Study Title" in header:
        required, row_to_draft = _CTGOV_REQUIRED, _ctgov_row
    else:
        raise InvalidInput(
            "unrecognised file: neither ClinicalTrials.gov v2 JSON, the ClinicalTrials.gov CSV download "
            "(header 'NCT Number,Study Title,...') nor a CAR-T Trials Monitor snapshot (header 'NCTId,BriefTitle,...')",
            file=file_name,
            line=1,
        )
    missing = [c for c in required if c not in header]
    if missing:
        raise InvalidInput(f"missing required column(s): {', '.join(missing)}", file=file_name, line=1)
    duplicated = sorted({h for h in header if header.count(h) > 1 and h})
    if duplicated:
        raise InvalidInput(f"duplicated column(s): {', '.join(duplicated)}", file=file_name, line=1)
    width = len(header)
    drafts: list[TrialDraft] = []
    row_start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise InvalidInput(f"malformed CSV: {exc}", file=file_name, line=row_start) from None
        line = row_start
        row_start = reader.line_num + 1
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != width:
            raise InvalidInput(
                f"the row has {len(row)} fields, the header has {width}", file=file_name, line=line
            )
        record = dict(zip(header, row))
        drafts.append(row_to_draft(record, file_name, record_source, line))
    if not drafts:
        raise InvalidInput("the file has a header but no trial rows", file=file_name)
    return drafts


def _snapshot_row(row: dict[str, str], file_name: str, record_source: str, line: int) -> TrialDraft:
    """One CAR-T Trials Monitor row. Only registry fields are read; never the classification columns."""
    return _draft(
        registry_id_raw=row.get("NCTId"),
        where={"file": file_name, "line": line},
        title=row.get("BriefTitle"),
        official_title=None,
        phases=row.get("Phase"),
        status=row.get("OverallStatus"),
        conditions=_split(row.get("Conditions")),
        interventions=_split(row.get("Interventions")),
        summary=row.get("BriefSummary"),
        sponsor=row.get("LeadSponsor"),
        countries=_unique(_split(row.get("Countries"))),
        start_date=row.get("StartDate"),
        last_update=row.get("LastUpdatePostDate"),
        enrollment=row.get("EnrollmentCount"),
        enrollment_type=row.get("EnrollmentType"),
        record_source=record_source,
        snapshot_date=row.get("SnapshotDate") or None,
        line=line,
    )


def _location_country(location: str) -> str:
    return location.rsplit(",", 1)[-1].strip()


def _ctgov_row(row: dict[str, str], file_name: str, record_source: str, line: int) -> TrialDraft:
    """One row of the ClinicalTrials.gov CSV download."""
    interventions = [_INTERVENTION_TYPE_RE.sub("", i) for i in _split(row.get("Interventions"))]
    return _draft(
        registry_id_raw=row.get("NCT Number"),
        where={"file": file_name, "line": line},
        title=row.get("Study Title"),
        official_title=None,
        phases=row.get("Phases"),
        status=row.get("Study Status"),
        conditions=_split(row.get("Conditions")),
        interventions=interventions,
        summary=row.get("Brief Summary"),
        sponsor=row.get("Sponsor"),
        countries=_unique(_location_country(loc) for loc in _split(row.get("Locations"))),
        start_date=row.get("Start Date"),
        last_update=row.get("Last Update Posted"),
        enrollment=row.get("Enrollment"),
        enrollment_type=None,
        record_source=record_source,
        snapshot_date=None,
        line=line,
    )


# ---------------------------------------------------------------------------
# ClinicalTrials.gov API v2 JSON
# ---------------------------------------------------------------------------


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _parse_v2_json(text: str, file_name: str, record_source: str) -> list[TrialDraft]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"malformed JSON: {exc.msg} (column {exc.colno})", file=file_name, line=exc.lineno) from None
    except RecursionError:
        raise InvalidInput("malformed JSON: nested too deeply", file=file_name) from None
    if isinstance(data, dict) and "studies" in data:
        studies = data["studies"]
        if not isinstance(studies, list):
            raise InvalidInput("'studies' is not a list of study objects", file=file_name)
    elif isinstance(data, dict) and "protocolSection" in data:
        studies = [data]
    elif isinstance(data, list):
        studies = data
    else:
        raise InvalidInput(
            "unrecognised JSON: expected a ClinicalTrials.gov v2 study (with 'protocolSection'), "
            "a list of studies, or a page {'studies': [...]}",
            file=file_name,
        )
    if not studies:
        raise InvalidInput("the file holds no studies", file=file_name)
    drafts = []
    for index, study in enumerate(studies):
        where = {"file": file_name, "record": f"study #{index}"}
        if not isinstance(study, dict) or not isinstance(study.get("protocolSection"), dict):
            raise InvalidInput("not a ClinicalTrials.gov v2 study: no 'protocolSection' object", **where)
        try:
            drafts.append(_v2_study(study["protocolSection"], index, file_name, record_source))
        except InvalidInput:
            raise
        except (TypeError, AttributeError, ValueError) as exc:
            raise InvalidInput(f"unexpected field type in the study: {exc}", **where) from None
    return drafts


def _strings(values: Any, what: str) -> list[str]:
    if values is None:
        return []
    if not isinstance(values, list):
        raise TypeError(f"{what} is not a list")
    return [str(v).strip() for v in values if v is not None and str(v).strip()]


def _v2_study(protocol: dict[str, Any], index: int, file_name: str, record_source: str) -> TrialDraft:
    interventions = _get(protocol, "armsInterventionsModule", "interventions") or []
    locations = _get(protocol, "contactsLocationsModule", "locations") or []
    if not isinstance(interventions, list) or not isinstance(locations, list):
        raise TypeError("interventions and locations must be lists")
    enrollment = _get(protocol, "designModule", "enrollmentInfo") or {}
    return _draft(
        registry_id_raw=_get(protocol, "identificationModule", "nctId"),
        where={"file": file_name, "record": f"study #{index}"},
        title=_get(protocol, "identificationModule", "briefTitle"),
        official_title=_get(protocol, "identificationModule", "officialTitle"),
        phases=_strings(_get(protocol, "designModule", "phases"), "designModule.phases"),
        status=_get(protocol, "statusModule", "overallStatus"),
        conditions=_strings(_get(protocol, "conditionsModule", "conditions"), "conditionsModule.conditions"),
        interventions=[str(i.get("name")).strip() for i in interventions if isinstance(i, dict) and i.get("name")],
        summary=_get(protocol, "descriptionModule", "briefSummary"),
        sponsor=_get(protocol, "sponsorCollaboratorsModule", "leadSponsor", "name"),
        countries=_unique(str(loc.get("country")).strip() for loc in locations if isinstance(loc, dict) and loc.get("country")),
        start_date=_get(protocol, "statusModule", "startDateStruct", "date"),
        last_update=_get(protocol, "statusModule", "lastUpdatePostDateStruct", "date"),
        enrollment=enrollment.get("count") if isinstance(enrollment, dict) else None,
        enrollment_type=enrollment.get("type") if isinstance(enrollment, dict) else None,
        record_source=record_source,
        snapshot_date=None,
        line=index,
    )


# ---------------------------------------------------------------------------
# Duplicates
# ---------------------------------------------------------------------------

_NOT_COMPARED = ("line", "record_source")


def _merge_duplicates(drafts: list[TrialDraft], file_name: str) -> list[TrialDraft]:
    first: dict[str, TrialDraft] = {}
    merged: list[TrialDraft] = []
    for draft in drafts:
        seen = first.get(draft.registry_id)
        if seen is None:
            first[draft.registry_id] = draft
            merged.append(draft)
            continue
        differing = [
            f.name
            for f in fields(TrialDraft)
            if f.name not in _NOT_COMPARED and getattr(seen, f.name) != getattr(draft, f.name)
        ]
        if differing:
            raise InvalidInput(
                f"duplicate registry ID with conflicting data (first at line/index {seen.line}; "
                f"differs in {', '.join(differing)})",
                file=file_name,
                record=draft.registry_id,
                line=draft.line,
            )
    return merged


# ---------------------------------------------------------------------------
# Snapshot labels (only for comparing classifiers)
# ---------------------------------------------------------------------------


def snapshot_labels(content: bytes, file_name: str) -> dict[str, str]:
    """Registry ID → the snapshot's TargetCategory label. For :func:`agreement_report` only."""
    text = _decode(content, file_name)
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    if not reader.fieldnames or "NCTId" not in reader.fieldnames or "TargetCategory" not in reader.fieldnames:
        raise InvalidInput("not a CAR-T Trials Monitor snapshot: needs columns NCTId and TargetCategory", file=file_name, line=1)
    try:
        return {row["NCTId"].strip(): (row["TargetCategory"] or "").strip() for row in reader}
    except csv.Error as exc:
        raise InvalidInput(f"malformed CSV: {exc}", file=file_name, line=reader.line_num) from None


# ---------------------------------------------------------------------------
# Demo catalogue: JSON of structured facts
# ---------------------------------------------------------------------------

#: Draft fields written to the demo JSON (structured facts and title; never the summary).
DEMO_FIELDS = (
    "registry", "registry_id", "title", "phases", "overall_status", "conditions", "interventions",
    "indication", "indication_category", "lead_sponsor", "countries", "start_date", "last_update",
    "enrollment_count", "enrollment_type", "targets", "target_evidence", "modality", "cell_source",
    "products", "snapshot_date",
)


def draft_to_json(draft: TrialDraft, *, source: str) -> dict[str, Any]:
    """The demo JSON object of a draft: :data:`DEMO_FIELDS` plus ``source``."""
    values = asdict(draft)
    entry = {name: values[name] for name in DEMO_FIELDS}
    entry["source"] = source
    return entry


def load_demo_trials(path: str | Path) -> list[TrialDraft]:
    """The demo catalogue's trials (catalogue/demo/trials.json) as drafts.

    The file is ``{"trials": [entry, ...]}``; each entry has the :data:`DEMO_FIELDS`
    and ``source`` (which becomes ``record_source``).
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"malformed JSON: {exc.msg}", file=str(path), line=exc.lineno) from None
    entries = data.get("trials") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise InvalidInput("expected {'trials': [...]}", file=str(path))
    known = {f.name for f in fields(TrialDraft)}
    drafts = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not entry.get("registry_id"):
            raise InvalidInput("a demo trial needs a registry_id", file=str(path), record=f"trial #{index}")
        values = {k: v for k, v in entry.items() if k in known}
        values["record_source"] = entry.get("source")
        values["line"] = index
        try:
            drafts.append(TrialDraft(**values))
        except TypeError as exc:
            raise InvalidInput(f"bad demo trial entry: {exc}", file=str(path), record=entry["registry_id"]) from None
    return drafts


def product_links(draft: TrialDraft) -> list[str]:
    """The product names by which a trial links to constructs (e.g. "tisa-cel", "ET019003", "LCAR-AIO")."""
    return list(draft.products)
