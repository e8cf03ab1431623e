"""Routing rules (engine/handover/routing.py): which team a referral goes to, and the errors an
administrator sees for a broken routing file (with the file, the line and the key)."""

from __future__ import annotations

import os
import textwrap

import pytest

from engine.config import ROOT
from engine.handover.routing import LiveRouting, RoutingError, load

RULES = """\
organisations:
  remi: {name: Re.Mi.}
  jmed: {name: JMED}
teams:
  hotline: {organisation: remi}
  hotline-ha: {organisation: remi}
  protection: {organisation: remi}
  legal-niamey: {organisation: jmed}
  agadez: {organisation: remi}
default_team: hotline
rules:
  - category: protection
    team: protection
  - category: [legal, psychosocial]
    city: Niamey
    team: legal-niamey
  - city: [Agadez, Arlit]
    language: [fr, en]
    team: agadez
  - language: ha
    team: hotline-ha
"""


def write(tmp_path, text: str):
    path = tmp_path / "routing.yml"
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture
def routing(tmp_path):
    return load(write(tmp_path, RULES))


@pytest.mark.parametrize(
    "category, city, language, team",
    [
        ("protection", "Niamey", "ha", "protection"),  # the first rule that matches wins
        ("legal", "Niamey", "fr", "legal-niamey"),
        ("psychosocial", "Niamey", "ha", "legal-niamey"),  # a list matches any of its values
        ("legal", "Zinder", "fr", "hotline"),  # the city does not match: on to the default
        ("medical", "Arlit", "en", "agadez"),
        ("medical", "Arlit", "ha", "hotline-ha"),  # every condition of a rule must hold
        ("general", None, "ha", "hotline-ha"),  # an unknown town matches only rules without a city
        ("general", None, "fr", "hotline"),
    ],
)
def test_referral_goes_to_the_first_matching_rule_or_the_default_team(routing, category, city, language, team):
    assert routing.route(category, city, language).id == team


def test_team_carries_its_organisation(routing):
    assert routing.route("legal", "Niamey", "fr").organisation == "jmed"


def test_shipped_routing_files_load():
    shipped = load(ROOT / "config" / "routing.yml")
    assert shipped.route("protection", None, "fr").id == "protection"
    assert shipped.route("general", None, "ha").id == "hotline-ha"
    assert load(ROOT / "tests" / "support" / "routing.yml").route("general", None, "fr").id == "hotline"


@pytest.mark.parametrize(
    "change, line, key, words",
    [
        (
            ("    team: protection\n", "    team: protecton\n"),
            13,
            "rules.0.team",
            "'protecton' is not one of the teams",
        ),
        (("    city: Niamey\n", "    city: Niamy\n"), 15, "rules.1.city", "'Niamy' is not one of"),
        (("  - category: protection\n", "  - categroy: protection\n"), 12, "rules.0.categroy", "unknown key"),
        (
            ("  - category: [legal, psychosocial]\n", "  - category: [legal, health]\n"),
            14,
            "rules.1.category",
            "'health' is not one of medical, psychosocial",
        ),
        (("  - language: ha\n", "  - language: wo\n"), 20, "rules.3.language", "'wo' is not one of fr, ha, en"),
        (
            ("  legal-niamey: {organisation: jmed}\n", "  legal-niamey: {organisation: jmd}\n"),
            8,
            "teams.legal-niamey.organisation",
            "'jmd' is not one of the organisations",
        ),
        (("default_team: hotline\n", "default_team: hotlines\n"), 10, "default_team", "must be one of the teams"),
        (("  - language: ha\n    team: hotline-ha\n", "  - team: hotline-ha\n"), 20, "rules.3", "matches everything"),
        (("  remi: {name: Re.Mi.}\n", "  Re Mi: {name: Re.Mi.}\n"), 2, "organisations.Re Mi", "lower-case"),
    ],
)
def test_mistakes_are_reported_with_file_line_and_key(tmp_path, change, line, key, words):
    path = write(tmp_path, RULES.replace(*change))
    with pytest.raises(RoutingError) as caught:
        load(path)
    error = caught.value
    assert (error.line, error.key) == (line, key), str(error)
    assert words in error.message
    assert str(error).startswith(f"{path}:{line}: {key}: ")


def test_invalid_yaml_and_missing_file_are_reported(tmp_path):
    with pytest.raises(RoutingError, match=r"routing.yml:4: \(file\): not valid YAML"):
        load(write(tmp_path, "teams:\n  a: {organisation: x}\n  b: [\n"))
    with pytest.raises(RoutingError, match="cannot be read"):
        load(tmp_path / "absent.yml")


def test_live_routing_takes_edits_and_keeps_the_last_good_rules_after_a_broken_one(tmp_path):
    path = write(tmp_path, RULES)
    live = LiveRouting(path)
    assert live.get().route("general", None, "ha").id == "hotline-ha"

    path.write_text(RULES.replace("    team: hotline-ha\n", "    team: hotline\n"))
    os.utime(path, ns=(1, 10**18))  # a clearly different modification time, whatever the clock's precision
    assert live.get().route("general", None, "ha").id == "hotline"

    path.write_text(RULES.replace("    team: hotline-ha\n", "    team: nobody\n"))
    os.utime(path, ns=(1, 2 * 10**18))
    assert live.get().route("general", None, "ha").id == "hotline"  # the broken edit is refused
    assert live.last_error is not None and "nobody" in str(live.last_error)
