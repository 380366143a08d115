"""Atheris fuzz harness for the sequence-file and GTF parsers.

InvalidInput is the expected answer to bad bytes; any other exception, and any
Biopython warning leaking out, is a crash. The first byte of an input picks the
target, so one corpus drives all four:

* ``0``: :func:`parse_sequence_file` on the rest (sniffed GenBank / EMBL / SnapGene / FASTA),
* ``1``: :func:`parse_gtf` on the rest,
* ``2``: :func:`parse_sequence_file` with ``molecule="DNA"``, a small length cap,
  then :func:`apply_annotations` of the rest parsed as a GTF when both parse,
* ``3``: :func:`expanded` on the rest as a compressed upload (.gz or .zip), then
  :func:`parse_sequence_file` on each file inside, under a 1 MiB cap.

Run: ``python fuzz/fuzz_sequences.py -runs=100000 CORPUS_DIR`` (seed CORPUS_DIR
with real GenBank/EMBL/SnapGene/FASTA/GTF files and archives of them prefixed by
a target byte, as tests/test_fuzz_smoke.py does).
"""

from __future__ import annotations

import os
import sys
import warnings

import atheris

os.environ.setdefault("CATALOGUE_MAX_UPLOAD_BYTES", str(1 << 20))  # archives: a bomb is refused at 1 MiB

with atheris.instrument_imports(include=["catalogue", "Bio.GenBank", "Bio.SeqFeature", "Bio.SeqIO.SnapGeneIO"]):
    from catalogue.errors import InvalidInput
    from catalogue.export import to_fasta, to_genbank
    from catalogue.parse.archives import expanded
    from catalogue.parse.gtf import apply_annotations, parse_gtf
    from catalogue.parse.sequences import parse_sequence_file


def check_sequence_file(content: bytes, name: str = "fuzzed.gb", **options) -> list:
    """Parse, and for what parses, check the export round trip keeps the checksum."""
    drafts = parse_sequence_file(content, name, **options)
    for draft in drafts:
        (back,) = parse_sequence_file(to_genbank(draft).encode(), "exported.gb")
        if back.checksum != draft.checksum or back.sequence != draft.sequence:
            raise AssertionError(f"GenBank export of {draft.record_id!r} does not round-trip")
        if draft.molecule == "DNA":
            (again,) = parse_sequence_file(to_fasta(draft).encode(), "exported.fasta", molecule="DNA")
            if again.checksum != draft.checksum:
                raise AssertionError(f"FASTA export of {draft.record_id!r} does not round-trip")
    return drafts


def TestOneInput(data: bytes) -> None:  # noqa: N802 - the name atheris calls
    if not data:
        return
    target, content = data[0] % 4, data[1:]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a Biopython warning escaping the parser boundary is a bug
        try:
            if target == 0:
                check_sequence_file(content)
            elif target == 1:
                parse_gtf(content, "fuzzed.gtf")
            elif target == 3:
                for name, member in expanded("fuzzed.zip", content):
                    try:
                        check_sequence_file(member, name)
                    except InvalidInput:
                        pass
            else:
                half = len(content) // 2
                drafts = check_sequence_file(content[:half], molecule="DNA", max_length=5000)
                apply_annotations(drafts, parse_gtf(content[half:], "fuzzed.gtf"), "fuzzed.gtf")
        except InvalidInput:
            pass


def main() -> None:
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
