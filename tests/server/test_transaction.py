"""The transaction rules as a table: every status and verb, and what follows, with no I/O."""

from __future__ import annotations

import pytest

from pgwire import sqlstate
from pgwire.errors import PgError
from pgwire.server.transaction import (
    AS_WRITTEN,
    FAILED,
    IDLE,
    IN_BLOCK,
    RULES,
    SAME,
    Implicit,
    Transaction,
)

VERBS = [None, "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "ROLLBACK TO",
         "PREPARE TRANSACTION"]  # fmt: skip


def at(status: str) -> Transaction:
    transaction = Transaction()
    transaction.status = status
    return transaction


@pytest.mark.parametrize(
    ("status", "verb", "runs", "then", "answer", "warning"),
    [
        (IDLE, None, AS_WRITTEN, IDLE, None, None),
        (IDLE, "BEGIN", AS_WRITTEN, IN_BLOCK, None, None),
        (IDLE, "COMMIT", None, IDLE, "COMMIT", sqlstate.NO_ACTIVE_SQL_TRANSACTION),
        (IDLE, "ROLLBACK", None, IDLE, "ROLLBACK", sqlstate.NO_ACTIVE_SQL_TRANSACTION),
        (IN_BLOCK, None, AS_WRITTEN, IN_BLOCK, None, None),
        (IN_BLOCK, "BEGIN", None, IN_BLOCK, "BEGIN", sqlstate.ACTIVE_SQL_TRANSACTION),
        (IN_BLOCK, "COMMIT", AS_WRITTEN, IDLE, None, None),
        (IN_BLOCK, "SAVEPOINT", AS_WRITTEN, IN_BLOCK, None, None),
        (IN_BLOCK, "ROLLBACK TO", AS_WRITTEN, IN_BLOCK, None, None),
        (FAILED, "COMMIT", "ROLLBACK", IDLE, "ROLLBACK", None),  # a failed block rolls back
        (FAILED, "ROLLBACK", "ROLLBACK", IDLE, "ROLLBACK", None),
        (FAILED, "ROLLBACK TO", AS_WRITTEN, IN_BLOCK, None, None),
    ],
)
def test_rules_as_postgres_answers(
    status: str, verb: str | None, runs: str | None, then: str, answer: str | None,
    warning: str | None,
) -> None:  # fmt: skip
    transaction = at(status)
    rule = transaction.rule(verb)
    assert rule.run == runs
    assert rule.answer == answer
    found = transaction.warning(rule)
    assert (found.sqlstate if found else None) == warning
    if found is not None:
        assert found.severity == "WARNING"
    transaction.succeeded(rule)
    assert transaction.status == then


@pytest.mark.parametrize("verb", [None, "BEGIN", "SAVEPOINT", "RELEASE", "PREPARE TRANSACTION"])
def test_failed_block_refuses_all_but_its_end(verb: str | None) -> None:
    with pytest.raises(PgError) as raised:
        at(FAILED).rule(verb)
    assert raised.value.sqlstate == sqlstate.IN_FAILED_SQL_TRANSACTION


@pytest.mark.parametrize("verb", ["SAVEPOINT", "RELEASE", "ROLLBACK TO"])
def test_savepoints_need_a_block(verb: str) -> None:
    with pytest.raises(PgError) as raised:
        at(IDLE).rule(verb)
    assert raised.value.sqlstate == sqlstate.NO_ACTIVE_SQL_TRANSACTION
    assert raised.value.message == f"{verb.split()[0]} can only be used in transaction blocks"


def test_table_covers_every_verb_outside_a_failed_block() -> None:
    for status in (IDLE, IN_BLOCK):
        for verb in VERBS:
            assert (status, verb) in RULES, (status, verb)
    for rule in RULES.values():
        assert rule.then in (IDLE, IN_BLOCK, FAILED, SAME)
        if rule.run is None:  # answered without the backend: with a tag, or refused
            assert (rule.answer is None) != (rule.error is None)
        elif rule.run == AS_WRITTEN:  # the backend's own answer
            assert rule.answer is None
        else:  # other SQL in its place: the tag says what it did
            assert rule.answer == rule.run


def test_a_failure_fails_only_a_block() -> None:
    idle, block = at(IDLE), at(IN_BLOCK)
    idle.failed()
    block.failed()
    assert (idle.status, block.status) == (IDLE, FAILED)


def test_implicit_transactions() -> None:
    transaction = Transaction()
    assert not transaction.in_transaction
    assert transaction.wants_implicit(None, backend_runs_transactions=True)
    assert not transaction.wants_implicit("BEGIN", backend_runs_transactions=True)
    assert not transaction.wants_implicit(None, backend_runs_transactions=False)
    transaction.implicit = Implicit.EXTENDED
    assert transaction.in_transaction
    assert not transaction.wants_implicit(None, backend_runs_transactions=True)
    assert not at(IN_BLOCK).wants_implicit(None, backend_runs_transactions=True)
