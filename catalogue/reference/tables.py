"""The one way the reference files are read: a TOML document's array of tables, with where each entry starts."""

from __future__ import annotations

import re
import tomllib

from catalogue.errors import InvalidInput

__all__ = ["Entry", "entries"]

Entry = tuple[dict, int | None]  # a table and the line of its key field (None when not found)


def entries(content: bytes, file_name: str, table: str, key: str) -> list[Entry]:
    """The ``[[table]]`` entries of a TOML document, each with the line where its ``key = "..."`` stands.

    Raises :class:`InvalidInput` naming the file when it is not UTF-8 TOML or has no such table.
    """
    try:
        text = content.decode("utf-8")
        document = tomllib.loads(text)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise InvalidInput(f"not a valid TOML {table}s file: {error}", file=file_name) from None
    tables = document.get(table)
    if not isinstance(tables, list) or not tables:
        raise InvalidInput(f"no [[{table}]] tables", file=file_name)
    found: list[Entry] = []
    for entry in tables:
        value = entry.get(key)
        match = re.search(rf'^{key}\s*=\s*"{re.escape(value)}"', text, re.MULTILINE) if isinstance(value, str) else None
        found.append((entry, text.count("\n", 0, match.start()) + 1 if match else None))
    return found
