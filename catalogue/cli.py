"""The ``catalogue`` command line.

Exit codes (a public contract): 0 success; 1 invalid input (the message names
the file, record and line where known; nothing of that file is written);
2 usage error; 3 permission denied; 4 a registry could not be reached. ``--json`` output shapes are public too.
Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from sqlalchemy.engine import Engine

from catalogue import bounds, config, curation, db, read
from catalogue.errors import CatalogueError, InvalidInput
from catalogue.vocabulary import NOT_RECORDED

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
search_app = typer.Typer(help="Find constructs by sequence.", no_args_is_help=True)
add_app = typer.Typer(help="Create a record by hand.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(show_app, name="show")
app.add_typer(user_app, name="user")
app.add_typer(import_app, name="import")
app.add_typer(fetch_app, name="fetch")
app.add_typer(search_app, name="search")
product_app = typer.Typer(
    help="Named products (catalogue/reference/products.toml plus curated ones): list, show, add, correct.",
    no_args_is_help=True,
)
app.add_typer(product_app, name="product")
app.add_typer(add_app, name="add")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (a stable shape scripts may rely on).")]


def command_origin() -> str:
    """Where a CLI action comes from, for the audit trail: the OS user and the host that ran it."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):  # no login name, no passwd entry
        who = f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"
    return f"cli: OS user {who} on host {socket.gethostname() or 'unknown'}"


@dataclass
class Context:
    """The database and who acts on it.

    Without ``--user`` the CLI acts as the local operator: an admin while the catalogue has no active
    admin account, else a viewer (reads work; writes ask for ``--user NAME``). The CLI does not check
    passwords: whoever can run it holds the database's credentials (see docs/security.md). Every audit
    event it writes records the OS user and host beside the account.
    """

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
        return curation.actor_for(self.engine, self.user, origin=command_origin())


def _context(ctx: typer.Context) -> Context:
    return ctx.obj


@app.callback()
def main_options(
    ctx: typer.Context,
    database: Annotated[
        Optional[str], typer.Option("--db", help="Database URL (default: $CATALOGUE_DATABASE_URL, else ./data/catalogue.sqlite).")
    ] = None,
    user: Annotated[
        Optional[str],
        typer.Option("--user", help="Act as this account. Without it: the local operator, an admin only while no "
                                    "admin account exists; after that, reads only."),
    ] = None,
) -> None:
    ctx.obj = Context(database, user)


def emit_json(value: Any) -> None:
    """``value`` (a read model or plain values) as the ``--json`` output, through the one serializer."""
    typer.echo(json.dumps(read.to_json(value), indent=2, ensure_ascii=False))


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
    return NOT_RECORDED if value is None else str(value)


@app.command()
def stats(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Per target: constructs, sequence records, trials, enrollment by type, patients treated."""
    result = read.stats(_context(ctx).engine)
    if as_json:
        emit_json(result)
        return
    columns = ("constructs", "sequence_records", "trials", "enrollment_actual", "enrollment_estimated",
               "enrollment_unknown", "patients_treated")
    header = f"{'target':<12}" + "".join(f"{c:>22}" for c in columns)
    typer.echo(header)
    for symbol, row in result["targets"].items():
        typer.echo(f"{symbol:<12}" + "".join(f"{_cell(row[c]):>22}" for c in columns))
    typer.echo(f"{'total':<12}" + "".join(f"{_cell(result['totals'][c]):>22}" for c in columns))
    inferred = result["totals"]["enrollment_unknown_inferred_actual"]
    if inferred is not None:
        typer.echo(f"of the enrollment of unstated type, {inferred} is inferred actual "
                   f"({result['totals']['trials_enrollment_inferred_actual']} completed, terminated or withdrawn "
                   "ClinicalTrials.gov studies); it is not added to the actual figure")
    for name, programme in result["programmes"].items():
        if programme["patients_treated"] is not None:
            typer.echo(f"programme {name}: {programme['patients_treated']} patients treated "
                       f"(programme total; {programme['patients_treated_source']})")


def _print_mapping(mapping: dict[str, Any] | read.ReadModel, skip: tuple[str, ...] = ()) -> None:
    """A read model's fields (or a mapping's items), one a line, lists joined."""
    if isinstance(mapping, read.ReadModel):
        mapping = {name: getattr(mapping, name) for name in mapping.field_names()}
    for key, value in mapping.items():
        if key in skip:
            continue
        if key == "archived_at":
            value = value or "no (live)"
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value) if value else NOT_RECORDED
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
    _print_mapping(detail, skip=("trials", "sequence_records", "domains", "epitopes", "tcr_chains"))
    typer.echo("trials: " + (", ".join(t["registry_id"] for t in detail["trials"]) or "none linked"))
    for epitope in detail["epitopes"]:
        typer.echo(f"epitope: {epitope['antigen']} {epitope['peptide']} restricted by {epitope['hla']}"
                   + (f" ({epitope['source']})" if epitope["source"] else ""))
    for chain in detail["tcr_chains"]:
        typer.echo(f"TCR {chain['chain']} ({chain['source']}): V {chain['v_gene'] or 'not recorded'}, "
                   f"J {chain['j_gene'] or 'not recorded'}, CDR3 {chain['cdr3'] or 'not recorded'}, "
                   f"constant {chain['constant'] or 'not recorded'}")
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
    _print_mapping(detail, skip=("constructs", "summary", "target_evidence", "registrations"))
    typer.echo("constructs: " + (", ".join(c["name"] for c in detail["constructs"]) or "none linked"))
    for registration in detail["registrations"]:
        typer.echo(f"registration: {registration['registry_id']} ({registration['registry']}) "
                   f"{registration['url'] or 'no public page'}")
    for symbol, words in (detail["target_evidence"] or {}).items():
        for line in words:
            typer.echo(f"evidence for {symbol}: {line}")


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


@user_app.command("archive")
def user_archive(ctx: typer.Context, name: str) -> None:
    """Retire an account: it can no longer sign in or act (the last admin cannot be archived)."""
    context = _context(ctx)
    outcome = curation.set_account_archived(context.engine, context.actor, name, True)
    typer.echo(f"account {name}: archived ({outcome})")


@user_app.command("restore")
def user_restore(ctx: typer.Context, name: str) -> None:
    """Bring back an archived account."""
    context = _context(ctx)
    outcome = curation.set_account_archived(context.engine, context.actor, name, False)
    typer.echo(f"account {name}: restored ({outcome})")


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
                    for warning in record.warnings:
                        typer.echo(f"  warning: {record.record}: {' '.join(warning.split())}")
            else:
                typer.echo(f"error: {report.error}", err=True)
    if any(not r.ok for r in reports):
        raise typer.Exit(1)


def _read(path: Path) -> bytes:
    """A file's bytes, refused unread when it is over the upload cap (``CATALOGUE_MAX_UPLOAD_BYTES``)."""
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            bounds.check_upload_size(size, str(path))
            content = handle.read(config.max_upload_bytes() + 1)  # a file that grows, or a pipe: read no more
    except OSError as error:
        raise InvalidInput(f"cannot read the file: {error.strerror}", file=str(path)) from None
    bounds.check_upload_size(len(content), str(path))
    return content


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
    paths: Annotated[list[Path], typer.Argument(
        help="GenBank, EMBL, SnapGene (.dna) or FASTA files; .gz files and .zip archives of them.")],
    construct: Annotated[Optional[str], typer.Option(help="Attach the records to this construct (created if absent).")] = None,
    annotations: Annotated[Optional[Path], typer.Option(help="GTF/GFF domain annotations for FASTA records.")] = None,
    molecule: Annotated[Optional[str], typer.Option(help="DNA or protein (default: from the content).")] = None,
    detect: Annotated[bool, typer.Option(help="Detect domains automatically.")] = True,
    as_json: JsonOption = False,
) -> None:
    """Import sequence files; each file all or nothing (each file inside a .gz or .zip too)."""
    from catalogue.parse.archives import expanded_files

    context = _context(ctx)
    gtf = _read(annotations) if annotations else None

    reports = curation.import_sequence_files(
        context.engine, context.actor, expanded_files(_file_contents(paths)), construct=construct, annotations=gtf,
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
    if kind not in ("trial", "construct", "programme"):
        fail(f"kind {kind!r} is not trial, construct or programme", 2)
    context = _context(ctx)
    if kind != "programme" and (doi or pmid or population):
        result = curation.PublishedResult(kind, key, count, source, doi=doi, pmid=pmid, published=as_of,
                                          population=population)
        outcome = curation.record_published_result(context.engine, context.actor, result)
    else:
        outcome = curation.set_patients_treated(context.engine, context.actor, kind, key, count, source=source,
                                                as_of=as_of)
    typer.echo(f"{kind} {key}: {count} patients treated ({outcome})")


@app.command("candidate")
def candidate(
    ctx: typer.Context,
    programme: Annotated[str, typer.Argument(help="programme name")],
    registry_id: Annotated[str, typer.Argument(help="the candidate trial's registry ID")],
    decision: Annotated[str, typer.Argument(help="accepted, rejected or proposed")],
) -> None:
    """Accept or reject a trial proposed as a programme's (audited); an accepted trial counts as the programme's."""
    if decision not in ("accepted", "rejected", "proposed"):
        fail(f"decision {decision!r} is not accepted, rejected or proposed", 2)
    context = _context(ctx)
    outcome = curation.decide_candidate(context.engine, context.actor, programme, registry_id, decision)  # type: ignore[arg-type]
    typer.echo(f"{programme}: {registry_id} {decision} ({outcome})")


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


@app.command("epitope")
def epitope(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="construct name")],
    antigen: Annotated[str, typer.Option(help="antigen gene symbol, e.g. CTAG1B, MAGEA4")],
    peptide: Annotated[str, typer.Option(help="the peptide, 8-25 amino acids")],
    hla: Annotated[str, typer.Option(help="HLA restriction, e.g. HLA-A*02:01")],
    uniprot: Annotated[Optional[str], typer.Option(help="the antigen's UniProt accession")] = None,
    residues: Annotated[Optional[str], typer.Option(help="the peptide's residues in that entry, e.g. 157-165")] = None,
    source: Annotated[Optional[str], typer.Option(help="where the epitope is stated")] = None,
    as_json: JsonOption = False,
) -> None:
    """Add an epitope (peptide and HLA restriction) to a TCR-T construct; its antigen becomes a target."""
    from catalogue.drafts import EpitopeDraft

    start = end = None
    if residues:
        try:
            start, end = (int(x) for x in residues.split("-"))
        except ValueError:
            fail(f"--residues {residues!r} is not FIRST-LAST, e.g. 157-165", 2)
    context = _context(ctx)
    outcome = curation.add_epitope(context.engine, context.actor, name, EpitopeDraft(
        antigen=antigen, peptide=peptide, hla=hla, uniprot=uniprot, peptide_start=start, peptide_end=end,
        source=source))
    if as_json:
        emit_json({"construct": name, "outcome": outcome})
    else:
        typer.echo(f"{name}: epitope {outcome}")


@app.command("tcr-chains")
def tcr_chains(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="construct name")],
    path: Annotated[Path, typer.Argument(help='JSON list of chains: [{"chain": "alpha", "v_gene": "TRAV21", '
                                              '"j_gene": "TRAJ6", "cdr3": "CAVRPTSGGSYIPTF", "constant": "TRAC"}]')],
    as_json: JsonOption = False,
) -> None:
    """Set a construct's curated TCR chains, in ORF order, from a JSON file (an empty list removes them)."""
    from catalogue.drafts import TcrChainDraft
    from catalogue.errors import InvalidInput

    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidInput(f"{path}: not a readable JSON file ({error})") from None
    known = {"chain", "v_gene", "j_gene", "cdr3", "constant", "start", "end", "v_allele", "j_allele", "species",
             "note"}
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise InvalidInput(f"{path}: expected a JSON list of objects, one per chain")
    drafts = []
    for number, entry in enumerate(entries, start=1):
        unknown = set(entry) - known - {"source", "order", "sequence_record_id"}
        if unknown or "chain" not in entry:
            raise InvalidInput(f"{path}: chain {number} needs \"chain\" and knows only {', '.join(sorted(known))}")
        drafts.append(TcrChainDraft(**{k: v for k, v in entry.items() if k in known}, source="curated"))
    context = _context(ctx)
    outcome = curation.set_tcr_chains(context.engine, context.actor, name, drafts)
    if as_json:
        emit_json({"construct": name, "outcome": outcome, "chains": len(drafts)})
    else:
        typer.echo(f"{name}: {len(drafts)} curated TCR chains ({outcome})")


@app.command("export")
def export(
    ctx: typer.Context,
    directory: Path,
    force: Annotated[bool, typer.Option("--force", help="Replace files an earlier export left in DIRECTORY.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Write every sequence record as GenBank (domains as features) and FASTA under DIRECTORY.

    An existing file is refused (nothing is written) unless --force; a symbolic link is never followed;
    each file is written whole or not at all.
    """
    from catalogue.export import export_catalogue

    try:
        written = export_catalogue(_context(ctx).engine, directory, force=force)
    except OSError as error:
        fail(f"{error.filename or directory}: cannot write the export: {error.strerror}", 1)
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


# --- find by sequence, compare -----------------------------------------------------------------


@search_app.command("sequence")
def search_sequence(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="A FASTA or GenBank file, or the sequence itself (protein or DNA).")],
    min_identity: Annotated[float, typer.Option("--min-identity", help="Only hits at least this identical (%).")] = 0.0,
    limit: Annotated[int, typer.Option(help="At most this many hits (one per construct).")] = 50,
    as_json: JsonOption = False,
) -> None:
    """Constructs carrying the query's binder, then sharing its other domains, then its chain; best first."""
    path = Path(query)
    try:
        is_file = len(query) < 4096 and path.is_file()
    except OSError:
        is_file = False
    content: str | bytes = _read(path) if is_file else query
    result = read.search_sequence(_context(ctx).engine, content, min_identity=min_identity, limit=limit,
                                  name=path.name if is_file else "query")
    if as_json:
        emit_json(result)
        return
    summary = result["query"]
    typer.echo(f"query {summary['record']}: {summary['length']} {'aa' if summary['molecule'] == 'protein' else 'nt'}"
               f" {summary['molecule']}; domains: "
               + (", ".join(d["label"] for d in summary["domains"]) or "none detected"))
    if not result["hits"]:
        typer.echo("no construct matches")
    for hit in result["hits"]:
        typer.echo(f"{hit['match']:<7} {hit['identity']:>5.1f}% cov {hit['coverage']:.2f}  "
                   f"query {hit['query_start']}-{hit['query_end']}  subject {hit['subject_start']}-{hit['subject_end']}"
                   f"  score {hit['score']:<5} {hit['construct']} ({hit['record']})")


COMPARE_COLUMN = 40  # characters per construct column (longer values are cut; --json has them whole)


@app.command("compare")
def compare(
    ctx: typer.Context,
    names: Annotated[list[str], typer.Argument(help="Two to four construct names.")],
    as_json: JsonOption = False,
) -> None:
    """Constructs side by side: architecture (differences marked *), binder identity, targets and trials."""
    result = read.compare_constructs(_context(ctx).engine, names)
    if as_json:
        emit_json(result)
        return
    shown = result["constructs"]
    rows = [(row, ["not recorded" if v is None else ", ".join(map(str, v)) if isinstance(v, list) else str(v)
                   for v in row["values"].values()]) for row in result["fields"]]
    width = min(COMPARE_COLUMN, max(len(text) for _, values in rows for text in [*values, *shown])) + 2

    def cell(text: str) -> str:
        return (text if len(text) <= width - 2 else text[: width - 3] + "…").ljust(width)

    typer.echo(f"{'':<26}" + "".join(cell(n) for n in shown))
    for row, values in rows:
        mark = "*" if row["differs"] else " "
        typer.echo(f"{mark} {row['label']:<24}" + "".join(cell(v) for v in values))
    for pair in result["binder_identity"]:
        figure = ("not comparable (no V domain in a sequence record)" if pair["identity"] is None else
                  f"{pair['identity']:.1f}% identity, coverage {pair['coverage']:.2f}"
                  + (" (same binder)" if pair["same_binder"] else ""))
        typer.echo(f"binder {pair['first']} / {pair['second']}: {figure}")
    for name in shown:
        trials = ", ".join(t["registry_id"] for t in result["trials"][name]) or "none linked"
        typer.echo(f"{name}: targets {', '.join(result['targets'][name]) or 'not recorded'}; trials {trials}")
# --- products ------------------------------------------------------------------------------

_ListOption = Optional[list[str]]


def _product_changes(
    alias: _ListOption, pattern: _ListOption, target: _ListOption, modality: Optional[str], binder: Optional[str],
    developer: Optional[str], status: Optional[str], notes: Optional[str], source: Optional[str],
    targets_source: Optional[str], modality_source: Optional[str], binder_source: Optional[str],
    developer_source: Optional[str], status_source: Optional[str], clear: _ListOption,
) -> dict[str, Any]:
    given = {
        "aliases": alias, "patterns": pattern, "targets": target, "modality": modality, "binder": binder,
        "developer": developer, "status": status, "notes": notes, "source": source, "targets_source": targets_source,
        "modality_source": modality_source, "binder_source": binder_source, "developer_source": developer_source,
        "status_source": status_source,
    }  # fmt: skip
    changes = {k: v for k, v in given.items() if v is not None}
    for name in clear or []:
        if name not in ("aliases", "patterns", "targets", "modality", "binder", "developer", "status", "notes"):
            raise InvalidInput(f"--clear {name!r}: not a field that can be emptied")
        changes[name] = [] if name in ("aliases", "patterns", "targets") else None
    return changes


def _report_product(change: curation.ProductChange, as_json: bool) -> None:
    if as_json:
        emit_json(change.as_json())
        return
    product = change.product
    typer.echo(f"product {product['name']}: {change.outcome}; targets: {', '.join(product['targets']) or 'not recorded'}")
    typer.echo(f"trials naming it: {change.trials_named}; classification changed: {len(change.trials_changed)}")
    for trial in change.trials_changed:
        typer.echo(f"  {trial.registry_id}: targets {', '.join(trial.targets_before) or 'none'} -> "
                   f"{', '.join(trial.targets_after) or 'none'}" + (f" ({trial.note})" if trial.note else ""))
    for trial in change.trials_not_classified:
        typer.echo(f"  {trial.registry_id}: {trial.note}")


_Alias = Annotated[_ListOption, typer.Option("--alias", help="Another name (INN, brand, code); repeat for several.")]
_Pattern = Annotated[_ListOption, typer.Option("--pattern", help="A regular expression for a name words cannot say.")]
_Target = Annotated[_ListOption, typer.Option("--target", help="A target symbol (targets.toml); repeat for several.")]
_Modality = Annotated[Optional[str], typer.Option(help="CAR-T, CAR-NK, TCR-T, CAAR-T or CAR-M.")]
_Binder = Annotated[Optional[str], typer.Option(help="Binder format: scFv, VHH, TCR, ligand, ...")]
_Developer = Annotated[Optional[str], typer.Option(help="The developing company or institution.")]
_Status = Annotated[Optional[str], typer.Option(help="approved, clinical or preclinical.")]
_Notes = Annotated[Optional[str], typer.Option(help="A note for curators.")]
_Source = Annotated[Optional[str], typer.Option(help="The source of every fact given here (a registry record, a label, a paper).")]
_FactSource = Annotated[Optional[str], typer.Option(help="The source of this one fact (overrides --source).")]
_Clear = Annotated[_ListOption, typer.Option("--clear", help="Empty a field (aliases, targets, modality, ...).")]


@product_app.command("list")
def product_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Every named product the classifier knows (shipped and curated)."""
    found = read.products(_context(ctx).engine)
    if as_json:
        emit_json(found)
        return
    for product in found:
        typer.echo(f"{product['name']:<28} {', '.join(product['targets']) or 'target not recorded':<28} {product['origin']}")


@product_app.command("show")
def product_show(ctx: typer.Context, name: str, as_json: JsonOption = False) -> None:
    """One product's names and facts, each with its source."""
    detail = read.product_detail(_context(ctx).engine, name)
    if detail is None:
        fail(f"no product named {name!r}", 1)
    if as_json:
        emit_json(detail)
        return
    _print_mapping(detail)


@product_app.command("add")
def product_add(
    ctx: typer.Context, name: str, alias: _Alias = None, pattern: _Pattern = None, target: _Target = None,
    modality: _Modality = None, binder: _Binder = None, developer: _Developer = None, status: _Status = None,
    notes: _Notes = None, source: _Source = None, targets_source: _FactSource = None,
    modality_source: _FactSource = None, binder_source: _FactSource = None, developer_source: _FactSource = None,
    status_source: _FactSource = None, as_json: JsonOption = False,
) -> None:
    """Add a product (each fact with its source); the trials that name it are classified again."""
    context = _context(ctx)
    changes = _product_changes(alias, pattern, target, modality, binder, developer, status, notes, source,
                               targets_source, modality_source, binder_source, developer_source, status_source, None)
    _report_product(curation.add_product(context.engine, context.actor, name, changes), as_json)


@product_app.command("set")
def product_set(
    ctx: typer.Context, name: str, alias: _Alias = None, pattern: _Pattern = None, target: _Target = None,
    modality: _Modality = None, binder: _Binder = None, developer: _Developer = None, status: _Status = None,
    notes: _Notes = None, source: _Source = None, targets_source: _FactSource = None,
    modality_source: _FactSource = None, binder_source: _FactSource = None, developer_source: _FactSource = None,
    status_source: _FactSource = None, clear: _Clear = None, as_json: JsonOption = False,
) -> None:
    """Correct a product (shipped or curated): given fields replace the stored ones; trials naming it are
    classified again and listed."""
    context = _context(ctx)
    changes = _product_changes(alias, pattern, target, modality, binder, developer, status, notes, source,
                               targets_source, modality_source, binder_source, developer_source, status_source, clear)
    _report_product(curation.set_product(context.engine, context.actor, name, changes), as_json)


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
    except Exception as error:  # usage errors of Typer's (vendored) click, and anything unforeseen
        if hasattr(error, "show") and isinstance(getattr(error, "exit_code", None), int):
            error.show()
            sys.exit(error.exit_code)
        typer.echo(f"error: {one_line_reason(error)}", err=True)
        sys.exit(1)


def one_line_reason(error: Exception) -> str:
    """An error nobody foresaw, as one line without a traceback, an SQL statement or its parameters."""
    from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError

    if isinstance(error, DBAPIError) and error.orig is not None:
        reason = str(error.orig).strip().splitlines()[0] if str(error.orig).strip() else type(error.orig).__name__
        if isinstance(error, OperationalError):
            return f"the database could not be used ({reason}); nothing was written"
        return f"the database refused the change ({reason}); nothing was written"
    if isinstance(error, SQLAlchemyError):
        return f"the database could not be used ({type(error).__name__}); nothing was written"
    first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"internal error ({type(error).__name__}{': ' + first_line[:200] if first_line else ''}); please report it"
