"""Facts that expire. Every directory entry and topic carries `last_reviewed` and
`review_every` (months, 6 by default) and may carry `valid_until` (a project's end date):

- past `valid_until`: expired, never sent to a migrant;
- `last_reviewed` + `review_every` months before today: overdue, sent with a short
  "call first: this may have changed" in the person's language;
- otherwise current.
"""

from __future__ import annotations

import datetime as dt

DEFAULT_REVIEW_MONTHS = 6
CURRENT, OVERDUE, EXPIRED = "current", "overdue", "expired"


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def review_due(last_reviewed: dt.date | None, review_every: int | None) -> dt.date | None:
    if not isinstance(last_reviewed, dt.date):
        return None
    return add_months(last_reviewed, review_every or DEFAULT_REVIEW_MONTHS)


def status(
    last_reviewed: dt.date | None, review_every: int | None, valid_until: dt.date | None, today: dt.date | None = None
) -> str:
    today = today or dt.date.today()
    if isinstance(valid_until, dt.date) and valid_until < today:
        return EXPIRED
    due = review_due(last_reviewed, review_every)
    if due is None or due <= today:
        return OVERDUE
    return CURRENT
