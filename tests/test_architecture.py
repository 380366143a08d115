"""The layers are checked, not remembered: import-linter's contracts in pyproject.toml hold, and break when broken."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=root, env=env, capture_output=True, text=True,
                          timeout=120)


def test_import_contracts_hold():
    result = _lint(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_parser_that_imports_the_database_breaks_the_contract(tmp_path):
    shutil.copytree(REPO / "catalogue", tmp_path / "catalogue", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    parser = tmp_path / "catalogue" / "parse" / "gtf.py"
    parser.write_text(parser.read_text() + "\nfrom catalogue.db.models import Domain  # a parser writing rows\n")
    result = _lint(tmp_path)
    assert result.returncode == 1
    assert "Parsers, detection and preparation never touch the database" in result.stdout
    assert "catalogue.parse.gtf -> catalogue.db.models" in result.stdout


def test_streamlit_only_in_the_ui():
    outside = [
        path.relative_to(REPO).as_posix()
        for path in (REPO / "catalogue").rglob("*.py")
        if "ui" not in path.relative_to(REPO / "catalogue").parts[:1] and "import streamlit" in path.read_text()
    ]
    assert outside == []


def test_the_service_layer_exports_actions_not_units():
    """Every function catalogue.curation exports takes no session: units (which run inside a caller's
    transaction and check no role) stay inside the package."""
    import inspect

    from catalogue import curation

    exported = [getattr(curation, name) for name in curation.__all__]
    functions = [f for f in exported if inspect.isfunction(f)]
    assert len(functions) > 15
    assert [f.__name__ for f in functions if "session" in inspect.signature(f).parameters] == []
    assert not [name for name in curation.__all__ if name.startswith("_")]
