"""The layering the code relies on: the store is the only door to the data, and analysis
works on frames (issue 11). These tests read the source, so a new module that breaks a
rule fails here."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "qualcode"
SQL_BUILDERS = {"select", "insert", "update", "delete", "text", "func", "and_", "or_",
                "bindparam", "literal", "table", "column"}


def _modules(under: Path) -> list[Path]:
    return sorted(p for p in under.rglob("*.py"))


def _imports(path: Path) -> list[tuple[str, list[str], int]]:
    """(module, names, line) of every import in the file, wherever it stands."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.append((node.module, [a.name for a in node.names], node.lineno))
        elif isinstance(node, ast.Import):
            out.extend((a.name, [], node.lineno) for a in node.names)
    return out


def test_no_sql_outside_the_store():
    offenders = []
    for path in _modules(PACKAGE):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith("store/"):
            continue
        for module, names, line in _imports(path):
            if module.startswith("sqlalchemy") and (set(names) & SQL_BUILDERS or not names
                                                    or module != "sqlalchemy"):
                offenders.append(f"{rel}:{line}: {module} {names}")
            if module == "qualcode.store.schema" or (module == "qualcode.store"
                                                      and "schema" in names):
                offenders.append(f"{rel}:{line}: imports the tables")
    assert offenders == []


def test_the_guard_sees_a_query_builder(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from sqlalchemy import select\n    return select\n")
    assert ("sqlalchemy", ["select"], 2) in _imports(bad)


def test_analysis_takes_frames_not_a_project_or_the_store():
    offenders = []
    for path in _modules(PACKAGE / "analysis"):
        for module, names, line in _imports(path):
            if module in ("qualcode.project", "qualcode.datasets") or \
                    module.startswith(("qualcode.store", "sqlalchemy")) or \
                    (module == "qualcode" and {"project", "store", "datasets"} & set(names)):
                offenders.append(f"{path.name}:{line}: {module} {names}")
    assert offenders == []
