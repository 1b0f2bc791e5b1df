"""Applications on `pgwire serve`, each module run against both backends.

`app` is a module's server: the default (an in-memory DuckDB) and `sqlite::memory:`. A
scenario that stops on a known gap of a backend runs inside `app.blocked(backend, error)`:
the test is then an expected failure (strict) for exactly that error, and passes once the
gap is closed; any other error still fails it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from tests.support.server import ServerProcess

BACKENDS = ("duckdb", "sqlite")
TARGETS = {"duckdb": None, "sqlite": "sqlite::memory:"}


class Blocked(Exception):
    """The known error a scenario stops on, on a backend that does not run it yet."""


@dataclass
class App:
    backend: str
    server: ServerProcess
    request: pytest.FixtureRequest | None = None

    def url(self, driver: str = "psycopg") -> str:
        """A SQLAlchemy URL: `postgresql+psycopg://...` or `postgresql+asyncpg://...`."""
        return f"postgresql+{driver}://tester@127.0.0.1:{self.server.port}/testdb"

    def conninfo(self) -> str:
        return self.server.conninfo()

    @contextmanager
    def blocked(self, backend: str, error: str) -> Iterator[None]:
        """On `backend`, the body is expected to fail with a message containing `error`."""
        if self.backend != backend:
            yield
            return
        assert self.request is not None
        self.request.node.add_marker(
            pytest.mark.xfail(strict=True, raises=Blocked, reason=f"{backend}: {error}")
        )
        try:
            yield
        except Exception as exc:
            if error in str(exc):
                raise Blocked(f"{backend}: {error}") from exc
            raise


@pytest.fixture(scope="module", params=BACKENDS)
def app_server(request: pytest.FixtureRequest) -> Iterator[App]:
    with ServerProcess(TARGETS[request.param]) as server:
        yield App(request.param, server)
    assert not server.alive


@pytest.fixture
def app(app_server: App, request: pytest.FixtureRequest) -> App:
    return App(app_server.backend, app_server.server, request)
