"""The sample report read as a manager would read it."""
import csv
import hashlib
import json

from docx import Document
from docx.oxml.ns import qn

from .docx_reading import assert_well_formed, body_text, controls, rows_of_cells, table_with_header, tables

TABLE1 = ["核心指标", "月度目标", "具体任务描述", "负责人", "计划完成时间", "完成标准", "备注(资源/风险)"]
TABLE2 = ["核心指标", "月度目标", "实际完成", "达成率", "差异原因分析", "成功经验/亮点", "存在问题与挑战", "下月改进措施"]


def manifest(report):
    return json.loads((report / "manifest.json").read_text(encoding="utf-8"))


def document(report, level, unit, kind):
    [entry] = [d for d in manifest(report)["documents"]
               if (d["level"], d["unit"], d["kind"]) == (level, unit, kind)]
    return report / entry["path"]


def test_company_summary_table2_holds_the_original_figures(sample_report):
    rows = table_with_header(document(sample_report, "company", "公司", "summary"), TABLE2)
    by_metric = {row[0]: row[1:4] for row in rows[1:]}
    assert by_metric["销售额"] == ["200万元", "185万元", "92.5%"]
    assert by_metric["新客户开发数量"] == ["15家", "12家", "80%"]
    assert by_metric["老客户复购率"] == ["35%", "32%", "91.4%"]
    assert by_metric["回款金额"][0] == "150万元"


def test_a_metric_close_to_but_short_of_target_is_named_a_problem_in_table2_and_in_the_list(sample_report):
    path = document(sample_report, "rep", "S1004", "summary")
    rows = {row[0]: row for row in table_with_header(path, TABLE2)[1:]}
    # 刘洋's October 复购率 (inputs/*.csv): 33% of 35% = 94.3%, 2 points short; nobody wrote a problem
    assert rows["老客户复购率"][3] == "94.3%"
    # the cell says what the row does not: the second month short (September 31% of 35%)
    assert rows["老客户复购率"][6] == "【数据】连续2个月未达成。"
    # the section names each such metric once, with its streak; those with nothing more, in one item:
    # 跟进 28 of 30次 = 93.3%, met in September
    text = body_text(path)
    assert "【数据】老客户复购率达成94.3%（\u22122个百分点），接近但未达目标，连续2个月未达成。" in text
    assert "【数据】接近但未达目标：跟进次数达成93.3%（\u22122次）。" in text


def test_a_rates_members_are_above_or_below_target_not_parts_of_its_gap(sample_report):
    rows = table_with_header(document(sample_report, "company", "公司", "summary"), TABLE2)
    repurchase = next(row for row in rows if row[0] == "老客户复购率")
    # company 32% of 35%, 3 points short; 华东区 and 华南区 each 3 points short of their own target
    # (metrics.csv): two −3 would not add up to −3, so they are not called the gap's sources
    assert "较目标差3个百分点（达成91.4%）。未达目标：华东区\u00a0\u22123个百分点、华南区\u00a0\u22123个百分点。" in repurchase[4]
    assert "缺口主要来自" not in repurchase[4]


def test_table2_narrative_cells_come_from_the_notes(sample_report):
    rows = table_with_header(document(sample_report, "company", "公司", "summary"), TABLE2)
    sales = next(row for row in rows if row[0] == "销售额")
    assert "宝钢项目" in sales[4] and "线上渠道" in sales[5] and "流失5家" in sales[6] and "每日跟进" in sales[7]
    events = next(row for row in rows if row[0] == "活动参与量")  # no note: the data speaks, marked as such
    # 24场 target, 23场 reported; S1012 孙浩 silent: the 11 who reported made 23 of their 22, 华东区 13 of 12
    assert events[4] == "【数据】数据不全：孙浩未报实际完成数据。既有目标又已报的11人：较目标超出1场（达成104.5%）。" \
                        "超额贡献：华东区\u00a0+1场。环比+1场（已报人数：上月12人，本月11人）。"
    assert events[6] == "【数据】孙浩未报实际完成数据。"
    # nobody wrote 活动参与量's 成功经验 or 下月改进措施: a field to fill, not `—`
    cells = rows_of_cells(document(sample_report, "company", "公司", "summary"), TABLE2)["活动参与量"]
    assert [[(c["title"], c["placeholder"]) for c in controls(cell._tc)] for cell in cells[5:]] == \
        [[("活动参与量·成功经验/亮点", True)], [], [("活动参与量·下月改进措施", True)]]


def test_company_plan_table1_has_the_original_columns_and_everyones_tasks(sample_report):
    rows = table_with_header(document(sample_report, "company", "公司", "plan"), TABLE1)
    owners = {row[3] for row in rows[1:]}
    assert {"张伟", "王芳", "孙浩", "赵敏"} <= owners
    baogang = next(row for row in rows if "宝钢设备改造" in row[2])
    assert baogang == ["销售额", "200万元", "推进宝钢设备改造项目，目标签约40万元", "张伟", "10月30日前",
                       "签订正式合同并收到30%预付款", "需技术部出具改造方案"]


def test_team_plan_lists_only_its_members_tasks(sample_report):
    rows = table_with_header(document(sample_report, "team", "上海一组", "plan"), TABLE1)
    # a row filled from the figures names every member carrying the target: 张伟、王芳、李娜
    assert {name for row in rows[1:] for name in row[3].split("\n")} - {"—"} == {"张伟", "王芳", "李娜"}
    assert next(row for row in rows if row[0] == "销售额")[1] == "53万元"


def test_plan_has_the_five_steps_and_weekly_milestones(sample_report):
    text = body_text(document(sample_report, "company", "公司", "plan"))
    for heading in ["一、核心目标", "二、任务分解与责任", "三、策略与资源需求", "四、时间节点", "五、风险预判与应对"]:
        assert heading in text
    week3 = text.index("第3周（10月15日—10月21日）")
    week4 = text.index("第4周（10月22日—10月31日）")
    assert week3 < text.index("广州大客户第三季度应收款催收（黄强，10月15日前）") < week4
    risks = table_with_header(document(sample_report, "company", "公司", "plan"), ["风险", "应对措施"])
    assert risks[1][0] == "大客户宝钢因内部流程可能延迟签约。"


def test_plan_goals_show_last_month_as_context(sample_report):
    rows = table_with_header(document(sample_report, "company", "公司", "plan"),
                             ["核心指标", "月度目标", "上月目标", "上月实际", "上月达成率"])
    assert rows[1] == ["销售额", "200万元", "192万元", "176.2万元", "91.8%"]


def test_summary_has_the_four_steps_figures_and_next_month(sample_report):
    path = document(sample_report, "company", "公司", "summary")
    text = body_text(path)
    for heading in ["一、数据收集与整理", "二、目标达成分析", "三、问题与经验提炼", "四、下月计划优化"]:
        assert heading in text
    # 销售额 92.5%, 复购率 91.4%, 回款 94.1% are near; 新客户 80% missed; 活动 lacks 孙浩's figure;
    # 拜访次数 249/240 = 103.8% met, 跟进次数 357/360 = 99.2% near, 客户满意度 88.8% of 90% and
    # 投诉率 2.1% of 2% near (inputs/*_process.csv, 深圳组 only)
    assert "本月共考核9项指标：达成1项，接近目标6项，未达成1项，数据不全1项。" in text
    figures = table_with_header(path, ["核心指标", "月度目标", "实际完成", "达成率", "差异", "上月实际", "环比变化", "状态"])
    assert figures[1] == ["销售额", "200万元", "185万元", "92.5%", "\u221215万元", "176.2万元", "+8.8万元", "接近目标"]
    assert figures[3][4] == "\u22123个百分点"
    upcoming = table_with_header(path, ["核心指标", "月度目标"])
    assert upcoming[1] == ["销售额", "206.5万元"]  # 21+18.5+15.5+17.5+16.5+14.5+18.5+16.5+15.5+20.5+16.5+15.5


def test_data_notes_name_the_missing_actual_in_every_unit_above_it(sample_report):
    message = "孙浩缺少「活动参与量」的实际完成数据"  # the documents name the rep; the id stays in the manifest
    for level, unit in [("company", "公司"), ("region", "华南区"), ("team", "深圳组"), ("rep", "S1012")]:
        assert message in body_text(document(sample_report, level, unit, "summary"))
    assert message not in body_text(document(sample_report, "team", "上海一组", "summary"))
    assert "S1012 孙浩 缺少「活动参与量」的实际完成数据" in " ".join(manifest(sample_report)["warnings"])


def test_every_unit_of_every_level_has_both_documents_listed_with_its_hash(sample_report):
    data = manifest(sample_report)
    assert data["month"] == "2025-10"
    pairs = {(d["level"], d["unit"], d["kind"]) for d in data["documents"]}
    expected_units = [("company", "公司"), ("region", "华东区"), ("region", "华南区"), ("team", "上海一组"),
                      ("team", "杭州组"), ("team", "广州组"), ("team", "深圳组"),
                      *[("rep", f"S10{i:02d}") for i in range(1, 13)]]
    assert pairs == {(level, unit, kind) for level, unit in expected_units for kind in ("plan", "summary")}
    for entry in data["documents"]:
        path = sample_report / entry["path"]
        assert path.parent.name == entry["level"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
    assert {f["path"] for f in data["inputs"]} >= {"org.csv", "targets.csv", "actuals.csv", "tasks.csv", "notes.csv"}
    assert next(f for f in data["inputs"] if f["path"] == "org.csv")["rows"] == 12


def test_file_names_say_month_unit_and_kind(sample_report):
    assert (sample_report / "company" / "2025-10_公司_月度工作总结.docx").is_file()
    assert (sample_report / "rep" / "2025-10_张伟(S1001)_月度工作计划.docx").is_file()


def test_every_xml_part_of_every_document_is_well_formed(sample_report):
    for entry in manifest(sample_report)["documents"]:
        assert_well_formed(sample_report / entry["path"])


def test_metrics_csv_is_raw_figures_with_a_bom(sample_report):
    raw = (sample_report / "metrics.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert list(rows[0]) == ["month", "level", "unit", "metric", "metric_name", "target", "actual", "variance",
                             "achievement", "status", "prev_actual", "mom_change", "targeted", "reported",
                             "ytd_target", "ytd_actual", "ytd_achievement", "yoy_actual", "yoy_change", "ytd_months"]
    sales = next(r for r in rows if (r["level"], r["metric"]) == ("company", "sales"))
    assert (sales["target"], sales["actual"], sales["variance"], sales["achievement"], sales["status"]) == \
           ("2000000", "1850000", "-150000", "0.925", "near")
    assert (sales["targeted"], sales["reported"]) == ("12", "12")
    rate = next(r for r in rows if (r["level"], r["metric"]) == ("company", "repurchase_rate"))
    assert float(rate["achievement"]) == 0.32 / 0.35 or abs(float(rate["achievement"]) - 0.32 / 0.35) < 1e-9
    missing = next(r for r in rows if (r["unit"], r["metric"]) == ("S1012", "events"))
    assert (missing["actual"], missing["achievement"], missing["status"], missing["targeted"], missing["reported"]) \
        == ("", "", "no_actual", "1", "0")
    assert {r["level"] for r in rows} == {"company", "region", "team", "rep"}


def test_layout_a4_chinese_font_repeated_headers_page_numbers(sample_report):
    plan = Document(document(sample_report, "company", "公司", "plan"))
    summary = Document(document(sample_report, "company", "公司", "summary"))
    width, height = plan.sections[0].page_width.cm, plan.sections[0].page_height.cm
    assert (round(width, 1), round(height, 1)) == (21.0, 29.7)
    assert summary.sections[0].page_width > summary.sections[0].page_height  # Table 2 gets landscape
    fonts = plan.styles["Normal"].element.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) == "SimSun"  # 宋体 by its English name (Word and fontconfig know both)
    for doc in (plan, summary):
        for table in doc.tables:
            assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
        footer_xml = doc.sections[0].footer._element.xml
        assert "PAGE" in footer_xml and "NUMPAGES" in footer_xml


def test_summary_table_counts_match_units(sample_report):
    # a rep's summary has one Table 2 row per metric it has data for
    rows = table_with_header(document(sample_report, "rep", "S1012", "summary"), TABLE2)
    assert [r[0] for r in rows[1:]] == ["销售额", "新客户开发数量", "老客户复购率", "回款金额", "活动参与量",
                                        "拜访次数", "跟进次数", "客户满意度", "投诉率"]
    assert rows[5][2:4] == ["—", "—"]  # 孙浩's 活动参与量
    assert rows[6][1:4] == ["20次", "22次", "110%"]  # 拜访次数, inputs/*_process.csv
    # figures, 本年累计与去年同期, the trend's achievement per month, Table 2, next month's targets
    assert len(tables(document(sample_report, "rep", "S1012", "summary"))) == 5


def test_title_block_says_which_unit_and_where_it_sits(sample_report):
    text = body_text(document(sample_report, "team", "上海一组", "plan"))
    assert text.startswith("上海一组 2025年10月 月度工作计划\n层级：团队    范围：华东区 · 上海一组（3名销售代表）")
    rep = body_text(document(sample_report, "rep", "S1001", "summary"))
    assert rep.startswith("张伟 2025年10月 月度工作总结\n层级：个人    范围：华东区 · 上海一组 · 张伟（工号 S1001）")


def test_a_shortfall_where_lower_is_better_says_which_way_it_missed(sample_report):
    # 孙浩's 投诉率 3% against 2%: 66.7%, and `（+1个百分点）` beside it read as a gain
    text = body_text(document(sample_report, "rep", "S1012", "summary"))
    assert "【数据】投诉率仅达成66.7%（比目标高1个百分点），连续2个月未达成。" in text
    team = rows_of_cells(document(sample_report, "team", "深圳组", "summary"), TABLE2)["投诉率"][6]
    assert "孙浩仅达成66.7%（比目标高1个百分点）" in team.text


def test_next_months_targets_name_the_metrics_they_leave_out(sample_report):
    # targets_2025-11.csv holds no 拜访次数 or 跟进次数: the shorter table says so rather than drop them
    path = document(sample_report, "company", "公司", "summary")
    assert [row[0] for row in table_with_header(path, ["核心指标", "月度目标"])[1:]] == [
        "销售额", "新客户开发数量", "老客户复购率", "回款金额", "活动参与量", "客户满意度", "投诉率"]
    assert "拜访次数、跟进次数：输入数据中尚无2025年11月的目标。" in body_text(path)
    # and a rep's: 刘洋's November targets leave out the same two
    rep = body_text(document(sample_report, "rep", "S1004", "summary"))
    assert "拜访次数、跟进次数：输入数据中尚无2025年11月的目标。" in rep
