"""How big each benchmark run is: full, quick (about a minute) and tiny (the smoke test)."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Sizes:
    """Workload sizes of one run."""

    mode: str
    records: int  # GenBank records imported
    records_per_file: int
    detect_records: int  # records imported with domain detection (detection is ~tens of ms each)
    constructs: int  # generated catalogue for the read queries and pages
    trials: int
    domains: int
    query_repeats: int  # timed calls per read query (after one warm-up call)
    page_repeats: int  # timed reruns per page

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


FULL = Sizes("full", 10_000, 100, 300, 100_000, 50_000, 1_000_000, 40, 5)
QUICK = Sizes("quick", 500, 100, 100, 2_000, 1_000, 20_000, 20, 3)
TINY = Sizes("tiny", 20, 10, 3, 200, 100, 2_000, 5, 1)

BY_MODE = {s.mode: s for s in (FULL, QUICK, TINY)}
