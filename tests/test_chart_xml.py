"""Charts written from prepared pieces are the charts built as trees: the chart XML is byte for
byte the tree-built XML (python-pptx's XML dressed with lxml) and the embedded workbook holds
XlsxWriter's parts, for every chart the sample and a synthetic organisation draw and for any text."""
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from pipeline.documents.charts import ChartSpec
from pipeline.documents.context import contexts
from pipeline.documents.wordchart import chart_xml, fast_chart_xml, reference_chart_xml
from pipeline.run import check
from scripts.synthetic_org import synthetic_inputs

from .conftest import SAMPLE_INPUTS
from .docx_reading import workbook_parts

C = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
     "a": "http://schemas.openxmlformats.org/drawingml/2006/main"}
HOSTILE = ['A&B <公司> "引号" \'单引号\'', "{{ title }}", "{% if x %}y{% endif %}", "{_{ 拆分 }_}", "😀 表情",
           "长" * 5000, " 前后空格 ", "a]]>b", "&amp; &#13;", "   ", "\u00a0不换行\u3000", "_x0041_", "=1+1",
           "<r>富文本</r>", "http://example.com", "\ue000t0\ue001"]
UNUSUAL = ["", "第一行\n第二行", "制表\t符", "回车\r符", "控制\x07字符", "\x00"]
FORMATS = ['0.0%', '0.0"万元"', '0"单"', '0"家"', '0"次"', '0.00', 'General', '0"a"b"']


def specs_of(checked) -> list[ChartSpec]:
    """Every chart the documents of `checked` draw (every ChartSpec in their contexts)."""
    return [value for unit in checked.org.all_units() for context in contexts(checked, unit).values()
            for value in context.values() if isinstance(value, ChartSpec) and value]


def assert_same_bytes(spec: ChartSpec) -> None:
    """The prepared pieces cover `spec` and give the tree-built XML; chart_xml gives both reference parts."""
    xml, workbook = reference_chart_xml(spec)
    assert fast_chart_xml(spec) == xml
    assert as_read(chart_xml(spec)) == (xml, workbook_parts(workbook))


def as_read(chart: tuple[bytes, bytes]) -> tuple[bytes, list]:
    """A chart's XML and its workbook's parts as they read."""
    return chart[0], workbook_parts(chart[1])


def outcome(make, spec: ChartSpec):
    """What `make(spec)` gives: its bytes, or the kind of error it raises."""
    try:
        return as_read(make(spec))
    except Exception as error:  # the reference's own errors (e.g. text lxml refuses) must stay the same
        return type(error).__name__


def test_every_chart_of_the_sample_is_the_same_bytes():
    specs = specs_of(check("2025-10", SAMPLE_INPUTS))
    # the sample draws every kind: a target line, muted bars, labels given, no labels, money and rates
    assert any(s.reference_line for s in specs) and any(s.muted for s in specs) and any(s.labels for s in specs)
    assert any(not s.data_labels for s in specs) and {'0.0%', '0.0"万元"'} <= {s.number_format for s in specs}
    for spec in specs:
        assert_same_bytes(spec)


def test_every_chart_of_a_synthetic_organisation_is_the_same_bytes(tmp_path):
    specs = specs_of(check("2025-10", synthetic_inputs(tmp_path / "inputs", 200, 0, 2)))
    assert len(specs) > 600
    for spec in specs:
        assert_same_bytes(spec)


@pytest.mark.parametrize("text", HOSTILE)
def test_any_text_is_written_as_lxml_writes_it(text):
    spec = ChartSpec(text, (text, "乙", text), ((text, (0.5, None, 1.5)), ("二", (1, 2, 3))),
                     reference_line=(text, 1.0), labels=((text, "", "90%"), ("", text, "")), muted=(1,))
    assert_same_bytes(spec)
    root = etree.fromstring(chart_xml(spec)[0], etree.XMLParser(recover=False))
    assert "".join(root.find("c:chart/c:title", C).itertext()) == text  # literally, as a reader sees it
    assert [v.text for v in root.find(".//c:ser/c:cat", C).iterfind(".//c:v", C)] == [text, "乙", text]


@pytest.mark.parametrize("text", UNUSUAL)
def test_unusual_text_takes_the_tree_path_with_the_same_outcome(text):
    for spec in (ChartSpec(text, ("甲",), (("乙", (1.0,)),)), ChartSpec("t", (text, "甲"), (("乙", (1.0, 2.0)),)),
                 ChartSpec("t", ("甲",), ((text, (1.0,)),)), ChartSpec("t", ("甲",), (("乙", (1.0,)),), labels=((text,),)),
                 ChartSpec("t", ("甲",), (("乙", (1.0,)),), reference_line=(text, 1.0))):
        assert outcome(chart_xml, spec) == outcome(reference_chart_xml, spec)


def test_a_number_format_looking_like_a_template_mark_takes_the_tree_path():
    spec = ChartSpec("t", ("甲",), (("乙", (1.0,)),), '0"\ue000t0\ue001"')
    assert fast_chart_xml(spec) is None and as_read(chart_xml(spec)) == as_read(reference_chart_xml(spec))
    assert b"<a:t>t</a:t>" in chart_xml(spec)[0]


@pytest.mark.parametrize("values", [
    (None, 0.925, None), (1, 2, 3), (0, -0.0, -3), (1e-7, 123456789012.5, -3.0), (1e300, 5e-324, 0.1 + 0.2),
    (2 ** 53 + 1, 10 ** 20, -(10 ** 15)), (1 / 3, 2 / 3, 100.0), (None, None, None),
])
def test_numbers_are_written_as_python_pptx_writes_them(values):
    spec = ChartSpec("数", ("甲", "乙", "丙"), (("一", values), ("二", (0.5, None, 2.0))), reference_line=("目标", 1))
    assert_same_bytes(spec)
    assert_same_bytes(ChartSpec("数", ("甲", "乙", "丙"), (("一", values),), '0.0"万元"', data_labels=False))


def test_values_that_are_not_plain_numbers_take_the_tree_path_with_the_same_outcome():
    for values in ((float("nan"), 1.0), (float("inf"), 1.0), (True, 1.0), ("1", 2.0)):
        spec = ChartSpec("t", ("甲", "乙"), (("一", values),))
        assert outcome(chart_xml, spec) == outcome(reference_chart_xml, spec)


@pytest.mark.parametrize("number_format", FORMATS)
@pytest.mark.parametrize("spec", [
    ChartSpec("一类", ("甲",), (("实际", (0.8,)),), reference_line=("目标 100%", 1.0)),  # the line as a dash marker
    ChartSpec("一类无线", ("甲",), (("实际", (None,)), ("目标", (3,)))),
    ChartSpec("多类", tuple(f"{n}月" for n in range(1, 41)), (("目标", tuple(float(n) for n in range(40))),
              ("实际", tuple(None if n % 7 == 3 else n * 12.345678901234567 for n in range(40)))), data_labels=False),
    ChartSpec("多列", ("一", "二"), tuple((f"系列{n}", (float(n), None)) for n in range(6))),  # colours cycle
    ChartSpec("灰", ("甲", "乙", "丙", "丁"), (("率", (0.5, 0.6, 0.7, 0.8)),), reference_line=("目标", 1.0),
              labels=(("50%", "", "70%（已报 1/2）", "80%"),), muted=(0, 2, 9)),
    ChartSpec("短标签", ("甲", "乙", "丙"), (("一", (1.0, 2.0, 3.0)), ("二", (4.0, 5.0, 6.0))), labels=(("x",), ())),
    ChartSpec("长标签", ("甲", "乙"), (("一", (1.0, 2.0)),), reference_line=("线", 0.5), labels=(("a", "b", "c"), ("d",))),
    ChartSpec("长短值", ("甲", "乙", "丙"), (("一", (1.0,)), ("二", (1.0, 2.0, 3.0, 4.0)))),
    ChartSpec("重名", ("目标", "甲", "甲"), (("目标", (1e-7, 123456789012.5, -3.0)), ("甲", (None, None, 2.0)))),
])
def test_every_shape_and_number_format_is_the_same_bytes(spec, number_format):
    assert_same_bytes(replace(spec, number_format=number_format))


def _text(plain: bool):
    characters = st.characters(blacklist_categories=("Cs", "Cc") if plain else ("Cs",))
    return st.one_of(st.text(characters, min_size=1, max_size=12), st.sampled_from(HOSTILE if plain else HOSTILE + UNUSUAL))


@st.composite
def chart_specs(draw, plain: bool = True):
    text, number = _text(plain), st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False),
                                           st.integers(-10 ** 15, 10 ** 15))
    count = draw(st.integers(1, 8))
    series = tuple((draw(text), tuple(draw(number) for _ in range(count))) for _ in range(draw(st.integers(1, 4))))
    labels = draw(st.lists(st.lists(st.one_of(st.just(""), text), max_size=count).map(tuple), max_size=len(series) + 1))
    line = draw(st.one_of(st.none(), st.tuples(text, st.floats(-2, 2))))
    return ChartSpec(draw(text), tuple(draw(text) for _ in range(count)), series, draw(st.sampled_from(FORMATS)),
                     line, labels=tuple(labels), data_labels=draw(st.booleans()),
                     muted=tuple(draw(st.lists(st.integers(0, count), max_size=3, unique=True))))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chart_specs())
def test_any_chart_of_plain_text_is_the_same_bytes(spec):
    assert_same_bytes(spec)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chart_specs(plain=False))
def test_any_chart_has_the_reference_outcome(spec):
    reference = outcome(reference_chart_xml, spec)
    assert outcome(chart_xml, spec) == reference
    xml = fast_chart_xml(spec)
    assert xml is None or (isinstance(reference, tuple) and xml == reference[0])


@pytest.mark.parametrize("unit", ["件&套", "<单>", '"箱"'])
def test_a_counting_word_with_markup_characters_draws_a_chart_that_names_it(unit):
    number_format = f'0"{unit}"'
    spec = ChartSpec("完成数", ("甲", "乙"), (("实际", (3.0, 5.0)),), number_format)
    assert_same_bytes(spec)
    xml, _ = chart_xml(spec)
    assert etree.fromstring(xml).find(".//c:formatCode", C).text == number_format
