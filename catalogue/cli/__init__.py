"""The ``catalogue`` command line (Typer), one command family a module:

- ``apps``: the command tree (root command, groups) and the shared ``--db``/``--user`` options;
- ``context``: the database and actor of a command, ``--json`` output, one-line errors, the shape of a write;
- ``files``: files named on the command line, read under the upload cap and reported per file;
- ``catalogue_admin`` (init, db, stats, audit, archive, restore), ``accounts`` (user), ``sequences`` (import
  sequences and binders, export, search sequence), ``trials`` (show/import/fetch/add trial, link, changes),
  ``constructs`` (show construct, compare, accept-architecture, epitope, tcr-chains), ``products`` (product),
  ``programme`` (patients, candidate).

Exit codes (a public contract): 0 success; 1 invalid input (the message names
the file, record and line where known; nothing of that file is written);
2 usage error; 3 permission denied; 4 a registry could not be reached. ``--json`` output shapes are public too.
Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import sys

import typer

# Importing a family module registers its commands on the tree; the order is the order of ``--help``.
from catalogue.cli import catalogue_admin, trials, programme, constructs, accounts, sequences, products  # noqa: F401
from catalogue.cli.apps import app
from catalogue.cli.context import Context, emit_json, fail
from catalogue.errors import CatalogueError

__all__ = ["Context", "app", "emit_json", "fail", "main", "one_line_reason"]


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
