"""Plans with substance and summaries that roll notes up, read as a manager reads the documents:
the target split by member (step 二), notes of the units above marked with their source, each risk
beside its response (step 五), weeks and task rows that say what is worked toward, and summary
cells that show the members' notes where the unit wrote none.

Expected figures are worked out by hand from the sample inputs (targets.csv, targets_segments.csv,
actuals.csv of 2025-09 and notes.csv)."""
from pathlib import Path

import pandas as pd
from docx import Document

from pipeline.compute import notes
from pipeline.compute.org import Org

from .conftest import invoke, org_frame, write_inputs
from .docx_reading import body_text, table_with_header, tables
from .test_documents import TABLE2, document

SPLIT = ["成员", "核心指标", "月度目标", "占本单位目标"]
RISKS = ["风险", "应对措施"]
TABLE1 = ["核心指标", "月度目标", "具体任务描述", "负责人", "计划完成时间", "完成标准", "备注(资源/风险)"]


def split_rows(path: Path) -> dict[tuple[str, str], tuple[str, str]]:
    """The member split as {(member, metric): (target, share)}."""
    return {(member, metric): (target, share) for member, metric, target, share in table_with_header(path, SPLIT)[1:]}


# ---- step 二: the target split by member ------------------------------------------------------

def test_region_plan_splits_its_targets_by_team(sample_report):
    rows = split_rows(document(sample_report, "region", "华南区", "plan"))
    # 广州组 = S1007–S1009, 深圳组 = S1010–S1012 (S1010's sales is the sum of its segments: 10+6+4万)
    assert rows[("广州组", "销售额")] == ("49万元", "49%")  # 18 + 16 + 15万 of 100万
    assert rows[("深圳组", "销售额")] == ("51万元", "51%")  # 20 + 16 + 15万
    assert rows[("广州组", "新客户开发数量")] == ("4家", "57.1%")  # 4 of 7
    assert rows[("深圳组", "新客户开发数量")] == ("3家", "42.9%")
    assert rows[("广州组", "回款金额")] == ("37万元", "49.3%")  # 37 of 75万
    assert rows[("深圳组", "活动参与量")] == ("6场", "50%")
    assert rows[("合计", "销售额")] == ("100万元", "100%")
    assert rows[("合计", "新客户开发数量")] == ("7家", "100%")
    # a rate target is not a part of a whole: shown, with no share
    target, share = rows[("广州组", "老客户复购率")]
    assert target.endswith("%") and share == "—"
    assert rows[("合计", "老客户复购率")][1] == "—"


def test_team_plan_splits_its_targets_by_rep_name_first(sample_report):
    table = table_with_header(document(sample_report, "team", "上海一组", "plan"), SPLIT)
    assert list(dict.fromkeys(row[0] for row in table[1:])) == ["张伟", "王芳", "李娜", "合计"]
    rows = split_rows(document(sample_report, "team", "上海一组", "plan"))
    assert rows[("张伟", "销售额")] == ("20万元", "37.7%")  # 20 of 20 + 18 + 15 = 53万
    assert rows[("王芳", "销售额")] == ("18万元", "34%")
    assert rows[("李娜", "销售额")] == ("15万元", "28.3%")
    assert rows[("张伟", "老客户复购率")] == ("40%", "—")
    assert rows[("合计", "销售额")] == ("53万元", "100%")


def test_company_plan_splits_by_region_and_a_rep_plan_has_no_split(sample_report):
    rows = split_rows(document(sample_report, "company", "公司", "plan"))
    assert rows[("华东区", "销售额")] == ("100万元", "50%")  # 上海一组 53万 + 杭州组 17 + 16 + 14万
    assert rows[("华南区", "销售额")] == ("100万元", "50%")
    assert rows[("合计", "销售额")] == ("200万元", "100%")
    rep_tables = tables(document(sample_report, "rep", "S1007", "plan"))
    assert not [t for t in rep_tables if t[0] == SPLIT]


# ---- notes flow down, risks beside their responses -----------------------------------------

def test_south_region_plan_shows_the_company_risk_about_itself_beside_its_response(sample_report):
    risks = table_with_header(document(sample_report, "region", "华南区", "plan"), RISKS)[1:]
    assert ["公司：竞品在华南区以低价抢单。", "加强产品差异化话术培训，突出售后服务优势，价格让步需报区域总监审批。"] in risks
    assert ["公司：大客户宝钢因内部流程可能延迟签约。",
            "每周同步客户进度，协助客户协调内部资源，必要时请销售总监介入沟通。"] in risks
    # its own risk first; the `response` row after it (the older form) is paired with it
    assert risks[0] == ["深圳电子行业需求放缓，客户预算收紧。", "优先推进框架协议客户的续约，缩短付款账期换取签约。"]


def test_rep_plan_shows_the_strategy_and_risks_of_every_unit_above_it(sample_report):
    path = document(sample_report, "rep", "S1007", "plan")  # 赵敏, 广州组, 华南区
    text = body_text(path)
    assert "公司：针对制造业客户推出“免费试用+定制方案”组合，以样板客户带动同行业转化。" in text
    assert "公司：市场部协助提供行业白皮书素材；申请增加2场区域客户沙龙预算。" in text
    assert "（本月未录入）" not in text
    risks = table_with_header(path, RISKS)[1:]
    assert ["华南区：深圳电子行业需求放缓，客户预算收紧。", "优先推进框架协议客户的续约，缩短付款账期换取签约。"] in risks
    assert len(risks) == 3  # the company's two and the region's one
    east = body_text(document(sample_report, "rep", "S1001", "plan"))
    assert "华东区：以上海、杭州两地制造业园区为重点，组织园区联合推介会。" in east


def test_a_response_on_a_row_that_is_not_a_risk_is_an_input_error(inputs_copy, tmp_path):
    with (inputs_copy / "notes.csv").open("a", encoding="utf-8", newline="") as handle:
        handle.write("2025-10,company,公司,,strategy,加大展会投入。,每周复盘\r\n")
    outputs = tmp_path / "out"
    result = invoke("report", "--month", "2025-10", "--inputs", inputs_copy, "--outputs", outputs)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    [line] = [line for line in result.stderr.splitlines() if "notes.csv 第35行" in line]
    assert "列「response」" in line and "每周复盘" in line and "risk" in line
    assert not (outputs / "2025-10").exists()


def test_the_response_column_may_be_headed_in_chinese(inputs_copy, tmp_path):
    path = inputs_copy / "notes.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("section,text,response", "类别,内容,应对措施", 1), encoding="utf-8")
    result = invoke("report", "--month", "2025-10", "--inputs", inputs_copy, "--outputs", tmp_path / "out", "-q")
    assert result.exit_code == 0, result.output
    risks = table_with_header(document(tmp_path / "out" / "2025-10", "company", "公司", "plan"), RISKS)
    assert ["竞品在华南区以低价抢单。", "加强产品差异化话术培训，突出售后服务优势，价格让步需报区域总监审批。"] in risks


# ---- weeks and task rows without a task --------------------------------------------------------

def test_weeks_without_a_deadline_say_what_is_worked_toward(sample_report):
    text = body_text(document(sample_report, "rep", "S1007", "plan"))
    week1, week2 = text.index("第1周"), text.index("第2周")
    assert "继续推进：月末冲刺：完成剩余意向客户签约（赵敏，10月31日前完成）" in text[week1:week2]
    for plan in sorted(sample_report.glob("*/*计划.docx")):
        assert "（本周无到期任务）" not in body_text(plan), plan.name


def test_a_week_with_no_open_task_names_the_month_targets(tmp_path):
    write_inputs(tmp_path / "in", "甲", "一组", "一区", "备注", "拜访客户")  # one task, due 10月9日 (week 2)
    result = invoke("report", "--month", "2025-10", "--inputs", tmp_path / "in", "--outputs", tmp_path / "out", "-q")
    assert result.exit_code == 0, result.output
    text = body_text(document(tmp_path / "out" / "2025-10", "rep", "R1", "plan"))
    week3, week4 = text.index("第3周"), text.index("第4周")
    assert "本周推进月度目标：销售额目标0.01万元" in text[week3:week4]  # a target of 100元
    assert "继续推进：拜访客户（甲，10月9日前完成）" in text[text.index("第1周"):text.index("第2周")]


def test_rep_task_rows_without_a_task_say_what_the_target_asks(sample_report):
    rows = table_with_header(document(sample_report, "rep", "S1007", "plan"), TABLE1)[1:]
    collection = next(row for row in rows if row[0] == "回款金额")
    # October's target 14万元 against September's actual 12.1万元 (actuals.csv)
    assert collection[2] == "【数据】按月度目标推进：目标14万元，比上月实际12.1万元高1.9万元"
    assert collection[3] == "赵敏"
    assert not [row for row in rows if row[2] == "（暂未分解任务）"]


# ---- summaries roll the members' notes up ----------------------------------------------------

def test_east_region_summary_shows_its_teams_notes_attributed(sample_report):
    path = document(sample_report, "region", "华东区", "summary")
    rows = {row[0]: dict(zip(TABLE2, row)) for row in table_with_header(path, TABLE2)[1:]}
    sales = rows["销售额"]
    assert sales["成功经验/亮点"] == "上海一组：宝钢项目提前锁定预付款条款，缩短了回款周期。"
    # 杭州组 wrote its own; 上海一组 did not, so its rep's note comes up with its path
    assert sales["下月改进措施"].split("\n") == ["上海一组·张伟：宝钢项目11月中旬前完成签约，每周两次与客户采购部同步进度。",
                                          "杭州组：法务审核与商务谈判并行，缩短签约周期。"]
    assert rows["回款金额"]["差异原因分析"].startswith("上海一组·李娜：一家客户资金紧张，5万元回款推迟到11月上旬。")
    assert "上海一组：张伟单月签约22.35万元，超额完成个人目标。" in body_text(path)  # 三（一）成功经验


def test_a_unit_with_its_own_note_does_not_show_its_members(sample_report):
    rows = {row[0]: dict(zip(TABLE2, row))
            for row in table_with_header(document(sample_report, "company", "公司", "summary"), TABLE2)[1:]}
    assert rows["销售额"]["下月改进措施"] == "优化客户分级管理，重点客户每日跟进。"
    team = {row[0]: dict(zip(TABLE2, row))
            for row in table_with_header(document(sample_report, "team", "上海一组", "summary"), TABLE2)[1:]}
    assert team["销售额"]["下月改进措施"] == "张伟：宝钢项目11月中旬前完成签约，每周两次与客户采购部同步进度。"


# ---- the pure transforms -----------------------------------------------------------------------

def _notes(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["month", "level", "unit", "metric", "section", "text", "response"])


def test_responses_pair_with_the_earlier_open_risk_of_the_same_unit():
    paired = notes.paired_risks(_notes([
        ("2025-10", "team", "A组", "", "risk", "风险一", "应对一"),
        ("2025-10", "team", "A组", "", "risk", "风险二", ""),
        ("2025-10", "team", "B组", "", "response", "孤立的应对", ""),
        ("2025-10", "team", "A组", "", "response", "应对二", ""),
    ]))
    assert list(zip(paired["unit"], paired["text"], paired["response"])) == [
        ("A组", "风险一", "应对一"), ("A组", "风险二", "应对二"), ("B组", "", "孤立的应对")]


def test_notes_flow_down_and_roll_up_through_the_org():
    org = Org(org_frame([("R1", "甲", "A组", "东区"), ("R2", "乙", "B组", "东区")]))
    written = _notes([
        ("2025-10", "company", "公司", "", "strategy", "公司策略", ""),
        ("2025-10", "rep", "R1", "sales", "next_step", "甲的措施", ""),
        ("2025-10", "rep", "R2", "sales", "next_step", "乙的措施", ""),
        ("2025-10", "team", "B组", "sales", "next_step", "B组的措施", ""),
    ])
    down = notes.flowed_down(written, org)
    assert set(zip(down["level"], down["unit"], down["source"])) == {
        ("company", "公司", ""), ("region", "东区", "公司"), ("team", "A组", "公司"), ("team", "B组", "公司"),
        ("rep", "R1", "公司"), ("rep", "R2", "公司")}
    up = notes.rolled_up(written, org)
    region = up.loc[up["unit"] == "东区", ["text", "source"]].values.tolist()
    assert region == [["甲的措施", "A组·甲"], ["B组的措施", "B组"]]  # B组's own hides 乙's
    company = up.loc[up["level"] == "company", "source"].tolist()
    assert company == ["东区·A组·甲", "东区·B组"]


def test_next_months_plan_carries_the_improvements_as_last_months_summary_showed_them(tmp_path):
    from .conftest import SAMPLE_INPUTS
    result = invoke("report", "--month", "2025-11", "--inputs", SAMPLE_INPUTS, "--outputs", tmp_path, "-q")
    assert result.exit_code == 0, result.output
    text = body_text(document(tmp_path / "2025-11", "region", "华东区", "plan"))
    # 华东区 wrote no October next_step: its teams' (and 张伟's, for 上海一组) come up, attributed
    assert "销售额（上海一组·张伟）：宝钢项目11月中旬前完成签约，每周两次与客户采购部同步进度。" in text
    assert "销售额（杭州组）：法务审核与商务谈判并行，缩短签约周期。" in text
