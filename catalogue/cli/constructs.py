"""Constructs: ``show construct``, ``compare``, and the curated facts set by hand (``accept-architecture``,
``epitope``, ``tcr-chains``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from catalogue import curation, read
from catalogue.cli.apps import app, show_app
from catalogue.cli.context import JsonOption, act, context_of, emit_json, existing, fail, print_mapping, say, show
from catalogue.drafts import EpitopeDraft, TcrChainDraft
from catalogue.errors import InvalidInput

ConstructName = Annotated[str, typer.Argument(help="construct name")]
COMPARE_COLUMN = 40  # characters per construct column (longer values are cut; --json has them whole)
TCR_CHAIN_FIELDS = ("chain", "v_gene", "j_gene", "cdr3", "constant", "start", "end", "v_allele", "j_allele", "species",
                    "note")


@show_app.command("construct")
def show_construct(ctx: typer.Context, name: str, as_json: JsonOption = False) -> None:
    """Everything known about a construct, with its domains in chain order."""
    detail = existing(read.construct_detail(context_of(ctx).engine, name), f"no construct named {name!r}")
    show(as_json, detail, _print_construct)


def _print_construct(detail: dict[str, Any]) -> None:
    print_mapping(detail, skip=("trials", "sequence_records", "domains", "epitopes", "tcr_chains"))
    typer.echo("trials: " + (", ".join(t.registry_id for t in detail.trials) or "none linked"))
    for epitope in detail.epitopes:
        typer.echo(f"epitope: {epitope.antigen} {epitope.peptide} restricted by {epitope.hla}"
                   + (f" ({epitope.source})" if epitope.source else ""))
    for chain in detail.tcr_chains:
        typer.echo(f"TCR {chain.chain} ({chain.source}): V {chain.v_gene or 'not recorded'}, "
                   f"J {chain.j_gene or 'not recorded'}, CDR3 {chain.cdr3 or 'not recorded'}, "
                   f"constant {chain.constant or 'not recorded'}")
    for record in detail.sequence_records:
        typer.echo(f"sequence record {record['record_id']} ({record['file_name']}): {record['length']} "
                   f"{'aa' if record['molecule'] == 'protein' else 'nt'}, {record['topology']}, {record['checksum']}")
        for warning in record["warnings"] or []:
            typer.echo(f"  warning: {warning}")
    for domain in detail.domains:
        typer.echo(f"  {domain.start:>5}-{domain.end:<5} {domain.kind:<20} {domain.label}")


@app.command("accept-architecture")
def accept_architecture(ctx: typer.Context, name: str, as_json: JsonOption = False) -> None:
    """Set a construct's hinge, TM, costimulatory, signalling, binder format and generation from detection."""
    changed = act(ctx, curation.accept_architecture, name)
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
    name: ConstructName,
    antigen: Annotated[str, typer.Option(help="antigen gene symbol, e.g. CTAG1B, MAGEA4")],
    peptide: Annotated[str, typer.Option(help="the peptide, 8-25 amino acids")],
    hla: Annotated[str, typer.Option(help="HLA restriction, e.g. HLA-A*02:01")],
    uniprot: Annotated[Optional[str], typer.Option(help="the antigen's UniProt accession")] = None,
    residues: Annotated[Optional[str], typer.Option(help="the peptide's residues in that entry, e.g. 157-165")] = None,
    source: Annotated[Optional[str], typer.Option(help="where the epitope is stated")] = None,
    as_json: JsonOption = False,
) -> None:
    """Add an epitope (peptide and HLA restriction) to a TCR-T construct; its antigen becomes a target."""
    start = end = None
    if residues:
        try:
            start, end = (int(x) for x in residues.split("-"))
        except ValueError:
            fail(f"--residues {residues!r} is not FIRST-LAST, e.g. 157-165", 2)
    outcome = act(ctx, curation.add_epitope, name, EpitopeDraft(
        antigen=antigen, peptide=peptide, hla=hla, uniprot=uniprot, peptide_start=start, peptide_end=end,
        source=source))
    say(as_json, {"construct": name, "outcome": outcome}, f"{name}: epitope {outcome}")


@app.command("tcr-chains")
def tcr_chains(
    ctx: typer.Context,
    name: ConstructName,
    path: Annotated[Path, typer.Argument(help='JSON list of chains: [{"chain": "alpha", "v_gene": "TRAV21", '
                                              '"j_gene": "TRAJ6", "cdr3": "CAVRPTSGGSYIPTF", "constant": "TRAC"}]')],
    as_json: JsonOption = False,
) -> None:
    """Set a construct's curated TCR chains, in ORF order, from a JSON file (an empty list removes them)."""
    drafts = _curated_tcr_chains(path)
    outcome = act(ctx, curation.set_tcr_chains, name, drafts)
    say(as_json, {"construct": name, "outcome": outcome, "chains": len(drafts)},
        f"{name}: {len(drafts)} curated TCR chains ({outcome})")


def _curated_tcr_chains(path: Path) -> list[TcrChainDraft]:
    """The chains a JSON file lists (a chain's stored ``source``, ``order`` and record id are ignored: a file
    written by hand is curated, in file order)."""
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidInput(f"{path}: not a readable JSON file ({error})") from None
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise InvalidInput(f"{path}: expected a JSON list of objects, one per chain")
    drafts = []
    for number, entry in enumerate(entries, start=1):
        unknown = set(entry) - set(TCR_CHAIN_FIELDS) - {"source", "order", "sequence_record_id"}
        if unknown or "chain" not in entry:
            raise InvalidInput(f"{path}: chain {number} needs \"chain\" and knows only "
                               f"{', '.join(sorted(TCR_CHAIN_FIELDS))}")
        drafts.append(TcrChainDraft(**{k: v for k, v in entry.items() if k in TCR_CHAIN_FIELDS}, source="curated"))
    return drafts


@app.command("compare")
def compare(
    ctx: typer.Context,
    names: Annotated[list[str], typer.Argument(help="Two to four construct names.")],
    as_json: JsonOption = False,
) -> None:
    """Constructs side by side: architecture (differences marked *), binder identity, targets and trials."""
    show(as_json, read.compare_constructs(context_of(ctx).engine, names), _print_comparison)


def _print_comparison(result: dict[str, Any]) -> None:
    shown = result["constructs"]
    rows = [(row, ["not recorded" if v is None else ", ".join(map(str, v)) if isinstance(v, list) else str(v)
                   for v in row["values"].values()]) for row in result["fields"]]
    width = min(COMPARE_COLUMN, max(len(text) for _, values in rows for text in [*values, *shown])) + 2

    def column(text: str) -> str:
        return (text if len(text) <= width - 2 else text[: width - 3] + "…").ljust(width)

    typer.echo(f"{'':<26}" + "".join(column(n) for n in shown))
    for row, values in rows:
        mark = "*" if row["differs"] else " "
        typer.echo(f"{mark} {row['label']:<24}" + "".join(column(v) for v in values))
    for pair in result["binder_identity"]:
        figure = ("not comparable (no V domain in a sequence record)" if pair["identity"] is None else
                  f"{pair['identity']:.1f}% identity, coverage {pair['coverage']:.2f}"
                  + (" (same binder)" if pair["same_binder"] else ""))
        typer.echo(f"binder {pair['first']} / {pair['second']}: {figure}")
    for name in shown:
        trials = ", ".join(t["registry_id"] for t in result["trials"][name]) or "none linked"
        typer.echo(f"{name}: targets {', '.join(result['targets'][name]) or 'not recorded'}; trials {trials}")
