"""Rendering Word documents from templates with docxtpl; the only module that imports it.

Every text value is escaped for XML before Jinja sees it, and its braces are written as
character references, so names and notes holding `& < >`, `{{ }}` or `{% %}` come out
literally. The zip is written with fixed entry times: same context, same bytes.
"""
from __future__ import annotations

import contextlib
import copy
import functools
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, NamedTuple

import jinja2
from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.coreprops import CoreProperties
from docx.opc.oxml import serialize_part_xml
from docx.opc.pkgwriter import _ContentTypesItem
from docx.oxml.ns import qn
from docx.oxml.parser import parse_xml
from jinja2 import meta
from docxtpl import DocxTemplate
from lxml import etree
from markupsafe import Markup

from pipeline.documents import body_text, fields, layout, wordchart
from pipeline.documents.layout_text import Unexpected
from pipeline.documents.charts import ChartSpec, description
from pipeline.errors import TemplateError
from pipeline.documents.stablezip import Member, deflated, quickly_deflated, stable_zip, stored, write_zip

TEMPLATE_FILES = {"plan": "plan.docx", "summary": "summary.docx"}
CHART_WIDTH_CM = 16.0


class _Chart:
    """A chart in a template tag: `place(spec)` adds it to the document and gives its run."""

    def __init__(self, place: Callable[[ChartSpec], str], spec: ChartSpec):
        self.place, self.spec = place, spec

    def __html__(self) -> str:
        if not self.spec:
            return ""
        return f'</w:t></w:r>{self.place(self.spec)}<w:r><w:t xml:space="preserve">'


class _Control:
    """A fill-in field (or several, one per line) in a template tag: its content control(s)
    between the runs of the tag's paragraph."""

    def __init__(self, value: fields.Field | fields.Fields, key: bytes | None, text_body: bool = False):
        self.items = value.items if isinstance(value, fields.Fields) else (value,)
        self.key = key
        self.text_body = text_body  # rendered into a body_text.TextBody, which places it with `dressed`

    def _controls(self) -> str:
        return "<w:r><w:br/></w:r>".join(
            fields.control_xml(item, self.key) if isinstance(item, fields.Field) else _text_runs(item)
            for item in self.items)

    def __html__(self) -> str:
        if self.text_body:
            raise Unexpected("a fill-in field where body_text cannot dress it")
        return f'</w:t></w:r>{self._controls()}<w:r><w:t xml:space="preserve">'

    def dressed(self, properties: str | None, placeholder: str) -> str:
        """The controls as the only content of a paragraph whose run had `properties`, dressed
        as _dress_controls dresses them: empty text runs dropped, the other runs in the run's
        look, each placeholder with `placeholder` after its style."""
        xml = self._controls().replace(_EMPTY_RUN, "")
        if properties is None:
            return xml
        return (xml.replace("<w:r><w:t ", f"<w:r>{properties}<w:t ").replace("<w:r><w:br/>", f"<w:r>{properties}<w:br/>")
                .replace(_PLACEHOLDER_STYLE + "</w:rPr>", _PLACEHOLDER_STYLE + placeholder + "</w:rPr>"))


_EMPTY_RUN = '<w:r><w:t xml:space="preserve"></w:t></w:r>'
_PLACEHOLDER_STYLE = f'<w:rPr><w:rStyle w:val="{fields.PLACEHOLDER_STYLE}"/>'


def _text_runs(text: str) -> str:
    """Plain text beside fields in one cell: a run per line, joined by line breaks."""
    return "<w:r><w:br/></w:r>".join(f'<w:r><w:t xml:space="preserve">{fields.text_xml(line)}</w:t></w:r>'
                                      for line in text.split("\n"))


class Prepared:
    """Makes a context ready for Jinja (`prepared(context)`): every string XML-safe and inert to
    docxtpl's tag post-processing, every ChartSpec a chart that `place` adds to the document,
    and every fill-in field a content control whose tag is signed with `key` (for a
    body_text.TextBody with `text_body`)."""

    def __init__(self, place: Callable[[ChartSpec], str], key: bytes | None = None, text_body: bool = False):
        self.place, self.key, self.text_body = place, key, text_body

    def __call__(self, value):
        if isinstance(value, str):
            return _prepared_text(value)
        # (a string inside a mapping or list is escaped without a call of this method: most values are)
        if isinstance(value, dict):
            return {name: _prepared_text(item) if type(item) is str else self(item) for name, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [_prepared_text(item) if type(item) is str else self(item) for item in value]
        if isinstance(value, (fields.Field, fields.Fields)):
            return _Control(value, self.key, self.text_body)
        if isinstance(value, ChartSpec):
            return _Chart(self.place, value)
        return value


@functools.lru_cache(maxsize=8192)  # most strings of a context recur from document to document (labels, names)
def _prepared_text(text: str) -> Markup:
    """`text` as Markup: & < > " ' as markupsafe escapes them, braces inert to docxtpl's tag steps."""
    return body_text.markup(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                            .replace('"', "&#34;").replace("'", "&#39;").replace("{", "&#123;").replace("}", "&#125;"))


def prepared(value, place: Callable[[ChartSpec], str], key: bytes | None = None):
    """`value` made ready for Jinja by Prepared."""
    return Prepared(place, key)(value)


class _Environment(jinja2.Environment):
    """Compiles each distinct template part once: docxtpl asks for every part on every render,
    and the parts of one template are the same text each time."""

    @functools.lru_cache(maxsize=64)
    def from_string(self, source, globals=None, template_class=None):
        return super().from_string(source, globals, template_class)

    def getattr(self, obj, attribute):
        # `row.name` on a context's dict: Jinja looks for an attribute first, raising and catching
        # an AttributeError every time; a plain dict has no attribute but its methods', so its
        # key is what Jinja finds, looked up first here.
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


_DICT_ATTRIBUTES = frozenset(dir(dict))


# StrictUndefined: a misspelt variable in a user's template is an error, not a blank.
_ENVIRONMENT = _Environment(undefined=jinja2.StrictUndefined, autoescape=True)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_NOT_TEXT = re.compile("[\x00-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff\ue000]")  # lxml refuses, escapes (\r) or we mark
_MARK = "\ue000"  # a private-use character: where a tagged property's text goes


PROPERTY_LIMIT = 255  # characters a core property may hold (python-docx refuses more)


def _plain(value) -> Markup:
    """A value as plain text for a document property (`{{ title|plain }}`): python-docx escapes
    property text itself, so not escaped here too; characters XML cannot hold dropped; cut to
    the 255 characters a property holds (a title of an absurdly long unit name ends in `…`)."""
    text = _NOT_XML.sub("", value.unescape() if isinstance(value, Markup) else str(value))
    return Markup(text if len(text) <= PROPERTY_LIMIT else text[:PROPERTY_LIMIT - 1] + "…")


_ENVIRONMENT.filters["plain"] = _plain


def _environment() -> jinja2.Environment:
    return _ENVIRONMENT


@contextlib.contextmanager
def _template_errors(template: Path):
    """Any failure while rendering `template` as a TemplateError naming it (and the text near a bad tag)."""
    try:
        yield
    except jinja2.TemplateError as error:
        where = "".join(getattr(error, "docx_context", []) or [])
        raise TemplateError(f"模板 {template.name} 无法渲染：{error}" + (f"（附近文字：{where.strip()}）" if where else "")) from error
    except Exception as error:  # a damaged .docx or a tag docxtpl cannot place
        raise TemplateError(f"模板 {template.name} 无法渲染：{type(error).__name__}: {error}") from error


def render_bytes_reference(template: Path, context: dict, key: bytes | None = None) -> bytes:
    """The .docx rendered by docxtpl the straightforward way (load, render, save): the
    yardstick that `render_bytes` must match part for part (the same members in the same order,
    each the same bytes once inflated; only the compression of the filled parts differs).
    Fill-in fields are signed with `key`."""
    with _template_errors(template):
        document = DocxTemplate(template)
        document.init_docx()
        place = functools.partial(_add_chart, document)
        document.render(prepared(context, place, key), jinja_env=_environment(), autoescape=True)
        _order_cell_properties(document.docx.element.body)
        _dress_controls(document.docx.element.body)
        layout.hold_layout(document.docx.element.body)
    buffer = io.BytesIO()
    document.save(buffer)
    return stable_zip(buffer.getvalue())


def _add_chart(document: DocxTemplate, spec: ChartSpec) -> str:
    return wordchart.add_chart(document.docx.part, spec, spec.width_cm or CHART_WIDTH_CM)


def render_bytes(template: Path, context: dict, key: bytes | None = None) -> bytes:
    """The .docx rendered from `template` with `context`, as deterministic bytes; its fill-in
    fields signed with `key` (pipeline.outputs.fields_key).

    The same document as `render_bytes_reference` (every part the same once inflated), from
    the template compiled once per process; the parts it fills deflated by
    stablezip.quickly_deflated.
    """
    return compile_template(template)(context, key)


Renderer = Callable[[dict, "bytes | None"], bytes]  # (context, key) → the document's bytes


def compile_template(template: Path) -> Renderer:
    """`template` prepared now (before worker processes fork, which then share it): what renders
    a context with it as `render_bytes` does, without looking at the file again. A TemplateError
    if it cannot be opened."""
    with _template_errors(template):
        compiled = _compiled(template.resolve(), template.stat().st_mtime_ns)
    return functools.partial(_rendered, template, compiled)


def _rendered(template: Path, compiled: "_Compiled | None", context: dict, key: bytes | None = None) -> bytes:
    with _template_errors(template):
        if compiled is None:  # a template the compiled path does not cover
            return render_bytes_reference(template, context, key)
        return compiled.render(context, key)


@functools.lru_cache(maxsize=8)
def _compiled(path: Path, mtime_ns: int) -> "_Compiled | None":
    return _Compiled.prepare(path)


_TAG = re.compile(r"\{[{%#]")
_FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"


class _Slot(NamedTuple):
    """A zip member that each document fills: `key` names its content, `name` the member."""

    key: object
    name: str


def _packed(slot: _Slot, content: bytes) -> Member:
    """A filled part as its zip member: a chart's workbook (a zip itself) stored as it is, since
    deflating it again takes longer than anything else in the document and saves nothing."""
    if isinstance(slot.key, tuple) and slot.key[0] == "book":
        return stored(slot.name, content)
    return quickly_deflated(slot.name, content)


@dataclass
class _Layout:
    """The members of a document holding `len(charts)` charts, in python-docx's save order:
    parts that never change as compressed Members, the others as Slots."""

    members: list
    charts: list  # wordchart.ChartParts of each chart, in the order they are placed


class _Engine(DocxTemplate):
    """docxtpl's steps, skipping the listing pass and the table fix where they have nothing to do."""

    def render_xml_part(self, src_xml, part, context, jinja_env=None):
        # docxtpl's own steps, with the Jinja compile done once per part (the source of a compiled
        # template's part is the same text every time). docxtpl puts each paragraph on a line of
        # its own (for the line an error names) and takes the line breaks out again afterwards;
        # in a source without line breaks the output is the same without them, and an error is
        # raised again by docxtpl's own steps, with the text near it.
        template = _prepared_part(src_xml, jinja_env)
        if template is None:
            return super().render_xml_part(src_xml, part, context, jinja_env)
        try:
            self.current_rendering_part = part
            dst_xml = template.render(context)
        except jinja2.TemplateError:
            return super().render_xml_part(src_xml, part, context, jinja_env)
        if "{_" in dst_xml or "_}" in dst_xml:
            dst_xml = dst_xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        return self.resolve_listing(dst_xml)

    def resolve_listing(self, xml):
        # It only turns \t \a \n \f inside text into runs, breaks and paragraphs.
        return super().resolve_listing(xml) if body_text.LISTING.search(xml) else xml

    def fix_tables(self, xml):
        # docxtpl's fix widens or narrows a table's grid to its rows' cell count (after {%tc%}
        # tags); where every row has exactly as many cells as the grid has columns, with no
        # merged cells or nested tables, it changes nothing, and this is the same tree.
        tree = etree.fromstring(xml, parser=etree.XMLParser(recover=True))
        for table in tree.iter(_TBL):
            grid = table.find(_TBL_GRID)
            rows = list(table.iter(_TR))
            if grid is None or not rows or table.find(_NESTED) is not None or table.find(_SPANS) is not None \
                    or any(len(row.findall(_TC)) != len(grid.findall(_GRID_COL)) for row in rows):
                return super().fix_tables(xml)
        return tree


_TBL, _TBL_GRID, _TR, _TC, _GRID_COL = (qn(f"w:{tag}") for tag in ("tbl", "tblGrid", "tr", "tc", "gridCol"))
_NESTED, _SPANS = f".//{_TBL}", f".//{qn('w:gridSpan')}"


@functools.lru_cache(maxsize=64)
def _prepared_part(src_xml: str, jinja_env) -> "jinja2.Template | None":
    """The Jinja template of a part's source without line breaks (None for one with them, one
    Jinja cannot read, or without an environment: docxtpl's own steps then, which name the error
    with the text near it)."""
    if jinja_env is None or "\n" in src_xml:
        return None
    try:
        return jinja_env.from_string(src_xml)
    except jinja2.TemplateSyntaxError:
        return None


_VALUE_TAG = re.compile(r"\{\{\s*[\w.]+\s*\}\}")  # a name or attribute, no filter (`|upper` would break an entity)
_DECLARATION = b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"  # as python-docx serializes a part


def _values_in_text(source: str) -> bool:
    """Whether a part's tags are all `{{ value }}` in text between elements (no filters, no blocks):
    Jinja then writes it well-formed, its values escaped."""
    if "{%" in source or "{#" in source:
        return False
    for tag in _VALUE_TAG.finditer(source):
        if source.rfind("<", 0, tag.start()) > source.rfind(">", 0, tag.start()):
            return False  # inside an element's tag
    return not _TAG.search(_VALUE_TAG.sub("", source))


class _Compiled:
    """A template prepared once per process: docxtpl's tag clean-up done, the parts that
    never change (styles, theme, untagged headers, …) compressed once, and per document only
    the body, tagged headers and footers, tagged properties and the charts rendered.

    Each step calls the same docxtpl and python-docx code the reference render runs, so the
    bytes are the same (tests/test_fast_render.py compares them).
    """

    def __init__(self, path: Path, docx: DocxTemplate):
        self.path = path
        self.engine = _Engine(path)  # docxtpl's per-part helpers, never loaded
        self.body = docx.patch_xml(docx.get_xml())
        self.skeleton = copy.deepcopy(docx.docx.element)  # the document around the body
        body = self.skeleton.find(qn("w:body"))
        for child in list(body):
            body.remove(child)
        self.headers = {}  # partname → patched source, headers then footers as docxtpl renders them
        for uri in (docx.HEADER_URI, docx.FOOTER_URI):
            for _, part in docx.get_headers_footers(uri):
                source = docx.patch_xml(docx.get_part_xml(part))
                if _TAG.search(source):
                    self.headers[part.partname] = source
        self.text_headers = {source for source in self.headers.values() if _values_in_text(source)}
        core = docx.docx.core_properties
        self.properties = None  # the core-properties element when a property holds a tag
        self.tagged = [name for name in _PROPERTIES if _TAG.search(getattr(core, name) or "")]
        if self.tagged:
            # The others rendered now, as docxtpl renders every one (in its order: elements it
            # makes are appended), and only the tagged ones per document.
            self.properties = copy.deepcopy(core._element)
            properties = CoreProperties(self.properties)
            for name in _PROPERTIES:
                if name not in self.tagged:
                    setattr(properties, name, _ENVIRONMENT.from_string(getattr(properties, name)).render({}))
            # The part serialized once with a mark where each tagged property's text goes: per
            # document the texts go in as lxml writes text, without copying and serializing it.
            self.property_templates = [_ENVIRONMENT.from_string(getattr(properties, name)) for name in self.tagged]
            marked = copy.deepcopy(self.properties)
            for number, name in enumerate(self.tagged):
                setattr(CoreProperties(marked), name, f"{_MARK}{number}{_MARK}")
            self.property_pieces = serialize_part_xml(marked).decode("utf-8").split(_MARK)
            if len(self.property_pieces) != 2 * len(self.tagged) + 1:  # the mark in the template's own text
                self.property_pieces = None
        self.layouts: dict[int, _Layout] = {}
        self.text_body = body_text.compile_body(self.body, serialize_part_xml(self.skeleton).decode("utf-8"),
                                                _ENVIRONMENT)

    @classmethod
    def prepare(cls, path: Path) -> "_Compiled | None":
        docx = DocxTemplate(path)
        docx.init_docx()
        footnotes = [p for p in docx.docx.part.package.iter_parts() if p.content_type == _FOOTNOTES]
        if any(_TAG.search(p.blob.decode("utf-8")) for p in footnotes):
            return None  # docxtpl renders footnotes once per section, in place; left to it
        return cls(path, docx)

    def render(self, context: dict, key: bytes | None = None) -> bytes:
        if self.text_body is not None:
            try:
                return self._render(context, key, text_body=True)
            except (Unexpected, jinja2.TemplateError):
                pass  # rendered the parsed way below, which also names a template's error
        return self._render(context, key, text_body=False)

    def _render(self, context: dict, key: bytes | None, text_body: bool) -> bytes:
        charts = []

        def place(spec: ChartSpec) -> str:
            parts = self.layout(len(charts) + 1).charts[len(charts)]
            charts.append(spec)
            return wordchart.chart_run(parts.number, parts.rid, spec.width_cm or CHART_WIDTH_CM, spec.height_cm,
                                       description(spec))

        prepare = Prepared(place, key, text_body)
        values = prepare(context)
        if text_body:
            content = {"document": self.text_body.render(values, self.engine.resolve_listing)}
        else:
            content = {"document": self._document(values)}
        for partname, source in self.headers.items():
            content[partname] = self._header(source, values)
        if self.properties is not None:
            content["core"] = self._properties(values)
        layout = self.layout(len(charts))
        for number, (spec, parts) in enumerate(zip(charts, layout.charts)):
            xml, content[("book", number)] = wordchart.chart_xml(spec)
            content[("chart", number)] = wordchart.with_workbook_link(xml, parts.book_rid)
        return write_zip(member if isinstance(member, Member) else _packed(member, content[member.key])
                         for member in layout.members)

    def _document(self, values: dict) -> bytes:
        """document.xml: the body rendered and fixed as DocxTemplate.render does, in the template's document."""
        tree = self.engine.fix_tables(self.engine.render_xml_part(self.body, None, values, _ENVIRONMENT))
        self.engine.docx_ids_index = 1000
        self.engine.fix_docpr_ids(tree)
        # Fixed while the body is still plain lxml (faster than python-docx's element classes).
        _order_cell_properties(tree)
        _dress_controls(tree)
        layout.hold_layout(tree)
        root = copy.deepcopy(self.skeleton)
        root.replace(root.find(qn("w:body")), tree)
        return serialize_part_xml(root)

    def _header(self, source: str, values: dict) -> bytes:
        """A tagged header or footer: as Jinja writes it where its tags are plain values in text
        (escaped, so well-formed), else parsed and serialized as docxtpl saves it."""
        rendered = self.engine.render_xml_part(source, None, values, _ENVIRONMENT)
        if source in self.text_headers:
            try:
                data = rendered.encode("utf-8")
            except UnicodeEncodeError:  # a lone surrogate: lxml's way below
                data = None
            if data is not None and not body_text.holds_control(data, rendered):
                return _DECLARATION + data
        return serialize_part_xml(parse_xml(rendered.encode("utf-8")))

    def _properties(self, values: dict) -> bytes:
        texts = [template.render(values) for template in self.property_templates]
        if self.property_pieces is None or any(len(text) > PROPERTY_LIMIT or _NOT_TEXT.search(text) for text in texts):
            return self._properties_set(texts)  # python-docx refuses them, as it would
        pieces = self.property_pieces.copy()  # [before, "0", between, "1", …, after]
        for number, text in enumerate(texts):
            pieces[2 * number + 1] = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return "".join(pieces).encode("utf-8")

    def _properties_set(self, texts: list[str]) -> bytes:
        """The core properties with `texts` set by python-docx (DocxTemplate.render_properties' step)."""
        element = copy.deepcopy(self.properties)
        properties = CoreProperties(element)
        for name, text in zip(self.tagged, texts):
            setattr(properties, name, text)
        return serialize_part_xml(element)

    def layout(self, charts: int) -> _Layout:
        """The members of a document with `charts` charts: the template loaded by python-docx,
        its untagged parts rendered as docxtpl would, stand-in chart parts added, and the
        package walked in the order python-docx saves it."""
        if charts in self.layouts:
            return self.layouts[charts]
        docx = DocxTemplate(self.path)
        docx.init_docx()
        for uri in (docx.HEADER_URI, docx.FOOTER_URI):
            for rid, part in list(docx.get_headers_footers(uri)):
                if part.partname not in self.headers:
                    xml = docx.render_xml_part(docx.patch_xml(docx.get_part_xml(part)), part, {}, _ENVIRONMENT)
                    docx.map_headers_footers_xml(rid, xml.encode("utf-8"))
        if self.properties is None:
            docx.render_properties({}, _ENVIRONMENT)
        docx.render_footnotes({}, _ENVIRONMENT)
        document_part = docx.docx.part
        added = [wordchart.add_chart_parts(document_part, b"<chart/>", b"") for _ in range(charts)]
        package = document_part.package
        slots = {id(document_part): "document", id(package.part_related_by(RT.CORE_PROPERTIES)): "core"}
        for number, parts in enumerate(added):
            slots[id(parts.chart)], slots[id(parts.book)] = ("chart", number), ("book", number)
        parts = list(package.iter_parts())
        members = [deflated("[Content_Types].xml", _ContentTypesItem.from_parts(parts).blob),
                   deflated("_rels/.rels", package.rels.xml)]
        for part in parts:
            key = part.partname if part.partname in self.headers else slots.get(id(part))
            if key is None or (key == "core" and self.properties is None):
                members.append(deflated(part.partname.membername, part.blob))
            else:
                members.append(_Slot(key, part.partname.membername))
            if len(part.rels):
                members.append(deflated(part.partname.rels_uri.membername, part.rels.xml))
        self.layouts[charts] = _Layout(members, added)
        return self.layouts[charts]


# The core properties docxtpl renders (DocxTemplate.render_properties).
_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")


def _order_cell_properties(body) -> None:
    for properties in body.iter(qn("w:tcPr")):
        if len(properties) < 2:  # one child is in order (most cells: the width only)
            continue
        children = sorted(properties, key=body_text.cell_property_rank)
        for child in children:
            properties.append(child)


_P, _R, _T, _RPR, _SDT = (qn(f"w:{tag}") for tag in ("p", "r", "t", "rPr", "sdt"))
_PLACEHOLDER_RPR = f"{_SDT}/{qn('w:sdtContent')}/{_R}/{_RPR}"


def _dress_controls(body) -> None:
    """The runs of a paragraph holding fill-in fields in the look of its template run (a table
    cell's 9 pt): the label runs and each placeholder run (which keeps its placeholder style);
    the empty runs the template tag leaves around a control dropped."""
    paragraphs = {id(p): p for p in (control.getparent() for control in body.iter(_SDT)) if p.tag == _P}
    for paragraph in paragraphs.values():
        runs = list(paragraph.iterchildren(_R))
        source = layout.first_child(runs[0], _RPR) if runs else None
        for run in runs:
            properties = layout.first_child(run, _RPR)
            texts = list(run.iterchildren(_T))
            if len(run) == len(texts) + (properties is not None) and not "".join(t.text or "" for t in texts):
                paragraph.remove(run)  # nothing but empty text
            elif source is not None and properties is None:
                run.insert(0, copy.deepcopy(source))
        if source is None:
            continue
        for placeholder in paragraph.iterfind(_PLACEHOLDER_RPR):
            placeholder.extend(copy.deepcopy(child) for child in source if child.tag not in body_text.NOT_IN_PLACEHOLDER)


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
