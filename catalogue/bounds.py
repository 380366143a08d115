"""The bounds of what the catalogue accepts from a file or a person: counts, coordinates, dates, names, file sizes.

One place for every limit, read by the parsers (which name the file, record and line of a value out of
bounds), by the service layer (which checks again whatever reaches it, from any caller), by the schema
(column widths in :mod:`catalogue.db.models`, name checks in migration 0005) and by the pages (the limits
of their input widgets). ``docs/security.md`` explains each choice.

- **Participant counts** (trial enrollment, patients treated): whole numbers from 0 to
  :data:`MAX_PARTICIPANTS`. No clinical trial comes near a hundred million participants; a larger count is
  a typing or export error (1e12, 3e9), and refusing it keeps every total meaningful. The bound also keeps
  every count inside the 32-bit INTEGER columns of both databases, and every sum of them inside the 64-bit
  integers SQLite and PostgreSQL add them up in.
- **Coordinates and lengths** (sequence lengths, domain and GTF positions): 1 to :data:`MAX_COORDINATE`,
  the largest value of a 32-bit INTEGER column.
- **Dates** (trial start, last update, snapshot, the as-of date of a patients-treated figure): calendar
  dates with years from :data:`EARLIEST_YEAR` to :data:`LATEST_YEAR`; an as-of date is also never in the
  future.
- **Names** (constructs, targets, programmes, accounts, reference binders): not blank, no control
  characters, at most :data:`NAME_LENGTHS` characters; the schema holds the same limits.
- **Files**: every uploaded or imported file passes :func:`check_upload_size` (the cap is
  ``CATALOGUE_MAX_UPLOAD_BYTES``, :func:`catalogue.config.max_upload_bytes`).
"""

from __future__ import annotations

import re
from typing import Any

from catalogue import config
from catalogue.errors import InvalidInput

MAX_PARTICIPANTS = 100_000_000
MAX_COORDINATE = 2**31 - 1  # the largest value of a 32-bit INTEGER column, on SQLite and PostgreSQL alike
EARLIEST_YEAR = 1900
LATEST_YEAR = 2100

# Longest name, in characters, per kind of name (the schema's VARCHAR lengths use the same numbers).
NAME_LENGTHS = {
    "construct": 200,
    "programme": 200,
    "target": 40,
    "account": 120,
    "reference binder": 200,
}
MIN_PASSWORD_LENGTH = 8  # NIST SP 800-63B's minimum for a password chosen by its user
MAX_PASSWORD_LENGTH = 1024  # hashing a longer one would only cost time

_CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def participants(value: Any, what: str = "enrollment") -> int:
    """A participant count as an int from 0 to :data:`MAX_PARTICIPANTS`; ``ValueError`` saying why not.

    Parsers and the service layer wrap the ``ValueError`` in an :class:`InvalidInput` naming where the
    value came from.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} {value!r} is not a whole number")
    if value < 0:
        raise ValueError(f"{what} {_count(value)} is negative")
    if value > MAX_PARTICIPANTS:
        raise ValueError(f"{what} {_count(value)} is more than {MAX_PARTICIPANTS:,}, beyond any clinical trial "
                         "(a typing or export error?)")
    return value


def _count(value: int) -> str:
    """A count as people read it: 1,000,000,000,000, or 1e+20 when it is longer than that."""
    return f"{value:,}" if abs(value) < 10**15 else f"{float(value):.3g}"


def coordinate(value: int, what: str = "position") -> int:
    """A sequence position or length from 1 to :data:`MAX_COORDINATE`; ``ValueError`` saying why not."""
    if not 1 <= value <= MAX_COORDINATE:
        raise ValueError(f"{what} {_count(value)} is outside 1-{MAX_COORDINATE:,}")
    return value


def year(value: int, text: str) -> int:
    """A calendar year from :data:`EARLIEST_YEAR` to :data:`LATEST_YEAR`; ``ValueError`` naming ``text``."""
    if not EARLIEST_YEAR <= value <= LATEST_YEAR:
        raise ValueError(f"{text!r} has the year {value}, outside {EARLIEST_YEAR}-{LATEST_YEAR}")
    return value


def name(value: Any, kind: str) -> str:
    """A name of ``kind`` (a key of :data:`NAME_LENGTHS`) without surrounding white space, or InvalidInput.

    Refused: a missing or blank name, a control character (line breaks and tabs included) and a name
    longer than the schema allows.
    """
    if value is None or not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"a {kind} name cannot be blank")
    text = value.strip()
    control = _CONTROL_CHARACTER.search(text)
    if control:
        raise InvalidInput(f"the {kind} name {text[:60]!r} holds the control character "
                           f"U+{ord(control.group()):04X} (line breaks and tabs are not allowed in names)")
    longest = NAME_LENGTHS[kind]
    if len(text) > longest:
        raise InvalidInput(f"the {kind} name {text[:40]!r}... is {len(text):,} characters long; "
                           f"at most {longest} are allowed")
    return text


def password(value: str) -> str:
    """A new password of :data:`MIN_PASSWORD_LENGTH` to :data:`MAX_PASSWORD_LENGTH` characters, or InvalidInput."""
    if len(value) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"the password is {len(value)} characters long; it needs at least {MIN_PASSWORD_LENGTH}")
    if len(value) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(f"the password is longer than {MAX_PASSWORD_LENGTH} characters")
    return value


def check_upload_size(size: int, file_name: str) -> None:
    """Refuse a file of ``size`` bytes over the upload cap (``CATALOGUE_MAX_UPLOAD_BYTES``).

    The one check every uploaded or imported file passes, in the CLI (before reading it), in the app
    (before reading the upload) and in the service layer (whatever the caller): sequence, GTF, trial and
    binder files alike.
    """
    cap = config.max_upload_bytes()
    if size > cap:
        raise InvalidInput(f"the file is {size:,} bytes, over the upload cap of {cap:,} bytes "
                           f"(set {config.MAX_UPLOAD_BYTES_ENV} to change it)", file=file_name)
