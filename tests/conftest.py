"""Shared fixtures: where the shared real-data fixtures live, and the databases under test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def skip_or_fail(reason: str) -> None:
    """Skip a test whose prerequisite is missing; under CI=true that is a failure."""
    if IN_CI:
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real public fixture files (../shared/data beside the repo)."""
    if not SHARED_DATA.is_dir():
        skip_or_fail(f"the shared real-data folder {SHARED_DATA} is absent")
    return SHARED_DATA
