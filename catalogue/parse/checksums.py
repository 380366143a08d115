"""Sequence checksums: SEGUID v2 (ldseguid for linear DNA, cdseguid for circular DNA, lsseguid for protein)."""

from __future__ import annotations

import base64
import hashlib

from catalogue.drafts import Molecule, Topology
from catalogue.errors import InvalidInput
from catalogue.parse.alphabet import (
    DNA_BYTES,
    DNA_COMPLEMENT,
    NOT_DNA,
    NOT_PROTEIN,
    PROTEIN_BYTES,
    first_outside,
)

try:  # libdivsufsort's C implementation; the pure-Python fallback gives the same rotation, slower
    from pydivsufsort import min_rotation as _divsufsort_min_rotation
except ImportError:  # pragma: no cover - depends on the environment
    _divsufsort_min_rotation = None


# --- checksums -------------------------------------------------------------------------------------------------


def _min_rotation_python(text: str) -> int:
    """Start of the lexicographically smallest rotation of ``text`` (Booth's algorithm, pure Python)."""
    doubled = text + text
    failure = [-1] * len(doubled)
    best = 0
    for j in range(1, len(doubled)):
        char = doubled[j]
        i = failure[j - best - 1]
        while i != -1 and char != doubled[best + i + 1]:
            if char < doubled[best + i + 1]:
                best = j - i - 1
            i = failure[i]
        if char != doubled[best + i + 1]:
            if char < doubled[best]:
                best = j
            failure[j - best] = -1
        else:
            failure[j - best] = i + 1
    return best


def _min_rotation(text: str) -> int:
    """Start of the smallest rotation of an ASCII string (C routine when pydivsufsort is installed)."""
    if _divsufsort_min_rotation is None:  # pragma: no cover - depends on the environment
        return _min_rotation_python(text)
    return int(_divsufsort_min_rotation(text.encode("ascii")))


def _seguid_digest(text: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha1(text.encode("ascii")).digest()).decode("ascii").rstrip("=")


def _rotated(text: str, amount: int) -> str:
    amount %= len(text)
    return text[amount:] + text[:amount]


def sequence_checksum(sequence: str, molecule: Molecule, topology: Topology) -> str:
    """The SEGUID v2 checksum that identifies a sequence in the catalogue.

    * linear DNA: ``ldseguid`` of the double strand (watson = the sequence, crick =
      its reverse complement). It is strand-invariant: a sequence and its reverse
      complement are the same molecule and get the same checksum.
    * circular DNA: ``cdseguid``: also rotation-invariant, so a plasmid written from
      another origin, or from the other strand, gets the same checksum.
    * protein: ``lsseguid`` with the ``{protein-extended}`` alphabet (``csseguid`` for
      the rare circular peptide).

    DNA uses the ``{DNA-extended}`` IUPAC alphabet (ambiguity codes complement as
    IUPAC defines them). The values equal those of the ``seguid`` package
    (Pereira et al. 2024; the tests check this on real files); they are computed
    here with ``hashlib`` and a C minimal-rotation routine because the package's
    pure-Python checks cost more than parsing the GenBank record itself.
    The result carries its method prefix (``ldseguid=...``, ``cdseguid=...``, ``lsseguid=...``).
    """
    if not sequence:
        raise InvalidInput("an empty sequence has no checksum")
    sequence = sequence.upper()
    if molecule == "protein":
        bad = first_outside(sequence, PROTEIN_BYTES, NOT_PROTEIN)
        if bad:
            raise InvalidInput(f"{bad.group()!r} is not an IUPAC amino-acid code")
        if topology == "circular":
            return "csseguid=" + _seguid_digest(_rotated(sequence, _min_rotation(sequence)))
        return "lsseguid=" + _seguid_digest(sequence)
    bad = first_outside(sequence, DNA_BYTES, NOT_DNA)
    if bad:
        raise InvalidInput(f"{bad.group()!r} is not an IUPAC nucleotide code")
    watson = sequence
    crick = sequence.translate(DNA_COMPLEMENT)[::-1]
    if topology == "circular":
        amount_watson = _min_rotation(watson)
        amount_crick = _min_rotation(crick)
        watson_min = _rotated(watson, amount_watson)
        crick_min = _rotated(crick, amount_crick)
        if watson_min < crick_min:
            watson, crick = watson_min, _rotated(crick, -amount_watson)
        else:
            watson, crick = crick_min, _rotated(watson, -amount_crick)
        prefix = "cdseguid="
    else:
        prefix = "ldseguid="
    spec = f"{watson};{crick}" if watson < crick else f"{crick};{watson}"
    return prefix + _seguid_digest(spec)
