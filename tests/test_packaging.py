"""pyproject.toml declares what the book needs: w2vlib's dependencies, the extras.

Installing ``w2vlib[book]`` into a kernel of its own must be enough to run every chapter:
every module a chapter imports comes with Python, is w2vlib, or is installed by a
distribution that w2vlib's dependencies or the ``book`` extra name. Every module w2vlib
imports (some only in functions) is covered by the dependencies and the extras.
"""

import ast
import importlib.metadata
import json
import re
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def normal(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def names(requirements):
    """The distribution names of a list of requirement strings."""
    return {normal(re.split(r"[<>=!~;\[ ]", r, maxsplit=1)[0]) for r in requirements}


def imported(source):
    """The top-level modules a piece of Python source imports (IPython magics skipped)."""
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    found = set()
    for node in ast.walk(ast.parse("\n".join(lines))):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def uncovered(modules, distributions):
    """The modules that neither Python, w2vlib nor ``distributions`` provide."""
    providers = importlib.metadata.packages_distributions()
    missing = []
    for module in sorted(modules):
        if module in sys.stdlib_module_names or module == "w2vlib":
            continue
        if not {normal(d) for d in providers.get(module, [])} & distributions:
            missing.append(f"{module} (from {providers.get(module, ['not installed'])})")
    return missing


def test_python_and_lower_bounds():
    assert PYPROJECT["requires-python"] == ">=3.11"
    requirements = PYPROJECT["dependencies"] + [
        r for extra in PYPROJECT["optional-dependencies"].values() for r in extra]
    for requirement in requirements:
        assert ">=" in requirement, f"{requirement}: expected a lower bound"
    assert {"numpy", "scipy", "sympy"} <= names(PYPROJECT["dependencies"])
    assert {"gensim", "matplotlib", "tqdm"} <= names(PYPROJECT["optional-dependencies"]["book"])


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_imports_are_covered_by_the_book_extra(path):
    cells = json.loads(path.read_text())["cells"]
    modules = set().union(*(imported("".join(c["source"])) for c in cells
                            if c["cell_type"] == "code"))
    allowed = names(PYPROJECT["dependencies"] + PYPROJECT["optional-dependencies"]["book"])
    assert not uncovered(modules, allowed)


def test_w2vlib_imports_are_covered():
    modules = set().union(*(imported(p.read_text()) for p in (ROOT / "w2vlib").glob("*.py")))
    allowed = names(PYPROJECT["dependencies"] + [
        r for extra in PYPROJECT["optional-dependencies"].values() for r in extra])
    assert not uncovered(modules, allowed)


def test_the_pins_satisfy_the_lower_bounds():
    """requirements.txt (what make installs) pins versions that pyproject accepts."""
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", (ROOT / "requirements.txt").read_text(),
                           re.MULTILINE))
    pins = {normal(k): v for k, v in pins.items()}
    requirements = PYPROJECT["dependencies"] + [
        r for extra in PYPROJECT["optional-dependencies"].values() for r in extra]

    def version(text):
        return tuple(int(x) for x in re.findall(r"\d+", text)[:3])
    for requirement in requirements:
        name = normal(re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0])
        assert name in pins, f"{name} is not pinned in requirements.txt"
        low = re.search(r">=\s*([\d.]+)", requirement).group(1)
        assert version(pins[name]) >= version(low), (name, pins[name], low)
        high = re.search(r"<\s*([\d.]+)", requirement)
        assert not high or version(pins[name]) < version(high.group(1)), (name, pins[name])
