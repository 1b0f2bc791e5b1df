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


class Implicit(Enum):
    """A hidden transaction the session opened (BEGIN sent, the client's status still I)."""

    EXTENDED = "extended"  # around the extended-query statements up to the next Sync
    QUERY = "query"  # around the statements of one multi-statement simple Query


class Transaction:
    __slots__ = ("implicit", "status")

    def __init__(self) -> None:
        self.status = IDLE
        self.implicit: Implicit | None = None

    @property
    def in_transaction(self) -> bool:
        """A transaction is open: the client's block, or a hidden one around a batch."""
        return self.status != IDLE or self.implicit is not None

    def rule(self, verb: str | None) -> Rule:
        """How a statement of this verb runs now; raises its PgError when it is refused."""
        rule = RULES.get((self.status, verb), _REFUSED_IN_FAILED_BLOCK)
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


def _error(code: str, verb: str | None) -> PgError:
    if code == sqlstate.IN_FAILED_SQL_TRANSACTION:
        return PgError(
            "current transaction is aborted, commands ignored until end of transaction block",
            code,
        )
    assert verb is not None
    return PgError(f"{verb.split()[0]} can only be used in transaction blocks", code)
