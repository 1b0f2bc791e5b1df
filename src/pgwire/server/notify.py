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

import re
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pgwire import sql as sqltext
from pgwire import sqlstate
from pgwire.errors import PgError
from pgwire.handler import Column, Command, Description, Result, Rows
from pgwire.protocol import messages as m
from pgwire.protocol.connection import State
from pgwire.types import oids

if TYPE_CHECKING:
    from pgwire.server.session import Session

MAX_PAYLOAD = 8000  # bytes: a payload must be shorter (PostgreSQL's NOTIFY_PAYLOAD_MAX_LENGTH)
NAMEDATALEN = 64  # a channel name has at most NAMEDATALEN - 1 bytes

_START = re.compile(
    r"\s*(?:(?:LISTEN|UNLISTEN|NOTIFY)\b|SELECT\s+(?:pg_catalog\s*\.\s*)?pg_notify\s*\()",
    re.IGNORECASE,
)


def is_notify_command(sql: str) -> bool:
    """True for LISTEN, UNLISTEN, NOTIFY and SELECT pg_notify(...): the front end runs them."""
    if sql[:1] in ("-", "/"):
        sql = sqltext.strip_comments(sql)
    return _START.match(sql) is not None


# ---------------------------------------------------------------------------- the hub


class NotificationHub:
    """Channel → the sessions listening on it, for every session of one server."""

    def __init__(self) -> None:
        self._listeners: dict[str, dict[SessionNotifications, None]] = {}

    def attach(self, session: Session) -> SessionNotifications:
        """The session's notification state, made on its first LISTEN/UNLISTEN/NOTIFY."""
        if session.notifications is None:
            session.notifications = SessionNotifications(session, self)
        return session.notifications

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

    __slots__ = ("actions", "channels", "hub", "inbox", "savepoints", "session")

    def __init__(self, session: Session, hub: NotificationHub) -> None:
        self.session = session
        self.hub = hub
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
            self.hub.publish(self.session.process_id, notifications)

    def abort(self) -> None:
        self.actions.clear()
        self.savepoints.clear()

    def transaction_control(self, verb: str, sql: str) -> None:
        """A transaction-control statement succeeded; the session's status is still the one
        before it."""
        if verb == "COMMIT":
            if self.session.status == "T":
                self.commit()
            else:  # COMMIT of a failed block rolls back
                self.abort()
        elif verb in ("ROLLBACK", "PREPARE TRANSACTION"):
            self.abort()
        elif verb == "SAVEPOINT":
            self.savepoints.append((_savepoint_name(sql), len(self.actions)))
        elif verb in ("RELEASE", "ROLLBACK TO"):
            name = _savepoint_name(sql)
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
        if self.session.status == "I":
            self.abort()

    # -- delivery

    def receive(self, message: m.NotificationResponse) -> None:
        self.inbox.append(message)
        self.session.transport.wake()  # an idle session sends it now (see `idle`)

    def before_ready(self) -> None:
        """ReadyForQuery is next: outside a block, commit the implicit transaction, deliver."""
        if self.session.status != "I":
            return
        if self.actions:
            self.commit()
        self._deliver()

    def idle(self) -> None:
        """The session waits for its client: deliver what arrived, if outside a block."""
        session = self.session
        if self.inbox and session.status == "I" and session.conn.state is State.IDLE:
            self._deliver()

    def _deliver(self) -> None:
        inbox = self.inbox
        while inbox:
            message = inbox.popleft()
            if message.channel in self.channels:
                self.session.send(message)

    def close(self) -> None:
        """The session ended: stop listening, forget everything."""
        self._unlisten_all()
        self.abort()
        self.inbox.clear()

    def _unlisten_all(self) -> None:
        for channel in self.channels:
            self.hub.remove_listener(channel, self)
        self.channels.clear()


# ---------------------------------------------------------------------------- statements


@dataclass(slots=True)
class _Statement:
    kind: str  # LISTEN, UNLISTEN, NOTIFY or PG_NOTIFY
    channel: str = ""  # "*" for UNLISTEN *
    payload: str = ""
    args: tuple[_Arg, _Arg] | None = None  # pg_notify's (channel, payload)
    alias: str = "pg_notify"


@dataclass(frozen=True, slots=True)
class _Arg:
    value: str | None = None  # a literal (None: NULL)
    param: int = 0  # $n


def run(session: Session, sql: str, params: Sequence[Any] | None) -> Result:
    """Run LISTEN / UNLISTEN / NOTIFY / SELECT pg_notify(...) for `session`."""
    statement = _parse(sql, session.send_notice)
    state = session.server.notifications.attach(session)
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
    statement = _parse(sql, None)
    if statement.kind != "PG_NOTIFY":
        return Description([], None)
    count = sqltext.parameter_count(sql)
    return Description([oids.TEXT] * count, [Column(statement.alias, "void")])


def _value(arg: _Arg, params: Sequence[Any] | None) -> str | None:
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


# ---------------------------------------------------------------------------- parsing

_SPACE = re.compile(r"(?:\s+|--[^\n]*(?:\n|\Z))*")
_WORD = re.compile(r"[A-Za-z_\x80-\U0010ffff][A-Za-z_0-9$\x80-\U0010ffff]*")
_PARAM = re.compile(r"\$([0-9]+)")
_TYPE = re.compile(r"[A-Za-z_][A-Za-z_0-9]*(?:\s*\.\s*[A-Za-z_][A-Za-z_0-9]*)?")
_DOLLAR = re.compile(r"\$([A-Za-z_\x80-\U0010ffff][A-Za-z_0-9\x80-\U0010ffff]*)?\$")
_ESCAPE = re.compile(
    r"\\(?:([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.S
)
_SIMPLE_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

Notice = Callable[[PgError], None] | None


class _Parser:
    """Just enough of PostgreSQL's grammar for the four statements, comments included."""

    def __init__(self, sql: str, notice: Notice) -> None:
        self.sql = sql
        self.pos = 0
        self.notice = notice

    def space(self) -> None:
        while True:
            found = _SPACE.match(self.sql, self.pos)
            assert found is not None  # it matches the empty string
            self.pos = found.end()
            if self.sql.startswith("/*", self.pos):
                self.pos = sqltext.skip_block_comment(self.sql, self.pos)
            else:
                return

    def at_end(self) -> bool:
        self.space()
        return self.pos >= len(self.sql)

    def error(self) -> PgError:
        self.space()
        if self.pos >= len(self.sql):
            return PgError("syntax error at end of input", sqlstate.SYNTAX_ERROR)
        token = _WORD.match(self.sql, self.pos)
        near = token.group(0) if token else self.sql[self.pos]
        return PgError(
            f'syntax error at or near "{near}"', sqlstate.SYNTAX_ERROR, position=self.pos + 1
        )

    def keyword(self, *words: str) -> str | None:
        self.space()
        found = _WORD.match(self.sql, self.pos)
        if found and found.group(0).upper() in words:
            self.pos = found.end()
            return found.group(0).upper()
        return None

    def char(self, c: str) -> bool:
        self.space()
        if self.sql.startswith(c, self.pos):
            self.pos += len(c)
            return True
        return False

    def end(self, error: Callable[[], PgError] | None = None) -> None:
        self.char(";")
        if not self.at_end():
            raise (error or self.error)()

    def at_identifier(self) -> bool:
        self.space()
        return self.sql.startswith('"', self.pos) or _WORD.match(self.sql, self.pos) is not None

    def identifier(self) -> str:
        """An identifier as PostgreSQL folds it: quoted kept, unquoted lower-cased; names
        over NAMEDATALEN - 1 bytes are truncated with a NOTICE."""
        self.space()
        sql = self.sql
        if sql.startswith('"', self.pos):
            end = sqltext.skip_quoted(sql, self.pos, '"', False)
            if end > len(sql) or sql[end - 1] != '"' or end - self.pos < 2:
                raise PgError("unterminated quoted identifier", sqlstate.SYNTAX_ERROR)
            name = sql[self.pos + 1 : end - 1].replace('""', '"')
            if not name:
                raise PgError(
                    'zero-length delimited identifier at or near """"', sqlstate.SYNTAX_ERROR
                )
            self.pos = end
        else:
            found = _WORD.match(sql, self.pos)
            if not found:
                raise self.error()
            name = found.group(0).translate(_ASCII_LOWER)
            self.pos = found.end()
        return self._truncate(name)

    def _truncate(self, name: str) -> str:
        data = name.encode()
        if len(data) < NAMEDATALEN:
            return name
        short = data[: NAMEDATALEN - 1].decode(errors="ignore")
        if self.notice is not None:
            self.notice(
                PgError(
                    f'identifier "{name}" will be truncated to "{short}"',
                    sqlstate.NAME_TOO_LONG,
                    severity="NOTICE",
                )
            )
        return short

    def string(self) -> str | None:
        """A string constant ('...', E'...', $tag$...$tag$), or None when there is none."""
        self.space()
        sql, pos = self.sql, self.pos
        if sql.startswith("'", pos):
            end = self._closing_quote(pos, backslashes=False)
            self.pos = end
            return sql[pos + 1 : end - 1].replace("''", "'")
        if sql[pos : pos + 2] in ("E'", "e'"):
            end = self._closing_quote(pos + 1, backslashes=True)
            self.pos = end
            return _unescape(sql[pos + 2 : end - 1])
        dollar = _DOLLAR.match(sql, pos)
        if dollar:
            close = sql.find(dollar.group(0), dollar.end())
            if close < 0:
                raise PgError("unterminated dollar-quoted string", sqlstate.SYNTAX_ERROR)
            self.pos = close + len(dollar.group(0))
            return sql[dollar.end() : close]
        return None

    def _closing_quote(self, start: int, *, backslashes: bool) -> int:
        end = sqltext.skip_quoted(self.sql, start, "'", backslashes)
        if end > len(self.sql) or self.sql[end - 1] != "'" or end - start < 2:
            raise PgError("unterminated quoted string", sqlstate.SYNTAX_ERROR)
        return end

    def argument(self) -> _Arg:
        """A pg_notify argument: a string constant, $n or NULL, with optional ::casts."""
        self.space()
        param = _PARAM.match(self.sql, self.pos)
        if param:
            self.pos = param.end()
            arg = _Arg(param=int(param.group(1)))
        elif self.keyword("NULL"):
            arg = _Arg()
        else:
            value = self.string()
            if value is None:
                raise PgError(
                    "pg_notify() arguments must be string constants, $n parameters or NULL here",
                    sqlstate.FEATURE_NOT_SUPPORTED,
                    hint="Run SELECT pg_notify(channel, payload) as a statement of its own.",
                )
            arg = _Arg(value)
        while self.char("::"):
            self.space()
            cast = _TYPE.match(self.sql, self.pos)
            if not cast:
                raise self.error()
            self.pos = cast.end()
        return arg


def _unescape(body: str) -> str:
    """The value of an E'...' string body."""

    def one(found: re.Match[str]) -> str:
        octal, hex2, u4, u8, other = found.groups()
        if octal:
            return chr(int(octal, 8) & 0xFF)
        if hex2 or u4 or u8:
            return chr(int(hex2 or u4 or u8, 16))
        return _SIMPLE_ESCAPES.get(other, other)

    return _ESCAPE.sub(one, body.replace("''", "'"))


def _parse(sql: str, notice: Notice) -> _Statement:
    p = _Parser(sql, notice)
    verb = p.keyword("LISTEN", "UNLISTEN", "NOTIFY", "SELECT")
    if verb == "UNLISTEN" and p.char("*"):
        statement = _Statement("UNLISTEN", "*")
    elif verb in ("LISTEN", "UNLISTEN"):
        statement = _Statement(verb, p.identifier())
    elif verb == "NOTIFY":
        statement = _Statement("NOTIFY", p.identifier())
        if p.char(","):
            payload = p.string()
            if payload is None:
                raise p.error()
            statement.payload = payload
    else:
        if p.keyword("PG_CATALOG") and not p.char("."):
            raise p.error()
        if not p.keyword("PG_NOTIFY") or not p.char("("):
            raise p.error()
        args = [p.argument()]
        while p.char(","):
            args.append(p.argument())
        if not p.char(")"):
            raise _whole_statement_only()
        if len(args) != 2:
            raise PgError(
                f"function pg_notify({', '.join(['unknown'] * len(args))}) does not exist",
                sqlstate.UNDEFINED_FUNCTION,
                hint="Call pg_notify(channel, payload).",
            )
        channel, payload_arg = args
        statement = _Statement("PG_NOTIFY", args=(channel, payload_arg))
        if p.keyword("AS") or p.at_identifier():
            statement.alias = p.identifier()
        p.end(_whole_statement_only)
        return statement
    p.end()
    return statement


def _whole_statement_only() -> PgError:
    return PgError(
        "pg_notify() is supported only as a statement of its own",
        sqlstate.FEATURE_NOT_SUPPORTED,
        hint="Run SELECT pg_notify(channel, payload), with constants or $n parameters.",
    )


def _savepoint_name(sql: str) -> str:
    """The savepoint a SAVEPOINT / RELEASE [SAVEPOINT] / ROLLBACK [WORK] TO [SAVEPOINT] names."""
    p = _Parser(sql, None)
    p.keyword("SAVEPOINT", "RELEASE", "ROLLBACK", "ABORT")
    p.keyword("WORK", "TRANSACTION")
    p.keyword("TO")
    p.keyword("SAVEPOINT")
    try:
        return p.identifier()
    except PgError:
        return ""
