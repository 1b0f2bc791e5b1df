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


# --------------------------------------------------------------------------------------------
# savepoints kept by the front end (a backend without them: Handler.runs_savepoints false)


def kept(*names: str) -> Transaction:
    transaction = Transaction(keeps_savepoints=True)
    transaction.status = IN_BLOCK
    for name in names:
        savepoint(transaction, "SAVEPOINT", name)
    return transaction


def savepoint(transaction: Transaction, verb: str, name: str) -> str:
    rule = transaction.rule(verb)
    assert rule.kept and rule.run is None  # the backend sees nothing
    transaction.keep(verb, name)
    transaction.succeeded(rule)
    assert rule.answer is not None
    return rule.answer


def names(transaction: Transaction) -> list[str]:
    return [s.name for s in transaction.savepoints]


def test_kept_savepoints_answer_as_postgres() -> None:
    transaction = kept()
    assert savepoint(transaction, "SAVEPOINT", "a") == "SAVEPOINT"
    assert savepoint(transaction, "SAVEPOINT", "b") == "SAVEPOINT"
    assert savepoint(transaction, "ROLLBACK TO", "a") == "ROLLBACK"
    assert names(transaction) == ["a"]  # ROLLBACK TO keeps a, drops what came after it
    assert savepoint(transaction, "RELEASE", "a") == "RELEASE"
    assert names(transaction) == [] and transaction.status == IN_BLOCK


def test_release_drops_the_savepoints_set_after_it() -> None:
    transaction = kept("a", "b", "c")
    savepoint(transaction, "RELEASE", "b")
    assert names(transaction) == ["a"]


def test_a_repeated_name_means_the_latest() -> None:
    transaction = kept("a", "b", "a")
    savepoint(transaction, "RELEASE", "a")
    assert names(transaction) == ["a", "b"]
    savepoint(transaction, "ROLLBACK TO", "a")
    assert names(transaction) == ["a"]


@pytest.mark.parametrize("verb", ["RELEASE", "ROLLBACK TO"])
def test_unknown_savepoint_is_3B001(verb: str) -> None:
    transaction = kept("a")
    with pytest.raises(PgError) as raised:
        savepoint(transaction, verb, "b")
    assert raised.value.sqlstate == sqlstate.S_E_INVALID_SPECIFICATION
    assert raised.value.message == 'savepoint "b" does not exist'
    assert names(transaction) == ["a"]


def test_rollback_to_after_a_read_succeeds() -> None:
    transaction = kept("a")
    transaction.ran(None)
    savepoint(transaction, "ROLLBACK TO", "a")
    assert transaction.status == IN_BLOCK


def test_rollback_to_after_a_write_is_refused() -> None:
    transaction = kept("a", "b")
    transaction.ran("INSERT")
    savepoint(transaction, "SAVEPOINT", "c")  # set after the write: nothing to undo
    savepoint(transaction, "ROLLBACK TO", "c")
    for name in ("b", "a"):
        with pytest.raises(PgError) as raised:
            savepoint(transaction, "ROLLBACK TO", name)
        err = raised.value
        assert err.sqlstate == sqlstate.FEATURE_NOT_SUPPORTED
        assert f'savepoint "{name}"' in err.message
        assert err.detail is not None and "(INSERT)" in err.detail
        assert err.hint == "Roll back the whole transaction (ROLLBACK)."
    transaction.failed()  # the session marks the block failed, as for any error
    assert transaction.status == FAILED


def test_rollback_to_after_a_failed_statement_is_refused() -> None:
    transaction = kept("a")
    transaction.failed()
    with pytest.raises(PgError) as raised:
        savepoint(transaction, "ROLLBACK TO", "a")
    assert raised.value.sqlstate == sqlstate.FEATURE_NOT_SUPPORTED
    assert raised.value.detail is not None and "failed" in raised.value.detail
    with pytest.raises(PgError) as unknown:  # an unknown name is still 3B001
        savepoint(transaction, "ROLLBACK TO", "zz")
    assert unknown.value.sqlstate == sqlstate.S_E_INVALID_SPECIFICATION
    for verb in ("SAVEPOINT", "RELEASE"):
        with pytest.raises(PgError) as refused:
            transaction.rule(verb)
        assert refused.value.sqlstate == sqlstate.IN_FAILED_SQL_TRANSACTION
    rule = transaction.rule("ROLLBACK")
    transaction.succeeded(rule)
    assert transaction.status == IDLE and transaction.savepoints == []


def test_the_end_of_the_block_forgets_the_savepoints() -> None:
    transaction = kept("a")
    transaction.succeeded(transaction.rule("COMMIT"))
    assert transaction.savepoints == []


def test_savepoints_reach_a_backend_that_runs_them() -> None:
    rule = at(IN_BLOCK).rule("SAVEPOINT")
    assert rule.run == AS_WRITTEN and not rule.kept
