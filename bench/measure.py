"""Timing, percentiles and plain-text tables shared by the benchmark parts."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The ``fraction`` quantile (0..1) of ``samples`` by linear interpolation between ranks."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = (len(ordered) - 1) * fraction
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def time_once(action: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds one call of ``action`` takes, and what it returned."""
    started = time.perf_counter()
    value = action()
    return time.perf_counter() - started, value


def repeat_ms(action: Callable[[], Any], repeats: int, warmup: int = 1, *, max_seconds: float = 30.0,
              min_repeats: int = 5) -> list[float]:
    """Milliseconds of ``repeats`` calls of ``action`` after ``warmup`` untimed calls.

    A very slow action stops after ``max_seconds`` once it has ``min_repeats`` samples.
    """
    for _ in range(warmup):
        action()
    samples: list[float] = []
    budget_end = time.perf_counter() + max_seconds
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
        if len(samples) >= min_repeats and time.perf_counter() > budget_end:
            break
    return samples


def table(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A left-aligned plain-text table with a title line."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(header)]
    lines = [f"\n== {title}", "  ".join(h.ljust(w) for h, w in zip(header, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in cells]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        if value >= 100:
            return f"{value:,.0f}"
        if value >= 1:
            return f"{value:.2f}"
        return f"{value:.3f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
