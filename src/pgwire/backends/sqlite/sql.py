"""PostgreSQL SQL as SQLite SQL, through sqlglot, with what the result's types will be.

`translate(sql)` parses one PostgreSQL statement with sqlglot's postgres dialect and writes
it for SQLite, with these changes of our own on top of sqlglot's:

- `$n` parameters become `?n` (bound by position, never spliced);
- column types in CREATE/ALTER TABLE keep their PostgreSQL spelling (`varchar(10)`,
  `numeric(10, 2)`, `boolean`, `timestamptz`): SQLite keeps a declared type as text and only
  derives an affinity from it, so spelling them as PostgreSQL does costs nothing and lets the
  backend describe the column as PostgreSQL would. `serial`/`bigserial` and identity columns
  become INTEGER (a PRIMARY KEY among them is then SQLite's auto-assigned rowid);
- a cast of a string literal to a date/time type stays the literal (sqlglot would call
  DATETIME(), which drops fractional seconds), `'t'::boolean` becomes TRUE, `'\\x0a'::bytea`
  a blob literal, and casts to numeric keep NUMERIC affinity (sqlglot says REAL);
- E'...' strings stay strings, FOR UPDATE/SHARE is dropped (SQLite serialises writers),
  NULLS FIRST/LAST only appear in ORDER BY;
- an unnamed result column gets PostgreSQL's name (`count(*)` → count, `1 + 1` → ?column?),
  and a numeric literal one with more digits than a double holds is written as a string (its
  numeric column reads it exactly).

Each result column's type is what `expressions` says of it; one over columns comes with a
`ColumnProbe`, a SELECT of those columns whose declared types type it.

sqlglot's warnings about constructs SQLite cannot express are errors here (0A000): nothing
is dropped silently. Translations are cached by statement text.

A statement SQLite reads exactly as PostgreSQL does skips sqlglot (`_plain_insert`): INSERT
... VALUES of plain literals and parameters, the bulk of what a loader sends, where parsing
would cost more than running it. SQLite-only statements (PRAGMA, VACUUM, ATTACH, INSERT OR
REPLACE, ...) pass through unchanged.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, ParseError, UnsupportedError
from sqlglot.optimizer.normalize_identifiers import normalize_identifiers

from pgwire import sql as sqltext
from pgwire import sqlstate
from pgwire.backends.sqlite.comments import Comment
from pgwire.backends.sqlite.expressions import expression_type
from pgwire.backends.sqlite.sequences import OwnedSequence
from pgwire.backends.sqlite.types import PgType, declared_type
from pgwire.backends.sqlparams import returning_query, tokenize
from pgwire.errors import PgError
from pgwire.types import oids
from pgwire.types.registry import registry

__all__ = ["STAR", "ColumnProbe", "Translation", "translate", "with_defaults"]

STAR: Any = "*"  # a projection that expands to several columns


@dataclass(frozen=True, slots=True)
class Translation:
    """One PostgreSQL statement, ready for SQLite."""

    text: str  # SQLite SQL, parameters as ?n
    tag: str  # the command tag's verb: "INSERT", "CREATE TABLE", "SELECT", ...
    rows: bool | None  # returns rows; None: only running it tells (passed-through SQL)
    # Per top-level projection: the type the query gives it (None: unknown) or STAR.
    projections: tuple[PgType | None, ...] | None = None
    describe: str | None = None  # a SELECT, parameters as NULL: its view has the column types
    # Projections typed only once the columns they read are: see `ColumnProbe`.
    probe: ColumnProbe | None = None
    count_table: str | None = None  # CREATE TABLE ... AS: the table whose rows make the tag
    # CREATE TABLE ... AS: (the table, the query) in PostgreSQL's SQL, so the table can be
    # made with the query's PostgreSQL column types (SQLite would declare its affinities)
    table_as: tuple[str, str] | None = None
    before: tuple[str, ...] = ()  # statements to run first (TRUNCATE of several tables)
    noop: bool = False  # accepted and ignored (COMMENT ON)
    passthrough: bool = False  # not read by sqlglot: SQLite judges it as written
    # The table a CREATE/DROP/ALTER TABLE or an INSERT is about: (schema or None, name).
    target: tuple[str | None, str] | None = None
    owned: tuple[OwnedSequence, ...] = ()  # CREATE TABLE: its serial and identity columns
    insert_columns: tuple[str, ...] | None = None  # INSERT: the columns given (None: all)
    overriding: bool = False  # INSERT ... OVERRIDING SYSTEM VALUE
    # UPDATE: the columns it sets, each with whether to DEFAULT
    update_columns: tuple[tuple[str, bool], ...] = ()
    # INSERT ... VALUES or UPDATE ... SET with DEFAULT: the statement, DEFAULTs still in it
    # (see `with_defaults`)
    defaults: exp.Expr | None = None
    alter: exp.Alter | None = None  # ALTER TABLE run by `alter` (SQLite cannot say it)
    constraints: str | None = None  # SET CONSTRAINTS ... IMMEDIATE or DEFERRED
    comment: Comment | None = None  # COMMENT ON TABLE/VIEW/COLUMN, kept by `comments`
    restart: tuple[str, ...] = ()  # TRUNCATE ... RESTART IDENTITY: these tables' sequences


@dataclass(frozen=True, slots=True)
class ColumnProbe:
    """Result expressions that read columns (`sum(qty)`, `n * 2`): `text` selects those
    columns (as c0, c1, ...) from the query's FROM, for SQLite to report their declared types
    as a view's; `expressions` are the projections (by index) to type with them."""

    text: str
    keys: tuple[str, ...]  # each column reference as written, in the order of c0, c1, ...
    expressions: tuple[tuple[int, exp.Expr], ...]

    def types(self, declared: Sequence[PgType | None]) -> dict[int, PgType | None]:
        """Each projection's type, given the declared type of each probed column."""
        known = dict(zip(self.keys, declared, strict=True))

        def column(node: exp.Column) -> PgType | None:
            return known.get(node.sql())

        return {i: expression_type(node, column) for i, node in self.expressions}


# ---------------------------------------------------------------------------------------------
# generating SQLite SQL


def _generate(tree: exp.Expr, *, as_written: bool = False) -> str:
    """SQLite's SQL for `tree`; `as_written` keeps function names' case (a declaration kept
    in the schema, which the catalog shows: nextval(...), not NEXTVAL(...))."""
    try:
        if as_written:
            return tree.sql(
                dialect="sqlite", unsupported_level=ErrorLevel.RAISE, normalize_functions=False
            )
        return tree.sql(dialect="sqlite", unsupported_level=ErrorLevel.RAISE)
    except UnsupportedError as exc:
        raise PgError(
            f"not supported by the SQLite backend: {exc}", sqlstate.FEATURE_NOT_SUPPORTED
        ) from None


# ---------------------------------------------------------------------------------------------
# transforms on the parsed PostgreSQL statement

_DATETIME_TYPES = ("date", "timestamp", "timestamptz", "time", "timetz", "datetime")
_SERIALS = frozenset({"SERIAL", "BIGSERIAL", "SMALLSERIAL"})
_TRUE_WORDS = ("t", "tr", "tru", "true", "y", "ye", "yes", "on", "1")
_FALSE_WORDS = ("f", "fa", "fal", "fals", "false", "n", "no", "of", "off", "0")


def _pg_spelling(kind: exp.DataType) -> str:
    return kind.sql(dialect="postgres")


def _column_def(node: exp.ColumnDef) -> None:
    kind = node.args.get("kind")
    if not isinstance(kind, exp.DataType):
        return
    spelling = _pg_spelling(kind)
    identity = node.find(exp.GeneratedAsIdentityColumnConstraint)
    if spelling.upper() in _SERIALS or (identity is not None and identity.expression is None):
        # Left by `_owned_sequences` (CREATE TABLE): a column added to a table that has rows
        # would need each of them numbered, which SQLite's ADD COLUMN cannot do.
        raise PgError(
            f'the SQLite backend cannot add the serial or identity column "{node.name}" to'
            " an existing table",
            sqlstate.FEATURE_NOT_SUPPORTED,
            hint="Create the table with the column, or add an integer column and fill it.",
        )
    node.set("kind", exp.Var(this=spelling))


_SERIAL_TYPES = {"SERIAL": "integer", "BIGSERIAL": "bigint", "SMALLSERIAL": "smallint"}
_INTEGER_NAMES = {"SMALLINT": "smallint", "INT": "integer", "BIGINT": "bigint"}


def _owned_sequences(schema: exp.Schema, table: str) -> tuple[OwnedSequence, ...]:
    """The serial and identity columns of a CREATE TABLE, made plain integer columns that
    default to `nextval('<table>_<column>_seq')` (NOT NULL, as in PostgreSQL)."""
    owned = []
    for node in schema.expressions:
        if not isinstance(node, exp.ColumnDef) or not isinstance(
            node.args.get("kind"), exp.DataType
        ):
            continue
        spelling = _pg_spelling(node.args["kind"]).upper()
        identity = node.find(exp.GeneratedAsIdentityColumnConstraint)
        if spelling in _SERIAL_TYPES:
            type_name = _SERIAL_TYPES[spelling]
            node.set("kind", exp.DataType.build(type_name))
            kind, start, increment = None, None, 1
        elif identity is not None and identity.expression is None:
            type_name = _INTEGER_NAMES.get(spelling, "")
            if not type_name:
                raise PgError(
                    "identity column type must be smallint, integer, or bigint",
                    sqlstate.INVALID_PARAMETER_VALUE,
                )
            kind = "a" if identity.this else "d"
            start = _option(identity, "start")
            increment = _option(identity, "increment") or 1
            if isinstance(identity.parent, exp.ColumnConstraint):
                identity.parent.pop()
        else:
            continue
        name = f"{table}_{node.name}_seq"
        regclass = name if re.fullmatch(r"[a-z_][a-z0-9_$]*", name) else f'"{name}"'
        # As written (sqlglot would say NEXTVAL), so the catalog shows PostgreSQL's spelling.
        quoted = regclass.replace("'", "''")
        default = exp.Paren(this=exp.Var(this=f"nextval('{quoted}')"))
        constraints = node.args.get("constraints") or []
        if not any(isinstance(c.kind, exp.NotNullColumnConstraint) for c in constraints):
            node.append("constraints", exp.ColumnConstraint(kind=exp.NotNullColumnConstraint()))
        node.append("constraints", exp.ColumnConstraint(kind=exp.DefaultColumnConstraint(
            this=default
        )))  # fmt: skip
        owned.append(OwnedSequence(name, node.name, type_name, kind, start, increment))
    return tuple(owned)


def _option(identity: exp.Expr, name: str) -> int | None:
    value = identity.args.get(name)
    if value is None:
        return None
    try:
        return int(value.sql(dialect="postgres"))
    except ValueError:
        raise PgError(
            f"invalid {name} value for an identity column", sqlstate.SYNTAX_ERROR
        ) from None


def _cast(node: exp.Cast) -> exp.Expr:
    value: exp.Expr = node.this
    if node.is_type("json", "jsonb"):
        # SQLite keeps JSON as text; CAST(x AS JSONB) would be numeric affinity ('"en"' is
        # 0), so Django's `prefs -> 'lang' = '"en"'::jsonb` matched nothing. The result's
        # type comes from the cast.
        return value
    if isinstance(value, exp.Parameter) and node.is_type(*_DATETIME_TYPES):
        # The front end decoded the parameter as this type and binds its ISO text (see
        # types.to_sqlite): kept whole, where DATETIME() and TIME() drop the fraction of a
        # second. The result's type comes from the cast.
        return value
    if not (isinstance(value, exp.Literal) and value.is_string):
        return node
    if node.is_type(*_DATETIME_TYPES):
        return value  # the text as written; the result's type comes from the cast
    if node.is_type("boolean"):
        word = value.name.strip().lower()
        if word in _TRUE_WORDS:
            return exp.true()
        if word in _FALSE_WORDS:
            return exp.false()
    if node.is_type("varbinary", "blob", "binary") and value.name.startswith("\\x"):
        digits = value.name[2:]
        if re.fullmatch(r"(?:[0-9A-Fa-f]{2})*", digits):
            return exp.HexString(this=digits)
    return node


def _rewrite(tree: exp.Expr) -> exp.Expr:
    """Our changes to sqlglot's translation, made on the tree (sqlglot's compiled build,
    sqlglotc, allows no generator subclass)."""
    for node in list(tree.walk()):
        if isinstance(node, exp.Parameter):
            node.replace(exp.Var(this=f"?{int(node.this.name)}"))
        elif isinstance(node, exp.Cast):
            replaced = _cast(node)
            if replaced is not node:
                node.replace(replaced)
            elif node.is_type("decimal"):  # sqlglot says REAL: numeric affinity instead
                node.set("to", exp.DataType(this=exp.DType.USERDEFINED, kind="NUMERIC"))
        elif isinstance(node, exp.ByteString) and not node.args.get("is_bytes"):
            node.replace(exp.Literal.string(node.this))  # E'...', sqlglot's name for it
        elif isinstance(node, exp.Ordered) and not isinstance(node.parent, exp.Order | exp.Window):
            # An index column or an ON CONFLICT target: SQLite takes no NULLS FIRST/LAST.
            node.set("nulls_first", not node.args.get("desc"))
        elif isinstance(node, exp.ColumnDef):
            _column_def(node)
        elif isinstance(node, exp.Select) and node.args.get("locks"):
            node.set("locks", None)
        elif isinstance(node, exp.UnloggedProperty):
            node.pop()
        elif isinstance(node, exp.Create) and isinstance(node.expression, exp.Subquery):
            # CREATE VIEW/TABLE ... AS (SELECT ...), as dbt writes it: SQLite takes no
            # parentheses there.
            node.set("expression", node.expression.this)
        elif isinstance(node, exp.Values) and _values_columns(node):
            node.replace(_values_as_select(node))
        elif isinstance(node, exp.Alias) and isinstance(node.parent, exp.Select | exp.Returning):
            # A result column's name, quoted: SQLite reserves words PostgreSQL does not
            # (`AS nothing`), and a quoted alias is only ever a name.
            alias = node.args.get("alias")
            if isinstance(alias, exp.Identifier):
                alias.set("quoted", True)
    return tree


def _values_columns(node: exp.Values) -> list[exp.Expr]:
    alias = node.args.get("alias")
    return list(alias.columns) if isinstance(alias, exp.TableAlias) else []


def _values_as_select(node: exp.Values) -> exp.Expr:
    """`(VALUES (1, 'a'), ...) AS t(a, b)`: SQLite names VALUES columns column1, column2, ...
    and takes no column aliases, so they are renamed by a SELECT around it."""
    alias = node.args["alias"]
    columns = _values_columns(node)
    inner = node.copy()
    inner.set("alias", None)
    select = exp.select(
        *(
            exp.alias_(exp.column(f"column{n}"), column.name, quoted=True)
            for n, column in enumerate(columns, 1)
        )
    ).from_(exp.Subquery(this=inner))
    return exp.Subquery(this=select, alias=exp.TableAlias(this=alias.this.copy()))


def _checked_division(tree: exp.Expr) -> exp.Expr:
    """Queries and DML only (a view or a CHECK kept in the file calls no function of ours):
    `a / b` and `a % b` as pg_div() and pg_mod() (see `functions`): SQLite answers NULL
    to a division by zero, PostgreSQL 22012; UNNEST(arrays) in FROM as `_unnest` says.

    A division whose operand is numeric (a numeric or float column, a cast, a literal with a
    point) divides as numbers even when the values are whole: SQLite keeps 7.00 in a numeric
    column as the integer 7, and 7 / 2 would be 3. pg_div() is told what each operand is:
    'n' (numeric, known here), 'table.column' (its declared type tells), or ''."""
    tables = [t for t in tree.find_all(exp.Table) if t.name]
    aliases = {t.alias_or_name.lower(): t.name for t in tables}
    only = tables[0].name if len({t.name.lower() for t in tables}) == 1 else None
    for node in list(tree.walk()):
        if isinstance(node, exp.Div):
            hints = [_operand_hint(side, aliases, only) for side in (node.this, node.expression)]
            arguments = [node.this, node.expression]
            if any(hints):
                arguments += [exp.Literal.string(hint) for hint in hints]
            node.replace(exp.Anonymous(this="pg_div", expressions=arguments))
        elif isinstance(node, exp.Mod):
            node.replace(exp.Anonymous(this="pg_mod", expressions=[node.this, node.expression]))
        elif isinstance(node, exp.Unnest) and isinstance(node.parent, exp.From | exp.Join):
            node.replace(_unnest(node))
    return tree


_FRACTIONAL = frozenset({oids.NUMERIC, oids.FLOAT4, oids.FLOAT8})


def _operand_hint(node: exp.Expr, aliases: dict[str, str], only: str | None) -> str:
    """What pg_div() needs to know of an operand (see `_checked_division`)."""
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Column):
        table = aliases.get(node.table.lower()) if node.table else only
        return f"{table}.{node.name}" if table else ""
    found = expression_type(node)
    return "n" if found is not None and found[0] in _FRACTIONAL else ""


def _array_value(node: exp.Expr) -> exp.Expr:
    """An array argument without its casts to array types (`('{1,2}'::int2[])`, as
    psycopg's client-side binding writes it), which SQLite has no words for."""
    while isinstance(node, exp.Paren) or (
        isinstance(node, exp.Cast) and node.to.is_type(exp.DType.ARRAY)
    ):
        node = node.this
    return node


def _unnest(node: exp.Unnest) -> exp.Expr:
    """`FROM UNNEST($1::text[], $2::int[])` (Django's bulk INSERT): SQLite has no arrays,
    and an array parameter is bound as PostgreSQL's text form ('{a,b}'). pg_array_json()
    makes it a JSON array for json_each(); the arrays are zipped by position, each element
    cast to its array's element type."""
    sources = []
    columns = []
    arguments = []
    for n, argument in enumerate(node.expressions):
        inner, element = argument, None
        if isinstance(argument, exp.Cast) and argument.to.is_type(exp.DType.ARRAY):
            inner = argument.this
            element = argument.to.expressions[0] if argument.to.expressions else None
        arguments.append(_array_value(inner))
        source = f"json_each(pg_array_json(pgwire_argument_{n})) AS u{n}"
        if n:
            source = f"LEFT JOIN {source} ON u{n}.key = u0.key"
        sources.append(source)
        value = f"u{n}.value"
        if element is not None:
            value = _generate(exp.Cast(this=exp.column("value", f"u{n}"), to=element.copy()))
        columns.append(f'{value} AS "unnest"')
    alias = node.args.get("alias")
    name = alias.name if isinstance(alias, exp.TableAlias) and alias.name else "unnest"
    select = sqlglot.parse_one(
        f"SELECT {', '.join(columns)} FROM {' '.join(sources)}", read="sqlite"
    )
    for column in list(select.find_all(exp.Column)):
        if column.name.startswith("pgwire_argument_"):
            column.replace(arguments[int(column.name.rsplit("_", 1)[1])].copy())
    return exp.Subquery(this=select, alias=exp.TableAlias(this=exp.to_identifier(name)))


def _null_parameters(tree: exp.Expr) -> exp.Expr:
    """A copy of a rewritten tree with its parameters as NULL: a view allows none."""
    copy = tree.copy()
    for node in list(copy.find_all(exp.Var)):
        if node.name.startswith("?"):
            node.replace(exp.null())
    return copy


# ---------------------------------------------------------------------------------------------
# result columns: PostgreSQL's names and what the query says about their types


def _cast_type(kind: exp.DataType) -> PgType | None:
    return declared_type(_pg_spelling(kind))


def _pg_name(node: exp.Expr) -> str:
    """The name PostgreSQL gives an unaliased result column."""
    if isinstance(node, exp.Column):
        return node.name
    if isinstance(node, exp.Paren):
        return _pg_name(node.this)
    if isinstance(node, exp.Cast):
        inner = node.this
        if isinstance(inner, exp.Column | exp.Func):
            return _pg_name(inner)
        found = _cast_type(node.to)
        info = registry.get(found[0]) if found is not None else None
        return info.name if info is not None else "?column?"
    if isinstance(node, exp.Case):
        return "case"
    if isinstance(node, exp.Exists):
        return "exists"
    if isinstance(node, exp.Pow):
        return "?column?"  # an operator in PostgreSQL, power() for SQLite
    if isinstance(node, exp.Subquery) and isinstance(node.this, exp.Select):
        projections = node.this.expressions
        if len(projections) == 1:
            only = projections[0]
            return only.alias_or_name if isinstance(only, exp.Alias) else _pg_name(only)
    if isinstance(node, exp.Func):
        text = node.sql(dialect="postgres")
        match = re.match(r'"?([A-Za-z_][A-Za-z0-9_$]*)"?\s*\(', text)
        if match:
            return match.group(1).lower()
        if isinstance(node, exp.CurrentTimestamp | exp.CurrentDate | exp.CurrentTime):
            return text.lower()
    return "?column?"


def _projections(expressions: list[exp.Expr]) -> tuple[PgType | None, ...]:
    """Type hints per projection, and PostgreSQL's names given to unnamed ones (in place)."""
    hints: list[PgType | None] = []
    for node in expressions:
        if isinstance(node, exp.Star) or (
            isinstance(node, exp.Column) and isinstance(node.this, exp.Star)
        ):
            hints.append(STAR)
            continue
        hints.append(expression_type(node))
        if not isinstance(node, exp.Alias | exp.Column):
            node = node.replace(exp.alias_(node.copy(), _pg_name(node), quoted=True))
        _exact_literal(node.this if isinstance(node, exp.Alias) else node)
    return tuple(hints)


_DOUBLE_DIGITS = 15  # significant digits a double holds


def _exact_literal(node: exp.Expr) -> None:
    """A numeric literal result column with more digits than a double holds, as a string:
    SQLite would read it as a double, the numeric column reads the string exactly."""
    if isinstance(node, exp.Literal) and not node.is_string:
        digits = node.name.lower().split("e")[0].replace(".", "").lstrip("0")
        if len(digits) > _DOUBLE_DIGITS:
            node.replace(exp.Literal.string(node.name))


def _reading_columns(
    select: exp.Select | None, hints: tuple[PgType | None, ...] | None
) -> list[tuple[int, exp.Expr]]:
    """Copies of the projections not typed yet that read columns of this SELECT's FROM (no
    subquery of their own): typed once those columns' types are known."""
    if select is None or hints is None or not isinstance(select.args.get("from_"), exp.From):
        return []
    found = []
    for i, (node, hint) in enumerate(zip(select.expressions, hints, strict=True)):
        if hint is not None or isinstance(node, exp.Column):
            continue
        if node.find(exp.Column) is None or node.find(exp.Query) is not None:
            continue
        found.append((i, node.copy()))
    return found


def _probe(select: exp.Select, reading: list[tuple[int, exp.Expr]]) -> ColumnProbe | None:
    """A SELECT of the columns `reading` reads, from (and rewritten with) `select`."""
    keys: list[str] = []
    for _, node in reading:
        for column in node.find_all(exp.Column):
            key = column.sql()
            if key not in keys and not isinstance(column.this, exp.Star):
                keys.append(key)
    if not keys:
        return None
    query = select.copy()
    for arg in ("group", "having", "order", "limit", "offset", "distinct", "qualify"):
        query.set(arg, None)
    query.set(
        "expressions",
        [exp.alias_(sqlglot.parse_one(k, read="postgres"), f"c{n}") for n, k in enumerate(keys)],
    )
    try:
        text = _generate(_null_parameters(query))
    except PgError:
        return None
    return ColumnProbe(text, tuple(keys), tuple(reading))


def _leftmost_select(query: exp.Expr) -> exp.Select | None:
    while isinstance(query, exp.SetOperation):
        query = query.this
    if isinstance(query, exp.Subquery):
        return _leftmost_select(query.this)
    return query if isinstance(query, exp.Select) else None


# ---------------------------------------------------------------------------------------------
# command tags

_CREATE_SKIP = frozenset(
    {"OR", "REPLACE", "TEMP", "TEMPORARY", "UNIQUE", "UNLOGGED", "GLOBAL", "LOCAL", "VIRTUAL"}
)
_TRUNCATE = re.compile(r"^\s*TRUNCATE\s+(?:TABLE\s+)?(.*?)\s*$", re.IGNORECASE | re.DOTALL)
_TRUNCATE_OPTIONS = re.compile(
    r"\s+(?:(?:RESTART|CONTINUE)\s+IDENTITY|CASCADE|RESTRICT)\b.*$", re.IGNORECASE | re.DOTALL
)


def _object_tag(words: list[str]) -> str:
    """'CREATE TABLE', 'DROP VIEW', 'ALTER TABLE': the verb and the kind of object."""
    for word in words[1:]:
        if word not in _CREATE_SKIP:
            return f"{words[0]} {word}"
    return words[0]


# Statements that are SQLite's own, passed through as written.
_SQLITE_VERBS = frozenset({"PRAGMA", "VACUUM", "REINDEX", "ATTACH", "DETACH", "ANALYZE", "REPLACE"})
_ROW_VERBS = frozenset({"SELECT", "WITH", "VALUES", "TABLE"})


def _parameters_as_placeholders(sql: str) -> str:
    count = sqltext.parameter_count(sql)
    if not count:
        return sql
    return sqltext.substitute_parameters(sql, [f"?{n}" for n in range(1, count + 1)])


def _spaced_parameters(sql: str) -> str:
    """`sql` with a space either side of each $n: sqlglot's tokenizer fails on `$1,$2` (as
    postgres.js writes `in ${sql([1, 2])}`), reading `$1,$` as a dollar-quoted string."""
    count = sqltext.parameter_count(sql)
    if not count:
        return sql
    return sqltext.substitute_parameters(sql, [f" ${n} " for n in range(1, count + 1)])


def _passthrough(sql: str, words: list[str]) -> Translation:
    tag = words[0] if words else ""
    return Translation(_parameters_as_placeholders(sql), tag, None, passthrough=True)


_INDEX_METHODS = frozenset({"btree", "hash"})  # SQLite's B-trees answer what these answer


def _index_options(tree: exp.Create) -> None:
    """CREATE INDEX CONCURRENTLY ... USING btree (c text_pattern_ops): SQLite builds every
    index in its write transaction, as a B-tree; another method (gin, gist, brin) is
    refused, naming it."""
    tree.set("concurrently", False)
    for opclass in list(tree.find_all(exp.Opclass)):
        # `name varchar_pattern_ops`: SQLite's B-tree compares as the column's collation,
        # which serves LIKE 'prefix%' (case-sensitive, as here) without an operator class.
        opclass.replace(opclass.this)
    index = tree.this
    params = index.args.get("params") if isinstance(index, exp.Index) else None
    using = params.args.get("using") if params is not None else None
    if params is not None and using is not None:
        method = using.name.lower()
        if method not in _INDEX_METHODS:
            raise PgError(
                f'access method "{method}" is not supported by the SQLite backend',
                sqlstate.FEATURE_NOT_SUPPORTED,
            )
        params.set("using", None)


# ---------------------------------------------------------------------------------------------
# the plain INSERT fast path


def _plain_insert(sql: str) -> Translation | None:
    """`INSERT INTO name [(columns)] VALUES (...), ...` of plain literals and parameters:
    SQLite reads it exactly as PostgreSQL does, so it runs as written (parameters aside)."""
    tokens = tokenize(sql)
    n = len(tokens)
    if n < 6 or not (tokens[0].is_word("insert") and tokens[1].is_word("into")):
        return None
    i = 2
    name: list[str] = []
    while True:  # the table name: a, a.b
        if i >= n or tokens[i].kind not in ("word", "ident"):
            return None
        name.append(tokens[i].value)
        i += 1
        if i < n and tokens[i].is_punct("."):
            i += 1
            continue
        break
    columns: list[str] | None = None
    if i < n and tokens[i].is_punct("("):
        i += 1
        columns = []
        while i < n and tokens[i].kind in ("word", "ident"):
            columns.append(tokens[i].value)
            i += 1
            if i < n and tokens[i].is_punct(","):
                i += 1
        if i >= n or not tokens[i].is_punct(")"):
            return None
        i += 1
    if i >= n or not tokens[i].is_word("values"):
        return None
    i += 1
    while True:
        if i >= n or not tokens[i].is_punct("("):
            return None
        i += 1
        while True:
            if i < n and tokens[i].kind == "op" and tokens[i].value in ("-", "+"):
                i += 1
                if i >= n or tokens[i].kind != "number":
                    return None
            if i >= n:
                return None
            token = tokens[i]
            if token.kind == "string":
                if sql[token.start] != "'":  # E'', B'', X'', $$: not plain
                    return None
            elif token.kind not in ("number", "param") and not token.is_word(
                "null", "true", "false"
            ):
                return None
            i += 1
            if i < n and tokens[i].is_punct(","):
                i += 1
                continue
            break
        if i >= n or not tokens[i].is_punct(")"):
            return None
        i += 1
        if i < n and tokens[i].is_punct(","):
            i += 1
            continue
        break
    while i < n and tokens[i].is_punct(";"):
        i += 1
    if i != n:
        return None
    return Translation(
        _parameters_as_placeholders(sql),
        "INSERT",
        False,
        target=(name[-2] if len(name) > 1 else None, name[-1]),
        insert_columns=None if columns is None else tuple(columns),
    )


# ---------------------------------------------------------------------------------------------
# translate


def translate(sql: str) -> Translation:
    """`sql` (one PostgreSQL statement) for SQLite; PgError 42601/0A000 when it cannot be."""
    return _translate(sql)


@functools.lru_cache(maxsize=2048)
def _translate(sql: str) -> Translation:
    words = sqltext.leading_words(sql, 4)
    if not words:
        return Translation("", "", False)
    first = words[0]
    if first in _SQLITE_VERBS or (first == "INSERT" and words[1:2] == ["OR"]):
        return _passthrough(sql, words)
    if first == "EXPLAIN":
        return Translation(_parameters_as_placeholders(sql), "EXPLAIN", True)
    if first == "TRUNCATE":
        return _truncate(sql)
    if first == "COMMENT":
        return _comment(sql)
    if words[:2] == ["SET", "CONSTRAINTS"]:
        return _set_constraints(sql)
    overriding = False
    if first == "INSERT":
        plain = _plain_insert(sql)
        if plain is not None:
            return plain
        sql, overriding = _overriding(sql)
    if first == "ALTER":
        sql = _rename_column_word(sql)
    try:
        trees = sqlglot.parse(_spaced_parameters(sql), read="postgres")
    except ParseError:
        # Not PostgreSQL as sqlglot knows it: SQLite's own syntax, or an error SQLite words
        # well ('near "SELEC": syntax error'). Either way SQLite has the last word.
        return _passthrough(sql, words)
    found = [tree for tree in trees if tree is not None]
    if len(found) != 1:
        if not found:
            return Translation("", "", False)
        raise PgError(
            "cannot insert multiple commands into a prepared statement", sqlstate.SYNTAX_ERROR
        )
    tree = found[0]
    if isinstance(tree, exp.Command):  # sqlglot did not parse it: SQLite may
        return _passthrough(sql, words)
    # Unquoted names fold to lower case, as PostgreSQL folds them: a table created as Foo is
    # foo, and a result column is named as PostgreSQL names it.
    found_tree = normalize_identifiers(tree, dialect="postgres")
    translation = _from_tree(sql, words, found_tree)
    if overriding:
        translation = dataclasses.replace(translation, overriding=True)
    return translation


def _overriding(sql: str) -> tuple[str, bool]:
    """INSERT ... OVERRIDING SYSTEM VALUE (which sqlglot does not read): the text without
    it, and whether it was there. OVERRIDING USER VALUE is refused."""
    tokens = tokenize(sql)
    for i, token in enumerate(tokens[:-2]):
        if token.is_word("overriding") and tokens[i + 2].is_word("value"):
            if tokens[i + 1].is_word("system"):
                return sql[: token.start] + sql[tokens[i + 2].end :], True
            raise PgError(
                "OVERRIDING USER VALUE is not supported by the SQLite backend",
                sqlstate.FEATURE_NOT_SUPPORTED,
            )
    return sql, False


def _rename_column_word(sql: str) -> str:
    """ALTER TABLE t RENAME a TO b, COLUMN left out (as PostgreSQL allows): with it, which
    sqlglot needs to read a column's rename rather than the table's."""
    tokens = tokenize(sql)
    for i, token in enumerate(tokens[:-2]):
        if (
            token.is_word("rename")
            and tokens[i + 1].kind in ("word", "ident")
            and not tokens[i + 1].is_word("column", "to", "constraint")
            and tokens[i + 2].is_word("to")
        ):
            return sql[: tokens[i + 1].start] + "COLUMN " + sql[tokens[i + 1].start :]
    return sql


def _table_of(node: exp.Expr | None) -> tuple[str | None, str] | None:
    """(schema or None, name) of a table reference."""
    if isinstance(node, exp.Schema):
        node = node.this
    if not isinstance(node, exp.Table):
        return None
    return (node.db or None), node.name


def _insert_details(tree: exp.Insert) -> dict[str, Any]:
    """What the session checks and completes in an INSERT: its table, the columns it gives,
    and the statement itself when a row says DEFAULT (filled from the table's defaults)."""
    target = tree.this
    columns: tuple[str, ...] | None = None
    if isinstance(target, exp.Schema):
        columns = tuple(node.name for node in target.expressions)
    elif tree.args.get("default"):
        columns = ()  # DEFAULT VALUES: no column is given a value
    details: dict[str, Any] = {"target": _table_of(target), "insert_columns": columns}
    values = tree.expression
    if isinstance(values, exp.Values) and any(
        isinstance(node, exp.Var) and node.name.upper() == "DEFAULT"
        for row in values.expressions
        for node in row.expressions
    ):
        details["defaults"] = tree
    return details


def _is_default(node: exp.Expr) -> bool:
    """DEFAULT as a value: sqlglot reads it as a word in VALUES, a column name in SET."""
    if isinstance(node, exp.Column):
        identifier = node.this
        return (
            not node.table
            and isinstance(identifier, exp.Identifier)
            and not identifier.quoted
            and identifier.name.upper() == "DEFAULT"
        )
    return isinstance(node, exp.Var) and node.name.upper() == "DEFAULT"


def _update_details(tree: exp.Update) -> dict[str, Any]:
    """What the session checks and completes in an UPDATE: its table, the columns it sets
    (GENERATED ALWAYS ones only to DEFAULT), the statement when a SET says DEFAULT."""
    sets = tuple(
        (node.this.name, _is_default(node.expression))
        for node in tree.expressions
        if isinstance(node, exp.EQ) and isinstance(node.this, exp.Column)
    )
    details: dict[str, Any] = {"target": _table_of(tree.this), "update_columns": sets}
    if any(default for _, default in sets):
        details["defaults"] = tree
    return details


def _from_tree(sql: str, words: list[str], tree: exp.Expr) -> Translation:
    if isinstance(tree, exp.Query):
        select = _leftmost_select(tree)
        projections = _projections(select.expressions) if select is not None else None
        reading = _reading_columns(select, projections)
        parameters = tree.find(exp.Parameter) is not None
        tree = _checked_division(_rewrite(tree))
        text = _generate(tree)
        describe = _generate(_null_parameters(tree)) if parameters else text
        probe = _probe(select, reading) if select is not None and reading else None
        return Translation(text, "SELECT", True, projections, describe, probe)
    if isinstance(tree, exp.Insert | exp.Update | exp.Delete):
        tag = type(tree).__name__.upper()
        details: dict[str, Any] = {}
        if isinstance(tree, exp.Insert):
            details = _insert_details(tree)
        elif isinstance(tree, exp.Update):
            details = _update_details(tree)
        source = tree.expression if isinstance(tree, exp.Insert) else None
        if (
            tree.args.get("conflict")
            and isinstance(source, exp.Select)
            and not source.args.get("where")
        ):
            # SQLite reads `SELECT ... FROM t ON CONFLICT` as a join's ON: its documented
            # way out is a WHERE clause.
            source.where(exp.true(), copy=False)
        returning = tree.args.get("returning")
        if returning is None:
            tree = _checked_division(_rewrite(tree))
            text = _generate(_defaults_as_null(tree) if "defaults" in details else tree)
            return Translation(text, tag, False, **details)
        projections = _projections(returning.expressions)
        tree = _checked_division(_rewrite(tree))
        described: str | None = None
        query = returning_query(sql)
        if query is not None:
            with contextlib.suppress(PgError):
                described = translate(query).describe
        text = _generate(_defaults_as_null(tree) if "defaults" in details else tree)
        return Translation(text, tag, True, projections, described, **details)
    if isinstance(tree, exp.Alter) and tree.kind == "TABLE":
        return Translation("", "ALTER TABLE", False, target=_table_of(tree.this), alter=tree)
    if isinstance(tree, exp.Drop):
        tree.set("cascade", None)  # SQLite has no dependent objects to drop with it
    if isinstance(tree, exp.Create) and tree.kind == "VIEW" and tree.args.get("replace"):
        return _replace_view(tree)
    owned: tuple[OwnedSequence, ...] = ()
    target = None
    if isinstance(tree, exp.Create) and tree.kind == "TABLE" and isinstance(tree.this, exp.Schema):
        target = _table_of(tree.this)
        if target is not None:
            owned = _owned_sequences(tree.this, target[1])
            properties = tree.args.get("properties")
            if properties is not None and properties.find(exp.TemporaryProperty):
                target = ("temp", target[1])
    if isinstance(tree, exp.Create) and tree.kind == "INDEX":
        _index_options(tree)
    text = _generate(_rewrite(tree))
    if first_is(words, "CREATE"):
        if (
            isinstance(tree, exp.Create)
            and tree.kind == "TABLE"
            and isinstance(tree.expression, exp.Query)
        ):
            table = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
            table_as = None
            if not isinstance(tree.this, exp.Schema) and not tree.args.get("exists"):
                query = tree.expression.sql(dialect="postgres")
                table_as = (table.sql(dialect="postgres"), query)
            return Translation(
                text, "SELECT", False, count_table=_generate(table), table_as=table_as
            )
        return Translation(text, _object_tag(words), False, target=target, owned=owned)
    if first_is(words, "DROP") or first_is(words, "ALTER"):
        return Translation(text, _object_tag(words), False)
    return Translation(text, words[0], None)


def _replace_view(tree: exp.Create) -> Translation:
    """CREATE OR REPLACE VIEW (pgcli's \\ev writes it; SQLite has none): DROP VIEW IF EXISTS,
    then CREATE VIEW."""
    tree.set("replace", False)
    name = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
    drop = f"DROP VIEW IF EXISTS {_generate(name)}"
    return Translation(_generate(_rewrite(tree)), "CREATE VIEW", False, before=(drop,))


def _comment(sql: str) -> Translation:
    """COMMENT ON {TABLE | VIEW | COLUMN} name IS 'text' | NULL: kept (see `comments`);
    on any other kind of object accepted with a NOTICE that it is not kept."""
    code = [t for t in tokenize(sql) if not t.is_punct(";")]
    noop = Translation("", "COMMENT", False, noop=True)
    if len(code) < 6 or not code[1].is_word("on") or not code[2].is_word("table", "view", "column"):
        return noop
    names: list[str] = []
    i = 3
    while i < len(code) and code[i].kind in ("word", "ident"):
        if code[i].is_word("is"):
            break
        names.append(code[i].value)
        i += 1
        if i < len(code) and code[i].is_punct("."):
            i += 1
    if i + 2 != len(code) or not code[i].is_word("is") or not names:
        raise PgError("syntax error in COMMENT", sqlstate.SYNTAX_ERROR)
    value = code[i + 1]
    if value.is_word("null"):
        text = None
    elif value.kind == "string" and sql[value.start] == "'":
        text = value.value[1:-1].replace("''", "'")
    else:
        return noop
    column = ""
    if code[2].is_word("column"):
        if len(names) < 2:
            raise PgError("column name must be qualified", sqlstate.SYNTAX_ERROR)
        column = names.pop()
    schema = names[-2] if len(names) > 1 else None
    return Translation("", "COMMENT", False, comment=Comment(schema, names[-1], column, text))


def _set_constraints(sql: str) -> Translation:
    """SET CONSTRAINTS {ALL | names} {IMMEDIATE | DEFERRED}: the session checks the foreign
    keys now, or defers them all to COMMIT (SQLite's defer_foreign_keys)."""
    code = [t for t in tokenize(sql) if not t.is_punct(";")]
    mode = code[-1].value.upper() if code and code[-1].kind == "word" else ""
    if len(code) < 4 or mode not in ("IMMEDIATE", "DEFERRED"):
        at = code[-1].value if code else "CONSTRAINTS"
        raise PgError(f'syntax error at or near "{at}"', sqlstate.SYNTAX_ERROR)
    return Translation("", "SET CONSTRAINTS", False, constraints=mode)


def first_is(words: list[str], verb: str) -> bool:
    return bool(words) and words[0] == verb


def _truncate(sql: str) -> Translation:
    match = _TRUNCATE.match(sqltext.strip_comments(sql))
    if match is None:
        raise PgError('syntax error at or near "TRUNCATE"', sqlstate.SYNTAX_ERROR)
    options = _TRUNCATE_OPTIONS.search(match.group(1))
    restart = options is not None and bool(
        re.search(r"\bRESTART\s+IDENTITY\b", options.group(0), re.IGNORECASE)
    )
    names = _TRUNCATE_OPTIONS.sub("", match.group(1)).rstrip(";").strip()
    tables = [name.strip() for name in names.split(",") if name.strip()]
    tables = [re.sub(r"^ONLY\s+", "", t, flags=re.IGNORECASE) for t in tables]
    if not tables:
        raise PgError("syntax error at end of input", sqlstate.SYNTAX_ERROR)
    deletes = [f"DELETE FROM {table}" for table in tables]
    owners = tuple(_bare_name(table) for table in tables) if restart else ()
    return Translation(
        deletes[-1], "TRUNCATE TABLE", False, before=tuple(deletes[:-1]), restart=owners
    )


def _bare_name(name: str) -> str:
    """`s."T"` → T, `Foo` → foo: a table's name as its sequences record their owner."""
    last = name.strip().rsplit(".", 1)[-1].strip()
    if len(last) >= 2 and last.startswith('"') and last.endswith('"'):
        return last[1:-1].replace('""', '"')
    return last.lower()


def _defaults_as_null(tree: exp.Expr) -> exp.Expr:
    """An INSERT or UPDATE with DEFAULT, for Describe: each DEFAULT as NULL (the statement
    run has each column's default instead, see `with_defaults`)."""
    copy = tree.copy()
    for node in list(copy.find_all(exp.Var, exp.Column)):
        if _is_default(node) and isinstance(node.parent, exp.Tuple | exp.EQ):
            node.replace(exp.null())
    return copy


def with_defaults(tree: exp.Expr, columns: Sequence[str], defaults: dict[str, str | None]) -> str:
    """An INSERT ... VALUES whose rows say DEFAULT (or an UPDATE ... SET c = DEFAULT), each
    DEFAULT as the column's default expression (NULL without one): SQLite has no DEFAULT
    there. `columns` are the columns the values go to, `defaults` the table's default
    expressions by column."""
    copy = tree.copy()
    if isinstance(copy, exp.Update):
        for node in copy.expressions:
            if isinstance(node, exp.EQ) and _is_default(node.expression):
                default = defaults.get(node.this.name.lower())
                node.expression.replace(
                    exp.null() if default is None else exp.Var(this=f"({default})")
                )
        return _generate(copy)
    values = copy.expression
    assert isinstance(values, exp.Values)
    for row in values.expressions:
        for i, node in enumerate(list(row.expressions)):
            if not (isinstance(node, exp.Var) and node.name.upper() == "DEFAULT"):
                continue
            if i >= len(columns):
                raise PgError(
                    "INSERT has more expressions than target columns", sqlstate.SYNTAX_ERROR
                )
            default = defaults.get(columns[i].lower())
            node.replace(exp.null() if default is None else exp.Var(this=f"({default})"))
    return _generate(copy)


def rewritten(node: exp.Expr) -> exp.Expr:
    """An expression of PostgreSQL's, rewritten for SQLite (casts, parameters, ...)."""
    return _rewrite(node)


def generate_ddl(tree: exp.Expr) -> str:
    """A statement for SQLite, as kept in its schema: no functions of the backend's own."""
    return _generate(_rewrite(tree), as_written=True)


def generate_dml(tree: exp.Expr) -> str:
    """A query or DML statement for SQLite, with PostgreSQL's division by zero."""
    return _generate(_checked_division(_rewrite(tree)))
