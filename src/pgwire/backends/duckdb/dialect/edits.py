"""Edits of a statement's text: (start, end, replacement) in character offsets."""

from __future__ import annotations

__all__ = ["Edit", "apply"]

Edit = tuple[int, int, str]


def apply(text: str, edits: list[Edit]) -> str:
    """`text` with `edits` made; they must not overlap (a pass edits each place once)."""
    out: list[str] = []
    at = 0
    for start, end, replacement in sorted(edits):
        if start < at:
            raise ValueError(f"overlapping edits at {start}")
        out.append(text[at:start])
        out.append(replacement)
        at = end
    out.append(text[at:])
    return "".join(out)
