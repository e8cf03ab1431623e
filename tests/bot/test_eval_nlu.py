"""`remi eval-nlu PATH`: one JSON object with the figures for overall and each language."""

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
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(json.dumps(c) for c in cases))
    result = subprocess.run(
        [str(stack.ROOT / ".venv" / "bin" / "remi"), "eval-nlu", str(path)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=stack.ROOT,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    for part in ("overall", "fr", "ha", "en"):
        assert set(report[part]) >= {"n", "intent_accuracy", "intent_macro_f1", "language_accuracy", "city_f1"}
    assert report["overall"]["n"] == 4 and report["en"]["n"] == 2
    assert report["overall"]["city_f1"] == 1.0
    assert isinstance(report["confusions"], list) and isinstance(report["errors"], list)


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
