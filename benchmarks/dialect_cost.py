"""The cost of the PostgreSQL-to-DuckDB layer per statement, in-process and single-threaded:
`dialect.translate` and `dialect.column_names`, uncached (a text seen for the first time, as
for statements with their values written inline) and cached (a text seen before: prepared
statements, ORMs, pools), over the statements of PostgreSQL's regression files.

    python -m benchmarks.dialect_cost [--files aggregates,join] [--reps 5]

Prints microseconds per statement (median of the repetitions) for: parsing alone (pglast's
JSON parse), the whole translation, the column names, both (a new text pays both, sharing
one parse), and each from the cache.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from pgwire.backends.duckdb import dialect
from pgwire.backends.duckdb.dialect import tree

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "regress" / "sql"


def statements(files: list[str] | None) -> list[str]:
    sys.path.insert(0, str(CORPUS.parent))
    import psqlscript  # type: ignore[import-not-found]  # the corpus's own splitter

    out: list[str] = []
    for path in sorted(CORPUS.glob("*.sql")):
        if files and path.stem not in files:
            continue
        items = psqlscript.split(path.read_text(encoding="utf-8"), str(CORPUS.parent))
        out.extend(item.text for item in items if item.kind == "sql")
    return out


def per_statement(fn: object, texts: list[str], reps: int, clear: object = None) -> float:
    """Median over `reps` of the mean microseconds of fn(text)."""
    runs = []
    for _ in range(reps):
        if callable(clear):
            clear()
        start = time.perf_counter()
        for text in texts:
            fn(text)  # type: ignore[operator]
        runs.append((time.perf_counter() - start) / len(texts) * 1e6)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", default="", help="comma-separated corpus files (default: all)")
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    texts = statements([f for f in args.files.split(",") if f] or None)[: dialect.CACHE_SIZE]
    schema = dialect.Schema()

    def clear() -> None:
        dialect._translated.clear()
        dialect._names.clear()
        tree.parse.cache_clear()

    def translate(text: str) -> None:
        dialect.translate(text, schema)

    def both(text: str) -> None:  # what a statement seen for the first time costs
        dialect.translate(text, schema)
        dialect.column_names(text)

    changed = sum(dialect.translate(text, schema).text != text for text in texts)
    rows = [
        ("parse only (pglast JSON)", per_statement(tree.parse, texts, args.reps)),
        ("translate, uncached", per_statement(translate, texts, args.reps, clear)),
        ("column names, uncached", per_statement(dialect.column_names, texts, args.reps, clear)),
        ("both, uncached", per_statement(both, texts, args.reps, clear)),
        ("translate, cached", per_statement(translate, texts, args.reps)),
        ("column names, cached", per_statement(dialect.column_names, texts, args.reps)),
    ]
    print(f"{len(texts)} statements, {changed} changed by the translation")
    for label, micros in rows:
        print(f"{label:28} {micros:8.1f} µs per statement")


if __name__ == "__main__":
    main()
