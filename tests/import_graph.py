"""The import graph of the project's own code, read from the source with `ast`.

Used by tests/test_import_graph.py (no circles, imports run one way) and runnable
as a script that prints the layout figures quoted when the tree is reorganised:

    python tests/import_graph.py

Every import counts, also one inside a function: a late import hides a circle
from Python but not from the next reader.
"""

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("registration", "cms")

# Modules that face the outside world: pages, API, admin screens, background
# tasks, e-mail builders, demo data, URL maps, commands and template tags. Any
# dotted part of a module's name with one of these names makes it a face.
FACE_PARTS = frozenset(
    {
        "views",
        "api",
        "admin",
        "wagtail_hooks",
        "tasks",
        "emails",
        "demo",
        "demo_data",
        "urls",
        "management",
        "templatetags",
        # Forwarding names of tasks queued before the reorganisation.
        "tasks_badges",
        "tasks_exports",
    }
)
# Small modules everything may use, models included; they import no model.
KERNELS = frozenset(
    f"registration.{name}"
    for name in (
        "money",
        "tokens",
        "names",
        "columns",
        "errors",
        "spreadsheets",
        "reader",
        "downloads",
    )
)
# Where the pieces are put together; they may import anything.
COMPOSITION_ROOTS = frozenset(
    {"registration.apps", "cms.apps", "registration.wagtail_hooks"}
)
LAYER_NAMES = {0: "kernels", 1: "models", 2: "services", 3: "faces"}
# Admin modules another package's admin may import: shared bases, not menus.
# A screen joins another package's menu group by name (registration/admin_menus.py).
SHARED_ADMIN_BASES = {
    "registration.jobs.admin": "the progress page and status view of every job kind",
    "registration.orders.admin.actions": "the base of every staff action on one order",
}


@dataclass(frozen=True)
class Import:
    source: str
    target: str
    line: int


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files() -> dict[str, Path]:
    files = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            files[module_name(path)] = path
    return files


def _resolve_relative(
    module: str, is_package: bool, level: int, name: str | None
) -> str:
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    if level > 1:
        base = base[: -(level - 1)]
    return ".".join(base + ([name] if name else []))


def imports_of(module: str, path: Path, known: set[str]) -> list[Import]:
    """The project modules `module` imports, each with the line it is on."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in known:
                    found.append(Import(module, alias.name, node.lineno))
        elif isinstance(node, ast.ImportFrom):
            origin = node.module or ""
            if node.level:
                origin = _resolve_relative(module, is_package, node.level, node.module)
            for alias in node.names:
                submodule = f"{origin}.{alias.name}"
                if submodule in known:
                    found.append(Import(module, submodule, node.lineno))
                elif origin in known:
                    found.append(Import(module, origin, node.lineno))
    return found


def import_graph() -> dict[str, list[Import]]:
    files = source_files()
    known = set(files)
    return {module: imports_of(module, path, known) for module, path in files.items()}


def circles(graph: dict[str, list[Import]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), and self-imports."""
    index: dict[str, int] = {}
    lowlink: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0

    def visit(start: str) -> None:
        nonlocal counter
        # Iterative, so a deep chain of imports cannot reach Python's recursion limit.
        work = [(start, iter(graph[start]))]
        index[start] = lowlink[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            advanced = False
            for edge in edges:
                target = edge.target
                if target not in index:
                    index[target] = lowlink[target] = counter
                    counter += 1
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(graph[target])))
                    advanced = True
                    break
                if target in on_stack:
                    lowlink[node] = min(lowlink[node], index[target])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                lowlink[parent] = min(lowlink[parent], lowlink[node])
            if lowlink[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                self_import = any(edge.target == node for edge in graph[node])
                if len(group) > 1 or self_import:
                    groups.append(sorted(group))

    for module in graph:
        if module not in index:
            visit(module)
    return sorted(groups)


def layer(module: str) -> int:
    """0 for kernels, 1 for models, 2 for services and selectors, 3 for faces."""
    parts = set(module.split("."))
    if module in KERNELS:
        return 0
    if module.startswith("cms."):
        # The CMS as a whole faces the public; its page models are its own.
        return 1 if "models" in parts else 3
    if FACE_PARTS & parts:
        return 3
    if "models" in parts:
        return 1
    return 2


def against_direction(graph: dict[str, list[Import]]) -> list[Import]:
    """Imports against faces → services → models → kernels, or from registration to cms."""
    wrong = []
    for module, edges in graph.items():
        if module in COMPOSITION_ROOTS:
            continue
        for edge in edges:
            if (
                module.startswith("registration") and edge.target.startswith("cms")
            ) or (
                module.startswith("registration") and layer(edge.target) > layer(module)
            ):
                wrong.append(edge)
    return wrong


def _admin_package(module: str) -> str | None:
    """The package of an admin module of registration (None for other modules)."""
    parts = module.split(".")
    if parts[0] != "registration" or "admin" not in parts[2:]:
        return None
    return parts[1]


def admin_cross_imports(graph: dict[str, list[Import]]) -> list[Import]:
    """Admin modules importing another package's admin module (bases excepted)."""
    return [
        edge
        for module, edges in graph.items()
        for edge in edges
        if (source := _admin_package(module))
        and (target := _admin_package(edge.target))
        and source != target
        and edge.target not in SHARED_ADMIN_BASES
    ]


def longest_functions(files: dict[str, Path], count: int = 10) -> list[tuple[int, str]]:
    lengths = []
    for module, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lengths.append(
                    (node.end_lineno - node.lineno + 1, f"{module}.{node.name}")
                )
    return sorted(lengths, reverse=True)[:count]


def report() -> None:
    files = source_files()
    graph = import_graph()
    top = sorted(p.name for p in (ROOT / "registration").glob("*.py"))
    print(f"modules directly under registration/: {len(top)} ({', '.join(top)})")
    by_length = sorted(
        (
            (len(p.read_text(encoding="utf-8").splitlines()), m)
            for m, p in files.items()
        ),
        reverse=True,
    )
    print("longest modules:", ", ".join(f"{m} {n}" for n, m in by_length[:5]))
    print(
        "longest functions:",
        ", ".join(f"{m} {n}" for n, m in longest_functions(files, 8)),
    )
    over = sum(1 for n, _ in longest_functions(files, 10_000) if n > 80)
    print(f"functions over 80 lines: {over}")
    groups = circles(graph)
    print(f"import circles: {len(groups)}")
    for group in groups:
        print("  ", " ↔ ".join(group))
    wrong = against_direction(graph)
    print(f"imports against the direction: {len(wrong)}")
    for edge in wrong:
        print(f"   {edge.source}:{edge.line} → {edge.target}")
    wrong = admin_cross_imports(graph)
    print(f"admin modules importing another package's admin: {len(wrong)}")
    for edge in wrong:
        print(f"   {edge.source}:{edge.line} → {edge.target}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    report()
