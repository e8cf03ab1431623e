"""The glossary check and the SMS hook warning each catch a planted error."""

from __future__ import annotations

import shutil

from remi.content.library import DEFAULT_ROOT
from remi.content.lint import lint
from tests.support.content import build, topic


def _plant(tmp_path, ha_sms: str, fr_sms: str = "Un conseiller peut vous aider."):
    root = build(
        tmp_path / "content",
        {},
        {
            "fr": {"rights": {"rights_arrest": topic("Arrestation", fr_sms)}},
            "ha": {"rights": {"rights_arrest": topic("Kamawa", ha_sms)}},
            "en": {"rights": {"rights_arrest": topic("Arrest", "A counsellor can help.")}},
        },
    )
    shutil.copy(DEFAULT_ROOT / "glossary.yml", root / "glossary.yml")
    return [f for f in lint(root) if "rights_arrest" in f.key]


def test_a_word_the_glossary_avoids_is_reported(tmp_path):
    findings = _plant(
        tmp_path,
        "An soke dokar kan safarar mutane. Mai ba da shawara zai taimaka.",
        "La loi sur la traite. Un conseiller peut vous aider.",
    )
    assert any("'safarar mutane' for trafficking" in f.message for f in findings)


def test_a_concept_dropped_from_the_hausa_text_is_reported(tmp_path):
    findings = _plant(tmp_path, "Ku kwantar da hankali.")  # the French says a counsellor can help
    assert any("speaks of counsellor" in f.message for f in findings)
    assert not _plant(tmp_path / "ok", "Mai ba da shawara zai iya taimaka muku.")


def test_a_word_that_changes_meaning_without_hooks_is_reported(tmp_path):
    findings = _plant(tmp_path, "Idan ku baƙi ne, mai ba da shawara zai taimaka.")
    assert any("'baƙi' becomes baki" in f.message for f in findings)


def test_the_shipped_content_has_no_glossary_or_hook_warning():
    words = ("glossary", "becomes")
    assert [str(f) for f in lint() if any(w in f.message for w in words)] == []
