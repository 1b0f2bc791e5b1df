"""Helpers shared by the test suite and the benchmarks (not tests themselves)."""
