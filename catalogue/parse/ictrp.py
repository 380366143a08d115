"""Trials from the WHO ICTRP (International Clinical Trials Registry Platform): its XML export and its CSV form.

The ICTRP search portal's "Export results to XML" writes ``<Trials_downloaded_from_ICTRP>`` with one
``<Trial>`` per trial and one element per field: ``TrialID``, ``Public_title``, ``Scientific_title``,
``Primary_sponsor``, ``Date_registration``, ``Date_enrollement`` (sic), ``Recruitment_Status``,
``Target_size``, ``Phase``, ``Countries``, ``Condition``, ``Intervention``, ``Secondary_ID``,
``Source_Register``, ``web_address``, ``Last_Refreshed_on``, ``Export_date`` and more. Registries' own
ICTRP-format files put the same fields, lower case, inside a ``<main>`` block (``trial_id``, ``reg_name``,
``date_enrolment``, ``hc_freetext``, ``i_freetext``, ``url``) with lists as child elements
(``<countries><country2>``, ``<secondary_ids><secondary_id><sec_id>``). Both are read: element names in any
case, fields directly under ``<Trial>`` or inside ``<Main>``. The CSV form has the same fields as columns
("TrialID", "Public title", "Date enrollement", ... or the underscored names).

How ICTRP writes values, and how they are read (leniently where the field is free text in ICTRP):

* ``TrialID``: the registry's own ID, with ICTRP's prefixes for some (``EUCTR2019-001264-50-GB``,
  ``JPRN-UMIN000012345``); validated and stored under its registry (:mod:`catalogue.parse.registry_ids`).
  An ID of a registry the catalogue does not know is kept as written under the registry that
  ``Source_Register`` names.
* ``Phase``: "Phase 1", "1", "I", "Phase I/II", "1-2", "II-III", "Phase-3", "N/A", "0", EU CTR's
  "Human pharmacology (Phase I): yes / Therapeutic exploratory (Phase II): no / ..." and ChiCTR's study kinds
  ("New Treatment Measure Clinical Study", "Retrospective study"), which name no phase: not recorded.
* ``Target_size``: a number, or ChiCTR's groups "Group A:49;Group B:49;" (summed); other text is not recorded.
* ``Countries``, ``Condition``, ``Intervention``, ``Secondary_ID``: ";"-separated (``<br>`` too).
* Dates: ISO, "YYYYMMDD", day first ("13/09/2026", "21-10-2013"), or words ("March 2020", "21 September
  2026"); ``Export_date`` is month first ("08/28/2026 20:14:44"), as the portal writes it.
* ``Last_Refreshed_on`` is the record's version (``last_update``), ``Export_date`` its snapshot date.

XML is parsed with :mod:`defusedxml`: a file that declares entities (billion laughs) or refers to external
ones is refused, and so is malformed or truncated XML, each with a one-line :class:`InvalidInput`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as SafeElementTree

from catalogue.drafts import TrialDraft
from catalogue.errors import InvalidInput
from catalogue.parse.csv_errors import csv_rows
from catalogue.parse.registry_ids import normalise_registry_id, registry_ids_in, registry_named
from catalogue.parse.trial_classification import classify_trial
from catalogue.parse.trial_fields import (
    classify_indication,
    enrollment_type_of,
    normalise_date,
    normalise_phases,
    normalise_status,
)

__all__ = ["is_ictrp_header", "parse_ictrp_csv", "parse_ictrp_xml"]

# The fields read, each under every name ICTRP's exports give it (lower case, spaces as underscores).
_FIELDS: dict[str, tuple[str, ...]] = {
    "trial_id": ("trialid", "trial_id", "main_id"),
    "public_title": ("public_title",),
    "scientific_title": ("scientific_title",),
    "sponsor": ("primary_sponsor",),
    "start": ("date_enrollement", "date_enrolment", "date_enrollment"),
    "status": ("recruitment_status",),
    "target_size": ("target_size",),
    "enrollment_type": ("type_enrolment", "type_enrollment"),
    "phase": ("phase",),
    "countries": ("countries", "country2", "country"),
    "conditions": ("condition", "conditions", "hc_freetext", "hc_keyword"),
    "interventions": ("intervention", "interventions", "i_freetext", "i_keyword"),
    "secondary_ids": ("secondary_id", "secondary_ids", "secondaryids", "sec_id", "childs"),
    "source_register": ("source_register", "reg_name"),
    "url": ("web_address", "url"),
    "last_refreshed": ("last_refreshed_on",),
    "export_date": ("export_date",),
}
_NAME_TO_FIELD = {name: field for field, names in _FIELDS.items() for name in names}
_PLACEHOLDERS = {"", "n/a", "na", "none", "null", "not applicable", "not specified", "not available", "-", "??"}


def _key(name: str) -> str:
    """An element or column name as a field key: lower case, spaces and hyphens as underscores."""
    local = name.rsplit("}", 1)[-1]  # drop an XML namespace
    return re.sub(r"[\s\-]+", "_", local.strip()).lower()


def is_ictrp_header(header: Iterable[str]) -> bool:
    """Whether a CSV header is the ICTRP export's (it has a TrialID column and a public title)."""
    keys = {_key(h) for h in header}
    return bool(keys & {"trialid", "main_id"}) and bool(keys & {"public_title", "scientific_title"})


# ---------------------------------------------------------------------------
# XML
# ---------------------------------------------------------------------------


def parse_ictrp_xml(text: str, file_name: str, record_source: str) -> list[TrialDraft]:
    """Every ``<Trial>`` of an ICTRP XML export as a normalised, classified draft."""
    try:
        root = SafeElementTree.fromstring(text, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except defusedxml.EntitiesForbidden:
        raise InvalidInput(
            "the XML declares entities (<!ENTITY ...>), which registry exports never do: refused, as entity "
            "expansion (e.g. 'billion laughs') can exhaust memory",
            file=file_name,
        ) from None
    except (defusedxml.ExternalReferenceForbidden, defusedxml.DTDForbidden, defusedxml.NotSupportedError):
        raise InvalidInput("the XML refers to external entities or documents: refused", file=file_name) from None
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        message = str(exc).split(":")[0]
        cut_short = message in ("no element found", "unclosed token", "unclosed CDATA section")
        hint = " (the file ends before the XML does: truncated?)" if cut_short else ""
        raise InvalidInput(f"malformed XML: {message}{hint}", file=file_name, line=line) from None
    except RecursionError:
        raise InvalidInput("malformed XML: nested too deeply", file=file_name) from None
    trials = [element for element in root.iter() if _key(element.tag) == "trial"]
    if _key(root.tag) == "trial":
        trials = [root]
    if not trials:
        raise InvalidInput(
            f"no <Trial> records in <{_key(root.tag)}>: not a WHO ICTRP export (<Trials_downloaded_from_ICTRP>)",
            file=file_name,
        )
    drafts = []
    for number, element in enumerate(trials, start=1):
        fields = _xml_fields(element)
        drafts.append(_draft(fields, {"file": file_name, "record": f"Trial #{number}"}, record_source, number))
    return drafts


def _texts(element: Element) -> list[str]:
    """The text of an element, or of each of its descendants that hold text (list fields)."""
    children = list(element)
    if not children:
        value = (element.text or "").strip()
        return [value] if value else []
    values = []
    for child in element.iter():
        if child is element:
            continue
        if not list(child):
            value = (child.text or "").strip()
            if value:
                values.append(value)
    return values


def _xml_fields(trial: Element) -> dict[str, list[str]]:
    """A trial's fields by name: elements directly under <Trial>, inside <Main>, or lists of children."""
    fields: dict[str, list[str]] = {}
    for child in trial:
        key = _key(child.tag)
        if key == "main":
            for inner in child:
                _add(fields, _key(inner.tag), _texts(inner))
            continue
        _add(fields, key, _texts(child))
        if list(child):  # e.g. <secondary_ids><secondary_id><sec_id>: also under the inner names
            for inner in child.iter():
                if inner is not child and not list(inner):
                    _add(fields, _key(inner.tag), [t for t in [(inner.text or "").strip()] if t])
    return fields


def _add(fields: dict[str, list[str]], key: str, values: list[str]) -> None:
    field = _NAME_TO_FIELD.get(key)
    if field is None or not values:
        return
    bucket = fields.setdefault(field, [])
    for value in values:
        if value not in bucket:
            bucket.append(value)


# ---------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------


def parse_ictrp_csv(text: str, file_name: str, record_source: str) -> list[TrialDraft]:
    """Every row of an ICTRP CSV export (a header row of field names) as a normalised, classified draft."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise InvalidInput(f"malformed CSV header: {exc}", file=file_name, line=1) from None
    keys = [_key(h) for h in header]
    drafts = []
    for line, row in csv_rows(reader, file_name, len(keys)):
        fields: dict[str, list[str]] = {}
        for key, cell in zip(keys, row):
            _add(fields, key, [cell.strip()] if cell.strip() else [])
        drafts.append(_draft(fields, {"file": file_name, "line": line}, record_source, line))
    if not drafts:
        raise InvalidInput("the file has a header but no trial rows", file=file_name)
    return drafts


# ---------------------------------------------------------------------------
# One trial
# ---------------------------------------------------------------------------

_BREAK = re.compile(r"<br\s*/?>|\r\n|\r|\n", re.IGNORECASE)


def _first(fields: dict[str, list[str]], name: str) -> str | None:
    for value in fields.get(name, []):
        value = _BREAK.sub(" ", value).strip()
        if value.lower() not in _PLACEHOLDERS:
            return value
    return None


def _items(fields: dict[str, list[str]], name: str) -> list[str]:
    """A list field: every value, split at ';' and line breaks, placeholders dropped, each once."""
    out: dict[str, None] = {}
    for value in fields.get(name, []):
        for item in re.split(r";|<br\s*/?>|\r\n|\n|\r", value, flags=re.IGNORECASE):
            item = item.strip(" \t,")
            if item and item.lower() not in _PLACEHOLDERS:
                out.setdefault(item, None)
    return list(out)


def _registry_id(fields: dict[str, list[str]], where: dict[str, Any]) -> tuple[str, str]:
    raw = _first(fields, "trial_id")
    if raw is None:
        raise InvalidInput("the trial has no TrialID", **where)
    found = normalise_registry_id(raw)
    if found is not None:
        return found
    source = _first(fields, "source_register")
    if source and re.fullmatch(r"[A-Za-z0-9][\w./\-]{2,39}", raw):
        known = registry_named(source)
        if known is not None:
            raise InvalidInput(f"TrialID {raw!r} is not a {known.name} ID (expected {known.pattern.pattern})", **where)
        return source[:40], raw  # a registry the catalogue does not know yet: kept as ICTRP names it
    raise InvalidInput(f"TrialID {raw!r} is not a registry ID this catalogue knows, and no Source_Register names "
                       "its registry", **where)


_EU_PHASE = re.compile(r"\(Phase\s+(I{1,3}|IV)\)\s*:\s*yes", re.IGNORECASE)
_ROMAN = {"I": "PHASE1", "II": "PHASE2", "III": "PHASE3", "IV": "PHASE4"}


def ictrp_phases(raw: str | None) -> list[str]:
    """ICTRP's phase text as phase codes; text that names no phase (a study kind) is not recorded."""
    if raw is None:
        return []
    text = raw.strip()
    if _EU_PHASE.search(text) or re.search(r"\(Phase\s+I", text, re.IGNORECASE):
        return [p for p in ("PHASE1", "PHASE2", "PHASE3", "PHASE4")
                if p in {_ROMAN[m.upper()] for m in _EU_PHASE.findall(text)}]
    if text.lower() in ("n/a", "na", "not applicable"):
        return ["NA"]
    if text in ("0", "Phase 0", "phase 0"):
        return ["EARLY_PHASE1"]
    cleaned = re.sub(r"(?i)phase[\s-]+", "Phase ", text)
    cleaned = re.sub(r"\b(\d|I{1,3}|IV)\s*-\s*(\d|I{1,3}|IV)\b", r"\1/\2", cleaned)
    try:
        return normalise_phases(cleaned)
    except ValueError:
        return []  # e.g. ChiCTR's "New Treatment Measure Clinical Study": a study kind, not a phase


def target_size(raw: str | None) -> int | None:
    """ICTRP's Target_size as a participant count: "60", or ChiCTR's groups "A:30;B:30;" summed."""
    if raw is None:
        return None
    text = raw.strip().replace(",", "")
    if re.fullmatch(r"\d+(?:\.0*)?", text):
        return int(text.split(".")[0])
    groups = re.findall(r":\s*(\d+)\s*(?:;|$)", text)
    if groups:
        return sum(int(g) for g in groups)
    return None


_DAY_FIRST = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})\s+([A-Za-z]+)\.?,?\s+(\d{4})")


def ictrp_date(raw: str | None, *, month_first: bool = False) -> str | None:
    """An ICTRP date as ISO with the precision given; ``ValueError`` for text that is not a date."""
    if raw is None:
        return None
    text = re.sub(r"[ T]\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AP]M)?$", "", raw.strip(), flags=re.IGNORECASE).strip()
    if text.lower() in _PLACEHOLDERS:
        return None
    if re.fullmatch(r"\d{8}", text):
        return normalise_date(f"{text[:4]}-{text[4:6]}-{text[6:]}")
    m = _DAY_FIRST.fullmatch(text)
    if m:
        first, second, year = int(m.group(1)), int(m.group(2)), m.group(3)
        day, month = (second, first) if month_first and first <= 12 else (first, second)
        if day <= 12 < month:
            day, month = month, day
        return normalise_date(f"{year}-{month:02d}-{day:02d}")
    m = _DAY_MONTH_YEAR.fullmatch(text)
    if m:
        return normalise_date(f"{m.group(2)} {m.group(1)}, {m.group(3)}")
    return normalise_date(text)


def _status(raw: str | None) -> str | None:
    status = normalise_status(raw)
    if status and len(status) > 40:  # EU CTR: "Authorised-recruitment may be ongoing or finished"
        status = normalise_status(re.split(r"[-(,:]", raw, maxsplit=1)[0])
    return status[:40] if status else None


def _draft(fields: dict[str, list[str]], where: dict[str, Any], record_source: str, line: int) -> TrialDraft:
    registry, registry_id = _registry_id(fields, where)
    where = {**where, "record": registry_id}
    try:
        start = ictrp_date(_first(fields, "start"))
        refreshed = ictrp_date(_first(fields, "last_refreshed"))
        exported = ictrp_date(_first(fields, "export_date"), month_first=True)
    except ValueError as exc:
        raise InvalidInput(f"date: {exc}", **where) from None
    public_title = _first(fields, "public_title")
    scientific_title = _first(fields, "scientific_title")
    conditions = _items(fields, "conditions")
    interventions = _items(fields, "interventions")
    titles = " ".join(t for t in (public_title, scientific_title) if t) or None
    classification = classify_trial(titles, interventions, conditions, None)
    indication, category = classify_indication(conditions, titles)
    count = target_size(_first(fields, "target_size"))
    kind = _first(fields, "enrollment_type")
    secondary = [i for _, i in registry_ids_in(" ; ".join(fields.get("secondary_ids", []))) if i != registry_id]
    url = _first(fields, "url")
    return TrialDraft(
        registry=registry,
        registry_id=registry_id,
        title=public_title or scientific_title,
        phases=ictrp_phases(next(iter(fields.get("phase", [])), None)),  # "N/A" is a phase answer here
        overall_status=_status(_first(fields, "status")),
        conditions=conditions,
        interventions=interventions,
        summary=None,
        indication=indication,
        indication_category=category,
        lead_sponsor=_first(fields, "sponsor"),
        countries=_items(fields, "countries"),
        start_date=start,
        last_update=refreshed,
        enrollment_count=count,
        enrollment_type=enrollment_type_of(kind) if count is not None else "unknown",
        **classification.draft_fields(),
        record_source=record_source,
        snapshot_date=exported,
        line=line,
        secondary_ids=secondary,
        url=url if url and re.match(r"https?://", url) else None,
    )
