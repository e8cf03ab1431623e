"""When a person of the team answers: the working hours in content/handover.yml, and how to
say "when" in the person's language. The one owner of that rule: the handover notices and the
emergency answer both ask it, so they can never disagree."""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from babel.dates import get_day_names

from remi.content.library import DEFAULT_ROOT
from remi.i18n import format_clock, format_duration_minutes, gettext_for, locale

HOURS_FILE = DEFAULT_ROOT / "handover.yml"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")


class HoursError(ValueError):
    pass


@dataclass(frozen=True)
class WorkingHours:
    zone: dt.timezone
    days: frozenset[int]  # 0 = Monday
    opens: dt.time
    closes: dt.time
    typical_answer_minutes: int

    def is_open(self, at: dt.datetime) -> bool:
        local = at.astimezone(self.zone)
        return local.weekday() in self.days and self.opens <= local.time() < self.closes

    def next_opening(self, at: dt.datetime) -> dt.datetime:
        local = at.astimezone(self.zone)
        for ahead in range(8):
            day = local.date() + dt.timedelta(days=ahead)
            start = dt.datetime.combine(day, self.opens, tzinfo=self.zone)
            if day.weekday() in self.days and start > local:
                return start
        raise HoursError("no working day in the week")

    def answer_time(self, lang: str, now: dt.datetime | None = None) -> str:
        """When a person answers, said for `lang`: "within 1 hour" while the team works,
        "Monday from 08:00" outside its hours (never a bare "as a priority")."""
        _ = gettext_for(lang)
        now = now or dt.datetime.now(dt.timezone.utc)
        if self.is_open(now):
            return _("within {wait}").format(wait=format_duration_minutes(self.typical_answer_minutes, lang))
        return when(self.next_opening(now), now.astimezone(self.zone), lang)


def when(opening: dt.datetime, now: dt.datetime, lang: str) -> str:
    _ = gettext_for(lang)
    ahead = (opening.date() - now.date()).days
    if ahead == 0:
        day = _("today")
    elif ahead == 1:
        day = _("tomorrow")
    else:
        day = get_day_names("wide", locale=locale(lang))[opening.weekday()]
    return _("{day} from {time}").format(day=day, time=format_clock(opening.time(), lang))


def load_hours(path: Path = HOURS_FILE) -> WorkingHours:
    """content/handover.yml, checked; errors name the file and the key."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise HoursError(f"{path}: cannot be read: {exc}") from None

    def clock(key: str) -> dt.time:
        match = _CLOCK.match(str(data.get(key, "")))
        if not match:
            raise HoursError(f'{path}: {key}: write the time as "HH:MM", e.g. "08:00"')
        return dt.time(int(match[1]), int(match[2]))

    offset = _OFFSET.match(str(data.get("utc_offset", "")))
    if not offset:
        raise HoursError(f'{path}: utc_offset: write it as "+01:00"')
    sign = 1 if offset[1] == "+" else -1
    zone = dt.timezone(sign * dt.timedelta(hours=int(offset[2]), minutes=int(offset[3])))
    days = data.get("days") or []
    if not isinstance(days, list) or not days or any(d not in DAYS for d in days):
        raise HoursError(f"{path}: days: a list of {', '.join(DAYS)}")
    opens, closes = clock("opens"), clock("closes")
    if closes <= opens:
        raise HoursError(f"{path}: closes must be after opens")
    minutes = data.get("typical_answer_minutes")
    if not isinstance(minutes, int) or not 1 <= minutes <= 24 * 60:
        raise HoursError(f"{path}: typical_answer_minutes: a number of minutes (1 to 1440)")
    return WorkingHours(zone, frozenset(DAYS.index(d) for d in days), opens, closes, minutes)


_cache: dict[str, tuple[tuple, WorkingHours]] = {}


def current_hours(path: Path | None = None) -> WorkingHours | None:
    """The hours as the file says now (re-read when it changes); None if it cannot be read, so
    that an emergency answer is never lost to a broken hours file."""
    path = Path(path or HOURS_FILE)
    try:
        st = os.stat(path)
    except OSError:
        return None
    stamp = (st.st_mtime_ns, st.st_size)
    cached = _cache.get(str(path))
    if cached and cached[0] == stamp:
        return cached[1]
    try:
        hours = load_hours(path)
    except HoursError:
        return cached[1] if cached else None
    _cache[str(path)] = (stamp, hours)
    return hours
