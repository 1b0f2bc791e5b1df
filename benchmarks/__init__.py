"""Reproducible benchmarks of pgwire, run side by side with PostgreSQL 15.

`python -m benchmarks --help` lists the options; `make bench` and `make bench-smoke` run them.
"""
