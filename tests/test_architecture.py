"""The dependency direction of the style guide (../shared/STYLE.md, §1), checked by parsing imports.

One package, `vraagbaak`: the core (parsing, model, store, retrieval, text and the modules at the top) imports
nothing above it; the service, the sources and the evaluation import the core and never each other; the
CLI may import them all. Imports inside functions count too (only `if TYPE_CHECKING:` blocks do not), and
no module anywhere in the package takes part in an import cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "vraagbaak"
CORE_JOBS = ("parsing", "model", "store", "retrieval", "text")
CORE_MODULES = ("dutch_dates", "errors", "settings", "units")
LAYERS_ABOVE = ("service", "sources", "eval", "cli")
ALLOWED = {
    "core": {"core"},
    "service": {"core", "service"},
    "sources": {"core", "sources"},
    "eval": {"core", "eval"},
    "cli": {"core", "service", "sources", "eval", "cli"},
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS_ABOVE else "core"


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


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in PACKAGE.rglob("*.py")}


def _edges() -> dict[str, set[str]]:
    """Module -> the package's modules it imports, lazily inside functions too (type-checking imports aside)."""
    modules = _modules()
    edges: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                if not base.startswith("vraagbaak"):
                    continue
                for alias in node.names:
                    candidate = f"{base}.{alias.name}"
                    targets.add(candidate if candidate in modules else base)
            elif isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names if alias.name.startswith("vraagbaak"))
        edges[name] = {target for target in targets if target in modules and target != name}
    return edges


def test_layers_import_only_along_the_allowed_direction() -> None:
    violations = [
        f"{module} imports {target}"
        for module, targets in _edges().items()
        for target in sorted(targets)
        if module != "vraagbaak" and target != "vraagbaak" and _layer(target) not in ALLOWED[_layer(module)]
    ]
    assert violations == []


def test_the_package_root_imports_nothing_so_every_layer_can_import_it() -> None:
    assert _edges()["vraagbaak"] == set()


def test_the_core_never_reads_eval_data() -> None:
    offenders = [
        name
        for name, path in _modules().items()
        if _layer(name) == "core" and "eval/data" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_the_core_has_one_sub_package_per_job_each_saying_what_it_is() -> None:
    for job in (*CORE_JOBS, *LAYERS_ABOVE):
        opening = ast.get_docstring(ast.parse((PACKAGE / job / "__init__.py").read_text(encoding="utf-8")))
        assert opening and len(opening.splitlines()[0]) > 20, f"vraagbaak/{job}/__init__.py needs its one-line comment"
    loose = sorted(path.stem for path in PACKAGE.glob("*.py"))
    assert loose == sorted(["__init__", *CORE_MODULES])


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
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
    return cycles


def test_no_module_of_the_package_takes_part_in_an_import_cycle() -> None:
    assert _cycles(_edges()) == []


def test_the_cycle_check_finds_a_cycle_of_three() -> None:
    """The check above must be able to fail."""
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(edges) == [["a", "b", "c", "a"]]


def test_the_encoder_interface_imports_no_implementation() -> None:
    assert {edge for edge in _edges()["vraagbaak.model.encoder"] if edge.startswith("vraagbaak.model")} == set()


def test_the_command_line_shares_search_shapes_with_the_core_not_the_service() -> None:
    offenders = [
        str(path.relative_to(REPO))
        for path in (PACKAGE / "cli").rglob("*.py")
        if "vraagbaak.service.schemas" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_pip_installs_one_top_level_package() -> None:
    """pyproject's package discovery takes `vraagbaak` and its sub-packages, nothing beside it."""
    import tomllib

    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert config["tool"]["setuptools"]["packages"]["find"]["include"] == ["vraagbaak*"]
    assert config["project"]["scripts"] == {"vraagbaak": "vraagbaak.cli.main:main"}
