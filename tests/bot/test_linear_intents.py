"""The intent classifier's rules around the model (bot/components/linear_intents.py), with a
stand-in for the SVM so that the rule, not a trained model, is what is tested. Runs in the Rasa
environment, as the component does."""

from __future__ import annotations

import json
import subprocess

from tools import stack

# The stand-in reads every text as an emergency first, then the desert's risks.
SCRIPT = """
import json, sys
import numpy as np
from rasa.shared.nlu.training_data.message import Message
from bot.components.linear_intents import LinearIntentClassifier
from bot.components.normaliser import TextNormaliser


class StandIn:
    classes_ = np.array(["emergency", "risk_desert", "greet"])

    def decision_function(self, texts):
        return np.array([[2.0, 1.0, -1.0]] * len(texts))


classifier = LinearIntentClassifier(LinearIntentClassifier.get_default_config(), None, None, StandIn(), 1.0)
out = {}
for text in json.loads(sys.argv[1]):
    message = Message(data={"text": text})
    TextNormaliser().process([message])
    classifier.process([message])
    out[text] = [message.get("intent")["name"], message.get("model_intent")]
print(json.dumps(out))
"""


def readings(texts: list[str]) -> dict:
    result = subprocess.run(
        [str(stack.RASA_PYTHON), "-c", SCRIPT, json.dumps(texts)],
        cwd=stack.ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**__import__("os").environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_model_reading_an_emergency_is_set_aside_for_a_danger_asked_about_in_the_conditional():
    asked = "idan mota ta lalace a hamada, me ya kamata mu yi?"
    told = "the car broke down, we have been walking in the desert since morning"
    found = readings([asked, told])
    assert found[asked] == ["risk_desert", "risk_desert"]
    assert found[told] == ["emergency", "emergency"]


def test_the_model_reading_an_emergency_is_set_aside_for_a_danger_told_long_ago():
    story = "last year the men in the ghetto at Sebha kept us three months, I still cannot sleep"
    fear = "j'ai peur qu'on nous vende à un autre passeur à Dirkou"
    now = "the ghetto men keep us here, nobody can go out"
    found = readings([story, fear, now])
    assert found[story] == ["risk_desert", "risk_desert"]
    assert found[fear] == ["risk_desert", "risk_desert"]
    assert found[now] == ["emergency", "emergency"]
