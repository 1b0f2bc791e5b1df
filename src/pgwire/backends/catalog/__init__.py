"""PostgreSQL's catalog, emulated for backends that have their own: pg_catalog, information_schema
and the functions clients call (version(), format_type(), pg_get_indexdef(), ::regclass, ...).

psql's \\d, pgjdbc's DatabaseMetaData, SQLAlchemy's inspector, DBeaver, Metabase, Grafana and
pgcli read these on connect and to browse. A backend uses it in three steps:

1. route: `is_catalog_query(sql)` says whether a statement reads the catalog;
2. describe itself: a `Snapshot` (model.py) of its schemas, tables, columns (with PostgreSQL
   type OIDs, as its RowDescription gives them), indexes, constraints, views and functions;
3. run: `CatalogEngine.shared().session(SessionState(...)).run(sql, snapshot_fn)` returns the
   columns and rows, or raises PgError (a query the emulation does not cover: 42P01, 42883,
   42704, 42703 or 0A000, logged at WARNING), or `NotCatalog` when the statement also reads
   the backend's own tables: the backend then runs it itself.

The engine is an in-memory DuckDB database of its own (DuckDB's SQL is close to PostgreSQL's;
what differs in catalog queries is rewritten, see sqltext.py), so a backend needs the `duckdb`
package to use it, whatever it serves. Step 2 of the DuckDB backend is
`pgwire.backends.duckdb.catalog`, of the SQLite backend `pgwire.backends.sqlite.catalog`.
"""

from __future__ import annotations

from pgwire.backends.catalog.engine import CatalogEngine, CatalogResult, CatalogSession, NotCatalog
from pgwire.backends.catalog.model import (
    Activity,
    Column,
    Constraint,
    Enum,
    Function,
    Index,
    Relation,
    Schema,
    SequenceOptions,
    SessionState,
    Snapshot,
    stable_oid,
)
from pgwire.backends.catalog.sqltext import is_catalog_query, rewrite

__all__ = [
    "Activity",
    "CatalogEngine",
    "CatalogResult",
    "CatalogSession",
    "Column",
    "Constraint",
    "Enum",
    "Function",
    "Index",
    "NotCatalog",
    "Relation",
    "Schema",
    "SequenceOptions",
    "SessionState",
    "Snapshot",
    "is_catalog_query",
    "rewrite",
    "stable_oid",
]
