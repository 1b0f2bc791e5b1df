"""Split a PostgreSQL regression .sql file into the statements psql would send.

A small psql emulation, static (it never looks at a server), so that every server is sent
exactly the same list of statements:

- statements end at a ';' outside quotes ('...', E'...', "..."), dollar quotes ($tag$...$tag$),
  comments (-- and nested /* */) and parentheses, as psql's lexer does;
- '--' comments before a statement are dropped (psql does the same), others are kept;
- psql meta-commands (a backslash outside quotes, up to the end of the line) are not sent:
  \\set and \\getenv define variables, \\copy ... becomes the server-side COPY ... (same data
  path), every other one (\\pset, \\d, ...) is recorded as skipped;
- psql variables :name, :'name' are interpolated when defined; the text of :name is scanned
  again, so a ';' inside it ends a statement, as in psql;
- COPY ... FROM STDIN takes the lines that follow, up to a line '\\.', as its data; when the
  lines that follow are SQL instead (the regression files do that after a COPY they expect to
  fail), there is no data block;
- COPY t FROM '<abs_srcdir>/data/x.data' (the regression files' server-side COPY of their data
  files) becomes COPY t FROM STDIN with that file's contents, so a server on another machine,
  or one that cannot read files, gets the same rows.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

_IDENT_CHAR = re.compile(r"[A-Za-z0-9_$\x80-\U0010ffff]")
_WORD = re.compile(r"[A-Za-z_\x80-\U0010ffff][A-Za-z0-9_$\x80-\U0010ffff]*")
_SCS = re.compile(
    r"^\s*(?:set\s+(?:session\s+)?standard_conforming_strings\s*(?:=|to)\s*'?(\w+)'?"
    r"|(reset)\s+standard_conforming_strings)\s*$",
    re.I,
)
_DOLLAR = re.compile(r"\$([A-Za-z_\x80-\U0010ffff][A-Za-z0-9_\x80-\U0010ffff]*)?\$")
_VAR = re.compile(r":(['\"]?)([A-Za-z0-9_]+)\1")
_COPY_STDIN = re.compile(r"^\s*copy\b.*\bfrom\s+(stdin|stdout)\b", re.I | re.S)
_COPY_FILE = re.compile(r"^\s*copy\s+(.+?)\s+from\s+'([^']*)'(.*)$", re.I | re.S)
_SQL_LINE = re.compile(
    r"^\s*(--|\\[A-Za-z]{2,}|\\d\+?\s|(select|insert|update|delete|create|drop|alter|copy|begin|"
    r"commit|rollback|end|truncate|set|reset|with|values|explain|grant|revoke|vacuum|analyze|"
    r"prepare|execute|deallocate|declare|fetch|close|lock|comment|table|savepoint|release|start|"
    r"abort|show|do|listen|notify|discard|reindex|cluster|merge|call|checkpoint)\b)",
    re.I,
)


@dataclass
class Item:
    kind: str  # 'sql' or 'meta'
    text: str
    line: int
    copy_data: str | None = None  # for COPY ... FROM STDIN: the data block ('' = empty block)
    notes: list[str] = field(default_factory=list)


def _meta_args(s: str, variables: dict[str, str]) -> list[str]:
    """psql-style arguments of a meta-command: whitespace-separated, '...' quoted, :vars."""
    args: list[str] = []
    cur: list[str] = []
    have = False
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c.isspace():
            if have:
                args.append("".join(cur))
                cur, have = [], False
            i += 1
            continue
        have = True
        if c == "'":
            j = i + 1
            while j < n:
                if s[j] == "'" and j + 1 < n and s[j + 1] == "'":
                    cur.append("'")
                    j += 2
                    continue
                if s[j] == "'":
                    break
                cur.append(s[j])
                j += 1
            i = j + 1
            continue
        m = _VAR.match(s, i) if c == ":" else None
        if m and m.group(2) in variables:
            val = variables[m.group(2)]
            if m.group(1) == "'":
                val = "'" + val.replace("'", "''") + "'"
            elif m.group(1) == '"':
                val = '"' + val.replace('"', '""') + '"'
            cur.append(val)
            i = m.end()
            continue
        cur.append(c)
        i += 1
    if have:
        args.append("".join(cur))
    return args


def _copy_data_block(text: str, pos: int) -> tuple[str | None, int]:
    """After a COPY FROM STDIN ending at pos: (data, position after '\\.') or (None, pos)."""
    nl = text.find("\n", pos)
    if nl < 0:
        return None, pos
    start = nl + 1
    j = start
    lines: list[str] = []
    while j < len(text):
        e = text.find("\n", j)
        line = text[j:] if e < 0 else text[j:e]
        nxt = len(text) if e < 0 else e + 1
        if line.rstrip("\r") == "\\.":
            data = "".join(x + "\n" for x in lines)
            return data, nxt
        if _SQL_LINE.match(line):
            return None, pos
        lines.append(line)
        j = nxt
    return None, pos


def split(text: str, abs_srcdir: str, getenv: dict[str, str] | None = None) -> list[Item]:
    env = {"PG_ABS_SRCDIR": abs_srcdir, "PG_LIBDIR": "/nonexistent/lib", "PG_DLSUFFIX": ".so"}
    env.update(getenv or {})
    variables: dict[str, str] = {}
    items: list[Item] = []
    buf: list[str] = []
    has_content = False
    paren = 0
    begin_depth = 0  # psql: BEGIN ... END inside CREATE FUNCTION/PROCEDURE (BEGIN ATOMIC)
    words: list[str] = []  # the statement's first identifiers, lower-cased
    last_word = ""
    scs = True  # standard_conforming_strings, as psql tracks it
    start_line = 1
    no_subst_until = -1
    i = 0

    def lineno(pos: int) -> int:
        return text.count("\n", 0, pos) + 1

    def add(seg: str, word: str = "") -> None:
        nonlocal has_content, start_line, last_word
        last_word = word
        if not has_content and not seg.isspace():
            has_content = True
            start_line = lineno(i)
        buf.append(seg)

    def emit(end_pos: int) -> int:
        nonlocal buf, paren, has_content, begin_depth, words, scs
        sql = "".join(buf).strip()
        buf, paren, has_content, begin_depth, words = [], 0, False, 0, []
        if not sql:
            return end_pos
        m = _SCS.match(sql)
        if m:
            scs = bool(m.group(2)) or m.group(1).lower() in ("on", "true", "1", "yes")
        it = Item("sql", sql, start_line)
        items.append(it)
        m = _COPY_FILE.match(sql)
        if m and m.group(2).startswith(abs_srcdir):
            path = m.group(2)
            try:
                with open(path, encoding="utf-8") as f:
                    it.copy_data = f.read()
                it.text = f"COPY {m.group(1)} FROM STDIN{m.group(3)}"
                it.notes.append(
                    f"server-side COPY FROM {os.path.basename(path)} sent as FROM STDIN"
                )
            except OSError as e:
                it.notes.append(f"data file unreadable: {e}")
            return end_pos
        if _COPY_STDIN.match(_strip_comments(sql)):
            data, newpos = _copy_data_block(text, end_pos)
            if data is not None:
                it.copy_data = data
                return newpos
            it.notes.append("no data block follows (expected to fail)")
        return end_pos

    while i < len(text):
        c = text[i]
        if not has_content:
            if c.isspace():
                i += 1
                continue
            if text.startswith("--", i):  # psql drops comments before a statement
                j = text.find("\n", i)
                i = len(text) if j < 0 else j
                continue
            buf = []
        if text.startswith("--", i):
            j = text.find("\n", i)
            j = len(text) if j < 0 else j
            add(text[i:j])
            i = j
            continue
        if text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < len(text) and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            add(text[i:j])
            i = j
            continue
        if c == "'":
            uamp = len(buf) >= 2 and buf[-1] == "&" and buf[-2] in ("U", "u")  # U&'...': never
            esc = last_word in ("e", "E") or (not scs and not uamp)
            j = i + 1
            while j < len(text):
                if esc and text[j] == "\\":
                    j += 2
                    continue
                if text[j] == "'":
                    if j + 1 < len(text) and text[j + 1] == "'":
                        j += 2
                        continue
                    break
                j += 1
            add(text[i : j + 1])
            i = j + 1
            continue
        if c == '"':
            j = text.find('"', i + 1)
            while j >= 0 and j + 1 < len(text) and text[j + 1] == '"':
                j = text.find('"', j + 2)
            j = len(text) - 1 if j < 0 else j
            add(text[i : j + 1])
            i = j + 1
            continue
        if c == "$":
            prev = buf[-1][-1] if buf and buf[-1] else " "
            m = _DOLLAR.match(text, i)
            if m and not _IDENT_CHAR.match(prev):
                tag = m.group(0)
                j = text.find(tag, m.end())
                j = len(text) if j < 0 else j + len(tag)
                add(text[i:j])
                i = j
                continue
        if c == ":" and i >= no_subst_until:
            if text.startswith("::", i):
                add("::")
                i += 2
                continue
            m = _VAR.match(text, i)
            if m and m.group(2) in variables:
                val = variables[m.group(2)]
                if m.group(1) == "'":
                    add("'" + val.replace("'", "''") + "'")
                    i = m.end()
                    continue
                if m.group(1) == '"':
                    add('"' + val.replace('"', '""') + '"')
                    i = m.end()
                    continue
                # plain :name is scanned again (its ';' ends a statement, as in psql)
                text = text[:i] + val + text[m.end() :]
                no_subst_until = i + len(val)
                continue
        m = _WORD.match(text, i) if c.isalpha() or c == "_" or ord(c) > 127 else None
        if m and not (buf and buf[-1] and _IDENT_CHAR.match(buf[-1][-1])):
            w = m.group(0)
            lw = w.lower()
            if len(words) < 4:
                words.append(lw)
            if (
                words[:1] == ["create"]
                and paren == 0
                and (
                    words[1:2] in (["function"], ["procedure"])
                    or (
                        words[1:3] == ["or", "replace"]
                        and words[3:4] in (["function"], ["procedure"])
                    )
                )
            ):
                if lw == "begin" or (lw == "case" and begin_depth >= 1):
                    begin_depth += 1
                elif lw == "end" and begin_depth > 0:
                    begin_depth -= 1
            add(w, w)
            i = m.end()
            continue
        if c == "(":
            paren += 1
        elif c == ")":
            paren = max(0, paren - 1)
        elif c == ";" and paren == 0 and begin_depth == 0:
            i = emit(i + 1)
            continue
        elif c == "\\":
            j = text.find("\n", i)
            j = len(text) if j < 0 else j
            cmd = text[i:j].strip()
            name = cmd.split(None, 1)[0] if cmd else "\\"
            rest = cmd[len(name) :].strip()
            if name == "\\set":
                args = _meta_args(rest, variables)
                if args:
                    variables[args[0]] = "".join(args[1:])
                items.append(Item("meta", cmd, lineno(i), notes=["variable set"]))
            elif name == "\\getenv":
                args = _meta_args(rest, variables)
                if len(args) == 2:
                    variables[args[0]] = env.get(args[1], "")
                items.append(Item("meta", cmd, lineno(i), notes=["variable set"]))
            elif name == "\\copy" and not has_content:
                buf, has_content, start_line = ["COPY " + rest], True, lineno(i)
                j = emit(j)
                items[-1].notes.append("psql \\copy sent as server-side COPY")
            elif name in ("\\g", "\\gx", "\\gset", "\\gexec", "\\;"):
                items.append(
                    Item(
                        "meta",
                        cmd,
                        lineno(i),
                        notes=["sends the buffer: approximated by sending it"],
                    )
                )
                j = emit(j)
            else:
                items.append(Item("meta", cmd, lineno(i)))
            i = j
            continue
        add(c)
        i += 1
    if has_content:
        emit(len(text))
    return items


def _strip_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)


if __name__ == "__main__":
    import sys

    base = os.path.dirname(os.path.abspath(__file__))
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as f:
            its = split(f.read(), base)
        for k, it in enumerate(its):
            data = (
                ""
                if it.copy_data is None
                else f"  [copy data: {it.copy_data.count(chr(10))} lines]"
            )
            print(f"{k:4d} L{it.line:<5d} {it.kind:4s} {it.text[:110]!r}{data} {it.notes or ''}")
