"""The exports: the report holds no phone number, hash or message text (a scan says so); the
editors' marked examples become Rasa NLU YAML."""

from __future__ import annotations

import re
import time

import yaml

from engine.insight import missed
from engine.insight.events import day_of, handover_row, person_of, send_row, turn_row
from engine.insight.report import report
from engine.insight.store import Filters, Insight

NOW = time.time()
DAY = day_of(NOW)
SECRET_TEXT = "je suis bloque a Agadez mon numero est 96123456"


def filled(tmp_path) -> Insight:
    insight = Insight(tmp_path / "insight.sqlite3")
    for n in range(7):
        sender = f"hash-of-+2279612345{n}"
        insight.record("turn", turn_row(sender, "sms", "fr", SECRET_TEXT, "rights_arrest", 0.2, None, "Agadez", None))
        insight.record(
            "turn",
            turn_row(
                sender, "whatsapp", "ha", "ina asibiti", "services_health", 0.9, "services_health", "Agadez", None
            ),
        )
        insight.record("handover", handover_row(f"h{n}", sender, "legal", "legal_agadez", "ong_a", False, "x", NOW))
        insight.record("claimed", {"id": f"h{n}", "at": NOW + 120})
        insight.record("feedback", {"id": f"h{n}", "score": 5})
        insight.record("send", send_row("sms", 2, "sent"))
    return insight


def test_the_report_holds_no_personal_data(tmp_path):
    insight = filled(tmp_path)
    for form in ("md", "csv"):
        text = report(insight, Filters(DAY, DAY), form)
        assert "legal_agadez" in text and "services_health" in text  # the figures are there
        assert not re.search(r"\d{6,}", text), "a run of digits long enough to be a phone number"
        assert not re.search(r"[0-9a-f]{12,}", text), "something that looks like a hash"
        for n in range(7):
            assert person_of(f"hash-of-+2279612345{n}") not in text
        assert "bloque" not in text and "asibiti" not in text


def test_a_marked_example_is_exported_as_rasa_nlu_yaml(tmp_path):
    insight = filled(tmp_path)
    questions = missed.unmarked(insight, "fr")
    groups = missed.grouped(questions)
    assert len(groups) == 1 and len(groups[0].questions) == 7  # the same question, grouped
    assert groups[0].questions[0].text == "je suis bloque a Agadez mon numero est #"
    assert groups[0].questions[0].intent == "rights_arrest"
    missed.mark(insight, questions[0].id, "example", "rights_arrest", "editor1")
    missed.mark(insight, questions[1].id, "noise", None, "editor1")
    assert len(missed.unmarked(insight, "fr")) == 5
    exported = yaml.safe_load(missed.export_nlu(insight, "fr"))
    assert exported["nlu"] == [{"intent": "rights_arrest", "examples": "- je suis bloque a Agadez mon numero est #\n"}]
    assert "examples: |" in missed.export_nlu(insight, "fr")
    assert yaml.safe_load(missed.export_nlu(insight, "ha"))["nlu"] == []
