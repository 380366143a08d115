"""Compare constructs side by side: architecture fields with differences marked, domain maps, binder identity."""

from __future__ import annotations

from itertools import combinations
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from catalogue.db.models import Construct, SearchSequence, SequenceRecord, SequenceSegment
from catalogue.detect.segments import BINDER_KINDS
from catalogue.detect.similarity import binder_identity
from catalogue.errors import InvalidInput, NotFound
from catalogue.read.constructs import construct_detail
from catalogue.read.models import ConstructDetail
from catalogue.read.sql import _live_record

MIN_CONSTRUCTS, MAX_CONSTRUCTS = 2, 4
SAME_BINDER_IDENTITY = 95.0  # percent over the V domains, both ways: reported as the same binder

#: (key, label) of the rows compared; ``signal_peptide`` and ``domain_order`` come from the domain map.
FIELDS = (
    ("targets", "Targets"),
    ("modality", "Modality"),
    ("binder_clone", "Binder"),
    ("binder_format", "Binder format"),
    ("binder_species", "Binder species"),
    ("signal_peptide", "Signal peptide"),
    ("hinge", "Hinge"),
    ("transmembrane", "Transmembrane"),
    ("costimulatory", "Costimulatory"),
    ("signalling", "Signalling"),
    ("generation", "Generation"),
    ("domain_order", "Domains in chain order"),
    ("vector", "Vector"),
    ("developer", "Developer"),
    ("status", "Status"),
)


def _binder_domains(engine: Engine, name: str) -> list[tuple[str, str]]:
    """(label, protein) of the V domains of the construct's first live record that has any."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(SequenceRecord.id, SequenceSegment.label, SearchSequence.protein)
            .join(Construct, Construct.id == SequenceRecord.construct_id)
            .join(SequenceSegment, SequenceSegment.sequence_record_id == SequenceRecord.id)
            .join(SearchSequence, SearchSequence.id == SequenceSegment.search_sequence_id)
            .where(Construct.name == name, _live_record, SequenceSegment.kind.in_(BINDER_KINDS))
            .order_by(SequenceRecord.imported_at, SequenceRecord.id, SequenceSegment.chain_start)
        ).all()
    if not rows:
        return []
    first = rows[0].id
    return [(row.label, row.protein) for row in rows if row.id == first]


def _value(detail: ConstructDetail, key: str) -> Any:
    if key == "signal_peptide":
        labels = [d.label for d in detail.domains if d.kind == "signal_peptide"]
        return labels[0] if labels else None
    if key == "domain_order":
        return [d.label for d in detail.domains] or None
    value = getattr(detail, key)
    return value if value not in ([], "") else None


def compare_constructs(engine: Engine, names: list[str]) -> dict[str, Any]:
    """Two to four constructs side by side.

    Returns ``{"constructs": [names], "fields": [{"field", "label", "values": {name: value}, "differs",
    "complete"}], "binder_identity": [{"first", "second", "identity", "coverage", "same_binder"}],
    "domain_maps": {name: {"length", "domains"}}, "targets": {name: [...]}, "trials": {name: [...]}}``.
    A field ``differs`` when two of its recorded values are not equal (a value not recorded is not a
    difference, and ``complete`` says whether every construct has one). Binder identity is the lower of
    the two directions over the V domains of each construct's first record that has any (``null`` when one
    has none).
    """
    names = list(dict.fromkeys(n.strip() for n in names if n and n.strip()))
    if not MIN_CONSTRUCTS <= len(names) <= MAX_CONSTRUCTS:
        raise InvalidInput(f"compare needs {MIN_CONSTRUCTS} to {MAX_CONSTRUCTS} different constructs, "
                           f"not {len(names)}")
    details = {}
    for name in names:
        detail = construct_detail(engine, name)
        if detail is None or detail.archived_at is not None:
            raise NotFound(f"no construct named {name!r}" + (" (it is archived)" if detail else ""))
        details[name] = detail
    fields = []
    for key, label in FIELDS:
        values = {name: _value(details[name], key) for name in names}
        recorded = [repr(v) for v in values.values() if v is not None]
        fields.append({"field": key, "label": label, "values": values, "differs": len(set(recorded)) > 1,
                       "complete": len(recorded) == len(names)})
    binders = {name: _binder_domains(engine, name) for name in names}
    identities = []
    for first, second in combinations(names, 2):
        figures = binder_identity(binders[first], binders[second])
        identities.append({
            "first": first, "second": second,
            "identity": figures["identity"] if figures else None,
            "coverage": figures["coverage"] if figures else None,
            "same_binder": bool(figures and figures["identity"] >= SAME_BINDER_IDENTITY
                                and figures["coverage"] >= 0.9) if figures else None,
        })
    maps = {}
    for name in names:
        domains = details[name].domains
        maps[name] = {"length": max((d.end for d in domains), default=0), "domains": domains}
    return {
        "constructs": names,
        "fields": fields,
        "binder_identity": identities,
        "domain_maps": maps,
        "targets": {name: details[name].targets for name in names},
        "trials": {name: [{"registry_id": t.registry_id, "title": t.title, "phases": t.phases,
                           "overall_status": t.overall_status} for t in details[name].trials]
                   for name in names},
    }
