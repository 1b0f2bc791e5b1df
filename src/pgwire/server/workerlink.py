"""How one of several worker processes reaches the others: cancel requests only.

Each worker has a datagram socket to receive on, and the send ends of everyone's. A cancel
request names a process id; pid % count is the worker that owns the session.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import Callable
from dataclasses import dataclass

_CANCEL = struct.Struct("!iB")  # process id, key length; the key follows


@dataclass
class WorkerLink:
    index: int
    count: int
    inbox: socket.socket  # this worker's receive end
    outboxes: list[socket.socket]  # send ends, by worker index

    def mine(self, process_id: int) -> bool:
        return process_id % self.count == self.index

    def forward_cancel(self, process_id: int, secret_key: bytes) -> None:
        target = self.outboxes[process_id % self.count]
        with contextlib.suppress(OSError):  # a worker gone is a session gone
            target.send(_CANCEL.pack(process_id, len(secret_key)) + secret_key)

    def listen(self, loop: asyncio.AbstractEventLoop, cancel: Callable[[int, bytes], None]) -> None:
        self.inbox.setblocking(False)

        def readable() -> None:
            while True:
                try:
                    data = self.inbox.recv(512)
                except (BlockingIOError, InterruptedError):
                    return
                if len(data) < _CANCEL.size:
                    continue
                process_id, length = _CANCEL.unpack_from(data)
                cancel(process_id, data[_CANCEL.size : _CANCEL.size + length])

        loop.add_reader(self.inbox.fileno(), readable)
