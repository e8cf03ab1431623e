"""Who answers which referral: organisations, their teams, and rules category × city × language
→ team, from a file administrators edit (config/routing.yml, or ROUTING_FILE).

Rules are tried in the order of the file and the first that matches wins (as in a firewall):
put the narrow rules first. A referral no rule matches goes to `default_team`. A rule leaves out
what it does not care about; a value may be one item or a list.

The file is read again when it changes. An edit that does not validate keeps the last good rules
in service and logs the error with the file and the line, so a typo never leaves referrals
unrouted; `load()` raises the same error for the tests and for `remi operators add`.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import yaml

from engine.config import ROOT
from remi.cities import CITIES
from remi.content.library import HANDOVER_CATEGORIES, LANGUAGES

log = logging.getLogger("remi.routing")

ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
RULE_KEYS = {"category": HANDOVER_CATEGORIES, "city": tuple(CITIES), "language": LANGUAGES}


class RoutingError(ValueError):
    def __init__(self, path: Path | str, line: int | None, key: str, message: str):
        self.path, self.line, self.key, self.message = str(path), line, key, message
        super().__init__(f"{path}:{line or 1}: {key}: {message}")


@dataclass(frozen=True)
class Organisation:
    id: str
    name: str


@dataclass(frozen=True)
class Team:
    id: str
    organisation: str
    name: str


@dataclass(frozen=True)
class Rule:
    team: str
    category: frozenset[str] | None = None  # None: any
    city: frozenset[str] | None = None
    language: frozenset[str] | None = None

    def matches(self, category: str, city: str | None, language: str | None) -> bool:
        return (
            (self.category is None or category in self.category)
            and (self.city is None or city in self.city)
            and (self.language is None or language in self.language)
        )


@dataclass(frozen=True)
class Routing:
    organisations: dict[str, Organisation]
    teams: dict[str, Team]
    rules: tuple[Rule, ...]
    default_team: str

    def route(self, category: str, city: str | None, language: str | None) -> Team:
        for rule in self.rules:
            if rule.matches(category, city, language):
                return self.teams[rule.team]
        return self.teams[self.default_team]

    def team(self, team_id: str) -> Team | None:
        return self.teams.get(team_id)


def resolve(path: Path | str) -> Path:
    """A relative ROUTING_FILE is relative to the project, wherever the process was started."""
    path = Path(path)
    return path if path.is_absolute() else ROOT / path


def _lines(text: str) -> dict[tuple, int]:
    """Line of each mapping key and sequence item, by path, so errors can point at them."""
    found: dict[tuple, int] = {}

    def walk(node, prefix: tuple) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                found[(*prefix, str(key.value))] = key.start_mark.line + 1
                walk(value, (*prefix, str(key.value)))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                found[(*prefix, i)] = item.start_mark.line + 1
                walk(item, (*prefix, i))

    root = yaml.compose(text)
    if root is not None:
        walk(root, ())
    return found


def load(path: Path | str) -> Routing:
    path = resolve(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RoutingError(path, None, "(file)", f"cannot be read: {exc.strerror or exc}") from None
    try:
        lines = _lines(text)
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise RoutingError(path, mark.line + 1 if mark else None, "(file)", f"not valid YAML: {exc}") from None

    def fail(key_path: tuple, message: str) -> NoReturn:
        line = None
        for n in range(len(key_path), 0, -1):
            line = lines.get(key_path[:n])
            if line:
                break
        raise RoutingError(path, line, ".".join(str(k) for k in key_path) or "(file)", message)

    if not isinstance(data, dict):
        fail((), "must be a mapping with organisations, teams, default_team and rules")
    unknown = set(data) - {"organisations", "teams", "default_team", "rules"}
    if unknown:
        fail((sorted(unknown)[0],), "unknown key (expected organisations, teams, default_team, rules)")

    for section in ("organisations", "teams"):
        if not isinstance(data.get(section) or {}, dict):
            fail((section,), "must be a mapping of ids to entries")
    organisations: dict[str, Organisation] = {}
    for org_id, entry in (data.get("organisations") or {}).items():
        org_id = str(org_id)
        if not ID.match(org_id):
            fail(("organisations", org_id), "ids are lower-case letters, digits, - and _")
        entry = entry or {}
        if not isinstance(entry, dict) or set(entry) - {"name"}:
            fail(("organisations", org_id), "an organisation has only a name")
        organisations[org_id] = Organisation(org_id, str(entry.get("name") or org_id))
    if not organisations:
        fail(("organisations",), "at least one organisation is needed")

    teams: dict[str, Team] = {}
    for team_id, entry in (data.get("teams") or {}).items():
        team_id = str(team_id)
        if not ID.match(team_id):
            fail(("teams", team_id), "ids are lower-case letters, digits, - and _")
        if not isinstance(entry, dict) or set(entry) - {"name", "organisation"}:
            fail(("teams", team_id), "a team has an organisation and a name")
        org = entry.get("organisation")
        if not isinstance(org, str) or org not in organisations:
            fail(
                ("teams", team_id, "organisation"),
                f"{org!r} is not one of the organisations ({', '.join(organisations)})",
            )
        teams[team_id] = Team(team_id, org, str(entry.get("name") or team_id))
    if not teams:
        fail(("teams",), "at least one team is needed")

    default = data.get("default_team")
    if not isinstance(default, str) or default not in teams:
        fail(("default_team",), f"{default!r} must be one of the teams ({', '.join(teams)})")

    rules = []
    raw_rules = data.get("rules") or []
    if not isinstance(raw_rules, list):
        fail(("rules",), "must be a list of rules")
    for i, entry in enumerate(raw_rules):
        if not isinstance(entry, dict):
            fail(("rules", i), "a rule is a mapping: category, city, language, team")
        unknown = set(entry) - set(RULE_KEYS) - {"team"}
        if unknown:
            fail(("rules", i, sorted(unknown)[0]), "unknown key (a rule has category, city, language and team)")
        if not isinstance(entry.get("team"), str) or entry["team"] not in teams:
            fail(("rules", i, "team"), f"{entry.get('team')!r} is not one of the teams ({', '.join(teams)})")
        values = {}
        for key, allowed in RULE_KEYS.items():
            if key not in entry:
                continue
            given = entry[key] if isinstance(entry[key], list) else [entry[key]]
            for value in given:
                if value not in allowed:
                    fail(("rules", i, key), f"{value!r} is not one of {', '.join(allowed)}")
            values[key] = frozenset(given)
        if not values:
            fail(("rules", i), "matches everything: say so with default_team instead")
        rules.append(Rule(team=entry["team"], **values))
    return Routing(organisations, teams, tuple(rules), default)


class LiveRouting:
    """The routing file, read again when it changes; a broken edit keeps the last good rules."""

    def __init__(self, path: Path | str):
        self.path = resolve(path)
        self._lock = threading.Lock()
        self._stamp: tuple | None = None
        self._routing: Routing | None = None
        self.last_error: RoutingError | None = None

    def get(self) -> Routing:
        try:
            st = os.stat(self.path)
            stamp = (st.st_mtime_ns, st.st_size)
        except OSError:
            stamp = None
        if stamp != self._stamp or self._routing is None:
            with self._lock:
                try:
                    self._routing, self.last_error = load(self.path), None
                except RoutingError as exc:
                    self.last_error = exc
                    if self._routing is None:
                        raise
                    log.error("routing file not reloaded, the last good rules stay: %s", exc)
                self._stamp = stamp
        return self._routing
