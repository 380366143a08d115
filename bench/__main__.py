"""``python -m bench [--quick | --tiny] [--only PART ...]``: run the benchmarks, write bench/results.json."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from bench.databases import OUT, start_postgres
from bench.runner import PARTS, RESULTS, run_benchmarks
from bench.sizes import FULL, QUICK, TINY


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="small sizes: about a minute")
    size.add_argument("--tiny", action="store_true", help="smallest sizes (the smoke test): seconds")
    parser.add_argument("--only", action="append", choices=PARTS, metavar="NAME",
                        help=f"run only this part (repeatable): {', '.join(PARTS)}")
    parser.add_argument("--merge", action="store_true",
                        help="keep figures of an earlier run in the results file that this run does not measure")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--visits", type=int, metavar="N",
                        help="browser part: visits per page and per floor (default: the size's page repeats)")
    parser.add_argument("--browser-page", action="append", default=[], metavar="TEXT",
                        help="browser part: only the pages whose label starts with TEXT (repeatable)")
    parser.add_argument("--baseline-app", type=Path, metavar="DIR",
                        help="browser part: also visit the app of this checkout (e.g. main) in the same rounds")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results file (default bench/results.json)")
    parser.add_argument("--work", type=Path, default=OUT, help="scratch folder (default bench/out, emptied first)")
    args = parser.parse_args(argv)
    sizes = TINY if args.tiny else QUICK if args.quick else FULL
    parts = tuple(p for p in PARTS if p in (args.only or PARTS))
    shutil.rmtree(args.work, ignore_errors=True)
    postgres, note = (None, "--no-postgres") if args.no_postgres else start_postgres()
    if postgres is None:
        print(f"PostgreSQL: not measured ({note})", file=sys.stderr)
    try:
        run_benchmarks(sizes, parts, postgres=postgres, work=args.work, out=args.out, postgres_note=note,
                       merge=args.merge, browser_options={"visits": args.visits, "only": tuple(args.browser_page),
                                                          "baseline_app": args.baseline_app})
    finally:
        if postgres is not None:
            postgres.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
