"""Reading a pipelining client's next messages from frames already received."""

from __future__ import annotations

from pgwire.protocol import lookahead
from pgwire.protocol import messages as m


def frames(*messages: m.Message) -> list[tuple[bytes, bytes]]:
    out = []
    for message in messages:
        data = message.encode()
        out.append((data[:1], data[5:]))
    return out


def test_runs_alone_until_sync() -> None:
    assert lookahead.runs_alone(frames(m.Execute("", 0), m.Sync()), "")
    assert lookahead.runs_alone(frames(m.Describe("S", "s1"), m.Close("P", ""), m.Sync()), "")
    assert lookahead.runs_alone(frames(m.Describe("P", "p"), m.Flush(), m.Sync()), "p")


def test_another_statement_joins_it() -> None:
    assert not lookahead.runs_alone(frames(m.Bind("", "", [], [], []), m.Sync()), "")
    assert not lookahead.runs_alone(frames(m.Execute("other", 0), m.Sync()), "")
    assert not lookahead.runs_alone(frames(m.Query("select 1")), "")
    assert not lookahead.runs_alone(frames(m.Execute("", 0)), "")  # no Sync received yet


def test_bind_execute_runs_of_one_statement() -> None:
    bind = m.Bind("", "ins", [0], [b"1"], [])
    runs = lookahead.bind_execute_runs(
        frames(
            bind, m.Execute("", 0),
            bind, m.Describe("P", ""), m.Execute("", 0),
            m.Bind("", "other", [], [], []), m.Execute("", 0),
        ),
        "ins",
    )  # fmt: skip
    assert [(run.bind.params, run.described, run.frames) for run in runs] == [
        ([b"1"], False, 2),
        ([b"1"], True, 3),
    ]


def test_runs_stop_at_a_row_limit_or_a_named_portal() -> None:
    bind = m.Bind("", "ins", [], [], [])
    assert lookahead.bind_execute_runs(frames(bind, m.Execute("", 10)), "ins") == []
    named = m.Bind("p", "ins", [], [], [])
    assert lookahead.bind_execute_runs(frames(named, m.Execute("p", 0)), "ins") == []
    assert lookahead.bind_execute_runs(frames(bind), "ins") == []  # incomplete run
