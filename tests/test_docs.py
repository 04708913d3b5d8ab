"""The README documents every setting, and the packages keep the layout ``docs/architecture.md`` draws.

Each rule walks the source with ``ast`` (never by importing it), so a broken rule fails here with the
file and the offending name, before it becomes a habit.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from config.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "config", "retrieval", "handoff", "web", "eval")
# What each package may import of the project (config is the leaf everyone may use).
ALLOWED = {
    "config": set(),
    "retrieval": {"config"},
    "handoff": {"config"},
    "bot": {"config", "retrieval"},
    "web": {"config", "bot", "retrieval", "handoff"},
    "eval": {"config", "bot", "retrieval"},
}
THIRD_PARTY_FORBIDDEN = {
    "bot": {"fastapi", "starlette", "uvicorn", "sqlite_utils", "sqlite3", "psycopg"},
    "retrieval": {"fastapi", "starlette", "uvicorn", "sqlite_utils", "sqlite3", "psycopg"},
    "handoff": {"fastapi", "starlette", "uvicorn"},
    "config": {"fastapi", "starlette", "sqlite_utils", "torch"},
    "eval": {"fastapi", "starlette"},
}


def _sources(package: str) -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted((ROOT / package).rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imports(package: str) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for path, tree in _sources(package):
        rel = str(path.relative_to(ROOT))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found |= {(rel, alias.name.split(".")[0]) for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add((rel, node.module.split(".")[0]))
    return found


def test_readme_config_table_lists_every_setting() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields if f"`SUPPORTBOT_{name.upper()}`" not in readme]
    assert missing == []


@pytest.mark.parametrize("package", PACKAGES)
def test_architecture_dependency_direction(package: str) -> None:
    project = set(PACKAGES) | {"tests"}
    bad = sorted(
        (f, m) for f, m in _imports(package) if m in project and m != package and m not in ALLOWED[package]
    )
    assert bad == [], f"{package} may import only {sorted(ALLOWED[package])} of the project"


@pytest.mark.parametrize("package", sorted(THIRD_PARTY_FORBIDDEN))
def test_architecture_edges_stay_at_the_edge(package: str) -> None:
    bad = sorted((f, m) for f, m in _imports(package) if m in THIRD_PARTY_FORBIDDEN[package])
    assert bad == [], "only web imports the HTTP stack; only handoff talks to the database"


def test_architecture_only_web_imports_fastapi() -> None:
    users = {
        f.split("/")[0] for package in PACKAGES for f, m in _imports(package) if m in {"fastapi", "starlette"}
    }
    assert users <= {"web"}


def _string_constants(tree: ast.AST) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value
        elif isinstance(node, ast.JoinedStr):
            yield "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))


def _setting_defaults() -> dict[str, object]:
    return {
        name: field.default
        for name, field in Settings.model_fields.items()
        if isinstance(field.default, int | float | str) and not isinstance(field.default, bool)
    }


def test_architecture_no_setting_default_is_written_outside_settings() -> None:
    """A parameter, field or constant named like a setting carries no literal default of its own:
    the value comes from ``Settings`` (one source), so a changed setting changes every path."""
    names = set(_setting_defaults())
    names |= {name.upper() for name in names}
    bad = []
    for package in PACKAGES:
        for path, tree in _sources(package):
            if path == ROOT / "config" / "settings.py":
                continue
            rel = str(path.relative_to(ROOT))
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    args = node.args
                    positional = args.posonlyargs + args.args
                    pairs = list(zip(positional[len(positional) - len(args.defaults):], args.defaults, strict=True))
                    pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is not None]
                    bad += [(rel, a.arg) for a, d in pairs if a.arg in names and isinstance(d, ast.Constant)]
                elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                    if node.target.id in names and isinstance(node.value, ast.Constant):
                        bad.append((rel, node.target.id))
                elif isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Name) and target.id in names and isinstance(node.value, ast.Constant):
                            bad.append((rel, target.id))
    assert bad == [], "take the value from Settings instead of repeating its default"


def test_architecture_only_settings_reads_the_environment() -> None:
    bad = []
    for package in PACKAGES:
        for path, tree in _sources(package):
            for node in ast.walk(tree):
                is_os = isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "os"
                if is_os and node.attr in {"environ", "getenv"}:  # type: ignore[attr-defined]
                    bad.append(str(path.relative_to(ROOT)))
    allowed = {"config/settings.py"}
    assert sorted(set(bad) - allowed) == []


def test_architecture_doc_names_every_package_and_module() -> None:
    """``docs/architecture.md`` stays true: it names every package and every module of the core."""
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = [p for p in PACKAGES if f"`{p}/`" not in doc]
    for package in ("bot", "web", "handoff", "retrieval"):
        for path in sorted((ROOT / package).glob("*.py")):
            if path.name not in {"__init__.py", "__main__.py"} and f"{path.stem}" not in doc:
                missing.append(str(path.relative_to(ROOT)))
        for sub in sorted(p for p in (ROOT / package).iterdir() if (p / "__init__.py").is_file()):
            if f"{sub.name}/" not in doc:
                missing.append(str(sub.relative_to(ROOT)))
    assert missing == []


def test_architecture_one_percentile_and_one_language_normaliser() -> None:
    defs: dict[str, list[str]] = {"percentile": [], "base_language": []}
    for package in PACKAGES:
        for path, tree in _sources(package):
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef) and node.name.lstrip("_") in defs:
                    defs[node.name.lstrip("_")].append(str(path.relative_to(ROOT)))
            text = path.read_text(encoding="utf-8")
            if 'split("-", 1)[0]' in text and path != ROOT / "config" / "languages.py":
                defs["base_language"].append(str(path.relative_to(ROOT)) + " (inline)")
    assert defs == {"percentile": ["config/stats.py"], "base_language": ["config/languages.py"]}


def _handoff_tables() -> set[str]:
    """Every table ``handoff/schema.py`` creates, by ``_create_table(db, "...")`` or ``CREATE TABLE``."""
    text = (ROOT / "handoff" / "schema.py").read_text(encoding="utf-8")
    names = set(re.findall(r"""_create_table\(\s*db,\s*["'](\w+)["']""", text))
    names |= set(re.findall(r"CREATE\s+(?:VIRTUAL\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?[\"'`\[]?(\w+)", text, re.I))
    names.discard("IF")  # CREATE TABLE IF NOT EXISTS {PG_MIGRATIONS_TABLE}
    return names


SQL_VERB = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|REPLACE|PRAGMA|WITH)\b", re.I)
SQL_TABLE = re.compile(r"\b(?:FROM|INTO|UPDATE|JOIN|TABLE)\s+[\"'`\[]?(\w+)", re.I)
# Handoff's own tests check the stored rows themselves (migrations, WAL, the audit trail).
SQL_EXEMPT = ("handoff/", "tests/test_handoff_", "tests/handoff_support.py")


def _sql_on(tables: set[str], tree: ast.AST) -> list[str]:
    return sorted(
        {
            name
            for text in _string_constants(tree)
            if SQL_VERB.search(text)
            for name in SQL_TABLE.findall(text)
            if name.lower() in tables
        }
    )


def test_architecture_handoff_tables_are_known() -> None:
    assert {"conversations", "messages", "agents", "queue_entries", "feedback", "audit_log"} <= _handoff_tables()


def test_architecture_only_handoff_runs_sql_on_its_tables() -> None:
    """Everything else calls ``handoff``'s operations; a query on its tables elsewhere is a second,
    unguarded path to the same rows (no lock, no re-check, no audit)."""
    tables = _handoff_tables()
    bad = []
    for package in (*PACKAGES, "tests"):
        for path, tree in _sources(package):
            rel = str(path.relative_to(ROOT))
            if rel.startswith(SQL_EXEMPT):
                continue
            bad += [(rel, name) for name in _sql_on(tables, tree)]
    assert bad == [], "ask handoff (from handoff import ...) instead of querying its tables"


def _handoff_face() -> set[str]:
    tree = ast.parse((ROOT / "handoff" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return {str(name) for name in ast.literal_eval(node.value)}
    return set()


def _is_handoff_attribute(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "handoff"


@pytest.mark.parametrize("package", ["web", "eval"])
def test_architecture_web_and_eval_use_only_the_handoff_face(package: str) -> None:
    """``from handoff import name`` with a name of ``handoff.__all__`` (or ``import handoff``), never a
    module of the package: its modules are steps, the face holds the whole operations."""
    face = _handoff_face()
    bad = []
    for path, tree in _sources(package):
        rel = str(path.relative_to(ROOT))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                bad += [(rel, a.name) for a in node.names if a.name.startswith("handoff.")]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                if node.module.startswith("handoff."):
                    bad.append((rel, node.module))
                elif node.module == "handoff":
                    bad += [(rel, f"handoff.{a.name}") for a in node.names if a.name not in face]
            elif _is_handoff_attribute(node) and node.attr not in face:  # type: ignore[attr-defined]
                bad.append((rel, f"handoff.{node.attr}"))  # ``import handoff``, then ``handoff.tickets.claim``
    assert bad == []
