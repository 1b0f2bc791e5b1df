"""DuckDB from code, with users and TLS: `python -m examples.duckdb_file data.duckdb`.

The same as `pgwire serve data.duckdb --users users.toml --tls-cert ... --tls-key ...`.
"""

import sys

from pgwire import Config, serve
from pgwire.auth.scram import ScramSecret
from pgwire.backends.duckdb import DuckDBHandler

# A SCRAM verifier, as pg_authid stores it: the password itself is never kept.
USERS = {"analyst": ScramSecret.from_password("change me").encode()}


def main() -> None:
    database = sys.argv[1] if len(sys.argv) > 1 else ":memory:"
    config = Config(port=5433, users=USERS, auth="scram-sha-256")
    if len(sys.argv) > 3:  # CERT KEY: TLS, and SCRAM-SHA-256-PLUS with channel binding
        config = Config(port=5433, users=USERS, tls_cert=sys.argv[2], tls_key=sys.argv[3])
    serve(DuckDBHandler(database), config)


if __name__ == "__main__":
    main()
