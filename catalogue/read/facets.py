"""The filters of the browse tables, described once: each gives its SQL clause and the values it can take.

A :class:`Facet` is a key (the keyword argument and URL parameter), a label (the page's widget), a kind
(how its column is matched and its values listed) and a column. :data:`CONSTRUCT_FACETS` and
:data:`TRIAL_FACETS` describe the Constructs and Trials tables; the pages draw one select box per facet,
:func:`~catalogue.read.construct_page` and :func:`~catalogue.read.trial_page` filter with
:meth:`FacetedTable.clauses`, and :func:`~catalogue.read.construct_facets` and
:func:`~catalogue.read.trial_facets` list the choices with :meth:`FacetedTable.values`. A new filter is one
line here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import and_, func, or_, select

from catalogue.db.models import Construct, ConstructTarget, Target, Trial, TrialTarget
from catalogue.read.sql import _json_list_contains, _json_text, _json_value, _live_construct, _live_study
from catalogue.vocabulary import PHASE_ORDER, phase_codes, phase_label, status_label

FacetKind = Literal["target", "value", "list", "phase", "status", "from", "until"]
# target: the column is a link table's row column (ConstructTarget.construct_id); the value a target symbol.
# value:  the column equals the value.          list:  a JSON list column holds the value.
# phase:  a phases column, matched by its label (catalogue.vocabulary.phase_label).
# status: a registry status code column; its values are listed with their words.
# from / until: an integer column at least / at most the value (years).


@dataclass(frozen=True)
class Facet:
    key: str
    label: str
    kind: FacetKind
    column: Any


@dataclass(frozen=True)
class FacetedTable:
    """A browse table's rows (``model``, those that are ``live``) and the facets that filter them."""

    model: Any
    live: Any
    facets: tuple[Facet, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(facet.key for facet in self.facets)

    def clauses(self, filters: dict[str, Any]) -> list:
        """SQL clauses for ``filters`` ({facet key: value}; ``None`` or "" is no filter), live rows only.

        Raises ``ValueError`` for a key that is not a facet of this table.
        """
        by_key = {facet.key: facet for facet in self.facets}
        unknown = set(filters) - set(by_key)
        if unknown:
            raise ValueError(f"unknown {self.model.__name__.lower()} filter(s): {', '.join(sorted(unknown))}")
        return [self.live] + [
            self._clause(by_key[key], value) for key, value in filters.items() if value is not None and value != ""
        ]

    def _clause(self, facet: Facet, value: Any):
        column = facet.column
        if facet.kind == "target":
            target_id = select(Target.id).where(Target.symbol == value).scalar_subquery()
            return self.model.id.in_(select(column).where(column.class_.target_id == target_id))
        if facet.kind == "list":
            return _json_list_contains(column, value)
        if facet.kind == "phase":
            codes = phase_codes(value)
            if not codes:
                return or_(column.is_(None), _json_text(column).in_(["null", "[]"]))
            return _json_text(column) == json.dumps(codes)
        if facet.kind == "from":
            return column >= int(value)
        if facet.kind == "until":
            return column <= int(value)
        return column == value

    def values(self, connection) -> dict[str, Any]:
        """The choices of every facet: only values some live row has (status codes with their words)."""
        return {facet.key: self._values(connection, facet) for facet in self.facets}

    def _values(self, connection, facet: Facet) -> Any:
        column = facet.column
        if facet.kind == "target":
            owner = and_(self.model.id == column, self.live)
            return list(connection.execute(
                select(Target.symbol).join(column.class_, column.class_.target_id == Target.id)
                .join(self.model, owner).group_by(Target.symbol).order_by(Target.symbol)
            ).scalars())
        if facet.kind in ("list", "phase"):
            stored = [_json_value(text) for text in connection.execute(
                select(_json_text(column)).where(self.live).group_by(_json_text(column))
            ).scalars()]
            if facet.kind == "list":
                return sorted({item for items in stored for item in items or []})
            labels = {phase_label(codes) for codes in stored}
            return [p for p in PHASE_ORDER if p in labels] + sorted(labels - set(PHASE_ORDER))
        if facet.kind in ("from", "until"):
            first, last = connection.execute(select(func.min(column), func.max(column)).where(self.live)).one()
            return list(range(first, last + 1)) if first is not None else []
        present = list(connection.execute(
            select(column).where(self.live, column.is_not(None)).group_by(column).order_by(column)
        ).scalars())
        return {code: status_label(code) for code in present} if facet.kind == "status" else present


CONSTRUCT_FACETS = FacetedTable(Construct, _live_construct, (
    Facet("target", "Target", "target", ConstructTarget.construct_id),
    Facet("modality", "Modality", "value", Construct.modality),
    Facet("costimulatory", "Costimulatory domain", "list", Construct.costimulatory),
    Facet("hinge", "Hinge", "value", Construct.hinge),
    Facet("binder_format", "Binder format", "value", Construct.binder_format),
    Facet("status", "Status", "value", Construct.status),
))

TRIAL_FACETS = FacetedTable(Trial, _live_study, (  # a study registered twice is one row
    Facet("target", "Target", "target", TrialTarget.trial_id),
    Facet("phase", "Phase", "phase", Trial.phases),
    Facet("status", "Status", "status", Trial.overall_status),
    Facet("modality", "Modality", "value", Trial.modality),
    Facet("indication", "Indication", "value", Trial.indication),
    Facet("country", "Country", "list", Trial.countries),
    Facet("sponsor", "Lead sponsor", "value", Trial.lead_sponsor),
    Facet("year_from", "Started from", "from", Trial.start_year),
    Facet("year_to", "Started until", "until", Trial.start_year),
))
