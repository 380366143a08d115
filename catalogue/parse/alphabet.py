"""The letters of DNA and protein sequences, and the byte checks every text sequence file passes."""

from __future__ import annotations

import re

from catalogue.errors import InvalidInput

DNA_LETTERS = "ACGTRYSWKMBDHVN"

PROTEIN_LETTERS = "ACDEFGHIKLMNPQRSTVWYBJOUXZ"

NOT_DNA = re.compile(f"[^{DNA_LETTERS}]")
NOT_PROTEIN = re.compile(f"[^{PROTEIN_LETTERS}]")
WITHOUT_ACGTN = str.maketrans("", "", "ACGTN")
DNA_COMPLEMENT = str.maketrans("ACGTRYSWKMBDHVN", "TGCAYRSWMKVHDBN")
CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")
TEXT_BYTES = bytes(b for b in range(256) if not CONTROL_BYTES.match(bytes([b])))  # deleted: what is left is control
DNA_BYTES = DNA_LETTERS.encode("ascii")
PROTEIN_BYTES = PROTEIN_LETTERS.encode("ascii")


# --- reading the bytes -----------------------------------------------------------------------------------------


def line_at(content: bytes, offset: int) -> int:
    return content.count(b"\n", 0, offset) + 1


def checked_text(content: bytes, file_name: str) -> str:
    """The file as text, after refusing empty, binary and non-UTF-8 content."""
    if not content or not content.strip():
        raise InvalidInput("the file is empty", file=file_name)
    control = CONTROL_BYTES.search(content) if content.translate(None, TEXT_BYTES) else None
    if control:
        byte = control.group()
        what = "a NUL byte" if byte == b"\x00" else f"the control byte 0x{byte[0]:02x}"
        raise InvalidInput(f"binary content: {what} at byte {control.start() + 1}; not a text sequence file",
                           file=file_name, line=line_at(content, control.start()))
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInput(f"binary content: byte {error.start + 1} is not UTF-8 text",
                           file=file_name, line=line_at(content, error.start)) from None


def first_outside(sequence: str, letters: bytes, pattern: re.Pattern[str]) -> re.Match[str] | None:
    """The first character of ``sequence`` not in ``letters`` (a C-speed check first, the regex only on failure)."""
    if sequence.isascii() and not sequence.encode("ascii").translate(None, letters):
        return None
    return pattern.search(sequence)
