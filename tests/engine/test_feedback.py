"""After a handover closed, "Did this help you? Reply from 1 to 5": the answer is a conversation
step (engine/conversation.py, feedback), in milliseconds against the Rasa stand-in."""

from __future__ import annotations

from tests.engine.test_conversation import known, rasa, talk  # noqa: F401  (fixtures)


def test_a_digit_after_a_closed_handover_scores_it_and_never_reaches_rasa(talk, rasa):  # noqa: F811
    person = known("ha", awaiting="feedback:h42")
    asked = len(rasa.turns)
    out = talk(person, "4")
    assert out.feedback == ("h42", 4)
    assert out.texts == ["Mun gode da amsarku."]
    assert len(rasa.turns) == asked
    assert person.awaiting is None


def test_anything_else_goes_on_as_a_normal_message(talk, rasa):  # noqa: F811
    person = known("fr", awaiting="feedback:h42")
    out = talk(person, "je cherche un médecin")
    assert out.feedback is None
    assert rasa.turns[-1]["message"] == "je cherche un médecin"
    assert person.awaiting is None
    # Asked once only: a digit later answers a menu, not the question.
    assert talk(person, "4").feedback is None
