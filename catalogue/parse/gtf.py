"""GTF domain annotations: read into domain drafts per sequence name, and applied to parsed sequence records."""

from __future__ import annotations

import re
from dataclasses import replace

from catalogue import bounds
from catalogue.drafts import DomainDraft, SequenceDraft
from catalogue.errors import InvalidInput
from catalogue.parse.alphabet import checked_text
from catalogue.parse.sequences import kind_from_label

# --- GTF annotations -------------------------------------------------------------------------------------------

_GTF_STRANDS = {"+": 1, "-": -1, ".": None, "?": None}
_GTF_CONTAINERS = frozenset({"transcript", "mrna", "gene"})
_GTF_LABEL_KEYS = ("exon_id", "Name", "name", "label", "Label", "gene_name", "gene_id", "transcript_id", "ID")
_GTF_LINE = re.compile(r", line (\d+)\)$")
_GTF_POSITION = re.compile(r"[-+]?[0-9]{1,30}")
_GTF_ATTRIBUTE = re.compile(r'\s*([A-Za-z_][\w.\-]*)(?:\s*=\s*|\s+)("[^"]*"|[^";\s](?:[^;"]*[^;"\s])?)\s*')
_GTF_ATTRIBUTE_PART = re.compile(r'(?:"[^"]*"|[^;"])+')


def parse_gtf(content: bytes, file_name: str) -> dict[str, list[DomainDraft]]:
    """Domains of a GTF/GFF annotation file, by the sequence name of column 1.

    One DomainDraft per feature line; ``transcript``/``mRNA`` lines, and ``gene``
    lines that name the sequence itself, are the construct as a whole and are
    skipped (``gene`` lines naming a part, as in Addgene's analyser output, are
    kept). The label is the first of the attributes exon_id, Name, label,
    gene_name, gene_id, transcript_id. GTF requires start <= end on both strands:
    a feature written with start > end (the minus-strand quirk of
    lentiviral_vector_tisacel.gtf) is an error, as are non-integer coordinates,
    a column count other than 9 and attributes that cannot be read.
    ``note`` records where the feature came from ("GTF exon (Anno_Tisacel.gtf, line 2)").
    """
    text = checked_text(content, file_name)
    annotations: dict[str, list[DomainDraft]] = {}
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        columns = line.rstrip("\r\n").split("\t")
        if len(columns) != 9:
            raise InvalidInput(f"a GTF line has 9 tab-separated columns, this one has {len(columns)}",
                               file=file_name, line=number)
        seqname, _, feature_type, start_text, end_text, _, strand_text, _, attribute_text = columns
        seqname = seqname.strip()
        if not seqname:
            raise InvalidInput("the sequence name (column 1) is empty", file=file_name, line=number)
        if not (_GTF_POSITION.fullmatch(start_text.strip()) and _GTF_POSITION.fullmatch(end_text.strip())):
            raise InvalidInput(f"start and end must be whole numbers, not {start_text[:20]!r} and {end_text[:20]!r}",
                               file=file_name, line=number, record=seqname)
        start, end = int(start_text), int(end_text)
        if start < 1:
            raise InvalidInput(f"start {start} is before position 1", file=file_name, line=number, record=seqname)
        if end > bounds.MAX_COORDINATE:
            raise InvalidInput(f"end {end} is beyond the longest sequence a record may have "
                               f"({bounds.MAX_COORDINATE:,})", file=file_name, line=number, record=seqname)
        if start > end:
            raise InvalidInput(
                f"start {start} is after end {end}; GTF needs start <= end on both strands "
                f"(a minus-strand feature is written {end} {start} with strand '-')",
                file=file_name, line=number, record=seqname)
        if strand_text.strip() not in _GTF_STRANDS:
            raise InvalidInput(f"strand must be '+', '-' or '.', not {strand_text!r}",
                               file=file_name, line=number, record=seqname)
        attributes = _gtf_attributes(attribute_text, file_name, number, seqname)
        annotations.setdefault(seqname, [])
        label = next((attributes[key] for key in _GTF_LABEL_KEYS if attributes.get(key)), None)
        kind_type = feature_type.strip().lower()
        if kind_type in _GTF_CONTAINERS and (kind_type != "gene" or label in {None, seqname}):
            continue
        label = label or feature_type.strip()
        annotations[seqname].append(DomainDraft(
            kind=kind_from_label(label), label=label, start=start, end=end,
            strand=_GTF_STRANDS[strand_text.strip()], source="annotated",
            note=f"GTF {feature_type.strip()} ({file_name}, line {number})",
        ))
    if not annotations:
        raise InvalidInput("the annotation file holds no feature line", file=file_name)
    return annotations


def _gtf_attributes(text: str, file_name: str, line: int, seqname: str) -> dict[str, str]:
    """``key "value"; key value;...`` (GTF) or ``key=value;...`` (GFF3), with or without a space after ';'."""
    attributes: dict[str, str] = {}
    if text.count('"') % 2:
        raise InvalidInput("the attributes have an unclosed quote", file=file_name, line=line, record=seqname)
    for part in _GTF_ATTRIBUTE_PART.findall(text):
        if not part.strip():
            continue
        match = _GTF_ATTRIBUTE.fullmatch(part)
        if match is None:
            raise InvalidInput(f"cannot read the attribute {part.strip()[:60]!r} (expected key \"value\")",
                               file=file_name, line=line, record=seqname)
        key, value = match.groups()
        attributes.setdefault(key, value.strip().strip('"'))
    return attributes


def apply_annotations(drafts: list[SequenceDraft], annotations: dict[str, list[DomainDraft]],
                      file_name: str) -> list[SequenceDraft]:
    """New drafts with the GTF domains added to the records they name.

    A GTF sequence name matches a record ID exactly. When the sequence file holds
    one record and the GTF names one sequence, they are taken to belong together
    even if the names differ (the Living Drugs Wiki names ``tisacel`` what its FASTA
    calls ``Tisacel_WO2021091978A1_CAR_construct``), with a warning. A name that
    matches no record, or a feature outside its record, is an error; overlapping
    features are a warning.
    """
    by_id = {draft.record_id: index for index, draft in enumerate(drafts)}
    added: dict[int, list[DomainDraft]] = {}
    notes: dict[int, list[str]] = {}
    for seqname, domains in annotations.items():
        if seqname in by_id:
            index = by_id[seqname]
        elif len(drafts) == 1 and len(annotations) == 1:
            index = 0
            notes.setdefault(0, []).append(
                f"The annotation file {file_name} names the sequence {seqname!r}, the record is "
                f"{drafts[0].record_id!r}; its features were applied because each file holds one sequence.")
        else:
            known = ", ".join(repr(draft.record_id) for draft in drafts)
            raise InvalidInput(f"the annotations name the sequence {seqname!r}, which is not in the sequence file "
                               f"({known})", file=file_name, record=seqname, line=_gtf_line(domains[:1]))
        draft = drafts[index]
        for domain in domains:
            if domain.end > draft.length:
                raise InvalidInput(
                    f"feature {domain.label!r} at {domain.start}-{domain.end} lies outside record "
                    f"{draft.record_id!r} ({draft.length} long)",
                    file=file_name, record=draft.record_id, line=_gtf_line([domain]))
        added.setdefault(index, []).extend(domains)
    result = []
    for index, draft in enumerate(drafts):
        if index not in added:
            result.append(draft)
            continue
        new_domains = [replace(domain) for domain in added[index]]
        warnings_ = list(draft.warnings) + notes.get(index, []) + _overlap_warnings(new_domains, file_name)
        result.append(replace(draft, domains=list(draft.domains) + new_domains, warnings=warnings_))
    return result


def _gtf_line(domains: list[DomainDraft]) -> int | None:
    match = _GTF_LINE.search(domains[0].note or "") if domains else None
    return int(match.group(1)) if match else None


def _overlap_warnings(domains: list[DomainDraft], file_name: str) -> list[str]:
    notes = []
    ordered = sorted(domains, key=lambda domain: (domain.start, domain.end))
    for before, after in zip(ordered, ordered[1:]):
        if after.start <= before.end:
            overlap = min(before.end, after.end) - after.start + 1
            notes.append(f"Features {before.label!r} ({before.start}-{before.end}) and {after.label!r} "
                         f"({after.start}-{after.end}) of {file_name} overlap by {overlap} bp.")
    return notes
