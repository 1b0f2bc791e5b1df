"""DuckDB, the embedded default backend (see `session`)."""

from pgwire.backends.duckdb.session import DuckDBHandler, DuckDBSession, pg_type, to_pg_error

__all__ = ["DuckDBHandler", "DuckDBSession", "pg_type", "to_pg_error"]
