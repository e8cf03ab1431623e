"""`remi content audit` lists exactly what the content says: one of each case, grouped by
organisation; `remi serve` in production refuses to start with no emergency contact."""

from __future__ import annotations

from remi.cities import CITIES
from remi.content.audit import as_markdown, as_text, audit
from tests.support.content import LONG_AGO, PAST, build, service, topic
from tools.serve import check_content


def content(tmp_path, emergency: bool = True):
    directory = {
        "confirmed": service("Good NGO", ["medical"], "Niamey", "+227 90 00 00 01"),
        "unconfirmed": service("Doubtful NGO", ["legal"], "Niamey", verified=False),
        "stale": service("Good NGO", ["legal"], "Niamey", "+227 90 00 00 02", last_reviewed=LONG_AGO),
        "ended": service("Old project", ["food_shelter"], "Zinder", "+227 90 00 00 03", valid_until=PAST),
    }
    if emergency:
        directory["rescue"] = service("Rescue", [], None, "18", emergency_contact=True, verified=False)
    topics = {"fr": {"rights": {"rights_general": topic("Droits", "Vos droits.", verified=False)}}}
    return build(tmp_path / "content", directory, topics)


def test_report_lists_each_case_under_its_organisation(tmp_path):
    report = audit(content(tmp_path))
    kinds = {org: sorted((i.kind, i.subject) for i in items) for org, items in report.by_organisation.items()}
    assert kinds["Good NGO"] == [("overdue", "stale")]
    assert kinds["Doubtful NGO"] == [("unverified", "unconfirmed")]
    assert kinds["Old project"] == [("expired", "ended")]
    assert kinds["Re.Mi. content editors"] == [("unverified", "handover.yml"), ("unverified", "rights_general (fr)")]
    assert kinds["Rescue"] == [("unverified", "rescue")]  # and under emergency contacts
    assert [(i.subject, i.kind) for i in report.emergency] == [("rescue", "emergency")]
    # Zinder's only service has expired: Zinder has no food service any more.
    assert ("Zinder", "food_shelter") in {(i.subject, i.detail) for i in report.towns}
    assert ("Niamey", "medical") not in {(i.subject, i.detail) for i in report.towns}
    assert len(report.towns) == len(CITIES) * 9 - 2  # Niamey has medical and legal


def test_text_and_markdown_say_the_same(tmp_path):
    report = audit(content(tmp_path))
    text, md = as_text(report), as_markdown(report)
    for subject in ("stale", "unconfirmed", "ended", "rescue", "rights_general (fr)"):
        assert subject in text and subject in md
    assert md.startswith("# Go-live checklist") and "## Old project" in md and "- [ ] " in md


def test_no_emergency_contact_is_reported_and_stops_a_production_start(tmp_path, capsys):
    root = content(tmp_path, emergency=False)
    report = audit(root)
    assert not report.has_emergency_contact
    assert check_content(production=True, root=root) is False
    assert "refusing to start" in capsys.readouterr().out
    assert check_content(production=True, accept_unverified_content=True, root=root) is True
    assert "started anyway" in capsys.readouterr().out
    assert check_content(production=False, root=root) is True
    assert check_content(production=True, root=content(tmp_path / "other")) is True
