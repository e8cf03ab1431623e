"""The Rasa project stays sound: its data validates, the model trains, and the conversation
tests pass with no prediction error (`rasa test`, as Rasa's own CI habits recommend)."""

from __future__ import annotations

import subprocess

from tools import stack

RASA = [str(stack.RASA_PYTHON), "-m", "rasa"]


def run(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*RASA, *args],
        cwd=stack.ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**__import__("os").environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3"},
    )


def test_rasa_data_validates():
    result = run("data", "validate", "--domain", "bot/domain", "--data", "bot/data", "--config", "bot/config.yml")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_the_model_matches_the_training_data():
    model = stack.train(quiet=True)
    assert model.exists() and stack.model_fingerprint() in model.name


def test_conversation_stories_pass_without_prediction_errors(tmp_path):
    model = stack.train(quiet=True)
    result = run(
        "test",
        "core",
        "--model",
        str(model),
        "--stories",
        "bot/tests",
        "--endpoints",
        str(_no_action_endpoints(tmp_path)),
        "--out",
        str(tmp_path / "results"),
        "--fail-on-prediction-errors",
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def _no_action_endpoints(tmp_path):
    # Story tests predict actions; they do not need to run them.
    path = tmp_path / "endpoints.yml"
    path.write_text("")
    return path
