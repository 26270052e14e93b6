"""Rendering Word documents from templates with docxtpl; the only module that imports it.

Every text value is escaped for XML before Jinja sees it, and its braces are written as
character references, so names and notes holding `& < >`, `{{ }}` or `{% %}` come out
literally. The zip is written with fixed entry times: same context, same bytes.
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import jinja2
from docx.oxml.ns import qn
from docxtpl import DocxTemplate
from markupsafe import Markup, escape

from .charts import ChartSpec
from .errors import TemplateError
from .wordchart import add_chart

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
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


def _environment() -> jinja2.Environment:
    # StrictUndefined: a misspelt variable in a user's template is an error, not a blank.
    return jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)


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


def stable_zip(data: bytes) -> bytes:
    """The same zip with every entry dated 1980-01-01, in the same order."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()
