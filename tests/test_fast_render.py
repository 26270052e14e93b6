"""The compiled render gives the same document as docxtpl's straightforward load-render-save."""
import io
import itertools
import re
import zipfile
from pathlib import Path

import pytest
from docx import Document
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from markupsafe import Markup

from pipeline.documents.charts import NO_CHART, ChartSpec
from pipeline.documents.context import contexts
from pipeline.errors import TemplateError
from pipeline.documents.render import TEMPLATE_FILES, render_bytes, render_bytes_reference
from pipeline.run import check

from .conftest import SAMPLE_INPUTS, TEMPLATES

TRICKY = ["A&B公司", "<w:t>破坏</w:t>", '"引号" \'单引号\'', "{{ title }}", "{% if x %}y{% endif %}", "{_{ 拆分 }_}",
          "第一行\n第二行", "制表\t符", "新段\a落", "分页\f后", "a]]>b", "😀"]


@pytest.fixture(scope="module")
def sample_contexts() -> list[dict[str, dict]]:
    checked = check("2025-10", SAMPLE_INPUTS)
    return [contexts(checked, unit) for unit in checked.org.all_units()]


def with_tricky_text(value, texts):
    """`value` with every string followed by the next of TRICKY (markup, braces, breaks)."""
    if isinstance(value, str):
        return value + next(texts)
    if isinstance(value, dict):
        return {key: with_tricky_text(item, texts) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [with_tricky_text(item, texts) for item in value]
    return value


def assert_same_document(template: Path, context: dict) -> bytes:
    """The two renders hold the same parts, in the same order, each the same XML once inflated
    (the same canonical XML: the compiled render writes the body as text, so its namespace
    declarations and escapes may be spelt otherwise) or the same bytes; the same text and tables."""
    fast, reference = render_bytes(template, context), render_bytes_reference(template, context)
    fast_zip, reference_zip = zipfile.ZipFile(io.BytesIO(fast)), zipfile.ZipFile(io.BytesIO(reference))
    assert fast_zip.namelist() == reference_zip.namelist()
    for name in reference_zip.namelist():
        assert canonical(fast_zip.read(name)) == canonical(reference_zip.read(name)), name
    for left, right in zip(fast_zip.infolist(), reference_zip.infolist()):
        # a chart's workbook, compressed already, is stored as it is; every other part deflated
        method = zipfile.ZIP_STORED if left.filename.endswith(".xlsx") else right.compress_type
        assert (left.date_time, left.compress_type, left.external_attr) == \
               (right.date_time, method, right.external_attr), left.filename
    assert docx_text(fast) == docx_text(reference)
    return fast


def canonical(part: bytes) -> bytes:
    """An XML part in canonical form (C14N: one spelling of every element, attribute and
    namespace); other parts as they are."""
    if not part.startswith(b"<?xml"):
        return part
    return etree.tostring(etree.fromstring(part), method="c14n")


def docx_text(data: bytes) -> list:
    """The paragraphs and every table's cells as python-docx reads them."""
    document = Document(io.BytesIO(data))
    return [p.text for p in document.paragraphs] + [[cell.text for row in table.rows for cell in row.cells]
                                                    for table in document.tables]


def test_every_sample_document_is_byte_identical_to_docxtpls(sample_contexts):
    for contexts in sample_contexts:
        for kind, name in TEMPLATE_FILES.items():
            assert_same_document(TEMPLATES / name, contexts[kind])


def test_markup_braces_and_breaks_in_values_render_as_docxtpl_renders_them(sample_contexts):
    context = with_tricky_text(sample_contexts[0]["summary"], itertools.cycle(TRICKY))
    data = assert_same_document(TEMPLATES / "summary.docx", context)
    document = Document(io.BytesIO(data))
    text = "\n".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
    assert "A&B公司" in text and "{{ title }}" in text and "{% if x %}y{% endif %}" in text
    assert "第一行\n第二行" in text  # a line break inside the cell
    header = "".join(p.text for p in document.sections[0].header.paragraphs)
    assert header.startswith(sample_contexts[0]["summary"]["title"])


def test_charts_are_numbered_and_related_as_docxtpl_does(sample_contexts):
    chart = ChartSpec("达成率", ("甲", "乙"), (("实际", (0.5, 1.2)),), reference_line=("目标", 1.0))
    for first, second in ((NO_CHART, NO_CHART), (chart, NO_CHART), (NO_CHART, chart), (chart, chart)):
        context = {**sample_contexts[0]["summary"], "chart_achievement": first, "chart_members": second,
                   "chart_trend": NO_CHART}
        data = assert_same_document(TEMPLATES / "summary.docx", context)
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        assert len([n for n in names if re.fullmatch(r"word/charts/chart\d\.xml", n)]) == bool(first) + bool(second)


def word_style(template: Path, folder: Path, title: str | None = None) -> Path:
    """`template` as Word might save it: other XML declarations, another compression level,
    and optionally a tagged document title."""
    if title is not None:
        document = Document(template)
        document.core_properties.title = title
        buffer = io.BytesIO()
        document.save(buffer)
        data = buffer.getvalue()
    else:
        data = template.read_bytes()
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for name in source.namelist():
            content = source.read(name)
            content = content.replace(b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n",
                                      b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n')
            target.writestr(name, content)
    path = folder / template.name
    path.write_bytes(out.getvalue())
    return path


def test_a_template_saved_by_word_with_a_tagged_title_renders_identically(sample_contexts, tmp_path):
    template = word_style(TEMPLATES / "summary.docx", tmp_path, title="{{ title }}（A&B）")
    context = sample_contexts[0]["summary"]
    data = assert_same_document(template, context)
    assert Document(io.BytesIO(data)).core_properties.title.startswith(context["title"])


def test_template_errors_name_the_template_and_the_text_near_the_tag(sample_contexts, tmp_path):
    context = dict(sample_contexts[0]["plan"])
    del context["scope"]
    with pytest.raises(TemplateError) as fast:
        render_bytes(TEMPLATES / "plan.docx", context)
    with pytest.raises(TemplateError) as reference:
        render_bytes_reference(TEMPLATES / "plan.docx", context)
    assert str(fast.value) == str(reference.value)
    assert "plan.docx" in str(fast.value) and "scope" in str(fast.value)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab &<>\"'\r\n\t{}%#销售😀") + ["\ue000", "\x01", "\x0b", "\uffff"]),
               max_size=20), st.booleans(), st.integers(0, 250))
def test_a_tagged_core_property_reads_as_python_docx_writes_it(text, escaped, padding):
    # the properties are written as text into the part serialized once; python-docx sets them
    # on the element (and refuses what it refuses) — the same bytes, the same error
    from pipeline.documents.render import _compiled
    template = TEMPLATES / "plan.docx"
    compiled = _compiled(template.resolve(), template.stat().st_mtime_ns)
    title = "x" * padding + text
    values = {"title": Markup(title) if escaped else title}

    def outcome(write):
        try:
            return write()
        except Exception as error:
            return type(error).__name__
    assert outcome(lambda: compiled._properties(values)) == \
        outcome(lambda: compiled._properties_set([t.render(values) for t in compiled.property_templates]))


def with_header(template: Path, folder: Path, tag: str) -> Path:
    """`template` with its header's `{{ title }}` replaced by `tag`."""
    source, out = zipfile.ZipFile(template), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            content = source.read(name)
            if name == "word/header1.xml":
                content = content.replace(b"{{ title }}", tag.encode("utf-8"))
            target.writestr(name, content)
    path = folder / template.name
    path.write_bytes(out.getvalue())
    return path


@pytest.mark.parametrize("tag", ["{{ title }}", "{{ title|upper }} · {{ month }}", "{% if title %}{{ title }}{% endif %}",
                                 "{{ title|safe }}", "{{ '<b>'|safe }}"])
@pytest.mark.parametrize("title", ["华东二组 2025年10月", "A&B <组> \"引号\"", "第一行\n第二行", "制表\t符", "{{ x }}"])
def test_a_tagged_header_renders_as_docxtpl_renders_it(sample_contexts, tmp_path, tag, title):
    # a header whose tags are plain values in text is written as Jinja writes it; any other is
    # parsed, and what docxtpl cannot save (`|upper` on an escaped `&`, markup a tag writes) is
    # refused both ways, never written as a damaged part
    template = with_header(TEMPLATES / "summary.docx", tmp_path, tag)
    context = {**sample_contexts[0]["summary"], "title": title, "month": "2025-10"}

    def outcome(render):
        try:
            return render(template, context)
        except TemplateError:
            return "refused"
    if outcome(render_bytes_reference) == "refused":
        assert outcome(render_bytes) == "refused"
        return
    data = assert_same_document(template, context)
    header = "".join(p.text for p in Document(io.BytesIO(data)).sections[0].header.paragraphs)
    assert title.replace("\n", "").replace("\t", "").upper() in header.replace("\n", "").replace("\t", "").upper()
