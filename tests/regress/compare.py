#!/usr/bin/env python3
"""Compare two run.py result files statement by statement: PostgreSQL (first) against another.

    compare.py pg.jsonl other.jsonl [--md summary.md] [--diffs diffs.md] [--json counts.json]
               [--name NAME]
    (either file may be gzipped: a name ending in .gz)

Statements are matched by (file, idx). Outcomes:
  same          both ok with the same result: same rows in the same order when the statement's
                outermost query has ORDER BY, the same multiset otherwise; same column names;
                same affected-row count in the command tag; or both failed with SQLSTATEs of
                the same class (first two characters)
  diff          both ok, different result (the dangerous kind), split into:
                  values   rows differ (values or row count)
                  order    same rows, another order, under an ORDER BY (ties may explain some)
                  columns  same rows, other column names
                  tag      same rows, another affected-row count (INSERT 0 3 vs INSERT 0 2)
  err_other     ok on PostgreSQL, error (or timeout) on the other server
  err_pg        error on PostgreSQL, ok on the other server
  err_class     both failed, SQLSTATEs of different classes
Writes a markdown summary (per-file table, totals, causes of 'diff' with an example each, the
first 20 'diff' cases with both results); with --diffs, every 'diff' case; with --json, the
per-file figures (what tests/regress/thresholds.toml keeps).
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KINDS = ("same", "diff", "err_other", "err_pg", "err_class")

Key = tuple[str, int]  # (file, statement index)
Record = dict[str, Any]  # one line of run.py's output


def load(path: str) -> tuple[dict[Key, Record], dict[str, Any], list[str]]:
    stmts: dict[Key, Record] = {}
    meta: dict[str, Any] = collections.defaultdict(dict)
    order: list[str] = []
    with (
        gzip.open(path, "rt", encoding="utf-8")
        if path.endswith(".gz")
        else open(path, encoding="utf-8")
    ) as f:
        for line in f:
            r = json.loads(line)
            k = r.get("kind")
            if k == "stmt":
                stmts[(r["file"], r["idx"])] = r
            elif k == "run":
                meta["_run"] = r
            elif k in ("setup", "prep", "file_done", "file_failed"):
                meta[r["file"]][k] = r
                if k == "prep" and r["file"] not in order:
                    order.append(r["file"])
    return stmts, meta, order


# ---- ORDER BY at the outermost level -------------------------------------------------------
_STRIP = re.compile(
    r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|/\*.*?\*/|\$([A-Za-z_]*)\$.*?\$\1\$", re.S
)


def outer_text(sql: str) -> str:
    """The statement with strings/comments removed and parenthesised parts dropped."""
    s = _STRIP.sub(" ", sql)
    out, depth = [], 0
    for ch in s:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def is_ordered(sql: str) -> bool:
    t = outer_text(sql).lower()
    if re.match(r"\s*explain\b", t):
        return True
    if re.match(r"\s*copy\b", t):  # COPY (query) TO: the query is in parentheses
        inner = re.search(r"\((.*)\)", _STRIP.sub(" ", sql), re.S)
        return bool(inner and re.search(r"\border\s+by\b", outer_text(inner.group(1)).lower()))
    return bool(re.search(r"\border\s+by\b", t))


# ---- results -------------------------------------------------------------------------------
def _tag_count(tag: str) -> int | None:
    m = re.search(r"(\d+)\s*$", tag or "")
    return int(m.group(1)) if m else None


def compare_results(sql: str, a: list[Record], b: list[Record]) -> tuple[str, str]:
    """('same', '') or ('diff', subkind)."""
    if len(a) != len(b):
        return "diff", "values"
    ordered = is_ordered(sql)
    sub = ""
    for x, y in zip(a, b, strict=False):
        xr, yr = "columns" in x, "columns" in y
        if xr != yr:
            return "diff", "values"
        if not xr:
            cx, cy = _tag_count(x.get("tag", "")), _tag_count(y.get("tag", ""))
            if cx is not None and cy is not None and cx != cy:
                sub = sub or "tag"
            continue
        if x["nrows"] != y["nrows"] or len(x["columns"]) != len(y["columns"]):
            return "diff", "values"
        if x["mdigest"] != y["mdigest"]:
            return "diff", "values"
        if ordered and x["digest"] != y["digest"]:
            sub = "order"
            continue
        if x["columns"] != y["columns"] and not sub:
            sub = "columns"
    return ("diff", sub) if sub else ("same", "")


def classify(p: Record, o: Record | None) -> tuple[str, str]:
    if o is None:
        return "err_other", "not run"
    pok, ook = p["outcome"] == "ok", o["outcome"] == "ok"
    if pok and ook:
        return compare_results(p["sql"], p["results"], o["results"])
    if pok:
        return "err_other", o.get("sqlstate") or "?"
    if ook:
        return "err_pg", p.get("sqlstate") or "?"
    if (p.get("sqlstate") or "")[:2] == (o.get("sqlstate") or "")[:2]:
        return "same", ""
    return "err_class", f"{p.get('sqlstate')} vs {o.get('sqlstate')}"


# ---- causes of 'diff' ----------------------------------------------------------------------
_NUM = re.compile(
    r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$|^\s*[-+]?(Infinity|NaN|inf|nan)\s*$"
)
_PGDATE = re.compile(r"^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) [A-Z][a-z]{2} \d\d|^\d\d-\d\d-\d{4}")
_ISODATE = re.compile(r"^\d{4}-\d\d-\d\d")
_PGINTERVAL = re.compile(r"^@ |^-?\d+ (years?|mons?|days?)\b|^-?\d+:\d\d:\d\d")
TYPE_NAMES = {
    16: "bool",
    20: "int8",
    21: "int2",
    23: "int4",
    25: "text",
    700: "float4",
    701: "float8",
    1043: "varchar",
    1042: "bpchar",
    1700: "numeric",
    1082: "date",
    1083: "time",
    1114: "timestamp",
    1184: "timestamptz",
    1186: "interval",
    114: "json",
    3802: "jsonb",
    2950: "uuid",
    1560: "bit",
    1562: "varbit",
    17: "bytea",
    19: "name",
    26: "oid",
    1266: "timetz",
    1007: "int4[]",
    1009: "text[]",
    1016: "int8[]",
    1005: "int2[]",
    1021: "float4[]",
    1022: "float8[]",
    1231: "numeric[]",
    1000: "bool[]",
    2249: "record",
}


def _f(s: str) -> float:
    return float(s.replace("Infinity", "inf"))


def cell_cause(a: str | None, b: str | None) -> str:
    if a is None or b is None:
        return "NULL on one side, a value on the other"
    if a == b:
        return ""
    if _NUM.match(a) and _NUM.match(b):
        fa, fb = _f(a), _f(b)
        if fa == fb or (math.isnan(fa) and math.isnan(fb)):
            return "number text format (scale, trailing zeros, exponent)"
        if (
            re.fullmatch(r"\s*-?\d+\s*", a)
            and not re.fullmatch(r"\s*-?\d+\s*", b)
            and math.isfinite(fb)
            and abs(fb - fa) < 1
        ):
            return (
                "integer result in PostgreSQL, fractional in the other "
                "(integer division / rounding)"
            )
        if (
            re.fullmatch(r"\s*-?\d+\s*", a)
            and re.fullmatch(r"\s*-?\d+\s*", b)
            and abs(fa - fb) == 1
        ):
            return "integer rounding differs by one (round half / truncation)"
        if (
            fa
            and fb
            and math.isfinite(fa)
            and math.isfinite(fb)
            and abs(fa - fb) / max(abs(fa), abs(fb)) < 1e-5
        ):
            return "float precision (float4/float8 digits, last-digit rounding)"
        return "different number"
    if {a, b} <= {"t", "f", "true", "false"}:
        return "boolean text (t/f vs true/false)"
    if _PGDATE.match(a) and (_ISODATE.match(b) or not _PGDATE.match(b)):
        return "date/time text format (DateStyle 'Postgres, MDY' not applied)"
    if _PGINTERVAL.match(a) and not _PGINTERVAL.match(b):
        return "interval text format"
    if _PGINTERVAL.match(a) and _PGINTERVAL.match(b):
        return "interval value or format differs"
    if _ISODATE.match(a) and _ISODATE.match(b):
        return "date/time value differs (time zone, rounding, range)"
    if a.rstrip() == b.rstrip():
        return "trailing blanks (char(n) padding)"
    if a.strip() == b.strip():
        return "leading/trailing whitespace"
    if a.lower() == b.lower():
        return "letter case"
    try:
        if json.loads(a) == json.loads(b):
            return "JSON text formatting (spaces, key order, number format)"
        return "JSON value differs"
    except Exception:
        pass
    if a.startswith("{") and b.startswith("["):
        return "array text format ({...} vs [...])"
    if a.startswith("{") or b.startswith("{") or a.startswith("[") or b.startswith("["):
        return "array/composite value or format differs"
    if a.startswith("(") or b.startswith("("):
        return "row/composite text format"
    return "other text differs"


def _first_cells(p: Record, o: Record) -> tuple[str | None, str | None, int | None] | None:
    """(pg cell, other cell, pg type oid) of the first differing cell, or None."""
    for x, y in zip(p["results"], o["results"], strict=False):
        if "columns" not in x or "columns" not in y:
            continue
        xr, yr = x.get("rows") or [], y.get("rows") or []
        if not is_ordered(p["sql"]):
            cx = collections.Counter(json.dumps(r) for r in xr)
            cy = collections.Counter(json.dumps(r) for r in yr)
            xr = [json.loads(r) for r in sorted((cx - cy).elements())]
            yr = [json.loads(r) for r in sorted((cy - cx).elements())]
        for r1, r2 in zip(xr, yr, strict=False):
            for ci, (a, b) in enumerate(zip(r1, r2, strict=False)):
                if a != b:
                    t = (
                        x.get("types", [None] * (ci + 1))[ci]
                        if ci < len(x.get("types", []))
                        else None
                    )
                    return a, b, t
    return None


_DATETIME = {1082, 1083, 1114, 1184, 1186, 1266}
_RULES = [  # (cause, regex on the statement) checked before the cell rules
    (
        "format(): PostgreSQL's %s/%I/%L placeholders not expanded (DuckDB's format is fmt-style)",
        r"\bformat\s*\(",
    ),
    (
        "catalog emulation (pg_class, pg_attribute, pg_stats, pg_get_viewdef, relation sizes)",
        r"\b(pg_class|pg_attribute|pg_stats|pg_get_viewdef|pg_relation_size|pg_size_pretty)\b",
    ),
    ("type names (pg_typeof: varchar for text, double[] for double precision[])", r"\bpg_typeof\b"),
    ("sequences: nextval() runs for rows that LIMIT then drops", r"\b(nextval|currval|setval)\b"),
]
_FUNCS = (
    r"\b(regexp_matches|regexp_split_to_array|split_part|string_to_array|array_to_string|to_hex|sha256|"
    r"decode|encode|string_agg|similar\s+to|any|all|pg_sleep|percentile_cont|var_pop|var_samp|stddev_pop|"
    r"stddev_samp)\b"
)


def diff_causes(p: Record, o: Record, sub: str) -> list[str]:
    """The main cause of a 'diff', by rules on the statement and its first differing value."""
    if sub == "columns":
        for x, y in zip(p["results"], o["results"], strict=False):
            pairs = [
                (c1, c2)
                for c1, c2 in zip(x.get("columns", []), y.get("columns", []), strict=False)
                if c1 != c2
            ]
            if pairs and all(c1 == c2.lower() for c1, c2 in pairs):
                return ["unquoted alias keeps its case (PostgreSQL folds AS True to true)"]
            if pairs:
                return [
                    "column names (PostgreSQL's rules: ?column?, count, date, column1; DuckDB: the "
                    "expression's text, col0, q1_1)"
                ]
        return ["column names"]
    if sub == "downstream":
        return [
            "downstream: reads a table that an earlier statement of the file changed differently"
        ]
    sql = p["sql"]
    low = _STRIP.sub(" ", sql).lower()  # keywords outside string literals and comments
    if sub == "order":
        for x, y in zip(p["results"], o["results"], strict=False):
            xr, yr = x.get("rows"), y.get("rows")
            if xr and yr and xr != yr:
                xn = [i for i, r in enumerate(xr) if any(v is None for v in r)]
                yn = [i for i, r in enumerate(yr) if any(v is None for v in r)]
                if xn != yn:
                    return ["NULL ordering (PostgreSQL: NULLs sort as largest, first under DESC)"]
        return ["row order among ties"]
    for cause, rx in _RULES:
        if re.search(rx, low):
            return [cause]
    if re.search(r"\b(array_agg|string_agg)\s*\(\s*distinct\b", low):
        return ["DISTINCT inside an aggregate: order and char(n) blanks"]
    if re.search(r"\bgenerate_series\b", outer_text(low).split(" from ")[0]) and re.match(
        r"\s*(select|create)", low
    ):
        return ["set-returning function in the select list (DuckDB returns one list, not rows)"]
    cell = _first_cells(p, o)
    if sub == "tag":
        if "/" in sql:
            return ["integer division ('/' on integers is fractional in DuckDB)"]
        return ["affected-row count in the command tag"]
    if cell is None:
        if re.search(r"[\w)]\s*/\s*\d+\b", low):
            return ["integer division ('/' on integers is fractional in DuckDB)"]
        if len(p["results"]) != len(o["results"]):
            return ["number of results differs"]
        return ["row count differs"]
    a, b, t = cell
    if a is not None and b is not None and _NUM.match(a) and _NUM.match(b):
        fa, fb = _f(a), _f(b)
        if (
            re.fullmatch(r"-?\d+", a)
            and not re.fullmatch(r"-?\d+", b)
            and "/" in sql
            and t in (20, 21, 23, None)
        ):
            return ["integer division ('/' on integers is fractional in DuckDB)"]
        if t == 1700 or (t is None and re.search(r"numeric|decimal|\d\.\d", low)):
            if fa == fb:
                return [
                    "numeric scale in the text (DuckDB DECIMAL's fixed scale: 42.000, 2.0; "
                    "PostgreSQL's display scale: 1.0000000000000000)"
                ]
            return [
                "numeric precision (DuckDB: DECIMAL(18,3) by default, max 38 digits, double for "
                "division/power/exp/ln/sqrt)"
            ]
        if a in ("NaN", "Infinity", "-Infinity") or b in ("NaN", "Infinity", "-Infinity"):
            return ["float NaN and Infinity (var_pop('inf') = 0, ...)"]
        if t == 700:
            return ["float4 computed or returned as float8 (more digits)"]
        if re.search(r"numeric|decimal|\d\.\d", low):
            if fa == fb:
                return [
                    "numeric scale in the text (DuckDB DECIMAL's fixed scale: 42.000, 2.0; "
                    "PostgreSQL's display scale: 1.0000000000000000)"
                ]
            return [
                "numeric precision (DuckDB: DECIMAL(18,3) by default, max 38 digits, double for "
                "division/power/exp/ln/sqrt)"
            ]
        if re.search(r"\bover\s*\(|\bover\s+\w+\s*($|[,)])|\bwindow\b", low):
            return ["window functions (frames, peers, EXCLUDE, RANGE offsets)"]
        if fa == fb:
            return ["number text format"]
        if t in (700, 701) and fa and fb and abs(fa - fb) / max(abs(fa), abs(fb)) < 1e-5:
            return ["float precision"]
    if t in _DATETIME or re.search(
        r"\b(date|time|timestamp|timestamptz|interval)\b|date_trunc|extract|date_part|make_date|make_timestamp",
        low,
    ):
        return [
            "date/time: input parsing and special values (2-digit years, infinity, BC, rounding, "
            "date_trunc century, extract precision)"
        ]
    if a is not None and b is not None and a.rstrip() == b.rstrip():
        return ["char(n) blank padding (DuckDB keeps/drops trailing blanks unlike bpchar)"]
    if a is not None and b is not None and a.startswith("(") and b.startswith("{"):
        return ["row/composite values as text: (1,2) vs DuckDB struct {'f': 1} / list {1,2}"]
    if t in (114, 3802) or "json" in low:
        return ["JSON functions: output formatting and semantics"]
    if re.search(r"\bover\s*\(|\bover\s+\w+\s*($|[,)])|\bwindow\b", low):
        return ["window functions (frames, peers, EXCLUDE, RANGE offsets)"]
    if re.search(r"e'|::bytea|\\x|\"char\"", sql.lower()):
        return ["string escapes and bytea/\"char\" text (E'\\u0061', '\\x..' input, bytea output)"]
    if re.search(_FUNCS, low):
        return [
            "same-named function, different semantics (regexp_matches, split_part, "
            "string_to_array, to_hex, sha256, SIMILAR TO, var_pop, ...)"
        ]
    if a is None or b is None:
        return ["NULL on one side, a value on the other"]
    if re.search(r"\bunion\b|\bvalues\b|\barray\[", low):
        return ["type resolution of UNION / VALUES / ARRAY (int with numeric, text with char)"]
    return ["other"]


# ---- statements that change a table, and the tables a statement reads ----------------------
_NAME = r'((?:"[^"]+"|[\w$]+)(?:\.(?:"[^"]+"|[\w$]+))?)'
_WRITES = [
    re.compile(p, re.I | re.S)
    for p in (
        r"^\s*(?:with\b.*?\)\s*)?insert\s+into\s+" + _NAME,
        r"^\s*(?:with\b.*?\)\s*)?update\s+(?:only\s+)?" + _NAME,
        r"^\s*(?:with\b.*?\)\s*)?delete\s+from\s+(?:only\s+)?" + _NAME,
        r"^\s*copy\s+" + _NAME + r"(?=[^;]*\bfrom\b)",
        r"^\s*merge\s+into\s+" + _NAME,
        r"^\s*truncate\s+(?:table\s+)?(?:only\s+)?" + _NAME,
        r"^\s*alter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?" + _NAME,
        r"^\s*create\s+(?:(?:global|local)\s+)?(?:temp|temporary|unlogged)?\s*table\s+(?:if\s+not\s+exists\s+)?"
        + _NAME,
        r"^\s*create\s+(?:or\s+replace\s+)?(?:temp|temporary)?\s*(?:recursive\s+)?(?:materialized\s+)?view\s+"
        + _NAME,
        r"^\s*create\s+(?:or\s+replace\s+)?(?:function|procedure|aggregate)\s+" + _NAME,
        r"^\s*create\s+sequence\s+(?:if\s+not\s+exists\s+)?" + _NAME,
        r"^\s*select\s+(?:setval|nextval)\s*\(\s*'([^']+)'",
        r"^\s*drop\s+(?:table|view|function|sequence)\s+(?:if\s+exists\s+)?" + _NAME,
    )
]


def write_target(sql: str) -> str | None:
    for rx in _WRITES:
        m = rx.search(sql)
        if m:
            return m.group(1).split(".")[-1].strip('"').lower()
    return None


def words(sql: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z_][\w$]*", _STRIP.sub(" ", sql))}


# ---- output --------------------------------------------------------------------------------
def short(v: object, n: int = 300) -> str:
    s = json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v
    return s if len(s) <= n else s[: n - 3] + "..."


def show_result(r: Record, n: int = 400) -> str:
    if r["outcome"] != "ok":
        return f"ERROR {r.get('sqlstate')}: {r.get('message')}"
    parts = []
    for x in r["results"]:
        if "columns" in x:
            rows = x.get("rows", x.get("rows_head"))
            parts.append(
                f"{x['columns']} {x['nrows']} rows: {json.dumps(rows, ensure_ascii=False)}"
            )
        else:
            parts.append(x.get("tag", ""))
    return short(" | ".join(parts), n)


Diff = tuple[Key, str, list[str], Record, Record]


@dataclass
class Comparison:
    """Every statement of the PostgreSQL run classified against the other run."""

    pg_path: str
    other_path: str
    pg_meta: dict[str, Any]
    other_meta: dict[str, Any]
    files: list[str]
    per_file: dict[str, collections.Counter[str]]
    subs: collections.Counter[str] = field(default_factory=collections.Counter)
    causes: collections.Counter[str] = field(default_factory=collections.Counter)
    cause_ex: dict[str, tuple[Key, Record, Record]] = field(default_factory=dict)
    err_other_states: collections.Counter[str] = field(default_factory=collections.Counter)
    err_other_ex: dict[str, tuple[Key, str, str | None]] = field(default_factory=dict)
    err_pg_states: collections.Counter[str] = field(default_factory=collections.Counter)
    diffs: list[Diff] = field(default_factory=list)

    def total(self) -> collections.Counter[str]:
        tot: collections.Counter[str] = collections.Counter()
        for c in self.per_file.values():
            tot.update(c)
        return tot

    def setup_errors(self, file: str) -> int:
        return len(self.other_meta.get(file, {}).get("setup", {}).get("errors", {}))

    def counts(self) -> dict[str, dict[str, int]]:
        """Per file and in total: the figures thresholds are kept on, and the others."""
        keys = COUNT_KEYS
        out = {f: {k: self.per_file[f][k] for k in keys} for f in self.files}
        tot = self.total()
        out["total"] = {k: tot[k] for k in keys}
        return out


# The per-file figures: n = statements; diff_data counts downstream ones too.
COUNT_KEYS = (
    "n",
    "same",
    "diff_data",
    "diff_downstream",
    "diff_names",
    "err_other",
    "err_pg",
    "err_class",
)


def compare(pg_path: str, other_path: str) -> Comparison:
    P, pmeta, order = load(pg_path)
    OTHER, ometa, _ = load(other_path)
    files = order + sorted({f for f, _ in P} - set(order))
    cmp = Comparison(
        pg_path, other_path, pmeta, ometa, files, {f: collections.Counter() for f in files}
    )
    per = cmp.per_file
    tainted: dict[str, set[str]] = collections.defaultdict(set)
    for f in files:  # fixtures the other server could not build
        for e in ometa.get(f, {}).get("setup", {}).get("errors", {}).values():
            t = write_target(e.get("sql", ""))
            if t:
                tainted[f].add(t)
    for key in sorted(P, key=lambda k: (files.index(k[0]), k[1])):
        p, o = P[key], OTHER.get(key)
        if o is not None and o["sql"] != p["sql"]:
            print(f"warning: statement text differs at {key}", file=sys.stderr)
        kind, sub = classify(p, o)
        if kind == "diff" and sub != "columns" and tainted[key[0]] & words(p["sql"]):
            # reads a table an earlier statement changed differently: not a cause of its own
            per[key[0]]["diff_downstream"] += 1
            sub = "downstream"
        if kind != "same":
            t = write_target(p["sql"])
            if t:
                tainted[key[0]].add(t)
        per[key[0]][kind] += 1
        per[key[0]]["n"] += 1
        if kind == "err_other":
            cmp.err_other_states[sub] += 1
            cmp.err_other_ex.setdefault(sub, (key, p["sql"], (o or {}).get("message")))
        if kind == "err_pg":
            cmp.err_pg_states[sub] += 1
        if kind == "diff":
            assert o is not None
            per[key[0]]["diff_names" if sub == "columns" else "diff_data"] += 1
            cmp.subs[sub] += 1
            cs = diff_causes(p, o, sub)
            for c in cs:
                cmp.causes[c] += 1
                cmp.cause_ex.setdefault(c, (key, p, o))
            cmp.diffs.append((key, sub, cs, p, o))
    return cmp


def _pct(part: int, whole: int, digits: int = 1) -> str:
    return f"{100 * part / whole:.{digits}f}%" if whole else "-"


def summary_markdown(cmp: Comparison, name: str) -> str:
    L: list[str] = []
    run_p, run_o = cmp.pg_meta.get("_run", {}), cmp.other_meta.get("_run", {})
    L.append(f"# PostgreSQL regression SQL: PostgreSQL 15 vs {name}\n")
    L.append(f"- PostgreSQL results: `{cmp.pg_path}` (started {run_p.get('started')})")
    L.append(
        f"- {name} results: `{cmp.other_path}` (started {run_o.get('started')}; server per "
        f"file: `{run_o.get('server_cmd')}`)"
    )
    L.append(
        f"- fixtures: test_setup.sql before each file ({run_p.get('fixture', '?')}); "
        f"statement timeout {run_p.get('timeout', '?')} s\n"
    )
    L.append(
        "Columns: **same** = same rows (ordered under ORDER BY, else as a multiset), column "
        "names and affected-row count, or both failed with the same SQLSTATE class; **diff: "
        "data** = both ok, different result (the dangerous kind), *of which downstream* = only "
        "reading a table an earlier statement already changed differently; **err other** = "
        f"error only on the {name}; **err PG** = error only on PostgreSQL; **err class** = both "
        "failed, other SQLSTATE class. *setup errors* = test_setup statements that failed "
        f"before the file on the {name} (PostgreSQL: 0).\n"
    )
    L.append(
        "| file | statements | same | diff: data | of which downstream | diff: names only "
        "| err other | err PG | err class | same % | setup errors |"
    )
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for f in cmp.files:
        c = cmp.per_file[f]
        se = cmp.setup_errors(f) if f != "test_setup" else "-"
        L.append(
            f"| {f} | {c['n']} | {c['same']} | {c['diff_data']} | {c['diff_downstream']} "
            f"| {c['diff_names']} | {c['err_other']} | {c['err_pg']} | {c['err_class']} "
            f"| {_pct(c['same'], c['n'], 0)} | {se} |"
        )
    tot = cmp.total()
    cells = [tot[k] for k in COUNT_KEYS] + [_pct(tot["same"], tot["n"])]
    L.append("| **total** | " + " | ".join(f"**{x}**" for x in cells) + " | |")
    L.append("")
    n = tot["n"]
    L.append(
        f"Same outcome: {tot['same']} of {n} ({_pct(tot['same'], n)}); counting statements "
        f"whose only difference is a column name as same: {tot['same'] + tot['diff_names']} "
        f"({_pct(tot['same'] + tot['diff_names'], n)}). Both ok but different data: "
        f"{tot['diff_data']} ({_pct(tot['diff_data'], n)}), of which {tot['diff_downstream']} "
        "only read a table that an earlier statement had already changed differently "
        "(downstream).\n"
    )
    L.append("'diff' by kind: " + ", ".join(f"{k}: {v}" for k, v in cmp.subs.most_common()) + "\n")

    L.append(
        "## Causes of 'diff' (one per statement, by rules on the statement and its first "
        "differing value)\n"
    )
    L.append("| cause | statements | example (file:idx) | PostgreSQL | other |")
    L.append("|---|---:|---|---|---|")
    for cause, k in cmp.causes.most_common(25):
        key, p, o = cmp.cause_ex[cause]
        L.append(
            f"| {cause} | {k} | {key[0]}:{key[1]} `{short(p['sql'], 90)}` "
            f"| {short(show_result(p, 140), 140)} | {short(show_result(o, 140), 140)} |".replace(
                "\n", " "
            )
        )
    L.append("")
    L.append(f"## Errors only on the {name}, by SQLSTATE\n")
    L.append("| SQLSTATE | statements | first example | message |")
    L.append("|---|---:|---|---|")
    for s, k in cmp.err_other_states.most_common(15):
        key, sql, msg = cmp.err_other_ex[s]
        L.append(
            f"| {s} | {k} | {key[0]}:{key[1]} `{short(sql, 80)}` "
            f"| {short(msg or '', 120)} |".replace("\n", " ")
        )
    L.append("")
    L.append(
        "Errors only on PostgreSQL, by PostgreSQL's SQLSTATE: "
        + ", ".join(f"{s}: {k}" for s, k in cmp.err_pg_states.most_common(12))
        + "\n"
    )

    L.append("## The first 20 'both ok, different data' cases\n")
    L.append(
        "In file order, at most two per cause, leaving out those whose only difference is a "
        "column name and the downstream ones (every case, of every kind, in file order: "
        "diffs.md).\n"
    )
    shown: list[Diff] = []
    per_cause: collections.Counter[str] = collections.Counter()
    for d in cmp.diffs:
        if d[1] in ("columns", "downstream") or per_cause[d[2][0]] >= 2:
            continue
        per_cause[d[2][0]] += 1
        shown.append(d)
    for key, sub, cs, p, o in shown[:20]:
        L.append(f"### {key[0]}:{key[1]} (line {p['line']}) [{sub}] {'; '.join(cs)}\n")
        L.append("```sql\n" + short(p["sql"], 600) + "\n```")
        L.append(f"- PostgreSQL: `{show_result(p, 600)}`".replace("\n", " "))
        L.append(f"- {name}: `{show_result(o, 600)}`\n".replace("\n", " "))
    return "\n".join(L) + "\n"


def diffs_markdown(cmp: Comparison, name: str) -> str:
    L = [f"# Every 'both ok, different data' case ({len(cmp.diffs)})\n"]
    for key, sub, cs, p, o in cmp.diffs:
        L.append(f"## {key[0]}:{key[1]} (line {p['line']}) [{sub}] {'; '.join(cs)}\n")
        L.append("```sql\n" + short(p["sql"], 1500) + "\n```")
        L.append(f"- PostgreSQL: `{show_result(p, 1500)}`".replace("\n", " "))
        L.append(f"- {name}: `{show_result(o, 1500)}`\n".replace("\n", " "))
    return "\n".join(L) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("pg")
    ap.add_argument("other")
    ap.add_argument("--md", default=None, help="write the summary here (default: stdout)")
    ap.add_argument("--diffs", default=None, help="write every 'diff' case here")
    ap.add_argument("--json", default=None, help="write the per-file figures here (counts)")
    ap.add_argument("--name", default="DuckDB server")
    a = ap.parse_args()
    cmp = compare(a.pg, a.other)
    md = summary_markdown(cmp, a.name)
    if a.md:
        Path(a.md).write_text(md, encoding="utf-8")
    else:
        sys.stdout.write(md)
    if a.diffs:
        Path(a.diffs).write_text(diffs_markdown(cmp, a.name), encoding="utf-8")
    if a.json:
        Path(a.json).write_text(json.dumps(cmp.counts(), indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
