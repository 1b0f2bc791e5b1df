"""The emulated catalog's shape in DuckDB: tables, views and the functions clients call.

Laid out once per process in the engine's own in-memory DuckDB database (see engine.py):

- every pg_catalog relation as a table in `main` with PostgreSQL's columns, empty unless
  PostgreSQL's built-ins fill it (pg_am, pg_range, ...); the relations that describe a backend
  (pg_class, pg_attribute, ...) are shadowed, per session, by TEMP tables of the same name
  holding that session's snapshot: DuckDB resolves an unqualified name to the temp table first,
  also inside views and macros;
- pg_type and pg_proc as views over PostgreSQL's rows (loaded once) and the snapshot's;
- information_schema's views in the schema `pgwire_information_schema`;
- the functions as macros (version(), format_type(), pg_get_indexdef(), ...), and the
  pgwire_reg*_oid/_name functions that reg* casts are rewritten to.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pgwire.backends.catalog import pg15
from pgwire.backends.catalog.build import (
    INFORMATION_SCHEMA,
    INFORMATION_SCHEMA_PREFIX,
    INTERNAL,
    SPLIT,
    columns_of,
)

# Relations holding a backend's snapshot: TEMP per session, reloaded when it changes.
DYNAMIC = (
    "pg_namespace", "pg_class", "pg_attribute", "pg_attrdef", "pg_index", "pg_constraint",
    "pg_description", "pg_enum", "pg_database", "pg_authid", "pg_settings", "pg_sequence",
    "pg_depend", "pg_rewrite",
    "pgwire_user_type", "pgwire_user_typename", "pgwire_user_proc", "pgwire_user_procdef",
    "pgwire_session", "pgwire_def", "pgwire_serial",
    *(INFORMATION_SCHEMA_PREFIX + name.split(".", 1)[1]
      for name in pg15.RELATIONS if name.startswith("information_schema.")),
)  # fmt: skip

# Relations that are views here (the rest of pg15.RELATIONS are tables).
_VIEW_SOURCES: dict[str, tuple[str, dict[str, str]]] = {
    "pg_roles": ("pg_authid a", {
        "rolname": "a.rolname", "rolsuper": "a.rolsuper", "rolinherit": "a.rolinherit",
        "rolcreaterole": "a.rolcreaterole", "rolcreatedb": "a.rolcreatedb",
        "rolcanlogin": "a.rolcanlogin", "rolreplication": "a.rolreplication",
        "rolconnlimit": "a.rolconnlimit", "rolpassword": "'********'",
        "rolbypassrls": "a.rolbypassrls", "oid": "a.oid",
    }),
    "pg_user": ("pg_authid a", {
        "usename": "a.rolname", "usesysid": "a.oid", "usecreatedb": "a.rolcreatedb",
        "usesuper": "a.rolsuper", "userepl": "a.rolreplication",
        "usebypassrls": "a.rolbypassrls", "passwd": "'********'",
    }),
    "pg_tables": (
        "pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p')",
        {
            "schemaname": "n.nspname", "tablename": "c.relname",
            "tableowner": "pg_get_userbyid(c.relowner)", "hasindexes": "c.relhasindex",
            "hasrules": "c.relhasrules", "hastriggers": "c.relhastriggers",
            "rowsecurity": "c.relrowsecurity",
        },
    ),
    "pg_views": (
        "pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'v'",
        {
            "schemaname": "n.nspname", "viewname": "c.relname",
            "viewowner": "pg_get_userbyid(c.relowner)", "definition": "pg_get_viewdef(c.oid)",
        },
    ),
    "pg_indexes": (
        "pg_index x JOIN pg_class c ON c.oid = x.indrelid JOIN pg_class i ON i.oid = "
        "x.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace",
        {
            "schemaname": "n.nspname", "tablename": "c.relname", "indexname": "i.relname",
            "indexdef": "pg_get_indexdef(i.oid)",
        },
    ),
    "pg_sequences": (
        "pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace",
        {
            "schemaname": "n.nspname", "sequencename": "c.relname",
            "sequenceowner": "pg_get_userbyid(c.relowner)", "data_type": "s.seqtypid",
            "start_value": "s.seqstart", "min_value": "s.seqmin", "max_value": "s.seqmax",
            "increment_by": "s.seqincrement", "cycle": "s.seqcycle", "cache_size": "s.seqcache",
        },
    ),
    "pg_locks": ("pgwire_locks l", {
        "locktype": "l.locktype", "classid": "l.classid", "objid": "l.objid",
        "objsubid": "l.objsubid", "pid": "l.pid", "mode": "l.mode", "granted": "l.granted",
        "fastpath": "false", "virtualtransaction": "l.pid || '/1'",
        "database": "(SELECT d.oid FROM pg_database d WHERE d.datname = l.database_name)",
    }),
}  # fmt: skip

# Relations stored in two parts (see build.SPLIT): the view unions them.
UNIONS = {
    "pg_type": ("pgwire_builtin_type", "pgwire_user_type"),
    "pg_proc": ("pgwire_builtin_proc", "pgwire_user_proc"),
    "pgwire_typename": ("pgwire_builtin_typename", "pgwire_user_typename"),
    "pgwire_procdef": ("pgwire_builtin_procdef", "pgwire_user_procdef"),
}

KEYWORDS_TABLE = "pgwire_keywords"


def _columns_sql(relation: str) -> str:
    return ", ".join(f'"{name}" {duck_type}' for name, duck_type in columns_of(relation))


def tables() -> list[str]:
    """CREATE TABLE statements for every table of `main` (the TEMP ones shadow some)."""
    names = [name for name in pg15.RELATIONS if not name.startswith("information_schema.")]
    names = [name for name in names if name not in _VIEW_SOURCES and name not in UNIONS]
    names += list(SPLIT)
    names += [name for name in INTERNAL if name not in UNIONS]
    names += [name for name in DYNAMIC if name.startswith(INFORMATION_SCHEMA_PREFIX)]
    out = [f"CREATE TABLE main.{name} ({_columns_sql(name)})" for name in names]
    out.append(
        f"CREATE TABLE main.{KEYWORDS_TABLE} (word VARCHAR, catcode VARCHAR, "
        "barelabel BOOLEAN, catdesc VARCHAR, baredesc VARCHAR)"
    )
    return out


STORAGE = "pgwire_storage"  # a session's model.Activity sizes, loaded apart from the snapshot
LOCKS = "pgwire_locks"  # the advisory locks when a query reads pg_locks


def temp_tables() -> list[str]:
    """CREATE TEMP TABLE statements for a session's snapshot (and its activity)."""
    return [
        f"CREATE TEMP TABLE {name} ({_columns_sql(name)})" for name in (*DYNAMIC, STORAGE, LOCKS)
    ]


def union_views() -> list[str]:
    """The relations stored in two parts (before the macros, which read them)."""
    return [
        f"CREATE VIEW main.{name} AS SELECT * FROM {left} UNION ALL SELECT * FROM {right}"
        for name, (left, right) in UNIONS.items()
    ]


def views() -> list[str]:
    """pg_roles, pg_tables, ... and information_schema's views (after the macros they use)."""
    out = []
    for name, (source, expressions) in _VIEW_SOURCES.items():
        select = ", ".join(
            f'{expressions.get(column, f"NULL::{duck_type}")}::{duck_type} AS "{column}"'
            for column, duck_type in columns_of(name)
        )
        out.append(f"CREATE VIEW main.{name} AS SELECT {select} FROM {source}")
    out.append(f"CREATE SCHEMA {INFORMATION_SCHEMA}")
    for name in pg15.RELATIONS:
        if name.startswith("information_schema."):
            table = name.split(".", 1)[1]
            out.append(
                f"CREATE VIEW {INFORMATION_SCHEMA}.{table} AS "
                f"SELECT * FROM {INFORMATION_SCHEMA_PREFIX}{table}"
            )
    return out


# Type names PostgreSQL's catalog queries cast to that DuckDB does not know.
TYPE_ALIASES = {
    "name": "VARCHAR", "pg_node_tree": "VARCHAR", "aclitem": "VARCHAR", "cstring": "VARCHAR",
    "int2vector": "SMALLINT[]", "oidvector": "BIGINT[]", "xid": "BIGINT", "xid8": "BIGINT",
    "cid": "BIGINT", "tid": "VARCHAR", "pg_lsn": "VARCHAR", "anyarray": "VARCHAR",
    "anyelement": "VARCHAR", "sql_identifier": "VARCHAR", "character_data": "VARCHAR",
    "yes_or_no": "VARCHAR", "cardinal_number": "INTEGER", "time_stamp": "TIMESTAMPTZ",
}  # fmt: skip


def types() -> list[str]:
    return [f"CREATE TYPE {name} AS {duck}" for name, duck in TYPE_ALIASES.items()]


def _search_path_has(namespace: str) -> str:
    return (
        f"({namespace} = 'pg_catalog' OR {namespace} LIKE 'pg_temp%' OR {namespace} IN "
        "(SELECT unnest(__s.search_path) FROM pgwire_session __s))"
    )


_PARSE_IDENT = (
    "list_transform(string_split(_s, '.'), lambda __e: CASE WHEN __e LIKE '\"%\"' THEN "
    "replace(substring(__e, 2, length(__e) - 2), '\"\"', '\"') ELSE lower(trim(__e)) END)"
)
_DEF = "(SELECT __d.def FROM pgwire_def __d WHERE __d.oid = _oid)"
# pg_get_viewdef(text) names the view; pg_get_viewdef(oid) gives its OID.
_VIEWDEF = "(SELECT __d.def FROM pgwire_def __d WHERE __d.oid = pgwire_regclass_oid(_oid))"


def _overloads(name: str, parameters: tuple[str, ...], body: str) -> str:
    """One macro with the same body for each parameter list (extra ones are ignored)."""
    return f"CREATE MACRO {name}" + ", ".join(f"({p}) AS {body}" for p in parameters)


def macros() -> list[str]:
    """The catalog functions, in dependency order (DuckDB binds a macro when it is made)."""
    started = datetime.now(UTC).isoformat()
    visible = _search_path_has("__n.nspname")
    out = [
        # -- the session
        "CREATE MACRO version() AS (SELECT __s.version FROM pgwire_session __s)",
        "CREATE MACRO current_database() AS (SELECT __s.database_name FROM pgwire_session __s)",
        "CREATE MACRO pgwire_current_user() AS (SELECT __s.user_name FROM pgwire_session __s)",
        "CREATE MACRO current_schema() AS (SELECT __s.search_path[1] FROM pgwire_session __s)",
        "CREATE MACRO current_schemas(_implicit) AS (SELECT CASE WHEN _implicit THEN "
        "list_concat(['pg_catalog'], __s.search_path) ELSE __s.search_path END "
        "FROM pgwire_session __s)",
        "CREATE MACRO pg_backend_pid() AS (SELECT __s.pid FROM pgwire_session __s)",
        "CREATE MACRO current_setting(_name) AS (SELECT __s.setting FROM pg_settings __s "
        "WHERE lower(__s.name) = lower(_name)), (_name, _missing_ok) AS (SELECT __s.setting "
        "FROM pg_settings __s WHERE lower(__s.name) = lower(_name))",
        f"CREATE MACRO pg_postmaster_start_time() AS TIMESTAMPTZ '{started}'",
        f"CREATE MACRO pg_conf_load_time() AS TIMESTAMPTZ '{started}'",
        "CREATE MACRO pg_is_in_recovery() AS false",
        # The front end owns settings and answers a whole-statement set_config(); inside a
        # larger query it can only confirm a value the parameter already has.
        "CREATE MACRO set_config(_name, _value, _local) AS CASE WHEN lower(_value) IS NOT "
        "DISTINCT FROM lower(current_setting(_name)) THEN _value ELSE error('pgwire refuses: "
        "set_config() cannot change parameter \"' || _name || '\" inside a larger query; "
        "use SET or a set_config() call of its own') END",
        "CREATE MACRO inet_server_addr() AS NULL::VARCHAR",
        "CREATE MACRO inet_client_addr() AS NULL::VARCHAR",
        "CREATE MACRO inet_server_port() AS NULL::INTEGER",
        "CREATE MACRO inet_client_port() AS NULL::INTEGER",
        # the session's transaction id and database size: TEMP macros shadow these
        # (engine.CatalogSession, from model.Activity)
        "CREATE MACRO txid_current() AS 0::BIGINT",
        "CREATE MACRO pg_current_xact_id() AS 0::BIGINT",
        "CREATE MACRO pgwire_database_bytes() AS 0::BIGINT",
        # -- names and identifiers
        "CREATE MACRO quote_literal(_s) AS CASE WHEN contains(_s::VARCHAR, chr(92)) THEN "
        "'E''' || replace(replace(_s::VARCHAR, chr(92), chr(92) || chr(92)), '''', '''''') "
        "|| '''' ELSE '''' || replace(_s::VARCHAR, '''', '''''') || '''' END",
        f"CREATE MACRO quote_ident(_s) AS CASE WHEN regexp_full_match(_s, '[a-z_][a-z0-9_$]*') "
        f"AND NOT EXISTS (SELECT 1 FROM {KEYWORDS_TABLE} __k WHERE __k.word = _s AND "
        "__k.catcode <> 'U') THEN _s ELSE '\"' || replace(_s, '\"', '\"\"') || '\"' END",
        _overloads("parse_ident", ("_s", "_s, _strict"), _PARSE_IDENT),
        "CREATE MACRO pgwire_ident_part(_name, _part) AS CASE WHEN len(parse_ident(_name)) >= 2 "
        "THEN parse_ident(_name)[len(parse_ident(_name)) - 2 + _part] "
        "WHEN _part = 2 THEN parse_ident(_name)[1] END",
        "CREATE MACRO pg_encoding_to_char(_e) AS CASE _e WHEN 6 THEN 'UTF8' "
        "WHEN 0 THEN 'SQL_ASCII' ELSE '' END",
        "CREATE MACRO pg_char_to_encoding(_n) AS CASE upper(_n) WHEN 'UTF8' THEN 6 "
        "WHEN 'SQL_ASCII' THEN 0 ELSE -1 END",
        "CREATE MACRO pg_get_userbyid(_oid) AS coalesce((SELECT __a.rolname FROM pg_authid __a "
        "WHERE __a.oid = _oid), 'unknown (OID=' || _oid::VARCHAR || ')')",
        # PostgreSQL 15's default privileges of an object of a kind, owned by _owner
        "CREATE MACRO pgwire_acldefault(_kind, _o) AS CASE WHEN _kind = 'c' THEN []::VARCHAR[] "
        "ELSE string_split(replace(CASE _kind WHEN 'r' THEN '{o}=arwdDxt/{o}' "
        "WHEN 's' THEN '{o}=rwU/{o}' WHEN 'd' THEN '=Tc/{o},{o}=CTc/{o}' "
        "WHEN 'f' THEN '=X/{o},{o}=X/{o}' WHEN 'l' THEN '=U/{o},{o}=U/{o}' "
        "WHEN 'L' THEN '{o}=rw/{o}' WHEN 'n' THEN '{o}=UC/{o}' WHEN 't' THEN '{o}=C/{o}' "
        "WHEN 'F' THEN '{o}=U/{o}' WHEN 'S' THEN '{o}=U/{o}' WHEN 'T' THEN '=U/{o},{o}=U/{o}' "
        "ELSE error('unrecognized object type abbreviation: ' || _kind) END, '{o}', _o), ',') "
        "END",
        "CREATE MACRO acldefault(_kind, _owner) AS "
        "pgwire_acldefault(_kind, pg_get_userbyid(_owner))",
        # -- types
        "CREATE MACRO format_type(_oid, _typmod) AS (SELECT CASE "
        "WHEN _oid IS NULL THEN NULL WHEN _oid = 0 THEN '-' WHEN __t.oid IS NULL THEN '???' "
        "WHEN _typmod IS NULL THEN __t.null_name "
        "WHEN _typmod < 0 OR __t.kind = '' THEN __t.name "
        "WHEN __t.kind = 'length' THEN __t.base || '(' || (_typmod - 4)::VARCHAR || ')' "
        "|| __t.suffix "
        "WHEN __t.kind = 'numeric' THEN __t.base || '(' || ((_typmod - 4) >> 16)::VARCHAR || ',' "
        "|| ((_typmod - 4) & 65535)::VARCHAR || ')' || __t.suffix "
        "WHEN __t.kind = 'bits' THEN __t.base || '(' || _typmod::VARCHAR || ')' || __t.suffix "
        "WHEN __t.kind = 'precision' THEN regexp_replace(__t.base, '^(\\w+)', "
        "'\\1(' || _typmod::VARCHAR || ')') || __t.suffix ELSE __t.name END "
        "FROM (SELECT 1) AS __one LEFT JOIN pgwire_typename __t ON __t.oid = _oid)",
        # -- visibility and privileges
        "CREATE MACRO pg_table_is_visible(_oid) AS (SELECT count(*) > 0 FROM pg_class __c "
        f"JOIN pg_namespace __n ON __n.oid = __c.relnamespace WHERE __c.oid = _oid AND {visible})",
        "CREATE MACRO pg_type_is_visible(_oid) AS (SELECT count(*) > 0 FROM pg_type __t "
        f"JOIN pg_namespace __n ON __n.oid = __t.typnamespace WHERE __t.oid = _oid AND {visible})",
        "CREATE MACRO pg_function_is_visible(_oid) AS (SELECT count(*) > 0 FROM pg_proc __p "
        f"JOIN pg_namespace __n ON __n.oid = __p.pronamespace WHERE __p.oid = _oid AND {visible})",
        "CREATE MACRO pg_my_temp_schema() AS (SELECT coalesce(max(__n.oid), 0) "
        "FROM pg_namespace __n WHERE __n.nspname LIKE 'pg_temp%')",
        "CREATE MACRO pg_is_other_temp_schema(_oid) AS false",
    ]
    for name in ("collation", "conversion", "opclass", "operator", "opfamily", "ts_config",
                 "ts_dict", "ts_parser", "ts_template", "statistics_obj"):  # fmt: skip
        out.append(f"CREATE MACRO pg_{name}_is_visible(_oid) AS true")
    for name in ("table", "schema", "database", "function", "sequence", "tablespace", "type",
                 "language", "foreign_data_wrapper", "server", "any_column"):  # fmt: skip
        out.append(f"CREATE MACRO has_{name}_privilege(_a, _b) AS true, (_a, _b, _c) AS true")
    out.append("CREATE MACRO has_column_privilege(_a, _b, _c) AS true, (_a, _b, _c, _d) AS true")
    out.append("CREATE MACRO pg_has_role(_a, _b) AS true, (_a, _b, _c) AS true")
    out += [
        # -- descriptions and definitions
        "CREATE MACRO obj_description(_oid) AS (SELECT first(__d.description) "
        "FROM pg_description __d WHERE __d.objoid = _oid AND __d.objsubid = 0), "
        "(_oid, _catalog) AS (SELECT first(__d.description) FROM pg_description __d "
        "JOIN pg_class __c ON __c.oid = __d.classoid WHERE __d.objoid = _oid AND __d.objsubid = 0 "
        "AND __c.relname = _catalog)",
        "CREATE MACRO col_description(_relid, _attnum) AS (SELECT first(__d.description) "
        "FROM pg_description __d WHERE __d.objoid = _relid AND __d.classoid = 1259 "
        "AND __d.objsubid = _attnum)",
        "CREATE MACRO shobj_description(_oid, _catalog) AS (SELECT first(__d.description) "
        "FROM pg_shdescription __d WHERE __d.objoid = _oid)",
        "CREATE MACRO pg_get_expr(_expr, _relid) AS _expr, (_expr, _relid, _pretty) AS _expr",
        _overloads("pg_get_constraintdef", ("_oid", "_oid, _pretty"), _DEF),
        "CREATE MACRO pg_get_indexdef(_oid) AS (SELECT __d.def FROM pgwire_def __d "
        "WHERE __d.oid = _oid), (_oid, _column, _pretty) AS (SELECT CASE WHEN _column = 0 "
        "THEN __d.def ELSE quote_ident(__d.columns[_column]) END FROM pgwire_def __d "
        "WHERE __d.oid = _oid)",
        "CREATE MACRO pg_get_function_result(_oid) AS (SELECT __p.result FROM pgwire_procdef __p "
        "WHERE __p.oid = _oid)",
        "CREATE MACRO pg_get_function_arguments(_oid) AS (SELECT __p.arguments "
        "FROM pgwire_procdef __p WHERE __p.oid = _oid)",
        "CREATE MACRO pg_get_function_identity_arguments(_oid) AS (SELECT "
        "__p.identity_arguments FROM pgwire_procdef __p WHERE __p.oid = _oid)",
        "CREATE MACRO pg_get_functiondef(_oid) AS (SELECT __p.functiondef FROM pgwire_procdef __p "
        "WHERE __p.oid = _oid)",
        f"CREATE MACRO pg_get_keywords() AS TABLE SELECT * FROM {KEYWORDS_TABLE}",
        "CREATE MACRO pg_options_to_table(_opts) AS TABLE SELECT split_part(__o, '=', 1) AS "
        "option_name, substr(__o, strpos(__o, '=') + 1) AS option_value "
        "FROM (SELECT unnest(_opts) AS __o)",
        "CREATE MACRO pg_get_triggerdef(_oid) AS NULL::VARCHAR, (_oid, _p) AS NULL::VARCHAR",
        "CREATE MACRO pg_get_ruledef(_oid) AS NULL::VARCHAR, (_oid, _p) AS NULL::VARCHAR",
        "CREATE MACRO pg_get_partkeydef(_oid) AS NULL::VARCHAR",
        "CREATE MACRO pg_get_statisticsobjdef_columns(_oid) AS NULL::VARCHAR",
        "CREATE MACRO pg_get_serial_sequence(_table, _column) AS (SELECT min(__s.seq) "
        "FROM pgwire_serial __s WHERE __s.tbl = _table AND __s.attname = _column)",
        "CREATE MACRO pg_partition_ancestors(_oid) AS unnest([_oid::BIGINT])",
        "CREATE MACRO pg_partition_ancestors(_oid) AS TABLE SELECT _oid::BIGINT AS relid, "
        "1 AS depth",
        "CREATE MACRO pg_relation_is_publishable(_oid) AS false",
        "CREATE MACRO pg_tablespace_location(_oid) AS ''",
        "CREATE MACRO pg_stat_get_numscans(_oid) AS 0::BIGINT",
    ]
    out += [
        # -- arrays
        "CREATE MACRO array_lower(_a, _d) AS CASE WHEN _a IS NULL OR len(_a) = 0 OR _d <> 1 "
        "THEN NULL ELSE 1 END",
        "CREATE MACRO array_upper(_a, _d) AS CASE WHEN _a IS NULL OR len(_a) = 0 OR _d <> 1 "
        "THEN NULL ELSE len(_a) END",
        "CREATE MACRO array_remove(_a, _e) AS list_filter(_a, lambda __x: __x IS DISTINCT FROM _e)",
        "CREATE MACRO array_ndims(_a) AS CASE WHEN _a IS NULL OR len(_a) = 0 THEN NULL ELSE 1 END",
        "CREATE MACRO _pg_expandarray(_arr) AS unnest(list_transform(generate_series(1, "
        "len(_arr)), lambda __i: {'x': _arr[__i], 'n': __i::INTEGER}))",
    ]
    out += _reg_macros()
    out.append(_overloads("pg_get_viewdef", ("_oid", "_oid, _pretty"), _VIEWDEF))  # reads them
    out += _size_macros()
    return out


def _size_macros() -> list[str]:
    """The size functions, from pgwire_storage and pgwire_database_bytes() (estimates), and
    pg_size_pretty() with PostgreSQL's units and rounding."""

    def size(column: str) -> str:
        return (
            f"coalesce((SELECT sum(__s.{column}) FROM {STORAGE} __s JOIN pg_namespace __n "
            "ON __n.nspname = __s.schema_name JOIN pg_class __c ON __c.relnamespace = __n.oid "
            "AND __c.relname = __s.relation_name WHERE __c.oid = pgwire_regclass_oid(_a)), "
            "CASE WHEN pgwire_regclass_oid(_a) IS NOT NULL THEN 0 END)::BIGINT"
        )

    table, indexes = size("table_bytes"), size("index_bytes")
    main_fork = f"CASE WHEN _b = 'main' THEN {table} ELSE 0::BIGINT END"
    database = (
        "CASE WHEN _a::VARCHAR IN ((SELECT __s.database_name FROM pgwire_session __s), "
        "(SELECT __s.database_oid::VARCHAR FROM pgwire_session __s)) "
        "THEN pgwire_database_bytes() END"
    )
    return [
        f"CREATE MACRO pg_relation_size(_a) AS {table}, (_a, _b) AS {main_fork}",
        f"CREATE MACRO pg_table_size(_a) AS {table}",
        f"CREATE MACRO pg_indexes_size(_a) AS {indexes}",
        f"CREATE MACRO pg_total_relation_size(_a) AS {table} + {indexes}",
        f"CREATE MACRO pg_database_size(_a) AS {database}",
        f"CREATE MACRO pg_size_pretty(_s) AS {_size_pretty('_s::HUGEINT')}",
    ]


def _size_pretty(value: str) -> str:
    """PostgreSQL 15's pg_size_pretty(): bytes below 10 kB, then kB, MB, GB, TB below 20 of
    the next unit, PB above; each step divides by a power of two, the last half rounded."""

    def half_rounded(x: str) -> str:
        return f"(({x} + CASE WHEN {x} < 0 THEN -1 ELSE 1 END) // 2)::VARCHAR"

    units = ("kB", "MB", "GB", "TB", "PB")
    x = f"({value} // 512)"  # bytes to half kilobytes
    branches = [f"WHEN {value} IS NULL THEN NULL WHEN abs({value}) < 10240 THEN "
                f"{value}::VARCHAR || ' bytes'"]  # fmt: skip
    for unit in units[:-1]:
        branches.append(f"WHEN abs({x}) < 20479 THEN {half_rounded(x)} || ' {unit}'")
        x = f"({x} // 1024)"
    return f"CASE {' '.join(branches)} ELSE {half_rounded(x)} || ' PB' END"


# reg* input naming nothing: (SQLSTATE, what PostgreSQL's message calls it), raised through
# DuckDB's error() as "SQLSTATE:message" (see engine.py).
_MISSING_REG = {
    "regclass": ("42P01", "relation"),
    "regtype": ("42704", "type"),
    "regproc": ("42883", "function"),
    "regprocedure": ("42883", "function"),
    "regnamespace": ("3F000", "schema"),
    "regrole": ("42704", "role"),
}


def _reg_macros() -> list[str]:
    """pgwire_<reg>_oid(x), _name(x), _names(list) for each reg* type, and to_reg*()."""
    number = "TRY_CAST(_x::VARCHAR AS BIGINT)"
    lookups = {
        "regclass": (
            "(SELECT __c.oid FROM pg_class __c JOIN pg_namespace __n ON __n.oid = __c.relnamespace "
            "WHERE __c.relname = pgwire_ident_part(_name, 2) AND (__n.nspname = "
            f"pgwire_ident_part(_name, 1) OR pgwire_ident_part(_name, 1) IS NULL AND "
            f"{_search_path_has('__n.nspname')}) ORDER BY __n.nspname <> 'pg_catalog' LIMIT 1)",
            "(SELECT CASE WHEN {visible} THEN quote_ident(__c.relname) ELSE "
            "quote_ident(__n.nspname) || '.' || quote_ident(__c.relname) END FROM pg_class __c "
            "JOIN pg_namespace __n ON __n.oid = __c.relnamespace WHERE __c.oid = {oid})",
        ),
        "regtype": (
            "(SELECT __t.oid FROM pg_type __t LEFT JOIN pgwire_typename __f ON __f.oid = __t.oid "
            "WHERE __t.typname = pgwire_ident_part(_name, 2) OR __f.null_name = "
            "regexp_replace(lower(_name), '^pg_catalog\\.', '') OR __f.name = "
            "regexp_replace(lower(_name), '^pg_catalog\\.', '') ORDER BY __t.oid LIMIT 1)",
            "format_type({oid}, NULL)",
        ),
        "regproc": (
            "(SELECT min(__p.oid) FROM pg_proc __p "
            "WHERE __p.proname = pgwire_ident_part(_name, 2))",
            "(SELECT __p.proname FROM pg_proc __p WHERE __p.oid = {oid})",
        ),
        "regnamespace": (
            "(SELECT __n.oid FROM pg_namespace __n "
            "WHERE __n.nspname = pgwire_ident_part(_name, 2))",
            "(SELECT quote_ident(__n.nspname) FROM pg_namespace __n WHERE __n.oid = {oid})",
        ),
        "regrole": (
            "(SELECT __a.oid FROM pg_authid __a WHERE __a.rolname = pgwire_ident_part(_name, 2))",
            "(SELECT quote_ident(__a.rolname) FROM pg_authid __a WHERE __a.oid = {oid})",
        ),
    }
    lookups["regprocedure"] = (
        "pgwire_regproc_lookup(regexp_replace(_name, '\\(.*$', ''))",
        "(SELECT __p.proname || '(' || coalesce(__d.identity_arguments, '') || ')' "
        "FROM pg_proc __p LEFT JOIN pgwire_procdef __d ON __d.oid = __p.oid WHERE __p.oid = {oid})",
    )
    out = []
    for reg, (lookup, name) in lookups.items():
        visible = _search_path_has("__n.nspname")
        out.append(f"CREATE MACRO pgwire_{reg}_lookup(_name) AS {lookup}")
        code, what = _MISSING_REG[reg]
        missing = f"error('{code}:{what} \"' || _x::VARCHAR || '\" does not exist')"
        out.append(
            f"CREATE MACRO pgwire_{reg}_oid(_x) AS CASE WHEN _x IS NULL THEN NULL "
            f"WHEN {number} IS NOT NULL THEN {number} "
            f"ELSE coalesce(pgwire_{reg}_lookup(_x::VARCHAR), {missing}) END"
        )  # a name that is not there fails as in PostgreSQL (to_regclass() gives NULL)
        spelled = name.format(oid=f"pgwire_{reg}_oid(_x)", visible=visible)
        out.append(
            f"CREATE MACRO pgwire_{reg}_name(_x) AS CASE WHEN pgwire_{reg}_oid(_x) = 0 THEN '-' "
            f"ELSE coalesce({spelled}, pgwire_{reg}_oid(_x)::VARCHAR) END"
        )  # InvalidOid prints as '-'

        out.append(f"CREATE MACRO to_{reg}(_name) AS pgwire_{reg}_lookup(_name::VARCHAR)")
    for reg in ("regoper", "regoperator", "regconfig", "regdictionary", "regcollation"):
        out.append(f"CREATE MACRO pgwire_{reg}_oid(_x) AS {number}")
        out.append(f"CREATE MACRO pgwire_{reg}_name(_x) AS _x::VARCHAR")
    for reg in (*lookups, "regoper", "regoperator", "regconfig", "regdictionary", "regcollation"):
        # An empty list stays empty (list() of no rows is NULL): `proargtypes::regtype[]` of
        # a function without arguments is '{}', as pgcli's completion reads it.
        out.append(
            f"CREATE MACRO pgwire_{reg}_names(_list) AS CASE WHEN len(_list) = 0 "
            f"THEN []::VARCHAR[] ELSE (SELECT list(pgwire_{reg}_name(__u.x) ORDER BY __u.i) "
            "FROM (SELECT unnest(_list) AS x, generate_subscripts(_list, 1) AS i) __u) END"
        )
    return out


def function_names() -> set[str]:
    """Every function the emulation defines (a call to one makes a catalog query)."""
    names = set()
    for statement in macros():
        name = statement.removeprefix("CREATE MACRO ").split("(", 1)[0].strip()
        names.add(name)
    return {name for name in names if not name.startswith("pgwire_")}
