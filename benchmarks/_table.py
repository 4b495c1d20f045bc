"""Render the rows as one table: Markdown (pasteable into the docs) or a Rich table."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from benchmarks._harness import Row

HEADERS = (
    "benchmark",
    "callwarden",
    "peer",
    "peer figure",
    "ratio",
    "target",
    "pass",
    "peak RSS (cw / peer)",
    "notes",
)


def cells(row: Row) -> list[str]:
    """The text of each column of a row."""
    ratio = "-"
    if row.ratio is not None:
        ratio = f"{row.ratio:,.1f}×" if row.ratio >= 1 else f"{row.ratio:.2g}×"
    verdict = {True: "PASS", False: "FAIL", None: "-"}[row.passed]
    return [
        row.benchmark,
        row.figure,
        row.peer,
        row.peer_figure,
        ratio,
        row.target,
        verdict,
        row.peak,
        row.note,
    ]


def markdown(rows: Sequence[Row], title: str) -> str:
    """A GitHub-flavoured Markdown table with a title line."""
    lines = [title, "", "| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    for row in rows:
        text = [c.replace("|", "/") for c in cells(row)]
        lines.append("| " + " | ".join(text) + " |")
    return "\n".join(lines) + "\n"


def render(rows: Sequence[Row], title: str, style: str) -> None:
    """Print the table to stdout: ``markdown``, ``rich``, or ``auto`` (Rich on a terminal)."""
    if style == "rich" or (style == "auto" and sys.stdout.isatty()):
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title, show_lines=True)
        for header in HEADERS:
            table.add_column(header, overflow="fold")
        for row in rows:
            table.add_row(*cells(row))
        Console().print(table)
        return
    sys.stdout.write(markdown(rows, title))
