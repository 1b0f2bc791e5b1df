"""Transaction status and PostgreSQL's rules for transaction control: a table, no I/O.

The status byte every ReadyForQuery carries has one owner, `Transaction`:

    I  idle: no transaction block (a statement runs in its own, implicit transaction)
    T  in a transaction block (BEGIN ... COMMIT)
    E  in a failed transaction block: every statement but its end is refused with 25P02

`RULES` says, for each status and transaction-control verb (None: any other statement), what
the backend runs, how the statement is answered and the status that follows. The session
asks `rule()` before it runs a statement and calls `succeeded()` after, or `failed()` when
the statement raised. Besides the client's block there are two hidden transactions the
session may open around a batch (`implicit`): one around the extended-query statements up to
a Sync, one around the statements of a multi-statement simple Query. Both are PostgreSQL's
implicit transactions, made explicit for backends that need BEGIN/COMMIT to get them.

Savepoints are the backend's (`AS_WRITTEN`) unless its handler says it has none
(`Handler.runs_savepoints` false): then the front end keeps them (`KEPT`, `keep()`), a stack
of names, each marked once a statement that may write ran after it was set (`ran()`).
SAVEPOINT and RELEASE always succeed as in PostgreSQL; ROLLBACK TO succeeds only when it
undoes nothing: no write since the savepoint and no failed statement (the backend's whole
transaction is aborted then). Otherwise it fails with 0A000 and the block stays failed, so a
client never believes something was undone that was not.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from pgwire import sqlstate
from pgwire.errors import PgError

IDLE, IN_BLOCK, FAILED = "I", "T", "E"

AS_WRITTEN = "<as written>"  # the backend runs the statement itself
SAME = "<same>"  # the status does not change


@dataclass(frozen=True, slots=True)
class Rule:
    run: str | None  # AS_WRITTEN, other SQL to run in its place, or None: the backend sees nothing
    then: str = SAME  # the status once it succeeded
    answer: str | None = None  # the command tag, when not the backend's
    warning: tuple[str, str] | None = None  # a WARNING sent before the answer: message, SQLSTATE
    error: str | None = None  # refused: the error's SQLSTATE (message from ERRORS)
    kept: bool = False  # a savepoint the front end keeps: `Transaction.keep()` runs it


_IN_PROGRESS = ("there is already a transaction in progress", sqlstate.ACTIVE_SQL_TRANSACTION)
_NONE_IN_PROGRESS = ("there is no transaction in progress", sqlstate.NO_ACTIVE_SQL_TRANSACTION)

# fmt: off
RULES: dict[tuple[str, str | None], Rule] = {
    # status    verb                    what the backend runs, the status after, the answer
    (IDLE,     None):                  Rule(AS_WRITTEN),
    (IDLE,     "BEGIN"):               Rule(AS_WRITTEN, then=IN_BLOCK),
    (IDLE,     "COMMIT"):              Rule(None, answer="COMMIT", warning=_NONE_IN_PROGRESS),
    (IDLE,     "ROLLBACK"):            Rule(None, answer="ROLLBACK", warning=_NONE_IN_PROGRESS),
    (IDLE,     "SAVEPOINT"):           Rule(None, error=sqlstate.NO_ACTIVE_SQL_TRANSACTION),
    (IDLE,     "RELEASE"):             Rule(None, error=sqlstate.NO_ACTIVE_SQL_TRANSACTION),
    (IDLE,     "ROLLBACK TO"):         Rule(None, error=sqlstate.NO_ACTIVE_SQL_TRANSACTION),
    (IDLE,     "PREPARE TRANSACTION"): Rule(AS_WRITTEN, then=IDLE),
    (IN_BLOCK, None):                  Rule(AS_WRITTEN),
    (IN_BLOCK, "BEGIN"):               Rule(None, answer="BEGIN", warning=_IN_PROGRESS),
    (IN_BLOCK, "COMMIT"):              Rule(AS_WRITTEN, then=IDLE),
    (IN_BLOCK, "ROLLBACK"):            Rule(AS_WRITTEN, then=IDLE),
    (IN_BLOCK, "SAVEPOINT"):           Rule(AS_WRITTEN),
    (IN_BLOCK, "RELEASE"):             Rule(AS_WRITTEN),
    (IN_BLOCK, "ROLLBACK TO"):         Rule(AS_WRITTEN),
    (IN_BLOCK, "PREPARE TRANSACTION"): Rule(AS_WRITTEN, then=IDLE),
    # A failed block ends only by COMMIT or ROLLBACK (both roll back), or ROLLBACK TO.
    (FAILED,   "COMMIT"):              Rule("ROLLBACK", then=IDLE, answer="ROLLBACK"),
    (FAILED,   "ROLLBACK"):            Rule("ROLLBACK", then=IDLE, answer="ROLLBACK"),
    (FAILED,   "ROLLBACK TO"):         Rule(AS_WRITTEN, then=IN_BLOCK),
}
# fmt: on
_REFUSED_IN_FAILED_BLOCK = Rule(None, error=sqlstate.IN_FAILED_SQL_TRANSACTION)

SAVEPOINT_VERBS = frozenset({"SAVEPOINT", "RELEASE", "ROLLBACK TO"})

# In place of RULES' entries when the front end keeps the savepoints (the backend has none).
# fmt: off
KEPT: dict[tuple[str, str], Rule] = {
    (IN_BLOCK, "SAVEPOINT"):   Rule(None, answer="SAVEPOINT", kept=True),
    (IN_BLOCK, "RELEASE"):     Rule(None, answer="RELEASE", kept=True),
    (IN_BLOCK, "ROLLBACK TO"): Rule(None, answer="ROLLBACK", kept=True),
    # keep() refuses it: the backend's transaction was aborted by the failed statement.
    (FAILED,   "ROLLBACK TO"): Rule(None, answer="ROLLBACK", kept=True),
}
# fmt: on


@dataclass(slots=True)
class Savepoint:
    name: str
    written: str | None = None  # the first statement since it was set that may have written


class Implicit(Enum):
    """A hidden transaction the session opened (BEGIN sent, the client's status still I)."""

    EXTENDED = "extended"  # around the extended-query statements up to the next Sync
    QUERY = "query"  # around the statements of one multi-statement simple Query


class Transaction:
    __slots__ = ("implicit", "keeps_savepoints", "savepoints", "status")

    def __init__(self, keeps_savepoints: bool = False) -> None:
        self.status = IDLE
        self.implicit: Implicit | None = None
        self.keeps_savepoints = keeps_savepoints  # the backend has none: the front end keeps them
        self.savepoints: list[Savepoint] = []  # kept ones, oldest first

    @property
    def in_transaction(self) -> bool:
        """A transaction is open: the client's block, or a hidden one around a batch."""
        return self.status != IDLE or self.implicit is not None

    def rule(self, verb: str | None) -> Rule:
        """How a statement of this verb runs now; raises its PgError when it is refused."""
        rule = RULES.get((self.status, verb), _REFUSED_IN_FAILED_BLOCK)
        if self.keeps_savepoints and verb in SAVEPOINT_VERBS:
            rule = KEPT.get((self.status, verb), rule)
        if rule.error is not None:
            raise _error(rule.error, verb)
        return rule

    def refuse_in_failed_block(self, verb: str | None) -> None:
        """25P02 unless the block is not failed or `verb` may end it (Bind checks this)."""
        if self.status == FAILED:
            self.rule(verb)

    @staticmethod
    def warning(rule: Rule) -> PgError | None:
        if rule.warning is None:
            return None
        return PgError(rule.warning[0], rule.warning[1], severity="WARNING")

    def succeeded(self, rule: Rule) -> None:
        if rule.then != SAME:
            self.status = rule.then
            if rule.then == IDLE:
                self.savepoints.clear()

    def keep(self, verb: str, name: str) -> None:
        """SAVEPOINT, RELEASE or ROLLBACK TO `name` on the kept savepoints (a `kept` rule);
        raises 3B001 for an unknown name, 0A000 for a ROLLBACK TO that would undo something."""
        if not name:
            raise PgError("syntax error at end of input", sqlstate.SYNTAX_ERROR)
        if verb == "SAVEPOINT":
            self.savepoints.append(Savepoint(name))
            return
        index = next(
            (i for i in reversed(range(len(self.savepoints))) if self.savepoints[i].name == name),
            None,
        )
        if index is None:
            raise PgError(f'savepoint "{name}" does not exist', sqlstate.S_E_INVALID_SPECIFICATION)
        if verb == "RELEASE":
            del self.savepoints[index:]  # and every savepoint set after it
            return
        if self.status == FAILED:
            raise _cannot_roll_back(name, "A statement failed after it was set")
        written = self.savepoints[index].written
        if written is not None:
            raise _cannot_roll_back(
                name, f"A statement that may write ({written}) ran after it was set"
            )
        del self.savepoints[index + 1 :]  # ROLLBACK TO keeps the savepoint itself

    def ran(self, written: str | None) -> None:
        """A statement ran in the block; `written`: what it may have written (None: a read)."""
        if written is None:
            return
        for savepoint in reversed(self.savepoints):
            if savepoint.written is not None:
                break  # and so are those set before it
            savepoint.written = written

    def failed(self) -> None:
        """A statement failed: a transaction block is now a failed one."""
        if self.status == IN_BLOCK:
            self.status = FAILED

    def wants_implicit(self, verb: str | None, backend_runs_transactions: bool) -> bool:
        """Whether a batch may be wrapped in a hidden transaction (the session checks that
        the batch holds more than one statement)."""
        return (
            self.status == IDLE
            and self.implicit is None
            and verb is None
            and backend_runs_transactions
        )


def ends_transaction(verb: str | None) -> bool:
    return verb in ("COMMIT", "ROLLBACK", "PREPARE TRANSACTION")


def _cannot_roll_back(name: str, why: str) -> PgError:
    return PgError(
        f'cannot roll back to savepoint "{name}": this backend cannot undo part of a transaction',
        sqlstate.FEATURE_NOT_SUPPORTED,
        detail=f"{why}. The transaction stays aborted.",
        hint="Roll back the whole transaction (ROLLBACK).",
    )


def _error(code: str, verb: str | None) -> PgError:
    if code == sqlstate.IN_FAILED_SQL_TRANSACTION:
        return PgError(
            "current transaction is aborted, commands ignored until end of transaction block",
            code,
        )
    assert verb is not None
    return PgError(f"{verb.split()[0]} can only be used in transaction blocks", code)
