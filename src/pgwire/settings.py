"""Session parameters: SET, SET LOCAL, RESET, SHOW, set_config(), current_setting().

The front end owns PostgreSQL's client-facing parameters (the ones drivers set and read:
DateStyle, TimeZone, application_name, statement_timeout, ...). It validates them, reports
the GUC_REPORT ones with ParameterStatus when they change, and undoes them as PostgreSQL does:
a SET inside a transaction that rolls back is reverted, SET LOCAL lasts until the end of the
transaction. Names with a dot are custom options and accepted as they are; any other name is
offered to the backend (DuckDB has settings of its own), else it is 42704.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from pgwire import sqlstate
from pgwire.errors import PgError
from pgwire.types.datestyle import parse_datestyle, parse_intervalstyle
from pgwire.types.numeric import parse_extra_float_digits
from pgwire.types.registry import TextFormats
from pgwire.types.timezones import canonical_timezone


def _invalid(name: str, value: str) -> PgError:
    return PgError(
        f'invalid value for parameter "{name}": "{value}"', sqlstate.INVALID_PARAMETER_VALUE
    )


def _bool(name: str, value: str) -> str:
    lowered = value.lower()
    if lowered in ("on", "true", "yes", "1", "t", "y"):
        return "on"
    if lowered in ("off", "false", "no", "0", "f", "n"):
        return "off"
    raise PgError(f'parameter "{name}" requires a Boolean value', sqlstate.INVALID_PARAMETER_VALUE)


_UNITS_MS = {"us": 0.001, "ms": 1, "s": 1000, "min": 60_000, "h": 3_600_000, "d": 86_400_000}
_DURATION = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*([a-z]*)\s*$", re.IGNORECASE)


def parse_milliseconds(name: str, value: str) -> int:
    """'5s', '250ms', '1min', '3000' (milliseconds), as PostgreSQL's time-unit parameters."""
    match = _DURATION.match(value)
    if not match:
        raise _invalid(name, value)
    number, unit = float(match.group(1)), match.group(2).lower() or "ms"
    if unit not in _UNITS_MS:
        raise PgError(
            f'invalid value for parameter "{name}": "{value}"',
            sqlstate.INVALID_PARAMETER_VALUE,
            hint='Valid units for this parameter are "us", "ms", "s", "min", "h", and "d".',
        )
    ms = number * _UNITS_MS[unit]
    if ms < 0 or ms > 2_147_483_647:
        raise PgError(
            f'{int(ms)} ms is outside the valid range for parameter "{name}" (0 .. 2147483647)',
            sqlstate.INVALID_PARAMETER_VALUE,
        )
    return round(ms)


def _duration(name: str, value: str) -> str:
    ms = parse_milliseconds(name, value)
    if ms == 0:
        return "0"
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("min", 60_000), ("s", 1000)):
        if ms % size == 0:
            return f"{ms // size}{unit}"
    return f"{ms}ms"


def _encoding(name: str, value: str) -> str:
    plain = value.strip().strip("'\"").upper().replace("-", "").replace("_", "")
    if plain in ("UTF8", "UNICODE"):
        return "UTF8"
    if plain == "SQLASCII":
        return "UTF8"  # bytes pass through unchanged; we speak UTF-8 either way
    raise PgError(
        f'invalid value for parameter "{name}": "{value}"',
        sqlstate.INVALID_PARAMETER_VALUE,
        hint="pgwire speaks UTF8 only.",
    )


def _only(*allowed: str) -> Callable[[str, str], str]:
    def check(name: str, value: str) -> str:
        if value.lower() not in allowed:
            raise _invalid(name, value)
        return value.lower()

    return check


def _relation_kinds(name: str, value: str) -> str:
    kinds = [k.strip().lower() for k in value.split(",") if k.strip()]
    for kind in kinds:
        if kind not in ("view", "foreign-table"):
            raise PgError(
                f'invalid value for parameter "{name}": "{value}"',
                sqlstate.INVALID_PARAMETER_VALUE,
                detail=f'Unrecognized key word: "{kind}".',
            )
    return ", ".join(kinds)


def _any(name: str, value: str) -> str:
    return value


def _read_only(name: str, value: str) -> str:
    raise PgError(f'parameter "{name}" cannot be changed', sqlstate.CANT_CHANGE_RUNTIME_PARAM)


def _styled(parse: Callable[[str], object]) -> Callable[[str, str], str]:
    """A validator from a parser that lives with the encoders it configures."""

    def check(name: str, value: str) -> str:
        return str(parse(value))

    return check


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str  # canonical spelling, as SHOW and ParameterStatus print it
    default: str
    check: Callable[[str, str], str] = _any
    reported: bool = False  # GUC_REPORT: ParameterStatus on every change
    description: str = ""


_PARAMETERS = [
    Parameter("application_name", "", reported=True, description="Sets the application name."),
    Parameter("client_encoding", "UTF8", _encoding, reported=True),
    Parameter("DateStyle", "ISO, MDY", _styled(parse_datestyle), reported=True),
    Parameter("IntervalStyle", "postgres", _styled(parse_intervalstyle), reported=True),
    Parameter("TimeZone", "UTC", _styled(canonical_timezone), reported=True),
    Parameter("extra_float_digits", "1", _styled(parse_extra_float_digits)),
    Parameter("statement_timeout", "0", _duration),
    Parameter("lock_timeout", "0", _duration),
    Parameter("idle_in_transaction_session_timeout", "0", _duration),
    Parameter("search_path", '"$user", public'),
    Parameter("standard_conforming_strings", "on", _only("on"), reported=True),
    Parameter("integer_datetimes", "on", _read_only, reported=True),
    Parameter("server_version", "15.0", _read_only, reported=True),
    Parameter("server_version_num", "150000", _read_only),
    Parameter("server_encoding", "UTF8", _read_only, reported=True),
    Parameter("is_superuser", "on", _read_only, reported=True),
    Parameter("session_authorization", "", _read_only, reported=True),
    Parameter("default_transaction_read_only", "off", _bool, reported=True),
    Parameter("in_hot_standby", "off", _read_only, reported=True),
    Parameter("transaction_read_only", "off", _bool),
    Parameter("transaction_isolation", "read committed", _any),
    Parameter(
        "default_transaction_isolation",
        "read committed",
        _only("serializable", "repeatable read", "read committed", "read uncommitted"),
    ),
    Parameter("bytea_output", "hex", _only("hex")),
    Parameter("max_identifier_length", "63", _read_only),
    Parameter("lc_messages", "C"),
    Parameter("lc_monetary", "C"),
    Parameter("lc_numeric", "C"),
    Parameter("lc_time", "C"),
    Parameter(
        "client_min_messages",
        "notice",
        _only(
            "debug5", "debug4", "debug3", "debug2", "debug1", "log", "notice", "warning", "error"
        ),
    ),
    Parameter("synchronous_commit", "on"),
    Parameter("jit", "off", _bool),
    Parameter("row_security", "on", _bool),
    # pg_dump turns it off (it is about table scans sharing pages, nothing to change here)
    Parameter("synchronize_seqscans", "on", _bool),
    # pg_dump sets it so that dumping runs no code of views or foreign tables; pgwire runs
    # no such code while reading a table, so there is nothing to restrict
    Parameter("restrict_nonsystem_relation_kind", "", _relation_kinds),
    Parameter("escape_string_warning", "on", _bool),
    Parameter("array_nulls", "on", _bool),
    Parameter("timezone_abbreviations", "Default"),
]
PARAMETERS: dict[str, Parameter] = {p.name.lower(): p for p in _PARAMETERS}


def version_num(version: str) -> str:
    """server_version_num for a server_version: "15.0" is 150000, "16.2" 160002."""
    parts = [int(p) if p.isdigit() else 0 for p in version.split(" ")[0].split(".")[:2]]
    parts += [0, 0]
    return str(parts[0] * 10000 + parts[1])


class Settings:
    """One session's parameter values, with transaction undo."""

    def __init__(self, overrides: dict[str, str]) -> None:
        self.values: dict[str, str] = {key: p.default for key, p in PARAMETERS.items()}
        self.values.update({k.lower(): v for k, v in overrides.items()})
        self.names: dict[str, str] = {key: p.name for key, p in PARAMETERS.items()}
        self.session_defaults = dict(self.values)  # what RESET returns to
        self._saved: dict[str, str] | None = None  # values at BEGIN, for ROLLBACK
        self._local: dict[str, str] = {}  # values before SET LOCAL, restored at the end
        self.formats = self._formats()

    @classmethod
    def for_startup(cls, params: dict[str, str], server_version: str, user: str) -> Settings:
        """Settings from the startup packet: parameters and `options` (-c name=value)."""
        overrides = {
            "server_version": server_version,
            "server_version_num": version_num(server_version),
            "session_authorization": user,
        }
        for name, value in params.items():
            if name in ("user", "database", "options", "replication"):
                continue
            overrides[name] = value
        overrides.update(_options(params.get("options", "")))
        settings = cls({})
        for name, value in overrides.items():
            parameter = PARAMETERS.get(name.lower())
            if parameter is not None and parameter.check is not _read_only:
                value = parameter.check(parameter.name, value)
            settings.values[name.lower()] = value
            settings.names.setdefault(name.lower(), name)
        settings.session_defaults = dict(settings.values)
        settings.formats = settings._formats()
        return settings

    def reported(self) -> dict[str, str]:
        """The GUC_REPORT parameters and their values, for ParameterStatus at startup."""
        return {p.name: self.values[key] for key, p in PARAMETERS.items() if p.reported}

    def changed_from_defaults(self) -> dict[str, str]:
        return {
            self.display_name(k): v
            for k, v in self.values.items()
            if k not in ("server_version", "server_version_num", "session_authorization")
            and (k not in PARAMETERS or PARAMETERS[k].default != v)
        }

    @staticmethod
    def known(name: str) -> Parameter | None:
        return PARAMETERS.get(name.lower())

    def get(self, name: str) -> str:
        key = name.lower()
        if key not in self.values:
            raise PgError(
                f'unrecognized configuration parameter "{name}"', sqlstate.UNDEFINED_OBJECT
            )
        return self.values[key]

    def display_name(self, name: str) -> str:
        return self.names.get(name.lower(), name.lower())

    def set(self, name: str, value: str, *, local: bool = False, in_transaction: bool) -> str:
        """Store a checked value; returns it as SHOW will print it."""
        key = name.lower()
        if in_transaction and self._saved is None:
            self._saved = dict(self.values)
        if local:
            if not in_transaction:
                return self.values.get(key, value)  # PostgreSQL warns and ignores it
            self._local.setdefault(key, self.values.get(key, ""))
        parameter = PARAMETERS.get(key)
        if key == "datestyle":
            # 'dmy' alone keeps the current output style, as in PostgreSQL.
            value = parse_datestyle(value, self.values.get(key, "ISO, MDY"))
        elif parameter is not None:
            value = parameter.check(parameter.name, value)
        self.values[key] = value
        self.names.setdefault(key, name.lower())
        self.formats = self._formats()
        return value

    def reset(self, name: str, *, in_transaction: bool) -> str:
        key = name.lower()
        default = self.session_defaults.get(key)
        if default is None:
            self.get(name)  # 42704 for a name never set
            default = ""
        return self.set(name, default, in_transaction=in_transaction)

    def reset_all(self, *, in_transaction: bool) -> list[str]:
        changed = [k for k, v in self.values.items() if self.session_defaults.get(k) != v]
        for key in changed:
            if PARAMETERS.get(key) is None or PARAMETERS[key].check is not _read_only:
                self.set(key, self.session_defaults.get(key, ""), in_transaction=in_transaction)
        return changed

    def end_transaction(self, committed: bool) -> list[str]:
        """Undo what the transaction's end undoes; returns the names whose value changed."""
        before = dict(self.values)
        if not committed and self._saved is not None:
            self.values = self._saved
        for key, value in self._local.items():
            self.values[key] = value
        self._saved = None
        self._local = {}
        self.formats = self._formats()
        return [k for k in set(before) | set(self.values) if before.get(k) != self.values.get(k)]

    def _formats(self) -> TextFormats:
        v = self.values
        try:
            digits = int(v["extra_float_digits"])
        except ValueError:
            digits = 1
        return TextFormats(v["timezone"], v["datestyle"], v["intervalstyle"], digits)

    def statement_timeout(self) -> float:
        """Seconds, or 0 for none (asked before every statement: parsed once per value)."""
        return _timeout_seconds(self.values["statement_timeout"])


@functools.lru_cache(maxsize=64)
def _timeout_seconds(value: str) -> float:
    return parse_milliseconds("statement_timeout", value) / 1000


def _options(text: str) -> dict[str, str]:
    """The startup `options` parameter: '-c name=value --name=value' (backslash escapes spaces)."""
    words: list[str] = []
    current = ""
    escaped = False
    for c in text:
        if escaped:
            current += c
            escaped = False
        elif c == "\\":
            escaped = True
        elif c.isspace():
            if current:
                words.append(current)
            current = ""
        else:
            current += c
    if current:
        words.append(current)
    out: dict[str, str] = {}
    i = 0
    while i < len(words):
        word = words[i]
        if word == "-c" and i + 1 < len(words):
            word = words[i + 1]
            i += 1
        elif word.startswith("-c") or word.startswith("--"):
            word = word[2:]
        else:
            i += 1
            continue
        name, sep, value = word.partition("=")
        if sep:
            out[name.replace("-", "_")] = value
        i += 1
    return out
