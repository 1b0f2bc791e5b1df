"""Advisory locks across one server: who holds what, who waits for what. No I/O, no asyncio.

One `LockManager` per server serves every session, as PostgreSQL's lock table serves every
backend. Its rules are PostgreSQL's for advisory locks:

- a key is a bigint or a pair of int4, in separate key spaces (`LockKey`), and belongs to one
  database;
- two modes: `EXCLUSIVE` conflicts with both, `SHARE` coexists with `SHARE`. A session never
  conflicts with itself;
- a hold is session-level or transaction-level, and counted: each acquisition is one count,
  released one at a time (session level) or all at once (the transaction's end, the
  session's end);
- waiters are granted in arrival order: a request that conflicts with a holder, or with an
  earlier waiter of another session, waits (unless its session already holds something on
  that key, as in PostgreSQL), and a release grants the waiters at the head of the queue that
  no longer conflict;
- a wait that would close a cycle in the wait-for graph is refused (`Deadlock`), checked when
  the wait starts: nothing else can close a cycle.

Waiting itself is the caller's business: `enqueue` takes a callback that is called, once, when
the waiter is granted (from within whichever call released the lock).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

EXCLUSIVE = "ExclusiveLock"
SHARE = "ShareLock"
SESSION = "session"
XACT = "transaction"

_U32 = 0xFFFFFFFF


class LockKey(NamedTuple):
    """A lock's identity, as pg_locks shows it: (classid, objid, objsubid) in a database."""

    database: str
    classid: int  # a bigint key's high 32 bits, or the first int4 (unsigned)
    objid: int  # a bigint key's low 32 bits, or the second int4 (unsigned)
    objsubid: int  # 1: one bigint key, 2: two int4 keys

    @classmethod
    def bigint(cls, database: str, key: int) -> LockKey:
        key &= 0xFFFFFFFFFFFFFFFF
        return cls(database, key >> 32, key & _U32, 1)

    @classmethod
    def pair(cls, database: str, key1: int, key2: int) -> LockKey:
        return cls(database, key1 & _U32, key2 & _U32, 2)

    def describe(self) -> str:
        """As PostgreSQL names it in a deadlock report."""
        return f"advisory lock [{self.database},{self.classid},{self.objid},{self.objsubid}]"


def conflicts(a: str, b: str) -> bool:
    return a == EXCLUSIVE or b == EXCLUSIVE


@dataclass(eq=False, slots=True)
class Waiter:
    owner: int
    key: LockKey
    mode: str
    level: str
    on_grant: Callable[[], None] = field(repr=False)
    granted: bool = False


@dataclass(frozen=True, slots=True)
class WaitEdge:
    """In a deadlock: `owner` waits for `mode` on `key`, blocked by `blocker`."""

    owner: int
    mode: str
    key: LockKey
    blocker: int


class Deadlock(Exception):
    """Waiting would close a cycle; `cycle` starts with the refused request."""

    def __init__(self, cycle: list[WaitEdge]) -> None:
        super().__init__("deadlock detected")
        self.cycle = cycle

    def detail(self, process: Callable[[int], str] = str) -> str:
        return "\n".join(
            f"Process {process(e.owner)} waits for {e.mode} on {e.key.describe()}; "
            f"blocked by process {process(e.blocker)}."
            for e in self.cycle
        )


class _Lock:
    __slots__ = ("holds", "queue")

    def __init__(self) -> None:
        self.holds: dict[int, dict[tuple[str, str], int]] = {}  # owner → (mode, level) → count
        self.queue: deque[Waiter] = deque()

    def modes(self, owner: int) -> Iterator[str]:
        return (mode for mode, _ in self.holds.get(owner, ()))


class LockManager:
    def __init__(self) -> None:
        self._locks: dict[LockKey, _Lock] = {}
        self._owned: dict[int, dict[LockKey, None]] = {}  # owner → keys it holds something on
        self._waiting: dict[int, Waiter] = {}  # owner → its one pending request

    # ------------------------------------------------------------------ asking

    def try_acquire(self, owner: int, key: LockKey, mode: str, level: str) -> bool:
        """Take the lock now if nothing stands in the way; False (and nothing done) if not."""
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = _Lock()
        elif not self._grantable(lock, owner, mode, lock.queue):
            return False
        self._grant(lock, owner, key, mode, level)
        return True

    def enqueue(
        self, owner: int, key: LockKey, mode: str, level: str, on_grant: Callable[[], None]
    ) -> Waiter:
        """Wait for a lock `try_acquire` refused; raises `Deadlock` instead of waiting when
        the wait would close a cycle."""
        assert owner not in self._waiting, "one session waits for one lock at a time"
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = _Lock()
        waiter = Waiter(owner, key, mode, level, on_grant)
        lock.queue.append(waiter)
        self._waiting[owner] = waiter
        cycle = self._cycle(waiter)
        if cycle is not None:
            self._drop_waiter(waiter)
            raise Deadlock(cycle)
        self._wake(key)  # granted at once if the holders went in between
        return waiter

    def abandon(self, waiter: Waiter) -> None:
        """The waiter gave up (cancel, timeout): leave the queue, or give back what it got."""
        if waiter.granted:
            self.release(waiter.owner, waiter.key, waiter.mode, waiter.level)
        elif self._waiting.get(waiter.owner) is waiter:
            self._drop_waiter(waiter)

    # ------------------------------------------------------------------ giving back

    def release(self, owner: int, key: LockKey, mode: str, level: str) -> bool:
        """Give back one count of a hold; False when `owner` holds none at that level."""
        lock = self._locks.get(key)
        holds = lock.holds.get(owner) if lock is not None else None
        if lock is None or holds is None or not holds.get((mode, level)):
            return False
        holds[mode, level] -= 1
        if not holds[mode, level]:
            del holds[mode, level]
            if not holds:
                del lock.holds[owner]
                self._forget(owner, key)
        self._wake(key)
        return True

    def release_level(self, owner: int, level: str) -> int:
        """Give back every hold of `owner` at `level`; the number of keys released."""
        released = 0
        for key in list(self._owned.get(owner, ())):
            lock = self._locks[key]
            holds = lock.holds[owner]
            mine = [hold for hold in holds if hold[1] == level]
            if not mine:
                continue
            for hold in mine:
                del holds[hold]
            if not holds:
                del lock.holds[owner]
                self._forget(owner, key)
            released += 1
            self._wake(key)
        return released

    def release_owner(self, owner: int) -> None:
        """The session ended: its pending request and all it holds go."""
        waiter = self._waiting.get(owner)
        if waiter is not None:
            self.abandon(waiter)
        self.release_level(owner, SESSION)
        self.release_level(owner, XACT)

    # ------------------------------------------------------------------ looking

    def holds(self, owner: int, level: str | None = None) -> bool:
        """Whether `owner` holds anything (at `level`, if given)."""
        for key in self._owned.get(owner, ()):
            if level is None or any(lv == level for _, lv in self._locks[key].holds[owner]):
                return True
        return False

    def count(self, owner: int, key: LockKey, mode: str, level: str) -> int:
        lock = self._locks.get(key)
        if lock is None:
            return 0
        return lock.holds.get(owner, {}).get((mode, level), 0)

    def snapshot(self) -> list[tuple[LockKey, int, str, bool]]:
        """(key, owner, mode, granted) for every hold and every waiter, as pg_locks lists them.

        A backend's catalog query reads it from a worker thread while the loop may change
        the locks: a read that meets a change is made again."""
        while True:
            try:
                return self._rows()
            except RuntimeError:  # a dict changed size while it was read
                continue

    def _rows(self) -> list[tuple[LockKey, int, str, bool]]:
        rows: list[tuple[LockKey, int, str, bool]] = []
        for key, lock in list(self._locks.items()):
            for owner, holds in lock.holds.items():
                for mode in dict.fromkeys(m for m, _ in holds):
                    rows.append((key, owner, mode, True))
            rows.extend((key, w.owner, w.mode, False) for w in lock.queue)
        return rows

    def __len__(self) -> int:
        return len(self._locks)

    # ------------------------------------------------------------------ the rules

    def _grantable(self, lock: _Lock, owner: int, mode: str, ahead: Iterable[Waiter]) -> bool:
        for other, holds in lock.holds.items():
            if other != owner and any(conflicts(mode, held) for held, _ in holds):
                return False
        if owner in lock.holds:
            return True  # holding something on it already: no queueing behind others
        return not any(w.owner != owner and conflicts(mode, w.mode) for w in ahead)

    def _grant(self, lock: _Lock, owner: int, key: LockKey, mode: str, level: str) -> None:
        holds = lock.holds.setdefault(owner, {})
        holds[mode, level] = holds.get((mode, level), 0) + 1
        self._owned.setdefault(owner, {})[key] = None

    def _wake(self, key: LockKey) -> None:
        """Grant the waiters that no longer conflict, in order; forget an unused lock."""
        lock = self._locks.get(key)
        if lock is None:
            return
        granted: list[Waiter] = []
        if lock.queue:
            waiting: list[Waiter] = []
            for waiter in lock.queue:
                if self._grantable(lock, waiter.owner, waiter.mode, waiting):
                    self._grant(lock, waiter.owner, key, waiter.mode, waiter.level)
                    waiter.granted = True
                    del self._waiting[waiter.owner]
                    granted.append(waiter)
                else:
                    waiting.append(waiter)
            lock.queue = deque(waiting)
        if not lock.holds and not lock.queue:
            del self._locks[key]
        for waiter in granted:
            waiter.on_grant()

    def _drop_waiter(self, waiter: Waiter) -> None:
        del self._waiting[waiter.owner]
        lock = self._locks[waiter.key]
        lock.queue.remove(waiter)
        self._wake(waiter.key)  # those queued behind it may go now

    def _forget(self, owner: int, key: LockKey) -> None:
        owned = self._owned[owner]
        del owned[key]
        if not owned:
            del self._owned[owner]

    def _blockers(self, waiter: Waiter) -> list[int]:
        """The sessions `waiter` waits for: conflicting holders, and conflicting waiters ahead
        of it (unless it already holds something on the key)."""
        lock = self._locks[waiter.key]
        owner, mode = waiter.owner, waiter.mode
        blockers = [
            other
            for other in lock.holds
            if other != owner and any(conflicts(mode, held) for held in lock.modes(other))
        ]
        if owner not in lock.holds:
            for ahead in lock.queue:
                if ahead is waiter:
                    break
                if ahead.owner != owner and conflicts(mode, ahead.mode):
                    blockers.append(ahead.owner)
        return blockers

    def _cycle(self, start: Waiter) -> list[WaitEdge] | None:
        """The shortest wait-for cycle through `start`, breadth first; None if there is none."""
        came_from: dict[int, Waiter] = {}  # a blocking owner → the waiter that reached it
        seen = {start.owner}
        todo = deque([start])
        while todo:
            waiter = todo.popleft()
            for blocker in self._blockers(waiter):
                if blocker == start.owner:
                    edges = [WaitEdge(waiter.owner, waiter.mode, waiter.key, blocker)]
                    while waiter is not start:
                        previous = came_from[waiter.owner]
                        edges.append(
                            WaitEdge(previous.owner, previous.mode, previous.key, waiter.owner)
                        )
                        waiter = previous
                    edges.reverse()
                    return edges
                if blocker in seen:
                    continue
                seen.add(blocker)
                next_waiter = self._waiting.get(blocker)
                if next_waiter is not None:
                    came_from[blocker] = waiter
                    todo.append(next_waiter)
        return None
