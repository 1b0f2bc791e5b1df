#!/usr/bin/env python3
"""The regression corpus's thresholds: what a run must reach, kept in thresholds.toml.

    thresholds.py --check RESULTS     exit 1, listing why, when the run misses a threshold
    thresholds.py --update RESULTS    write the run's figures into thresholds.toml

RESULTS is a results directory (its counts.json) or a counts.json file, as written by
`compare.py --json` and by tests/regress/test_corpus.py.

Per file and in total, two figures are kept: the least number of statements answered the
same as PostgreSQL 15 (`same`), and the most that succeed on both sides with different data,
not counting the downstream ones (`diff_data`). Thresholds only ever get stricter: --update
keeps, for each figure, the better of the file's value and the run's (--reset takes the run's
as they are). A run that beats a threshold by more than `slack` statements fails too, so the
numbers stay current: raise them with --update.
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
THRESHOLDS = HERE / "thresholds.toml"
DEFAULT_SLACK = 5
TOTAL = "total"
UPDATE_HINT = "python tests/regress/thresholds.py --update RESULTS"

Counts = dict[str, dict[str, int]]  # file (and "total") -> figure -> count, from compare.py


@dataclass(frozen=True)
class Limit:
    same: int  # at least this many statements answered the same
    diff_data: int  # at most this many both-ok, different-data statements (downstream excluded)


@dataclass(frozen=True)
class Thresholds:
    slack: int
    limits: dict[str, Limit]  # per file, and "total"


def own_diff_data(figures: dict[str, int]) -> int:
    """Both ok, different data, minus those only reading a table changed differently earlier."""
    return figures["diff_data"] - figures["diff_downstream"]


def read_counts(results: Path) -> Counts:
    path = results / "counts.json" if results.is_dir() else results
    counts: Counts = json.loads(path.read_text(encoding="utf-8"))
    return counts


def load(path: Path = THRESHOLDS) -> Thresholds:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    limits = {
        name: Limit(same=int(v["same"]), diff_data=int(v["diff_data"]))
        for name, v in data["files"].items()
    }
    limits[TOTAL] = Limit(same=int(data[TOTAL]["same"]), diff_data=int(data[TOTAL]["diff_data"]))
    return Thresholds(slack=int(data.get("slack", DEFAULT_SLACK)), limits=limits)


def check(counts: Counts, thresholds: Thresholds) -> list[str]:
    """Every way the run misses its thresholds, or beats them by more than the slack."""
    problems: list[str] = []
    files = [f for f in counts if f != TOTAL]
    for name in sorted(set(thresholds.limits) - set(counts)):
        problems.append(f"{name}: has thresholds but was not run")
    for name in [*files, TOTAL]:
        limit = thresholds.limits.get(name)
        if limit is None:
            problems.append(f"{name}: no thresholds; add them with `{UPDATE_HINT}`")
            continue
        same, diff = counts[name]["same"], own_diff_data(counts[name])
        if same < limit.same:
            problems.append(f"{name}: same {same} fell below its threshold {limit.same}")
        if diff > limit.diff_data:
            problems.append(f"{name}: diff data {diff} rose above its threshold {limit.diff_data}")
        if name == TOTAL:
            continue  # the per-file checks below already ask for an update
        if same > limit.same + thresholds.slack:
            problems.append(
                f"{name}: same {same} exceeds its threshold {limit.same} by more than "
                f"{thresholds.slack}: raise the thresholds with `{UPDATE_HINT}`"
            )
        if diff < limit.diff_data - thresholds.slack:
            problems.append(
                f"{name}: diff data {diff} is below its threshold {limit.diff_data} by more "
                f"than {thresholds.slack}: lower the thresholds with `{UPDATE_HINT}`"
            )
    return problems


def updated(counts: Counts, old: Thresholds | None, reset: bool = False) -> Thresholds:
    """The run's figures as thresholds; without reset, never looser than the old ones."""
    limits: dict[str, Limit] = {}
    for name, figures in counts.items():
        new = Limit(same=figures["same"], diff_data=own_diff_data(figures))
        prev = None if old is None or reset else old.limits.get(name)
        if prev is not None:
            new = Limit(same=max(new.same, prev.same), diff_data=min(new.diff_data, prev.diff_data))
        limits[name] = new
    return Thresholds(slack=old.slack if old else DEFAULT_SLACK, limits=limits)


def render(thresholds: Thresholds, counts: Counts) -> str:
    lines = [
        "# PostgreSQL's regression SQL on the DuckDB backend: the figures a run must reach",
        "# (tests/regress/test_corpus.py). same: at least this many statements answered as",
        "# PostgreSQL 15 answers them; diff_data: at most this many that succeed on both sides",
        "# with different data (downstream ones excluded). Written by",
        f"# `{UPDATE_HINT}`; see docs/regress.md.",
        "",
        "# a run beating a file's figure by more than this many statements fails: update then",
        f"slack = {thresholds.slack}",
        "",
    ]
    total = thresholds.limits[TOTAL]
    lines += [
        f"# {counts[TOTAL]['n']} statements",
        f"[{TOTAL}]",
        f"same = {total.same}",
        f"diff_data = {total.diff_data}",
        "",
    ]
    for name, limit in thresholds.limits.items():
        if name == TOTAL:
            continue
        lines += [
            f"[files.{name}]  # {counts[name]['n']} statements",
            f"same = {limit.same}",
            f"diff_data = {limit.diff_data}",
            "",
        ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", metavar="RESULTS", type=Path)
    mode.add_argument("--update", metavar="RESULTS", type=Path)
    ap.add_argument("--reset", action="store_true", help="with --update: take the run's figures")
    ap.add_argument("--file", type=Path, default=THRESHOLDS, help="default: %(default)s")
    a = ap.parse_args()
    old = load(a.file) if a.file.exists() else None
    if a.check:
        if old is None:
            sys.exit(f"{a.file} does not exist")
        problems = check(read_counts(a.check), old)
        for p in problems:
            print(p)
        sys.exit(1 if problems else 0)
    counts = read_counts(a.update)
    a.file.write_text(render(updated(counts, old, a.reset), counts), encoding="utf-8")
    print(f"wrote {a.file}")


if __name__ == "__main__":
    main()
