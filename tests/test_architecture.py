"""The dependency direction of the style guide (../shared/STYLE.md, §1), checked by parsing imports."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ALLOWED = {
    "indexer": {"indexer"},
    "service": {"indexer", "service"},
    "eval": {"indexer", "eval"},
    "vraagbaak": {"indexer", "service", "eval", "vraagbaak"},
}


def _project_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots & set(ALLOWED)


def test_packages_import_only_along_the_allowed_direction() -> None:
    violations = []
    for package, allowed in ALLOWED.items():
        for path in sorted((REPO / package).rglob("*.py")):
            for imported in _project_imports(path) - allowed:
                violations.append(f"{path.relative_to(REPO)} imports {imported}")
    assert violations == []


def test_indexer_never_reads_eval_data() -> None:
    offenders = [
        str(path.relative_to(REPO))
        for path in (REPO / "indexer").rglob("*.py")
        if "eval/data" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
