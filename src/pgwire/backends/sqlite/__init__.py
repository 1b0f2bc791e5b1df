"""SQLite, the stdlib's database, as a backend (see `session`)."""

from pgwire.backends.sqlite.session import SQLiteHandler, SQLiteSession, to_pg_error

__all__ = ["SQLiteHandler", "SQLiteSession", "to_pg_error"]
