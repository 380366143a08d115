"""What the trial fuzzing drives: the trial-file parsers, and what every draft they return must satisfy.

:data:`PARSERS` is a list of ``(name, parse)`` pairs, ``parse(content: bytes, file_name: str)`` returning
trial drafts or raising :class:`~catalogue.errors.InvalidInput`; add a new registry's parser by appending
it (e.g. a WHO ICTRP XML parser). :func:`check_drafts` is the oracle: whatever a parser accepts, the
service layer must accept too (bounds, dates, column widths), and it must be plain data.

Used by ``fuzz/fuzz_trials.py`` (atheris) and ``tests/test_fuzz_trials.py`` (hypothesis).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict

from catalogue.curation.trials import _validate_trial
from catalogue.drafts import TrialDraft
from catalogue.parse.trials import parse_trial_file

Parser = Callable[[bytes, str], list]

PARSERS: list[tuple[str, Parser]] = [
    ("registry CSV or ClinicalTrials.gov JSON", parse_trial_file),
]


def check_drafts(drafts: list, parser_name: str) -> None:
    """Raise AssertionError when a parser returned something the catalogue could not store as it is."""
    if not isinstance(drafts, list) or not drafts:
        raise AssertionError(f"{parser_name} returned {type(drafts).__name__} {drafts!r:.80}, not a list of drafts")
    seen = set()
    for draft in drafts:
        if not isinstance(draft, TrialDraft):
            raise AssertionError(f"{parser_name} returned a {type(draft).__name__}")
        if draft.registry_id in seen:
            raise AssertionError(f"{parser_name} returned {draft.registry_id} twice")
        seen.add(draft.registry_id)
        _validate_trial(draft)  # raises InvalidInput: the parser let through what the service layer refuses
        json.dumps(asdict(draft))  # plain data, as the audit trail stores it
        if draft.start_date is not None and draft.start_year != int(draft.start_date[:4]):
            raise AssertionError(f"{parser_name}: start year of {draft.registry_id} does not match its date")
