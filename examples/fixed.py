"""A server that answers every query with fixed results: `pgwire serve examples.fixed:handler`."""

from pgwire import Column, Command, Handler, PgError, Result, Rows, serve


class FixedHandler(Handler):
    multiprocess = True  # no shared state: `--workers N` may serve it from N processes

    def query(self, sql: str) -> Result:
        words = sql.split()
        verb = words[0].upper() if words else ""
        if verb == "SELECT":
            # Every SELECT gets the same answer: one row, one int4 column.
            return Rows([Column("?column?", "int4")], [(1,)])
        if verb in ("BEGIN", "COMMIT", "ROLLBACK", "SET"):
            return Command(verb)
        raise PgError(f'syntax error at or near "{words[0] if words else sql}"', "42601")


handler = FixedHandler()

if __name__ == "__main__":
    serve(handler, port=5433)
