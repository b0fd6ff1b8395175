"""Requirements tell the truth: every package the product imports is in requirements.txt, and every package the
benchmarks and tests import is in requirements.txt or requirements-dev.txt."""

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("aktau_tos", "yard", "rail", "customs", "dangerous_goods", "vessels", "edi", "handheld", "simulation")
FIRST_PARTY = {*PRODUCT, "bench", "tests", "manage"}  # a new app counts once it is in PRODUCT
DEVELOPMENT = ("bench", "tests", "scripts")


def _declared(filename: str) -> set[str]:
    names = set()
    for line in (ROOT / filename).read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            names.add(_normal(re.split(r"[\[=<>!~ ]", line)[0]))
    return names


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _third_party(folders: tuple[str, ...]) -> dict[str, set[str]]:
    """Top-level third-party modules imported under the folders -> the files importing them."""
    found: dict[str, set[str]] = {}
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in FIRST_PARTY:
                        found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def _undeclared(folders: tuple[str, ...], declared: set[str]) -> dict[str, set[str]]:
    distributions = packages_distributions()
    missing = {}
    for module, files in _third_party(folders).items():
        provided_by = {_normal(name) for name in distributions.get(module, [module])}
        if not provided_by & declared:
            missing[module] = files
    return missing


def test_the_product_imports_only_what_requirements_txt_declares():
    assert _undeclared(PRODUCT, _declared("requirements.txt")) == {}


def test_benchmarks_tests_and_scripts_import_only_what_either_file_declares():
    declared = _declared("requirements.txt") | _declared("requirements-dev.txt")
    assert _undeclared(DEVELOPMENT, declared) == {}


@pytest.mark.parametrize("filename", ["requirements.txt", "requirements-dev.txt"])
def test_the_check_reads_every_pinned_line(filename):
    pinned = [line for line in (ROOT / filename).read_text().splitlines() if "==" in line]
    assert len(_declared(filename)) == len(pinned) > 0
