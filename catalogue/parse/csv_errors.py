"""Python's csv errors in words for the person who wrote the file (the trial and binder parsers share them)."""

from __future__ import annotations

import csv


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
