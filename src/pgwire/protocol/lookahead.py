"""What a pipelining client sends next, read from frames already received, none consumed.

A server answering one extended-query message may look at the messages behind it
(`Connection.lookahead`) to choose how to run it, without changing what it answers:

- `runs_alone`: nothing but Describe/Execute of this portal, Close and Flush come before the
  next Sync, so the statement runs by itself (no hidden transaction needed around it);
- `bind_execute_runs`: the Bind/[Describe]/Execute runs of one statement that follow, so a
  batch of them can go to the backend in one call.

Frames are only inspected here; `pgwire.protocol.messages` decodes the ones that are taken.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pgwire.errors import PgError
from pgwire.protocol import messages as m

Frames = Iterable[tuple[bytes, bytes]]  # (type byte, body)

_DESCRIBE_UNNAMED_PORTAL = b"P\0"
_EXECUTE_UNNAMED_ALL_ROWS = b"\0\0\0\0\0"  # unnamed portal, no row limit


def runs_alone(frames: Frames, portal: str) -> bool:
    """True when the frames, up to the next Sync, hold nothing but Describe/Execute of
    `portal`, Describe of a statement, Close and Flush: no other statement joins it."""
    name = portal.encode() + b"\0"
    for kind, body in frames:
        if kind == b"S":
            return True
        if kind == b"D" and body[:1] == b"S":
            continue  # describing a statement runs nothing
        if kind in (b"E", b"D"):
            if (body[1:] if kind == b"D" else body)[: len(name)] != name:
                return False
        elif kind not in (b"C", b"H"):
            return False
    return False


@dataclass(frozen=True, slots=True)
class BindExecute:
    """One Bind [Describe portal] Execute run of the unnamed portal, no row limit."""

    bind: m.Bind
    described: bool

    @property
    def frames(self) -> int:
        return 3 if self.described else 2


def bind_execute_runs(frames: Frames, statement: str) -> list[BindExecute]:
    """The complete runs for `statement` at the head of `frames`, in order, up to the first
    frame that is anything else (or does not decode: it is answered when its turn comes)."""
    runs: list[BindExecute] = []
    bind: m.Bind | None = None
    described = False
    for kind, body in frames:
        if kind == b"B" and bind is None:
            try:
                bind = m.Bind.decode(body)
            except PgError:
                break
            if bind.portal or bind.statement != statement:
                break
        elif kind == b"D" and bind is not None and not described:
            if body != _DESCRIBE_UNNAMED_PORTAL:
                break
            described = True
        elif kind == b"E" and bind is not None:
            if body != _EXECUTE_UNNAMED_ALL_ROWS:
                break
            runs.append(BindExecute(bind, described))
            bind, described = None, False
        else:
            break
    return runs
