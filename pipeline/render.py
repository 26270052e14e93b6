"""Rendering Word documents from templates with docxtpl; the only module that imports it.

Every text value is escaped for XML before Jinja sees it, and its braces are written as
character references, so names and notes holding `& < >`, `{{ }}` or `{% %}` come out
literally. The zip is written with fixed entry times: same context, same bytes.
"""
from __future__ import annotations

import functools
import io
import re
from pathlib import Path

import jinja2
from docx import Document
from docx.oxml.ns import qn
from jinja2 import meta
from docxtpl import DocxTemplate
from markupsafe import Markup, escape

from .charts import ChartSpec
from .errors import TemplateError
from .stablezip import stable_zip
from .wordchart import add_chart

TEMPLATE_FILES = {"plan": "plan.docx", "summary": "summary.docx"}
CHART_WIDTH_CM = 16.0


class _Chart:
    """A chart in a template tag: added to the document when the tag renders, as a run."""

    def __init__(self, document: DocxTemplate, spec: ChartSpec):
        self.document, self.spec = document, spec

    def __html__(self) -> str:
        if not self.spec:
            return ""
        run = add_chart(self.document.docx.part, self.spec, CHART_WIDTH_CM)
        return f'</w:t></w:r>{run}<w:r><w:t xml:space="preserve">'


def prepared(value, document: DocxTemplate):
    """`value` with every string made XML-safe and inert to docxtpl's tag post-processing,
    and every ChartSpec made a chart of `document`."""
    if isinstance(value, str):
        return Markup(str(escape(value)).replace("{", "&#123;").replace("}", "&#125;"))
    if isinstance(value, ChartSpec):
        return _Chart(document, value)
    if isinstance(value, dict):
        return {key: prepared(item, document) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [prepared(item, document) for item in value]
    return value


class _Environment(jinja2.Environment):
    """Compiles each distinct template part once: docxtpl asks for every part on every render,
    and the parts of one template are the same text each time."""

    @functools.lru_cache(maxsize=64)
    def from_string(self, source, globals=None, template_class=None):
        return super().from_string(source, globals, template_class)


# StrictUndefined: a misspelt variable in a user's template is an error, not a blank.
_ENVIRONMENT = _Environment(undefined=jinja2.StrictUndefined, autoescape=True)


def _environment() -> jinja2.Environment:
    return _ENVIRONMENT


def render_bytes(template: Path, context: dict) -> bytes:
    """The .docx rendered from `template` with `context`, as deterministic bytes."""
    try:
        document = DocxTemplate(template)
        document.init_docx()
        document.render(prepared(context, document), jinja_env=_environment(), autoescape=True)
        _order_cell_properties(document.docx.element.body)
    except jinja2.TemplateError as error:
        where = "".join(getattr(error, "docx_context", []) or [])
        raise TemplateError(f"模板 {template.name} 无法渲染：{error}" + (f"（附近文字：{where.strip()}）" if where else "")) from error
    except Exception as error:  # a damaged .docx or a tag docxtpl cannot place
        raise TemplateError(f"模板 {template.name} 无法渲染：{type(error).__name__}: {error}") from error
    buffer = io.BytesIO()
    document.save(buffer)
    return stable_zip(buffer.getvalue())


# Schema order of <w:tcPr> children; docxtpl's {% cellbg %} puts <w:shd> first, which Word
# may refuse as a damaged file.
_TC_PR_ORDER = [qn(f"w:{tag}") for tag in (
    "cnfStyle", "tcW", "gridSpan", "hMerge", "vMerge", "tcBorders", "shd", "noWrap", "tcMar", "textDirection",
    "tcFitText", "vAlign", "hideMark", "headers", "cellIns", "cellDel", "cellMerge", "tcPrChange")]


def _order_cell_properties(body) -> None:
    for properties in body.iter(qn("w:tcPr")):
        children = sorted(properties, key=lambda child: _TC_PR_ORDER.index(child.tag)
                          if child.tag in _TC_PR_ORDER else len(_TC_PR_ORDER))
        for child in children:
            properties.append(child)


# The header row each kind of document must keep, as the original document's tables.
REQUIRED_TABLES = {
    "plan": ("表1", ["核心指标", "月度目标", "具体任务描述", "负责人", "计划完成时间", "完成标准", "备注(资源/风险)"]),
    "summary": ("表2", ["核心指标", "月度目标", "实际完成", "达成率", "差异原因分析", "成功经验/亮点",
                        "存在问题与挑战", "下月改进措施"]),
}


def _near(source: str, line: int | None) -> str:
    """The visible text of the template around Jinja's `line`, for a message a person can act on."""
    if not line:
        return ""
    lines = source.splitlines()[max(line - 3, 0): line + 2]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", "".join(lines))).strip()[:200]


def check_template(template: Path, kind: str, context: dict) -> list[str]:
    """Every problem found in `template`: Jinja syntax, undefined names, the missing table."""
    try:
        document = DocxTemplate(template)
        document.init_docx()
        parts = [("正文", document.get_xml())]
        for uri, name in ((document.HEADER_URI, "页眉"), (document.FOOTER_URI, "页脚")):
            parts += [(name, document.get_part_xml(part)) for _, part in document.get_headers_footers(uri)]
        # As docxtpl prepares a part: tags rejoined, one paragraph per line (for line numbers).
        parts = [(name, re.sub(r"<w:p([ >])", r"\n<w:p\1", document.patch_xml(xml))) for name, xml in parts]
    except Exception as error:  # not a Word file at all
        return [f"{template.name}：无法打开：{type(error).__name__}: {error}"]
    problems, environment = [], _environment()
    for where, source in parts:
        try:
            names = meta.find_undeclared_variables(environment.parse(source))
        except jinja2.TemplateSyntaxError as error:
            problems.append(f"{template.name}（{where}）：标签语法错误：{error.message}"
                            f"，附近文字：「{_near(source, error.lineno)}」")
            continue
        problems += [f"{template.name}（{where}）：未定义的变量「{name}」" for name in sorted(names - set(context))]
    if problems:
        return problems
    try:
        rendered = Document(io.BytesIO(render_bytes(template, context)))
    except TemplateError as error:
        return [str(error)]
    label, header = REQUIRED_TABLES[kind]
    if not any([cell.text for cell in table.rows[0].cells] == header for table in rendered.tables if table.rows):
        problems.append(f"{template.name}：找不到{label}（表头应为：{' | '.join(header)}）")
    return problems
