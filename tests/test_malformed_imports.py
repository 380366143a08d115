"""The malformed-file corpus through the service layer: each import is refused and the database is unchanged.

Row counts and a checksum of every table's content are compared before and after, on both backends,
with the demo catalogue loaded (so there is something to damage).
"""

from __future__ import annotations

import pytest
from database_support import database_checksum
from malformed_corpus import CASES

from catalogue import curation, read


@pytest.fixture(scope="module")
def corpus(shared_data):
    return [(case.id, case.build(shared_data)) for case in CASES if not case.build(shared_data).gtf_only]


def test_every_malformed_file_is_refused_and_changes_nothing(engine, corpus, monkeypatch):
    assert len(corpus) >= 40
    actor = curation.local_operator()
    curation.load_demo(engine, actor)
    before = (read.row_counts(engine), database_checksum(engine))
    for case_id, built in corpus:
        gtf, gtf_name = built.gtf if built.gtf else (None, None)
        if "max_length" in built.options:
            monkeypatch.setenv("CATALOGUE_MAX_SEQUENCE_LENGTH", str(built.options["max_length"]))
        else:
            monkeypatch.delenv("CATALOGUE_MAX_SEQUENCE_LENGTH", raising=False)
        report = curation.import_sequences(engine, actor, built.file_name, built.content,
                                           construct=f"corpus {case_id}", annotations=gtf, annotations_name=gtf_name,
                                           molecule=built.options.get("molecule"))
        assert not report.ok, case_id
        assert report.error.startswith(gtf_name or built.file_name), (case_id, report.error)
        assert "Traceback" not in report.error
    assert (read.row_counts(engine), database_checksum(engine)) == before


def test_the_corpus_as_one_batch_gives_each_file_the_same_refusal(engine, corpus):
    """import_sequence_files parses in a second process: the errors cross it unchanged and nothing is written."""
    actor = curation.local_operator()
    curation.load_demo(engine, actor)
    plain = [(case_id, built) for case_id, built in corpus if not built.gtf and not built.options]
    assert len(plain) >= 30
    before = (read.row_counts(engine), database_checksum(engine))
    one_by_one = [curation.import_sequences(engine, actor, built.file_name, built.content).error
                  for _, built in plain]
    reports = curation.import_sequence_files(engine, actor, [(built.file_name, built.content) for _, built in plain])
    assert [r.file for r in reports] == [built.file_name for _, built in plain]
    assert [r.error for r in reports] == one_by_one
    assert all(error for error in one_by_one)
    assert (read.row_counts(engine), database_checksum(engine)) == before
