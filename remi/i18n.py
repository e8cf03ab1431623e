"""System strings (menus, confirmations, errors) through gettext catalogs, and locale-aware
dates, times and numbers through Babel.

Catalogs live in locales/<lang>/LC_MESSAGES/messages.po (`remi i18n update` refreshes them
from the code; `remi i18n compile` writes the .mo files). A catalog whose .mo is missing or
older than its .po is compiled in memory, so an edited .po is seen without a build step.
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LOCALES_DIR = Path(__file__).resolve().parents[1] / "locales"
LANGUAGES = ("fr", "ha", "en")
LOCALE_OF = {"fr": "fr_NE", "ha": "ha_NE", "en": "en_NG"}


@cache
def _translations(lang: str, stamp: float) -> gettext.NullTranslations:
    po, mo = LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po", LOCALES_DIR / lang / "LC_MESSAGES" / "messages.mo"
    if mo.exists() and mo.stat().st_mtime >= stamp:
        with mo.open("rb") as fh:
            return gettext.GNUTranslations(fh)
    if po.exists():
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        buf = io.BytesIO()
        write_mo(buf, catalog)
        buf.seek(0)
        return gettext.GNUTranslations(buf)
    return gettext.NullTranslations()


def N_(text: str) -> str:
    """Marks a text for the catalogs (`remi i18n extract` finds N_("...")) where it is defined;
    it is translated where it is shown, in the reader's language."""
    return text


def translator(lang: str) -> gettext.NullTranslations:
    po = LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po"
    stamp = po.stat().st_mtime if po.exists() else 0.0
    return _translations(lang, stamp)


def gettext_for(lang: str):
    return translator(lang).gettext


def locale(lang: str) -> Locale:
    return Locale.parse(LOCALE_OF.get(lang, "fr_NE"))


def format_clock(value: dt.time, lang: str) -> str:
    return format_time(value, format="short", locale=locale(lang))


def format_number(value: float, lang: str) -> str:
    return format_decimal(value, locale=locale(lang))


def format_duration_minutes(minutes: int, lang: str) -> str:
    """'2 heures' / 'awa 2' / '2 hours': Babel's CLDR units in each language."""
    from babel.units import format_unit

    if minutes % 60 == 0:
        return format_unit(minutes // 60, "duration-hour", length="long", locale=locale(lang))
    return format_unit(minutes, "duration-minute", length="long", locale=locale(lang))
