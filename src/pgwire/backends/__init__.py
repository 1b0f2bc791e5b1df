"""Ready-made backends, plain users of the handler API.

Each lives in its own module and imports its optional dependency there only, so
`import pgwire` never needs DuckDB: `from pgwire.backends.duckdb import DuckDBHandler`.
"""
