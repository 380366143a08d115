"""Sequence files in and out: ``import sequences``, ``import binders``, ``export``, and ``search sequence``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from catalogue import curation, read
from catalogue.cli.apps import app, import_app, search_app
from catalogue.cli.context import JsonOption, act, context_of, emit_json, fail
from catalogue.cli.files import file_contents, read_file, report_files


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

    gtf = read_file(annotations) if annotations else None
    reports = act(ctx, curation.import_sequence_files, expanded_files(file_contents(paths)), construct=construct,
                  annotations=gtf, annotations_name=annotations.name if annotations else None, molecule=molecule,
                  detect=detect)
    report_files(reports, as_json)


@import_app.command("binders")
def import_binders(ctx: typer.Context, path: Path, as_json: JsonOption = False) -> None:
    """Load a Thera-SAbDab export as the reference library that names detected binders."""
    context = context_of(ctx)
    report_files([curation.import_binders(context.engine, context.actor, path.name, read_file(path))], as_json)


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
        written = export_catalogue(context_of(ctx).engine, directory, force=force)
    except OSError as error:
        fail(f"{error.filename or directory}: cannot write the export: {error.strerror}", 1)
    if as_json:
        emit_json({"directory": str(directory), "files": [str(p) for p in written]})
    else:
        typer.echo(f"wrote {len(written)} files ({len(written) // 2} sequence records) to {directory}")


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
    content: str | bytes = read_file(path) if is_file else query
    result = read.search_sequence(context_of(ctx).engine, content, min_identity=min_identity, limit=limit,
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
