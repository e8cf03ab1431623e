"""The topic action (actions/topics.py) answers what the NLU decided, in the language and with
the page size the engine sent in the message's metadata: it chooses neither."""

from __future__ import annotations

from tests.actions.conftest import call

SMS_HA = {"language": "ha", "channel": "sms", "render": {"max_segments": 2, "fold": True}}


def reply_of(result: dict) -> dict:
    return result["responses"][0]["custom"]["remi"]


def test_a_topic_in_the_language_the_engine_chose(action_server):
    reply = reply_of(call(action_server, "action_answer_topic", "rights_arrest", "an kama ni", metadata=SMS_HA))
    assert reply["topic"] == "rights_arrest"
    assert "handover:legal:rights_arrest" in [c["payload"] for c in reply["choices"]]  # "talk to someone" offered
    assert "1" in reply["pages"][-1]  # the numbered choices close the last page
    assert any(word in reply["pages"][0].lower() for word in ("kama", "tsare"))  # Hausa, whatever the text said


def test_no_language_in_the_metadata_is_french_not_a_guess(action_server):
    reply = reply_of(call(action_server, "action_answer_topic", "rights_arrest", "an kama ni", metadata={}))
    assert reply["pages"][0] != reply_of(call(action_server, "action_answer_topic", "rights_arrest", "x",
                                              metadata=SMS_HA))["pages"][0]  # fmt: skip
    fr = reply_of(
        call(action_server, "action_answer_topic", "rights_arrest", "x", metadata=SMS_HA | {"language": "fr"})
    )
    assert reply["pages"][0] == fr["pages"][0]


def test_the_page_size_comes_from_the_engine(action_server):
    small = reply_of(call(action_server, "action_answer_topic", "risk_libya", "libya",
                          metadata=SMS_HA | {"render": {"max_segments": 1, "fold": True}}))  # fmt: skip
    large = reply_of(call(action_server, "action_answer_topic", "risk_libya", "libya",
                          metadata=SMS_HA | {"render": {"max_segments": 3, "fold": True}}))  # fmt: skip
    assert len(small["pages"]) > len(large["pages"])


def test_a_service_without_a_town_asks_the_town_first(action_server):
    reply = reply_of(call(action_server, "action_answer_topic", "service_medical", "ina son likita", metadata=SMS_HA))
    assert any("Agadez" in c["label"] for c in reply["choices"])
    with_town = reply_of(call(action_server, "action_answer_topic", "service_medical", "ina son likita",
                              slots={"city": "Niamey"}, metadata=SMS_HA))  # fmt: skip
    assert with_town["topic"] == "service_medical" and "Niamey" in with_town["pages"][0]
