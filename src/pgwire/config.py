"""One configuration object; the CLI maps its flags onto these fields one to one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pgwire.auth.rules import METHODS, AuthRule
from pgwire.auth.scram import DEFAULT_ITERATIONS
from pgwire.auth.sources import CredentialSource, DictSource, UsersFile
from pgwire.protocol.framing import DEFAULT_MAX_MESSAGE_SIZE


@dataclass(slots=True)
class Config:
    host: str | None = "127.0.0.1"  # None: no TCP listener
    port: int = 5432
    unix_socket: str | None = None  # a directory: the socket is DIR/.s.PGSQL.<port>
    max_connections: int = 100
    startup_timeout: float = 60.0  # seconds a client has to finish startup and auth
    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE
    server_version: str = "15.0"  # what clients see; they pick SQL dialect features by it
    shutdown_timeout: float = 10.0  # seconds in-flight statements get on shutdown
    log_level: str = "info"
    uvloop: bool = True  # use uvloop when it is installed
    workers: int = 1  # processes sharing the listeners; only for handlers with multiprocess
    # Authentication: the method asked of every user unless rules say otherwise; by default
    # scram-sha-256 when users are configured, else trust.
    auth: str | None = None
    users: CredentialSource | Mapping[str, str] | str | Path | None = None  # or a TOML file
    auth_rules: list[AuthRule | str] = field(default_factory=list)  # pg_hba-style lines
    scram_iterations: int = DEFAULT_ITERATIONS
    # TLS: SSLRequest answered 'S' and direct TLS accepted when a certificate is given.
    tls_cert: str | None = None
    tls_key: str | None = None
    tls_ca: str | None = None  # verify client certificates against this CA, when sent
    tls_required: bool = False  # refuse plaintext TCP (unix sockets stay plaintext)

    def __post_init__(self) -> None:
        if self.host is None and self.unix_socket is None:
            raise ValueError("nothing to listen on: give a host or a unix socket directory")
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port {self.port} is out of range")
        if self.max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        if self.workers < 1:
            raise ValueError("workers must be at least 1")
        if self.auth is not None and self.auth not in METHODS:
            raise ValueError(f"unknown authentication method {self.auth!r}")
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("TLS needs both a certificate and a key")
        if self.tls_required and self.tls_cert is None:
            raise ValueError("tls_required needs a certificate and key")

    def credential_source(self) -> CredentialSource | None:
        users: Any = self.users
        if users is None:
            return None
        if isinstance(users, str | Path):
            return UsersFile(users)
        if isinstance(users, Mapping):
            return DictSource(users)
        return users  # type: ignore[no-any-return]

    def rules(self) -> list[AuthRule]:
        """The rules in force: the given ones, else one rule with the default method."""
        if self.auth_rules:
            return [r if isinstance(r, AuthRule) else AuthRule.parse(r) for r in self.auth_rules]
        method = self.auth or ("scram-sha-256" if self.users is not None else "trust")
        return [AuthRule(method)]
