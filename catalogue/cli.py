"""The ``catalogue`` command line.

Exit codes (a public contract): 0 success; 1 invalid input (the message names
the file, record and line where known; nothing of that file is written);
2 usage error; 3 permission denied; 4 a registry could not be reached. ``--json`` output shapes are public too.
Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from sqlalchemy.engine import Engine

from catalogue import curation, db, read
from catalogue.errors import CatalogueError, InvalidInput

app = typer.Typer(
    help="The CAR/TCR construct catalogue: constructs, sequence records and clinical trials.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="Schema migrations.", no_args_is_help=True)
show_app = typer.Typer(help="Show one construct or trial.", no_args_is_help=True)
user_app = typer.Typer(help="Accounts and roles.", no_args_is_help=True)
import_app = typer.Typer(help="Import sequence files, trial records and reference binders.", no_args_is_help=True)
fetch_app = typer.Typer(help="Fetch records from public registries (needs internet).", no_args_is_help=True)
add_app = typer.Typer(help="Create a record by hand.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(show_app, name="show")
app.add_typer(user_app, name="user")
app.add_typer(import_app, name="import")
app.add_typer(fetch_app, name="fetch")
app.add_typer(add_app, name="add")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (a stable shape scripts may rely on).")]


@dataclass
class Context:
    url: str | None
    user: str | None
    _engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = db.make_engine(self.url)
            db.ensure_schema(self._engine)
            if self.user is not None:
                curation.actor_for(self._engine, self.user)  # an unknown account may not even read
        return self._engine

    @property
    def actor(self) -> curation.Actor:
        return curation.actor_for(self.engine, self.user)


def _context(ctx: typer.Context) -> Context:
    return ctx.obj


@app.callback()
def main_options(
    ctx: typer.Context,
    database: Annotated[
        Optional[str], typer.Option("--db", help="Database URL (default: $CATALOGUE_DATABASE_URL, else ./data/catalogue.sqlite).")
    ] = None,
    user: Annotated[
        Optional[str], typer.Option("--user", help="Act as this account (default: the local operator, as admin).")
    ] = None,
) -> None:
    ctx.obj = Context(database, user)


def _json_default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def emit_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False, default=_json_default))


def fail(message: str, code: int) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


# --- schema -------------------------------------------------------------------------


@app.command()
def init(
    ctx: typer.Context,
    demo: Annotated[bool, typer.Option("--demo", help="Load the shipped demo catalogue.")] = False,
) -> None:
    """Create or upgrade the schema; with --demo, load the demo catalogue. Safe to run again."""
    context = _context(ctx)
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
    engine = db.make_engine(_context(ctx).url)
    db.upgrade(engine)
    typer.echo(f"schema at revision {db.current_revision(engine)}")


@db_app.command("current")
def db_current(ctx: typer.Context) -> None:
    """Print the schema revision of the database and the one this version needs."""
    engine = db.make_engine(_context(ctx).url)
    typer.echo(f"database: {db.current_revision(engine) or 'empty'}; needed: {db.head_revision()}")


# --- reading --------------------------------------------------------------------------


def _cell(value: Any) -> str:
    return "not recorded" if value is None else str(value)


@app.command()
def stats(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Per target: constructs, sequence records, trials, enrollment by type, patients treated."""
    result = read.stats(_context(ctx).engine)
    if as_json:
        emit_json(result)
        return
    columns = ("constructs", "sequence_records", "trials", "enrollment_actual", "enrollment_estimated", "patients_treated")
    header = f"{'target':<12}" + "".join(f"{c:>22}" for c in columns)
    typer.echo(header)
    for symbol, row in result["targets"].items():
        typer.echo(f"{symbol:<12}" + "".join(f"{_cell(row[c]):>22}" for c in columns))
    typer.echo(f"{'total':<12}" + "".join(f"{_cell(result['totals'][c]):>22}" for c in columns))
    for name, programme in result["programmes"].items():
        if programme["patients_treated"] is not None:
            typer.echo(f"programme {name}: {programme['patients_treated']} patients treated "
                       f"(programme total; {programme['patients_treated_source']})")


def _print_mapping(mapping: dict[str, Any], skip: tuple[str, ...] = ()) -> None:
    for key, value in mapping.items():
        if key in skip:
            continue
        if key == "archived_at":
            value = value or "no (live)"
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value) if value else "not recorded"
        typer.echo(f"{key:>26}: {_cell(value)}")


@show_app.command("construct")
def show_construct(ctx: typer.Context, name: str, as_json: JsonOption = False) -> None:
    """Everything known about a construct, with its domains in chain order."""
    detail = read.construct_detail(_context(ctx).engine, name)
    if detail is None:
        fail(f"no construct named {name!r}", 1)
    if as_json:
        emit_json(detail)
        return
    _print_mapping(detail, skip=("trials", "sequence_records", "domains"))
    typer.echo("trials: " + (", ".join(t["registry_id"] for t in detail["trials"]) or "none linked"))
    for record in detail["sequence_records"]:
        typer.echo(f"sequence record {record['record_id']} ({record['file_name']}): {record['length']} "
                   f"{'aa' if record['molecule'] == 'protein' else 'nt'}, {record['topology']}, {record['checksum']}")
        for warning in record["warnings"] or []:
            typer.echo(f"  warning: {warning}")
    for domain in detail["domains"]:
        typer.echo(f"  {domain['start']:>5}-{domain['end']:<5} {domain['kind']:<20} {domain['label']}")


@show_app.command("trial")
def show_trial(ctx: typer.Context, registry_id: str, as_json: JsonOption = False) -> None:
    """Everything known about a trial, with its targets and linked constructs."""
    detail = read.trial_detail(_context(ctx).engine, registry_id)
    if detail is None:
        fail(f"no trial {registry_id!r}", 1)
    if as_json:
        emit_json(detail)
        return
    _print_mapping(detail, skip=("constructs", "registrations"))
    typer.echo("constructs: " + (", ".join(c["name"] for c in detail["constructs"]) or "none linked"))
    for registration in detail["registrations"]:
        typer.echo(f"registration: {registration['registry_id']} ({registration['registry']}) "
                   f"{registration['url'] or 'no public page'}")


@app.command()
def audit(
    ctx: typer.Context,
    entity: Annotated[Optional[str], typer.Option(help="KIND or KIND:KEY, e.g. construct:tisa-cel")] = None,
    since: Annotated[Optional[str], typer.Option(help="Only events at or after this date (YYYY-MM-DD).")] = None,
    limit: Annotated[int, typer.Option(help="At most this many events (0: all).")] = 0,
    as_json: JsonOption = False,
) -> None:
    """Who changed what and when, with before and after values (newest first)."""
    kind, key = (entity.split(":", 1) + [None])[:2] if entity else (None, None)
    if since:
        try:
            date.fromisoformat(since)
        except ValueError:
            fail(f"--since {since!r} is not a date (YYYY-MM-DD)", 2)
    events = read.audit_events(_context(ctx).engine, entity_kind=kind, entity_key=key, since=since,
                                  limit=limit or None)
    if as_json:
        emit_json(events)
        return
    for event in events:
        typer.echo(f"{event['at']:%Y-%m-%d %H:%M:%S} {event['actor']:<16} {event['action']:<22} "
                   f"{event['entity_kind']}:{event['entity_key']}  {event['summary'] or ''}")


# --- accounts ---------------------------------------------------------------------------


def _read_password() -> str:
    if sys.stdin.isatty():
        return typer.prompt("password", hide_input=True, confirmation_prompt=True)
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise InvalidInput("no password on standard input (use --no-password for an account that signs in by OIDC)")
    return line


@user_app.command("add")
def user_add(
    ctx: typer.Context,
    name: str,
    role: Annotated[str, typer.Option(help="viewer, curator or admin")],
    email: Annotated[Optional[str], typer.Option(help="Email that an OIDC sign-in maps to this account.")] = None,
    no_password: Annotated[bool, typer.Option("--no-password", help="No local password (OIDC sign-in only).")] = False,
) -> None:
    """Create an account. The password is read from a prompt or standard input, never from the command line."""
    context = _context(ctx)
    actor = context.actor
    curation.require(actor, "admin", "manage accounts")
    password = None if no_password else _read_password()
    curation.add_account(context.engine, actor, name, role, password=password, email=email)
    typer.echo(f"account {name} created with role {role}")


@user_app.command("set-role")
def user_set_role(ctx: typer.Context, name: str, role: Annotated[str, typer.Option(help="viewer, curator or admin")]) -> None:
    context = _context(ctx)
    outcome = curation.set_role(context.engine, context.actor, name, role)
    typer.echo(f"account {name}: role {role} ({outcome})")


@user_app.command("list")
def user_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    rows = read.accounts(_context(ctx).engine)
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        typer.echo(f"{row['name']:<24} {row['role']:<8} {row['email'] or ''}")


# --- writing ------------------------------------------------------------------------------


def _report(reports: list[curation.FileReport], as_json: bool) -> None:
    if as_json:
        emit_json({"files": [r.as_dict() for r in reports]})
    else:
        for report in reports:
            if report.ok:
                counts = ", ".join(f"{n} {o}" for o, n in sorted(report.counts().items())) or "no records"
                typer.echo(f"{report.file}: {counts}")
                for record in report.records:
                    if record.detail:
                        typer.echo(f"  {record.record}: {record.outcome} ({record.detail})")
            else:
                typer.echo(f"error: {report.error}", err=True)
    if any(not r.ok for r in reports):
        raise typer.Exit(1)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise InvalidInput(f"cannot read the file: {error.strerror}", file=str(path)) from error


def _file_contents(paths: list[Path]) -> Iterator[tuple[str, bytes | InvalidInput]]:
    """Each file's name and bytes, read as they are needed, or (under the path as given) why it cannot be read."""
    for path in paths:
        try:
            yield path.name, _read(path)
        except InvalidInput as error:
            yield str(path), error


def _import_each(paths: list[Path], import_one) -> list[curation.FileReport]:
    """Import files one by one (each all or nothing); an unreadable file is reported, the others go on."""
    return [curation.FileReport(name, error=str(content)) if isinstance(content, InvalidInput)
            else import_one(name, content) for name, content in _file_contents(paths)]


@import_app.command("sequences")
def import_sequences(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="GenBank or FASTA files.")],
    construct: Annotated[Optional[str], typer.Option(help="Attach the records to this construct (created if absent).")] = None,
    annotations: Annotated[Optional[Path], typer.Option(help="GTF/GFF domain annotations for FASTA records.")] = None,
    molecule: Annotated[Optional[str], typer.Option(help="DNA or protein (default: from the content).")] = None,
    detect: Annotated[bool, typer.Option(help="Detect domains automatically.")] = True,
    as_json: JsonOption = False,
) -> None:
    """Import sequence files; each file all or nothing."""
    context = _context(ctx)
    gtf = _read(annotations) if annotations else None

    reports = curation.import_sequence_files(
        context.engine, context.actor, _file_contents(paths), construct=construct, annotations=gtf,
        annotations_name=annotations.name if annotations else None, molecule=molecule, detect=detect)
    _report(reports, as_json)


@import_app.command("trials")
def import_trials(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="CT.gov API v2 JSON, CT.gov CSV or trial-monitor CSV files.")],
    source: Annotated[Optional[str], typer.Option(help="Where the records came from (kept with each trial).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Import trial records; each file all or nothing. Re-importing changes only what changed."""
    context = _context(ctx)

    def import_one(file_name: str, content: bytes) -> curation.FileReport:
        return curation.import_trials(context.engine, context.actor, file_name, content, source=source)

    _report(_import_each(paths, import_one), as_json)


@import_app.command("binders")
def import_binders(ctx: typer.Context, path: Path, as_json: JsonOption = False) -> None:
    """Load a Thera-SAbDab export as the reference library that names detected binders."""
    context = _context(ctx)
    _report([curation.import_binders(context.engine, context.actor, path.name, _read(path))], as_json)


@fetch_app.command("trials")
def fetch_trials(
    ctx: typer.Context,
    query: Annotated[str, typer.Option(help="Search phrase (query.term), or parameters such as 'query.cond=lupus'.")],
    max_pages: Annotated[Optional[int], typer.Option(help="Stop after this many pages of 100 studies.")] = None,
    base_url: Annotated[Optional[str], typer.Option(
        help="The API v2 studies endpoint (default: $CATALOGUE_CTGOV_API_URL, else the public API).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Fetch studies from the ClinicalTrials.gov API v2 (paginated, rate-limited, retried) and import them.

    Every page is read before anything is written; then all of them are imported as one import (recorded for
    `catalogue changes`), all or nothing. Exit code 4 when the registry cannot be reached.
    """
    from catalogue.fetch.clinicaltrials_gov import fetch_studies

    context = _context(ctx)
    actor = context.actor
    curation.require(actor, "curator", "import trials")
    pages = [(f"ClinicalTrials.gov page {number}", page)
             for number, page in enumerate(fetch_studies(query, max_pages=max_pages, base_url=base_url), start=1)]
    complete = not pages or not json.loads(pages[-1][1]).get("nextPageToken")
    report = curation.import_trial_pages(context.engine, actor, pages, query=query, complete=complete,
                                         observed_on=date.today().isoformat())
    _report([report], as_json)


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
    context = _context(ctx)
    fields = {
        "title": title, "scientific_title": scientific_title, "phases": phase, "overall_status": status,
        "conditions": condition, "interventions": intervention, "lead_sponsor": sponsor, "countries": country,
        "start_date": start_date, "enrollment_count": enrollment, "enrollment_type": enrollment_type,
        "secondary_ids": secondary_id, "url": url, "targets": target,
    }
    created = curation.create_trial(context.engine, context.actor, registry_id, registry=registry,
                                    **{k: v for k, v in fields.items() if v is not None})
    if as_json:
        emit_json(read.trial_detail(context.engine, created["registry_id"]))
        return
    typer.echo(f"trial {created['registry_id']} created under {created['registry']}; targets: "
               f"{', '.join(created['targets']) or 'none recognised'}")


def _link(ctx: typer.Context, registry_id: str, other: str, linked: bool, as_json: bool) -> None:
    context = _context(ctx)
    action = curation.link_registrations if linked else curation.unlink_registrations
    result = action(context.engine, context.actor, registry_id, other)
    if as_json:
        emit_json({"registry_id": registry_id, "other_registry_id": other, "linked": linked} | result)
        return
    study = ", ".join(result["registrations"])
    typer.echo(f"{registry_id} and {other}: {'linked' if linked else 'unlinked'} ({result['outcome']}); "
               f"{registry_id}'s study: {study}")


@app.command("link-trials")
def link_trials(ctx: typer.Context, registry_id: str, other_registry_id: str, as_json: JsonOption = False) -> None:
    """Record two trials as registrations of one study (counted once); kept on re-import."""
    _link(ctx, registry_id, other_registry_id, True, as_json)


@app.command("unlink-trials")
def unlink_trials(ctx: typer.Context, registry_id: str, other_registry_id: str, as_json: JsonOption = False) -> None:
    """Record two trials as separate studies, even where a record's secondary IDs link them; kept on re-import."""
    _link(ctx, registry_id, other_registry_id, False, as_json)


@app.command("changes")
def changes(
    ctx: typer.Context,
    since: Annotated[Optional[str], typer.Option(help="Imports at or after this date (YYYY-MM-DD).")] = None,
    import_id: Annotated[Optional[int], typer.Option("--import", help="One import, by its id.")] = None,
    as_json: JsonOption = False,
) -> None:
    """What changed: each recorded trial import, and the trials it added, updated (field: before -> after) or
    no longer lists."""
    if since:
        try:
            date.fromisoformat(since)
        except ValueError:
            fail(f"--since {since!r} is not a date (YYYY-MM-DD)", 2)
    result = read.trial_changes(_context(ctx).engine, since=since, import_id=import_id)
    if as_json:
        emit_json(result)
        return
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
            fields = "; ".join(f"{name}: {_cell(values['before'])} -> {_cell(values['after'])}"
                               for name, values in change["fields"].items())
            typer.echo(f"  updated  {change['registry_id']}  {fields}")
        for registry_id in absent.get(entry["id"], []):
            typer.echo(f"  absent   {registry_id}")


@app.command("patients")
def patients(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="trial, construct or programme")],
    key: Annotated[str, typer.Argument(help="registry ID, construct name or programme name")],
    count: Annotated[int, typer.Argument(help="patients treated")],
    source: Annotated[str, typer.Option(help="publication, news item or registry results")],
    as_of: Annotated[Optional[str], typer.Option(help="date of the figure")] = None,
) -> None:
    """Record a curated patients-treated figure with its source (kept apart from enrollment)."""
    if kind not in ("trial", "construct", "programme"):
        fail(f"kind {kind!r} is not trial, construct or programme", 2)
    context = _context(ctx)
    outcome = curation.set_patients_treated(context.engine, context.actor, kind, key, count, source=source, as_of=as_of)
    typer.echo(f"{kind} {key}: {count} patients treated ({outcome})")


@app.command("accept-architecture")
def accept_architecture(ctx: typer.Context, name: str, as_json: JsonOption = False) -> None:
    """Set a construct's hinge, TM, costimulatory, signalling, binder format and generation from detection."""
    context = _context(ctx)
    changed = curation.accept_architecture(context.engine, context.actor, name)
    if as_json:
        emit_json({"construct": name, "changed": changed})
    elif changed:
        for key, value in changed.items():
            typer.echo(f"{name}: {key} = {value}")
    else:
        typer.echo(f"{name}: the detected architecture is already recorded")


@app.command("export")
def export(ctx: typer.Context, directory: Path, as_json: JsonOption = False) -> None:
    """Write every sequence record as GenBank (domains as features) and FASTA under DIRECTORY."""
    from catalogue.export import export_catalogue

    written = export_catalogue(_context(ctx).engine, directory)
    if as_json:
        emit_json({"directory": str(directory), "files": [str(p) for p in written]})
    else:
        typer.echo(f"wrote {len(written)} files ({len(written) // 2} sequence records) to {directory}")


@app.command()
def archive(ctx: typer.Context, kind: str, key: str) -> None:
    """Archive (soft-delete) a construct or trial."""
    _archive(ctx, kind, key, True)


@app.command()
def restore(ctx: typer.Context, kind: str, key: str) -> None:
    """Restore an archived construct or trial (admins)."""
    _archive(ctx, kind, key, False)


def _archive(ctx: typer.Context, kind: str, key: str, archived: bool) -> None:
    if kind not in ("construct", "trial"):
        fail(f"kind {kind!r} is not construct or trial", 2)
    context = _context(ctx)
    outcome = curation.set_archived(context.engine, context.actor, kind, key, archived)  # type: ignore[arg-type]
    typer.echo(f"{kind} {key}: {'archived' if archived else 'restored'} ({outcome})")


# --- entry point --------------------------------------------------------------------------


def main() -> None:
    """Run the CLI; errors become one line on stderr and an exit code, never a traceback."""
    try:
        code = app(standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except CatalogueError as error:
        typer.echo(f"error: {error}", err=True)
        sys.exit(error.exit_code)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(1)
    except Exception as error:  # usage errors of Typer's (vendored) click, and anything unexpected
        if hasattr(error, "show") and isinstance(getattr(error, "exit_code", None), int):
            error.show()
            sys.exit(error.exit_code)
        typer.echo(f"error: unexpected {type(error).__name__}: {error}", err=True)
        sys.exit(1)
