"""pandas over SQLAlchemy (psycopg): `DataFrame.to_sql(if_exists="replace")` with pandas'
row-by-row executemany (`method=None`) and with multi-row INSERTs (`method="multi"`), read
back with `read_sql`, `read_sql_query` with parameters and `read_sql_table`: integers,
floats, strings, timestamps (with fractions of a second) and booleans, each with NULLs,
come back as written.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.apps.conftest import App

pd = pytest.importorskip("pandas")
sqlalchemy = pytest.importorskip("sqlalchemy")

pytestmark = pytest.mark.interop


def frame() -> Any:
    return pd.DataFrame(
        {
            "i": pd.array([1, 2, None, -(2**40)], dtype="Int64"),
            "f": [1.5, None, -2.25, 1e-9],
            "s": ["a", None, "ü ☃", ""],
            "t": pd.to_datetime(
                ["2024-01-02 03:04:05", None, "2023-12-31 23:59:59.500000", "1999-02-28 00:00:00"],
                format="ISO8601",
            ),
            "b": pd.array([True, False, None, True], dtype="boolean"),
        }
    )


def values(column: Any) -> list[Any]:
    """A column's values, any kind of missing value as None."""
    return [None if pd.isna(v) else v for v in column.tolist()]


@pytest.fixture
def engine(app: App) -> Iterator[Any]:
    engine = sqlalchemy.create_engine(app.url())
    try:
        yield engine
    finally:
        with engine.begin() as conn:
            conn.execute(sqlalchemy.text("drop table if exists frame"))
        engine.dispose()


@pytest.mark.parametrize("method", [None, "multi"])
def test_round_trip(engine: Any, method: str | None) -> None:
    written = frame()
    written.iloc[:2].to_sql("frame", engine, if_exists="replace", index=False, method=method)
    written.to_sql("frame", engine, if_exists="replace", index=False, method=method)

    back = pd.read_sql("select * from frame", engine, dtype_backend="numpy_nullable")
    assert list(back.columns) == ["i", "f", "s", "t", "b"]
    assert back["i"].dtype == pd.Int64Dtype()
    assert back["f"].dtype == pd.Float64Dtype()
    assert pd.api.types.is_string_dtype(back["s"].dtype)
    assert back["t"].dtype == written["t"].dtype
    assert back["b"].dtype == pd.BooleanDtype()
    for name in back.columns:  # to the microsecond, NULLs where they were
        assert values(back[name]) == values(written[name]), name


def test_read_sql_query_with_parameters(engine: Any) -> None:
    frame().to_sql("frame", engine, if_exists="replace", index=False)
    found = pd.read_sql_query(
        sqlalchemy.text("select i, s, t from frame where i >= :low and b order by i"),
        engine,
        params={"low": 0},
    )
    assert found.to_dict("list") == {
        "i": [1],
        "s": ["a"],
        "t": [pd.Timestamp("2024-01-02 03:04:05")],
    }
    by_time = pd.read_sql_query(
        "select count(*) as n from frame where t > %(after)s",
        engine,
        params={"after": pd.Timestamp("2023-12-31 23:59:59.25").to_pydatetime()},
    )
    assert by_time["n"].tolist() == [2]
    table = pd.read_sql_table("frame", engine)  # the table reflected, then read
    assert list(table.columns) == ["i", "f", "s", "t", "b"]
    assert table["t"].dtype == frame()["t"].dtype
    assert values(table["t"]) == values(frame()["t"])
