"""What the migrant is told around a handover, in their language: that a person will answer and
roughly when (working hours from content/handover.yml), that the request is still waiting, that
the person closed the conversation, that the bot is back. Each says the keyword that matters."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from remi import keywords

# The working-hours rule has one owner, shared with the emergency answer.
from remi.content.hours import DAYS, HOURS_FILE, HoursError, WorkingHours, load_hours, when  # noqa: F401
from remi.i18n import format_duration_minutes, gettext_for


class Notices:
    """The texts in the person's language (the outbox folds an SMS to GSM-7). `channel` is
    kept for texts that would differ between SMS and WhatsApp."""

    def __init__(self, path: Path = HOURS_FILE):
        self.path = path
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
        assert self._hours is not None  # the first load raised otherwise
        return self._hours

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
        return text

    @staticmethod
    def when(opening: dt.datetime, now: dt.datetime, lang: str) -> str:
        return when(opening, now, lang)

    def still_waiting(self, lang: str, channel: str) -> str:
        _ = gettext_for(lang)
        return _(
            "Your request is still waiting: our team is busy. A person will answer you as soon "
            "as possible. To go back to the automatic service, write {bot}."
        ).format(bot=keywords.word("bot", lang))

    def closed(self, lang: str, channel: str) -> str:
        _ = gettext_for(lang)
        return _(
            "The person has ended the conversation. The automatic service answers you again: "
            "write {menu} to see the choices."
        ).format(menu=keywords.word("menu", lang))

    def back_to_bot(self, lang: str, channel: str) -> str:
        _ = gettext_for(lang)
        return _("You are back with the automatic service. Write {menu} to see the choices.").format(
            menu=keywords.word("menu", lang)
        )

    def closed_with_question(self, lang: str, channel: str) -> str:
        """In one message, so that the question costs no SMS of its own when it fits."""
        return f"{self.closed(lang, channel)}\n{self.feedback_question(lang, channel)}"

    def feedback_question(self, lang: str, channel: str) -> str:
        _ = gettext_for(lang)
        return _("Did this help you? Reply from 1 (not at all) to 5 (a lot).")

    @staticmethod
    def feedback_thanks(lang: str) -> str:
        _ = gettext_for(lang)
        return _("Thank you for your answer.")
