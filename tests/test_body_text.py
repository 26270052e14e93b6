"""The compiled render writes a body as text, never parsed: the same document as the parsed way,
for the sample's templates always, for anything it does not cover by falling back."""
import io
import zipfile

import pytest
from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from pipeline.documents import body_text, layout, layout_text, render
from pipeline.documents.charts import NO_CHART, ChartSpec
from pipeline.documents.fields import Field, Fields, Identity
from pipeline.documents.layout_text import Unexpected

from .conftest import TEMPLATES
from .test_fast_render import assert_same_document, canonical, sample_contexts  # noqa: F401 (a fixture)

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def test_every_sample_document_is_written_as_text_without_parsing_its_body(sample_contexts, monkeypatch):
    def parsed(*_):
        raise AssertionError("the body was parsed")

    monkeypatch.setattr(render._Compiled, "_document", parsed)
    for contexts in sample_contexts:
        for kind, name in render.TEMPLATE_FILES.items():
            Document(io.BytesIO(render.render_bytes(TEMPLATES / name, contexts[kind])))


def field(title: str, label: str = "") -> Field:
    return Field(Identity("2025-10", "team", "一组", "summary", "sales", "next_step"), title, "请填写", label)


def test_fill_in_fields_anywhere_in_a_users_template_render_as_the_parsed_way_renders_them(tmp_path):
    document = Document()
    document.add_paragraph("{{ alone }}")
    document.add_paragraph("下月：{{ beside }}")  # beside other text: the parsed way dresses it
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "{{ lines }}"
    table.cell(0, 1).text = "{{ plain }}"
    template = tmp_path / "own.docx"
    document.save(template)
    context = {"alone": field("销售额·下月改进措施", "主观："), "beside": field("客观"),
               "lines": Fields(("已有一行\n第二行", field("主观", "主观："), field("客观", "客观："))),
               "plain": "A&B <组>\n第二行"}
    data = assert_same_document(template, context)
    text = ["".join(p._p.xpath(".//w:t/text()")) for p in Document(io.BytesIO(data)).paragraphs]
    assert text[:2] == ["主观：请填写", "下月：请填写"]  # a field's placeholder inside its content control


@pytest.mark.parametrize("inside", ["<w:sdt><w:sdtContent><w:p/></w:sdtContent></w:sdt>",
                                    "<w:tbl><w:tblGrid><w:gridCol/></w:tblGrid><w:tr><w:tc><w:tbl><w:tblGrid/>"
                                    "<w:tr><w:tc><w:p/></w:tc></w:tr></w:tbl><w:p/></w:tc></w:tr></w:tbl>",
                                    "<w:tbl><w:tblGrid><w:gridCol/></w:tblGrid><w:tr>{% for c in cells %}"
                                    "<w:tc><w:p/></w:tc>{% endfor %}</w:tr></w:tbl>",
                                    "<w:p><w:r><w:t>{{ a > b }}</w:t></w:r></w:p>"])
def test_what_the_text_body_does_not_cover_is_left_to_the_parsed_way(inside):
    document = f'<w:document xmlns:w="{W}"><w:body/></w:document>'
    source = f'<w:body xmlns:w="{W}">{inside}<w:sectPr/></w:body>'
    assert body_text.compile_body(source, document, render._ENVIRONMENT) is None


# Bodies of paragraphs and tables such as a template renders: styles, captions, charts, rows
# that may or may not break, cells of any width and text, properties in every spelling.
_TEXT = st.text(alphabet=st.sampled_from("销售额 A&<>\"'{}"), max_size=120)


@st.composite
def paragraphs(draw, in_cell: bool = False) -> str:
    style = draw(st.sampled_from(["", "Heading2", "Caption", "Normal"]))
    keep = draw(st.booleans())
    spelling = draw(st.sampled_from(["full", "empty", "none", "selfclosing"]))
    if spelling == "selfclosing" and not style and not keep:
        return "<w:p/>"
    inner = (f'<w:pStyle w:val="{style}"/>' if style else "") + ("<w:keepNext/>" if keep else "") \
        + ('<w:spacing w:after="0"/>' if spelling == "full" else "")
    properties = f"<w:pPr>{inner}</w:pPr>" if inner else ("<w:pPr/>" if spelling == "empty" else "")
    runs = "".join(
        f'<w:r><w:t xml:space="preserve">{etree_escape(text)}</w:t></w:r>' + ("<w:r><w:br/></w:r>" if brk else "")
        for text, brk in draw(st.lists(st.tuples(_TEXT, st.booleans()), max_size=3)))
    if not in_cell and draw(st.integers(0, 5)) == 0:
        runs += '<w:r><w:drawing><wp:inline xmlns:wp="urn:wp"><wp:docPr id="1" name="c"/></wp:inline></w:drawing></w:r>'
    return f"<w:p>{properties}{runs}</w:p>"


def etree_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@st.composite
def tables(draw) -> str:
    widths = draw(st.lists(st.sampled_from([190, 1191, 2098, 3000]), min_size=1, max_size=4))
    rows = []
    for _ in range(draw(st.integers(1, 18))):
        properties = draw(st.sampled_from(["", "<w:trPr/>", "<w:trPr><w:cantSplit/></w:trPr>",
                                           '<w:trPr><w:trHeight w:val="300"/></w:trPr>',
                                           '<w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>']))
        cells = "".join(f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{width}"/></w:tcPr>'
                        + "".join(draw(st.lists(paragraphs(in_cell=True), min_size=1, max_size=3))) + "</w:tc>"
                        for width in widths)
        rows.append(f"<w:tr>{properties}{cells}</w:tr>")
    grid = "".join(f'<w:gridCol w:w="{width}"/>' for width in widths)
    return f"<w:tbl><w:tblPr/><w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"


@given(st.lists(st.one_of(paragraphs(), tables()), max_size=8))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_layout_as_text_sets_what_the_parsed_layout_sets(children):
    body = f'<w:body xmlns:w="{W}">{"".join(children)}<w:sectPr/></w:body>'
    parsed = etree.fromstring(body)
    layout.hold_layout(parsed)
    as_text = layout_text.hold_layout(body)
    assert etree.tostring(etree.fromstring(as_text), method="c14n") == etree.tostring(parsed, method="c14n")


_ROW = "<w:tr><w:tc><w:p/></w:tc></w:tr>"


@pytest.mark.parametrize("table", [
    f"<w:tbl><w:tblGrid/><w:tr><w:tc><w:tbl><w:tblGrid/>{_ROW}</w:tbl><w:p/></w:tc></w:tr></w:tbl>",
    f"<w:tbl><w:tblGrid/>{_ROW}<w:tr><w:tc><w:tbl><w:tblGrid/>{_ROW}</w:tbl><w:p/></w:tc></w:tr></w:tbl>",
    f"<w:tbl><w:tblGrid/>{_ROW}"])
def test_a_table_in_a_table_or_one_not_closed_is_left_to_the_parsed_layout(table):
    with pytest.raises(Unexpected):
        layout_text.hold_layout(f'<w:body xmlns:w="{W}"><w:p/>{table}<w:p/><w:sectPr/></w:body>')


def one_paragraph_template(folder, text: str):
    document = Document()
    document.add_paragraph(text)
    template = folder / "own.docx"
    document.save(template)
    return template


@pytest.mark.parametrize("tag", ["{{- count }}", "{{+ count }}", "{{ count -}}", "{{- count -}}"])
def test_a_tag_with_whitespace_control_prints_its_value(tmp_path, tag):
    template = one_paragraph_template(tmp_path, tag)
    data = assert_same_document(template, {"count": 5})
    assert Document(io.BytesIO(data)).paragraphs[0].text == "5"  # not −5, nor a syntax error


class _Note:
    """A value the context preparation does not know: Jinja prints it with str()."""

    def __str__(self):
        return "甲\t乙"


@pytest.mark.parametrize("text, context", [
    ("前{{ note|wordwrap(5) }}", {"note": "aaaa bbbb cccc"}),  # a filter writing line breaks
    ("{{ 'a\\tb' }}", {}),  # a tab in the template's own string
    ("{{ 'a' ~ '\\a' ~ 'b' }}", {}),  # a paragraph break there
    ("{{ note }}", {"note": _Note()}),
])
def test_tabs_and_breaks_a_template_writes_itself_render_as_docxtpl_renders_them(tmp_path, text, context):
    data = assert_same_document(one_paragraph_template(tmp_path, text), context)
    document = Document(io.BytesIO(data))
    assert not any(character in p.text for p in document.paragraphs for character in "\a\f")


def bold_cell_template(folder):
    """A table cell whose only content is a bold run holding one tag: a field there takes its look."""
    document = Document()
    document.add_table(rows=1, cols=1).cell(0, 0).paragraphs[0].add_run("{{ reason }}").bold = True
    template = folder / "own.docx"
    document.save(template)
    return template


@pytest.mark.parametrize("reason", [
    Fields(("客户\t推迟", field("主观", "主观："))),  # a tab in a person's line beside a field
    Fields((field("主观", "主观：\t"),)),  # in a label
    Fields((field("主观", "主观："), "其他：\a另起一段")),
    Field(Identity("2025-10", "team", "一组", "summary", "sales", "next_step"), "标题", "提示\f分页"),
])
def test_tabs_and_breaks_beside_a_fill_in_field_render_as_the_parsed_way_renders_them(tmp_path, reason):
    data = assert_same_document(bold_cell_template(tmp_path), {"reason": reason})
    assert Document(io.BytesIO(data)).tables[0].cell(0, 0).text.count("主观") <= 1


@pytest.mark.parametrize("lines", [("已说明的原因",), ("第一条", "", "第二条"), ()])
def test_a_cells_lines_without_a_field_render_as_plain_runs(tmp_path, lines):
    data = assert_same_document(bold_cell_template(tmp_path), {"reason": Fields(lines)})
    assert Document(io.BytesIO(data)).tables[0].cell(0, 0).text == "\n".join(lines)


@pytest.mark.parametrize("wrapper", ["w:hyperlink", "w:ins", "w:smartTag"])
@pytest.mark.parametrize("value", ["上段\a下段", "上页\f下页"])
def test_a_paragraph_or_page_break_in_a_run_inside_a_hyperlink_or_tracked_insertion(tmp_path, wrapper, value):
    document = Document()
    paragraph = document.add_paragraph("单位：")
    run = paragraph.add_run("{{ unit }}")._r
    outer = run.makeelement(qn(wrapper), {qn("w:id"): "1", qn("w:author"): "甲"} if wrapper == "w:ins" else {})
    run.addprevious(outer)
    outer.append(run)
    template = tmp_path / "own.docx"
    document.save(template)
    assert_same_document(template, {"unit": value})  # (the text way wrote a document.xml not well-formed)


def test_the_plain_filter_in_the_body_renders_as_the_parsed_way_renders_it(tmp_path):
    # `|plain` (meant for a core property, which python-docx escapes) writes & and < unescaped:
    # the parsed way's recovering parser mends the body; written as text, it was not XML at all.
    template = one_paragraph_template(tmp_path, "单位：{{ unit|plain }}")
    assert_same_document(template, {"unit": "A&B <组>"})
    data = assert_same_document(template, {"unit": "甲>乙"})
    assert Document(io.BytesIO(data)).paragraphs[0].text == "单位：甲>乙"


@pytest.mark.parametrize("text", ["{{ unit|upper }}", "单位：{{ unit|upper }}", "{{ unit[:3] }}", "前{{ unit[1:] }}",
                                  "{{ unit|replace('&amp;', '&') }}", "{{ '<w:r/>'|safe }}", "x{{ '\"'|safe }}"])
def test_markup_a_filter_or_an_expression_makes_renders_as_the_parsed_way(tmp_path, text):
    # `|upper` on an escaped `&` (`&AMP;`), a slice through an entity, markup or a quote a tag
    # writes: not XML as text, so that document goes the parsed way (whose recovering parser
    # mends it) — never a damaged document
    assert_same_document(one_paragraph_template(tmp_path, text), {"unit": "A&B <组>"})


def test_a_tagged_run_whose_look_declares_its_own_namespace_renders_as_the_parsed_way(tmp_path):
    # A property in a namespace the document's root does not declare (declared on the element
    # itself, as a template built with python-docx may hold it) kept its declaration.
    w15 = '<w15:mark xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml" w15:val="1"/>'
    document = Document()
    document.add_paragraph().add_run("{{ unit }}")._r.get_or_add_rPr().append(parse_xml(w15))
    document.add_table(rows=1, cols=1).cell(0, 0).paragraphs[0].add_run("{{ reason }}")._r.get_or_add_rPr().append(
        parse_xml(w15))
    template = tmp_path / "own.docx"
    document.save(template)
    data = assert_same_document(template, {"unit": "一组", "reason": field("主观", "主观：")})
    assert Document(io.BytesIO(data)).paragraphs[0].text == "一组"


# Contexts of every kind a value may take, rendered both ways into a template with a tag in
# every place the shipped templates put one: alone in a run (a paragraph, a cell of a looped
# row), beside text, after a heading and before a caption and table, a chart alone in its paragraph.
_PLAIN = list("销售额 A&<>\"'{}%_#]") + ["&amp;", "{_{", "}_}", "]]>", "x" * 40]
_VALUE = st.lists(st.sampled_from(_PLAIN * 8 + ["\n", "\t", "\a", "\f", "\r", "\x85", "\u2028", "\x01", "\ufffe"]),
                  max_size=30).map("".join)
_FIELD_TEXT = st.lists(st.sampled_from(_PLAIN + ["\n"]), max_size=20).map("".join)


@st.composite
def _fill_ins(draw):
    def one():
        return Field(Identity("2025-10", "team", "一组", "summary", "sales", "next_step"),
                     draw(_FIELD_TEXT), draw(_FIELD_TEXT), draw(st.sampled_from(["", "主观：", "客观："])))
    kind = draw(st.sampled_from(["text", "field", "fields"]))
    if kind == "text":
        return draw(_VALUE)
    if kind == "field":
        return one()
    lines = [one() if draw(st.booleans()) else draw(_FIELD_TEXT) for _ in range(draw(st.integers(0, 3)))]
    lines.insert(draw(st.integers(0, len(lines))), one())  # (lines without a field are rendered the parsed way)
    return Fields(tuple(lines))


@pytest.fixture(scope="module")
def tagged_template(tmp_path_factory):
    document = Document()
    document.add_paragraph("{{ title }}", style="Title")
    document.add_paragraph("单位：{{ unit }}，说明：{{ note }}")
    document.add_paragraph("二、目标达成", style="Heading 1")
    document.add_paragraph().add_run("{{ lead }}").italic = True
    document.add_paragraph("{{ chart }}")
    document.add_paragraph("表2：{{ caption }}", style="Caption")
    table = document.add_table(rows=3, cols=3)
    for cell, text in zip(table.rows[0].cells, ["指标", "原因", "措施"]):
        cell.text = text
    table.cell(1, 0).text = "{%tr for row in rows %}"
    for cell, key in zip(table.rows[2].cells, ["metric", "reason", "step"]):
        cell.paragraphs[0].add_run("{{ row.%s }}" % key).bold = True
    table.add_row().cells[0].text = "{%tr endfor %}"
    document.add_paragraph().add_run("{{ closing }}").bold = True
    template = tmp_path_factory.mktemp("tagged") / "tagged.docx"
    document.save(template)
    return template


@given(st.fixed_dictionaries({
    "title": _VALUE, "unit": _VALUE, "note": _VALUE, "lead": _VALUE, "caption": _VALUE, "closing": _fill_ins(),
    "chart": st.sampled_from([None, "chart"]),
    "rows": st.lists(st.fixed_dictionaries({"metric": _VALUE, "reason": _fill_ins(), "step": _fill_ins()}),
                     max_size=16)}))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_context_written_as_text_is_the_document_the_parsed_way_writes(tagged_template, context):
    template = tagged_template
    context["chart"] = ChartSpec("达成率", ("甲", "乙"), (("实际", (0.5, 1.2)),)) if context["chart"] else NO_CHART
    compiled = render._compiled(template.resolve(), template.stat().st_mtime_ns)
    assert compiled.text_body is not None
    try:
        as_text = compiled._render(context, None, text_body=True)
    except Unexpected:
        return  # rendered the parsed way
    parsed = compiled._render(context, None, text_body=False)
    text_zip, parsed_zip = zipfile.ZipFile(io.BytesIO(as_text)), zipfile.ZipFile(io.BytesIO(parsed))
    assert text_zip.namelist() == parsed_zip.namelist()
    for name in parsed_zip.namelist():
        assert canonical(text_zip.read(name)) == canonical(parsed_zip.read(name)), name


def test_a_tag_jinja_cannot_read_is_named_as_the_parsed_way_names_it(tmp_path):
    document = Document()
    document.add_paragraph("标题：{{ title }}")
    document.add_paragraph("{% for x in items %}{{ x }")  # an unclosed tag
    template = tmp_path / "broken.docx"
    document.save(template)
    with pytest.raises(render.TemplateError) as fast:
        render.render_bytes(template, {"title": "T", "items": []})
    with pytest.raises(render.TemplateError) as reference:
        render.render_bytes_reference(template, {"title": "T", "items": []})
    assert str(fast.value) == str(reference.value)
    assert "broken.docx" in str(fast.value)
