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


FRONT_DOORS = ("cli/", "server/", "report/")
FRONT_DOOR_MODULES = ("qualcode.project", "qualcode.cli", "qualcode.server", "qualcode.report",
                      "qualcode.__main__")


def _is_front_door(rel: str) -> bool:
    return rel.startswith(FRONT_DOORS) or rel in ("project.py", "__init__.py", "__main__.py")


def _names_module(module: str, names: list[str], targets: tuple[str, ...]) -> bool:
    """Whether `from module import names` (or `import module`) reaches one of targets."""
    full = [module, *(f"{module}.{n}" for n in names)]
    return any(m == t or m.startswith(t + ".") for m in full for t in targets)


def test_only_front_doors_import_the_project_facade():
    """The library takes a Workspace; only cli/, server/, report/ (front doors) and the
    package's lazy exports reach `Project` (issue 19)."""
    offenders = []
    for path in _modules(PACKAGE):
        rel = path.relative_to(PACKAGE).as_posix()
        if _is_front_door(rel):
            continue
        for module, names, line in _imports(path):
            if _names_module(module, names, ("qualcode.project",)):
                offenders.append(f"{rel}:{line}: {module} {names}")
    assert offenders == []


def test_no_library_module_imports_a_front_door():
    offenders = []
    for path in _modules(PACKAGE):
        rel = path.relative_to(PACKAGE).as_posix()
        if _is_front_door(rel):
            continue
        for module, names, line in _imports(path):
            if _names_module(module, names, FRONT_DOOR_MODULES):
                offenders.append(f"{rel}:{line}: {module} {names}")
    assert offenders == []


def test_the_workspace_is_plain_context():
    """workspace.py sits under every library module: it may read settings, the codebook
    and open the store, and calls nothing else of the library."""
    allowed = ("qualcode.errors", "qualcode.settings", "qualcode.codebook",
               "qualcode.store.engine")
    imported = [m for m, _, _ in _imports(PACKAGE / "workspace.py") if m.startswith("qualcode")]
    assert imported and all(m in allowed for m in imported), imported


def test_data_flows_down_through_datasets():
    """files -> store -> datasets -> analysis/learn: datasets and learn/ never fetch through
    an export or interop module (a higher layer), and datasets calls no writer."""
    higher = ("qualcode.export", "qualcode.interop", "qualcode.importer", "qualcode.coding",
              "qualcode.review", "qualcode.autocode.run", "qualcode.status")
    offenders = []
    for path in [PACKAGE / "datasets.py", *_modules(PACKAGE / "learn")]:
        for module, names, line in _imports(path):
            if _names_module(module, names, higher):
                offenders.append(f"{path.name}:{line}: {module} {names}")
    assert offenders == []


def test_the_front_door_guard_sees_a_facade_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                   "    from qualcode.project import Project\n"
                   "from qualcode import server\n")
    found = _imports(bad)
    assert any(_names_module(m, n, ("qualcode.project",)) for m, n, _ in found)
    assert any(_names_module(m, n, ("qualcode.server",)) for m, n, _ in found)
    assert not any(_names_module(m, n, ("qualcode.project",)) for m, n, _ in
                   [("qualcode.projection", [], 1)])
