"""``catalogue user``: accounts and their roles (admins only, except ``list``)."""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

from catalogue import curation, read
from catalogue.cli.apps import user_app
from catalogue.cli.context import JsonOption, act, context_of, emit_json
from catalogue.errors import InvalidInput

Role = Annotated[str, typer.Option(help="viewer, curator or admin")]


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
    role: Role,
    email: Annotated[Optional[str], typer.Option(help="Email that an OIDC sign-in maps to this account.")] = None,
    no_password: Annotated[bool, typer.Option("--no-password", help="No local password (OIDC sign-in only).")] = False,
) -> None:
    """Create an account. The password is read from a prompt or standard input, never from the command line."""
    context = context_of(ctx)
    actor = context.actor
    curation.require(actor, "admin", "manage accounts")  # before a password is asked for
    password = None if no_password else _read_password()
    curation.add_account(context.engine, actor, name, role, password=password, email=email)
    typer.echo(f"account {name} created with role {role}")


@user_app.command("set-role")
def user_set_role(ctx: typer.Context, name: str, role: Role) -> None:
    outcome = act(ctx, curation.set_role, name, role)
    typer.echo(f"account {name}: role {role} ({outcome})")


@user_app.command("archive")
def user_archive(ctx: typer.Context, name: str) -> None:
    """Retire an account: it can no longer sign in or act (the last admin cannot be archived)."""
    _set_archived(ctx, name, True)


@user_app.command("restore")
def user_restore(ctx: typer.Context, name: str) -> None:
    """Bring back an archived account."""
    _set_archived(ctx, name, False)


def _set_archived(ctx: typer.Context, name: str, archived: bool) -> None:
    outcome = act(ctx, curation.set_account_archived, name, archived)
    typer.echo(f"account {name}: {'archived' if archived else 'restored'} ({outcome})")


@user_app.command("list")
def user_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    rows = read.accounts(context_of(ctx).engine)
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        typer.echo(f"{row['name']:<24} {row['role']:<8} {row['email'] or ''}")
