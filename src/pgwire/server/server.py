"""The asyncio server: listeners, the registry of sessions and cancel keys, shutdown.

    server = Server(handler, Config(port=5433))
    await server.start()
    await server.serve_forever()

`run_server()` runs that on a fresh event loop (uvloop when installed) until SIGINT/SIGTERM;
`pgwire.server.run.serve()` chooses between it and `--workers` processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import os
import secrets
import signal
import socket
import stat
from collections.abc import Sequence
from pathlib import Path

from pgwire.auth.password import is_md5_secret
from pgwire.auth.scram import ScramSecret, mock_salt
from pgwire.auth.sources import DictSource
from pgwire.config import Config
from pgwire.handler import Handler, HeldLock
from pgwire.protocol.connection import Connection, Role
from pgwire.server.locks import LockManager
from pgwire.server.notify import NotificationHub
from pgwire.server.session import Session
from pgwire.server.tls import TLSConfig
from pgwire.server.transport import StreamTransport
from pgwire.server.workerlink import WorkerLink

log = logging.getLogger("pgwire.server")


class Server:
    def __init__(
        self,
        handler: Handler,
        config: Config | None = None,
        *,
        sockets: list[socket.socket] | None = None,  # listeners bound by a parent process
        worker: WorkerLink | None = None,  # this process's place among --workers processes
    ) -> None:
        self.handler = handler
        self.config = config or Config()
        self._sockets = sockets
        self.worker = worker
        self.sessions: dict[int, Session] = {}  # by process id, once registered
        self.notifications = NotificationHub()  # LISTEN/NOTIFY across sessions
        self.locks = LockManager()  # advisory locks across sessions
        self._admitted = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._listeners: list[asyncio.AbstractServer] = []
        # Process ids: in worker mode pid % count names the worker, so a cancel request that
        # lands on another worker can be sent on to the right one.
        self._pid_step = worker.count if worker is not None else 1
        self._next_pid = (1000 + secrets.randbelow(30000)) * self._pid_step + (
            worker.index if worker is not None else 0
        )
        self._closing = False
        self.port = self.config.port  # the bound TCP port, once started (port 0 picks one)
        self.socket_path: str | None = None
        cfg = self.config
        self.credentials = cfg.credential_source()
        self.auth_rules = cfg.rules()
        self.tls = (
            TLSConfig.load(cfg.tls_cert, cfg.tls_key, cfg.tls_ca)
            if cfg.tls_cert is not None and cfg.tls_key is not None
            else None
        )
        self.auth_secret = secrets.token_bytes(32)  # keys the fake salts of unknown users
        # SCRAM verifiers derived from plain passwords: PBKDF2 is deliberately slow, so it
        # runs once per user and password, off the event loop.
        self._verifiers: dict[tuple[str, str], str] = {}

    # ------------------------------------------------------------------ listening

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        cfg = self.config
        warming = loop.create_task(self._warm_verifiers())
        self._tasks.add(warming)
        warming.add_done_callback(self._tasks.discard)
        if self.worker is not None:
            self.worker.listen(loop, self.cancel)
        if self._sockets is not None:
            for sock in self._sockets:
                if sock.family == socket.AF_UNIX:
                    listener = await loop.create_unix_server(self._new_protocol, sock=sock)
                else:
                    listener = await loop.create_server(self._new_protocol, sock=sock)
                    self.port = sock.getsockname()[1]
                self._listeners.append(listener)
            return
        if cfg.host is not None:
            listener = await loop.create_server(
                self._new_protocol, cfg.host, cfg.port, reuse_address=True, backlog=1024
            )
            self._listeners.append(listener)
            self.port = listener.sockets[0].getsockname()[1]
            log.info("listening on %s:%d", cfg.host, self.port)
        if cfg.unix_socket is not None:
            path = Path(cfg.unix_socket) / f".s.PGSQL.{self.port}"
            _remove_stale_socket(path)
            listener = await loop.create_unix_server(self._new_protocol, str(path), backlog=1024)
            os.chmod(path, 0o777)  # like PostgreSQL's default unix_socket_permissions
            self._listeners.append(listener)
            self.socket_path = str(path)
            log.info("listening on unix socket %s", path)

    def _new_protocol(self) -> StreamTransport:
        conn = Connection(Role.SERVER, max_message_size=self.config.max_message_size)
        transport = StreamTransport(conn)
        session = Session(self, conn, transport, self.notifications, self.locks)
        task = asyncio.get_running_loop().create_task(self._run_session(session))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return transport

    async def _run_session(self, session: Session) -> None:
        await asyncio.sleep(0)  # let connection_made run first
        try:
            await session.run()
        finally:
            if session.process_id:
                self.sessions.pop(session.process_id, None)
            if session.admitted:
                self._admitted -= 1

    async def serve_forever(self) -> None:
        await asyncio.gather(*(listener.serve_forever() for listener in self._listeners))

    async def __aenter__(self) -> Server:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Graceful shutdown: stop listening, end idle sessions, give busy ones time."""
        if self._closing:
            return
        self._closing = True
        for listener in self._listeners:
            listener.close()
        for session in list(self.sessions.values()):
            session.terminate_when_idle()
        if self._tasks:
            _done, pending = await asyncio.wait(
                set(self._tasks), timeout=self.config.shutdown_timeout
            )
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=1.0)
        for listener in self._listeners:
            with contextlib.suppress(Exception):
                await listener.wait_closed()
        if self.socket_path:
            with contextlib.suppress(OSError):
                os.unlink(self.socket_path)

    # ------------------------------------------------------------------ registry

    def admit(self, session: Session) -> bool:
        """Count a session that finished its startup packet against max_connections."""
        if self._closing or self._admitted >= self.config.max_connections:
            return False
        self._admitted += 1
        session.admitted = True
        return True

    async def _warm_verifiers(self) -> None:
        """Derive the verifiers of a users file's plain passwords in the background, so that
        even a user's first SCRAM attempt costs what an unknown user's does."""
        if not isinstance(self.credentials, DictSource):
            return
        if not any(rule.method == "scram-sha-256" for rule in self.auth_rules):
            return
        for user, secret in self.credentials.items():
            await self.scram_verifier(user, secret)

    async def scram_verifier(self, user: str, secret: str) -> str:
        """`secret` as a SCRAM verifier: as stored, or derived from a plain password once."""
        if ScramSecret.parse(secret) is not None or is_md5_secret(secret):
            return secret
        key = (user, secret)
        verifier = self._verifiers.get(key)
        if verifier is None:
            salt = mock_salt(self.auth_secret, user)
            iterations = self.config.scram_iterations
            derived = await asyncio.get_running_loop().run_in_executor(
                None, ScramSecret.from_password, secret, salt, iterations
            )
            verifier = derived.encode()
            if len(self._verifiers) >= 10_000:
                self._verifiers.pop(next(iter(self._verifiers)))
            self._verifiers[key] = verifier
        return verifier

    def register(self, session: Session, key_length: int) -> tuple[int, bytes]:
        pid = self._next_pid
        self._next_pid += self._pid_step
        key = secrets.token_bytes(key_length)
        self.sessions[pid] = session
        session.process_id, session.secret_key = pid, key
        return pid, key

    def cancel(self, process_id: int, secret_key: bytes) -> None:
        if self.worker is not None and not self.worker.mine(process_id):
            self.worker.forward_cancel(process_id, secret_key)
            return
        session = self.sessions.get(process_id)
        if session is None or not hmac.compare_digest(session.secret_key, secret_key):
            log.info("cancel request for process %d did not match", process_id)
            return
        session.cancel()

    def held_locks(self) -> Sequence[HeldLock]:
        """The advisory locks of this process's sessions, for the backends' pg_locks."""
        return [
            HeldLock("advisory", key.database, key.classid, key.objid, key.objsubid, owner, mode,
                     granted)
            for key, owner, mode, granted in self.locks.snapshot()
        ]  # fmt: skip


def _remove_stale_socket(path: Path) -> None:
    """Remove a socket file left by a dead server; refuse to steal a live one."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(mode):
        raise OSError(f"{path} exists and is not a socket")
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(str(path))
    except OSError:
        path.unlink()
    else:
        raise OSError(f"another server is listening on {path}")
    finally:
        probe.close()


def new_event_loop(use_uvloop: bool = True) -> asyncio.AbstractEventLoop:
    if use_uvloop:
        try:
            import uvloop
        except ImportError:
            pass
        else:
            loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
            return loop
    return asyncio.new_event_loop()


def run_server(
    handler: Handler,
    config: Config,
    sockets: list[socket.socket] | None = None,
    worker: WorkerLink | None = None,
) -> None:
    """One server process's event loop, until SIGINT or SIGTERM."""
    loop = new_event_loop(config.uvloop)
    try:
        loop.run_until_complete(_serve(handler, config, sockets, worker))
    finally:
        loop.close()


async def _serve(
    handler: Handler,
    config: Config,
    sockets: list[socket.socket] | None = None,
    worker: WorkerLink | None = None,
) -> None:
    server = Server(handler, config, sockets=sockets, worker=worker)
    await server.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    serving = asyncio.ensure_future(server.serve_forever())
    await stop.wait()
    log.info("shutting down")
    serving.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await serving
    await server.close()
