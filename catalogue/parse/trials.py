"""Trial records from registry files: parsed, normalised and classified.

:func:`parse_trial_file` reads bytes and returns :class:`~catalogue.drafts.TrialDraft`
objects; it never touches the database. It recognises three shapes by their content:

* ClinicalTrials.gov API v2 JSON: one study object, a list of studies, or a page
  ``{"studies": [...], "nextPageToken": ...}`` (field paths under ``protocolSection``);
* the ClinicalTrials.gov CSV download (header ``NCT Number,Study Title,Study URL,...``);
* the CAR-T Trials Monitor snapshot CSV (header ``NCTId,BriefTitle,...``), oncology
  (no ``EnrollmentType`` column: enrollment type "unknown") or rheumatology;
* the WHO ICTRP export, XML (``<Trials_downloaded_from_ICTRP>``) or CSV (``TrialID,...``): ChiCTR, EU CTR,
  CTIS, jRCT, ISRCTN, ANZCTR, CTRI and the other registries (:mod:`catalogue.parse.ictrp`).

Targets, modality, cell source and products always come from the raw text (title,
interventions, conditions, summary) through :mod:`catalogue.parse.trial_classification`;
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
from contextvars import ContextVar
from dataclasses import fields
from typing import Any

from catalogue.drafts import TrialDraft
from catalogue.errors import InvalidInput
from catalogue.parse.csv_errors import csv_problem, csv_rows
from catalogue.parse.ictrp import is_ictrp_header, parse_ictrp_csv, parse_ictrp_xml
from catalogue.parse.registry_ids import registry_ids_in
from catalogue.parse.trial_classification import classify_trial
from catalogue.parse.trial_fields import (
    checked_registry_id,
    classify_indication,
    enrollment_type_of,
    normalise_date,
    normalise_enrollment,
    normalise_phases,
    normalise_status,
)
from catalogue.reference.products import Product

__all__ = ["parse_trial_file", "snapshot_labels"]


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


#: The named products the drafts of the file being parsed are classified with (None: the reference file's).
_PRODUCTS: ContextVar[tuple[Product, ...] | None] = ContextVar("products", default=None)


def parse_trial_file(
    content: bytes, file_name: str, *, source: str | None = None, products: tuple[Product, ...] | None = None
) -> list[TrialDraft]:
    """Parse a registry file into normalised, classified trial drafts.

    The shape (CT.gov v2 JSON, CT.gov CSV, CAR-T Trials Monitor snapshot CSV) is found
    from the content. ``source`` (e.g. "ClinicalTrials.gov API 2026-08-22") is written
    with the file name into each draft's ``record_source``. ``products`` are the named
    products to classify with (default: ``catalogue/reference/products.toml``; the service
    layer passes it merged with the curated products). Identical duplicate IDs are merged;
    conflicting ones are an error.
    """
    token = _PRODUCTS.set(products)
    try:
        return _parse_trial_file(content, file_name, source)
    finally:
        _PRODUCTS.reset(token)


def _parse_trial_file(content: bytes, file_name: str, source: str | None) -> list[TrialDraft]:
    text = _decode(content, file_name)
    record_source = f"{source} ({file_name})" if source else file_name
    stripped = text.lstrip()
    if stripped[:1] in ("{", "["):
        drafts = _parse_v2_json(text, file_name, record_source)
    elif stripped[:1] == "<":
        drafts = parse_ictrp_xml(text, file_name, record_source)
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
    secondary_ids: list[str] | None = None,
) -> TrialDraft:
    registry, registry_id = checked_registry_id(registry_id_raw, where)
    where = {**where, "record": registry_id}
    try:
        phase_list = normalise_phases(phases)
    except ValueError as exc:
        raise InvalidInput(f"phase: {exc}", **where) from None
    try:
        overall_status = normalise_status(status)
    except ValueError as exc:
        raise InvalidInput(f"overall status: {exc}", **where) from None
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
        " ".join(t for t in (title, (official_title or "").strip()) if t) or None, interventions, conditions, summary,
        products=_PRODUCTS.get(),
    )
    indication, category = classify_indication(conditions, title)
    return TrialDraft(
        registry=registry,
        registry_id=registry_id,
        title=title or ((official_title or "").strip() or None),
        phases=phase_list,
        overall_status=overall_status,
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
        enrollment_type=enrollment_type_of(enrollment_type) if count is not None or enrollment_type else "unknown",
        **classification.draft_fields(),
        record_source=record_source,
        snapshot_date=snap,
        line=line,
        secondary_ids=[i for i in secondary_ids or [] if i != registry_id],
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
        raise InvalidInput(f"malformed CSV header: {csv_problem(exc)}", file=file_name, line=1) from None
    header = [h.strip() for h in header]
    if is_ictrp_header(header):
        return parse_ictrp_csv(text, file_name, record_source)
    if "NCTId" in header or "BriefTitle" in header:
        required, row_to_draft = _SNAPSHOT_REQUIRED, _snapshot_row
    elif "NCT Number" in header or "Study Title" in header:
        required, row_to_draft = _CTGOV_REQUIRED, _ctgov_row
    else:
        raise InvalidInput(
            "unrecognised file: neither ClinicalTrials.gov v2 JSON, the ClinicalTrials.gov CSV download "
            "(header 'NCT Number,Study Title,...'), a CAR-T Trials Monitor snapshot (header 'NCTId,BriefTitle,...') "
            "nor a WHO ICTRP export (XML, or CSV with 'TrialID,Public title,...')",
            file=file_name,
            line=1,
        )
    missing = [c for c in required if c not in header]
    if missing:
        raise InvalidInput(f"missing required column(s): {', '.join(missing)}", file=file_name, line=1)
    duplicated = sorted({h for h in header if header.count(h) > 1 and h})
    if duplicated:
        raise InvalidInput(f"duplicated column(s): {', '.join(duplicated)}", file=file_name, line=1)
    drafts: list[TrialDraft] = []
    for line, row in csv_rows(reader, file_name, len(header)):
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
        secondary_ids=[i for _, i in registry_ids_in(row.get("Other IDs"))],
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
    except ValueError:  # a number of more digits than Python converts (4,300)
        raise InvalidInput("malformed JSON: a number is too long to read", file=file_name) from None
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
            raise InvalidInput(f"a field of the study has the wrong type: {exc}", **where) from None
    return drafts


def _strings(values: Any, what: str) -> list[str]:
    if values is None:
        return []
    if not isinstance(values, list):
        raise TypeError(f"{what} is not a list")
    return [str(v).strip() for v in values if v is not None and str(v).strip()]


def _text(protocol: dict[str, Any], *path: str) -> str | None:
    """A text field of a v2 study (a number is taken as its text); anything else is a TypeError naming the field."""
    value = _get(protocol, *path)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise TypeError(f"{'.'.join(path)} is {type(value).__name__}, not text")


def _v2_study(protocol: dict[str, Any], index: int, file_name: str, record_source: str) -> TrialDraft:
    interventions = _get(protocol, "armsInterventionsModule", "interventions") or []
    locations = _get(protocol, "contactsLocationsModule", "locations") or []
    if not isinstance(interventions, list) or not isinstance(locations, list):
        raise TypeError("interventions and locations must be lists")
    enrollment = _get(protocol, "designModule", "enrollmentInfo") or {}
    secondary = _get(protocol, "identificationModule", "secondaryIdInfos") or []
    return _draft(
        registry_id_raw=_text(protocol, "identificationModule", "nctId"),
        where={"file": file_name, "record": f"study #{index}"},
        title=_text(protocol, "identificationModule", "briefTitle"),
        official_title=_text(protocol, "identificationModule", "officialTitle"),
        phases=_strings(_get(protocol, "designModule", "phases"), "designModule.phases"),
        status=_text(protocol, "statusModule", "overallStatus"),
        conditions=_strings(_get(protocol, "conditionsModule", "conditions"), "conditionsModule.conditions"),
        interventions=[str(i.get("name")).strip() for i in interventions if isinstance(i, dict) and i.get("name")],
        summary=_text(protocol, "descriptionModule", "briefSummary"),
        sponsor=_text(protocol, "sponsorCollaboratorsModule", "leadSponsor", "name"),
        countries=_unique(str(loc.get("country")).strip() for loc in locations if isinstance(loc, dict) and loc.get("country")),
        start_date=_text(protocol, "statusModule", "startDateStruct", "date"),
        last_update=_text(protocol, "statusModule", "lastUpdatePostDateStruct", "date"),
        enrollment=enrollment.get("count") if isinstance(enrollment, dict) else None,
        enrollment_type=_text(protocol, "designModule", "enrollmentInfo", "type"),
        record_source=record_source,
        snapshot_date=None,
        line=index,
        secondary_ids=[i for s in (secondary if isinstance(secondary, list) else []) if isinstance(s, dict)
                       for _, i in registry_ids_in(str(s.get("id") or ""))],
    )


# ---------------------------------------------------------------------------
# Duplicates
# ---------------------------------------------------------------------------

_NOT_COMPARED = ("line", "record_source", "warnings")


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
        seen.warnings.append(f"{draft.registry_id} appears again at line/index {draft.line} with the same data; "
                             "the two were merged")
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
        raise InvalidInput(f"malformed CSV: {csv_problem(exc)}", file=file_name, line=reader.line_num) from None

