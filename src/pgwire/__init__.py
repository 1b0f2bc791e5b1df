"""pgwire: the PostgreSQL wire protocol in Python.

A sans-IO protocol core (`pgwire.protocol`), type codecs (`pgwire.types`), an asyncio server
and a handler API that makes a PostgreSQL-compatible server a few lines:

    from pgwire import Column, Handler, Rows, serve

    class Hello(Handler):
        def query(self, sql):
            return Rows([Column("greeting")], [("hello",)])

    serve(Hello(), port=5433)
"""

__version__ = "0.1.0"

from pgwire.config import Config
from pgwire.errors import PgError, ProtocolViolation
from pgwire.handler import Column, Command, Handler, Result, Rows, SessionInfo, command_tag
from pgwire.server.run import serve
from pgwire.server.server import Server

__all__ = [
    "Column",
    "Command",
    "Config",
    "Handler",
    "PgError",
    "ProtocolViolation",
    "Result",
    "Rows",
    "Server",
    "SessionInfo",
    "__version__",
    "command_tag",
    "serve",
]
