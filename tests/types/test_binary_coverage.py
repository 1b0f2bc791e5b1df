"""Every built-in type PostgreSQL 15 sends and receives in binary has binary and text codecs.

The list comes from PostgreSQL 15's own pg_type (the catalog snapshot in
pgwire.backends.catalog.pg15): every type whose typsend and typreceive are set, arrays
included. The few left out are listed with the reason, and the test fails when one of them
gains codecs (so the list only shrinks) as well as when any other type lacks one.
"""

from __future__ import annotations

from pgwire.backends.catalog import pg15
from pgwire.types import oids, registry
from tests.types.test_binary_vs_postgres import SAMPLES

# pg_type columns in pg15.TYPES
_OID, _NAME, _TYPTYPE, _ELEM, _RECEIVE, _SEND = 0, 1, 4, 8, 12, 13

_STATISTICS = (
    "its binary form is PostgreSQL's internal serialization of planner statistics (sent with "
    "byteasend); PostgreSQL itself refuses it as input"
)
EXCLUDED: dict[str, str] = {
    "pg_ddl_command": "its send and receive functions only raise errors: it never travels",
    "pg_ndistinct": _STATISTICS,
    "pg_dependencies": _STATISTICS,
    "pg_mcv_list": _STATISTICS,
    "pg_brin_bloom_summary": _STATISTICS,
    "pg_brin_minmax_multi_summary": _STATISTICS,
    "_aclitem": "aclitem has no binary send or receive function, so array_send fails for it",
    "_gtsvector": "gtsvector has no binary send or receive function, so array_send fails too",
}


def _builtin_binary_types() -> dict[int, str]:
    """OID → name of each built-in type with binary I/O, but for arrays of catalog row types
    (a system relation's composite type, whose columns the registry does not model; their
    element types are not in pg15.TYPES)."""
    known = {row[_OID] for row in pg15.TYPES}
    return {
        row[_OID]: row[_NAME]
        for row in pg15.TYPES
        if row[_RECEIVE] and row[_SEND] and (not row[_ELEM] or row[_ELEM] in known)
    }


def test_every_binary_type_has_binary_and_text_codecs() -> None:
    missing = []
    for oid, name in _builtin_binary_types().items():
        info = registry.get(oid)
        codecs = (
            (info.binary_encode, info.binary_decode, info.text_encode, info.text_decode)
            if info is not None
            else (None,)
        )
        complete = all(codec is not None for codec in codecs)
        if complete == (name in EXCLUDED):
            missing.append(name)
    assert missing == [], "types lacking codecs, or excluded ones that now have them"


def test_exclusions_are_real_types() -> None:
    assert set(EXCLUDED) <= set(_builtin_binary_types().values())


def test_every_binary_scalar_is_compared_with_postgres() -> None:
    """Each scalar type (its array comes along) has samples in the PostgreSQL comparison."""
    sampled = {name.strip('"').partition("(")[0] for name in SAMPLES}
    # Compared in tests of their own; anycompatiblearray shares anyarray's codecs; PostgreSQL
    # resolves unknown to text before any value of it goes out (its codecs are text's).
    sampled |= {"record", "anyarray", "anycompatiblearray", "pg_node_tree", "unknown"}
    scalars = {
        name
        for oid, name in _builtin_binary_types().items()
        if oid not in oids.ELEMENT_OF and name not in EXCLUDED
    }
    assert scalars - sampled == set()
