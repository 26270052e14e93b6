"""Data flows one way: inputs → compute → documents → delivery, the command line and the API on
top. No module imports a later stage, the ground below every stage imports none, and pure
modules never import the edges (files, Word, the command line)."""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "pipeline"
EDGES = {"docxtpl", "docx", "pptx", "click", "subprocess", "openpyxl", "pipeline.inputs.load",
         "pipeline.documents.render", "pipeline.publish", "pipeline.outputs", "pipeline.documents.pdf",
         "pipeline.documents.wordchart", "pipeline.cli", "pipeline.run"}
PURE = ["inputs.catalog", "documents.formats", "inputs.values", "inputs.validate", "compute.org", "compute.transform",
        "compute.by_unit", "compute.analysis", "documents.analysis_text", "documents.charts", "documents.context", "inputs.schema", "errors",
        "inputs.model", "compute.model", "status", "months", "numbers", "layout", "compute.history", "documents.history_context", "compute.segments",
        "documents.segment_context", "compute.notes", "documents.plan_context", "documents.rollup_context",
        "compute.plan", "compute.month", "documents.tables", "inputs.opportunities", "compute.pipeline",
        "documents.pipeline_context", "fieldtag", "documents.fields", "documents.fill_in", "inputs.address",
        "inputs.toml_errors", "delivery.retries"]
# The stages in order; a module may import its own stage and earlier ones. The ground (0) is below
# every stage: what they all share (errors, status words, the month, the rounding core, the
# output layout, the worker pool); it imports no stage. The top (5) may import anything.
GROUND, INPUTS, COMPUTE, DOCUMENTS, DELIVERY, TOP = range(6)
STAGE_OF = {
    "pipeline": GROUND, "pipeline.errors": GROUND, "pipeline.status": GROUND, "pipeline.months": GROUND,
    "pipeline.numbers": GROUND, "pipeline.layout": GROUND, "pipeline.resources": GROUND,
    "pipeline.workers": GROUND, "pipeline.fieldtag": GROUND,
    "pipeline.inputs": INPUTS, "pipeline.config": INPUTS,  # the settings are read like the inputs
    "pipeline.compute": COMPUTE,
    "pipeline.documents": DOCUMENTS, "pipeline.outputs": DOCUMENTS, "pipeline.publish": DOCUMENTS,
    "pipeline.delivery": DELIVERY,
    "pipeline.run": TOP, "pipeline.api": TOP, "pipeline.cli": TOP, "pipeline.starter": TOP, "pipeline.collect": TOP, "pipeline.__main__": TOP,
}
# Known bends, each to be removed: (importer, imported).
KNOWN_BACKWARD: set[tuple[str, str]] = set()


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)


def source_imports(source: str, module: str, runtime: bool = False) -> set[str]:
    """Every module `source` (the text of `module`) imports, as dotted absolute names, wherever
    the import is (a function body too): `from . import x` counts as `package.x`, `from a import b`
    as both `a` and `a.b`, and `importlib.import_module("a")` / `__import__("a")` as `a`.
    `runtime`: without the imports under `if TYPE_CHECKING:` (names for type hints only)."""
    package = module if module.endswith("__init__") else module.rsplit(".", 1)[0]
    package = package.removesuffix(".__init__")
    tree = ast.parse(source)
    hidden = {id(inner) for node in ast.walk(tree) if runtime and _type_checking(node)
              for part in node.body for inner in ast.walk(part)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in hidden:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = parts[: len(parts) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Call) and _dynamic_import(node):
            found.add(node.args[0].value)
    return found


def _type_checking(node: ast.AST) -> bool:
    """`if TYPE_CHECKING:` or `if typing.TYPE_CHECKING:`."""
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return getattr(test, "id", None) == "TYPE_CHECKING" or getattr(test, "attr", None) == "TYPE_CHECKING"


def _dynamic_import(call: ast.Call) -> bool:
    function = call.func
    name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
    return name in ("import_module", "__import__") and bool(call.args) \
        and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str)


def imports(module: str, runtime: bool = False) -> set[str]:
    path = PACKAGE.parent / (module.replace(".", "/") + ".py")
    return source_imports(path.read_text(encoding="utf-8"), module, runtime)


def stage(module: str) -> int | None:
    """The stage of `module` (of its longest listed prefix); None for one outside the package."""
    parts = module.removesuffix(".__init__").split(".")
    for end in range(len(parts), 0, -1):
        if ".".join(parts[:end]) in STAGE_OF:
            return STAGE_OF[".".join(parts[:end])]
    return None


def backward(module: str, found: set[str]) -> set[str]:
    """The modules among `found` (what `module` imports) of a later stage than `module`'s."""
    own = stage(module)
    return {name for name in found if name.startswith("pipeline") and stage(name) is not None
            and stage(name) > own and not _known(module, name)}


def _known(module: str, name: str) -> bool:
    """A known bend: `name` is its imported module, or the package it is imported from."""
    return any(importer == module and (imported == name or imported.startswith(name + "."))
               for importer, imported in KNOWN_BACKWARD)


def edge_imports(found: set[str]) -> set[str]:
    """The edges among `found`, a submodule of an edge (`docx.shared`) counting as the edge."""
    return {name for name in found if any(name == edge or name.startswith(edge + ".") for edge in EDGES)}


def all_modules() -> list[str]:
    return sorted(module_name(p) for p in PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("module", PURE)
def test_pure_modules_do_no_io_imports(module):
    assert not edge_imports(imports(f"pipeline.{module}"))


def test_every_module_has_a_stage():
    assert [module for module in all_modules() if stage(module) is None] == []


@pytest.mark.parametrize("module", all_modules())
def test_no_module_imports_a_later_stage(module):
    assert backward(module, imports(module, runtime=True)) == set()


def test_the_ground_imports_no_stage():
    ground = [module for module in all_modules() if stage(module) == GROUND]
    assert {"pipeline.errors", "pipeline.status", "pipeline.months", "pipeline.numbers"} <= set(ground)
    for module in ground:
        assert {name for name in imports(module) if name.startswith("pipeline.")
                and stage(name) != GROUND} == set(), module


def test_each_known_bend_is_still_there():
    # a bend removed must leave the list too, or it would hide its return
    for importer, imported in KNOWN_BACKWARD:
        assert imported in imports(importer)


@pytest.mark.parametrize("module, source, later", [
    ("pipeline.inputs.validate", "from pipeline.compute import segments", "pipeline.compute.segments"),
    ("pipeline.compute.transform", "from pipeline.documents import formats", "pipeline.documents.formats"),
    ("pipeline.compute.transform", "from ..documents.formats import money", "pipeline.documents.formats"),
    ("pipeline.documents.context", "def later():\n    from pipeline.delivery import mail", "pipeline.delivery.mail"),
    ("pipeline.delivery.status", "import pipeline.cli", "pipeline.cli"),
    ("pipeline.months", "from pipeline.inputs.values import clean_text", "pipeline.inputs.values"),
    ("pipeline.numbers", "from . import compute", "pipeline.compute"),
])
def test_the_checker_catches_an_import_of_a_later_stage(module, source, later):
    assert later in backward(module, source_imports(source, module, runtime=True))


def test_the_checker_allows_earlier_stages_and_type_hints():
    source = ("from typing import TYPE_CHECKING\nfrom pipeline.compute.model import MonthData\n"
              "from pipeline.inputs import values\nfrom pipeline import months\n"
              "if TYPE_CHECKING:\n    from pipeline.delivery.mail import Attachment\n")
    found = source_imports(source, "pipeline.documents.context", runtime=True)
    assert {"pipeline.compute.model", "pipeline.inputs.values", "pipeline.months"} <= found
    assert backward("pipeline.documents.context", found) == set()
    assert "pipeline.delivery.mail" in source_imports(source, "pipeline.documents.context")


@pytest.mark.parametrize("source, edge", [
    ("from pipeline.inputs import load", "pipeline.inputs.load"),
    ("from . import formats, render", "pipeline.documents.render"),
    ("from .render import render_bytes", "pipeline.documents.render"),
    ("from .. import publish", "pipeline.publish"),
    ("from ..inputs.load import read_inputs", "pipeline.inputs.load"),
    ("import pipeline.documents.render as r", "pipeline.documents.render"),
    ("from docx.shared import Pt", "docx.shared"),
    ("def later():\n    import click\n    return click", "click"),
    ("import importlib\nloader = importlib.import_module('pipeline.inputs.load')", "pipeline.inputs.load"),
])
def test_the_checker_catches_an_edge_however_it_is_imported(source, edge):
    # As if documents/context.py held `source`: the pure-module test above would fail.
    assert edge in edge_imports(source_imports(source, "pipeline.documents.context"))


def test_the_checker_does_not_flag_a_pure_neighbour():
    found = source_imports("from . import formats\nfrom ..compute import analysis", "pipeline.documents.context")
    assert {"pipeline.documents.formats", "pipeline.compute.analysis"} <= found
    assert not edge_imports(found)


def test_only_render_imports_docxtpl_and_only_cli_imports_click():
    for module in all_modules():
        found = imports(module)
        assert any(name.startswith("docxtpl") for name in found) == module.endswith(".render"), module
        assert any(name.startswith("click") for name in found) == (module == "pipeline.cli"), module


def test_compute_returns_facts_and_leaves_the_wording_to_documents():
    # issue 21/22: compute (pure figures) never imports the documents stage that words them
    for module in (m for m in all_modules() if m.startswith("pipeline.compute.")):
        assert not {name for name in imports(module) if name.startswith("pipeline.documents")}, module
