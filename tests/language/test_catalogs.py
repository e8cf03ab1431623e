"""The gettext catalogs cover every text the code and the console mark: a text marked in code
(`_()`, `N_()`, `{{ _() }}`) with no French or Hausa translation would reach a migrant or an
operator in English. Extracted here as `remi i18n extract` does, without writing any file."""

from __future__ import annotations

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from remi.i18n import LOCALES_DIR

ROOT = LOCALES_DIR.parent
METHODS = [
    ("remi/**.py", "python"),
    ("api/**.py", "python"),
    ("engine/**.py", "python"),
    ("actions/**.py", "python"),
    ("api/templates/**.html", "jinja2"),
]


def marked_texts() -> set[str]:
    found: set[str] = set()
    for folder in ("remi", "api", "engine", "actions"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder,
            [(pattern.split("/", 1)[1], method) for pattern, method in METHODS if pattern.startswith(folder + "/")],
            options_map={"**.html": {"extensions": "jinja2.ext.i18n"}},
        ):
            found.update([message] if isinstance(message, str) else [m for m in message if m])
    return found


def test_the_extraction_finds_the_texts_it_must():
    texts = marked_texts()
    assert "Re.Mi. reads French, Hausa and English." in texts  # N_() in engine/conversation.py
    assert "Waiting handovers" in texts  # {{ _() }} in a console template
    assert "claim the handover before you reply" in texts  # an engine refusal


@pytest.mark.parametrize("lang", ["fr", "ha"])
def test_every_marked_text_is_translated(lang):
    with (LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    missing = sorted(t for t in marked_texts() if not (catalog.get(t) and catalog.get(t).string))
    assert missing == [], f"not translated in locales/{lang}: run `remi i18n update` and translate them"
