"""Extended query, message by message, against PostgreSQL 15 and pgwire (DuckDB) alike.

Each test sends the same messages to both servers and compares what comes back, so the
reference for every detail (tags, PortalSuspended, skip-until-Sync, SQLSTATEs) is the real
thing rather than our reading of the docs.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pgwire.protocol import messages as m
from tests.support.postgres import TempPostgres
from tests.support.rawclient import RawClient, summary
from tests.support.server import ServerProcess

pytestmark = pytest.mark.interop

FIVE = "select a from (values (1), (2), (3), (4), (5)) as t(a) order by a"
FOUR = "select a from (values (1), (2), (3), (4)) as t(a) order by a"

Scenario = Callable[[RawClient], list[str]]


# PostgreSQL analyses a statement at Parse. pgwire checks its grammar there (the backend's
# parser, once per text) and leaves the rest (names, types) to the backend at Execute: a
# second round trip per statement would halve the speed of every extended-query client. Such
# an error then comes a message later, after ParseComplete/BindComplete, in the same batch:
# what a client sees up to the Sync is otherwise the same. Lenient comparisons drop those.
_ACKS = {"ParseComplete", "BindComplete"}


def both(
    pg: TempPostgres, server: ServerProcess, scenario: Scenario, *, lenient: bool = False
) -> list[str]:
    with RawClient("127.0.0.1", pg.port) as c:
        expected = scenario(c.startup())
    with RawClient("127.0.0.1", server.port) as c:
        got = scenario(c.startup())
    if lenient:
        assert [x for x in got if x not in _ACKS] == [x for x in expected if x not in _ACKS]
    else:
        assert got == expected
    return got


def test_execute_with_max_rows_suspends(
    postgres15: TempPostgres, duckdb_server: ServerProcess
) -> None:
    def scenario(c: RawClient) -> list[str]:
        c.send(m.Parse("", FIVE, []), m.Bind("", "", [], [], []))
        for _ in range(3):
            c.send(m.Execute("", 2))
        c.send(m.Sync())
        return summary(c.until())

    got = both(postgres15, duckdb_server, scenario)
    assert got.count("PortalSuspended") == 2
    assert got[-2:] == ["C:SELECT 1", "Z:I"]
    assert len([x for x in got if x.startswith("D:")]) == 5


def test_max_rows_exactly_at_the_end(
    postgres15: TempPostgres, duckdb_server: ServerProcess
) -> None:
    def scenario(c: RawClient) -> list[str]:
        c.send(m.Parse("", FOUR, []), m.Bind("", "", [], [], []))
        c.send(m.Execute("", 2), m.Execute("", 2), m.Execute("", 2), m.Sync())
        return summary(c.until())

    both(postgres15, duckdb_server, scenario)


def test_flush_delivers_without_sync(
    postgres15: TempPostgres, duckdb_server: ServerProcess
) -> None:
    def scenario(c: RawClient) -> list[str]:
        c.send(m.Parse("", "select 42 as answer", []), m.Bind("", "", [], [], []))
        c.send(m.Describe("P", ""), m.Execute("", 0), m.Flush())
        first = summary(c.until(m.CommandComplete))  # arrives with no Sync sent
        c.send(m.Sync())
        return first + summary(c.until())

    got = both(postgres15, duckdb_server, scenario)
    assert got[:5] == ["ParseComplete", "BindComplete", "T:answer/0", "D:3432", "C:SELECT 1"]


def test_error_mid_pipeline_skips_to_sync(
    postgres15: TempPostgres, duckdb_server: ServerProcess
) -> None:
    def scenario(c: RawClient) -> list[str]:
        c.send(m.Parse("", "select 1", []), m.Bind("", "", [], [], []), m.Execute("", 0))
        c.send(m.Parse("", "select * from no_such_table", []))
        c.send(m.Bind("", "", [], [], []), m.Execute("", 0))
        c.send(m.Parse("", "select 2", []), m.Bind("", "", [], [], []), m.Execute("", 0))
        c.send(m.Sync())
        c.send(m.Parse("", "select 3", []), m.Bind("", "", [], [], []), m.Execute("", 0))
        c.send(m.Sync())
        return summary(c.until()) + summary(c.until())

    got = both(postgres15, duckdb_server, scenario, lenient=True)
    assert "E:42P01" in got
    assert "D:32" not in got  # select 2 was skipped
    assert got[-2:] == ["C:SELECT 1", "Z:I"]


def test_named_statements_errors(postgres15: TempPostgres, duckdb_server: ServerProcess) -> None:
    def scenario(c: RawClient) -> list[str]:
        out = []
        c.send(m.Parse("s1", "select 1", []), m.Parse("s1", "select 2", []), m.Sync())
        out += summary(c.until())
        c.send(m.Bind("", "nope", [], [], []), m.Sync())
        out += summary(c.until())
        c.send(m.Execute("no_portal", 0), m.Sync())
        out += summary(c.until())
        c.send(m.Describe("S", "nope"), m.Sync())
        out += summary(c.until())
        c.send(m.Close("S", "s1"), m.Close("S", "s1"), m.Close("P", "whatever"), m.Sync())
        out += summary(c.until())
        c.send(m.Parse("s1", "select 5", []), m.Bind("p1", "s1", [], [], []))
        c.send(m.Bind("p1", "s1", [], [], []), m.Sync())
        out += summary(c.until())
        return out

    got = both(postgres15, duckdb_server, scenario)
    errors = [x for x in got if x.startswith("E:")]
    assert errors == ["E:42P05", "E:26000", "E:34000", "E:26000", "E:42P03"]


def test_parameters_count_mismatch_is_an_error_not_fatal(
    postgres15: TempPostgres, duckdb_server: ServerProcess
) -> None:
    def scenario(c: RawClient) -> list[str]:
        c.send(m.Parse("", "select $1::int + $2::int as s", []))
        c.send(m.Bind("", "", [], [b"1"], []), m.Execute("", 0), m.Sync())
        out = summary(c.until())
        c.send(m.Parse("", "select $1::int + $2::int as s", []))
        c.send(m.Bind("", "", [], [b"1", b"2"], []), m.Execute("", 0), m.Sync())
        return out + summary(c.until())

    got = both(postgres15, duckdb_server, scenario)
    assert got[:3] == ["ParseComplete", "E:08P01", "Z:I"]
    assert "D:33" in got


def test_bad_parameter_values(postgres15: TempPostgres, duckdb_server: ServerProcess) -> None:
    def scenario(c: RawClient) -> list[str]:
        out = []
        c.send(m.Parse("", "select $1 as v", [23]))
        c.send(m.Bind("", "", [], [b"abc"], []), m.Execute("", 0), m.Sync())
        out += summary(c.until())
        c.send(m.Parse("", "select $1 as v", [23]))
        c.send(m.Bind("", "", [1], [b"\x00\x01"], []), m.Execute("", 0), m.Sync())
        out += summary(c.until())
        c.send(m.Parse("", "select $1 as v", [23]))
        c.send(m.Bind("", "", [1], [b"\x00\x00\x00\x00\x07"], []), m.Execute("", 0), m.Sync())
        out += summary(c.until())
        c.send(m.Parse("", "select $1 as v", [23]))
        c.send(m.Bind("", "", [1], [b"\x00\x00\x00\x07"], [1]), m.Execute("", 0), m.Sync())
        out += summary(c.until())
        return out

    got = both(postgres15, duckdb_server, scenario)
    # Too short a binary value is 08P01 (an ERROR, not fatal), too long 22P03.
    assert [x for x in got if x.startswith("E:")] == ["E:22P02", "E:08P01", "E:22P03"]
    assert "D:00000007" in got


def test_describe_statement_and_portal(
    postgres15: TempPostgres, duckdb_server: ServerProcess
) -> None:
    def scenario(c: RawClient) -> list[str]:
        c.send(m.Parse("q", "select $1::int + 1 as x, 'a'::text as t", []))
        c.send(m.Describe("S", "q"), m.Bind("p", "q", [], [b"41"], [1, 0]))
        c.send(m.Describe("P", "p"), m.Execute("p", 0), m.Sync())
        msgs = c.until()
        out = summary(msgs)
        desc = next(x for x in msgs if isinstance(x, m.ParameterDescription))
        out.append(f"params:{desc.type_oids}")
        rows = [x for x in msgs if isinstance(x, m.RowDescription)]
        out += [f"types:{[f.type_oid for f in r.fields]}" for r in rows]
        return out

    got = both(postgres15, duckdb_server, scenario)
    assert "params:[23]" in got
    assert "T:x/1,t/0" in got and "D:0000002a,61" in got


def test_empty_query_in_extended(postgres15: TempPostgres, duckdb_server: ServerProcess) -> None:
    def scenario(c: RawClient) -> list[str]:
        c.send(m.Parse("", "", []), m.Bind("", "", [], [], []), m.Describe("P", ""))
        c.send(m.Execute("", 0), m.Sync())
        return summary(c.until())

    assert both(postgres15, duckdb_server, scenario) == [
        "ParseComplete",
        "BindComplete",
        "NoData",
        "EmptyQueryResponse",
        "Z:I",
    ]


def test_failed_transaction_in_extended(
    postgres15: TempPostgres, duckdb_server: ServerProcess
) -> None:
    def scenario(c: RawClient) -> list[str]:
        out = summary(c.query("begin"))
        c.send(m.Parse("", "select * from no_such_table", []), m.Bind("", "", [], [], []))
        c.send(m.Execute("", 0), m.Sync())
        out += summary(c.until())
        c.send(m.Parse("", "select 1", []), m.Bind("", "", [], [], []), m.Execute("", 0))
        c.send(m.Sync())
        out += summary(c.until())
        c.send(m.Parse("", "rollback", []), m.Bind("", "", [], [], []), m.Execute("", 0))
        c.send(m.Sync())
        return out + summary(c.until())

    got = both(postgres15, duckdb_server, scenario, lenient=True)
    assert "E:25P02" in got
    assert got[-2:] == ["C:ROLLBACK", "Z:I"]


def test_multiple_commands_in_parse(postgres15: TempPostgres, duckdb_server: ServerProcess) -> None:
    def scenario(c: RawClient) -> list[str]:
        c.send(m.Parse("", "select 1; select 2", []), m.Sync())
        return summary(c.until())

    assert both(postgres15, duckdb_server, scenario) == ["E:42601", "Z:I"]


def test_bad_format_codes_are_errors_not_fatal(
    postgres15: TempPostgres, duckdb_server: ServerProcess
) -> None:
    def scenario(c: RawClient) -> list[str]:
        out = []
        c.send(m.Parse("", "select $1::int as v", []))
        c.send(m.Bind("", "", [0], [b"1"], []), m.Sync())
        out += summary(c.until())
        # Hand-made Bind frames: the encoder refuses to write these.
        bad_code = b"\x00\x00\x00\x01\x00\x02\x00\x01\x00\x00\x00\x011\x00\x00"
        c.send_raw(b"B" + (4 + len(bad_code)).to_bytes(4, "big") + bad_code)
        c.send(m.Sync())
        out += summary(c.until())
        mismatch = b"\x00\x00\x00\x02\x00\x00\x00\x00\x00\x01\x00\x00\x00\x011\x00\x00"
        c.send_raw(b"B" + (4 + len(mismatch)).to_bytes(4, "big") + mismatch)
        c.send(m.Sync())
        out += summary(c.until())
        c.send(m.Bind("", "", [], [b"7"], []), m.Execute("", 0), m.Sync())
        return out + summary(c.until())

    got = both(postgres15, duckdb_server, scenario)
    assert [x for x in got if x.startswith("E:")] == ["E:22023", "E:08P01"]
    assert "D:37" in got


def test_pipelined_inserts_answer_each_row(
    postgres15: TempPostgres, duckdb_server: ServerProcess
) -> None:
    """Bind/Execute runs of one INSERT (asyncpg executemany, JDBC batches) may be run by the
    backend at once; the client still gets PostgreSQL's answer for every row."""

    def scenario(c: RawClient) -> list[str]:
        out = summary(c.query("create temp table bt (a int, b text)"))
        c.send(m.Parse("ins", "insert into bt values ($1, $2)", [23, 25]), m.Sync())
        out += summary(c.until())
        for n in range(40):
            c.send(m.Bind("", "ins", [], [str(n).encode(), b"x"], []))
            if n % 2:
                c.send(m.Describe("P", ""))
            c.send(m.Execute("", 0))
        c.send(m.Sync())
        out += summary(c.until())
        out += summary(c.query("select count(*) as n, sum(a) as s from bt"))
        return out

    got = both(postgres15, duckdb_server, scenario)
    assert got.count("C:INSERT 0 1") == 40 and got.count("NoData") == 20


def test_pipelined_inserts_with_an_error_keep_nothing(
    postgres15: TempPostgres, duckdb_server: ServerProcess
) -> None:
    def scenario(c: RawClient) -> list[str]:
        c.query("create temp table bt2 (a int primary key)")
        c.send(m.Parse("ins2", "insert into bt2 values ($1)", [23]))
        for n in (1, 2, 2, 3):
            c.send(m.Bind("", "ins2", [], [str(n).encode()], []), m.Execute("", 0))
        c.send(m.Sync())
        errors = [x for x in summary(c.until()) if x.startswith("E:")]
        return errors + summary(c.query("select count(*) as n from bt2"))

    assert both(postgres15, duckdb_server, scenario) == [
        "E:23505",
        "T:n/0",
        "D:30",
        "C:SELECT 1",
        "Z:I",
    ]


def test_syntax_error_at_parse(postgres15: TempPostgres, duckdb_server: ServerProcess) -> None:
    """PostgreSQL answers a statement it cannot parse at Parse: no ParseComplete, and the
    Bind and Execute behind it are skipped until Sync."""

    def scenario(c: RawClient) -> list[str]:
        c.send(m.Parse("", "selec 1", []), m.Bind("", "", [], [], []), m.Execute("", 0))
        c.send(m.Sync())
        c.send(m.Parse("s1", "select 1 from", []), m.Sync())
        c.send(m.Parse("", "select 2", []), m.Bind("", "", [], [], []), m.Execute("", 0))
        c.send(m.Sync())
        return summary(c.until()) + summary(c.until()) + summary(c.until())

    got = both(postgres15, duckdb_server, scenario)
    assert got[:2] == ["E:42601", "Z:I"]
    assert got[2:4] == ["E:42601", "Z:I"]
    assert got[-2:] == ["C:SELECT 1", "Z:I"]
