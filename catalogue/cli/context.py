"""What every command shares: the database and who acts on it, ``--json``, one-line errors, and the one shape
of a write (run a service-layer action as the command's actor, then print its outcome as JSON or a line)."""

from __future__ import annotations

import getpass
import json
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, TypeVar

import typer
from sqlalchemy.engine import Engine

from catalogue import curation, db, read
from catalogue.vocabulary import NOT_RECORDED

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (a stable shape scripts may rely on).")]

Outcome = TypeVar("Outcome")


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


def context_of(ctx: typer.Context) -> Context:
    """The command's database and actor, set by the root callback from ``--db`` and ``--user``."""
    return ctx.obj


def act(ctx: typer.Context, action: Callable[..., Outcome], *args: Any, **kwargs: Any) -> Outcome:
    """Run one service-layer action on the command's database as its actor (the action checks the role and
    owns the transaction; its errors reach ``main`` as one line and an exit code)."""
    context = context_of(ctx)
    return action(context.engine, context.actor, *args, **kwargs)


def say(as_json: bool, payload: dict[str, Any], line: str) -> None:
    """A write's outcome: ``payload`` as JSON under ``--json``, else one line for a person."""
    if as_json:
        emit_json(payload)
    else:
        typer.echo(line)


def show(as_json: bool, result: Outcome, print_text: Callable[[Outcome], None]) -> None:
    """A read's result: as JSON under ``--json`` (the public shape), else as text for a person."""
    if as_json:
        emit_json(result)
    else:
        print_text(result)


def existing(detail: Outcome | None, missing: str) -> Outcome:
    """The one record a command names, or exit 1 saying what is missing."""
    if detail is None:
        fail(missing, 1)
    return detail  # type: ignore[return-value]


def emit_json(value: Any) -> None:
    """``value`` (a read model or plain values) as the ``--json`` output, through the one serializer."""
    typer.echo(json.dumps(read.to_json(value), indent=2, ensure_ascii=False))


def fail(message: str, code: int) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def check_since(since: str | None) -> None:
    """A ``--since`` that is not a date is a usage error (exit 2)."""
    if since:
        try:
            date.fromisoformat(since)
        except ValueError:
            fail(f"--since {since!r} is not a date (YYYY-MM-DD)", 2)


def check_choice(option: str, value: str, allowed: tuple[str, ...]) -> None:
    """An argument outside its few words is a usage error (exit 2)."""
    if value not in allowed:
        fail(f"{option} {value!r} is not {', '.join(allowed[:-1])} or {allowed[-1]}", 2)


def cell(value: Any) -> str:
    return NOT_RECORDED if value is None else str(value)


def print_mapping(mapping: dict[str, Any] | read.ReadModel, skip: tuple[str, ...] = ()) -> None:
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
        typer.echo(f"{key:>26}: {cell(value)}")
