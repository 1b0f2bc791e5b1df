"""A test handler that answers `SELECT '<text>'::<type>` with that text as a value of that
type, and `SELECT $1::<type>` with the parameter it was given: the server's codecs do the rest."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pgwire import Column, Handler, PgError, Result, Rows
from pgwire.types import registry

_LITERAL = re.compile(r"SELECT '((?:[^']|'')*)'::(\w+)$", re.DOTALL)


class EchoTypes(Handler):
    def query(self, sql: str) -> Result:
        match = _LITERAL.match(sql)
        if match is None:
            raise PgError(f"unexpected statement: {sql}", "42601")
        oid = registry.by_name(match.group(2)).oid
        return Rows([Column("v", oid)], [(match.group(1).replace("''", "'"),)])

    def execute(self, sql: str, params: Sequence[Any], param_types: Sequence[int]) -> Result:
        if not params:
            return self.query(sql)
        return Rows([Column("v", param_types[0])], [(params[0],)])


handler = EchoTypes()
