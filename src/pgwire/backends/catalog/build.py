"""The rows of the emulated catalog: PostgreSQL's built-ins, and a backend's snapshot.

Everything here is plain Python, independent of the engine that runs the queries. Rows are
dicts keyed by column name; `columns_of_rows_for` turns them into the columns of PostgreSQL's
own relation (`columns_of`, from pg15.RELATIONS), with PostgreSQL's "nothing here" values for
missing catalog columns (false, 0, '' for "char") so that `NOT attisdropped` and
`attidentity = ''` behave.
"""

from __future__ import annotations

import dataclasses
import platform
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pgwire.backends.catalog import model, pg15
from pgwire.backends.catalog.model import (
    CHECK,
    FOREIGN_KEY,
    PK,
    SUPERUSER_OID,
    UNIQUE,
    Relation,
    SessionState,
    Snapshot,
    stable_oid,
)
from pgwire.backends.qualified import search_path_schemas
from pgwire.settings import PARAMETERS, version_num  # the front end's defaults
from pgwire.sql.lexer import IDENT, STRING, WORD, code
from pgwire.types import oids

Row = dict[str, Any]

# OIDs PostgreSQL fixes for these catalogs (what 'pg_class'::regclass gives).
PG_CLASS = 1259
PG_NAMESPACE = 2615
PG_PROC = 1255
PG_TYPE = 1247
PG_ATTRDEF = 2604
PG_REWRITE = 2618
HEAP_AM = 2
BTREE_AM = 403
DEFAULT_TABLESPACE = 1663
SQL_LANGUAGE = 14
UTF8_ENCODING = 6

# Built-in input/output functions of enums and arrays (pg_type.typinput etc.).
_ENUM_IO = {"typinput": 3504, "typoutput": 3505, "typreceive": 3532, "typsend": 3533}
_ARRAY_IO = {
    "typinput": 750,
    "typoutput": 751,
    "typreceive": 2400,
    "typsend": 2401,
    "typanalyze": 3816,
    "typsubscript": 6179,
}

# pg15.TYPES's columns, in order
_TYPE_COLUMNS = ("oid", "typname", "typlen", "typbyval", "typtype", "typcategory",
                 "typispreferred", "typdelim", "typelem", "typarray", "typinput", "typoutput",
                 "typreceive", "typsend", "typmodin", "typmodout", "typanalyze", "typsubscript",
                 "typalign", "typstorage", "typcollation")  # fmt: skip

# How format_type() spells a typmod for each built-in type that takes one.
_TYPMOD_KINDS = {
    oids.VARCHAR: "length",
    oids.BPCHAR: "length",
    oids.NUMERIC: "numeric",
    oids.BIT: "bits",
    oids.VARBIT: "bits",
    oids.TIMESTAMP: "precision",
    oids.TIMESTAMPTZ: "precision",
    oids.TIME: "precision",
    oids.TIMETZ: "precision",
}
# The name format_type() puts a typmod into, where it differs from the name without one.
_TYPMOD_BASES = {oids.BPCHAR: "character", oids.BIT: "bit"}

# Columns whose "nothing" is '' rather than NULL: PostgreSQL's "char" columns are never null.
_EMPTY_BY_TYPE = {"BOOLEAN": False, "CHAR": "", "BIGINT": 0, "INTEGER": 0, "SMALLINT": 0}
_EMPTY_BY_TYPE |= {"FLOAT": 0.0, "DOUBLE": 0.0}


# The emulation's own helper relations (the functions look things up in them).
INTERNAL: dict[str, tuple[tuple[str, str], ...]] = {
    "pgwire_session": (
        ("user_name", "VARCHAR"), ("database_name", "VARCHAR"), ("pid", "INTEGER"),
        ("version", "VARCHAR"), ("search_path", "VARCHAR[]"), ("database_oid", "BIGINT"),
    ),
    # the size functions: estimated bytes per relation (model.Activity)
    "pgwire_storage": (
        ("schema_name", "VARCHAR"), ("relation_name", "VARCHAR"), ("table_bytes", "BIGINT"),
        ("index_bytes", "BIGINT"),
    ),
    # pg_locks: the front end's advisory locks (SessionState.locks), loaded when asked
    "pgwire_locks": (
        ("locktype", "VARCHAR"), ("database_name", "VARCHAR"), ("classid", "BIGINT"),
        ("objid", "BIGINT"), ("objsubid", "SMALLINT"), ("pid", "INTEGER"), ("mode", "VARCHAR"),
        ("granted", "BOOLEAN"),
    ),
    # pg_get_constraintdef, pg_get_indexdef, pg_get_viewdef: by OID; an index's columns
    "pgwire_def": (("oid", "BIGINT"), ("def", "VARCHAR"), ("columns", "VARCHAR[]")),
    # pg_get_serial_sequence: a table's name (bare and qualified), column, sequence
    "pgwire_serial": (("tbl", "VARCHAR"), ("attname", "VARCHAR"), ("seq", "VARCHAR")),
    # format_type: see TypeName
    "pgwire_typename": (
        ("oid", "BIGINT"), ("name", "VARCHAR"), ("null_name", "VARCHAR"), ("base", "VARCHAR"),
        ("kind", "VARCHAR"), ("suffix", "VARCHAR"),
    ),
    # pg_get_function_result, _arguments, _identity_arguments, pg_get_functiondef
    "pgwire_procdef": (
        ("oid", "BIGINT"), ("result", "VARCHAR"), ("arguments", "VARCHAR"),
        ("identity_arguments", "VARCHAR"), ("functiondef", "VARCHAR"),
    ),
}  # fmt: skip

# Relations stored in two parts, PostgreSQL's built-in rows and the snapshot's (the
# relation itself is a view over both): part → the relation whose columns it has.
SPLIT = {
    "pgwire_builtin_type": "pg_type",
    "pgwire_user_type": "pg_type",
    "pgwire_builtin_proc": "pg_proc",
    "pgwire_user_proc": "pg_proc",
    "pgwire_builtin_typename": "pgwire_typename",
    "pgwire_user_typename": "pgwire_typename",
    "pgwire_builtin_procdef": "pgwire_procdef",
    "pgwire_user_procdef": "pgwire_procdef",
}
INFORMATION_SCHEMA_PREFIX = "pgwire_is_"  # pgwire_is_tables holds information_schema.tables
INFORMATION_SCHEMA = "pgwire_information_schema"  # the schema of its views


def columns_of(relation: str) -> tuple[tuple[str, str], ...]:
    """(name, DuckDB type) of each column of a catalog relation or a helper table."""
    relation = SPLIT.get(relation, relation)
    if relation in INTERNAL:
        return INTERNAL[relation]
    if relation.startswith(INFORMATION_SCHEMA_PREFIX):
        relation = "information_schema." + relation.removeprefix(INFORMATION_SCHEMA_PREFIX)
    return pg15.RELATIONS[relation]


def columns_of_rows_for(
    columns: Sequence[tuple[str, str]], rows: Sequence[Row], fill: bool = True
) -> list[list[Any]]:
    """Rows as one list per column; with `fill`, missing values are PostgreSQL's "nothing"
    for catalog columns (never null there), else NULL (information_schema's "not
    applicable")."""
    out: list[list[Any]] = []
    for name, duck_type in columns:
        empty = _EMPTY_BY_TYPE.get(duck_type) if fill else None
        values = []
        for row in rows:
            value = row.get(name)
            values.append(empty if value is None else value)
        out.append(values)
    return out


# ---------------------------------------------------------------------------------------------
# PostgreSQL's built-ins: loaded once per process


# PostgreSQL's built-in types, less the arrays of its catalogs' row types (not emulated).
_BUILTIN_TYPES = tuple(
    values
    for values in pg15.TYPES
    if not values[8] or values[8] in {other[0] for other in pg15.TYPES}
)


_BUILTIN_OIDS = frozenset(values[0] for values in _BUILTIN_TYPES)


def builtin_types() -> list[Row]:
    rows = []
    for values in _BUILTIN_TYPES:
        row = dict(zip(_TYPE_COLUMNS, values[: len(_TYPE_COLUMNS)], strict=True))
        row |= {"typnamespace": model.PG_CATALOG_OID, "typowner": SUPERUSER_OID}
        if row["typarray"] not in _BUILTIN_OIDS:
            row["typarray"] = 0
        row |= {"typisdefined": True, "typtypmod": -1}
        rows.append(row)
    return rows


def builtin_type_names() -> list[Row]:
    """How format_type() spells each built-in type: `name` without a typmod, `null_name` for
    a NULL typmod, and with a typmod `base` followed by the typmod spelled per `kind`, then
    `suffix` ("[]" for arrays: the typmod applies to the element)."""
    names = {values[0]: (values[21], values[22]) for values in _BUILTIN_TYPES}
    elements = {values[0]: values[8] for values in _BUILTIN_TYPES if values[5] == "A"}
    rows = []
    for oid, (name, null_name) in names.items():
        element = elements.get(oid, 0)
        if element and name.endswith("[]") and element in names:
            base_oid, suffix = element, "[]"
        else:
            base_oid, suffix = oid, ""
        base = _TYPMOD_BASES.get(base_oid, names[base_oid][0])
        kind = _TYPMOD_KINDS.get(base_oid, "")
        rows.append({"oid": oid, "name": name, "null_name": null_name, "base": base,
                     "kind": kind, "suffix": suffix})  # fmt: skip
    return rows


def builtin_type_spellings() -> dict[int, str]:
    """format_type(oid, -1) of each built-in type."""
    return {values[0]: values[21] for values in _BUILTIN_TYPES}


def builtin_procs() -> list[Row]:
    rows = []
    for (
        oid, proname, prolang, prokind, isstrict, retset, volatile, nargs, rettype, argtypes,
        argnames, src,
    ) in pg15.PROCS:  # fmt: skip
        rows.append({
            "oid": oid, "proname": proname, "pronamespace": model.PG_CATALOG_OID,
            "proowner": SUPERUSER_OID, "prolang": prolang, "procost": 1.0, "prokind": prokind,
            "proisstrict": isstrict, "proretset": retset, "provolatile": volatile,
            "proparallel": "s", "pronargs": nargs, "prorettype": rettype,
            "proargtypes": list(argtypes), "proargnames": list(argnames) if argnames else None,
            "prosrc": src,
        })  # fmt: skip
    return rows


def builtin_proc_defs(type_names: dict[int, str]) -> list[Row]:
    """pg_get_function_arguments() and friends for the built-in functions."""
    rows = []
    for row in builtin_procs():
        names = row["proargnames"] or []
        rows.append(
            _proc_def(
                row["oid"], row["proname"], "pg_catalog", row["proargtypes"], names,
                row["prorettype"], row["proretset"], row["prokind"], "internal", row["prosrc"],
                type_names,
            )
        )  # fmt: skip
    return rows


def static_rows() -> dict[str, list[Row]]:
    """Rows of the relations whose content is PostgreSQL's alone."""
    return {
        "pg_am": [
            {"oid": oid, "amname": name, "amhandler": handler, "amtype": kind}
            for oid, name, handler, kind in pg15.AMS
        ],
        "pg_collation": [
            {
                "oid": oid, "collname": name, "collnamespace": model.PG_CATALOG_OID,
                "collowner": SUPERUSER_OID, "collprovider": provider,
                "collisdeterministic": deterministic, "collencoding": encoding,
                "collcollate": collate, "collctype": ctype,
            }
            for oid, name, provider, deterministic, encoding, collate, ctype in pg15.COLLATIONS
        ],
        "pg_range": [
            dict(zip(
                ("rngtypid", "rngsubtype", "rngmultitypid", "rngcollation", "rngsubopc",
                 "rngcanonical", "rngsubdiff"),
                values, strict=True,
            ))
            for values in pg15.RANGES
        ],
        "pg_language": [
            {
                "oid": oid, "lanname": name, "lanowner": SUPERUSER_OID, "lanispl": ispl,
                "lanpltrusted": trusted,
            }
            for oid, name, ispl, trusted in pg15.LANGUAGES
        ],
        "pg_tablespace": [
            {"oid": DEFAULT_TABLESPACE, "spcname": "pg_default", "spcowner": SUPERUSER_OID},
            {"oid": 1664, "spcname": "pg_global", "spcowner": SUPERUSER_OID},
        ],
    }  # fmt: skip


# ---------------------------------------------------------------------------------------------
# A backend's snapshot: loaded again whenever it changes


@dataclass
class Built:
    """The dynamic relations' rows, plus what the catalog functions look up."""

    tables: dict[str, list[Row]] = field(default_factory=dict)

    def add(self, table: str, row: Row) -> None:
        self.tables.setdefault(table, []).append(row)


class _Oids:
    """stable_oid with collisions resolved (deterministically, in the snapshot's order)."""

    def __init__(self) -> None:
        self.used: set[int] = set()

    def __call__(self, kind: str, *names: str) -> int:
        oid = stable_oid(kind, *names)
        attempt = 0
        while oid in self.used:
            attempt += 1
            oid = stable_oid(kind, *names, str(attempt))
        self.used.add(oid)
        return oid


def quote_ident(name: str) -> str:
    """An identifier as PostgreSQL's quote_ident() prints it."""
    plain = all(c.islower() or c.isdigit() or c in "_$" for c in name)
    if name and (name[0].islower() or name[0] == "_") and name not in _RESERVED and plain:
        return name
    return '"' + name.replace('"', '""') + '"'


_RESERVED = frozenset(word for word, code, *_ in pg15.KEYWORDS if code != "U")


def build(snapshot: Snapshot, session: SessionState, type_names: dict[int, str]) -> Built:
    """Every dynamic relation's rows, from a backend's snapshot and the session."""
    out = Built()
    oid = _Oids()
    oid.used.update(values[0] for values in pg15.TYPES)
    # the schemas on the session's search_path: names are deparsed for it (views, defaults)
    path = search_path_schemas(session.settings.get("search_path", '"$user", public'), session.user)
    snapshot = _defaults_for_path(snapshot, path)

    # -- namespaces
    namespaces: dict[str, int] = {}
    listed = {schema.name for schema in snapshot.schemas}
    fixed = {
        name: number for number, name in pg15.NAMESPACES if name != "public" or "public" in listed
    }
    for name, number in fixed.items():
        namespaces[name] = number
        out.add("pg_namespace", {"oid": number, "nspname": name, "nspowner": SUPERUSER_OID})
    for schema in snapshot.schemas:
        if schema.name in namespaces:
            continue
        number = oid("namespace", schema.name)
        namespaces[schema.name] = number
        out.add("pg_namespace", {"oid": number, "nspname": schema.name, "nspowner": SUPERUSER_OID})
        if schema.comment:
            _describe(out, number, PG_NAMESPACE, 0, schema.comment)
    for relation in snapshot.relations:
        if relation.schema not in namespaces:  # a temporary schema not listed, say
            number = oid("namespace", relation.schema)
            namespaces[relation.schema] = number
            out.add(
                "pg_namespace",
                {"oid": number, "nspname": relation.schema, "nspowner": SUPERUSER_OID},
            )

    # -- the catalog's own relations, so that 'pg_class'::regclass and classoid joins work
    for number, schema, name, kind in pg15.CATALOG_RELATIONS:
        out.add("pg_class", _class_row(number, name, namespaces[schema], kind))

    # -- user types (enums) and their arrays
    user_type_names: dict[int, str] = {}
    for enum in snapshot.enums:
        type_oid = oid("type", enum.schema, enum.name)
        array_oid = oid("type", enum.schema, "_" + enum.name)
        namespace = namespaces.get(enum.schema, namespaces["pg_catalog"])
        out.add("pgwire_user_type", {
            "oid": type_oid, "typname": enum.name, "typnamespace": namespace,
            "typowner": SUPERUSER_OID, "typlen": 4, "typbyval": True, "typtype": "e",
            "typcategory": "E", "typisdefined": True, "typdelim": ",", "typarray": array_oid,
            "typalign": "i", "typstorage": "p", "typtypmod": -1, **_ENUM_IO,
        })  # fmt: skip
        out.add("pgwire_user_type", {
            "oid": array_oid, "typname": "_" + enum.name, "typnamespace": namespace,
            "typowner": SUPERUSER_OID, "typlen": -1, "typtype": "b", "typcategory": "A",
            "typisdefined": True, "typdelim": ",", "typelem": type_oid, "typalign": "i",
            "typstorage": "x", "typtypmod": -1, **_ARRAY_IO,
        })  # fmt: skip
        visible = enum.schema in snapshot.search_path
        spelled = quote_ident(enum.name) if visible else _qualified(enum.schema, enum.name)
        user_type_names[type_oid] = spelled
        user_type_names[array_oid] = spelled + "[]"
        out.add("pgwire_user_typename", _type_name_row(type_oid, spelled, ""))
        out.add("pgwire_user_typename", _type_name_row(array_oid, spelled, "[]"))
        for position, label in enumerate(enum.labels, start=1):
            out.add("pg_enum", {
                "oid": oid("enum", enum.schema, enum.name, label), "enumtypid": type_oid,
                "enumsortorder": float(position), "enumlabel": label,
            })  # fmt: skip
        if enum.comment:
            _describe(out, type_oid, PG_TYPE, 0, enum.comment)
    all_type_names = type_names | user_type_names

    # -- relations, their columns, indexes and constraints
    relation_oids = {
        (r.schema, r.name): oid("relation", r.schema, r.name) for r in snapshot.relations
    }
    # Index OIDs are known before the constraints that reference them (FOREIGN KEY → the
    # referenced table's key index).
    key_indexes: dict[tuple[str, str], list[tuple[tuple[str, ...], int]]] = {}
    planned: dict[tuple[str, str], list[tuple[model.Index, int, str | None]]] = {}
    for relation in snapshot.relations:
        key = (relation.schema, relation.name)
        entries: list[tuple[model.Index, int, str | None]] = []
        names = set()
        for constraint in relation.constraints:
            if constraint.kind in (PK, UNIQUE):
                index = model.Index(
                    constraint.name, constraint.columns, unique=True,
                    primary=constraint.kind == PK,
                )  # fmt: skip
                entries.append(
                    (index, oid("relation", relation.schema, index.name), constraint.kind)
                )
                names.add(index.name)
        for index in relation.indexes:
            if index.name not in names:
                entries.append((index, oid("relation", relation.schema, index.name), None))
        planned[key] = entries
        key_indexes[key] = [
            (index.columns, number) for index, number, kind in entries if index.unique
        ]

    # Foreign keys are triggers in PostgreSQL, on both tables (psql looks for them then).
    with_triggers: set[tuple[str, str | None]] = set()
    for relation in snapshot.relations:
        for constraint in relation.constraints:
            if constraint.kind == FOREIGN_KEY:
                with_triggers.add((relation.schema, relation.name))
                with_triggers.add((constraint.ref_schema or relation.schema, constraint.ref_table))

    for relation in snapshot.relations:
        key = (relation.schema, relation.name)
        rel_oid = relation_oids[key]
        namespace = namespaces[relation.schema]
        positions = {column.name: n for n, column in enumerate(relation.columns, start=1)}
        checks = sum(1 for c in relation.constraints if c.kind == CHECK)
        row = _class_row(rel_oid, relation.name, namespace, relation.kind)
        row |= {
            "relnatts": len(relation.columns), "relchecks": checks,
            "relhasindex": bool(planned[key]), "relhastriggers": key in with_triggers,
            "relpersistence": "t" if relation.temporary else "p",
            "relam": HEAP_AM if relation.kind in ("r", "m") else 0,
        }  # fmt: skip
        out.add("pg_class", row)
        if relation.comment:
            _describe(out, rel_oid, PG_CLASS, 0, relation.comment)
        for number, column in enumerate(relation.columns, start=1):
            _attribute(out, rel_oid, number, column)
            if column.default is not None:
                attrdef_oid = oid("attrdef", relation.schema, relation.name, column.name)
                out.add("pg_attrdef", {
                    "oid": attrdef_oid, "adrelid": rel_oid, "adnum": number,
                    "adbin": column.default,
                })  # fmt: skip
                sequence = _serial(out, relation.schema, relation.name, column.name, column.default)
                sequence_oid = relation_oids.get(sequence or ("", ""))
                if sequence_oid is not None:  # pg_dump creates the sequence first
                    _depend(out, PG_ATTRDEF, attrdef_oid, PG_CLASS, sequence_oid)
            if column.comment:
                _describe(out, rel_oid, PG_CLASS, number, column.comment)
        if relation.kind == "v" and relation.definition is not None:
            query = relation.definition
            if relation.schema not in path:  # pg_dump empties the search_path first
                query = _qualified_relations(query, relation.schema, relation_oids)
            out.add("pgwire_def", {"oid": rel_oid, "def": view_definition(query)})
            rule_oid = oid("rule", relation.schema, relation.name)
            out.add("pg_rewrite", {
                "oid": rule_oid, "rulename": "_RETURN", "ev_class": rel_oid, "ev_type": "1",
                "ev_enabled": "O", "is_instead": True,
            })  # fmt: skip
            for used in _relations_named(relation, relation_oids):
                _depend(out, PG_REWRITE, rule_oid, PG_CLASS, used)
        if relation.kind == "S":
            options = relation.sequence or model.SequenceOptions()
            out.add("pg_sequence", {
                "seqrelid": rel_oid, "seqtypid": options.type_oid, "seqstart": options.start,
                "seqincrement": options.increment, "seqmax": options.maximum,
                "seqmin": options.minimum, "seqcache": 1, "seqcycle": options.cycle,
            })  # fmt: skip

        index_of_constraint: dict[str, int] = {}
        for index, index_oid, constraint_kind in planned[key]:
            if constraint_kind is not None:
                index_of_constraint[index.name] = index_oid
            _index(out, relation, index, index_oid, rel_oid, namespace, positions)

        for constraint in relation.constraints:
            con_oid = oid("constraint", relation.schema, relation.name, constraint.name)
            conkey = [positions.get(c, 0) for c in constraint.columns]
            row = {
                "oid": con_oid, "conname": constraint.name, "connamespace": namespace,
                "contype": constraint.kind, "convalidated": True, "conrelid": rel_oid,
                "conindid": index_of_constraint.get(constraint.name, 0), "conislocal": True,
                "conkey": conkey or None,
                "confupdtype": " ", "confdeltype": " ", "confmatchtype": " ",  # no FOREIGN KEY
                "connoinherit": constraint.kind != CHECK,  # only CHECKs are inherited
            }  # fmt: skip
            definition = _constraint_def(constraint, relation, snapshot)
            if constraint.kind == CHECK:
                row["conbin"] = _parenthesize(constraint.expression or "true")
            if constraint.kind == FOREIGN_KEY:
                ref_schema = constraint.ref_schema or relation.schema
                ref_key = (ref_schema, constraint.ref_table or "")
                ref = next((r for r in snapshot.relations if (r.schema, r.name) == ref_key), None)
                ref_positions = (
                    {c.name: n for n, c in enumerate(ref.columns, start=1)} if ref else {}
                )
                ref_columns = constraint.ref_columns or _primary_key(ref)
                row |= {
                    "confrelid": relation_oids.get(ref_key, 0),
                    "confupdtype": constraint.on_update, "confdeltype": constraint.on_delete,
                    "confmatchtype": "s",
                    "confkey": [ref_positions.get(c, 0) for c in ref_columns] or None,
                    "conindid": _matching_index(key_indexes.get(ref_key, []), ref_columns),
                }  # fmt: skip
            out.add("pg_constraint", row)
            out.add("pgwire_def", {"oid": con_oid, "def": definition})

    # -- functions
    for function in snapshot.functions:
        namespace = namespaces.get(function.schema, namespaces["pg_catalog"])
        arg_types = [t or oids.ANY for t in function.argument_types]
        arg_types += [oids.ANY] * (len(function.argument_names) - len(arg_types))
        result = function.result_type or (oids.RECORD if function.returns_set else oids.ANY)
        proc_oid = oid("function", function.schema, function.name, *map(str, arg_types))
        out.add("pgwire_user_proc", {
            "oid": proc_oid, "proname": function.name, "pronamespace": namespace,
            "proowner": SUPERUSER_OID, "prolang": SQL_LANGUAGE, "procost": 100.0,
            "prokind": function.kind, "proretset": function.returns_set, "provolatile": "v",
            "proparallel": "u", "pronargs": len(arg_types), "prorettype": result,
            "proargtypes": arg_types, "proargnames": list(function.argument_names) or None,
            "prosrc": function.source,
        })  # fmt: skip
        out.add("pgwire_user_procdef", _proc_def(
            proc_oid, function.name, function.schema, arg_types, list(function.argument_names),
            result, function.returns_set, function.kind, function.language, function.source,
            all_type_names,
        ))  # fmt: skip
        if function.comment:
            _describe(out, proc_oid, PG_PROC, 0, function.comment)

    # -- the database, the role, the settings and the session
    db_oid = stable_oid("database", session.database)
    out.add("pg_database", {
        "oid": db_oid, "datname": session.database, "datdba": SUPERUSER_OID,
        "encoding": UTF8_ENCODING, "datlocprovider": "c", "datallowconn": True,
        "datconnlimit": -1, "dattablespace": DEFAULT_TABLESPACE, "datcollate": "C",
        "datctype": "C",
    })  # fmt: skip
    out.add("pg_authid", {
        "oid": SUPERUSER_OID, "rolname": session.user, "rolsuper": True, "rolinherit": True,
        "rolcreaterole": True, "rolcreatedb": True, "rolcanlogin": True,
        "rolreplication": True, "rolbypassrls": True, "rolconnlimit": -1,
    })  # fmt: skip
    out.tables["pg_settings"] = settings_rows(session, snapshot.settings)
    schemas = [s for s in snapshot.search_path if s in namespaces]
    out.add("pgwire_session", {
        "user_name": session.user, "database_name": session.database,
        "pid": session.process_id, "version": version_string(session),
        "search_path": schemas, "database_oid": db_oid,
    })  # fmt: skip
    _information_schema(out, snapshot, session, relation_oids, all_type_names)
    return out


def version_string(session: SessionState) -> str:
    backend = f", {session.backend}" if session.backend else ""
    return (
        f"PostgreSQL {session.server_version} (pgwire{backend}) on "
        f"{platform.machine() or 'unknown'}-{platform.system().lower() or 'unknown'}, 64-bit"
    )


def settings_rows(session: SessionState, backend: Sequence[tuple[str, str, str]] = ()) -> list[Row]:
    """pg_settings: PostgreSQL's parameters, with the session's values where it set them,
    else the front end's defaults (TimeZone UTC, ...), else PostgreSQL's; then the backend's
    own settings."""
    defaults = {key: parameter.default for key, parameter in PARAMETERS.items()}
    values = {name.lower(): value for name, value in session.settings.items()}
    values |= {
        "server_version": session.server_version,
        "server_version_num": _version_num(session.server_version),
        "server_encoding": "UTF8", "lc_collate": "C", "lc_ctype": "C",
        "session_authorization": session.user, "is_superuser": "on",
    }  # fmt: skip
    own = {name.lower(): (name, value, description) for name, value, description in backend}
    rows = []
    seen = set()
    for (
        name, boot, unit, category, short_desc, extra_desc, context, vartype, min_val, max_val,
        enumvals,
    ) in pg15.SETTINGS:  # fmt: skip
        key = name.lower()
        seen.add(key)
        if key in values:
            setting, source = values[key], "session"
        elif key in defaults:
            setting, source = defaults[key], "default"
        else:
            setting, source = boot, "default"
        rows.append({
            "name": name, "setting": setting, "unit": unit, "category": category,
            "short_desc": short_desc, "extra_desc": extra_desc, "context": context,
            "vartype": vartype, "source": source, "min_val": min_val, "max_val": max_val,
            "enumvals": list(enumvals) if enumvals else None, "boot_val": boot,
            "reset_val": setting,
        })  # fmt: skip
    for key, (name, value, description) in sorted(own.items()):
        if key not in seen:  # the backend's own: DuckDB's threads, memory_limit, ...
            seen.add(key)
            setting = values.get(key, value)
            rows.append({
                "name": name, "setting": setting, "category": "Backend Options",
                "short_desc": description, "context": "user", "vartype": "string",
                "source": "session" if key in values else "default", "boot_val": value,
                "reset_val": setting,
            })  # fmt: skip
    for key, value in sorted(values.items()):
        if key not in seen:  # custom options (myapp.x)
            rows.append({
                "name": key, "setting": value, "category": "Customized Options",
                "short_desc": "", "context": "user", "vartype": "string", "source": "session",
                "reset_val": value,
            })  # fmt: skip
    return rows


_version_num = version_num


# ---------------------------------------------------------------------------------------------
# helpers


def _class_row(number: int, name: str, namespace: int, kind: str) -> Row:
    return {
        "oid": number, "relname": name, "relnamespace": namespace, "relowner": SUPERUSER_OID,
        "relam": HEAP_AM if kind == "r" else 0, "reltuples": -1.0,
        "relfilenode": 0 if kind in ("v", "p", "c") else number,  # no storage of their own
        "relpersistence": "p", "relkind": kind, "relreplident": "d" if kind == "r" else "n",
        "relispopulated": True, "relhasrules": kind == "v",  # a view is its _RETURN rule
    }  # fmt: skip


def _type_name_row(number: int, name: str, suffix: str) -> Row:
    return {"oid": number, "name": name + suffix, "null_name": name + suffix, "base": name,
            "kind": "", "suffix": suffix}  # fmt: skip


def _qualified(schema: str, name: str) -> str:
    return f"{quote_ident(schema)}.{quote_ident(name)}"


def _describe(out: Built, objoid: int, classoid: int, subid: int, text: str) -> None:
    out.add(
        "pg_description",
        {"objoid": objoid, "classoid": classoid, "objsubid": subid, "description": text},
    )


def _type_row(type_oid: int) -> tuple[int, bool, str, str, int]:
    """typlen, typbyval, typalign, typstorage, typcollation of a built-in type (defaults
    otherwise)."""
    found = _TYPES_BY_OID.get(type_oid)
    if found is None:
        return -1, False, "i", "x", 0
    return found[2], found[3], found[18], found[19], found[20]


_TYPES_BY_OID = {values[0]: values for values in pg15.TYPES}


def _attribute(out: Built, rel_oid: int, number: int, column: model.Column) -> None:
    length, byval, align, storage, collation = _type_row(column.type_oid)
    out.add("pg_attribute", {
        "attrelid": rel_oid, "attname": column.name, "atttypid": column.type_oid,
        "attstattarget": -1, "attlen": length, "attnum": number, "attndims": 0,
        "attcacheoff": -1, "atttypmod": column.typmod, "attbyval": byval, "attalign": align,
        "attstorage": storage, "attnotnull": column.not_null,
        "atthasdef": column.default is not None, "attislocal": True,
        "attcollation": collation,
    })  # fmt: skip


def _index(
    out: Built,
    relation: Relation,
    index: model.Index,
    index_oid: int,
    rel_oid: int,
    namespace: int,
    positions: dict[str, int],
) -> None:
    row = _class_row(index_oid, index.name, namespace, "i")
    row |= {"relam": BTREE_AM, "relnatts": len(index.columns)}
    row["relpersistence"] = "t" if relation.temporary else "p"
    out.add("pg_class", row)
    keys = [positions.get(c, 0) for c in index.columns]
    by_name = {c.name: c for c in relation.columns}
    expressions = [c for c in index.columns if c not in positions]
    out.add("pg_index", {
        "indexrelid": index_oid, "indrelid": rel_oid, "indnatts": len(keys),
        "indnkeyatts": len(keys), "indisunique": index.unique, "indisprimary": index.primary,
        "indimmediate": True, "indisvalid": True, "indisready": True, "indislive": True,
        "indkey": keys, "indclass": [0] * len(keys),
        "indcollation": [
            _type_row(column.type_oid)[4] if column is not None else 0
            for column in (by_name.get(c) for c in index.columns)
        ],
        "indoption": [0] * len(keys),
        "indexprs": ", ".join(expressions) if expressions else None,
    })  # fmt: skip
    columns = {c.name: c for c in relation.columns}
    for number, name in enumerate(index.columns, start=1):
        column = columns.get(name) or model.Column(name, oids.TEXT)
        _attribute(out, index_oid, number, column)
    unique = "UNIQUE " if index.unique else ""
    spelled = ", ".join(
        quote_ident(c) if c in positions else _parenthesize(c) for c in index.columns
    )
    definition = (
        f"CREATE {unique}INDEX {quote_ident(index.name)} ON "
        f"{_qualified(relation.schema, relation.name)} USING btree ({spelled})"
    )
    out.add("pgwire_def", {"oid": index_oid, "def": definition, "columns": list(index.columns)})


def _parenthesize(expression: str) -> str:
    text = expression.strip()
    if text.startswith("(") and _balanced_outer(text):
        return text
    return f"({text})"


def _balanced_outer(text: str) -> bool:
    """True when the first '(' of `text` closes at its very end."""
    depth = 0
    quote = ""
    for i, c in enumerate(text):
        if quote:
            if c == quote:
                quote = ""
            continue
        if c in "'\"":
            quote = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i == len(text) - 1
    return False


def _primary_key(relation: Relation | None) -> tuple[str, ...]:
    if relation is None:
        return ()
    for constraint in relation.constraints:
        if constraint.kind == PK:
            return constraint.columns
    return ()


def _matching_index(indexes: list[tuple[tuple[str, ...], int]], columns: Iterable[str]) -> int:
    wanted = tuple(columns)
    for index_columns, number in indexes:
        if index_columns == wanted:
            return number
    return indexes[0][1] if indexes else 0


_ACTIONS = {"a": "", "r": " ON {0} RESTRICT", "c": " ON {0} CASCADE", "n": " ON {0} SET NULL",
            "d": " ON {0} SET DEFAULT"}  # fmt: skip


def _constraint_def(constraint: model.Constraint, relation: Relation, snapshot: Snapshot) -> str:
    """The constraint as pg_get_constraintdef() prints it."""
    columns = ", ".join(quote_ident(c) for c in constraint.columns)
    if constraint.kind == PK:
        return f"PRIMARY KEY ({columns})"
    if constraint.kind == UNIQUE:
        return f"UNIQUE ({columns})"
    if constraint.kind == CHECK:
        return f"CHECK ({_parenthesize(constraint.expression or 'true')})"
    ref_schema = constraint.ref_schema or relation.schema
    ref_table = constraint.ref_table or ""
    target = quote_ident(ref_table)
    if ref_schema not in snapshot.search_path:
        target = _qualified(ref_schema, ref_table)
    ref = ", ".join(quote_ident(c) for c in constraint.ref_columns)
    text = f"FOREIGN KEY ({columns}) REFERENCES {target}({ref})"
    text += _ACTIONS.get(constraint.on_update, "").format("UPDATE")
    text += _ACTIONS.get(constraint.on_delete, "").format("DELETE")
    return text


def _proc_def(
    number: int,
    name: str,
    schema: str,
    arg_types: Sequence[int],
    arg_names: Sequence[str],
    result: int,
    returns_set: bool,
    kind: str,
    language: str,
    source: str,
    type_names: dict[int, str],
) -> Row:
    args = []
    for i, type_oid in enumerate(arg_types):
        spelled = type_names.get(type_oid, "???")
        arg_name = arg_names[i] if i < len(arg_names) and arg_names[i] else ""
        args.append(f"{quote_ident(arg_name)} {spelled}" if arg_name else spelled)
    identity = ", ".join(type_names.get(t, "???") for t in arg_types)
    result_text = type_names.get(result, "???")
    if returns_set:
        result_text = f"SETOF {result_text}"
    if kind == "p":
        result_text = ""
    verb = "PROCEDURE" if kind == "p" else "FUNCTION"
    returns = "" if kind == "p" else f"\n RETURNS {result_text}"
    definition = (
        f"CREATE OR REPLACE {verb} {_qualified(schema, name)}({', '.join(args)}){returns}\n"
        f" LANGUAGE {language}\nAS $function$\n{source}\n$function$\n"
    )
    return {
        "oid": number, "result": result_text, "arguments": ", ".join(args),
        "identity_arguments": identity, "functiondef": definition,
    }  # fmt: skip


# ---------------------------------------------------------------------------------------------
# information_schema


def _information_schema(
    out: Built,
    snapshot: Snapshot,
    session: SessionState,
    relation_oids: dict[tuple[str, str], int],
    type_names: dict[int, str],
) -> None:
    catalog = session.database
    owner = session.user
    out.add("pgwire_is_enabled_roles", {"role_name": owner})
    out.add("pgwire_is_character_sets", {
        "character_set_name": "UTF8", "character_repertoire": "UCS", "form_of_use": "UTF8",
        "default_collate_catalog": catalog, "default_collate_schema": "pg_catalog",
        "default_collate_name": "C",
    })  # fmt: skip
    for name in ("pg_catalog", "information_schema", *(s.name for s in snapshot.schemas)):
        out.add("pgwire_is_schemata", {
            "catalog_name": catalog, "schema_name": name, "schema_owner": owner,
        })  # fmt: skip
    for relation in snapshot.relations:
        if relation.kind == "S":
            out.add("pgwire_is_sequences", {
                "sequence_catalog": catalog, "sequence_schema": relation.schema,
                "sequence_name": relation.name, "data_type": "bigint", "numeric_precision": 64,
                "numeric_precision_radix": 2, "numeric_scale": 0, "start_value": "1",
                "minimum_value": "1", "maximum_value": str(2**63 - 1), "increment": "1",
                "cycle_option": "NO",
            })  # fmt: skip
            continue
        table_type = "VIEW" if relation.kind == "v" else "BASE TABLE"
        if relation.temporary:
            table_type = "LOCAL TEMPORARY"
        where = {"table_catalog": catalog, "table_schema": relation.schema,
                 "table_name": relation.name}  # fmt: skip
        out.add("pgwire_is_tables", where | {
            "table_type": table_type, "is_insertable_into": "NO" if relation.kind == "v" else "YES",
            "is_typed": "NO",
        })  # fmt: skip
        if relation.kind == "v":
            query = relation.definition
            out.add("pgwire_is_views", where | {
                "view_definition": None if query is None else view_definition(query),
                "check_option": "NONE",
                "is_updatable": "NO", "is_insertable_into": "NO",
                "is_trigger_updatable": "NO", "is_trigger_deletable": "NO",
                "is_trigger_insertable_into": "NO",
            })  # fmt: skip
        for number, column in enumerate(relation.columns, start=1):
            out.add("pgwire_is_columns", where | _is_column(column, number, catalog, type_names))
        for constraint in relation.constraints:
            _is_constraint(out, constraint, relation, catalog)


_DATA_TYPES = {oids.BPCHAR: "character", oids.BIT: "bit"}


def _is_column(column: model.Column, number: int, catalog: str, type_names: dict[int, str]) -> Row:
    info = _TYPES_BY_OID.get(column.type_oid)
    if info is None:
        data_type, udt_name = "USER-DEFINED", type_names.get(column.type_oid, "unknown")
    elif info[5] == "A":
        data_type, udt_name = "ARRAY", info[1]
    else:
        data_type = _DATA_TYPES.get(column.type_oid, info[21])
        udt_name = info[1]
    typmod = column.typmod
    row: Row = {
        "column_name": column.name, "ordinal_position": number,
        "column_default": column.default, "is_nullable": "NO" if column.not_null else "YES",
        "data_type": data_type, "udt_catalog": catalog, "udt_schema": "pg_catalog",
        "udt_name": udt_name, "dtd_identifier": str(number), "is_self_referencing": "NO",
        "is_identity": "NO", "is_generated": "NEVER", "is_updatable": "YES",
    }  # fmt: skip
    oid = column.type_oid
    if oid in (oids.VARCHAR, oids.BPCHAR) and typmod >= 4:
        row["character_maximum_length"] = typmod - 4
        row["character_octet_length"] = (typmod - 4) * 4
    elif oid in (oids.TEXT, oids.VARCHAR, oids.BPCHAR):
        row["character_octet_length"] = 1073741824
    precision = {oids.INT2: 16, oids.INT4: 32, oids.INT8: 64, oids.FLOAT4: 24, oids.FLOAT8: 53}
    if oid in precision:
        row |= {"numeric_precision": precision[oid], "numeric_precision_radix": 2}
        if oid in (oids.INT2, oids.INT4, oids.INT8):
            row["numeric_scale"] = 0
    elif oid == oids.NUMERIC:
        row["numeric_precision_radix"] = 10
        if typmod >= 4:
            row["numeric_precision"] = (typmod - 4) >> 16
            row["numeric_scale"] = (typmod - 4) & 0xFFFF
    elif oid in (oids.DATE, oids.TIME, oids.TIMETZ, oids.TIMESTAMP, oids.TIMESTAMPTZ):
        row["datetime_precision"] = 0 if oid == oids.DATE else (typmod if typmod >= 0 else 6)
    if oid in (oids.TEXT, oids.VARCHAR, oids.BPCHAR, oids.NAME):
        row |= {"collation_catalog": None}
    return row


_CONSTRAINT_TYPES = {PK: "PRIMARY KEY", UNIQUE: "UNIQUE", FOREIGN_KEY: "FOREIGN KEY",
                     CHECK: "CHECK"}  # fmt: skip
_RULES = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}


def _is_constraint(
    out: Built, constraint: model.Constraint, relation: Relation, catalog: str
) -> None:
    ident = {"constraint_catalog": catalog, "constraint_schema": relation.schema,
             "constraint_name": constraint.name}  # fmt: skip
    table = {"table_catalog": catalog, "table_schema": relation.schema,
             "table_name": relation.name}  # fmt: skip
    out.add("pgwire_is_table_constraints", ident | table | {
        "constraint_type": _CONSTRAINT_TYPES[constraint.kind], "is_deferrable": "NO",
        "initially_deferred": "NO", "enforced": "YES",
        "nulls_distinct": "YES" if constraint.kind in (PK, UNIQUE) else None,
    })  # fmt: skip
    if constraint.kind == CHECK:
        out.add("pgwire_is_check_constraints", ident | {
            "check_clause": _parenthesize(constraint.expression or "true"),
        })  # fmt: skip
        return
    for position, column in enumerate(constraint.columns, start=1):
        usage = ident | table | {"column_name": column, "ordinal_position": position}
        if constraint.kind == FOREIGN_KEY:
            usage["position_in_unique_constraint"] = position
        out.add("pgwire_is_key_column_usage", usage)
    if constraint.kind == FOREIGN_KEY:
        ref_schema = constraint.ref_schema or relation.schema
        out.add("pgwire_is_referential_constraints", ident | {
            "unique_constraint_catalog": catalog, "unique_constraint_schema": ref_schema,
            "unique_constraint_name": None, "match_option": "NONE",
            "update_rule": _RULES.get(constraint.on_update, "NO ACTION"),
            "delete_rule": _RULES.get(constraint.on_delete, "NO ACTION"),
        })  # fmt: skip
        for column in constraint.ref_columns:
            out.add("pgwire_is_constraint_column_usage", ident | {
                "table_catalog": catalog, "table_schema": ref_schema,
                "table_name": constraint.ref_table, "column_name": column,
            })  # fmt: skip
    else:
        for column in constraint.columns:
            out.add("pgwire_is_constraint_column_usage", ident | table | {"column_name": column})


def _serial(
    out: Built, schema: str, table: str, column: str, default: str
) -> tuple[str, str] | None:
    """The sequence a `nextval('name')` default draws from, for pg_get_serial_sequence:
    its (schema, name)."""
    tokens = code(default)
    while len(tokens) > 2 and tokens[0].text == "(" and tokens[-1].text == ")":
        tokens = tokens[1:-1]  # SQLite keeps an expression default in brackets
    if len(tokens) < 4 or tokens[0].text.lower() != "nextval" or tokens[2].kind != STRING:
        return None
    sequence = tokens[2].value
    if "." not in sequence:
        sequence = f"{schema}.{sequence}"
    for name in (table, f"{schema}.{table}"):
        out.add("pgwire_serial", {"tbl": name, "attname": column, "seq": sequence})
    sequence_schema, _, sequence_name = sequence.partition(".")
    return sequence_schema, sequence_name


_NEXTVAL = re.compile(r"^\(?\s*nextval\('(?:([^'.]+)\.)?([^'.]+)'\)\s*\)?$", re.IGNORECASE)


def _defaults_for_path(snapshot: Snapshot, path: list[str]) -> Snapshot:
    """Column defaults drawing from a sequence, as PostgreSQL deparses them: the sequence's
    schema named only when it is not on the search_path (pg_dump empties it)."""
    relations = []
    for relation in snapshot.relations:
        columns = tuple(
            dataclasses.replace(
                column, default=_nextval_for_path(column.default, relation.schema, path)
            )
            for column in relation.columns
        )
        relations.append(dataclasses.replace(relation, columns=columns))
    return dataclasses.replace(snapshot, relations=tuple(relations))


def _nextval_for_path(default: str | None, schema: str, path: list[str]) -> str | None:
    found = None if default is None else _NEXTVAL.match(default.strip())
    if found is None:
        return default
    sequence_schema, name = found.group(1) or schema, found.group(2)
    if sequence_schema in path:
        return f"nextval('{name}')"
    return f"nextval('{sequence_schema}.{name}')"


def _qualified_relations(query: str, schema: str, relation_oids: dict[tuple[str, str], int]) -> str:
    """A view's query with the relations it reads after FROM and JOIN named with their
    schema, as PostgreSQL deparses them when they are not on the search_path."""
    tokens = code(query)
    edits: list[tuple[int, int, str]] = []
    for i, token in enumerate(tokens[:-1]):
        if token.kind != WORD or token.text.upper() not in ("FROM", "JOIN"):
            continue
        name = tokens[i + 1]
        after = tokens[i + 2] if i + 2 < len(tokens) else None
        if name.kind not in (WORD, IDENT) or (after is not None and after.text in (".", "(")):
            continue
        if (schema, name.value) in relation_oids:
            edits.append((name.start, name.start, f"{quote_ident(schema)}."))
    for start, end, text in sorted(edits, reverse=True):
        query = query[:start] + text + query[end:]
    return query


def view_definition(query: str) -> str:
    """A view's query as pg_get_viewdef() gives it: ending with a semicolon (pg_dump cuts the
    last character off, taking it for that semicolon)."""
    return query.rstrip().rstrip(";").rstrip() + ";"


def _depend(out: Built, classid: int, objid: int, refclassid: int, refobjid: int) -> None:
    """A normal dependency: pg_dump orders what it creates by these."""
    out.add("pg_depend", {
        "classid": classid, "objid": objid, "objsubid": 0, "refclassid": refclassid,
        "refobjid": refobjid, "refobjsubid": 0, "deptype": "n",
    })  # fmt: skip


def _relations_named(view: Relation, relation_oids: dict[tuple[str, str], int]) -> list[int]:
    """The relations a view's query names (its rule depends on them): every name in the
    query, bare or qualified, that is one of the snapshot's relations. A column named like a
    relation adds a dependency that does not exist, which only orders the dump more strictly.
    """
    found: list[int] = []
    tokens = code(view.definition or "")
    for i, token in enumerate(tokens):
        if token.kind not in (WORD, IDENT):
            continue
        qualified = i >= 2 and tokens[i - 1].text == "." and tokens[i - 2].kind in (WORD, IDENT)
        schema = tokens[i - 2].value if qualified else view.schema
        number = relation_oids.get((schema, token.value))
        itself = (schema, token.value) == (view.schema, view.name)
        if number is not None and not itself and number not in found:
            found.append(number)
    return found
