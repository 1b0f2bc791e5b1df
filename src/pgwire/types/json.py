"""json and jsonb.

A str (or bytes) is taken as JSON text already and passed through; any other Python value is
serialised in jsonb's output style ('{"a": 1, "b": [1, 2]}'). Decimals stay exact numbers,
non-finite floats become strings as in to_jsonb ('"NaN"'), and dates, UUIDs, bytes and other
non-JSON values become strings of their PostgreSQL text. Decoders return the JSON text as a str:
the handler (or the backend it feeds) decides whether to parse it.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from pgwire.types import oids
from pgwire.types._util import invalid_binary
from pgwire.types.adapt import text_of
from pgwire.types.numeric import float8_text_encode, numeric_text_encode
from pgwire.types.registry import TypeInfo, TypeRegistry, registry
from pgwire.types.text import text_decode

_dumps = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode


def to_json_text(value: Any) -> str:
    """Serialise a Python value as JSON text, jsonb style."""
    try:
        # Plain containers of str/int/float/bool/None: the C encoder does it all.
        return _dumps(value)
    except (TypeError, ValueError):
        return _to_json(value)


def _to_json(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return _dumps(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value):
            return float8_text_encode(value).decode()
        return '"NaN"' if math.isnan(value) else ('"Infinity"' if value > 0 else '"-Infinity"')
    if isinstance(value, Decimal):
        if value.is_finite():
            return numeric_text_encode(value).decode()
        return _dumps(str(value))
    if isinstance(value, dict):
        items = (f"{_dumps(_key_text(k))}: {_to_json(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list | tuple | set | frozenset):
        return "[" + ", ".join(_to_json(v) for v in value) + "]"
    if isinstance(value, datetime | date | time):
        return _dumps(value.isoformat())
    return _dumps(text_of(value).decode())


def _key_text(key: Any) -> str:
    if isinstance(key, str):
        return key
    return text_of(key).decode()


def json_text_encode(value: Any) -> bytes:
    if type(value) is str:
        return value.encode()
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    return to_json_text(value).encode()


def json_text_decode(data: bytes) -> str:
    return text_decode(data)


def jsonb_binary_encode(value: Any) -> bytes:
    return b"\x01" + json_text_encode(value)  # format version 1, then the text


def jsonb_binary_decode(data: bytes) -> str:
    if data[:1] != b"\x01":
        raise invalid_binary("jsonb", "unsupported jsonb version number")
    return text_decode(data[1:])


def register(reg: TypeRegistry) -> None:
    reg.register(
        TypeInfo(
            oids.JSON,
            "json",
            -1,
            array_oid=oids.JSON_ARRAY,
            text_encode=json_text_encode,
            text_decode=json_text_decode,
            binary_encode=json_text_encode,
            binary_decode=json_text_decode,
        )
    )
    reg.register(
        TypeInfo(
            oids.JSONB,
            "jsonb",
            -1,
            array_oid=oids.JSONB_ARRAY,
            text_encode=json_text_encode,
            text_decode=json_text_decode,
            binary_encode=jsonb_binary_encode,
            binary_decode=jsonb_binary_decode,
        )
    )
    reg.register(
        TypeInfo(
            oids.JSONPATH,
            "jsonpath",
            -1,
            array_oid=oids.JSONPATH_ARRAY,
            text_encode=json_text_encode,
            text_decode=json_text_decode,
            binary_encode=jsonb_binary_encode,  # jsonpath's binary form is also version + text
            binary_decode=jsonb_binary_decode,
        )
    )


register(registry)
