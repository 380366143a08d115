"""Patients treated: published results on trials and constructs, and the programme's own total.

A result is a published count of patients who received a product (infused or treated), on one trial or one
construct, with the publication (citation, DOI or PMID) and its date. A trial or construct may have several
results (a first report and its updates); the figure that counts for it is the latest by publication date, and
the trial's and construct's ``patients_treated`` columns hold that figure, kept in step here in the same
transaction. A programme's reported total stays on the programme (never attributed to trials or targets).
Enrollment is never turned into patients treated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from catalogue import db
from catalogue.curation.actors import Actor, require
from catalogue.curation.audit import Outcome, apply_values, audit_event, row_values
from catalogue.curation.lookups import live_construct, live_trial
from catalogue.curation.values import as_of as as_of_date
from catalogue.curation.values import participants
from catalogue.db.models import Construct, PatientsTreatedResult, Programme, Trial
from catalogue.errors import InvalidInput, NotFound

Subject = Literal["trial", "construct"]

DOI_PATTERN = re.compile(r"^10\.\d{4,9}/\S+$")
PMID_PATTERN = re.compile(r"^[1-9]\d{0,8}$")
ISO_DATE_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass
class PublishedResult:
    """A published count of patients treated, as a curator records it."""

    kind: Subject  # on a trial (registry ID) or a construct (name)
    key: str
    patients_treated: int
    citation: str
    doi: str | None = None
    pmid: str | None = None
    published: str | None = None  # 2017, 2017-12 or 2017-12-28
    population: str | None = None  # what was counted, in the publication's words


def _clean(text: str | None) -> str | None:
    text = " ".join((text or "").split())
    return text or None


def validate_result(result: PublishedResult) -> PublishedResult:
    """The result with its text trimmed; :class:`InvalidInput` naming the field when something is wrong."""
    where = f"{result.kind} {result.key!r}"
    if result.kind not in ("trial", "construct"):
        raise InvalidInput(f"a published result is recorded on a trial or a construct, not on a {result.kind!r}")
    if not isinstance(result.patients_treated, int) or isinstance(result.patients_treated, bool):
        raise InvalidInput(f"{where}: patients treated must be a whole number")
    if result.patients_treated < 0:
        raise InvalidInput(f"{where}: patients treated cannot be negative")
    citation = _clean(result.citation)
    if not citation:
        raise InvalidInput(f"{where}: a published result needs its citation (authors, journal, year)")
    doi = _clean(result.doi)
    if doi:
        doi = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:\s*)", "", doi, flags=re.IGNORECASE)
        if not DOI_PATTERN.match(doi):
            raise InvalidInput(f"{where}: {result.doi!r} is not a DOI (10.NNNN/...)")
    pmid = _clean(result.pmid)
    if pmid and not PMID_PATTERN.match(pmid):
        raise InvalidInput(f"{where}: {result.pmid!r} is not a PMID (digits only)")
    published = _clean(result.published)
    if published:
        match = ISO_DATE_PATTERN.match(published)
        try:
            if not match:
                raise ValueError
            year, month, day = (int(g) if g else 1 for g in match.groups())
            date(year, month, day)
        except ValueError:
            raise InvalidInput(f"{where}: publication date {result.published!r} is not YYYY, YYYY-MM or YYYY-MM-DD") from None
    return PublishedResult(result.kind, result.key, result.patients_treated, citation, doi, pmid, published,
                           _clean(result.population))


def _subject_row(session: Session, kind: Subject, key: str) -> Trial | Construct:
    return live_construct(session, key) if kind == "construct" else live_trial(session, key)


def _results_of(session: Session, kind: Subject, row_id: int) -> list[PatientsTreatedResult]:
    column = PatientsTreatedResult.trial_id if kind == "trial" else PatientsTreatedResult.construct_id
    return list(session.exec(select(PatientsTreatedResult).where(column == row_id)).scalars())


def headline_source(result: PatientsTreatedResult) -> str:
    """The source text a trial or construct shows for its figure: the citation, with DOI and PMID."""
    identifiers = [f"doi:{result.doi}" if result.doi else None, f"PMID {result.pmid}" if result.pmid else None]
    shown = [i for i in identifiers if i and i not in result.citation]
    return result.citation + (f" ({'; '.join(shown)})" if shown else "")


def _latest(results: list[PatientsTreatedResult]) -> PatientsTreatedResult | None:
    return max(results, key=lambda r: (r.published or "", r.id or 0), default=None)


def _refresh_headline(session: Session, kind: Subject, row: Trial | Construct) -> bool:
    """Set the row's patients-treated columns to its latest result (or to unknown); True when they changed."""
    session.flush()
    latest = _latest(_results_of(session, kind, row.id))
    values = {
        "patients_treated": latest.patients_treated if latest else None,
        "patients_treated_source": headline_source(latest) if latest else None,
        "patients_treated_date": latest.published if latest else None,
    }
    return apply_values(row, values)


def _same_publication(existing: PatientsTreatedResult, result: PublishedResult) -> bool:
    if result.doi and existing.doi:
        return existing.doi.casefold() == result.doi.casefold()
    if result.pmid and existing.pmid:
        return existing.pmid == result.pmid
    return existing.citation == result.citation


def record_result(session: Session, actor: Actor, result: PublishedResult) -> Outcome:
    result = validate_result(result)
    row = _subject_row(session, result.kind, result.key)
    values = {
        "patients_treated": result.patients_treated,
        "citation": result.citation,
        "doi": result.doi,
        "pmid": result.pmid,
        "published": result.published,
        "population": result.population,
    }
    existing = next((r for r in _results_of(session, result.kind, row.id) if _same_publication(r, result)), None)
    if existing is None:
        record = PatientsTreatedResult(
            trial_id=row.id if result.kind == "trial" else None,
            construct_id=row.id if result.kind == "construct" else None,
            recorded_by=actor.name,
            **values,
        )
        session.add(record)
        before, outcome = None, "created"
    else:
        before = row_values(existing, exclude=("id", "recorded_at", "recorded_by"))
        if not apply_values(existing, values):
            return "unchanged"
        existing.recorded_by = actor.name
        record, outcome = existing, "updated"
    _refresh_headline(session, result.kind, row)
    session.flush()
    after = row_values(record, exclude=("id", "recorded_at", "recorded_by"))
    audit_event(session, actor, "record published result", result.kind, result.key, before, after,
           f"{result.patients_treated} patients treated: {result.citation}")
    return outcome


def record_published_result(engine: Engine, actor: Actor, result: PublishedResult) -> Outcome:
    """Record (or correct) a published count of patients treated on a trial or construct, in one transaction.

    The same publication (same DOI, else same PMID, else same citation) on the same trial or construct is
    corrected in place rather than added twice.
    """
    require(actor, "curator", "record patients treated")
    validate_result(result)
    with db.write_session(engine) as session:
        return record_result(session, actor, result)


def remove_published_results(engine: Engine, actor: Actor, kind: Subject, key: str) -> Outcome:
    """Remove every published result of a trial or construct (its figure becomes "not recorded")."""
    require(actor, "curator", "record patients treated")
    with db.write_session(engine) as session:
        return _remove_results(session, actor, kind, key)


def _remove_results(session: Session, actor: Actor, kind: Subject, key: str) -> Outcome:
    row = _subject_row(session, kind, key)
    results = _results_of(session, kind, row.id)
    before_row = row_values(row)
    for record in results:
        audit_event(session, actor, "remove published result", kind, key,
               row_values(record, exclude=("id", "recorded_at", "recorded_by")), None)
        session.delete(record)
    changed = _refresh_headline(session, kind, row)
    if not results and not changed:
        return "unchanged"
    session.flush()
    if changed:
        audit_event(session, actor, "set patients treated", kind, key, before_row, row_values(row))
    return "updated"


def write_patients_treated(session, actor, kind, key, patients, source, as_of) -> Outcome:
    """A figure with a source text (the CLI's ``patients`` command, the Curate form, the demo).

    On a trial or construct it is a published result whose citation is the source text; ``None`` removes the
    row's results. On a programme it is the programme's own reported total.
    """
    if kind in ("trial", "construct"):
        if patients is None:
            return _remove_results(session, actor, kind, key)
        return record_result(session, actor, PublishedResult(kind, key, patients, source, published=as_of))
    row = session.exec(select(Programme).where(Programme.name == key)).scalars().first()
    if row is None:
        raise NotFound(f"no programme named {key!r}")
    before = row_values(row)
    values = {
        "patients_treated": patients,
        "patients_treated_source": source if patients is not None else None,
        "patients_treated_date": as_of if patients is not None else None,
    }
    if not apply_values(row, values):
        return "unchanged"
    session.flush()
    audit_event(session, actor, "set patients treated", kind, key, before, row_values(row))
    return "updated"


def set_patients_treated(
    engine: Engine,
    actor: Actor,
    kind: Literal["trial", "construct", "programme"],
    key: str,
    patients: int | None,
    *,
    source: str | None,
    as_of: str | None,
) -> Outcome:
    """Record how many patients were treated (a curated figure, kept apart from enrollment)."""
    require(actor, "curator", "record patients treated")
    where = f"{kind} {key!r}"
    if patients is not None:
        participants(patients, "patients treated", where)
        if not source or not source.strip():
            raise InvalidInput("a patients-treated figure needs its source (publication, news item, registry results)")
        as_of = as_of_date(as_of, where)
    with db.write_session(engine) as session:
        return write_patients_treated(session, actor, kind, key, patients, source, as_of)

