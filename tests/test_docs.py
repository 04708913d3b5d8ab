"""The README documents every setting, and the packages keep their dependency direction."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_readme_config_table_lists_every_setting() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields if f"`SUPPORTBOT_{name.upper()}`" not in readme]
    assert missing == []


def _imports(package: str) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for path in (ROOT / package).rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found |= {(str(path.relative_to(ROOT)), alias.name.split(".")[0]) for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add((str(path.relative_to(ROOT)), node.module.split(".")[0]))
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("retrieval", {"bot", "handoff", "eval", "fastapi", "sqlite_utils"}),
        ("handoff", {"bot", "retrieval", "eval"}),
        ("bot", {"eval"}),
    ],
)
def test_architecture_dependency_direction(package: str, forbidden: set[str]) -> None:
    bad = sorted((f, m) for f, m in _imports(package) if m in forbidden)
    assert bad == []


def test_architecture_nothing_imports_tests_or_eval_outside_eval() -> None:
    for package in ("bot", "retrieval", "handoff"):
        assert not {m for _, m in _imports(package)} & {"tests", "eval"}
