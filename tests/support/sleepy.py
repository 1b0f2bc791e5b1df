"""A stateless test handler: `select pg_sleep(n)` sleeps, any other SELECT returns the pid."""

from __future__ import annotations

import asyncio
import os
import re

from pgwire import Column, Command, Handler, Result, Rows


class Sleepy(Handler):
    multiprocess = True

    async def query(self, sql: str) -> Result:
        match = re.match(r"select pg_sleep\((\d+(?:\.\d+)?)\)", sql, re.IGNORECASE)
        if match:
            await asyncio.sleep(float(match.group(1)))
            return Rows([Column("pg_sleep", "void")], [("",)])
        if sql.lower().startswith("select"):
            return Rows([Column("worker_os_pid", "int4")], [(os.getpid(),)])
        return Command(sql.split()[0].upper())


handler = Sleepy()
