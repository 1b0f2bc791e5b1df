"""PostgreSQL types: one registry, one module per type family.

Importing this package registers every built-in type family.
"""

from pgwire.types.registry import BINARY, TEXT, TypeInfo, TypeRegistry, registry

# Each family registers itself at import. `other` claims the built-ins nobody else did, and
# `array` must come last: it builds the array type of everything registered before it.
# isort: off
from pgwire.types import bool as _bool  # noqa: F401
from pgwire.types import numeric as _numeric  # noqa: F401
from pgwire.types import text as _text  # noqa: F401
from pgwire.types import interval as _interval  # noqa: F401
from pgwire.types import datetime as _datetime  # noqa: F401
from pgwire.types import uuid as _uuid  # noqa: F401
from pgwire.types import json as _json  # noqa: F401
from pgwire.types import xml as _xml  # noqa: F401
from pgwire.types import network as _network  # noqa: F401
from pgwire.types import macaddr as _macaddr  # noqa: F401
from pgwire.types import geometric as _geometric  # noqa: F401
from pgwire.types import system as _system  # noqa: F401
from pgwire.types import tsvector as _tsvector  # noqa: F401
from pgwire.types import tsquery as _tsquery  # noqa: F401
from pgwire.types import record as _record  # noqa: F401
from pgwire.types import ranges as _ranges  # noqa: F401
from pgwire.types import multiranges as _multiranges  # noqa: F401
from pgwire.types import other as _other  # noqa: F401
from pgwire.types import array as _array  # noqa: F401

# isort: on
from pgwire.types import oids
from pgwire.types.adapt import oid_for_value, text_of
from pgwire.types.interval import Interval

__all__ = [
    "BINARY",
    "TEXT",
    "Interval",
    "TypeInfo",
    "TypeRegistry",
    "oid_for_value",
    "oids",
    "registry",
    "text_of",
]
