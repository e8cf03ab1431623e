"""`remi i18n extract|update|compile`: Babel's pybabel, wired to this project's layout.

extract  code → locales/messages.pot (every _("...") in remi/, api/, actions/)
update   messages.pot → locales/<lang>/LC_MESSAGES/messages.po (new strings appear empty)
compile  .po → .mo (optional: remi.i18n compiles a changed .po in memory anyway)
"""

from __future__ import annotations

import subprocess
import sys

from remi.i18n import LANGUAGES, LOCALES_DIR

ROOT = LOCALES_DIR.parent
POT = LOCALES_DIR / "messages.pot"


def _pybabel(*args: str) -> int:
    return subprocess.call([sys.executable, "-m", "babel.messages.frontend", *args], cwd=ROOT)


def run(action: str) -> int:
    if action == "extract":
        return _pybabel(
            "extract", "-F", "babel.cfg", "-o", str(POT), "--no-location", "--omit-header", "--no-wrap", "."
        )
    if action == "update":
        status = run("extract")
        for lang in LANGUAGES:
            status |= _pybabel(
                "update",
                "-i",
                str(POT),
                "-d",
                str(LOCALES_DIR),
                "-l",
                lang,
                "--no-wrap",
                "--ignore-obsolete",
                "--no-fuzzy-matching",
            )
        return status
    if action == "compile":
        return _pybabel("compile", "-d", str(LOCALES_DIR), "--use-fuzzy", "--statistics")
    raise ValueError(action)
