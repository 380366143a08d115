"""Binder identity: which public therapeutic antibody a detected V domain resembles.

:func:`parse_therasabdab` reads a Thera-SAbDab export (OPIG, Oxford; Raybould et al.,
NAR 2020) into :class:`ReferenceBinder` rows; :func:`closest_binder` finds the
therapeutic whose V domain is closest to a detected VH/VL/VHH, with its identity.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache

from catalogue import bounds
from catalogue.detect.similarity import blosum62_aligner
from catalogue.errors import InvalidInput
from catalogue.parse.csv_errors import csv_problem

PROTEIN_LETTERS = frozenset("ACDEFGHIKLMNPQRSTVWYX")
MISSING = {"", "na", "n/a", "none"}
# Required columns and the names they go by (the shared copy says HC/LC where
# Thera-SAbDab's own export says HeavySequence/LightSequence).
COLUMNS = {
    "name": ("Therapeutic",),
    "format": ("Format",),
    "heavy": ("HC", "HeavySequence"),
    "light": ("LC", "LightSequence"),
    "second_heavy": ("HeavySequence(ifbispec)",),
    "second_light": ("LightSequence(ifbispec)",),
    "target": ("Target",),
}
PHASE_PREFIX = "Highest_Clin_Trial"
KMER = 3
PREFILTER_KEEP = 25  # candidates aligned after the k-mer prefilter


@dataclass(frozen=True)
class ReferenceBinder:
    """One therapeutic antibody's variable domains (amino acids), as published."""

    name: str
    target: str | None
    format: str | None
    heavy: str | None  # VH (or VHH)
    light: str | None  # VL, None for single-domain formats
    second_heavy: str | None  # second Fv of a bispecific
    second_light: str | None
    phase: str | None
    source: str


@dataclass(frozen=True)
class BinderMatch:
    """The closest reference binder to a query V domain."""

    name: str
    target: str | None
    identity: float  # percent identical residues over the query length
    chain: str  # "heavy", "light", "second_heavy" or "second_light"
    source: str


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.replace("\u200b", "").replace("\xa0", " ").strip()
    return None if value.lower() in MISSING else value


def parse_therasabdab(content: bytes, file_name: str) -> list[ReferenceBinder]:
    """Read a Thera-SAbDab CSV export (UTF-8, any line ends) into reference binders.

    Rows without any V-domain sequence are skipped. Raises :class:`InvalidInput` for a
    file that is not UTF-8 text, lacks a required column, or has a sequence cell that is
    not amino acids.
    """
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInput(f"not UTF-8 text (byte {error.start})", file=file_name) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise InvalidInput("empty file: no header row", file=file_name, line=1) from None
    except csv.Error as error:
        raise InvalidInput(f"unreadable CSV header: {csv_problem(error)}", file=file_name, line=1) from None
    header = [_clean(h) or "" for h in header]
    index: dict[str, int] = {}
    for field, names in COLUMNS.items():
        found = next((header.index(n) for n in names if n in header), None)
        if found is None:
            raise InvalidInput(
                f"missing column {names[0]!r}"
                + (f" (or {', '.join(repr(n) for n in names[1:])})" if len(names) > 1 else "")
                + "; is this a Thera-SAbDab export?",
                file=file_name,
                line=1,
            )
        index[field] = found
    phase_column = next((i for i, h in enumerate(header) if h.startswith(PHASE_PREFIX)), None)
    snapshot = header[phase_column] if phase_column is not None else None

    binders: list[ReferenceBinder] = []
    line = 1
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) < len(header):
                raise InvalidInput(
                    f"row has {len(row)} fields, the header has {len(header)}",
                    file=file_name, line=line,
                )
            name = _clean(row[index["name"]])
            if not name:
                raise InvalidInput("row has no Therapeutic name", file=file_name, line=line)
            try:
                name = bounds.name(name, "reference binder")
            except InvalidInput as error:
                raise InvalidInput(error.message, file=file_name, line=line) from None
            sequences = {}
            for field in ("heavy", "light", "second_heavy", "second_light"):
                value = _clean(row[index[field]])
                if value is not None:
                    value = value.upper().replace(" ", "")
                    if not set(value) <= PROTEIN_LETTERS:
                        bad = sorted(set(value) - PROTEIN_LETTERS)
                        raise InvalidInput(
                            f"column {header[index[field]]!r} is not an amino-acid sequence "
                            f"(letters {''.join(bad)!r})",
                            file=file_name, line=line, record=name,
                        )
                sequences[field] = value
            if not any(sequences.values()):
                continue
            binders.append(
                ReferenceBinder(
                    name=name,
                    target=_clean(row[index["target"]]),
                    format=_clean(row[index["format"]]),
                    phase=_clean(row[phase_column]) if phase_column is not None else None,
                    source=f"Thera-SAbDab export {file_name}, line {line}"
                    + (f" ({snapshot})" if snapshot else ""),
                    **sequences,
                )
            )
    except csv.Error as error:
        raise InvalidInput(f"unreadable CSV: {csv_problem(error)}", file=file_name, line=line) from None
    return binders


# ---------------------------------------------------------------------- matching


@lru_cache(maxsize=16384)
def _kmers(sequence: str) -> frozenset[str]:
    return frozenset(sequence[i : i + KMER] for i in range(len(sequence) - KMER + 1))


def _identity(query: str, reference: str) -> float:
    """Percent of the query's residues identical in the best local alignment."""
    alignment = blosum62_aligner("local").align(query, reference)[0]
    matches = 0
    for (q0, q1), (r0, _) in zip(*alignment.aligned):
        matches += sum(1 for i in range(q1 - q0) if query[q0 + i] == reference[r0 + i])
    return 100.0 * matches / len(query)


_CHAINS_FOR_KIND = {
    "vh": ("heavy", "second_heavy"),
    "vhh": ("heavy", "second_heavy"),
    "vl": ("light", "second_light"),
}


def closest_binder(
    domain_sequence: str, kind: str, library: list[ReferenceBinder]
) -> BinderMatch | None:
    """The reference binder whose V domain of the same kind is closest to ``domain_sequence``.

    ``kind`` is ``"vh"``, ``"vhh"`` or ``"vl"``. Candidates are ranked by shared 3-mers,
    the best :data:`PREFILTER_KEEP` are aligned (local, BLOSUM62) and the one with the
    highest identity over the query length wins. ``None`` when the library has no
    sequence of that kind.
    """
    if kind not in _CHAINS_FOR_KIND:
        raise InvalidInput(f"binder identity needs a vh, vhh or vl domain, not {kind!r}")
    query = domain_sequence.upper()
    if not query:
        return None
    query_kmers = _kmers(query)
    candidates: list[tuple[int, ReferenceBinder, str, str]] = []
    for binder in library:
        for chain in _CHAINS_FOR_KIND[kind]:
            reference = getattr(binder, chain)
            if reference:
                shared = len(query_kmers & _kmers(reference))
                candidates.append((shared, binder, chain, reference))
    if not candidates:
        return None
    candidates.sort(key=lambda c: -c[0])
    best: BinderMatch | None = None
    for _, binder, chain, reference in candidates[:PREFILTER_KEEP]:
        identity = round(_identity(query, reference), 1)
        if best is None or identity > best.identity:
            best = BinderMatch(binder.name, binder.target, identity, chain, binder.source)
    return best
