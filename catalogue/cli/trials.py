"""Clinical trials: ``show trial``, ``import trials``, ``fetch trials``, ``add trial``, ``link-trials``,
``unlink-trials`` and ``changes`` (what each trial import changed)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from catalogue import curation, read
from catalogue.cli.apps import add_app, app, fetch_app, import_app, show_app
from catalogue.cli.context import (
    JsonOption,
    act,
    cell,
    check_since,
    context_of,
    emit_json,
    existing,
    fail,
    print_mapping,
    say,
    show,
)
from catalogue.cli.files import import_each, report_files


@show_app.command("trial")
def show_trial(ctx: typer.Context, registry_id: str, as_json: JsonOption = False) -> None:
    """Everything known about a trial, with its targets and linked constructs."""
    detail = existing(read.trial_detail(context_of(ctx).engine, registry_id), f"no trial {registry_id!r}")
    show(as_json, detail, _print_trial)


def _print_trial(detail: dict[str, Any]) -> None:
    print_mapping(detail, skip=("constructs", "summary", "target_evidence", "registrations"))
    typer.echo("constructs: " + (", ".join(c.name for c in detail.constructs) or "none linked"))
    for registration in detail.registrations:
        typer.echo(f"registration: {registration.registry_id} ({registration.registry}) "
                   f"{registration.url or 'no public page'}")
    for symbol, words in (detail.target_evidence or {}).items():
        for line in words:
            typer.echo(f"evidence for {symbol}: {line}")


@import_app.command("trials")
def import_trials(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="CT.gov API v2 JSON, CT.gov CSV or trial-monitor CSV files.")],
    source: Annotated[Optional[str], typer.Option(help="Where the records came from (kept with each trial).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Import trial records; each file all or nothing. Re-importing changes only what changed."""
    context = context_of(ctx)

    def import_one(file_name: str, content: bytes) -> curation.FileReport:
        return curation.import_trials(context.engine, context.actor, file_name, content, source=source)

    report_files(import_each(paths, import_one), as_json)


@fetch_app.command("trials")
def fetch_trials(
    ctx: typer.Context,
    query: Annotated[str, typer.Option(help="Search phrase (query.term), or parameters such as 'query.cond=lupus'.")],
    max_pages: Annotated[Optional[int], typer.Option(min=1, max=100_000, help="Stop after this many pages of 100 studies.")] = None,
    base_url: Annotated[Optional[str], typer.Option(
        help="The API v2 studies endpoint (default: $CATALOGUE_CTGOV_API_URL, else the public API).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Fetch studies from the ClinicalTrials.gov API v2 (paginated, rate-limited, retried) and import them.

    Every page is read before anything is written; then all of them are imported as one import (recorded for
    `catalogue changes`), all or nothing. Exit code 4 when the registry cannot be reached.
    """
    from catalogue.fetch.clinicaltrials_gov import fetch_studies

    context = context_of(ctx)
    actor = context.actor
    curation.require(actor, "curator", "import trials")  # before the registry is asked
    pages = [(f"ClinicalTrials.gov page {number}", page)
             for number, page in enumerate(fetch_studies(query, max_pages=max_pages, base_url=base_url), start=1)]
    complete = not pages or not json.loads(pages[-1][1]).get("nextPageToken")
    report = curation.import_trial_pages(context.engine, actor, pages, query=query, complete=complete,
                                         observed_on=date.today().isoformat())
    report_files([report], as_json)


@add_app.command("trial")
def add_trial(
    ctx: typer.Context,
    registry_id: Annotated[str, typer.Argument(help="The registry's ID: NCT..., ChiCTR..., EudraCT, jRCT, CTRI/...")],
    title: Annotated[Optional[str], typer.Option(help="The public title.")] = None,
    scientific_title: Annotated[Optional[str], typer.Option(help="The scientific (official) title.")] = None,
    registry: Annotated[Optional[str], typer.Option(help="The registry (checked against the ID's form).")] = None,
    phase: Annotated[Optional[list[str]], typer.Option(help="A phase (repeat for several).")] = None,
    status: Annotated[Optional[str], typer.Option(help="Recruitment status as the registry words it.")] = None,
    condition: Annotated[Optional[list[str]], typer.Option(help="A condition (repeat).")] = None,
    intervention: Annotated[Optional[list[str]], typer.Option(help="An intervention (repeat).")] = None,
    sponsor: Annotated[Optional[str], typer.Option(help="The primary sponsor.")] = None,
    country: Annotated[Optional[list[str]], typer.Option(help="A recruitment country (repeat).")] = None,
    start_date: Annotated[Optional[str], typer.Option(help="YYYY, YYYY-MM or YYYY-MM-DD.")] = None,
    enrollment: Annotated[Optional[int], typer.Option(help="Target or actual enrollment.")] = None,
    enrollment_type: Annotated[Optional[str], typer.Option(help="actual, estimated or unknown.")] = None,
    secondary_id: Annotated[Optional[list[str]], typer.Option(help="Its ID in another registry (repeat): links "
                                                                  "the registrations of one study.")] = None,
    url: Annotated[Optional[str], typer.Option(help="The record's own public page.")] = None,
    target: Annotated[Optional[list[str]], typer.Option(help="A target (repeat); default: classified from the "
                                                            "titles and interventions.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Create a trial of any registry by hand, its ID validated for its registry."""
    fields = {
        "title": title, "scientific_title": scientific_title, "phases": phase, "overall_status": status,
        "conditions": condition, "interventions": intervention, "lead_sponsor": sponsor, "countries": country,
        "start_date": start_date, "enrollment_count": enrollment, "enrollment_type": enrollment_type,
        "secondary_ids": secondary_id, "url": url, "targets": target,
    }
    created = act(ctx, curation.create_trial, registry_id, registry=registry,
                  **{k: v for k, v in fields.items() if v is not None})
    if as_json:
        emit_json(read.trial_detail(context_of(ctx).engine, created["registry_id"]))
        return
    typer.echo(f"trial {created['registry_id']} created under {created['registry']}; targets: "
               f"{', '.join(created['targets']) or 'none recognised'}")


@app.command("link-trials")
def link_trials(ctx: typer.Context, registry_id: str, other_registry_id: str, as_json: JsonOption = False) -> None:
    """Record two trials as registrations of one study (counted once); kept on re-import."""
    _link(ctx, registry_id, other_registry_id, True, as_json)


@app.command("unlink-trials")
def unlink_trials(ctx: typer.Context, registry_id: str, other_registry_id: str, as_json: JsonOption = False) -> None:
    """Record two trials as separate studies, even where a record's secondary IDs link them; kept on re-import."""
    _link(ctx, registry_id, other_registry_id, False, as_json)


def _link(ctx: typer.Context, registry_id: str, other: str, linked: bool, as_json: bool) -> None:
    result = act(ctx, curation.link_registrations if linked else curation.unlink_registrations, registry_id, other)
    study = ", ".join(result["registrations"])
    say(as_json, {"registry_id": registry_id, "other_registry_id": other, "linked": linked} | result,
        f"{registry_id} and {other}: {'linked' if linked else 'unlinked'} ({result['outcome']}); "
        f"{registry_id}'s study: {study}")


@app.command("changes")
def changes(
    ctx: typer.Context,
    since: Annotated[Optional[str], typer.Option(help="Imports at or after this date (YYYY-MM-DD).")] = None,
    import_id: Annotated[Optional[int], typer.Option("--import", help="One import, by its id.")] = None,
    as_json: JsonOption = False,
) -> None:
    """What changed: each recorded trial import, and the trials it added, updated (field: before -> after) or
    no longer lists."""
    check_since(since)
    result = read.trial_changes(context_of(ctx).engine, since=since, import_id=import_id)
    show(as_json, result, lambda changes: _print_changes(changes, import_id))


def _print_changes(result: dict[str, Any], import_id: int | None) -> None:
    if import_id is not None and not result["imports"]:
        fail(f"no import {import_id}", 1)
    by_import: dict[int, list[dict[str, Any]]] = {}
    for change in result["changes"]:
        by_import.setdefault(change["import"], []).append(change)
    absent: dict[int, list[str]] = {}
    for row in result["absent"]:
        absent.setdefault(row["import"], []).append(row["registry_id"])
    for entry in result["imports"]:
        typer.echo(f"import {entry['id']} at {entry['at']:%Y-%m-%d %H:%M} from {entry['source']}: {entry['created']} "
                   f"new, {entry['updated']} updated, {entry['unchanged']} unchanged, {entry['absent']} no longer listed")
        for change in by_import.get(entry["id"], []):
            if change["change"] == "new":
                typer.echo(f"  new      {change['registry_id']}")
                continue
            fields = "; ".join(f"{name}: {cell(values['before'])} -> {cell(values['after'])}"
                               for name, values in change["fields"].items())
            typer.echo(f"  updated  {change['registry_id']}  {fields}")
        for registry_id in absent.get(entry["id"], []):
            typer.echo(f"  absent   {registry_id}")
