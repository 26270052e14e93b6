"""Native Word charts: present, referenced, well-formed, holding the figures; colours; same bytes."""
import io
import json
import time
import zipfile

import pytest
from docx import Document
from docx.oxml.ns import qn
from lxml import etree
from openpyxl import load_workbook

from pipeline.documents.charts import NO_CHART, ChartSpec
from pipeline.documents.render import render_bytes
from pipeline.documents.wordchart import chart_xml

from .conftest import TEMPLATES
from .docx_reading import workbook_parts
from .test_documents import TABLE2, document

C = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart"}
CHART_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/chart"


def charts(path):
    """Each chart the document body places: (title, {series name: values}, categories, workbook values)."""
    doc = Document(path)
    placed = [el.get(qn("r:id")) for el in doc.element.body.iter("{%s}chart" % C["c"])]
    found = []
    for rid in placed:
        part = doc.part.rels[rid].target_part
        assert doc.part.rels[rid].reltype == CHART_REL
        root = etree.fromstring(part.blob, etree.XMLParser(recover=False))
        title = "".join(root.find("c:chart/c:title", C).itertext())
        series = {s.find("c:tx//c:v", C).text:
                  [float(v.text) for v in s.findall("c:val//c:pt/c:v", C)] for s in root.iterfind(".//c:ser", C)}
        categories = [v.text for v in root.find(".//c:ser/c:cat", C).iterfind(".//c:pt/c:v", C)]
        workbook_rid = root.find("c:externalData", C).get(qn("r:id"))
        book = load_workbook(io.BytesIO(part.rels[workbook_rid].target_part.blob))
        sheet = [[cell for cell in row] for row in book.active.iter_rows(values_only=True)]
        found.append((title, series, categories, sheet))
    return found


def test_company_summary_charts_hold_the_figures(sample_report):
    path = document(sample_report, "company", "公司", "summary")
    (title, series, categories, sheet), _trend, members = charts(path)
    assert title == "各项指标达成率"
    # 孙浩 reported no 活动参与量: the metric keeps its bar, marked 数据不全 (and hatched grey, below)
    assert categories == ["销售额", "新客户开发数量", "老客户复购率", "回款金额", "活动参与量（数据不全）",
                          "拜访次数", "跟进次数", "客户满意度", "投诉率"]
    # 活动参与量 is incomplete: its bar kept (0.958, labelled with its coverage); 客户满意度 and 投诉率:
    # 深圳组's only (inputs/*_process.csv), base-weighted
    assert series["达成率"][:4] + series["达成率"][5:] == \
        pytest.approx([0.925, 0.8, 0.32 / 0.35, 141.2 / 150, 249 / 240, 357 / 360,
                       (0.92 * 20 + 0.88 * 15 + 0.85 * 12) / 47 / 0.9,
                       0.02 / ((0.015 * 40 + 0.025 * 30 + 0.03 * 25) / 95)])
    assert series["达成率"][4] == pytest.approx(0.958, abs=0.0005)
    assert series["目标 100%"] == [1.0] * 9
    assert sheet[1][:3] == ["销售额", 0.925, 1]  # the workbook Word's "Edit Data" opens
    m_title, m_series, m_categories, _ = members
    assert m_title == "各区域达成率对比" and m_categories == ["华东区", "华南区"]  # sorted by 销售额 achievement
    assert m_series["销售额"] == pytest.approx([93 / 100, 92 / 100])


def test_every_document_has_its_charts(sample_report):
    manifest = json.loads((sample_report / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["documents"]:
        # a summary: achievement, the trend, and for a roll-up its members
        expected = 1 if entry["kind"] == "plan" else 2 if entry["level"] == "rep" else 3
        assert len(charts(sample_report / entry["path"])) == expected, entry["path"]


def test_plan_chart_sets_targets_beside_last_months_actuals(sample_report):
    [(title, series, categories, _)] = charts(document(sample_report, "company", "公司", "plan"))
    assert title == "本月目标与上月实际（万元）" and categories == ["销售额", "回款金额"]
    assert series == {"上月实际": [176.2, 130.8], "本月目标": [200.0, 150.0]}


def test_achievement_cells_are_coloured_by_status(sample_report):
    table = next(t for t in Document(document(sample_report, "company", "公司", "summary")).tables
                 if [c.text for c in t.rows[0].cells] == TABLE2)
    fills = {row.cells[0].text: row.cells[3]._tc.tcPr.find(qn("w:shd")).get(qn("w:fill")) for row in table.rows[1:]}
    assert fills["销售额"] == "FFEB9C" and fills["新客户开发数量"] == "FFC7CE"  # near, missed
    for row in table.rows[1:]:  # shading sits where the schema puts it, after the width
        tags = [child.tag for child in row.cells[3]._tc.tcPr]
        assert tags.index(qn("w:tcW")) < tags.index(qn("w:shd"))


def test_the_weakest_metric_is_marked(sample_report):
    table = next(t for t in Document(document(sample_report, "company", "公司", "summary")).tables
                 if t.rows[0].cells[-1].text == "状态")
    marked = [row.cells[0].text for row in table.rows[1:] if "重点关注" in row.cells[-1].text]
    assert marked == ["新客户开发数量"]


def test_rendering_hours_apart_gives_the_same_bytes(monkeypatch):
    context = {"title": "T", "level_name": "公司", "scope": "s", "month_label": "m", "prev_month_label": "p",
               "unit_label": "u", "goals": [], "table1": [], "strategies": [], "resources": [], "weeks": [],
               "risks": [], "responses": [], "risk_pairs": [], "member_targets": [], "member_noun": "", "prev_next_steps": [],
               "chart_targets": ChartSpec("t", ("a", "b"), (("x", (1.0, 2.0)),))}
    context["segment_targets"], context["rate_note"], context["target_asks"], context["method_notes"] = [], "", [], []
    first = render_bytes(TEMPLATES / "plan.docx", context)
    # The clock moved on by hours and an odd second (zip times have 2-second steps), without waiting.
    later, localtime = time.time() + 3 * 3600 + 7, time.localtime
    monkeypatch.setattr(time, "time", lambda: later)
    monkeypatch.setattr(time, "localtime", lambda seconds=None: localtime(later if seconds is None else seconds))
    assert render_bytes(TEMPLATES / "plan.docx", context) == first
    names = zipfile.ZipFile(io.BytesIO(first)).namelist()
    assert "word/charts/chart1.xml" in names and "word/embeddings/Microsoft_Excel_Sheet1.xlsx" in names


def test_chart_text_is_escaped():
    xml, _ = chart_xml(ChartSpec("A&B <组>", ("甲&乙", "<丙>"), (("系列\"1\"", (0.5, 1.0)),)))
    root = etree.fromstring(xml, etree.XMLParser(recover=False))
    assert "".join(root.find("c:chart/c:title", C).itertext()) == "A&B <组>"
    assert [v.text for v in root.iterfind(".//c:cat//c:v", C)] == ["甲&乙", "<丙>"]


def test_an_empty_chart_leaves_no_part():
    context = {"title": "T", "level_name": "公司", "scope": "s", "month_label": "m", "prev_month_label": "p",
               "unit_label": "u", "goals": [], "table1": [], "strategies": [], "resources": [], "weeks": [],
               "risks": [], "responses": [], "risk_pairs": [], "member_targets": [], "member_noun": "", "prev_next_steps": [], "chart_targets": NO_CHART}
    context["segment_targets"], context["rate_note"], context["target_asks"], context["method_notes"] = [], "", [], []
    names = zipfile.ZipFile(io.BytesIO(render_bytes(TEMPLATES / "plan.docx", context))).namelist()
    assert not [n for n in names if "chart" in n]


@pytest.mark.parametrize("spec", [
    ChartSpec("达成率", ("销售额", "新客户开发数量", "A&B <公司> \"引号\""), (("达成率", (0.925, None, 1.5)),),
              reference_line=("目标 100%", 1.0)),
    ChartSpec("趋势", tuple(f"{m}月" for m in range(1, 31)), (("目标", tuple(float(m * 1000) for m in range(30))),
              ("实际", tuple(None if m % 7 == 3 else m * 12.345678901234567 for m in range(30)))),
              '0.0"万元"', data_labels=False),
    ChartSpec("重名", ("目标", "甲", "甲"), (("目标", (1e-7, 123456789012.5, -3.0)), ("乙", (None, None, 2.0))), '0"家"'),
    ChartSpec("多列", ("一",), tuple((f"系列{n}", (float(n),)) for n in range(30)), "0.0%"),
])
def test_embedded_workbook_is_written_as_xlsxwriter_writes_it(spec):
    # the direct writer must give XlsxWriter's parts (which Word's "Edit Data" opens)
    from pipeline.documents.wordchart import reference_workbook
    assert workbook_parts(chart_xml(spec)[1]) == workbook_parts(reference_workbook(spec))


def test_unusual_text_in_a_workbook_goes_through_xlsxwriter():
    from pipeline.documents.wordchart import reference_workbook
    for odd in (" 前后空格 ", "_x0041_", "<r>富文本</r>", "=1+1", "http://example.com"):
        spec = ChartSpec("t", (odd, "乙"), ((odd, (1.0, 2.0)),))
        assert workbook_parts(chart_xml(spec)[1]) == workbook_parts(reference_workbook(spec))


def test_an_incomplete_metric_keeps_a_hatched_grey_bar_labelled_with_its_coverage(sample_report):
    doc = Document(document(sample_report, "company", "公司", "summary"))
    rid = next(doc.element.body.iter("{%s}chart" % C["c"])).get(qn("r:id"))
    root = etree.fromstring(doc.part.rels[rid].target_part.blob)
    bars = root.find(".//c:ser", C)
    [point] = bars.findall("c:dPt", C)
    assert point.find("c:idx", C).get("val") == "4"  # 活动参与量（数据不全）
    assert point.find(".//{http://schemas.openxmlformats.org/drawingml/2006/main}pattFill") is not None
    labels = {label.find("c:idx", C).get("val"): "".join(label.find("c:tx", C).itertext())
              for label in bars.iterfind("c:dLbls/c:dLbl", C)}
    assert labels["4"] == "95.8%（已报 11/12）"


def test_every_chart_has_alt_text_with_its_key_figures(sample_report):
    manifest = json.loads((sample_report / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["documents"]:
        doc = Document(sample_report / entry["path"])
        frames = [inline.find(qn("wp:docPr")) for inline in doc.element.body.iter(qn("wp:inline"))]
        assert frames and all(frame.get("descr") for frame in frames), entry["path"]
    company = Document(document(sample_report, "company", "公司", "summary"))
    alt = [inline.find(qn("wp:docPr")).get("descr") for inline in company.element.body.iter(qn("wp:inline"))]
    assert alt[0].startswith("柱形图「各项指标达成率」。达成率：销售额 92.5%，新客户开发数量 80%，")
    assert "活动参与量（数据不全） 95.8%（已报 11/12）" in alt[0] and alt[0].endswith("参考线：目标 100%。")
    assert "10月 185万元" in alt[1]  # the trend: October's actual with its unit


def test_a_reps_chart_names_a_metric_without_an_actual_instead_of_leaving_it_out(sample_report):
    # S1012 孙浩 reported no 活动参与量 (inputs/actuals.csv): named, with no bar
    (title, series, categories, _), *_ = charts(document(sample_report, "rep", "S1012", "summary"))
    assert title == "各项指标达成率" and "活动参与量（缺实际数据）" in categories
    assert len(series["达成率"]) == len(categories) - 1  # every other metric has its bar
