"""``catalogue product``: the named products the trial classifier knows (shipped in
catalogue/reference/products.toml, or curated): list, show, add and correct them, each fact with its source."""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from catalogue import curation, read
from catalogue.cli.apps import product_app
from catalogue.cli.context import JsonOption, act, context_of, emit_json, fail, print_mapping
from catalogue.errors import InvalidInput

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
    found = read.products(context_of(ctx).engine)
    if as_json:
        emit_json(found)
        return
    for product in found:
        typer.echo(f"{product['name']:<28} {', '.join(product['targets']) or 'target not recorded':<28} {product['origin']}")


@product_app.command("show")
def product_show(ctx: typer.Context, name: str, as_json: JsonOption = False) -> None:
    """One product's names and facts, each with its source."""
    detail = read.product_detail(context_of(ctx).engine, name)
    if detail is None:
        fail(f"no product named {name!r}", 1)
    if as_json:
        emit_json(detail)
        return
    print_mapping(detail)


@product_app.command("add")
def product_add(
    ctx: typer.Context, name: str, alias: _Alias = None, pattern: _Pattern = None, target: _Target = None,
    modality: _Modality = None, binder: _Binder = None, developer: _Developer = None, status: _Status = None,
    notes: _Notes = None, source: _Source = None, targets_source: _FactSource = None,
    modality_source: _FactSource = None, binder_source: _FactSource = None, developer_source: _FactSource = None,
    status_source: _FactSource = None, as_json: JsonOption = False,
) -> None:
    """Add a product (each fact with its source); the trials that name it are classified again."""
    changes = _product_changes(alias, pattern, target, modality, binder, developer, status, notes, source,
                               targets_source, modality_source, binder_source, developer_source, status_source, None)
    _report_product(act(ctx, curation.add_product, name, changes), as_json)


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
    changes = _product_changes(alias, pattern, target, modality, binder, developer, status, notes, source,
                               targets_source, modality_source, binder_source, developer_source, status_source, clear)
    _report_product(act(ctx, curation.set_product, name, changes), as_json)
