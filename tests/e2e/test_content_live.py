"""An editor's change to a content file changes the bot's next answer: no restart, no retraining."""

from __future__ import annotations

from remi.content.library import DEFAULT_ROOT, Library
from tests.e2e.transcript import Phone, digit_for


def test_editing_a_content_file_changes_the_next_answer(system):
    path = DEFAULT_ROOT / "en" / "risks.yml"
    original = path.read_text()
    topic = Library().topics["risk_desert"]
    first_words = " ".join(topic.text("sms", "en").split()[:4])
    assert first_words in original
    phone = Phone(system)
    risks = phone.say(digit_for(phone.say("Hello"), "Risks"))
    digit = digit_for(risks, topic.text("title", "en"))
    assert first_words in phone.say(digit)
    try:
        path.write_text(original.replace(first_words, "EDITED BY AN EDITOR", 1))
        phone.say("0")
        assert "EDITED BY AN EDITOR" in phone.say(digit)
    finally:
        path.write_text(original)
