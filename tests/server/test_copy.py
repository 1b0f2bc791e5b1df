"""COPY over the wire, against an in-process server: both protocols, errors, the handler API."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import pytest

from pgwire import Column, Command, Config, Handler, PgError, Rows, Server
from pgwire.backends.duckdb import DuckDBHandler
from pgwire.copy.format import BINARY_SIGNATURE
from pgwire.copy.statement import parse
from pgwire.protocol import messages as m
from pgwire.protocol.connection import NEED_DATA, Connection, Role


class Client:
    """A client Connection over an asyncio stream, for exact control of COPY messages."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.conn = Connection(Role.CLIENT)

    @classmethod
    async def connect(cls, server: Server) -> Client:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        client = cls(reader, writer)
        await client.send(m.StartupMessage(parameters={"user": "u"}))
        await client.until(m.ReadyForQuery)
        return client

    async def send(self, *msgs: m.Message) -> None:
        self.writer.write(b"".join(self.conn.send(x) for x in msgs))
        await self.writer.drain()

    async def until(self, *classes: type[m.Message]) -> list[m.Message]:
        out: list[m.Message] = []
        while True:
            event = self.conn.next_event()
            if event is NEED_DATA:
                data = await self.reader.read(65536)
                if not data:
                    raise ConnectionError(f"closed: {out}")
                self.conn.receive_data(data)
                continue
            assert isinstance(event, m.Message)
            out.append(event)
            if isinstance(event, classes):
                return out

    async def query(self, sql: str) -> list[m.Message]:
        await self.send(m.Query(sql))
        return await self.until(m.ReadyForQuery)

    async def scalar(self, sql: str) -> bytes | None:
        rows = [x.values for x in await self.query(sql) if isinstance(x, m.DataRow)]
        assert len(rows) == 1, rows
        return rows[0][0]

    async def close(self) -> None:
        self.writer.close()


def run(body: Callable[[Server], Awaitable[None]], handler: Handler | None = None) -> None:
    async def main() -> None:
        async with Server(handler or DuckDBHandler(), Config(port=0)) as server:
            await asyncio.wait_for(body(server), 60)

    asyncio.run(main())


def errors(msgs: list[m.Message]) -> list[dict[str, str]]:
    return [x.fields for x in msgs if isinstance(x, m.ErrorResponse)]


def tags(msgs: list[m.Message]) -> list[str]:
    return [x.tag for x in msgs if isinstance(x, m.CommandComplete)]


def copy_data(msgs: list[m.Message]) -> bytes:
    return b"".join(x.data for x in msgs if isinstance(x, m.CopyData))


# ---------------------------------------------------------------------------------------------
# simple query


def test_copy_from_stdin_text_then_to_stdout() -> None:
    async def body(server: Server) -> None:
        c = await Client.connect(server)
        await c.query("create table t (a int, b text, c double)")
        await c.send(m.Query("COPY t FROM STDIN"))
        start = await c.until(m.CopyInResponse)
        assert start[-1] == m.CopyInResponse(0, [0, 0, 0])
        await c.send(m.CopyData(b"1\tone\t1.5\n2\t"), m.CopyData(b"\\N\t\\N\n"), m.CopyDone())
        msgs = await c.until(m.ReadyForQuery)
        assert tags(msgs) == ["COPY 2"] and msgs[-1] == m.ReadyForQuery("I")
        msgs = await c.query("COPY t TO STDOUT")
        out = next(x for x in msgs if isinstance(x, m.CopyOutResponse))
        assert out == m.CopyOutResponse(0, [0, 0, 0])
        # One CopyData per row, as PostgreSQL sends them.
        assert [x.data for x in msgs if isinstance(x, m.CopyData)] == [
            b"1\tone\t1.5\n",
            b"2\t\\N\t\\N\n",
        ]
        assert tags(msgs) == ["COPY 2"]
        kinds = [type(x) for x in msgs]
        assert kinds[-3:] == [m.CopyDone, m.CommandComplete, m.ReadyForQuery]

    run(body)


def test_copy_csv_header_and_binary() -> None:
    async def body(server: Server) -> None:
        c = await Client.connect(server)
        await c.query("create table t (a int, b text)")
        await c.send(m.Query("COPY t (b, a) FROM STDIN WITH CSV HEADER"))
        await c.until(m.CopyInResponse)
        await c.send(m.CopyData(b'b,a\n"x,y",1\n,2\n'), m.CopyDone())
        assert tags(await c.until(m.ReadyForQuery)) == ["COPY 2"]
        msgs = await c.query("COPY (SELECT a, b FROM t ORDER BY a) TO STDOUT (FORMAT binary)")
        assert next(x for x in msgs if isinstance(x, m.CopyOutResponse)) == m.CopyOutResponse(
            1, [1, 1]
        )
        data = copy_data(msgs)
        assert data.startswith(BINARY_SIGNATURE + b"\0" * 8)
        assert data.endswith(b"\xff\xff")
        row1 = struct.pack(">hi", 2, 4) + struct.pack(">i", 1) + struct.pack(">i", 3) + b"x,y"
        assert row1 in data
        await c.send(m.Query("COPY t FROM STDIN (FORMAT binary)"))
        assert (await c.until(m.CopyInResponse))[-1] == m.CopyInResponse(1, [1, 1])
        payload = data.replace(b"x,y", b"z,w")
        await c.send(m.CopyData(payload[:7]), m.CopyData(payload[7:]), m.CopyDone())
        assert tags(await c.until(m.ReadyForQuery)) == ["COPY 2"]
        assert await c.scalar("select count(*) from t where b = 'z,w'") == b"1"

    run(body)


def test_copy_fail_aborts_and_session_continues() -> None:
    async def body(server: Server) -> None:
        c = await Client.connect(server)
        await c.query("create table t (a int)")
        await c.send(m.Query("COPY t FROM STDIN"))
        await c.until(m.CopyInResponse)
        await c.send(m.CopyData(b"1\n2\n" * 5000), m.CopyFail("changed my mind"))
        msgs = await c.until(m.ReadyForQuery)
        [err] = errors(msgs)
        assert err["C"] == "57014"
        assert err["M"] == "COPY from stdin failed: changed my mind"
        assert msgs[-1] == m.ReadyForQuery("I")
        assert await c.scalar("select count(*) from t") == b"0"

    run(body)


def test_bad_row_names_its_line_and_nothing_is_committed() -> None:
    async def body(server: Server) -> None:
        c = await Client.connect(server)
        await c.query("create table t (a int, b int)")
        await c.send(m.Query("COPY t FROM STDIN"))
        await c.until(m.CopyInResponse)
        good = b"".join(b"%d\t%d\n" % (i, i) for i in range(10000))
        await c.send(m.CopyData(good + b"1\tabc\n"))
        msgs = await c.until(m.ReadyForQuery)
        [err] = errors(msgs)
        assert err["C"] == "22P02"
        assert err["M"] == 'invalid input syntax for type integer: "abc"'
        assert err["W"] == 'COPY t, line 10001, column b: "abc"'
        # The rest of the client's COPY data arrives after the error: dropped, as PostgreSQL.
        await c.send(m.CopyData(b"5\t5\n"), m.CopyDone())
        assert await c.scalar("select count(*) from t") == b"0"

    run(body)


def test_copy_in_a_transaction_block_fails_the_block() -> None:
    async def body(server: Server) -> None:
        c = await Client.connect(server)
        await c.query("create table t (a int)")
        await c.query("begin")
        await c.send(m.Query("COPY t FROM STDIN"))
        await c.until(m.CopyInResponse)
        await c.send(m.CopyData(b"1\nx\n"), m.CopyDone())
        msgs = await c.until(m.ReadyForQuery)
        assert errors(msgs)[0]["C"] == "22P02" and msgs[-1] == m.ReadyForQuery("E")
        await c.query("rollback")
        await c.query("begin")
        await c.send(m.Query("COPY t FROM STDIN"))
        await c.until(m.CopyInResponse)
        await c.send(m.CopyData(b"1\n2\n"), m.CopyDone())
        assert (await c.until(m.ReadyForQuery))[-1] == m.ReadyForQuery("T")
        await c.query("rollback")
        assert await c.scalar("select count(*) from t") == b"0"

    run(body)


def test_copy_inside_a_multi_statement_query() -> None:
    async def body(server: Server) -> None:
        c = await Client.connect(server)
        await c.query("create table t (a int)")
        await c.send(m.Query("insert into t values (0); COPY t FROM STDIN; select count(*) from t"))
        msgs = await c.until(m.CopyInResponse)
        await c.send(m.CopyData(b"1\n2\n"), m.CopyDone())
        msgs += await c.until(m.ReadyForQuery)
        assert tags(msgs) == ["INSERT 0 1", "COPY 2", "SELECT 1"]
        assert [x.values for x in msgs if isinstance(x, m.DataRow)] == [[b"3"]]

    run(body)


def test_client_gone_mid_copy_commits_nothing() -> None:
    async def body(server: Server) -> None:
        c = await Client.connect(server)
        await c.query("create table t (a int)")
        await c.send(m.Query("COPY t FROM STDIN"))
        await c.until(m.CopyInResponse)
        await c.send(m.CopyData(b"1\n" * 20000))
        await asyncio.sleep(0.2)
        await c.close()
        await asyncio.sleep(0.2)
        other = await Client.connect(server)
        assert await other.scalar("select count(*) from t") == b"0"

    run(body)


def test_server_side_files_are_refused() -> None:
    async def body(server: Server) -> None:
        c = await Client.connect(server)
        await c.query("create table t (a int)")
        for sql in ("COPY t FROM '/etc/passwd'", "COPY t TO '/tmp/x'", "COPY t TO PROGRAM 'ls'"):
            [err] = errors(await c.query(sql))
            assert err["C"] == "42501"
            assert "\\copy" in err["H"]

    run(body)


@pytest.mark.parametrize(
    ("sql", "code", "message"),
    [
        ("COPY t FROM STDIN (FORMAT xml)", "22023", 'COPY format "xml" not recognized'),
        ("COPY t FROM STDIN (bogus 1)", "42601", 'option "bogus" not recognized'),
        ("COPY t FROM STDIN (FORMAT csv, FORMAT text)", "42601", "conflicting or redundant"),
        ("COPY t TO STDOUT (FORMAT csv, HEADER match)", "0A000", 'cannot use "match"'),
        ("COPY t FROM STDIN (FORCE_QUOTE *)", "0A000", "COPY force quote available only"),
        ("COPY t FROM STDIN (DELIMITER ',,')", "0A000", "single one-byte character"),
        ("COPY t (zz) FROM STDIN", "42703", 'column "zz" of relation "t" does not exist'),
        ("COPY t (a, a) FROM STDIN", "42701", 'column "a" specified more than once'),
        ("COPY nosuch FROM STDIN", "42P01", 'relation "nosuch" does not exist'),
        ("COPY t FROM STDIN (FORMAT csv, FORCE_NULL (zz))", "42P10", "FORCE_NULL column"),
        ("COPY t FROM STDOUT", "42601", "syntax error"),
    ],
)
def test_statement_errors(sql: str, code: str, message: str) -> None:
    async def body(server: Server) -> None:
        c = await Client.connect(server)
        await c.query("create table t (a int)")
        msgs = await c.query(sql)
        [err] = errors(msgs)
        assert err["C"] == code
        assert message in err["M"]
        assert not any(isinstance(x, m.CopyInResponse) for x in msgs)

    run(body)


# ---------------------------------------------------------------------------------------------
# extended protocol


def test_copy_from_in_extended_protocol() -> None:
    async def body(server: Server) -> None:
        c = await Client.connect(server)
        await c.query("create table t (a int, b text)")
        await c.send(
            m.Parse("", "COPY t FROM STDIN (FORMAT csv)", []),
            m.Bind("", "", [], [], []),
            m.Describe("P", ""),
            m.Execute("", 0),
            m.Sync(),  # as libpq sends it: ignored during COPY IN
        )
        msgs = await c.until(m.CopyInResponse)
        assert [type(x) for x in msgs] == [
            m.ParseComplete,
            m.BindComplete,
            m.NoData,
            m.CopyInResponse,
        ]
        await c.send(m.CopyData(b"1,a\n2,b\n"), m.CopyDone(), m.Sync())
        msgs = await c.until(m.ReadyForQuery)
        assert tags(msgs) == ["COPY 2"]
        assert [type(x) for x in msgs] == [m.CommandComplete, m.ReadyForQuery]
        assert await c.scalar("select count(*) from t") == b"2"

    run(body)


def test_copy_to_in_extended_protocol() -> None:
    async def body(server: Server) -> None:
        c = await Client.connect(server)
        await c.send(
            m.Parse("s", "COPY (SELECT 1 AS x UNION ALL SELECT 2) TO STDOUT", []),
            m.Describe("S", "s"),
            m.Bind("", "s", [], [], []),
            m.Execute("", 0),
            m.Sync(),
        )
        msgs = await c.until(m.ReadyForQuery)
        assert [type(x) for x in msgs] == [
            m.ParseComplete,
            m.ParameterDescription,
            m.NoData,
            m.BindComplete,
            m.CopyOutResponse,
            m.CopyData,
            m.CopyData,
            m.CopyDone,
            m.CommandComplete,
            m.ReadyForQuery,
        ]
        assert sorted(copy_data(msgs).split()) == [b"1", b"2"]

    run(body)


def test_copy_fail_in_extended_protocol_waits_for_sync() -> None:
    async def body(server: Server) -> None:
        c = await Client.connect(server)
        await c.query("create table t (a int)")
        await c.send(
            m.Parse("", "COPY t FROM STDIN", []),
            m.Bind("", "", [], [], []),
            m.Execute("", 0),
            m.Sync(),
        )
        await c.until(m.CopyInResponse)
        await c.send(m.CopyData(b"1\n"), m.CopyFail("nope"))
        msgs = await c.until(m.ErrorResponse)
        assert errors(msgs)[0]["C"] == "57014"
        await c.send(m.Sync())
        msgs = await c.until(m.ReadyForQuery)
        assert msgs == [m.ReadyForQuery("I")]
        assert await c.scalar("select count(*) from t") == b"0"

    run(body)


# ---------------------------------------------------------------------------------------------
# the handler API: a handler of its own, with the default copy_in


class Recorder(Handler):
    """Knows one table t(a int4, b text); records every statement it is given."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, list[Any]]] = []

    def query(self, sql: str) -> Rows | Command:
        self.statements.append((sql, []))
        if sql.startswith("SELECT * FROM t"):
            return Rows([Column("a", "int4"), Column("b", "text")], [(1, "x\ty")])
        if sql in ("BEGIN", "COMMIT", "ROLLBACK"):
            return Command(sql)
        raise PgError(f"cannot run {sql}", "42601")

    def execute(self, sql: str, params: Sequence[Any], param_types: Sequence[int]) -> Command:
        self.statements.append((sql, list(params)))
        return Command("INSERT 0 1")


def test_default_copy_in_inserts_through_execute() -> None:
    handler = Recorder()

    async def body(server: Server) -> None:
        c = await Client.connect(server)
        await c.send(m.Query("COPY t FROM STDIN"))
        await c.until(m.CopyInResponse)
        await c.send(m.CopyData(b"1\tone\n2\t\\N\n"), m.CopyDone())
        assert tags(await c.until(m.ReadyForQuery)) == ["COPY 2"]
        msgs = await c.query("COPY t TO STDOUT (FORMAT csv, FORCE_QUOTE (b))")
        assert copy_data(msgs) == b'1,"x\ty"\n'

    run(body, handler)
    inserts = [(sql, params) for sql, params in handler.statements if sql.startswith("INSERT")]
    assert inserts == [('INSERT INTO t ("a", "b") VALUES ($1, $2), ($3, $4)', [1, "one", 2, None])]


class Streaming(Handler):
    """A copy_in of its own that only counts: memory stays flat whatever the load."""

    def __init__(self) -> None:
        self.batches: list[int] = []

    def query(self, sql: str) -> Rows | Command:
        return Rows([Column("a", "int4")], [])

    async def copy_in(
        self, table: str, columns: Sequence[Column], rows: AsyncIterator[Sequence[Sequence[Any]]]
    ) -> int:
        total = 0
        async for batch in rows:
            self.batches.append(len(batch))
            total += len(batch)
        return total


def test_copy_in_streams_batches() -> None:
    handler = Streaming()

    async def body(server: Server) -> None:
        c = await Client.connect(server)
        await c.send(m.Query("COPY t FROM STDIN"))
        await c.until(m.CopyInResponse)
        for start in range(0, 100_000, 5000):
            await c.send(m.CopyData(b"".join(b"%d\n" % i for i in range(start, start + 5000))))
        await c.send(m.CopyDone())
        assert tags(await c.until(m.ReadyForQuery)) == ["COPY 100000"]

    run(body, handler)
    assert sum(handler.batches) == 100_000
    assert len(handler.batches) > 5 and max(handler.batches) < 40_000


# ---------------------------------------------------------------------------------------------
# the statement


def test_parse_new_and_old_syntax() -> None:
    stmt = parse(
        'COPY public."My T" (a, "B") FROM STDIN WITH (FORMAT csv, HEADER match, NULL \'x\')'
    )
    assert stmt.is_from and stmt.table == 'public."My T"' and stmt.relname == "My T"
    assert stmt.columns == ["a", '"B"']
    assert stmt.options.format == "csv" and stmt.options.header == "match"
    assert stmt.options.null == "x" and stmt.options.delimiter == ","

    stmt = parse("COPY t FROM STDIN WITH CSV HEADER DELIMITER AS ';' NULL 'n' QUOTE '\"'")
    assert (stmt.options.format, stmt.options.header, stmt.options.delimiter) == ("csv", True, ";")
    stmt = parse("copy t to stdout with csv force quote *")
    assert stmt.options.force_quote == "*"
    stmt = parse("COPY BINARY t TO STDOUT")
    assert stmt.options.format == "binary"
    stmt = parse("COPY (select '(', 1) TO STDOUT (FORMAT text, DELIMITER E'\\t')")
    assert stmt.query == "select '(', 1" and stmt.options.delimiter == "\t"
    stmt = parse("COPY t FROM STDIN (FORMAT csv, FORCE_NOT_NULL (a, b), ENCODING 'utf8');")
    assert stmt.options.force_not_null == ["a", "b"]


def test_parse_refusals() -> None:
    for sql in ("COPY (select 1) FROM STDIN", "COPY t", "COPY t FROM STDIN WITH OIDS"):
        with pytest.raises(PgError) as info:
            parse(sql)
        assert info.value.sqlstate == "42601", sql
    with pytest.raises(PgError) as info:
        parse("COPY t FROM STDIN (ENCODING 'LATIN1')")
    assert info.value.sqlstate == "0A000"


def test_constraint_violation_in_the_backend_commits_nothing() -> None:
    async def body(server: Server) -> None:
        c = await Client.connect(server)
        await c.query("create table t (a int primary key, b text not null)")
        await c.send(m.Query("COPY t FROM STDIN"))
        await c.until(m.CopyInResponse)
        rows = b"".join(b"%d\tx\n" % i for i in range(10000))
        await c.send(m.CopyData(rows + b"5\tdup\n"), m.CopyDone())
        msgs = await c.until(m.ReadyForQuery)
        [err] = errors(msgs)
        assert err["C"] == "23505"
        assert msgs[-1] == m.ReadyForQuery("I")
        assert await c.scalar("select count(*) from t") == b"0"
        # The session, and its DuckDB connection, carry on.
        await c.send(m.Query("COPY t FROM STDIN (FORMAT csv)"))
        await c.until(m.CopyInResponse)
        await c.send(m.CopyData(b"1,one\n"), m.CopyDone())
        assert tags(await c.until(m.ReadyForQuery)) == ["COPY 1"]

    run(body)


def test_types_through_duckdb() -> None:
    async def body(server: Server) -> None:
        c = await Client.connect(server)
        await c.query(
            "create table t (i interval, d date, ts timestamp, n numeric(12,3), j json, "
            "u uuid, bt bytea, arr int[], bo boolean)"
        )
        line = (
            b"1 year 2 mons 3 days 04:05:06\t2024-02-29\t2024-01-02 03:04:05.5\t-12.345\t"
            b'{"a": [1]}\ta0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\t\\\\x00ff\t{1,2,NULL}\tt\n'
        )
        await c.send(m.Query("COPY t FROM STDIN"))
        await c.until(m.CopyInResponse)
        await c.send(m.CopyData(line), m.CopyDone())
        assert tags(await c.until(m.ReadyForQuery)) == ["COPY 1"]
        assert copy_data(await c.query("COPY t TO STDOUT")) == line

    run(body)
