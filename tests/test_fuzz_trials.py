"""The trial parsers fuzzed, as the sequence parsers are: hypothesis properties, and a short atheris run.

The property, for every parser of ``fuzz.trial_targets.PARSERS``: any bytes give either drafts that the
service layer accepts as they are, or one :class:`InvalidInput` line naming the file. The examples
hypothesis and atheris found are kept at the end as ordinary tests.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from trial_samples import ONCOLOGY, RHEUMATOLOGY, sample

from catalogue import bounds
from catalogue.errors import InvalidInput
from catalogue.parse.trial_fields import normalise_date, normalise_enrollment, normalise_status
from fuzz.trial_targets import PARSERS, check_drafts

REPO_ROOT = Path(__file__).resolve().parent.parent
HARNESS = REPO_ROOT / "fuzz" / "fuzz_trials.py"
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                           HealthCheck.too_slow])


def outcome(parse, content: bytes, name: str) -> str:
    """Run one parser the way the fuzz harness does: "refused" or "accepted" (else the test fails)."""
    try:
        drafts = parse(content, "fuzzed.input")
    except InvalidInput as error:
        message = str(error)
        assert "\n" not in message and message.startswith("fuzzed.input"), message
        assert "unexpected" not in message.lower() and "Traceback" not in message, message
        return "refused"
    check_drafts(drafts, name)
    return "accepted"


@pytest.fixture(scope="module")
def real_samples(shared_data):
    return [sample(shared_data, ONCOLOGY), sample(shared_data, RHEUMATOLOGY)]


# --- single fields ---------------------------------------------------------------------------------------------

@given(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=30),
                 st.from_regex(r"[0-9,]{1,25}(\.0*)?", fullmatch=True)))
@example(float("inf"))
@example("\u0663\u0660")
@example(10**30)
def test_an_enrollment_is_a_bounded_count_or_a_value_error(raw):
    try:
        count = normalise_enrollment(raw)
    except ValueError:
        return
    assert count is None or (isinstance(count, int) and 0 <= count <= bounds.MAX_PARTICIPANTS)


@given(st.one_of(st.text(max_size=40), st.dates().map(str), st.from_regex(r"\d{1,5}([-/]\d{1,3}){0,2}", fullmatch=True),
                 st.builds(lambda m, y: f"{m} {y}", st.sampled_from(["March", "Sept", "May", "Foo"]),
                           st.integers(0, 99999))))
@example("٢٠٢٣")
@example("0000")
def test_a_date_is_iso_within_the_years_or_a_value_error(raw):
    try:
        value = normalise_date(raw)
    except ValueError:
        return
    if value is None:
        assert not raw.strip()
        return
    assert value.isascii() and len(value) in (4, 7, 10)
    assert bounds.EARLIEST_YEAR <= int(value[:4]) <= bounds.LATEST_YEAR


@given(st.text(max_size=200))
def test_a_status_fits_its_column_or_is_a_value_error(raw):
    try:
        status = normalise_status(raw)
    except ValueError:
        return
    assert status is None or (len(status) <= 40 and status == status.upper())


# --- whole files -----------------------------------------------------------------------------------------------

CELL = st.one_of(st.text(max_size=40), st.sampled_from(["", "NCT01234567", "1e12", "2023-02-30", "PHASE1|PHASE2",
                                                        "3000000000", "-1", "ACTUAL", '"', "\r\n", "\x00"]))


@given(data=st.data())
@SETTINGS
def test_real_rows_with_hostile_cells_are_stored_or_refused_in_one_line(real_samples, data):
    snapshot = data.draw(st.sampled_from(real_samples))
    changes = data.draw(st.lists(st.tuples(st.integers(0, len(snapshot.rows) - 1),
                                           st.sampled_from(snapshot.header), CELL), min_size=1, max_size=4))

    def change(rows):
        for index, column, value in changes:
            rows[index][snapshot.column(column)] = value

    content, _ = snapshot.csv(change)
    for name, parse in PARSERS:
        outcome(parse, content, name)


@given(data=st.data())
@SETTINGS
def test_real_bytes_cut_spliced_and_flipped_are_stored_or_refused(real_samples, data):
    snapshot = data.draw(st.sampled_from(real_samples))
    as_json = data.draw(st.booleans())
    content = json.dumps({"studies": snapshot.studies()}).encode() if as_json else snapshot.csv()[0]
    start = data.draw(st.integers(0, len(content)))
    end = data.draw(st.integers(start, min(len(content), start + 200)))
    insert = data.draw(st.binary(max_size=20))
    mutated = content[:start] + insert + content[end:]
    for name, parse in PARSERS:
        outcome(parse, mutated, name)


JSON_VALUE = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20)),
                          lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                  st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                          max_leaves=8)
V2_FIELDS = [("identificationModule", "nctId"), ("identificationModule", "briefTitle"),
             ("statusModule", "overallStatus"), ("statusModule", "startDateStruct"), ("designModule", "phases"),
             ("designModule", "enrollmentInfo"), ("conditionsModule", "conditions"),
             ("armsInterventionsModule", "interventions"), ("contactsLocationsModule", "locations"),
             ("sponsorCollaboratorsModule", "leadSponsor"), ("descriptionModule", "briefSummary")]


@given(data=st.data())
@SETTINGS
def test_v2_studies_with_values_of_any_json_type_are_stored_or_refused(real_samples, data):
    studies = data.draw(st.sampled_from(real_samples)).studies()
    for _ in range(data.draw(st.integers(1, 4))):
        study = studies[data.draw(st.integers(0, len(studies) - 1))]["protocolSection"]
        module, key = data.draw(st.sampled_from(V2_FIELDS))
        study.setdefault(module, {})[key] = data.draw(JSON_VALUE)
    for name, parse in PARSERS:
        outcome(parse, json.dumps({"studies": studies}).encode(), name)


# --- atheris ---------------------------------------------------------------------------------------------------


def seed_corpus(shared_data: Path, folder: Path) -> int:
    """Real trial rows as each parser's input (prefixed by the harness's parser byte): CSV and v2 JSON."""
    count = 0
    for name in (ONCOLOGY, RHEUMATOLOGY):
        snapshot = sample(shared_data, name)
        for index, _ in enumerate(PARSERS):
            (folder / f"{index}_{name}").write_bytes(bytes([index]) + snapshot.csv()[0])
            (folder / f"{index}_{name}.json").write_bytes(
                bytes([index]) + json.dumps({"studies": snapshot.studies()[:3]}, indent=1).encode())
            count += 2
    return count


def test_fuzz_harness_runs_2000_inputs_without_a_crash(shared_data: Path, tmp_path: Path):
    pytest.importorskip("atheris")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    assert seed_corpus(shared_data, corpus) >= 4
    result = subprocess.run(
        [sys.executable, str(HARNESS), "-runs=2000", "-seed=20260826", "-max_len=12000", "-timeout=20", str(corpus)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "Done 2000 runs" in output
    assert not list(tmp_path.glob("crash-*"))


# --- what the fuzzing found, kept as tests ---------------------------------------------------------------------

FOUND = [
    # JSON numbers Python reads as float("inf") or refuses to read (4,300 digits): OverflowError, ValueError
    ("json-infinity", b'[{"protocolSection": {"identificationModule": {"nctId": "NCT01234567"}, '
                      b'"designModule": {"enrollmentInfo": {"count": 1e400}}}}]', "not a whole participant count"),
    ("json-long-number", b"[" + b"9" * 4400 + b"]", "a number is too long"),
    # a title that is an object: "'dict' object has no attribute 'strip'" became "unexpected field type"
    ("json-title-object", b'[{"protocolSection": {"identificationModule": {"nctId": "NCT01234567", '
                          b'"briefTitle": {"a": 1}}}}]', "identificationModule.briefTitle is dict, not text"),
    # an enrollment in other digits than ASCII ("\u0663\u0660" is 30 in Arabic-Indic digits)
    ("csv-arabic-digits", "NCTId,BriefTitle,OverallStatus,Phase,Conditions,Interventions,EnrollmentCount\n"
                          "NCT01234567,CD19 CAR-T,RECRUITING,PHASE1,Lymphoma,CAR-T,\u0663\u0660\n".encode(),
     "not a whole number"),
    # a status longer than its column (PostgreSQL refused it with its SQL; SQLite stored it)
    ("csv-long-status", ("NCTId,BriefTitle,OverallStatus,Phase,Conditions,Interventions\n"
                         "NCT01234567,CD19 CAR-T," + "RECRUITING " * 10 + ",PHASE1,Lymphoma,CAR-T\n").encode(),
     "longer than 40 characters"),
    # csv's own words: "unexpected end of data"
    ("csv-open-quote", b'NCTId,BriefTitle,OverallStatus,Phase,Conditions,Interventions\nNCT01234567,"CD19',
     "a quoted field is never closed"),
    # a date 5 digits long, a year 0
    ("csv-year-0", b"NCTId,BriefTitle,OverallStatus,Phase,Conditions,Interventions,StartDate\n"
                   b"NCT01234567,CD19 CAR-T,RECRUITING,PHASE1,Lymphoma,CAR-T,0000-01\n", "outside 1900-2100"),
]


@pytest.mark.parametrize("case, content, words", FOUND, ids=[c[0] for c in FOUND])
def test_what_the_fuzzing_found_is_refused_in_words(case, content, words):
    with pytest.raises(InvalidInput) as refused:
        PARSERS[0][1](content, f"{case}.input")
    message = str(refused.value)
    assert words in message and "\n" not in message and "unexpected" not in message, message


def test_the_harness_takes_a_list_of_parsers():
    assert isinstance(PARSERS, list) and all(callable(parse) for _, parse in PARSERS)
    csv_text = io.StringIO()
    csv.writer(csv_text).writerow(["NCTId", "BriefTitle", "OverallStatus", "Phase", "Conditions", "Interventions"])
    assert outcome(PARSERS[0][1], csv_text.getvalue().encode(), PARSERS[0][0]) == "refused"  # header only
