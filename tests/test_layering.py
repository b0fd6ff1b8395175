"""The house rules, read off the source: who may import whom, and who may write whose rows.

- `yard` imports no other app; rail, customs, dangerous goods and vessels import only `yard` (and the ground).
- The modules the apps import from `aktau_tos` (the ground) import no app, however indirectly.
- Nothing in the product imports the benchmarks, nor the simulator (the top floor); no benchmark module lives
  in the product's packages.
- No app constructs, updates or deletes another app's rows: it calls that app's services.
"""

import ast
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent
APPS = ("yard", "rail", "customs", "dangerous_goods", "vessels")
GROUND = "aktau_tos"
TOP_FLOOR = "simulation"
BENCH = "bench"
PRODUCT = (GROUND, *APPS, TOP_FLOOR)
MAY_IMPORT = {"yard": set(), "rail": {"yard"}, "customs": {"yard"}, "dangerous_goods": {"yard"}, "vessels": {"yard"}}
WRITES = {"create", "bulk_create", "get_or_create", "update_or_create", "update", "bulk_update", "delete"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _sources(package: str) -> dict[str, ast.Module]:
    return {_module_name(path): ast.parse(path.read_text(), str(path)) for path in (ROOT / package).rglob("*.py")}


SOURCES = {name: tree for package in (*PRODUCT, BENCH) for name, tree in _sources(package).items()}


def _imports(tree: ast.Module) -> set[str]:
    """Every module a file imports, as dotted names (`from a.b import c` counts as a.b and a.b.c)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _package(module: str) -> str:
    return module.split(".")[0]


def _modules_of(*packages: str) -> dict[str, ast.Module]:
    return {name: tree for name, tree in SOURCES.items() if _package(name) in packages}


@pytest.mark.parametrize("app", APPS)
def test_an_app_imports_only_the_apps_it_builds_on(app):
    allowed = {app, GROUND, *MAY_IMPORT[app]}
    strays = {
        (module, imported)
        for module, tree in _modules_of(app).items()
        for imported in _imports(tree)
        if _package(imported) in (*APPS, TOP_FLOOR, BENCH) and _package(imported) not in allowed
    }
    assert strays == set()


def test_the_ground_the_apps_stand_on_imports_no_app():
    ground = {name for name in SOURCES if _package(name) == GROUND}
    reached = {imported for tree in _modules_of(*APPS).values() for imported in _imports(tree) if imported in ground}
    assert reached, "the apps import the ground (errors, audit, api): the walk must start somewhere"
    seen, todo = set(), list(reached)
    while todo:  # everything those modules import from the ground, however indirectly
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        todo.extend(imported for imported in _imports(SOURCES[module]) if imported in ground)
    strays = {
        (module, imported)
        for module in seen
        for imported in _imports(SOURCES[module])
        if _package(imported) in (*APPS, TOP_FLOOR, BENCH)
    }
    assert strays == set()


def test_nothing_in_the_product_imports_the_benchmarks_or_the_simulator():
    strays = {
        (module, imported)
        for module, tree in _modules_of(GROUND, *APPS).items()
        for imported in _imports(tree)
        if _package(imported) in (TOP_FLOOR, BENCH)
    }
    strays |= {
        (module, imported)
        for module, tree in _modules_of(TOP_FLOOR).items()
        for imported in _imports(tree)
        if _package(imported) == BENCH
    }
    assert strays == set()


def test_no_benchmark_module_lives_in_the_product():
    for package in PRODUCT:
        names = {path.stem for path in (ROOT / package).rglob("*.py")} | {
            path.name for path in (ROOT / package).rglob("*") if path.is_dir()
        }
        assert not names & {"bench", "benchmark", "benchmarks"}, package


def _foreign_models(module: str, tree: ast.Module) -> dict[str, str]:
    """Names in this module bound to another of our apps' model classes -> the owning app (Django's own, such
    as the role groups, are the project's to manage)."""
    owner_app = _package(module)
    models_by_module = {}
    for model in apps.get_models():
        models_by_module.setdefault(model.__module__, set()).add(model.__name__)
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in models_by_module and node.level == 0:
            owner = _package(node.module)
            for alias in node.names:
                if owner in PRODUCT and owner != owner_app and alias.name in models_by_module[node.module]:
                    found[alias.asname or alias.name] = owner
    return found


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _row_writes(module: str, tree: ast.Module) -> list[str]:
    foreign = _foreign_models(module, tree)
    writes = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in foreign:  # Model(...): a row built here
            writes.append(f"{module}:{node.lineno} builds {foreign[func.id]}.{func.id}")
        elif isinstance(func, ast.Attribute) and func.attr in WRITES and _root_name(func) in foreign:
            writes.append(f"{module}:{node.lineno} {func.attr}() on {foreign[_root_name(func)]}.{_root_name(func)}")
    return writes


def test_no_app_writes_another_apps_rows():
    writes = [write for module, tree in _modules_of(*PRODUCT).items() for write in _row_writes(module, tree)]
    assert writes == []


def test_the_row_write_check_sees_a_foreign_row_built_or_updated():
    tree = ast.parse(
        "from yard.models import CarrierVisit, YardMove\n"
        "CarrierVisit(mode='truck', reference='X')\n"
        "YardMove.objects.filter(pk=1).update(status='done')\n"
        "YardMove.objects.filter(pk=1).exists()\n"
    )
    assert _row_writes("rail.services", tree) == [
        "rail.services:2 builds yard.CarrierVisit",
        "rail.services:3 update() on yard.YardMove",
    ]
    assert _row_writes("yard.services", tree) == []  # its own rows
