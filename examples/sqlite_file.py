"""A SQLite file behind the PostgreSQL protocol: `python -m examples.sqlite_file app.sqlite`.

The same as `pgwire serve app.sqlite`: PostgreSQL SQL is translated to SQLite's.
"""

import sys

from pgwire import serve
from pgwire.backends.sqlite import SQLiteHandler

if __name__ == "__main__":
    serve(SQLiteHandler(sys.argv[1] if len(sys.argv) > 1 else ":memory:"), port=5433)
