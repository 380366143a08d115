"""What the benchmarks ran on: CPU, cores, memory, Python, SQLite and PostgreSQL versions."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
import sys
from pathlib import Path


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def postgres_version() -> str | None:
    """The version of the PostgreSQL server binaries the throwaway server would use."""
    from catalogue.db.throwaway_postgres import find_bindir

    bindir = find_bindir()
    if bindir is None:
        return None
    try:
        out = subprocess.run([str(bindir / "postgres"), "--version"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip()


def describe_machine() -> dict[str, object]:
    import sqlalchemy
    import streamlit

    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres_version(),
        "sqlalchemy": sqlalchemy.__version__,
        "streamlit": streamlit.__version__,
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
    }
