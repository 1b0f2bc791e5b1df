"""One configuration object; the CLI maps its flags onto these fields one to one."""

from __future__ import annotations

from dataclasses import dataclass

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

    def __post_init__(self) -> None:
        if self.host is None and self.unix_socket is None:
            raise ValueError("nothing to listen on: give a host or a unix socket directory")
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port {self.port} is out of range")
        if self.max_connections < 1:
            raise ValueError("max_connections must be at least 1")
