"""Plans with substance (issue 11, items 3–4): risks beside their responses, notes flowing down
from the units above, each unit's target split by member, weeks that say what the unit works
toward, and summaries that roll their members' notes up. Read from the .docx as a manager would."""
from __future__ import annotations

from pathlib import Path

from .conftest import invoke
from .docx_reading import body_text, controls, rows_of_cells, table_with_header, tables

RISK_HEADER = ["风险", "应对措施"]


def plan(report: Path, level: str, label: str) -> Path:
    return report / level / f"2025-10_{label}_月度工作计划.docx"


def summary(report: Path, level: str, label: str) -> Path:
    return report / level / f"2025-10_{label}_月度工作总结.docx"


def append_note(folder: Path, line: str) -> int:
    """Append a CSV line to notes.csv; returns its spreadsheet line number."""
    path = folder / "notes.csv"
    text = path.read_bytes().decode("utf-8")
    path.write_bytes((text + line + "\r\n").encode("utf-8"))
    return len(text.splitlines()) + 1


def test_a_response_on_a_row_that_is_not_a_risk_is_an_input_error(inputs_copy, tmp_path):
    line = append_note(inputs_copy, "2025-10,team,杭州组,,strategy,主攻物流园区客户。,先拜访园区管委会")
    result = invoke("report", "--month", "2025-10", "--inputs", inputs_copy, "--outputs", tmp_path / "out")
    assert result.exit_code == 2
    message = next(text for text in result.stderr.splitlines() if f"notes.csv 第{line}行 列「response」" in text)
    assert "先拜访园区管委会" in message and "risk" in message
    assert "Traceback" not in result.output
    assert not (tmp_path / "out" / "2025-10").exists()


def test_each_risk_sits_beside_its_response_in_one_row(sample_report):
    rows = table_with_header(plan(sample_report, "company", "公司"), RISK_HEADER)[1:]
    # both written in the `response` column of their risk row (inputs/notes.csv lines 5 and 6)
    assert rows == [["大客户宝钢因内部流程可能延迟签约。", "每周同步客户进度，协助客户协调内部资源，必要时请销售总监介入沟通。"],
                    ["竞品在华南区以低价抢单。", "加强产品差异化话术培训，突出售后服务优势，价格让步需报区域总监审批。"]]


def test_a_response_section_row_pairs_with_the_risk_before_it(sample_report):
    rows = table_with_header(plan(sample_report, "region", "华南区"), RISK_HEADER)[1:]
    # 华南区 wrote its risk and its response as two rows (sections risk and response)
    assert rows[0] == ["深圳电子行业需求放缓，客户预算收紧。", "优先推进框架协议客户的续约，缩短付款账期换取签约。"]


def test_every_company_risk_reaches_every_region_with_its_response(sample_report):
    south = table_with_header(plan(sample_report, "region", "华南区"), RISK_HEADER)[1:]
    assert ["公司：竞品在华南区以低价抢单。", "加强产品差异化话术培训，突出售后服务优势，价格让步需报区域总监审批。"] in south
    east = [row[0] for row in table_with_header(plan(sample_report, "region", "华东区"), RISK_HEADER)[1:]]
    # the risk about 华南区 says so in its `applies_to` (inputs/notes.csv): it stays out of 华东区
    assert east == ["公司：大客户宝钢因内部流程可能延迟签约。"]


def test_notes_flow_down_to_a_rep_marked_with_their_source(sample_report):
    document = plan(sample_report, "rep", "孙浩(S1012)")
    text = body_text(document)
    assert "公司：针对制造业客户推出“免费试用+定制方案”组合，以样板客户带动同行业转化。" in text
    assert "公司：市场部协助提供行业白皮书素材；申请增加2场区域客户沙龙预算。" in text
    risks = [row[0] for row in table_with_header(document, RISK_HEADER)[1:]]
    assert risks == ["公司：大客户宝钢因内部流程可能延迟签约。", "公司：竞品在华南区以低价抢单。",
                     "华南区：深圳电子行业需求放缓，客户预算收紧。"]


def test_a_unit_strategy_comes_before_the_ones_flowed_down(sample_report):
    text = body_text(plan(sample_report, "region", "华东区"))
    own = text.index("以上海、杭州两地制造业园区为重点，组织园区联合推介会。")
    assert own < text.index("公司：针对制造业客户推出")
    assert "（本月未录入）" not in text


def test_a_response_without_a_risk_is_a_row_with_an_empty_risk(inputs_copy, tmp_path):
    append_note(inputs_copy, "2025-10,team,杭州组,,response,每周一核对物流园项目进度。,")
    result = invoke("report", "--month", "2025-10", "--inputs", inputs_copy, "--outputs", tmp_path, "-q")
    assert result.exit_code == 0, result.output
    rows = table_with_header(plan(tmp_path / "2025-10", "team", "杭州组"), RISK_HEADER)[1:]
    assert ["", "每周一核对物流园项目进度。"] in rows


SPLIT_HEADER = ["销售代表", "核心指标", "分解目标（占本单位目标）"]


def test_a_team_plan_splits_its_targets_by_rep_with_shares_and_a_total(sample_report):
    rows = table_with_header(plan(sample_report, "team", "上海一组"), SPLIT_HEADER)[1:]
    by_cell = {(member, metric): target for member, metric, target in rows}
    # inputs/targets.csv, October: sales 200000 + 180000 + 150000 = 530000 元
    assert by_cell[("张伟", "销售额")] == "20万元（占37.7%）"  # 200000 / 530000 = 37.74%
    assert by_cell[("王芳", "销售额")] == "18万元（占34%）"  # 33.96%
    assert by_cell[("李娜", "销售额")] == "15万元（占28.3%）"
    assert by_cell[("张伟", "新客户开发数量")] == "2家（占50%）"  # 2 of 2 + 1 + 1
    assert by_cell[("李娜", "回款金额")] == "11万元（占27.5%）"  # 110000 / 400000
    assert by_cell[("王芳", "老客户复购率")] == "35%"  # a rate: its target only, no share
    assert by_cell[("合计", "销售额")] == "53万元"
    assert by_cell[("合计", "回款金额")] == "40万元"
    # inputs/targets_process.csv: 20 visits each of the three, 60 in all
    assert by_cell[("张伟", "拜访次数")] == "20次（占33.3%）" and by_cell[("合计", "拜访次数")] == "60次"
    assert [row[0] for row in rows] == ["张伟"] * 7 + ["王芳"] * 7 + ["李娜"] * 7 + ["合计"] * 7  # 5 + 2 process metrics


def test_the_company_and_region_plans_split_by_region_and_by_team(sample_report):
    company = table_with_header(plan(sample_report, "company", "公司"), ["区域", *SPLIT_HEADER[1:]])[1:]
    assert ["华东区", "销售额", "100万元（占50%）"] in company
    assert ["华南区", "新客户开发数量", "7家（占46.7%）"] in company  # 7 of 15
    assert ["合计", "销售额", "200万元"] in company
    east = table_with_header(plan(sample_report, "region", "华东区"), ["团队", *SPLIT_HEADER[1:]])[1:]
    assert ["上海一组", "销售额", "53万元（占53%）"] in east and ["杭州组", "销售额", "47万元（占47%）"] in east


def test_a_rep_plan_has_no_member_split(sample_report):
    headers = [table[0][-1] for table in tables(plan(sample_report, "rep", "张伟(S1001)"))]
    assert "分解目标（占本单位目标）" not in headers


def weeks_of(document: Path) -> dict[str, list[str]]:
    """四、时间节点 as {week heading: its lines}."""
    text = body_text(document)
    lines = text[text.index("四、时间节点"):text.index("五、风险预判与应对")].splitlines()[2:]
    weeks: dict[str, list[str]] = {}
    for line in lines:
        if line.startswith("第") and "周（" in line:
            weeks[line] = []
        else:
            weeks[list(weeks)[-1]].append(line)
    return weeks


def test_a_week_without_a_deadline_says_what_the_rep_works_toward(sample_report):
    weeks = weeks_of(plan(sample_report, "rep", "刘洋(S1004)"))
    second = weeks["第2周（10月8日—10月14日）"]
    assert "（本周无到期任务）" not in second
    # S1004's October targets (inputs/targets*.csv) pro rata to 14 of October's 31 days (45.2%):
    # sales 9+5+3 = 17万 × 14/31 = 7.68万 → 7.7万 (a manager's precision), collection 13万 → 5.87万 → 5.9万,
    # events 2 → 0.9 → 1场, visits 20 → 9次, follow_ups 30 → 13.5 → 14次; new_customers 1 → 0.45 → 0,
    # left out; the rate held
    assert second == ["进度要求：截至10月14日（时间进度45.2%）累计应完成销售额7.7万元、回款金额5.9万元、"
                      "活动参与量1场、拜访次数9次、跟进次数14次；老客户复购率不低于35%。"]
    # the task due 25 October (tasks.csv) is named once, in the week before its own, not in every week
    third = weeks["第3周（10月15日—10月21日）"]
    assert third[0].startswith("进度要求：截至10月21日（时间进度67.7%）累计应完成销售额11.5万元、新客户开发数量1家")
    assert third[1:] == ["提前准备：对20家存量客户回访，推荐新产品（刘洋，10月25日到期）"]
    # a week with its tasks also states where the month should end: the targets themselves
    assert weeks["第4周（10月22日—10月31日）"] == [
        "对20家存量客户回访，推荐新产品（刘洋，10月25日前）",
        "进度要求：截至10月31日（时间进度100%）累计应完成销售额17万元、新客户开发数量1家、回款金额13万元、"
        "活动参与量2场、拜访次数20次、跟进次数30次；老客户复购率不低于35%。"]


def test_a_task_due_next_week_is_named_even_where_no_target_is_due_yet(inputs_copy, tmp_path):
    # a new rep with one target, 1 new customer: by 7 October 1 × 7/31 rounds to none, so week 1
    # has no pace line, but the task due on 10 October is still announced there
    with (inputs_copy / "org.csv").open("a", encoding="utf-8") as handle:
        handle.write("S1013,郑新,深圳组,华南区,zheng.xin@example.com\n")
    with (inputs_copy / "targets.csv").open("a", encoding="utf-8") as handle:
        handle.write("2025-10,S1013,new_customers,1\n")
    with (inputs_copy / "tasks.csv").open("a", encoding="utf-8") as handle:
        handle.write("2025-10,新客户开发数量,拜访3家意向客户,郑新,2025-10-10,签约1家,\n")
    result = invoke("report", "--month", "2025-10", "--inputs", inputs_copy, "--outputs", tmp_path / "out", "-q")
    assert result.exit_code == 0, result.output
    weeks = weeks_of(plan(tmp_path / "out" / "2025-10", "rep", "郑新(S1013)"))
    assert weeks["第1周（10月1日—10月7日）"] == ["提前准备：拜访3家意向客户（郑新，10月10日到期）"]
    # by 21 October 1 × 21/31 = 0.68 rounds to 1
    assert weeks["第3周（10月15日—10月21日）"] == ["进度要求：截至10月21日（时间进度67.7%）累计应完成新客户开发数量1家。"]


TABLE1 = ["核心指标", "月度目标", "具体任务描述", "负责人", "计划完成时间", "完成标准", "备注(资源/风险)"]


def test_a_metric_without_tasks_gets_one_row_with_a_field_for_its_task_not_padding(sample_report):
    path = plan(sample_report, "rep", "刘洋(S1004)")
    rows = table_with_header(path, TABLE1)
    # 刘洋's October sales target by product line (inputs/targets_segments.csv): 9 + 5 + 3 = 17万
    sales = next(row for row in rows if row[0] == "销售额")
    assert sales[1] == "17万元" and sales[3:7] == ["刘洋", "10月31日前", "达到月度目标17万元", "按细分：A产品9万元、B产品5万元、C产品3万元"]
    task = controls(rows_of_cells(path, TABLE1)["销售额"][2]._tc)
    assert [(c["title"], c["text"], c["placeholder"], c["greyed"]) for c in task] == \
        [("销售额·具体任务描述", "填写具体任务：做什么、怎么做", True, True)]
    assert "暂未分解" not in body_text(path) and not any("暂未分解" in cell for row in rows for cell in row)


TABLE2 = ["核心指标", "月度目标", "实际完成", "达成率", "差异原因分析", "成功经验/亮点", "存在问题与挑战", "下月改进措施"]


def test_a_region_summary_shows_its_teams_notes_attributed(sample_report):
    rows = {row[0]: row for row in table_with_header(summary(sample_report, "region", "华东区"), TABLE2)[1:]}
    # inputs/notes.csv: 华东区 wrote no next_step; 张伟 (in 上海一组) and 杭州组 did, for 销售额
    assert rows["销售额"][7] == ("上海一组·张伟：宝钢项目11月中旬前完成签约，每周两次与客户采购部同步进度。\n"
                               "杭州组：物流园项目11月第2周前推进到法务审核，资质材料月初备齐。")
    assert rows["新客户开发数量"][5] == "上海一组：展会现场预约次日拜访，意向客户两周内转化3家。"
    # a variance reason of a rep inside, tagged 客观 (inputs/notes.csv), grouped and attributed
    # (主观, which nobody gave, is a field in its place before it)
    assert rows["回款金额"][4].startswith("主观：\n客观：李娜：一家客户资金紧张，5万元回款推迟到11月上旬。")
    text = body_text(summary(sample_report, "region", "华东区"))
    lessons = text[text.index("（一）成功经验"):text.index("（二）存在问题")]
    assert "上海一组：张伟单月签约22.35万元，超额完成个人目标。" in lessons
    # no general next_step anywhere in 华东区: the section lists the metrics' ones, not （本月未录入）
    steps = text[text.index("（一）改进措施"):text.index("（二）2025年11月目标")]
    assert "销售额（杭州组）：物流园项目11月第2周前推进到法务审核，资质材料月初备齐。" in steps
    assert "本月未录入" not in steps


def test_a_unit_with_its_own_note_shows_only_its_own(sample_report):
    rows = {row[0]: row for row in table_with_header(summary(sample_report, "company", "公司"), TABLE2)[1:]}
    assert rows["销售额"][7] == "优化客户分级管理，重点客户每日跟进。"
    region = {row[0]: row for row in table_with_header(summary(sample_report, "region", "华东区"), TABLE2)[1:]}
    # 差异原因分析 shows a unit's own causes and those of every unit inside it; here only its own
    assert region["销售额"][4].startswith("主观：\n客观：杭州组两个项目签约延期至11月。\n【数据】")


def test_a_team_metric_without_tasks_names_who_carries_its_target_one_name_a_line(sample_report):
    path = plan(sample_report, "team", "深圳组")
    rows = table_with_header(path, TABLE1)
    collection = [row for row in rows if row[0] == "回款金额"]
    # inputs/targets.csv, October: S1010 150000, S1011 120000, S1012 110000 元 = 38万元; no 回款 task in 深圳组
    assert len(collection) == 1
    assert collection[0][1:6] == ["38万元", "", "吴昊\n徐丽\n孙浩", "10月31日前", "达到月度目标38万元"]
    assert [c["title"] for c in controls(rows_of_cells(path, TABLE1)["回款金额"][2]._tc)] == ["回款金额·具体任务描述"]
    company = table_with_header(plan(sample_report, "company", "公司"), TABLE1)
    assert next(row for row in company if row[0] == "拜访次数")[3] == "华东区\n华南区"  # not 华东/区、华/南区
