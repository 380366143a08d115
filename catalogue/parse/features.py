"""Annotated features of GenBank, EMBL and SnapGene records as domains, and domain kinds from labels.

Biopython reads every one of these formats into ``SeqFeature`` objects; :func:`feature_domains` turns the
features that name a part of the construct into :class:`~catalogue.drafts.DomainDraft` objects, with the same
rules for every format: a feature outside the sequence is an error, a feature on another record (a remote
location such as ``U01210.1:1212..2756``) is left out with a warning, a feature running across the origin keeps
``start > end`` on a circular record and is refused on a linear one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from Bio.SeqFeature import CompoundLocation, SeqFeature

from catalogue.drafts import DomainDraft, Topology
from catalogue.errors import InvalidInput

KIND_NOTE_PREFIX = "catalogue:"
"""Start of the ``/note`` that :mod:`catalogue.export` writes to carry a domain's kind (``catalogue: kind=hinge; ...``)."""

# GenBank feature keys that mark variation, sequencing or assembly notes rather than a part of the construct.
_NON_PART_FEATURES = frozenset({
    "source", "variation", "misc_difference", "conflict", "unsure", "old_sequence", "gap", "assembly_gap",
    "modified_base", "primer_bind", "primer", "STS", "misc_recomb",
})

# --- domain kinds from labels ----------------------------------------------------------------------------------

# Ordered: the first rule whose pattern is found in the lower-cased label decides. Labels naming two kinds at
# once (a CD8 "hinge-TM" region "CD8HTMD") stay "other" on purpose.
_KIND_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("other", r"\dhtmd?(?![a-z])|(?<![a-z])htmd?(?![a-z])|hinge.{0,6}(tm|transmembrane)"),
        ("signal_peptide", r"signal.?pep|signal.?seq|sig_?peptide|leader|(?<![a-z])sp(?![a-z0-9])|\dsp$|csf2ra|gm-?csf"),
        ("cleavage_2a", r"(?<![a-z0-9])[tpef]2a(?![a-z0-9])|2a.?peptide"),
        ("tcr_alpha_variable", r"(?<![a-z])trav|tcr.?alpha.?variable|v.?alpha(?![a-z])"),
        ("tcr_beta_variable", r"(?<![a-z])trbv|tcr.?beta.?variable|v.?beta(?![a-z])"),
        ("tcr_constant", r"(?<![a-z])tr[ab]c(?![a-z])|tcr.?(alpha|beta)?.?constant"),
        ("vhh", r"vhh|nanobody|single.?domain.?antibody"),
        ("vh", r"(?<![a-z])vh(?![a-z])|heavy.?chain.?variable|variable.?heavy"),
        ("vl", r"(?<![a-z])v[lk](?![a-z])|light.?chain.?variable|variable.?light"),
        ("linker", r"linker|g4s|whitlow|(gggg?s){2,}"),
        ("hinge", r"hinge"),
        ("transmembrane", r"transmembrane|tmd|(?<![a-z])tm(?![a-z])"),
        ("costimulatory", r"cd137|4-?1bb|tnfrsf9|costim|ox40|icos|cd28.{0,4}(cyto|sd|signal|costim)"),
        ("signalling", r"cd3.?(z|zeta|ζ)|cd247|itam|fc.?r.?i?.?gamma"),
        ("marker", r"egfrt|tegfr|truncated.?egfr|lngfr|rqr8|marker"),
    )
)


_ANY_KIND = re.compile("|".join(f"(?:{pattern.pattern})" for _, pattern in _KIND_RULES))


@lru_cache(maxsize=8192)
@lru_cache(maxsize=4096)  # labels recur from record to record ("CD8α hinge", "4-1BB")
def kind_from_label(label: str) -> str:
    """The domain kind a label obviously names (``"CD8SP"`` → ``signal_peptide``), else ``"other"``.

    Gene names stand for a kind only where CAR designs use that gene for one part
    alone: CD247 (CD3ζ) → signalling, TNFRSF9/CD137 (4-1BB) → costimulatory,
    CSF2RA (GM-CSF receptor α) → signal peptide. "CD28" alone stays ``other``
    because CAR CD28 segments often span hinge, TM and costimulatory domain.
    """
    text = label.lower()
    if not _ANY_KIND.search(text):
        return "other"
    for kind, pattern in _KIND_RULES:
        if pattern.search(text):
            return kind
    return "other"


def _kind_note(note: str | None) -> dict[str, str]:
    """The ``key=value`` fields of a ``catalogue: kind=...; source=...`` note written by the exporter."""
    if not note or not note.startswith(KIND_NOTE_PREFIX):
        return {}
    fields = {}
    for part in note[len(KIND_NOTE_PREFIX):].split(";"):
        key, sep, value = part.partition("=")
        if sep:
            fields[key.strip()] = value.strip()
    return fields


# --- features as domains ---------------------------------------------------------------------------------------


def feature_domains(features: list[SeqFeature], length: int, topology: Topology, where: dict,
                    line_of_feature: Callable[[int], int | None]) -> tuple[list[DomainDraft], list[str]]:
    """DomainDrafts for the features that name a part, and warnings for features left out.

    ``where`` holds the file, record and line for errors; ``line_of_feature(n)`` gives the file line of the
    n-th feature (None where the format has no lines). Errors: a location that cannot be read, a feature
    outside the sequence, a feature whose parts run backwards across the origin of a linear record.
    """
    domains: list[DomainDraft] = []
    notes: list[str] = []

    def error(message: str, number: int) -> InvalidInput:
        line = line_of_feature(number)
        return InvalidInput(message, file=where["file"], record=where["record"],
                            line=line if line is not None else where["line"])

    for number, feature in enumerate(features):
        location = feature.location
        if location is None:
            raise error(f"the location of {feature.type} feature #{number + 1} cannot be parsed", number)
        parts = location.parts
        remote = next((part.ref for part in parts if part.ref), None)
        if remote is not None:
            notes.append(f"The {feature.type} feature at {location_text(feature)} lies on another record "
                         f"({remote}); it was not kept as a domain.")
            continue
        compound = isinstance(location, CompoundLocation)
        if any(part.end > length or part.start < 0 for part in parts):
            raise error(f"{feature.type} feature at {location_text(feature)} lies outside the {length}-long sequence",
                        number)
        if compound and topology == "linear" and _runs_backwards(location):
            raise error(f"{feature.type} feature at {location_text(feature)} runs backwards across the origin, but "
                        "the record is linear: only a circular molecule has an origin to cross (make the record "
                        "circular, or give the parts as separate features)", number)
        if feature.type in _NON_PART_FEATURES:
            continue
        qualifiers = feature.qualifiers
        notes_of_feature = qualifiers.get("note")
        label_values = qualifiers.get("label") or qualifiers.get("product")
        from_note = False
        if not label_values:
            if "label" not in qualifiers and "product" not in qualifiers and notes_of_feature is None:
                continue  # a feature that names nothing is not a part
            label_values = qualifiers.get("gene") or notes_of_feature
            from_note = label_values is notes_of_feature
        if not label_values or (not compound and location.end == location.start):
            continue
        label = " ".join(str(label_values[0]).split())
        if from_note:
            label = label.split("; ")[0]  # NCBI notes: "Walker A motif; other site"
        note = " ".join(str(notes_of_feature[0]).split()) if notes_of_feature else None
        fields = _kind_note(note) if note and note.startswith(KIND_NOTE_PREFIX) else {}
        if fields.get("kind"):
            kind = fields["kind"]
        elif feature.type == "sig_peptide":
            kind = "signal_peptide"
        else:
            kind = kind_from_label(label)
        start, end = _span(location, length, topology) if compound else (int(location.start) + 1, int(location.end))
        strand = location.strand
        domains.append(DomainDraft(kind=kind, label=label, start=start, end=end,
                                   strand=strand if strand in (1, -1) else None, source="annotated",
                                   identity=_number(fields.get("identity")), reference=fields.get("reference"),
                                   note=note))
    return domains, notes


def location_text(feature: SeqFeature) -> str:
    """The feature's location in GenBank's 1-based words (``join(50..57,1..10)``, ``U01210.1:1212..2756``)."""
    parts = feature.location.parts
    words = [f"{part.ref + ':' if part.ref else ''}{int(part.start) + 1}..{int(part.end)}" for part in parts]
    return words[0] if len(words) == 1 else f"join({','.join(words)})"


def _runs_backwards(location: CompoundLocation) -> bool:
    """True when the parts, in the order the feature reads them, go back along the sequence.

    INSDC lists the parts of a join in reading order: ascending on the forward strand, descending on the
    reverse strand (Biopython keeps that order, reversing ``complement(join(...))`` for us). Mixed strands
    (trans-splicing) are not judged.
    """
    parts = location.parts
    strands = {part.strand for part in parts}
    if strands == {-1}:
        parts = parts[::-1]
    elif len(strands - {1, None}) > 0:
        return False
    return any(later.start < earlier.start for earlier, later in zip(parts, parts[1:]))


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _span(location, length: int, topology: Topology) -> tuple[int, int]:
    """1-based start and end; an origin-spanning join on a circular record keeps start > end."""
    parts = location.parts
    if isinstance(location, CompoundLocation) and topology == "circular" and len(parts) == 2:
        tail = next((part for part in parts if part.end == length), None)
        head = next((part for part in parts if part.start == 0), None)
        if tail is not None and head is not None and tail is not head:
            return int(tail.start) + 1, int(head.end)
    return int(location.start) + 1, int(location.end)
