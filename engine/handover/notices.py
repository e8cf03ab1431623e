"""What the migrant is told around a handover, in their language: that a person will answer and
roughly when (working hours from content/handover.yml), that the request is still waiting, that
the person closed the conversation, that the bot is back. Each says the keyword that matters."""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from babel.dates import get_day_names

from remi import keywords, sms
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


def load_hours(path: Path = HOURS_FILE) -> WorkingHours:
    """content/handover.yml, checked; errors name the file and the key."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
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


class Notices:
    """The texts, ready for the channel (folded to GSM-7 for SMS when that saves segments)."""

    def __init__(self, path: Path = HOURS_FILE, fold: bool = True):
        self.path, self.fold = path, fold
        self._stamp: tuple | None = None
        self._hours: WorkingHours | None = None

    def hours(self) -> WorkingHours:
        st = os.stat(self.path)
        stamp = (st.st_mtime_ns, st.st_size)
        if stamp != self._stamp:
            try:
                self._hours = load_hours(self.path)
            except HoursError:
                if self._hours is None:
                    raise  # a broken first load is a deployment error; a broken edit keeps the last
            self._stamp = stamp
        return self._hours

    def _out(self, text: str, channel: str) -> str:
        return sms.for_sms(text, self.fold) if channel == "sms" else text

    def opened(self, lang: str, channel: str, now: dt.datetime | None = None) -> str:
        _ = gettext_for(lang)
        now = now or dt.datetime.now(dt.timezone.utc)
        hours = self.hours()
        bot = keywords.word("bot", lang)
        if hours.is_open(now):
            text = _(
                "A person from our team will answer you here, usually within {wait}. "
                "To go back to the automatic service, write {bot}."
            ).format(wait=format_duration_minutes(hours.typical_answer_minutes, lang), bot=bot)
        else:
            text = _(
                "Our team is not working at the moment. A person will answer you here {when}. "
                "To go back to the automatic service, write {bot}."
            ).format(when=self.when(hours.next_opening(now), now.astimezone(hours.zone), lang), bot=bot)
        return self._out(text, channel)

    @staticmethod
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

    def still_waiting(self, lang: str, channel: str) -> str:
        _ = gettext_for(lang)
        return self._out(
            _(
                "Your request is still waiting: our team is busy. A person will answer you as soon "
                "as possible. To go back to the automatic service, write {bot}."
            ).format(bot=keywords.word("bot", lang)),
            channel,
        )

    def closed(self, lang: str, channel: str) -> str:
        _ = gettext_for(lang)
        return self._out(
            _(
                "The person has ended the conversation. The automatic service answers you again: "
                "write {menu} to see the choices."
            ).format(menu=keywords.word("menu", lang)),
            channel,
        )

    def back_to_bot(self, lang: str, channel: str) -> str:
        _ = gettext_for(lang)
        return self._out(
            _("You are back with the automatic service. Write {menu} to see the choices.").format(
                menu=keywords.word("menu", lang)
            ),
            channel,
        )
