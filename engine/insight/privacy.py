"""The one owner of what a figure may show: a cell counting fewer than MIN_PEOPLE people is
shown as "<5" everywhere (console, CSV, report), and a message text has its digit runs masked."""

from __future__ import annotations

import re

MIN_PEOPLE = 5
SUPPRESSED = f"<{MIN_PEOPLE}"
DIGITS = re.compile(r"\d[\d .\-/]*\d|\d")


def small(people: int) -> bool:
    return people < MIN_PEOPLE


def cell(value: float | int | None, people: int) -> str:
    """A figure of a row that counts `people` people: the figure, or "<5" when too few."""
    if small(people):
        return SUPPRESSED
    if value is None:
        return ""
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def mask_digits(text: str) -> str:
    """Phone numbers, amounts, dates: every run of digits becomes #."""
    return DIGITS.sub("#", text)
