"""A short, bounded atheris run of fuzz/fuzz_sequences.py seeded with the real files: it must find no crash."""

from __future__ import annotations

import gzip
import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
HARNESS = REPO_ROOT / "fuzz" / "fuzz_sequences.py"


def seed_corpus(shared_data: Path, folder: Path) -> int:
    """Real files, each prefixed with the harness's target byte (0 sequence file, 1 GTF, 2 file + GTF, 3 archive)."""
    sequences = shared_data / "sequences"
    count = 0
    for path in sorted([*sequences.iterdir(), *(sequences / "formats").iterdir()]):
        if path.suffix in {".fasta", ".gb", ".gbk", ".embl", ".dna"} and path.stat().st_size < 20_000:
            (folder / f"seq_{path.name}").write_bytes(b"\x00" + path.read_bytes())
            count += 1
        elif path.suffix == ".gtf":
            (folder / f"gtf_{path.name}").write_bytes(b"\x01" + path.read_bytes())
            count += 1
    pair = (sequences / "Tisacel_patentUS9499629B2.fasta").read_bytes() + (sequences / "Anno_Tisacel.gtf").read_bytes()
    (folder / "pair_tisacel").write_bytes(b"\x02" + pair)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("maps/sample-e.dna", (sequences / "formats" / "sample-e.dna").read_bytes())
        zipped.writestr("T2A.gb", (sequences / "T2A.gb").read_bytes())
    (folder / "archive_zip").write_bytes(b"\x03" + archive.getvalue())
    wrapped = (sequences / "formats" / "location_wrap.embl").read_bytes()
    (folder / "archive_gz").write_bytes(b"\x03" + gzip.compress(wrapped))
    return count + 3


def test_fuzz_harness_runs_2000_inputs_without_a_crash(shared_data: Path, tmp_path: Path):
    pytest.importorskip("atheris")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    assert seed_corpus(shared_data, corpus) >= 30
    result = subprocess.run(
        [sys.executable, str(HARNESS), "-runs=2000", "-seed=20240601", "-max_len=20000", "-timeout=20",
         str(corpus)],
        cwd=tmp_path, capture_output=True, text=True, timeout=240,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "Done 2000 runs" in output
    assert not list(tmp_path.glob("crash-*"))
