"""Programmes and what was published of them: ``patients`` (a patients-treated figure with its source) and
``candidate`` (accept or reject a trial proposed as a programme's)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from catalogue import curation
from catalogue.cli.apps import app
from catalogue.cli.context import act, check_choice


@app.command("patients")
def patients(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="trial, construct or programme")],
    key: Annotated[str, typer.Argument(help="registry ID, construct name or programme name")],
    count: Annotated[int, typer.Argument(help="patients treated")],
    source: Annotated[str, typer.Option(help="publication (citation), news item or registry results")],
    as_of: Annotated[Optional[str], typer.Option(help="date of the figure or publication: YYYY, YYYY-MM or YYYY-MM-DD")] = None,
    doi: Annotated[Optional[str], typer.Option(help="the publication's DOI (trial or construct)")] = None,
    pmid: Annotated[Optional[str], typer.Option(help="the publication's PubMed ID (trial or construct)")] = None,
    population: Annotated[Optional[str], typer.Option(help="what was counted, e.g. '111 enrolled, 101 infused'")] = None,
) -> None:
    """Record a patients-treated figure with its source (kept apart from enrollment).

    On a trial or construct it is a published result (the latest by date counts; the same publication is
    corrected in place); on a programme, the programme's own total.
    """
    check_choice("kind", kind, ("trial", "construct", "programme"))
    if kind != "programme" and (doi or pmid or population):
        result = curation.PublishedResult(kind, key, count, source, doi=doi, pmid=pmid, published=as_of,
                                          population=population)
        outcome = act(ctx, curation.record_published_result, result)
    else:
        outcome = act(ctx, curation.set_patients_treated, kind, key, count, source=source, as_of=as_of)
    typer.echo(f"{kind} {key}: {count} patients treated ({outcome})")


@app.command("candidate")
def candidate(
    ctx: typer.Context,
    programme: Annotated[str, typer.Argument(help="programme name")],
    registry_id: Annotated[str, typer.Argument(help="the candidate trial's registry ID")],
    decision: Annotated[str, typer.Argument(help="accepted, rejected or proposed")],
) -> None:
    """Accept or reject a trial proposed as a programme's (audited); an accepted trial counts as the programme's."""
    check_choice("decision", decision, ("accepted", "rejected", "proposed"))
    outcome = act(ctx, curation.decide_candidate, programme, registry_id, decision)
    typer.echo(f"{programme}: {registry_id} {decision} ({outcome})")
