"""Data flows one way: pure stages never import the edges (files, Word, the command line)."""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "pipeline"
EDGES = {"docxtpl", "docx", "pptx", "click", "subprocess", "openpyxl", "pipeline.load", "pipeline.render",
         "pipeline.publish", "pipeline.pdf", "pipeline.wordchart", "pipeline.cli", "pipeline.run"}
PURE = ["catalog", "formats", "values", "validate", "transform", "analysis", "charts", "context", "schema", "errors"]


def imports(module: str) -> set[str]:
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = ("pipeline." if node.level else "") + (node.module or "")
            found.add(base)
    return found


@pytest.mark.parametrize("module", PURE)
def test_pure_modules_do_no_io_imports(module):
    assert not imports(module) & EDGES


def test_only_render_imports_docxtpl_and_only_cli_imports_click():
    for path in PACKAGE.glob("*.py"):
        found = imports(path.stem)
        assert ("docxtpl" in found) == (path.stem == "render"), path.stem
        assert ("click" in found) == (path.stem == "cli"), path.stem
