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


INDEXER_JOBS = ("parsing", "model", "store", "retrieval")


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node except those under `if TYPE_CHECKING:`."""
    nodes: list[ast.AST] = []
    pending = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            pending.extend(node.orelse)
            continue
        nodes.append(node)
        pending.extend(ast.iter_child_nodes(node))
    return nodes


def _indexer_edges() -> dict[str, set[str]]:
    """Module -> the indexer modules it imports, lazily inside functions too (type-checking imports aside)."""
    modules = {_module_name(path): path for path in (REPO / "indexer").rglob("*.py")}
    edges: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets: set[str] = set()
        for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("indexer"):
                for alias in node.names:
                    candidate = f"{node.module}.{alias.name}"
                    targets.add(candidate if candidate in modules else node.module)
            elif isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names if alias.name.startswith("indexer"))
        edges[name] = {target for target in targets if target in modules and target != name}
    return edges


def test_indexer_has_one_sub_package_per_job_each_saying_what_it_is() -> None:
    for job in INDEXER_JOBS:
        opening = ast.get_docstring(ast.parse((REPO / "indexer" / job / "__init__.py").read_text(encoding="utf-8")))
        assert opening and len(opening.splitlines()[0]) > 20, f"indexer/{job}/__init__.py needs its one-line comment"
    loose = sorted(path.name for path in (REPO / "indexer").glob("*.py"))
    assert loose == ["__init__.py", "dutch_dates.py", "errors.py", "settings.py", "units.py"]


def test_indexer_modules_import_each_other_without_a_cycle() -> None:
    edges = _indexer_edges()
    state: dict[str, str] = {}
    cycles: list[list[str]] = []

    def visit(module: str, trail: list[str]) -> None:
        state[module] = "open"
        for target in sorted(edges[module]):
            if state.get(target) == "open":
                cycles.append([*trail[trail.index(target) :], target] if target in trail else [module, target])
            elif target not in state:
                visit(target, [*trail, target])
        state[module] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_the_encoder_interface_imports_no_implementation() -> None:
    assert {edge for edge in _indexer_edges()["indexer.model.encoder"] if edge.startswith("indexer.model")} == set()


def test_the_command_line_shares_search_shapes_with_the_indexer_not_the_service() -> None:
    offenders = [
        str(path.relative_to(REPO))
        for path in (REPO / "vraagbaak").rglob("*.py")
        if "service.schemas" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
