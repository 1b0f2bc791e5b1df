"""thresholds.py: when a run passes, fails, or asks for its thresholds to be raised."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.regress import thresholds
from tests.regress.thresholds import TOTAL, Limit, Thresholds

HERE = Path(__file__).resolve().parent


def _figures(same: int, diff_data: int, downstream: int = 0, n: int = 100) -> dict[str, int]:
    return {
        "n": n,
        "same": same,
        "diff_data": diff_data + downstream,
        "diff_downstream": downstream,
    }


def _run(same: int, diff_data: int, downstream: int = 0) -> thresholds.Counts:
    return {
        "a": _figures(same, diff_data, downstream),
        TOTAL: _figures(same, diff_data, downstream),
    }


LIMITS = Thresholds(slack=5, limits={"a": Limit(50, 10), TOTAL: Limit(50, 10)})


def test_a_run_at_its_thresholds_passes() -> None:
    assert thresholds.check(_run(50, 10), LIMITS) == []
    assert thresholds.check(_run(55, 5), LIMITS) == []  # within the slack


def test_downstream_differences_are_not_counted() -> None:
    assert thresholds.check(_run(50, 10, downstream=30), LIMITS) == []


def test_falling_below_or_rising_above_fails() -> None:
    problems = thresholds.check(_run(49, 11), LIMITS)
    assert "a: same 49 fell below its threshold 50" in problems
    assert "a: diff data 11 rose above its threshold 10" in problems
    assert "total: same 49 fell below its threshold 50" in problems


def test_beating_a_threshold_by_more_than_the_slack_asks_for_an_update() -> None:
    problems = thresholds.check(_run(56, 4), LIMITS)
    assert len(problems) == 2
    assert all("--update" in p for p in problems)


def test_files_without_thresholds_or_without_a_run_fail() -> None:
    run = _run(50, 10)
    run["b"] = _figures(1, 0)
    problems = thresholds.check(run, LIMITS)
    assert problems == [f"b: no thresholds; add them with `{thresholds.UPDATE_HINT}`"]
    del run["a"], run["b"]
    assert thresholds.check(run, LIMITS) == ["a: has thresholds but was not run"]


def test_update_only_tightens_unless_reset() -> None:
    worse = thresholds.updated(_run(40, 20), LIMITS)
    assert worse.limits["a"] == Limit(50, 10)
    better = thresholds.updated(_run(60, 2), LIMITS)
    assert better.limits["a"] == Limit(60, 2)
    assert thresholds.updated(_run(40, 20), LIMITS, reset=True).limits["a"] == Limit(40, 20)


def test_update_writes_a_file_that_reads_back(tmp_path: Path) -> None:
    counts = tmp_path / "counts.json"
    counts.write_text(json.dumps(_run(42, 3, downstream=2)))
    target = tmp_path / "thresholds.toml"
    cmd = [sys.executable, str(HERE / "thresholds.py"), "--file", str(target)]
    subprocess.run([*cmd, "--update", str(tmp_path)], check=True, capture_output=True)
    assert thresholds.load(target).limits == {"a": Limit(42, 3), TOTAL: Limit(42, 3)}
    ok = subprocess.run([*cmd, "--check", str(counts)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout
    counts.write_text(json.dumps(_run(41, 3)))
    bad = subprocess.run([*cmd, "--check", str(counts)], capture_output=True, text=True)
    assert bad.returncode == 1
    assert "a: same 41 fell below its threshold 42" in bad.stdout


def test_the_checked_in_thresholds_cover_every_file_of_the_corpus() -> None:
    limits = thresholds.load().limits
    assert set(limits) == {p.stem for p in (HERE / "sql").glob("*.sql")} | {TOTAL}
    assert limits[TOTAL].same <= sum(v.same for k, v in limits.items() if k != TOTAL)
