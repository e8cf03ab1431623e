"""`remi eval-nlu PATH...`: one JSON object with, for each file and combined, the figures for
overall and each language, other-language, emergency and most-urgent-need figures, and the
confusions as counts (no texts unless --errors)."""

from __future__ import annotations

import json
import subprocess

from tools import stack


def test_eval_nlu_prints_the_figures_per_language(tmp_path):
    cases = [
        {
            "text": "la police a arrete mon frere a agades",
            "language": "fr",
            "intent": "rights_arrest",
            "entities": [{"entity": "city", "value": "Agadez", "text": "agades"}],
        },
        {
            "text": "ina neman asibiti a yamai",
            "language": "ha",
            "intent": "service_medical",
            "entities": [{"entity": "city", "value": "Niamey", "text": "yamai"}],
        },
        {"text": "abeg dem seize my passport", "language": "en", "intent": "rights_documents", "entities": []},
        {"text": "thank you so much", "language": "en", "intent": "thanks", "entities": []},
    ]
    hard = [
        {
            "text": "my friend is not breathing, come quick",
            "language": "en",
            "intent": "emergency",
            "emergency": True,
            "needs": ["emergency"],
            "style": "terse",
        },
        {
            "text": "I came back from Libya. Now I sleep outside in Agadez and I have nothing to eat.",
            "language": "en",
            "intent": "service_food_shelter",
            "emergency": False,
            "needs": ["service_food_shelter", "risk_libya"],
            "style": "story",
        },
        {"text": "Boro kulu gonda fondo a ma baafunay", "language": "other", "source": "test"},
    ]
    path, hard_path = tmp_path / "cases.jsonl", tmp_path / "hard.jsonl"
    path.write_text("\n".join(json.dumps(c) for c in cases))
    hard_path.write_text("\n".join(json.dumps(c) for c in hard))
    result = subprocess.run(
        [str(stack.ROOT / ".venv" / "bin" / "remi"), "eval-nlu", str(path), str(hard_path)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=stack.ROOT,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    everything = json.loads(result.stdout)
    report, second = everything["sets"][str(path)], everything["sets"][str(hard_path)]
    for part in ("overall", "fr", "ha", "en"):
        assert set(report[part]) >= {"n", "intent_accuracy", "intent_macro_f1", "language_accuracy", "city_f1"}
    assert report["overall"]["n"] == 4 and report["en"]["n"] == 2
    assert report["overall"]["city_f1"] == 1.0
    assert isinstance(report["confusions"], list)
    assert "errors" not in report and "Agadez" not in result.stdout  # held-out texts stay unread
    assert set(report["confusions"][0]) == {"intent", "predicted", "count"} if report["confusions"] else True
    # a file without emergency marks counts its false alarms by source all the same (none of its
    # four messages is of danger)
    assert report["emergency"]["danger_words"]["n"] == 0 and report["emergency"]["model"]["n"] == 0
    # the harder file: emergencies (model or danger words), most urgent need, other language
    assert second["emergency"]["model_or_words"] == {"n": 1, "flagged": 1, "recall": 1.0, "precision": 1.0}
    assert second["most_urgent_need"]["n"] == 1 and second["most_urgent_need"]["found"] == 1.0
    assert second["other_language"]["n"] == 1 and second["other_language"]["recall"] == 1.0
    assert set(second["styles"]) == {"terse", "story"}
    assert everything["combined"]["overall"]["n"] == 6


def test_eval_nlu_names_the_bad_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "ok", "intent": "affirm"}\nnot json\n')
    result = subprocess.run(
        [str(stack.ROOT / ".venv" / "bin" / "remi"), "eval-nlu", str(path)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=stack.ROOT,
    )
    assert result.returncode != 0 and "bad.jsonl:2" in result.stderr
