"""SQLAlchemy 2's `Session.begin_nested()` (a SAVEPOINT) over psycopg, on SQLite and DuckDB.

SQLite runs savepoints itself: a nested block rolled back undoes its writes, also after a
failed statement. DuckDB has none: the front end keeps them; a nested block that wrote
cannot be rolled back alone, and the client is told so (0A000) instead of believing it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.server import ServerProcess

pytestmark = pytest.mark.interop

sqlalchemy = pytest.importorskip("sqlalchemy")
orm = pytest.importorskip("sqlalchemy.orm")
text = sqlalchemy.text


@pytest.fixture(scope="module", params=["sqlite", "duckdb"])
def engine(request: pytest.FixtureRequest) -> Iterator[Any]:
    with ServerProcess(f"{request.param}::memory:") as server:
        url = f"postgresql+psycopg://tester@127.0.0.1:{server.port}/testdb"
        engine = sqlalchemy.create_engine(url)  # the default: the hstore probe in a SAVEPOINT
        engine.backend = request.param
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE sa_sp (a int PRIMARY KEY)"))
        try:
            yield engine
        finally:
            engine.dispose()


@pytest.fixture
def session(engine: Any) -> Iterator[Any]:
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM sa_sp"))
    with orm.Session(engine) as session:
        yield session


def stored(engine: Any) -> list[int]:
    with engine.connect() as connection:
        return list(connection.execute(text("SELECT a FROM sa_sp ORDER BY a")).scalars())


def test_nested_commit(engine: Any, session: Any) -> None:
    with session.begin():
        session.execute(text("INSERT INTO sa_sp VALUES (1)"))
        with session.begin_nested():
            session.execute(text("INSERT INTO sa_sp VALUES (2)"))
    assert stored(engine) == [1, 2]


def test_nested_read_only_rollback(engine: Any, session: Any) -> None:
    with session.begin():
        session.execute(text("INSERT INTO sa_sp VALUES (1)"))
        nested = session.begin_nested()
        assert session.execute(text("SELECT count(*) FROM sa_sp")).scalar() == 1
        nested.rollback()
        session.execute(text("INSERT INTO sa_sp VALUES (2)"))
    assert stored(engine) == [1, 2]


def test_nested_rollback_after_a_write(engine: Any, session: Any) -> None:
    session.begin()
    session.execute(text("INSERT INTO sa_sp VALUES (1)"))
    nested = session.begin_nested()
    session.execute(text("INSERT INTO sa_sp VALUES (2)"))
    if engine.backend == "duckdb":
        with pytest.raises(sqlalchemy.exc.NotSupportedError) as info:
            nested.rollback()
        assert info.value.orig.sqlstate == "0A000"
        assert "cannot roll back to savepoint" in str(info.value.orig)
        session.rollback()
        assert stored(engine) == []
        return
    nested.rollback()
    session.execute(text("INSERT INTO sa_sp VALUES (3)"))
    session.commit()
    assert stored(engine) == [1, 3]


def test_nested_rollback_after_a_failed_statement(engine: Any, session: Any) -> None:
    session.begin()
    session.execute(text("INSERT INTO sa_sp VALUES (1)"))
    nested = session.begin_nested()
    with pytest.raises(sqlalchemy.exc.IntegrityError):
        session.execute(text("INSERT INTO sa_sp VALUES (1)"))
    if engine.backend == "duckdb":
        with pytest.raises(sqlalchemy.exc.NotSupportedError) as info:
            nested.rollback()
        assert "A statement failed after it was set" in str(info.value.orig)
        session.rollback()
        assert stored(engine) == []
        return
    nested.rollback()
    session.execute(text("INSERT INTO sa_sp VALUES (2)"))
    session.commit()
    assert stored(engine) == [1, 2]
