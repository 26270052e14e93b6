"""Layout and wording as a reader sees them: column widths, repeating headers, merged cells,
charts clear of the target line, signs that stay with their figures, sentences that make sense,
and PDFs set in Simplified Chinese faces."""
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from lxml import etree

from pipeline.documents import pdf
from pipeline.documents.tables import with_groups

from .conftest import invoke, write_inputs
from .docx_reading import body_text, table_with_header
from .test_documents import TABLE2, document

TABLE1 = ["核心指标", "月度目标", "具体任务描述", "负责人", "计划完成时间", "完成标准", "备注(资源/风险)"]
C = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
     "a": "http://schemas.openxmlformats.org/drawingml/2006/main"}
MINUS, NBSP = "\u2212", "\u00a0"


def twips(cm: float) -> int:
    return round(cm / 2.54 * 1440)


def word_table(path: Path, header: list[str]):
    [table] = [t for t in Document(path).tables if [c.text for c in t.rows[0].cells] == header]
    return table


def grid(table) -> list[int]:
    return [int(col.get(qn("w:w"))) for col in table._tbl.tblGrid.findall(qn("w:gridCol"))]


def all_documents(folder: Path) -> list[Path]:
    return sorted(folder.glob("*/*.docx"))


def every_text(path: Path) -> list[str]:
    """Every paragraph and table cell of the document, as a reader sees them."""
    doc = Document(path)
    return [p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells]


def chart_roots(path: Path) -> list[etree._Element]:
    with zipfile.ZipFile(path) as archive:
        names = sorted(n for n in archive.namelist() if re.fullmatch(r"word/charts/chart\d+\.xml", n))
        return [etree.fromstring(archive.read(n)) for n in names]


# ---- column widths, header rows, rows that stay whole ----------------------------------------

def test_table1_columns_fit_their_content(sample_report):
    table = word_table(document(sample_report, "company", "公司", "plan"), TABLE1)
    widths = grid(table)
    assert widths == [twips(cm) for cm in (2.1, 1.8, 3.7, 1.9, 2.4, 2.3, 2.8)]
    assert widths[3] >= twips(1.9)  # 负责人: a four-character name (华东二组) on one line at 9 pt
    assert max(widths) == widths[2] and widths[1] < widths[2] / 2  # description widest, target narrow
    assert sum(widths) <= twips(17.0)  # inside the A4 portrait margins
    assert widths[6] >= twips(2.8)  # wide enough for "备注(资源/风险)" on one line at 9 pt
    assert widths[4] >= twips(2.4)  # and for "计划完成时间" (6 × 9 pt + the cell margins)


def test_table_cells_have_one_exact_line_height(sample_report):
    # with "single" spacing a cell of digits alone (Latin metrics) sat higher than one with Chinese
    for kind in ("plan", "summary"):
        for table in Document(document(sample_report, "company", "公司", kind)).tables:
            for paragraph in (p for row in table.rows for cell in row.cells for p in cell.paragraphs):
                spacing = paragraph._p.find(f"{qn('w:pPr')}/{qn('w:spacing')}")
                assert spacing is not None and spacing.get(qn("w:lineRule")) == "exact", paragraph.text


def test_every_table_has_a_fixed_grid_that_its_cells_follow(sample_report):
    for kind in ("plan", "summary"):
        for table in Document(document(sample_report, "company", "公司", kind)).tables:
            properties = table._tbl.tblPr
            assert properties.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
            widths = grid(table)
            assert len(widths) == len(table.columns)
            for row in table.rows:
                cells = row._tr.findall(qn("w:tc"))
                assert [int(tc.tcPr.find(qn("w:tcW")).get(qn("w:w"))) for tc in cells] == widths


def test_header_rows_repeat_and_only_long_table1_and_table2_rows_may_break(sample_report):
    for path in (document(sample_report, "company", "公司", "plan"), document(sample_report, "team", "深圳组", "summary")):
        for table in Document(path).tables:
            rows = [row._tr.trPr for row in table.rows]
            assert rows[0].find(qn("w:tblHeader")) is not None and rows[0].find(qn("w:cantSplit")) is not None
            assert all(r.find(qn("w:tblHeader")) is None for r in rows[1:])
            header = [c.text for c in table.rows[0].cells]
            if header not in (TABLE1, TABLE2):
                assert all(r.find(qn("w:cantSplit")) is not None for r in rows[1:])
                continue
            # a row of Table 1 or Table 2 holding long texts may break rather than leave half a page
            # empty; a short one never does (no line or two of it alone at the top of a page)
            for row, properties in zip(table.rows[1:], rows[1:]):
                texts = [cell.text for cell in row.cells]
                if max(map(len, texts)) >= 60:
                    assert properties.find(qn("w:cantSplit")) is None, texts
                elif max(map(len, texts)) <= 8 and not any("\n" in text for text in texts):
                    assert properties.find(qn("w:cantSplit")) is not None, texts


def test_summary_tables_fit_the_landscape_page(sample_report):
    for table in Document(document(sample_report, "company", "公司", "summary")).tables:
        assert sum(grid(table)) <= twips(29.7 - 4.0)
    table2 = word_table(document(sample_report, "company", "公司", "summary"), TABLE2)
    widths = grid(table2)
    assert min(widths[4:]) > max(widths[1:4])  # the four text columns are the wide ones


# ---- Table 1: a metric's name and target merged down its tasks ---------------------------------

def merge_states(table, column: int) -> list[tuple[str | None, str]]:
    """(w:vMerge value or None, the cell's own text) of `column` in each data row."""
    found = []
    for tr in table._tbl.tr_lst[1:]:
        tc = tr.findall(qn("w:tc"))[column]
        merge = tc.tcPr.find(qn("w:vMerge"))
        own = "".join(t.text or "" for t in tc.iter(qn("w:t")))
        found.append((None if merge is None else merge.get(qn("w:val")), own))
    return found


def test_table1_merges_metric_and_target_down_a_metrics_tasks(sample_report):
    table = word_table(document(sample_report, "company", "公司", "plan"), TABLE1)
    # The sample's October tasks: 销售额 4, 新客户开发数量 2, 老客户复购率 2, 回款金额 2, 活动参与量 2;
    # 拜访次数, 跟进次数, 客户满意度 and 投诉率 (inputs/targets_process.csv) have none: one placeholder row each.
    expected_metric = [("restart", "销售额"), ("continue", ""), ("continue", ""), ("continue", ""),
                       ("restart", "新客户开发数量"), ("continue", ""),
                       ("restart", "老客户复购率"), ("continue", ""),
                       ("restart", "回款金额"), ("continue", ""),
                       ("restart", "活动参与量"), ("continue", ""),
                       ("restart", "拜访次数"), ("restart", "跟进次数"), ("restart", "客户满意度"), ("restart", "投诉率")]
    assert merge_states(table, 0) == expected_metric
    targets = merge_states(table, 1)
    # the plan's 复购率 target is weighted by September's bases: 3424 / 98 = 34.9% (docs/RULES.md §8)
    assert [text for state, text in targets if state == "restart"] == ["200万元", "15家", "34.9%", "150万元", "24场",
                                                                                  "240次", "360次", "90%", "2%"]
    assert all(text == "" for state, text in targets if state == "continue")  # the target is written once
    assert all(state is None for state, _ in merge_states(table, 2))  # each task keeps its own cell


def keeps_with_next(table) -> list[bool]:
    """Whether every paragraph of each data row keeps with the next row."""
    return [all(p.find(qn("w:pPr")) is not None and p.find(qn("w:pPr")).find(qn("w:keepNext")) is not None
                for p in tr.iter(qn("w:p"))) for tr in table._tbl.tr_lst[1:]]


def test_a_page_break_never_falls_inside_a_merged_group(sample_report):
    # every row of a group but its last keeps with the next: the group moves to the next page whole
    # rather than leaving rows there whose merged first cell is empty
    table = word_table(document(sample_report, "company", "公司", "plan"), TABLE1)
    expected = [state == "continue" for state, _ in merge_states(table, 0)[1:]] + [False]
    expected[-2] = True  # and the last row keeps with the one before it (never alone on a page)
    assert keeps_with_next(table) == expected
    members = word_table(document(sample_report, "company", "公司", "plan"), ["区域", "核心指标", "分解目标（占本单位目标）"])
    # 华东区, 华南区 and 合计, nine metrics each (the sample's catalog as in Table 1; 华东区 has no
    # 满意度/投诉率 target: its rows print —)
    assert keeps_with_next(members) == ([True] * 8 + [False]) * 3


def test_a_rep_plan_merges_only_within_each_metric(sample_report):
    table = word_table(document(sample_report, "rep", "S1001", "plan"), TABLE1)
    states = merge_states(table, 0)
    assert [text for state, text in states if state == "restart"] == \
        ["销售额", "新客户开发数量", "老客户复购率", "回款金额", "活动参与量", "拜访次数", "跟进次数"]
    assert len(states) == 7  # one row per metric: nothing merged across metrics


def test_rows_added_later_get_a_group_from_their_metric_and_target():
    rows = [{"metric": "销售额", "target": "200万元", "task": "甲"},
            {"metric": "销售额", "target": "200万元", "task": "乙", "group": 7},  # a stale key is replaced
            {"metric": "回款金额", "target": "150万元", "task": "丙"},
            {"metric": "销售额", "target": "200万元", "task": "丁"}]  # apart from its kind: a new group
    assert [row["group"] for row in with_groups(rows)] == [0, 0, 1, 2]
    assert [row["task"] for row in with_groups(rows)] == ["甲", "乙", "丙", "丁"]
    assert "group" not in rows[0]  # the caller's rows are left as they were


# ---- charts ----------------------------------------------------------------------------------

def test_chart_labels_sit_clear_of_the_target_line_on_an_axis_from_zero(sample_report):
    achievement, trend, members = chart_roots(document(sample_report, "company", "公司", "summary"))
    assert trend.find(".//c:lineChart", C) is None  # target and actual per month are both bars
    for root in (achievement, trend, members):
        assert root.find("c:lang", C).get("val") == "zh-CN"
        assert root.find(".//c:valAx/c:scaling/c:min", C).get("val") == "0"
    for root in (achievement, members):
        assert root.find(".//c:lineChart", C) is not None  # the 100% line
        for labels in root.iterfind(".//c:barChart/c:ser/c:dLbls", C):
            assert {p.get("val") for p in labels.iter("{%s}dLblPos" % C["c"])} == {"inBase"}


def test_category_names_stay_level_and_wrap_instead_of_turning(sample_report):
    # seven metric names at 45° took most of the chart's height and squeezed its bars
    for root in chart_roots(document(sample_report, "company", "公司", "summary")):
        body = root.find(".//c:catAx/c:txPr/a:bodyPr", {**C, "a": "http://schemas.openxmlformats.org/drawingml/2006/main"})
        assert body is not None and body.get("rot") == "0" and body.get("vert") == "horz"


def test_the_trend_chart_takes_the_landscape_pages_width(sample_report):
    # twelve months side by side: 22 cm of the summary's 25.7, the other charts 16 cm (360,000 EMU a cm)
    with zipfile.ZipFile(document(sample_report, "company", "公司", "summary")) as archive:
        body = archive.read("word/document.xml").decode("utf-8")
    widths = [int(cx) / 360_000 for cx in re.findall(r'<wp:extent cx="(\d+)"', body)]
    assert widths == [16.0, 22.0, 16.0]  # achievement per metric, trend, members


def test_chart_labels_read_as_the_tables_do(sample_report):
    path = document(sample_report, "company", "公司", "summary")
    achievement, _trend, members = chart_roots(path)
    labels = ["".join(label.itertext()) for label in achievement.iterfind(".//c:barChart/c:ser/c:dLbls/c:dLbl", C)]
    figures = table_with_header(path, TABLE2)
    # 活动参与量 is incomplete: its bar labelled with its coverage; 拜访次数, 跟进次数, 客户满意度, 投诉率 from inputs/*_process.csv
    assert labels == [row[3] for row in figures[1:10]] == ["92.5%", "80%", "91.4%", "94.1%", "95.8%（已报 11/12）",
                                                          "103.8%", "99.2%", "98.8%", "90.5%"]  # not 80.0%
    first = members.find(".//c:barChart/c:ser/c:dLbls", C)
    assert ["".join(label.itertext()) for label in first.iterfind("c:dLbl", C)] == ["93%", "92%"]
    ranking = table_with_header(path, ["排名", "区域", "销售额达成率", "销售额差异", "新客户开发数量达成率",
                                       "新客户开发数量差异", "老客户复购率达成率"])
    assert [row[2] for row in ranking[1:]] == ["93%", "92%"]  # the same text as the chart's


def test_a_one_member_teams_chart_shows_its_target(tmp_path):
    write_inputs(tmp_path / "in", "张三", "北京组", "华北区", "备注", "拜访客户")
    assert invoke("report", "--month", "2025-10", "--inputs", tmp_path / "in", "--outputs", tmp_path, "-q").exit_code == 0
    _, members = chart_roots(tmp_path / "2025-10" / "team" / "2025-10_北京组_月度工作总结.docx")
    [line] = members.findall(".//c:lineChart/c:ser", C)
    assert line.find("c:tx//c:v", C).text == "目标 100%"
    assert [float(v.text) for v in line.iterfind("c:val//c:v", C)] == [1.0]
    # A line through one point draws nothing: the point is a marker.
    assert line.find("c:marker/c:symbol", C).get("val") not in (None, "none")


def test_columns_beyond_a_units_metrics_are_headed_with_a_dash_not_a_dash_and_a_word(tmp_path):
    folder = tmp_path / "in"
    write_inputs(folder, "张三", "北京组", "华北区", "备注", "拜访客户")  # one metric: sales, R1 90 of 100
    with (folder / "org.csv").open("a", encoding="utf-8") as org:
        org.write("R2,李四,北京组,华北区\n")
    for name, figure in (("targets.csv", "100"), ("actuals.csv", "80")):
        with (folder / name).open("a", encoding="utf-8") as handle:
            handle.write(f"2025-10,R2,sales,{figure}\n2025-09,R1,sales,{figure}\n")
    assert invoke("report", "--month", "2025-10", "--inputs", folder, "--outputs", tmp_path, "-q").exit_code == 0
    summary = tmp_path / "2025-10" / "team" / "2025-10_北京组_月度工作总结.docx"
    ranking = table_with_header(summary, ["排名", "销售代表", "销售额达成率", "销售额差异", "—", "—", "—"])
    assert [row[1] for row in ranking[1:]] == ["张三", "李四"]  # 90% before 80%
    trend = table_with_header(summary, ["月份", "销售额目标", "销售额实际", "销售额达成率", "—", "—"])
    assert len(trend) == 3  # September and October


def test_plan_chart_labels_are_written_as_the_goals_table(sample_report):
    path = document(sample_report, "company", "公司", "plan")
    [root] = chart_roots(path)
    labels = [["".join(label.itertext()) for label in ser.iterfind("c:dLbls/c:dLbl", C)]
              for ser in root.iterfind(".//c:barChart/c:ser", C)]
    assert labels == [["176.2万元", "130.8万元"], ["200万元", "150万元"]]  # not 200.0万元


# ---- signs and wording -----------------------------------------------------------------------

def test_signed_figures_use_the_minus_sign_and_stay_with_their_names(sample_report):
    path = document(sample_report, "company", "公司", "summary")
    figures = table_with_header(path, TABLE2)
    assert ("【数据】较目标差15万元（达成92.5%）。缺口主要来自：华南区\u00a0\u22128万元、华东区\u00a0\u22127万元。") in figures[1][4]
    assert f"华南区{NBSP}{MINUS}4.8万元" in figures[4][4]
    for doc in all_documents(sample_report):
        for text in every_text(doc):
            # a hyphen before a figure could end a line as "华南区 -" / "4.8万元"
            assert not re.search(r"(^|[^\w])-\d", text), (doc.name, text)
            assert not re.search(r" [\u2212+]\d", text), (doc.name, text)  # a plain space before a signed figure


def test_no_sentence_reads_wrong_in_any_document(sample_report):
    zero = "0(?:万元|家|场|个百分点)"
    wrong = re.compile(f"（{zero}）|仅达成0%|[^（]达成0%|环比为与|环比{zero}|较目标(?:差|超出){zero}")
    for doc in all_documents(sample_report):
        for text in every_text(doc):
            assert not wrong.search(text), (doc.name, text)
        if "总结" in doc.name:
            for row in table_with_header(doc, TABLE2)[1:]:
                rate = re.match(r"[\d.]+", row[3])
                if rate and float(rate.group()) >= 100:
                    assert "缺口" not in row[4], (doc.name, row)  # no gap beside a met target


def test_the_sentences_that_used_to_read_wrong(sample_report):
    team = table_with_header(document(sample_report, "team", "上海一组", "summary"), TABLE2)
    events = next(row for row in team if row[0] == "活动参与量")
    assert events[4] == f"【数据】与目标持平（达成100%）。未达目标：李娜{NBSP}{MINUS}1场。超额贡献：张伟{NBSP}+1场。环比+1场。"
    rep = table_with_header(document(sample_report, "rep", "S1003", "summary"), TABLE2)
    new_customers = next(row for row in rep if row[0] == "新客户开发数量")
    # the cell adds nothing the row does not show; the section names it: not 仅达成0%（-1家）
    assert new_customers[6] == ""
    assert "【数据】新客户开发数量实际完成0家（目标1家）" in body_text(document(sample_report, "rep", "S1003", "summary"))
    flat = table_with_header(document(sample_report, "team", "广州组", "summary"), TABLE2)
    reason = next(row for row in flat if row[0] == "新客户开发数量")[4].split("\n")
    assert next(line for line in reason if line.startswith("【数据】")).endswith("与上月持平。")  # not 环比0家
    # 75%, nobody gave either cause: a field for each, in its place before 广州组's untagged note (其他)
    assert reason[:3] == ["主观：", "客观：", "其他：两家意向客户转由华东区对接。"]
    text = "\n".join(p.text for p in Document(document(sample_report, "company", "公司", "summary")).paragraphs)
    assert "业绩数据（实际完成与月度目标对比；环比变化是与2025年9月实际完成相比的增减）：" in text


# ---- Chinese fonts ---------------------------------------------------------------------------

def test_documents_declare_simplified_chinese_and_name_fonts_fontconfig_knows(sample_report):
    for kind in ("plan", "summary"):
        doc = Document(document(sample_report, "company", "公司", kind))
        styles = doc.styles.element
        default = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
        assert default.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"
        assert default.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "SimSun"  # 宋体, serif
        for name, font in (("Normal", "SimSun"), ("Heading 1", "SimHei"), ("Title", "SimHei")):
            properties = doc.styles[name].element.rPr
            assert properties.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"
            assert properties.find(qn("w:rFonts")).get(qn("w:eastAsia")) == font


NO_GLYPH_CHECK = (not (shutil.which("soffice") or shutil.which("libreoffice")) or not pdf.has_chinese_font()
                  or not (shutil.which("pdffonts") and shutil.which("pdftoppm") and shutil.which("fc-list")))
NO_NOTO = NO_GLYPH_CHECK or "Noto Serif CJK SC" not in subprocess.run(
    ["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout


def _with_fonts(source: Path, target: Path, serif: str, sans: str, language: str) -> Path:
    """A copy of `source` naming other East Asian fonts and language: same text, same metrics."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename in ("word/styles.xml", "word/document.xml"):
                data = (data.replace(b'"SimSun"', f'"{serif}"'.encode()).replace(b'"SimHei"', f'"{sans}"'.encode())
                        .replace(b'w:eastAsia="zh-CN"', f'w:eastAsia="{language}"'.encode()))
            new.writestr(item, data)
    return target


def _first_page(pdf_path: Path) -> bytes:
    prefix = pdf_path.with_suffix("")
    subprocess.run(["pdftoppm", "-r", "60", "-f", "1", "-l", "1", "-png", str(pdf_path), str(prefix)], check=True)
    return next(pdf_path.parent.glob(prefix.name + "-*1.png")).read_bytes()


@pytest.mark.skipif(NO_NOTO, reason="needs LibreOffice, poppler-utils (pdffonts, pdftoppm) and fonts-noto-cjk "
                                    "(Noto Serif CJK SC); not installed here")
def test_pdfs_set_chinese_in_simplified_chinese_glyphs_serif_for_the_body(sample_report, tmp_path):
    source = document(sample_report, "company", "公司", "plan")
    ours = tmp_path / "ours" / source.name
    ours.parent.mkdir()
    shutil.copy(source, ours)
    # The same document forced onto the SC faces, and onto the JP faces read as Japanese.
    sc = _with_fonts(source, tmp_path / "sc" / source.name, "Noto Serif CJK SC", "Noto Sans CJK SC", "zh-CN")
    jp = _with_fonts(source, tmp_path / "jp" / source.name, "Noto Serif CJK JP", "Noto Sans CJK JP", "ja-JP")
    made = pdf.to_pdf([ours, sc, jp], workers=1)
    fonts = subprocess.run(["pdffonts", str(made[0])], capture_output=True, text=True).stdout
    # 宋体 text in a serif CJK face, 黑体 headings in a sans one; no DejaVu for Chinese. (Debian's Noto
    # CJK collection names every language face NotoSerifCJKjp-… inside the PDF, so the glyphs decide.)
    assert "NotoSerifCJK" in fonts and "NotoSansCJK" in fonts, fonts
    text = subprocess.run(["pdftotext", "-layout", str(made[0]), "-"], capture_output=True, text=True).stdout
    assert "备注(资源/风险)" in text  # the heading on one line
    page, sc_page, jp_page = (_first_page(p) for p in made)
    assert sc_page != jp_page  # the page holds characters whose SC and JP forms differ
    assert page == sc_page, "the PDF's Chinese glyphs are not the Simplified Chinese forms"


# ---- layout as LibreOffice sets the pages (issue 23, item 4) ---------------------------------

HEADING = re.compile(r"^([一二三四五]、|（[一二三四]）)")
FOOTER = re.compile(r"^第\d+页/共\d+页$")


def pdf_pages(pdf_path: Path) -> list[list[str]]:
    """Each page's text lines, spaces removed (pdftotext spaces CJK from digits), without the
    running header (the title) and the footer (page numbers)."""
    count = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf_path)], capture_output=True,
                                                            text=True).stdout).group(1))
    pages = []
    for number in range(1, count + 1):
        text = subprocess.run(["pdftotext", "-f", str(number), "-l", str(number), "-layout", str(pdf_path), "-"],
                              capture_output=True, text=True).stdout
        lines = [re.sub(r"\s+", "", line) for line in text.splitlines()]
        lines = [line for line in lines if line and not FOOTER.match(line)]
        pages.append(lines[1:])  # the first line is the running header
    return pages


@pytest.fixture(scope="module")
def company_pdfs(sample_report, tmp_path_factory):
    if NO_NOTO:
        pytest.skip("needs LibreOffice, poppler-utils and fonts-noto-cjk; not installed here")
    folder = tmp_path_factory.mktemp("layout")
    copies = []
    for kind in ("summary", "plan"):
        source = document(sample_report, "company", "公司", kind)
        copies.append(folder / source.name)
        shutil.copy(source, copies[-1])
    summary, plan = pdf.to_pdf(copies, workers=1)
    return pdf_pages(summary), pdf_pages(plan)


def test_no_heading_stands_alone_at_the_foot_of_a_page(company_pdfs):
    for pages in company_pdfs:
        for number, lines in enumerate(pages[:-1], start=1):
            assert not HEADING.match(lines[-1]), f"page {number} ends with the heading {lines[-1]}"
    # a heading, its lead-in, a caption and the table's first rows are one block
    _, plan = company_pdfs
    [page] = [lines for lines in plan if "二、任务分解与责任" in lines]
    assert "目标分解到每个区域：" in page and "区域核心指标分解目标（占本单位目标）" in page


def test_the_trend_table_stays_on_one_page_with_its_caption_and_chart(company_pdfs):
    summary, _ = company_pdfs
    [page] = [lines for lines in summary if any(line.startswith("近12个月走势") for line in lines)]
    text = "\n".join(page)
    months = [f"2024年{m}月" for m in (11, 12)] + [f"2025年{m}月" for m in range(1, 11)]
    assert all(f"\n{month}" in text for month in months)  # each row starts with its month
    assert "销售额：近12个月目标与实际（万元）" in text  # the chart's title


def test_the_ranking_chart_stays_with_its_caption_and_table(company_pdfs):
    summary, _ = company_pdfs
    [page] = [lines for lines in summary if "各区域达成情况排名：" in lines]
    assert "各区域达成率对比" in page and any(line.startswith("1华东区") for line in page)


def test_table2s_last_row_never_stands_alone_on_a_page(company_pdfs):
    summary, _ = company_pdfs
    header = "核心指标月度目标实际完成达成率差异原因分析成功经验/亮点存在问题与挑战下月改进措施"
    [page] = [lines for lines in summary if header in lines and any(line.startswith("跟进次数") for line in lines)]
    between = page[page.index(header) + 1:next(i for i, line in enumerate(page) if line.startswith("跟进次数"))]
    assert between, "跟进次数, Table 2's last row, begins a page alone"


def test_table1s_owners_are_whole_names_one_a_line(company_pdfs):
    _, plan = company_pdfs
    text = "\n".join(line for lines in plan for line in lines)
    # 拜访次数 has no task: its row names the regions carrying its target, each whole
    assert "华东区" in text and "华南区" in text and "华东\n区" not in text and "华\n南区" not in text


def _keeps_with_next(paragraph) -> bool:
    """Whether Word keeps `paragraph` on the page of the next one (its own setting, else its style's)."""
    own = paragraph.paragraph_format.keep_with_next
    return own if own is not None else bool(paragraph.style.paragraph_format.keep_with_next)


def test_a_line_introducing_a_list_or_a_table_is_never_left_at_a_pages_foot(sample_report):
    # the company summary of the sample left `数据说明：` alone at the foot of page 3
    for kind, leads in (("summary", ["数据说明：", "商机兑现（"]),
                        ("plan", ["目标要求（", "2025年9月总结提出的改进措施", "以周为单位拆分任务", "提前识别可能影响",
                                  "第1周（", "第4周（"])):
        paragraphs = Document(document(sample_report, "company", "公司", kind)).paragraphs
        for lead in leads:
            found = [p for p in paragraphs if p.text.startswith(lead)]
            assert found and all(_keeps_with_next(p) for p in found), (kind, lead)


def test_a_short_row_of_a_breakable_table_never_breaks_a_long_one_may():
    # Table 1/2 rows may break (long texts rather than half an empty page), but a row of a line or
    # two broken across pages leaves `入CRM` alone at the top of the next page
    from docx import Document as New
    from docx.shared import Cm

    from pipeline.documents.layout import hold_layout

    document = New()
    table = document.add_table(rows=4, cols=2)
    for row, text in zip(table.rows, ["核心指标", "客户信息录入CRM", "长" * 400, "回款跟进\n逐单确认"]):
        row.cells[0].text, row.cells[1].text = "销售额", text
        for cell in row.cells:
            cell.width = Cm(4)
    hold_layout(document.element.body)
    cant_split = [row._tr.find(f"{qn('w:trPr')}/{qn('w:cantSplit')}") is not None for row in table.rows]
    assert cant_split == [True, True, False, True]
