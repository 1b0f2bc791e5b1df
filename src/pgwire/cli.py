"""`pgwire serve [TARGET]`: the command line, mapped one to one onto `Config`."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import re
import sys
from collections.abc import Sequence

from pgwire import __version__
from pgwire.auth.rules import METHODS
from pgwire.config import Config
from pgwire.handler import Handler
from pgwire.server.run import serve

_MODULE_ATTR = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")


_SQLITE_SUFFIXES = (".sqlite", ".sqlite3", ".db")


def load_target(target: str | None, *, read_only: bool = False) -> Handler:
    """A handler for TARGET: nothing (in-memory DuckDB), a DuckDB file, a SQLite file (a name
    ending in .sqlite, .sqlite3 or .db), `sqlite:PATH` / `duckdb:PATH` to choose the backend
    whatever the name (an empty PATH or :memory: for in-memory), or module:attr."""
    backend = None
    if target is not None:
        prefix, colon, rest = target.partition(":")
        if colon and prefix.lower() in ("sqlite", "duckdb") and not os.path.exists(target):
            backend, target = prefix.lower(), rest or ":memory:"
        elif _MODULE_ATTR.match(target) and not os.path.exists(target):
            return load_handler(target)
        elif target.lower().endswith(_SQLITE_SUFFIXES):
            backend = "sqlite"
    if backend == "sqlite":
        from pgwire.backends.sqlite import SQLiteHandler

        return SQLiteHandler(target or ":memory:", read_only=read_only)
    from pgwire.backends.duckdb import DuckDBHandler

    return DuckDBHandler(target or ":memory:", read_only=read_only)


def load_handler(spec: str) -> Handler:
    """Import `module:attr`; attr may be a Handler, a Handler subclass or a factory."""
    module_name, _, attr_path = spec.partition(":")
    sys.path.insert(0, os.getcwd())
    try:
        obj: object = importlib.import_module(module_name)
    finally:
        sys.path.pop(0)
    for part in attr_path.split("."):
        obj = getattr(obj, part)
    if isinstance(obj, type) or (callable(obj) and not isinstance(obj, Handler)):
        obj = obj()
    if not isinstance(obj, Handler):
        raise TypeError(f"{spec} is {type(obj).__name__}, not a pgwire Handler")
    return obj


def build_parser() -> argparse.ArgumentParser:
    defaults = Config()
    parser = argparse.ArgumentParser(
        prog="pgwire", description="A PostgreSQL wire protocol server in Python."
    )
    parser.add_argument("--version", action="version", version=f"pgwire {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser(
        "serve",
        help="serve a database over the PostgreSQL protocol",
        description=(
            "Serve TARGET over the PostgreSQL wire protocol. TARGET is a DuckDB database file "
            "(created if missing), a SQLite file (a name ending in .sqlite, .sqlite3 or .db), "
            "sqlite:PATH or duckdb:PATH to choose the backend (sqlite: alone is in-memory), "
            "nothing for an in-memory DuckDB database, or module:attr naming your own pgwire "
            "Handler (an instance, a subclass or a factory)."
        ),
    )
    serve_cmd.add_argument(
        "target",
        nargs="?",
        help="DuckDB or SQLite file, sqlite:PATH, duckdb:PATH or module:attr "
        "(default: in-memory DuckDB)",
    )
    serve_cmd.add_argument(
        "--host",
        default=defaults.host,
        help="TCP address to listen on; '' for none (default: %(default)s)",
    )
    serve_cmd.add_argument(
        "--port",
        type=int,
        default=defaults.port,
        help="TCP port, also names the unix socket (default: %(default)s)",
    )
    serve_cmd.add_argument(
        "--unix-socket",
        metavar="DIR",
        help="also listen on DIR/.s.PGSQL.<port>, so `psql -h DIR` connects",
    )
    serve_cmd.add_argument(
        "--max-connections",
        type=int,
        default=defaults.max_connections,
        help="clients served at once; more get SQLSTATE 53300 (default: %(default)s)",
    )
    serve_cmd.add_argument(
        "--startup-timeout",
        type=float,
        default=defaults.startup_timeout,
        help="seconds a client has to finish startup (default: %(default)s)",
    )
    serve_cmd.add_argument(
        "--max-message-size",
        type=int,
        default=defaults.max_message_size,
        help="largest message accepted from a client, in bytes (default: %(default)s)",
    )
    serve_cmd.add_argument(
        "--server-version",
        default=defaults.server_version,
        help="server_version reported to clients (default: %(default)s)",
    )
    serve_cmd.add_argument(
        "--read-only", action="store_true", help="open a DuckDB or SQLite file read-only"
    )
    security = serve_cmd.add_argument_group("authentication and TLS")
    security.add_argument(
        "--auth",
        choices=list(METHODS),
        help="method asked of every user unless --auth-rule says otherwise "
        "(default: scram-sha-256 with --users, else trust)",
    )
    security.add_argument(
        "--users",
        metavar="FILE",
        help='TOML file with a [users] table of name = "secret" lines; a secret is a '
        "password, an md5 hash (md5...) or a SCRAM-SHA-256 verifier as in pg_authid",
    )
    security.add_argument(
        "--auth-rule",
        action="append",
        default=[],
        metavar="RULE",
        help="a pg_hba-style rule 'TYPE DATABASE USER METHOD' (TYPE: local, host, hostssl, "
        "hostnossl, all); repeat for more, first match wins, no match is refused",
    )
    security.add_argument(
        "--scram-iterations",
        type=int,
        default=defaults.scram_iterations,
        help="PBKDF2 iterations for SCRAM secrets derived from plain passwords "
        "(default: %(default)s)",
    )
    security.add_argument("--tls-cert", metavar="FILE", help="server certificate (PEM)")
    security.add_argument("--tls-key", metavar="FILE", help="server private key (PEM)")
    security.add_argument(
        "--tls-ca", metavar="FILE", help="CA to verify client certificates against, when sent"
    )
    security.add_argument(
        "--tls-required",
        action="store_true",
        help="refuse plaintext TCP connections (unix sockets stay available)",
    )
    serve_cmd.add_argument(
        "--no-uvloop", dest="uvloop", action="store_false", help="use asyncio's own event loop"
    )
    serve_cmd.add_argument(
        "--workers",
        type=int,
        default=defaults.workers,
        help="processes serving the same port, for handlers that allow it (multiprocess = "
        "True; not DuckDB); cancel requests reach the right one (default: %(default)s)",
    )
    serve_cmd.add_argument(
        "--log-level",
        default=defaults.log_level,
        choices=["debug", "info", "warning", "error"],
        help="logging level (default: %(default)s)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        config = Config(
            host=args.host or None,
            port=args.port,
            unix_socket=args.unix_socket,
            max_connections=args.max_connections,
            startup_timeout=args.startup_timeout,
            max_message_size=args.max_message_size,
            server_version=args.server_version,
            log_level=args.log_level,
            uvloop=args.uvloop,
            workers=args.workers,
            auth=args.auth,
            users=args.users,
            auth_rules=list(args.auth_rule),
            scram_iterations=args.scram_iterations,
            tls_cert=args.tls_cert,
            tls_key=args.tls_key,
            tls_ca=args.tls_ca,
            tls_required=args.tls_required,
        )
        config.rules()  # a malformed rule is a usage error, reported now
        handler = load_target(args.target, read_only=args.read_only)
    except (ValueError, TypeError, ImportError, AttributeError, OSError) as exc:
        print(f"pgwire: {exc}", file=sys.stderr)
        return 2
    try:
        serve(handler, config)
    except (OSError, ValueError) as exc:
        print(f"pgwire: {exc}", file=sys.stderr)
        return 1
    return 0
