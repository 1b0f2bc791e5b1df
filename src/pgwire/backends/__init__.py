"""Ready-made backends, plain users of the handler API.

Each lives in a package of its own (`duckdb`, `sqlite`) and imports its optional dependency
there only, so `import pgwire` never needs DuckDB: `from pgwire.backends.duckdb import
DuckDBHandler`. What both use is beside them and imports neither: `catalog` (PostgreSQL's
catalog, emulated), `sqlparams` (reading `$n` parameters from SQL) and `offloop` (blocking
calls off the event loop).
"""
