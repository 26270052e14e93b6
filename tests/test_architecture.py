"""Data flows one way: pure stages never import the edges (files, Word, the command line)."""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "pipeline"
EDGES = {"docxtpl", "docx", "pptx", "click", "subprocess", "openpyxl", "pipeline.inputs.load",
         "pipeline.documents.render", "pipeline.publish", "pipeline.outputs", "pipeline.documents.pdf",
         "pipeline.documents.wordchart", "pipeline.cli", "pipeline.run"}
PURE = ["inputs.catalog", "documents.formats", "inputs.values", "inputs.validate", "compute.org", "compute.transform",
        "compute.by_unit", "compute.analysis", "documents.charts", "documents.context", "inputs.schema", "errors",
        "model", "status", "compute.history", "documents.history_context", "compute.segments",
        "documents.segment_context", "compute.notes", "documents.plan_context", "documents.rollup_context",
        "compute.plan", "compute.month", "documents.tables", "fieldtag"]
# Below every stage: what the stages share. They import no later stage and nothing that does I/O.
LEAVES = ["errors", "status", "model", "compute.org", "inputs.schema", "inputs.catalog", "fieldtag"]
LATER_STAGES = ("pipeline.documents", "pipeline.delivery", "pipeline.run", "pipeline.cli", "pipeline.workers")


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)


def source_imports(source: str, module: str) -> set[str]:
    """Every module `source` (the text of `module`) imports, as dotted absolute names, wherever
    the import is (a function body too): `from . import x` counts as `package.x`, `from a import b`
    as both `a` and `a.b`, and `importlib.import_module("a")` / `__import__("a")` as `a`."""
    package = module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(source)):
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


def _dynamic_import(call: ast.Call) -> bool:
    function = call.func
    name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
    return name in ("import_module", "__import__") and bool(call.args) \
        and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str)


def imports(module: str) -> set[str]:
    path = PACKAGE.parent / (module.replace(".", "/") + ".py")
    return source_imports(path.read_text(encoding="utf-8"), module)


def edge_imports(found: set[str]) -> set[str]:
    """The edges among `found`, a submodule of an edge (`docx.shared`) counting as the edge."""
    return {name for name in found if any(name == edge or name.startswith(edge + ".") for edge in EDGES)}


def all_modules() -> list[str]:
    return sorted(module_name(p) for p in PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("module", PURE)
def test_pure_modules_do_no_io_imports(module):
    assert not edge_imports(imports(f"pipeline.{module}"))


@pytest.mark.parametrize("module", LEAVES)
def test_the_shared_leaves_import_no_later_stage(module):
    assert not {name for name in imports(f"pipeline.{module}") if name.startswith(LATER_STAGES)}


@pytest.mark.parametrize("module", ["inputs.returned", "inputs.collected"])
def test_reading_returned_documents_is_the_input_stage(module):
    # Only the ground-level tag check is shared with the documents that wrote the tags.
    found = imports(f"pipeline.{module}")
    assert not {name for name in found if name.startswith((*LATER_STAGES, "pipeline.outputs"))}
    assert module != "inputs.returned" or "pipeline.fieldtag" in found


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
