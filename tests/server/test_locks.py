"""The advisory lock manager's rules, on the pure object: no server, no event loop."""

from __future__ import annotations

import pytest

from pgwire.server.locks import EXCLUSIVE, SESSION, SHARE, XACT, Deadlock, LockKey, LockManager

K1 = LockKey.bigint("db", 1)
K2 = LockKey.bigint("db", 2)
A, B, C = 101, 102, 103


class Grants:
    """Records which waiters were granted, in order."""

    def __init__(self) -> None:
        self.order: list[str] = []

    def __call__(self, name: str) -> object:
        return lambda: self.order.append(name)


def test_keys_bigint_and_pair_are_different_spaces() -> None:
    assert LockKey.bigint("db", 1) != LockKey.pair("db", 0, 1)
    assert LockKey.bigint("db", 1) == LockKey("db", 0, 1, 1)
    assert LockKey.pair("db", 0, 1) == LockKey("db", 0, 1, 2)
    assert LockKey.bigint("db", -1) == LockKey("db", 0xFFFFFFFF, 0xFFFFFFFF, 1)
    assert LockKey.bigint("db", 2**40 + 5) == LockKey("db", 2**8, 5, 1)
    assert LockKey.pair("db", -1, 7) == LockKey("db", 0xFFFFFFFF, 7, 2)
    assert LockKey.bigint("db", 1) != LockKey.bigint("other", 1)
    locks = LockManager()
    assert locks.try_acquire(A, LockKey.bigint("db", 1), EXCLUSIVE, SESSION)
    assert locks.try_acquire(B, LockKey.pair("db", 0, 1), EXCLUSIVE, SESSION)
    assert locks.try_acquire(B, LockKey.bigint("other", 1), EXCLUSIVE, SESSION)


def test_modes_conflict_as_in_postgresql() -> None:
    locks = LockManager()
    assert locks.try_acquire(A, K1, SHARE, SESSION)
    assert locks.try_acquire(B, K1, SHARE, SESSION)  # shared coexist
    assert not locks.try_acquire(C, K1, EXCLUSIVE, SESSION)
    assert locks.try_acquire(A, K1, EXCLUSIVE, SESSION) is False  # B's share is in the way
    assert locks.release(B, K1, SHARE, SESSION)
    assert locks.try_acquire(A, K1, EXCLUSIVE, SESSION)  # a session never conflicts with itself
    assert not locks.try_acquire(B, K1, SHARE, SESSION)
    assert not locks.try_acquire(B, K1, EXCLUSIVE, SESSION)


def test_counted_and_released_one_at_a_time() -> None:
    locks = LockManager()
    for _ in range(3):
        assert locks.try_acquire(A, K1, EXCLUSIVE, SESSION)
    assert locks.count(A, K1, EXCLUSIVE, SESSION) == 3
    assert locks.release(A, K1, EXCLUSIVE, SESSION)
    assert locks.release(A, K1, EXCLUSIVE, SESSION)
    assert not locks.try_acquire(B, K1, EXCLUSIVE, SESSION)
    assert locks.release(A, K1, EXCLUSIVE, SESSION)
    assert not locks.release(A, K1, EXCLUSIVE, SESSION)  # not held any more
    assert not locks.release(A, K1, SHARE, SESSION)
    assert locks.try_acquire(B, K1, EXCLUSIVE, SESSION)
    assert len(locks) == 1


def test_release_touches_only_its_level_and_mode() -> None:
    locks = LockManager()
    assert locks.try_acquire(A, K1, EXCLUSIVE, XACT)
    assert not locks.release(A, K1, EXCLUSIVE, SESSION)  # unlock sees session locks only
    assert not locks.release(A, K1, SHARE, XACT)
    assert locks.try_acquire(A, K1, EXCLUSIVE, SESSION)
    assert locks.try_acquire(A, K2, SHARE, SESSION)
    assert locks.release_level(A, XACT) == 1
    assert locks.holds(A, SESSION) and not locks.holds(A, XACT)
    assert not locks.try_acquire(B, K1, EXCLUSIVE, SESSION)  # the session level remains
    assert locks.release_level(A, SESSION) == 2
    assert not locks.holds(A)
    assert len(locks) == 0


def test_waiters_granted_in_order() -> None:
    locks = LockManager()
    grants = Grants()
    assert locks.try_acquire(A, K1, EXCLUSIVE, SESSION)
    b = locks.enqueue(B, K1, EXCLUSIVE, SESSION, grants("B"))
    c = locks.enqueue(C, K1, EXCLUSIVE, SESSION, grants("C"))
    assert not b.granted and not c.granted
    assert locks.release(A, K1, EXCLUSIVE, SESSION)
    assert grants.order == ["B"] and b.granted and not c.granted
    assert locks.count(B, K1, EXCLUSIVE, SESSION) == 1
    locks.release_owner(B)
    assert grants.order == ["B", "C"] and c.granted


def test_shared_waiters_granted_together_exclusive_waits_its_turn() -> None:
    locks = LockManager()
    grants = Grants()
    assert locks.try_acquire(A, K1, EXCLUSIVE, SESSION)
    locks.enqueue(B, K1, SHARE, SESSION, grants("B"))
    locks.enqueue(C, K1, SHARE, SESSION, grants("C"))
    locks.enqueue(104, K1, EXCLUSIVE, SESSION, grants("D"))
    locks.release_level(A, SESSION)
    assert grants.order == ["B", "C"]
    # a new shared request queues behind the exclusive waiter: no starvation
    assert not locks.try_acquire(105, K1, SHARE, SESSION)
    # ... unless its session already holds something on the key
    assert locks.try_acquire(B, K1, SHARE, SESSION)
    locks.release_owner(B)
    locks.release_owner(C)
    assert grants.order == ["B", "C", "D"]


def test_abandoned_wait_leaves_the_queue_and_unblocks_those_behind() -> None:
    locks = LockManager()
    grants = Grants()
    assert locks.try_acquire(A, K1, SHARE, SESSION)
    b = locks.enqueue(B, K1, EXCLUSIVE, SESSION, grants("B"))
    assert not locks.try_acquire(C, K1, SHARE, SESSION)  # behind B's exclusive request
    c = locks.enqueue(C, K1, SHARE, SESSION, grants("C"))
    locks.abandon(b)  # B was cancelled
    assert grants.order == ["C"] and c.granted and not b.granted
    assert [row[1:] for row in locks.snapshot()] == [(A, SHARE, True), (C, SHARE, True)]


def test_abandoned_after_grant_gives_it_back() -> None:
    locks = LockManager()
    grants = Grants()
    assert locks.try_acquire(A, K1, EXCLUSIVE, SESSION)
    b = locks.enqueue(B, K1, EXCLUSIVE, SESSION, grants("B"))
    locks.release(A, K1, EXCLUSIVE, SESSION)
    assert b.granted
    locks.abandon(b)  # cancelled before it could return
    assert not locks.holds(B)
    assert len(locks) == 0


def test_deadlock_detected_when_the_cycle_closes() -> None:
    locks = LockManager()
    assert locks.try_acquire(A, K1, EXCLUSIVE, SESSION)
    assert locks.try_acquire(B, K2, EXCLUSIVE, SESSION)
    waiting = locks.enqueue(A, K2, EXCLUSIVE, SESSION, lambda: None)
    with pytest.raises(Deadlock) as caught:
        locks.enqueue(B, K1, EXCLUSIVE, SESSION, lambda: None)
    cycle = caught.value.cycle
    assert [(e.owner, e.key, e.blocker) for e in cycle] == [(B, K1, A), (A, K2, B)]
    assert caught.value.detail() == (
        "Process 102 waits for ExclusiveLock on advisory lock [db,0,1,1]; "
        "blocked by process 101.\n"
        "Process 101 waits for ExclusiveLock on advisory lock [db,0,2,1]; "
        "blocked by process 102."
    )
    # the refused request is not queued; the other wait goes on until B lets go
    assert not locks.holds(B, XACT) and locks.count(B, K2, EXCLUSIVE, SESSION) == 1
    locks.release_owner(B)
    assert waiting.granted


def test_deadlock_through_three_sessions_and_through_the_queue() -> None:
    locks = LockManager()
    k3 = LockKey.bigint("db", 3)
    assert locks.try_acquire(A, K1, EXCLUSIVE, SESSION)
    assert locks.try_acquire(B, K2, EXCLUSIVE, SESSION)
    assert locks.try_acquire(C, k3, SHARE, SESSION)
    locks.enqueue(A, K2, EXCLUSIVE, SESSION, lambda: None)  # A → B
    locks.enqueue(B, k3, EXCLUSIVE, SESSION, lambda: None)  # B → C
    with pytest.raises(Deadlock) as caught:
        locks.enqueue(C, K1, SHARE, SESSION, lambda: None)  # C → A closes it
    assert [e.owner for e in caught.value.cycle] == [C, A, B]

    # shared holders do not block each other, but a waiter ahead in the queue does
    locks = LockManager()
    assert locks.try_acquire(A, K1, SHARE, SESSION)
    assert locks.try_acquire(C, K2, EXCLUSIVE, SESSION)
    locks.enqueue(B, K1, EXCLUSIVE, SESSION, lambda: None)  # B waits for A
    locks.enqueue(B + 100, K2, EXCLUSIVE, SESSION, lambda: None)  # another waits for C
    assert not locks.try_acquire(C, K1, SHARE, SESSION)  # behind B
    locks.enqueue(C, K1, SHARE, SESSION, lambda: None)  # C waits for B: no cycle yet
    with pytest.raises(Deadlock):
        locks.enqueue(A, K2, EXCLUSIVE, SESSION, lambda: None)  # A → C → B → A


def test_no_deadlock_without_a_cycle() -> None:
    locks = LockManager()
    assert locks.try_acquire(A, K1, EXCLUSIVE, SESSION)
    locks.enqueue(B, K1, EXCLUSIVE, SESSION, lambda: None)
    locks.enqueue(C, K1, EXCLUSIVE, SESSION, lambda: None)
    assert [row[1:] for row in locks.snapshot()] == [
        (A, EXCLUSIVE, True),
        (B, EXCLUSIVE, False),
        (C, EXCLUSIVE, False),
    ]


def test_release_owner_drops_its_wait_and_everything_it_holds() -> None:
    locks = LockManager()
    grants = Grants()
    assert locks.try_acquire(A, K1, EXCLUSIVE, SESSION)
    assert locks.try_acquire(B, K2, EXCLUSIVE, XACT)
    assert locks.try_acquire(B, K2, SHARE, SESSION)
    locks.enqueue(B, K1, SHARE, SESSION, grants("B"))
    locks.enqueue(C, K2, SHARE, SESSION, grants("C"))
    locks.release_owner(B)
    assert grants.order == ["C"]
    locks.release_owner(A)
    locks.release_owner(C)
    assert len(locks) == 0 and locks.snapshot() == []
