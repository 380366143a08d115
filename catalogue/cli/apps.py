"""The command tree: the root ``catalogue`` command, its groups (``db``, ``show``, ``user``, ``import``, ``fetch``,
``add``, ``search``, ``product``) and the options every command shares (``--db``, ``--user``).

The commands themselves live one family a module beside this one and register on these objects when
``catalogue.cli`` imports them.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from catalogue.cli.context import Context

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
