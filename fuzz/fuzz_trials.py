"""Atheris fuzz harness for the trial-file parsers (:data:`fuzz.trial_targets.PARSERS`).

InvalidInput is the expected answer to bad bytes; any other exception is a crash, and so is a draft
that the service layer would refuse (see :func:`fuzz.trial_targets.check_drafts`). The first byte of an
input picks the parser (modulo the number of parsers), so one corpus drives them all.

Run: ``python fuzz/fuzz_trials.py -runs=100000 CORPUS_DIR`` (seed CORPUS_DIR with real trial files
prefixed by a parser byte, as tests/test_fuzz_trials.py does).
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

with atheris.instrument_imports(include=["catalogue.parse"]):
    from catalogue.errors import InvalidInput
    from fuzz.trial_targets import PARSERS, check_drafts


def TestOneInput(data: bytes) -> None:  # noqa: N802 - the name atheris calls
    if not data:
        return
    name, parse = PARSERS[data[0] % len(PARSERS)]
    try:
        drafts = parse(data[1:], "fuzzed.input")
    except InvalidInput as error:
        if "\n" in str(error):
            raise AssertionError(f"{name}: a refusal of more than one line: {error!s:.200}") from None
        return
    check_drafts(drafts, name)


def main() -> None:
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
