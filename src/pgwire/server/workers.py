"""`--workers N`: N processes serving one set of listening sockets, for both cores.

The parent binds the listeners, forks the workers and supervises them; the kernel hands each
new connection to one worker. Only handlers that declare `multiprocess = True` qualify: each
worker has its own copy of the handler, and LISTEN/NOTIFY reaches sessions of the same
worker only. Cancel requests reach the right worker whichever one receives them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import signal
import socket
import sys
from pathlib import Path

from pgwire.config import Config
from pgwire.handler import Handler
from pgwire.server.server import run_server
from pgwire.server.workerlink import WorkerLink

log = logging.getLogger("pgwire.server")


def _listeners(config: Config) -> tuple[list[socket.socket], str | None]:
    sockets: list[socket.socket] = []
    port = config.port
    if config.host is not None:
        tcp = socket.create_server((config.host, config.port), backlog=1024)
        port = tcp.getsockname()[1]
        sockets.append(tcp)
        log.info("listening on %s:%d", config.host, port)
    path = None
    if config.unix_socket is not None:
        path = str(Path(config.unix_socket) / f".s.PGSQL.{port}")
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        unix.bind(path)
        os.chmod(path, 0o777)
        unix.listen(1024)
        sockets.append(unix)
        log.info("listening on unix socket %s", path)
    for sock in sockets:
        sock.setblocking(False)
    return sockets, path


def serve_workers(handler: Handler, config: Config) -> None:
    if not handler.multiprocess:
        raise ValueError(
            f"{type(handler).__name__} does not allow several processes (multiprocess = False)"
        )
    count = config.workers
    sockets, path = _listeners(config)
    pairs = [socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM) for _ in range(count)]
    # Each worker admits its share of the connection limit.
    per_worker = max(1, config.max_connections // count)
    children: list[int] = []
    for index in range(count):
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides
                link = WorkerLink(index, count, pairs[index][0], [p[1] for p in pairs])
                worker_config = dataclasses.replace(config, max_connections=per_worker)
                run_server(handler, worker_config, sockets, link)
            except BaseException:
                log.exception("worker %d failed", index)
                code = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        children.append(pid)
    log.info("%d workers started", count)

    def stop(signum: int, frame: object) -> None:
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        for child in children:
            while True:
                try:
                    os.waitpid(child, 0)
                    break
                except InterruptedError:
                    continue
    finally:
        for sock in sockets:
            sock.close()
        if path is not None:
            with contextlib.suppress(OSError):
                os.unlink(path)
