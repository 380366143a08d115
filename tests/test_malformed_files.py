"""Every file of the malformed corpus (malformed_corpus.py) is refused by the parsers with a clear error.

The InvalidInput's message matches what the case expects, and it names the file and, where one exists, the
record and the line.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from malformed_corpus import CASES, Case

from catalogue.errors import InvalidInput
from catalogue.parse.gtf import apply_annotations, parse_gtf
from catalogue.parse.sequences import parse_sequence_file


def test_corpus_is_large_and_ids_are_unique():
    assert len(CASES) >= 40
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_malformed_input_is_refused_with_a_clear_error(case: Case, shared_data: Path):
    built = case.build(shared_data)
    with pytest.raises(InvalidInput) as caught:
        if built.gtf_only:
            parse_gtf(built.content, built.file_name)
        else:
            drafts = parse_sequence_file(built.content, built.file_name, **built.options)
            if built.gtf is None:
                pytest.fail(f"{case.id}: parsed without error into {[d.record_id for d in drafts]}")
            gtf_content, gtf_name = built.gtf
            apply_annotations(drafts, parse_gtf(gtf_content, gtf_name), gtf_name)
    error = caught.value
    expected_file = built.gtf[1] if built.gtf else built.file_name
    assert error.file == expected_file
    assert re.search(built.message, error.message), error.message
    if built.line is not None:
        assert error.line == built.line, str(error)
    if built.record is not None:
        assert error.record == built.record, str(error)
    assert str(error).startswith(expected_file)
    assert "Traceback" not in str(error)
