"""Random bytes given to any binary decoder yield a value or a PgError, never a crash."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pgwire.errors import PgError
from pgwire.types import BINARY, oids, registry

_DECODABLE = sorted(
    oid
    for oid in oids.NAMES
    if (info := registry.get(oid)) is not None and info.binary_decode is not None
)


@pytest.mark.parametrize("oid", _DECODABLE, ids=[oids.NAMES[oid] for oid in _DECODABLE])
@settings(max_examples=40, deadline=None)
@given(data=st.binary(max_size=40))
def test_random_bytes_decode_or_fail_cleanly(oid: int, data: bytes) -> None:
    with contextlib.suppress(PgError):
        registry.decoder(oid, BINARY)(data)
