"""Benchmarks of the catalogue: import, trials, read queries, page reruns and app memory.

Run ``python -m bench [--quick | --tiny] [--only NAME ...]``; each part prints a table,
the run ends with the ratios against baselines measured in the same run, and the
figures go to ``bench/results.json``. See BENCHMARKS.md.
"""
