"""How a name written in a reference file is matched in registry text.

A name is matched as a whole word in lower-cased text. Inside it, a hyphen matches a hyphen,
a space or nothing ("tisa-cel": "tisacel", "tisa cel"); a space matches spaces or a hyphen
("B7 H3"/"B7-H3"); between a letter and a digit an optional hyphen or space is allowed
("HER2": "HER-2", "HER 2"; "CTL019": "CTL-019"). Everything else is literal.
"""

from __future__ import annotations

import re

__all__ = ["name_pattern"]


def name_pattern(name: str) -> str:
    """The regular expression (for lower-cased text, no word edges) that matches ``name``."""
    text = name.strip().lower()
    out: list[str] = []
    previous = ""
    for char in text:
        if char == "-":
            out.append(r"[\s-]?")
        elif char.isspace():
            if out and out[-1] == r"[\s-]+":
                continue
            out.append(r"[\s-]+")
        else:
            if previous.isalpha() and char.isdigit():
                out.append(r"[\s-]?")
            out.append(re.escape(char))
        previous = char
    return "".join(out)
