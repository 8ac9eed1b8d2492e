"""The import direction of the whole package (docs/architecture.md): each module belongs to one
layer and imports only from its own layer or the layers before it; Dash, Flask and plotly are
imported only where the layer may use them. Read from the source (ast), lazy imports too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "kvalitetsvisaren"

LAYERS = {  # in order: a package may import from its own layer and the ones before it
    "base": {"paths", "rows", "labels", "memory"},  # top-level modules: locations, words, rows
    "kolada": {"kolada"},
    "data": {"data"},
    "config": {"config"},
    "analysis": {"analysis"},
    "local": {"local"},
    "service": {"service"},
    "present": {"present"},
    "export": {"export"},
    "web": {"web"},
    # the commands: sync composes Kolada, the store, the config and the half-width pairing
    "entry": {"cli", "wsgi", "startup", "sync", "__init__"},
}
ORDER = list(LAYERS)
LAYER_OF = {module: layer for layer, modules in LAYERS.items() for module in modules}
# third-party libraries that only some layers may import
ALLOWED = {
    "dash": {"web", "entry"},
    "flask": {"web", "entry"},
    "plotly": {"present", "export", "web", "entry"},
    "pptx": {"export"},
    "kaleido": {"export"},
}


def _top(path: Path) -> str:
    """The subpackage or top-level module: kolada/client.py -> kolada, web/pages/kpi.py -> web."""
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def _sources() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if _top(p) != "testing")


def _imports(path: Path) -> list[tuple[str, int]]:
    """(the package module or third-party library imported, line) for every import."""
    depth = len(path.relative_to(PACKAGE).parts) - 1  # 0 for a module directly in the package
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                names = [node.module or ""]
            elif node.level - 1 > depth:
                names = ["(outside the package)"]
            else:
                inside = path.relative_to(PACKAGE).parts[: depth - (node.level - 1)]
                parts = [*inside, *(node.module.split(".") if node.module else [])]
                names = [f"kvalitetsvisaren.{p}" for p in parts[:1]] or [
                    f"kvalitetsvisaren.{alias.name}" for alias in node.names
                ]
        else:
            continue
        for name in names:
            head, _, rest = name.partition(".")
            found.append((rest.split(".")[0] if head == "kvalitetsvisaren" else head, node.lineno))
    return found


def test_every_module_has_a_layer():
    assert sorted({_top(p) for p in _sources()} - set(LAYER_OF)) == []


def test_every_layer_names_a_module_that_exists():
    """A package renamed or removed must leave the table too (a stale entry allows nothing)."""
    assert sorted(set(LAYER_OF) - {_top(p) for p in _sources()}) == []


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_go_to_the_same_or_an_earlier_layer(path):
    mine = LAYER_OF[_top(path)]
    wrong = []
    for name, line in _imports(path):
        if name in LAYER_OF and ORDER.index(LAYER_OF[name]) > ORDER.index(mine):
            wrong.append(f"line {line}: {mine} imports {name} ({LAYER_OF[name]})")
        if name in ALLOWED and mine not in ALLOWED[name]:
            wrong.append(f"line {line}: {mine} imports {name}")
        if name == "testing" or name == "(outside the package)":
            wrong.append(f"line {line}: imports {name}")
    assert wrong == []


def test_the_check_sees_an_upward_import_synthetic(tmp_path, monkeypatch):
    """The reader itself: relative imports from a sub-subpackage and a lazy one are both seen."""
    monkeypatch.setattr(f"{__name__}.PACKAGE", tmp_path)
    (tmp_path / "web" / "pages").mkdir(parents=True)
    page = tmp_path / "web" / "pages" / "x.py"
    page.write_text("from ...service.facade import S\ndef f():\n    from ...present import fig\n")
    (tmp_path / "data").mkdir()
    store = tmp_path / "data" / "store.py"
    store.write_text("import dash\nfrom ..web.views import header\nfrom . import atomic\n")
    assert _imports(page) == [("service", 1), ("present", 3)]
    assert _imports(store) == [("dash", 1), ("web", 2), ("data", 3)]


PACKAGES = sorted(PACKAGE.glob("*/__init__.py"))


@pytest.mark.parametrize("init", PACKAGES, ids=lambda p: p.parent.name)
def test_every_package_says_what_it_owns_and_may_import(init):
    doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
    assert doc and "import" in doc.lower(), f"{init.relative_to(PACKAGE)}: no docstring"
