"""docs/benchmarks.md is shared by several benchmarks: each replaces only its own section,
between its start and end markers."""

from __future__ import annotations

from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
HEADER = "# Benchmarks\n\nEvery figure here comes from a command in this repository, named beside it.\n"


def write_section(section: str, start: str, end: str, doc: Path = DOC) -> None:
    text = doc.read_text() if doc.exists() else HEADER
    if start in text and end in text:
        text = text[: text.index(start)] + section + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    doc.parent.mkdir(exist_ok=True)
    doc.write_text(text)
