"""Data flows one way: pure stages never import the edges (files, Word, the command line)."""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "pipeline"
EDGES = {"docxtpl", "docx", "pptx", "click", "subprocess", "openpyxl", "pipeline.inputs.load",
         "pipeline.documents.render", "pipeline.publish", "pipeline.documents.pdf", "pipeline.documents.wordchart",
         "pipeline.cli", "pipeline.run"}
PURE = ["inputs.catalog", "documents.formats", "inputs.values", "inputs.validate", "compute.transform",
        "compute.analysis", "documents.charts", "documents.context", "inputs.schema", "errors"]


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)


def imports(module: str) -> set[str]:
    """Every module `module` imports, as dotted absolute names; `from . import x` counts as `pkg.x`."""
    path = PACKAGE.parent / (module.replace(".", "/") + ".py")
    package = module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


def all_modules() -> list[str]:
    return sorted(module_name(p) for p in PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("module", PURE)
def test_pure_modules_do_no_io_imports(module):
    assert not imports(f"pipeline.{module}") & EDGES


def test_the_checker_sees_relative_and_submodule_imports(tmp_path):
    assert "pipeline.documents.render" in imports("pipeline.run")


def test_only_render_imports_docxtpl_and_only_cli_imports_click():
    for module in all_modules():
        found = imports(module)
        assert any(name.startswith("docxtpl") for name in found) == module.endswith(".render"), module
        assert any(name.startswith("click") for name in found) == (module == "pipeline.cli"), module
