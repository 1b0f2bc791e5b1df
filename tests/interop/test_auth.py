"""Authentication and TLS with real clients: every method, right and wrong passwords, TLS modes."""

from __future__ import annotations

import asyncio
import os
import socket
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pg8000.native
import psycopg
import pytest

from pgwire.protocol import messages as m
from tests.support.certs import Certs
from tests.support.server import ServerProcess

pytestmark = pytest.mark.interop

METHODS = ["password", "md5", "scram-sha-256"]


PASSWORDS = {"plain": "wonderland", "hashed": "builder", "verifier": "s3cret"}
# Which stored formats each method can use (as in PostgreSQL: md5 secrets cannot do SCRAM).
USABLE = {
    "password": ["plain", "hashed", "verifier"],
    "md5": ["plain", "hashed", "verifier"],
    "scram-sha-256": ["plain", "verifier"],
}


@pytest.fixture(scope="module", params=METHODS)
def auth_server(
    request: pytest.FixtureRequest, certs: Certs, users_file: Path
) -> Iterator[tuple[str, ServerProcess]]:
    method = request.param
    args = ["--users", str(users_file), "--auth", method]
    args += ["--tls-cert", str(certs.cert), "--tls-key", str(certs.key)]
    with ServerProcess(None, *args) as server:
        yield method, server


def run_psql(
    server: ServerProcess, conninfo: str, password: str
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PGPASSWORD=password, PGCONNECT_TIMEOUT="10")
    return subprocess.run(
        ["psql", "-X", "-At", conninfo, "-c", "select 'in'"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_psql_every_method(auth_server: tuple[str, ServerProcess]) -> None:
    method, server = auth_server
    for user in USABLE[method]:
        for sslmode in ("disable", "require"):
            conninfo = f"host=127.0.0.1 port={server.port} user={user} dbname=db sslmode={sslmode}"
            ok = run_psql(server, conninfo, PASSWORDS[user])
            assert ok.returncode == 0 and ok.stdout.strip() == "in", (user, sslmode, ok.stderr)
            bad = run_psql(server, conninfo, "wrong")
            assert bad.returncode != 0
            assert f'password authentication failed for user "{user}"' in bad.stderr


def test_unknown_user_fails_like_a_wrong_password(auth_server: tuple[str, ServerProcess]) -> None:
    _method, server = auth_server
    proc = run_psql(server, f"host=127.0.0.1 port={server.port} user=nobody dbname=db", "x")
    assert 'password authentication failed for user "nobody"' in proc.stderr


def test_psql_verify_full(auth_server: tuple[str, ServerProcess], certs: Certs) -> None:
    _method, server = auth_server
    conninfo = (
        f"host=localhost port={server.port} user=plain dbname=db "
        f"sslmode=verify-full sslrootcert={certs.ca}"
    )
    proc = run_psql(server, conninfo, "wonderland")
    assert proc.returncode == 0, proc.stderr


def test_psycopg(auth_server: tuple[str, ServerProcess]) -> None:
    method, server = auth_server
    extra = {"channel_binding": "require"} if method == "scram-sha-256" else {}
    with psycopg.connect(
        host="127.0.0.1",
        port=server.port,
        user="plain",
        password="wonderland",
        dbname="db",
        sslmode="require",
        **extra,  # type: ignore[arg-type]
    ) as conn:
        assert conn.execute("select 1").fetchone() == (1,)
        assert conn.pgconn.ssl_in_use
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(
            host="127.0.0.1", port=server.port, user="plain", password="no", dbname="db"
        )


def test_asyncpg(auth_server: tuple[str, ServerProcess]) -> None:
    _method, server = auth_server

    async def check() -> None:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        conn = await asyncpg.connect(
            host="127.0.0.1", port=server.port, user="plain", password="wonderland",
            database="db", ssl=ctx,
        )  # fmt: skip
        try:
            assert await conn.fetchval("select 41 + 1") == 42
        finally:
            await conn.close()
        with pytest.raises(asyncpg.InvalidPasswordError):
            await asyncpg.connect(
                host="127.0.0.1", port=server.port, user="plain", password="no",
                database="db", ssl=False,
            )  # fmt: skip

    asyncio.run(check())


def test_pg8000(auth_server: tuple[str, ServerProcess]) -> None:
    _method, server = auth_server
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    conn = pg8000.native.Connection(
        "plain", host="127.0.0.1", port=server.port, password="wonderland", database="db",
        ssl_context=ctx,
    )  # fmt: skip
    try:
        assert conn.run("select 2 * 21") == [[42]]
    finally:
        conn.close()
    with pytest.raises(pg8000.native.DatabaseError) as info:
        pg8000.native.Connection(
            "plain", host="127.0.0.1", port=server.port, password="no", database="db"
        )
    assert info.value.args[0]["C"] == "28P01"


@pytest.fixture(scope="module")
def tls_only_server(certs: Certs, users_file: Path) -> Iterator[ServerProcess]:
    args = ["--users", str(users_file), "--tls-required"]
    args += ["--tls-cert", str(certs.cert), "--tls-key", str(certs.key)]
    with ServerProcess(None, *args) as server:
        yield server


def test_plaintext_refused_when_tls_required(tls_only_server: ServerProcess) -> None:
    port = tls_only_server.port
    plain = run_psql(
        tls_only_server, f"host=127.0.0.1 port={port} user=plain sslmode=disable", "wonderland"
    )
    assert plain.returncode != 0
    assert 'no pg_hba.conf entry for host "127.0.0.1", user "plain"' in plain.stderr
    assert "no encryption" in plain.stderr
    ok = run_psql(
        tls_only_server, f"host=127.0.0.1 port={port} user=plain sslmode=require", "wonderland"
    )
    assert ok.returncode == 0, ok.stderr
    # The unix socket stays available without TLS.
    local = run_psql(
        tls_only_server, f"host={tls_only_server.socket_dir} port={port} user=plain", "wonderland"
    )
    assert local.returncode == 0, local.stderr


def direct_tls(port: int, alpn: list[str] | None) -> bytes:
    """PostgreSQL 17's sslnegotiation=direct: TLS from the first byte, ALPN 'postgresql'."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if alpn:
        ctx.set_alpn_protocols(alpn)
    with (
        socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
        ctx.wrap_socket(raw) as tls,
    ):
        tls.sendall(m.StartupMessage(parameters={"user": "plain", "database": "db"}).encode())
        data = b""
        while len(data) < 5 or len(data) < 1 + int.from_bytes(data[1:5], "big"):
            chunk = tls.recv(4096)
            if not chunk:
                break
            data += chunk
        return data


def test_direct_tls_with_alpn(tls_only_server: ServerProcess) -> None:
    reply = direct_tls(tls_only_server.port, ["postgresql"])
    assert reply[:1] == b"R"  # an authentication request: startup went through over TLS
    length = int.from_bytes(reply[1:5], "big")
    request = m.decode_authentication(reply[5 : 1 + length])
    assert isinstance(request, m.AuthenticationSASL)


def test_direct_tls_without_alpn_is_refused(tls_only_server: ServerProcess) -> None:
    reply = direct_tls(tls_only_server.port, None)
    assert reply[:1] == b"E" and b"ALPN" in reply
