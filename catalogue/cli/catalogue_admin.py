"""The catalogue as a whole: its schema (``init``, ``db``), its figures (``stats``), its audit trail (``audit``) and
archiving a construct or trial (``archive``, ``restore``)."""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from catalogue import bounds, curation, db, read
from catalogue.cli.apps import app, db_app
from catalogue.cli.context import JsonOption, act, cell, check_choice, check_since, context_of, show

# --- schema -------------------------------------------------------------------------


@app.command()
def init(
    ctx: typer.Context,
    demo: Annotated[bool, typer.Option("--demo", help="Load the shipped demo catalogue.")] = False,
) -> None:
    """Create or upgrade the schema; with --demo, load the demo catalogue. Safe to run again."""
    context = context_of(ctx)
    engine = db.make_engine(context.url)
    db.upgrade(engine)
    context._engine = engine
    typer.echo(f"schema at revision {db.current_revision(engine)} on {db.describe(engine)}")
    if demo:
        tally = curation.load_demo(engine, context.actor)
        typer.echo("demo catalogue: " + curation.describe_outcomes(tally))


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Apply all migrations (once, even with several instances)."""
    engine = db.make_engine(context_of(ctx).url)
    db.upgrade(engine)
    typer.echo(f"schema at revision {db.current_revision(engine)}")


@db_app.command("current")
def db_current(ctx: typer.Context) -> None:
    """Print the schema revision of the database and the one this version needs."""
    engine = db.make_engine(context_of(ctx).url)
    typer.echo(f"database: {db.current_revision(engine) or 'empty'}; needed: {db.head_revision()}")


# --- figures and the audit trail ------------------------------------------------------------


@app.command()
def stats(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Per target: constructs, sequence records, trials, enrollment by type, patients treated."""
    show(as_json, read.stats(context_of(ctx).engine), _print_stats)


def _print_stats(result: dict[str, Any]) -> None:
    columns = ("constructs", "sequence_records", "trials", "enrollment_actual", "enrollment_estimated",
               "enrollment_unknown", "patients_treated")
    header = f"{'target':<12}" + "".join(f"{c:>22}" for c in columns)
    typer.echo(header)
    for symbol, row in result.targets.items():
        typer.echo(f"{symbol:<12}" + "".join(f"{cell(row[c]):>22}" for c in columns))
    typer.echo(f"{'total':<12}" + "".join(f"{cell(result.totals[c]):>22}" for c in columns))
    inferred = result.totals["enrollment_unknown_inferred_actual"]
    if inferred is not None:
        typer.echo(f"of the enrollment of unstated type, {inferred} is inferred actual "
                   f"({result.totals['trials_enrollment_inferred_actual']} completed, terminated or withdrawn "
                   "ClinicalTrials.gov studies); it is not added to the actual figure")
    for name, programme in result.programmes.items():
        if programme["patients_treated"] is not None:
            typer.echo(f"programme {name}: {programme['patients_treated']} patients treated "
                       f"(programme total; {programme['patients_treated_source']})")


@app.command()
def audit(
    ctx: typer.Context,
    entity: Annotated[Optional[str], typer.Option(help="KIND or KIND:KEY, e.g. construct:tisa-cel")] = None,
    since: Annotated[Optional[str], typer.Option(help="Only events at or after this date (YYYY-MM-DD).")] = None,
    limit: Annotated[int, typer.Option(min=0, max=bounds.MAX_COORDINATE, help="At most this many events (0: all).")] = 0,
    as_json: JsonOption = False,
) -> None:
    """Who changed what and when, with before and after values (newest first)."""
    kind, key = (entity.split(":", 1) + [None])[:2] if entity else (None, None)
    check_since(since)
    show(as_json, read.audit_events(context_of(ctx).engine, entity_kind=kind, entity_key=key, since=since,
                                    limit=limit or None), _print_events)


def _print_events(events: list[dict[str, Any]]) -> None:
    for event in events:
        typer.echo(f"{event['at']:%Y-%m-%d %H:%M:%S} {event['actor']:<16} {event['action']:<22} "
                   f"{event['entity_kind']}:{event['entity_key']}  {event['summary'] or ''}")


# --- archiving ----------------------------------------------------------------------------------


@app.command()
def archive(ctx: typer.Context, kind: str, key: str) -> None:
    """Archive (soft-delete) a construct or trial."""
    _set_archived(ctx, kind, key, True)


@app.command()
def restore(ctx: typer.Context, kind: str, key: str) -> None:
    """Restore an archived construct or trial (admins)."""
    _set_archived(ctx, kind, key, False)


def _set_archived(ctx: typer.Context, kind: str, key: str, archived: bool) -> None:
    check_choice("kind", kind, ("construct", "trial"))
    outcome = act(ctx, curation.set_archived, kind, key, archived)
    typer.echo(f"{kind} {key}: {'archived' if archived else 'restored'} ({outcome})")
