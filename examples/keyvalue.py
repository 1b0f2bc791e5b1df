"""A custom engine: a key-value store with its own tiny language, for every Postgres client.

    pgwire serve examples.keyvalue:handler --port 5433
    psql -h 127.0.0.1 -p 5433 -c "put color blue" -c "get color" -c "keys"

psycopg, asyncpg and JDBC work too: their parameters arrive bound (`get $1`), and
`describe` tells them the result's columns before they run anything.
"""

from collections.abc import Awaitable, Sequence
from typing import Any

from pgwire import Column, Command, Handler, PgError, Result, Rows
from pgwire.handler import Description

STORE: dict[str, str] = {}  # shared by all connections of the server
ROW = [Column("key", "text"), Column("value", "text")]


class KeyValue(Handler):
    def query(self, sql: str) -> Result:
        return self.execute(sql, [], [])

    def execute(self, sql: str, params: Sequence[Any], param_types: Sequence[int]) -> Result:
        words = [params[int(w[1:]) - 1] if w.startswith("$") else w for w in sql.split()]
        verb, args = (words[0].lower(), words[1:]) if words else ("", [])
        if verb == "put" and len(args) == 2:
            STORE[args[0]] = args[1]
            return Command("INSERT 0 1")
        if verb == "get" and len(args) == 1:
            return Rows(ROW, [(args[0], STORE[args[0]])] if args[0] in STORE else [])
        if verb == "keys" and not args:
            return Rows(ROW, sorted(STORE.items()))
        if verb in ("begin", "commit", "rollback", "set"):
            return Command(verb.upper())  # no transactions here; accept them for drivers
        raise PgError(f'syntax error at or near "{sql}"', "42601", hint="put K V | get K | keys")

    def describe(
        self, sql: str, param_types: Sequence[int]
    ) -> Description | Awaitable[Description | None] | None:
        verb = sql.split()[0].lower() if sql.split() else ""
        return Description([25] * len(param_types), ROW if verb in ("get", "keys") else None)


handler = KeyValue()
