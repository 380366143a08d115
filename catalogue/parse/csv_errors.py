"""Python's csv errors in words for the person who wrote the file, and the rows of a CSV file with their line
numbers (the trial and binder parsers share them)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from catalogue.errors import InvalidInput


def csv_problem(error: csv.Error) -> str:
    """What Python's csv module found wrong, in words for the person who wrote the file."""
    text = str(error)
    if "end of data" in text:
        return "a quoted field is never closed (the file ends inside it)"
    if "expected after" in text:
        return "text follows the closing quote of a field (write a quote inside a field as two quotes)"
    if "field limit" in text:
        return f"a field is longer than {csv.field_size_limit():,} characters"
    if "NUL" in text or "null byte" in text:
        return "a field holds a NUL byte"
    return text.replace("unexpected", "misplaced")


def csv_rows(reader: Any, file_name: str, width: int) -> Iterator[tuple[int, list[str]]]:
    """Each row of a ``csv.reader`` past its header, with the line it starts on; a row with no text in any cell is passed over.

    A row the csv module cannot read, or one with another number of fields than the header's ``width``, is
    refused with the file and line.
    """
    row_start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InvalidInput(f"malformed CSV: {csv_problem(exc)}", file=file_name, line=row_start) from None
        line, row_start = row_start, reader.line_num + 1
        if all(not cell.strip() for cell in row):
            continue
        if len(row) != width:
            raise InvalidInput(f"the row has {len(row)} fields, the header has {width}", file=file_name, line=line)
        yield line, row
