"""Files named on the command line: read under the upload cap, imported one by one, and reported per file
(``{"files": [...]}`` under ``--json``; exit 1 when any file failed)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import typer

from catalogue import bounds, config, curation
from catalogue.cli.context import emit_json
from catalogue.errors import InvalidInput


def report_files(reports: list[curation.FileReport], as_json: bool) -> None:
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


def read_file(path: Path) -> bytes:
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


def file_contents(paths: list[Path]) -> Iterator[tuple[str, bytes | InvalidInput]]:
    """Each file's name and bytes, read as they are needed, or (under the path as given) why it cannot be read."""
    for path in paths:
        try:
            yield path.name, read_file(path)
        except InvalidInput as error:
            yield str(path), error


def import_each(paths: list[Path], import_one: Callable[[str, bytes], curation.FileReport]) -> list[curation.FileReport]:
    """Import files one by one (each all or nothing); an unreadable file is reported, the others go on."""
    return [curation.FileReport(name, error=str(content)) if isinstance(content, InvalidInput)
            else import_one(name, content) for name, content in file_contents(paths)]
