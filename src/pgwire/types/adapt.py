"""Python type → PostgreSQL type: what to call a value nobody declared a type for.

`oid_for_value(v)` picks the OID PostgreSQL would naturally give the value (int → int8, or
numeric beyond 64 bits; aware datetime → timestamptz; list → the array of its first non-NULL
element's type), and `text_of(v)` prints it in that type's text format. The text encoder uses
this for non-str values in text columns.
"""

from __future__ import annotations

import ipaddress
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from pgwire.types import oids
from pgwire.types.interval import Interval
from pgwire.types.registry import TypeRegistry, registry

_BY_PYTHON_TYPE: dict[type, int] = {
    bool: oids.BOOL,
    float: oids.FLOAT8,
    Decimal: oids.NUMERIC,
    str: oids.TEXT,
    bytes: oids.BYTEA,
    bytearray: oids.BYTEA,
    memoryview: oids.BYTEA,
    date: oids.DATE,
    timedelta: oids.INTERVAL,
    Interval: oids.INTERVAL,
    UUID: oids.UUID,
    dict: oids.JSONB,
    ipaddress.IPv4Address: oids.INET,
    ipaddress.IPv6Address: oids.INET,
    ipaddress.IPv4Interface: oids.INET,
    ipaddress.IPv6Interface: oids.INET,
    ipaddress.IPv4Network: oids.CIDR,
    ipaddress.IPv6Network: oids.CIDR,
}


def oid_for_value(value: Any) -> int:
    """The PostgreSQL type OID for a Python value (text for None and unknown types)."""
    kind = type(value)
    oid = _BY_PYTHON_TYPE.get(kind)
    if oid is not None:
        return oid
    if kind is int:
        return oids.INT8 if -(2**63) <= value < 2**63 else oids.NUMERIC
    if isinstance(value, datetime):
        return oids.TIMESTAMP if value.tzinfo is None else oids.TIMESTAMPTZ
    if isinstance(value, time):
        return oids.TIME if value.tzinfo is None else oids.TIMETZ
    if isinstance(value, list | tuple):
        element = _first_element(value)
        if element is None:
            return oids.TEXT_ARRAY
        return oids.ARRAY_OF.get(oid_for_value(element), oids.TEXT_ARRAY)
    for base, base_oid in _BY_PYTHON_TYPE.items():
        if isinstance(value, base):
            return base_oid
    if isinstance(value, int):  # IntEnum and other int subclasses
        return oids.INT8
    return oids.TEXT


def _first_element(items: Any) -> Any:
    for item in items:
        if isinstance(item, list | tuple):
            found = _first_element(item)
            if found is not None:
                return found
        elif item is not None:
            return item
    return None


def text_of(value: Any, reg: TypeRegistry = registry) -> bytes:
    """A value in the text format of `oid_for_value(value)`."""
    oid = oid_for_value(value)
    if oid == oids.TEXT:
        return value.encode() if isinstance(value, str) else str(value).encode()
    return reg.encoder(oid)(value)
