"""Fixtures shared by the whole test suite.

Sections: environment, PostgreSQL 15 (reference server), and room below for the pgwire server
fixtures.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# `python -m pytest` (make test, CI) puts the repository root on sys.path; plain `pytest` does
# not. Either way `tests.support` must import the same.
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from tests.support.postgres import PostgresNotFound, TempPostgres, find_bindir  # noqa: E402

# --------------------------------------------------------------------------------------------
# Environment


def in_ci() -> bool:
    """True under CI (CI=true): a missing dependency fails there instead of skipping."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def skip_or_fail(reason: str) -> None:
    """Skip locally; fail under CI, so a missing install is never silently skipped."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: not skipping)", pytrace=False)
    pytest.skip(reason)


# --------------------------------------------------------------------------------------------
# PostgreSQL 15: the reference server


@pytest.fixture(scope="session")
def postgres15() -> Iterator[TempPostgres]:
    """A throwaway PostgreSQL 15 cluster shared by the session (see tests/support/postgres.py).

    Tests must not leave state behind that others could see: create what you need in a
    schema or database of your own, or in a transaction you roll back.
    """
    try:
        find_bindir()
    except PostgresNotFound as exc:
        skip_or_fail(str(exc))
    with TempPostgres() as pg:
        yield pg


# --------------------------------------------------------------------------------------------
# pgwire server fixtures
