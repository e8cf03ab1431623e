"""The packages import one way: tools → api → engine → remi (docs/architecture.md).

`remi/` is the library every part shares, the Rasa environment included, so it imports none of
the others; `actions/` and `bot/` run in the Rasa environment and see only `remi/`. A module
that imports against the arrow fails here with its file and line.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OURS = {"remi", "engine", "api", "tools", "actions", "bot", "bench"}
# What each package may import besides itself.
ALLOWED = {
    "remi": set(),
    "engine": {"remi"},
    "api": {"engine", "remi"},
    "actions": {"remi"},
    "bot": {"remi"},
    "tools": {"api", "engine", "remi", "bench"},  # `remi bench` runs the benchmarks
    "bench": {"tools", "api", "engine", "remi"},  # benchmarks measure any part
}


def imports_of(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module.split(".")[0]


def violations() -> list[str]:
    found = []
    for package, allowed in ALLOWED.items():
        for path in sorted((ROOT / package).rglob("*.py")):
            for line, top in imports_of(path):
                if top in OURS and top != package and top not in allowed:
                    found.append(f"{path.relative_to(ROOT)}:{line}: {package} must not import {top}")
    return found


def test_imports_run_one_way():
    assert violations() == []


def test_the_check_sees_a_wrong_import(tmp_path, monkeypatch):
    # The check itself can fail: a remi module importing the engine is reported.
    (tmp_path / "remi").mkdir()
    (tmp_path / "remi" / "x.py").write_text("from engine.worker import Worker\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    for package in ALLOWED:
        (tmp_path / package).mkdir(exist_ok=True)
    assert violations() == ["remi/x.py:1: remi must not import engine"]
