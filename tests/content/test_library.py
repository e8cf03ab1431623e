"""The content library: validation errors name file, key and line; per-key fallback; reload."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from remi.content.library import DEFAULT_ROOT, ContentError, Library, LiveLibrary
from remi.content.lint import lint


@pytest.fixture()
def content(tmp_path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(DEFAULT_ROOT, root)
    return root


def test_the_project_content_loads_and_lints_clean():
    library = Library()
    assert {"rights_arrest", "risk_libya", "service_medical", "emergency", "human_operator"} <= set(library.topics)
    assert not [f for f in lint() if f.level == "error"]


def test_an_error_names_the_file_the_key_and_the_line(content):
    path = content / "fr" / "rights.yml"
    text = path.read_text()
    path.write_text(text.replace("  handover: legal", "  handover: lawyers", 1))
    with pytest.raises(ContentError) as error:
        Library(content)
    assert error.value.path.endswith("fr/rights.yml")
    assert error.value.key.endswith(".handover")
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if "handover: lawyers" in text)
    assert error.value.line == line


def test_broken_yaml_is_reported_with_its_line(content):
    path = content / "en" / "risks.yml"
    path.write_text(path.read_text() + "\nbroken: [unclosed\n")
    with pytest.raises(ContentError) as error:
        Library(content)
    assert "not valid YAML" in str(error.value) and error.value.line


def test_a_missing_hausa_text_falls_back_to_french_and_lint_reports_it(content):
    path = content / "ha" / "rights.yml"
    import yaml

    data = yaml.safe_load(path.read_text())
    del data["rights_asylum"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    library = Library(content)
    assert library.topics["rights_asylum"].text("sms", "ha") == library.topics["rights_asylum"].text("sms", "fr")
    findings = [f for f in lint(content) if f.key == "rights_asylum" and "falls back" in f.message]
    assert findings and findings[0].level == "warning"


def test_unbalanced_whatsapp_markup_and_over_budget_pages_are_errors(content):
    path = content / "en" / "rights.yml"
    text = path.read_text()
    first_whatsapp = text.index("  whatsapp:")
    path.write_text(
        text[:first_whatsapp] + '  whatsapp: "*Your rights"\n' + text[text.index("\n  options:", first_whatsapp) :]
    )
    errors = [f for f in lint(content) if f.level == "error"]
    assert any("unbalanced" in f.message for f in errors)


def test_a_service_phone_in_the_wrong_form_is_an_error(content):
    path = content / "directory.yml"
    path.write_text(path.read_text().replace("+227 91 31 75 06", "91317506", 1))
    assert any(f.key.endswith(".phone") for f in lint(content) if f.level == "error")


def test_live_library_reloads_a_changed_file_and_survives_a_broken_one(content):
    live = LiveLibrary(content)
    before = live.get().topics["rights_general"].text("sms", "en")
    path = content / "en" / "rights.yml"
    first_words = " ".join(before.split()[:4])  # on the first line of the folded text in the file
    assert first_words in path.read_text()
    path.write_text(path.read_text().replace(first_words, "CHANGED", 1))
    os.utime(path, (time.time() + 5, time.time() + 5))
    assert live.get().topics["rights_general"].text("sms", "en").startswith("CHANGED")
    path.write_text("rights_general: [broken\n")
    os.utime(path, (time.time() + 10, time.time() + 10))
    assert live.get().topics["rights_general"].text("sms", "en").startswith("CHANGED")  # last good content
    assert live.last_error is not None
