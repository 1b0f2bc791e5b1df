"""Which authentication method a connection must use, in the spirit of pg_hba.conf.

Rules are tried in order; the first that matches the connection type, database and user
decides. No match means the connection is refused, as PostgreSQL does.

    AuthRule.parse("hostssl all all scram-sha-256")
    AuthRule.parse("local all all trust")
"""

from __future__ import annotations

from dataclasses import dataclass

METHODS = ("trust", "reject", "password", "md5", "scram-sha-256")
CONNECTION_TYPES = ("all", "local", "host", "hostssl", "hostnossl")


@dataclass(frozen=True, slots=True)
class AuthRule:
    method: str
    connection: str = "all"
    databases: frozenset[str] | None = None  # None: all
    users: frozenset[str] | None = None  # None: all

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"unknown authentication method {self.method!r}")
        if self.connection not in CONNECTION_TYPES:
            raise ValueError(f"unknown connection type {self.connection!r}")

    @classmethod
    def parse(cls, line: str) -> AuthRule:
        """'TYPE DATABASE USER METHOD', with comma-separated lists or 'all'."""
        parts = line.split()
        if len(parts) != 4:
            raise ValueError(f"auth rule {line!r}: expected TYPE DATABASE USER METHOD")
        kind, databases, users, method = parts
        return cls(method, kind, _names(databases), _names(users))

    def matches(self, connection: str, database: str, user: str) -> bool:
        """`connection` is 'local', 'hostssl' or 'hostnossl'."""
        if self.connection == "host":
            if connection == "local":
                return False
        elif self.connection != "all" and self.connection != connection:
            return False
        if self.databases is not None and database not in self.databases:
            return False
        return self.users is None or user in self.users


def _names(field: str) -> frozenset[str] | None:
    return None if field == "all" else frozenset(field.split(","))


def choose(rules: list[AuthRule], connection: str, database: str, user: str) -> AuthRule | None:
    for rule in rules:
        if rule.matches(connection, database, user):
            return rule
    return None
