"""LISTEN, UNLISTEN, NOTIFY and pg_notify(), answered by the front end across one server.

The backend never sees these statements. A `NotificationHub` (one per `Server`) maps each
channel to the sessions listening on it; a session's `SessionNotifications` (made the first
time it runs one of these statements) keeps what its open transaction has asked for and the
notifications that arrived for it, and follows PostgreSQL's rules:

- NOTIFY, LISTEN and UNLISTEN take effect when their transaction commits: at COMMIT in a
  transaction block, else when the statement's implicit transaction ends (the ReadyForQuery
  of its Query or Sync). ROLLBACK, an error outside a block and ROLLBACK TO SAVEPOINT drop
  them. Duplicates (same channel and payload) within one transaction are sent once.
- A notification reaches a session only outside a transaction block: at once when it is idle
  (it is woken in `next_message`), else just before its next ReadyForQuery with status I. A
  session gets its own notifications, and only those on channels it listens on when they are
  delivered.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from pgwire import sql as sqltext
from pgwire import sqlstate
from pgwire.errors import PgError
from pgwire.handler import Column, Command, Description, Result, Rows
from pgwire.protocol import messages as m
from pgwire.server.context import Output
from pgwire.server.notifysql import NAMEDATALEN, Arg, is_notify_command, parse, savepoint_name
from pgwire.server.transaction import IDLE, IN_BLOCK, Transaction
from pgwire.types import oids

__all__ = ["NotificationHub", "NotifyContext", "SessionNotifications", "describe", "run"]

MAX_PAYLOAD = 8000  # bytes: a payload must be shorter (PostgreSQL's NOTIFY_PAYLOAD_MAX_LENGTH)

# ---------------------------------------------------------------------------- the hub


class NotificationHub:
    """Channel → the sessions listening on it, for every session of one server."""

    def __init__(self) -> None:
        self._listeners: dict[str, dict[SessionNotifications, None]] = {}

    def channels(self) -> list[str]:
        """The channels someone listens on."""
        return list(self._listeners)

    def listeners(self, channel: str) -> int:
        return len(self._listeners.get(channel, ()))

    def publish(self, process_id: int, notifications: Iterable[tuple[str, str]]) -> None:
        """Queue committed notifications (channel, payload) to every listener, and wake it."""
        for channel, payload in notifications:
            listeners = self._listeners.get(channel)
            if listeners:
                message = m.NotificationResponse(process_id, channel, payload)
                for listener in list(listeners):
                    listener.receive(message)

    def add_listener(self, channel: str, listener: SessionNotifications) -> None:
        self._listeners.setdefault(channel, {})[listener] = None

    def remove_listener(self, channel: str, listener: SessionNotifications) -> None:
        listeners = self._listeners.get(channel)
        if listeners is not None:
            listeners.pop(listener, None)
            if not listeners:
                del self._listeners[channel]


@dataclass(frozen=True, slots=True)
class _Action:
    kind: str  # "LISTEN", "UNLISTEN" (channel "*" for all) or "NOTIFY"
    channel: str
    payload: str = ""


class SessionNotifications:
    """One session's channels, its transaction's pending actions, and its inbox."""

    __slots__ = (
        "actions", "channels", "hub", "inbox", "process_id", "savepoints", "send",
        "transaction", "wake",
    )  # fmt: skip

    def __init__(
        self,
        hub: NotificationHub,
        process_id: int,
        transaction: Transaction,
        send: Callable[[m.Message], None],
        wake: Callable[[], None],
    ) -> None:
        self.hub = hub
        self.process_id = process_id
        self.transaction = transaction  # its status decides when notifications go out
        self.send = send
        self.wake = wake
        self.channels: dict[str, None] = {}  # listened on (committed), in LISTEN order
        self.inbox: deque[m.NotificationResponse] = deque()
        self.actions: list[_Action] = []  # asked for by the open (implicit) transaction
        self.savepoints: list[tuple[str, int]] = []  # (name, len(actions) when it was set)

    # -- transaction boundaries

    def commit(self) -> None:
        actions, self.actions = self.actions, []
        self.savepoints.clear()
        notifications: dict[tuple[str, str], None] = {}  # ordered, duplicates folded
        for action in actions:
            if action.kind == "NOTIFY":
                notifications[action.channel, action.payload] = None
            elif action.kind == "LISTEN":
                if action.channel not in self.channels:
                    self.channels[action.channel] = None
                    self.hub.add_listener(action.channel, self)
            elif action.channel == "*":
                self._unlisten_all()
            elif action.channel in self.channels:
                del self.channels[action.channel]
                self.hub.remove_listener(action.channel, self)
        if notifications:
            self.hub.publish(self.process_id, notifications)

    def abort(self) -> None:
        self.actions.clear()
        self.savepoints.clear()

    def transaction_control(self, verb: str, sql: str) -> None:
        """A transaction-control statement succeeded; the session's status is still the one
        before it."""
        if verb == "COMMIT":
            if self.transaction.status == IN_BLOCK:
                self.commit()
            else:  # COMMIT of a failed block rolls back
                self.abort()
        elif verb in ("ROLLBACK", "PREPARE TRANSACTION"):
            self.abort()
        elif verb == "SAVEPOINT":
            self.savepoints.append((savepoint_name(sql), len(self.actions)))
        elif verb in ("RELEASE", "ROLLBACK TO"):
            name = savepoint_name(sql)
            index = next(
                (i for i in reversed(range(len(self.savepoints))) if self.savepoints[i][0] == name),
                None,
            )
            if verb == "RELEASE":
                if index is not None:
                    del self.savepoints[index:]
            elif index is None:  # set before this session's first LISTEN/NOTIFY
                self.actions.clear()
                self.savepoints.clear()
            else:
                del self.actions[self.savepoints[index][1] :]
                del self.savepoints[index + 1 :]

    def unlisten_all(self) -> None:
        """UNLISTEN * when the transaction commits (DISCARD ALL does this)."""
        self.actions.append(_Action("UNLISTEN", "*"))

    def failed(self) -> None:
        """A statement failed: outside a transaction block, its implicit transaction ends."""
        if self.transaction.status == IDLE:
            self.abort()

    # -- delivery

    def receive(self, message: m.NotificationResponse) -> None:
        self.inbox.append(message)
        self.wake()  # an idle session sends it now (see `idle`)

    def before_ready(self) -> None:
        """ReadyForQuery is next: outside a block, commit the implicit transaction, deliver."""
        if self.transaction.status != IDLE:
            return
        if self.actions:
            self.commit()
        self._deliver()

    def idle(self, ready: bool) -> None:
        """The session waits for its client (`ready`: after a ReadyForQuery): deliver what
        arrived, if outside a block."""
        if self.inbox and ready and self.transaction.status == IDLE:
            self._deliver()

    def _deliver(self) -> None:
        inbox = self.inbox
        while inbox:
            message = inbox.popleft()
            if message.channel in self.channels:
                self.send(message)

    def close(self) -> None:
        """The session ended: stop listening, forget everything."""
        self._unlisten_all()
        self.abort()
        self.inbox.clear()

    def _unlisten_all(self) -> None:
        for channel in self.channels:
            self.hub.remove_listener(channel, self)
        self.channels.clear()


class NotifyContext(Output, Protocol):
    def notification_state(self) -> SessionNotifications:
        """The session's notification state, made on its first LISTEN/UNLISTEN/NOTIFY."""
        ...


def run(ctx: NotifyContext, sql: str, params: Sequence[Any] | None) -> Result:
    """Run LISTEN / UNLISTEN / NOTIFY / SELECT pg_notify(...) for a session."""
    statement = parse(sql, ctx.send_notice)
    state = ctx.notification_state()
    if statement.kind == "PG_NOTIFY":
        assert statement.args is not None
        channel, payload = (_value(arg, params) for arg in statement.args)
        _check(channel, payload, channel_from_string=True)
        state.actions.append(_Action("NOTIFY", channel or "", payload or ""))
        return Rows([Column(statement.alias, "void")], [("",)])
    if statement.kind == "NOTIFY":
        _check(statement.channel, statement.payload, channel_from_string=False)
    state.actions.append(_Action(statement.kind, statement.channel, statement.payload))
    return Command(statement.kind)


def describe(sql: str) -> Description | None:
    """What a notification statement takes and returns; None for any other statement."""
    if not is_notify_command(sql):
        return None
    statement = parse(sql, None)
    if statement.kind != "PG_NOTIFY":
        return Description([], None)
    count = sqltext.parameter_count(sql)
    return Description([oids.TEXT] * count, [Column(statement.alias, "void")])


def _value(arg: Arg, params: Sequence[Any] | None) -> str | None:
    if not arg.param:
        return arg.value
    if params is None or arg.param > len(params):
        raise PgError(f"there is no parameter ${arg.param}", sqlstate.UNDEFINED_PARAMETER)
    value = params[arg.param - 1]
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode()
    return str(value)


def _check(channel: str | None, payload: str | None, *, channel_from_string: bool) -> None:
    if not channel:
        raise PgError("channel name cannot be empty", sqlstate.INVALID_PARAMETER_VALUE)
    if channel_from_string and len(channel.encode()) >= NAMEDATALEN:
        raise PgError("channel name too long", sqlstate.INVALID_PARAMETER_VALUE)
    if payload and len(payload.encode()) >= MAX_PAYLOAD:
        raise PgError("payload string too long", sqlstate.INVALID_PARAMETER_VALUE)
