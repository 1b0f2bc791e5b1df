"""Notices from a handler: `pgwire serve examples.notices:handler`, then `psql -c 'select 1'`."""

from pgwire import Column, Command, Handler, Result, Rows, SessionInfo, serve


class NoticeHandler(Handler):
    def __init__(self, session: SessionInfo | None = None) -> None:
        self.session = session

    async def connect(self, session: SessionInfo) -> Handler:
        return NoticeHandler(session)  # one object per connection, holding its session

    def query(self, sql: str) -> Result:
        assert self.session is not None
        if sql.upper() in ("BEGIN", "COMMIT", "ROLLBACK"):
            return Command(sql.upper())
        self.session.notice(f"you asked: {sql}", detail="Every statement gets 42.")
        self.session.notice("this server has no data", severity="WARNING", hint="Try DuckDB.")
        return Rows([Column("answer", "int4")], [(42,)])


handler = NoticeHandler()

if __name__ == "__main__":
    serve(handler, port=5433)
