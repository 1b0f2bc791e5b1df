"""tsquery: text "'fat' & ( 'rat' | 'cat' )" (decoders return it as PostgreSQL prints it,
encoders print any spelling so), binary as tsquerysend sends it: int32 item count, then the
items operator first, its right operand before its left: an operand is type 1, weight bits
(A=8 ... D=1), prefix flag and NUL-terminated text; an operator is type 2, its code (! 1,
& 2, | 3, <-> 4) and, for <N>, an int16 distance.
"""

from __future__ import annotations

import struct
from typing import Any

from pgwire import sqlstate
from pgwire.errors import PgError
from pgwire.types import oids
from pgwire.types._util import INT4, invalid_binary
from pgwire.types.registry import TypeInfo, TypeRegistry, registry

_NOT, _AND, _OR, _PHRASE = 1, 2, 3, 4
_PRIORITY = {_NOT: 4, _AND: 2, _OR: 1, _PHRASE: 3}
_QUERY_WEIGHTS = {"a": 8, "b": 4, "c": 2, "d": 1}
_MAX_DISTANCE = 16384  # MAXENTRYPOS
_OPERAND_END = frozenset("!&|()<:")

# ("val", text, weight, prefix) | (op, distance, left, right) | (_NOT, 0, child, None)
_Node = tuple[Any, ...]


class QueryText(str):
    """A tsquery as PostgreSQL prints it, remembering the tree it was read as: the text of
    '(a & (b & c))' reads back as '(a & b) & c', and binary keeps the difference."""

    __slots__ = ("tree",)

    def __new__(cls, tree: _Node | None) -> QueryText:
        made = super().__new__(cls, "" if tree is None else _query_text(tree))
        made.tree = tree
        return made

    tree: _Node | None


def _query_syntax(text: str) -> PgError:
    return PgError(f'syntax error in tsquery: "{text}"', sqlstate.SYNTAX_ERROR)


class _QueryParser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def peek(self) -> str:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1
        return self.text[self.pos : self.pos + 1]

    def parse(self) -> _Node | None:
        if not self.peek():
            return None
        node = self.expression(0)
        if self.peek():
            raise _query_syntax(self.text)
        return node

    def expression(self, lowest: int) -> _Node:
        left = self.unary()
        while True:
            found = self.operator()
            if found is None or _PRIORITY[found[0]] < lowest:
                return left
            op, distance, width = found
            self.pos += width
            right = self.expression(_PRIORITY[op] + 1)
            left = (op, distance, left, right)

    def operator(self) -> tuple[int, int, int] | None:
        char = self.peek()
        if char == "&":
            return _AND, 0, 1
        if char == "|":
            return _OR, 0, 1
        if char == "<":
            end = self.text.find(">", self.pos)
            inner = self.text[self.pos + 1 : end] if end > 0 else ""
            if inner == "-":
                return _PHRASE, 1, end - self.pos + 1
            if inner.isdigit():
                if int(inner) > _MAX_DISTANCE:
                    raise PgError(
                        "distance in phrase operator must be an integer value between zero"
                        f" and {_MAX_DISTANCE} inclusive",
                        sqlstate.INVALID_PARAMETER_VALUE,
                    )
                return _PHRASE, int(inner), end - self.pos + 1
            raise _query_syntax(self.text)
        return None

    def unary(self) -> _Node:
        char = self.peek()
        if char == "!":
            self.pos += 1
            return (_NOT, 0, self.unary(), None)
        if char == "(":
            self.pos += 1
            node = self.expression(0)
            if self.peek() != ")":
                raise _query_syntax(self.text)
            self.pos += 1
            return node
        return self.operand()

    def operand(self) -> _Node:
        text, end = self.text, len(self.text)
        if not self.peek():
            raise PgError(f'no operand in tsquery: "{text}"', sqlstate.SYNTAX_ERROR)
        chunk: list[str] = []
        if self.peek() == "'":
            self.pos += 1
            while True:
                if self.pos >= end:
                    raise _query_syntax(text)
                char = text[self.pos]
                if char == "\\" and self.pos + 1 < end:
                    chunk.append(text[self.pos + 1])
                    self.pos += 2
                elif char == "'":
                    if text[self.pos + 1 : self.pos + 2] == "'":
                        chunk.append("'")
                        self.pos += 2
                    else:
                        self.pos += 1
                        break
                else:
                    chunk.append(char)
                    self.pos += 1
        else:
            while self.pos < end and not text[self.pos].isspace():
                char = text[self.pos]
                if char in _OPERAND_END:
                    break
                if char == "\\" and self.pos + 1 < end:
                    self.pos += 1
                    char = text[self.pos]
                chunk.append(char)
                self.pos += 1
        if not chunk:
            raise _query_syntax(text)
        weight, prefix = 0, False
        if text[self.pos : self.pos + 1] == ":":
            self.pos += 1
            while self.pos < end and (text[self.pos] == "*" or text[self.pos].lower() in "abcd"):
                if text[self.pos] == "*":
                    prefix = True
                else:
                    weight |= _QUERY_WEIGHTS[text[self.pos].lower()]
                self.pos += 1
        return ("val", "".join(chunk), weight, prefix)


def _query_text(node: _Node, parent: int = 0, right_phrase: bool = False) -> str:
    """infix(): operands quoted, '( ... )' where a lower priority sits under a higher one."""
    kind = node[0]
    if kind == "val":
        _, word, weight, prefix = node
        text: str = "'" + word.replace("'", "''").replace("\\", "\\\\") + "'"
        if weight or prefix:
            text += ":" + ("*" if prefix else "")
            text += "".join(
                letter for letter, bit in zip("ABCD", (8, 4, 2, 1), strict=True) if weight & bit
            )
        return text
    priority = _PRIORITY[kind]
    if kind == _NOT:
        inner = "!" + _query_text(node[2], priority)
        return f"( {inner} )" if priority < parent else inner
    _, distance, left, right = node
    sign = {_AND: "&", _OR: "|"}.get(kind) or ("<->" if distance == 1 else f"<{distance}>")
    right_text = _query_text(right, priority, kind == _PHRASE)
    inner = f"{_query_text(left, priority)} {sign} {right_text}"
    if priority < parent or (kind == _PHRASE and right_phrase):
        return f"( {inner} )"
    return inner


def _query_items(node: _Node, out: list[bytes]) -> None:
    """Operator first, then its right operand, then its left (the order tsquerysend keeps)."""
    kind = node[0]
    if kind == "val":
        _, word, weight, prefix = node
        out.append(bytes((1, weight, prefix)) + word.encode() + b"\0")
    elif kind == _NOT:
        out.append(bytes((2, _NOT)))
        _query_items(node[2], out)
    else:
        out.append(bytes((2, kind)) + (struct.pack(">h", node[1]) if kind == _PHRASE else b""))
        _query_items(node[3], out)
        _query_items(node[2], out)


def _read_query(value: Any) -> _Node | None:
    if isinstance(value, QueryText):
        return value.tree
    text = value.decode(errors="replace") if isinstance(value, bytes) else str(value)
    return _QueryParser(text).parse()


def tsquery_text_encode(value: Any) -> bytes:
    if isinstance(value, QueryText):
        return value.encode()
    return QueryText(_read_query(value)).encode()


def tsquery_text_decode(data: bytes) -> QueryText:
    return QueryText(_read_query(data))


def tsquery_binary_encode(value: Any) -> bytes:
    node = _read_query(value)
    items: list[bytes] = []
    if node is not None:
        _query_items(node, items)
    return INT4.pack(len(items)) + b"".join(items)


def tsquery_binary_decode(data: bytes) -> QueryText:
    if len(data) < 4:
        raise invalid_binary("tsquery")
    count: int = INT4.unpack_from(data)[0]
    pos = 4

    def item() -> _Node:
        nonlocal pos, count
        if count <= 0 or pos >= len(data):
            raise invalid_binary("tsquery")
        count -= 1
        kind = data[pos]
        if kind == 1:
            weight, prefix = data[pos + 1], data[pos + 2]
            nul = data.index(b"\0", pos + 3)
            word = data[pos + 3 : nul].decode()
            pos = nul + 1
            if weight > 15 or prefix > 1:
                raise invalid_binary("tsquery")
            return ("val", word, weight, bool(prefix))
        if kind != 2:
            raise invalid_binary("tsquery")
        op = data[pos + 1]
        pos += 2
        if op == _NOT:
            return (_NOT, 0, item(), None)
        if op not in (_AND, _OR, _PHRASE):
            raise invalid_binary("tsquery")
        distance = 0
        if op == _PHRASE:
            distance = struct.unpack_from(">h", data, pos)[0]
            pos += 2
        right = item()
        return (op, distance, item(), right)

    if count == 0:
        node = None
    else:
        try:
            node = item()
        except (ValueError, IndexError, struct.error, UnicodeDecodeError):
            raise invalid_binary("tsquery") from None
    if count != 0 or pos != len(data):
        raise invalid_binary("tsquery")
    return QueryText(node)


def register(reg: TypeRegistry) -> None:
    reg.register(
        TypeInfo(
            oids.TSQUERY,
            "tsquery",
            -1,
            array_oid=oids.TSQUERY_ARRAY,
            text_encode=tsquery_text_encode,
            text_decode=tsquery_text_decode,
            binary_encode=tsquery_binary_encode,
            binary_decode=tsquery_binary_decode,
        )
    )


register(registry)
