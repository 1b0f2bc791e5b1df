"""--workers N: several processes behind one port; cancel requests find the right one."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import psycopg
import pytest

from tests.support.server import ServerProcess


@pytest.fixture(scope="module")
def workers() -> Iterator[ServerProcess]:
    with ServerProcess("tests.support.sleepy:handler", "--workers", "2") as server:
        yield server


def test_connections_are_spread_and_served(workers: ServerProcess) -> None:
    os_pids = set()
    for _ in range(12):
        with psycopg.connect(workers.conninfo(), autocommit=True) as conn:
            row = conn.execute("select 1", prepare=False).fetchone()
            assert row is not None
            os_pids.add(row[0])
    assert 1 <= len(os_pids) <= 2


def test_cancel_reaches_the_right_worker(workers: ServerProcess) -> None:
    # Each cancel request opens a new connection, which may land on either worker: over
    # several rounds both the direct and the forwarded path are taken.
    for _ in range(6):
        with psycopg.connect(workers.conninfo(), autocommit=True) as conn:
            errors: list[BaseException] = []

            def sleep(
                conn: psycopg.Connection = conn, errors: list[BaseException] = errors
            ) -> None:
                try:
                    conn.execute("select pg_sleep(30)")
                except BaseException as exc:
                    errors.append(exc)

            worker = threading.Thread(target=sleep)
            started = time.monotonic()
            worker.start()
            time.sleep(0.2)
            conn.cancel()
            worker.join(20)
            assert time.monotonic() - started < 10
            assert len(errors) == 1 and isinstance(errors[0], psycopg.errors.QueryCanceled)


def test_duckdb_refuses_workers() -> None:
    server = ServerProcess(None, "--workers", "2", unix_socket=False)
    with pytest.raises(RuntimeError, match="does not allow several processes"):
        server.start(timeout=10)
