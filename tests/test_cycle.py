"""The monthly cycle (issue 11, items 1–2), read as a sales director would: which documents a run
writes for which month, what a plan shows of last month, and what each recipient's mail holds.

Expected figures are computed by hand from the sample in inputs/ (see each test)."""
from __future__ import annotations

import json
import shutil
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from .conftest import SAMPLE_INPUTS, invoke
from .docx_reading import body_text, table_with_header

GOALS = ["核心指标", "月度目标", "上月目标", "上月实际", "上月达成率"]
FIGURES = ["核心指标", "月度目标", "实际完成", "达成率", "差异", "上月实际", "环比变化", "状态"]


def manifest(outputs: Path, month: str) -> dict:
    return json.loads((outputs / month / "manifest.json").read_text(encoding="utf-8"))


def kinds(outputs: Path, month: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for document in manifest(outputs, month)["documents"]:
        found[document["kind"]] = found.get(document["kind"], 0) + 1
    return found


def plan_hashes(outputs: Path, month: str) -> dict[str, str]:
    return {d["path"]: d["sha256"] for d in manifest(outputs, month)["documents"] if d["kind"] == "plan"}


def without_actuals_of(inputs: Path, month: str) -> dict[Path, str]:
    """Removes `month`'s rows from every actuals*.csv (as before they are exported); the files' texts as they were."""
    kept = {}
    for path in sorted(inputs.glob("actuals*.csv")):
        text = kept[path] = path.read_text(encoding="utf-8")
        path.write_text("".join(line for line in text.splitlines(keepends=True) if not line.startswith(month)),
                        encoding="utf-8", newline="")
    return kept


def restore(kept: dict[Path, str]) -> None:
    for path, text in kept.items():
        path.write_text(text, encoding="utf-8", newline="")


def document(outputs: Path, month: str, level: str, kind: str, unit: str) -> Path:
    found = [d["path"] for d in manifest(outputs, month)["documents"]
             if d["level"] == level and d["kind"] == kind and d["unit"] == unit]
    assert len(found) == 1
    return outputs / month / found[0]


def test_a_range_writes_each_month_whole_and_a_month_without_actuals_as_plans_only(tmp_path):
    result = invoke("report", "--month", "2025-10..2025-11", "--inputs", SAMPLE_INPUTS, "--outputs", tmp_path, "-q")
    assert result.exit_code == 0, result.output
    # 12 reps, 4 teams, 2 regions, 1 company = 19 units
    assert kinds(tmp_path, "2025-10") == {"plan": 19, "summary": 19}
    assert kinds(tmp_path, "2025-11") == {"plan": 19}
    assert not list((tmp_path / "2025-11").rglob("*总结*"))
    assert "各月结果：2025-10 完成；2025-11 完成" in result.output


def test_a_failing_month_does_not_stop_the_others_and_the_exit_code_says_so(tmp_path):
    # the sample's history begins in October 2024 (inputs/*_history.csv): September 2024 has no targets
    result = invoke("report", "--month", "2024-09..2024-10", "--inputs", SAMPLE_INPUTS, "--outputs", tmp_path, "-q")
    assert result.exit_code == 2
    assert "2024-09: 失败" in result.stderr and "没有这个月份的目标数据" in result.stderr
    assert not (tmp_path / "2024-09").exists()
    assert kinds(tmp_path, "2024-10") == {"plan": 19, "summary": 19}
    assert "各月结果：2024-09 失败；2024-10 完成" in result.output


@pytest.mark.parametrize("given", ["2025-10..", "..2025-11"])
def test_a_range_missing_an_end_says_so(tmp_path, given):
    result = invoke("report", "--month", given, "--inputs", SAMPLE_INPUTS, "--outputs", tmp_path)
    assert result.exit_code == 2 and f"{given}: 范围两端都要写月份" in result.stderr
    assert not tmp_path.exists() or not any(tmp_path.iterdir())


def test_without_month_report_covers_last_month_and_the_current_one(tmp_path, monkeypatch):
    monkeypatch.setenv("SALESREPORT_TODAY", "2025-11-01")
    result = invoke("report", "--inputs", SAMPLE_INPUTS, "--outputs", tmp_path, "-q")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == ["2025-10", "2025-11"]
    assert kinds(tmp_path, "2025-10") == {"plan": 19, "summary": 19} and kinds(tmp_path, "2025-11") == {"plan": 19}


def test_a_default_month_without_targets_is_skipped_with_a_notice_an_asked_one_fails(tmp_path, monkeypatch):
    monkeypatch.setenv("SALESREPORT_TODAY", "2025-12-05")  # December has no targets in the sample
    result = invoke("report", "--inputs", SAMPLE_INPUTS, "--outputs", tmp_path, "-q")
    assert result.exit_code == 0, result.output
    assert "2025-12: 没有这个月份的目标数据，跳过" in result.output
    assert (tmp_path / "2025-11" / "manifest.json").is_file() and not (tmp_path / "2025-12").exists()
    asked = invoke("report", "--month", "2025-12", "--inputs", SAMPLE_INPUTS, "--outputs", tmp_path, "-q")
    assert asked.exit_code == 2 and "没有这个月份的目标数据" in asked.stderr


def test_a_cycle_without_any_targets_names_the_months_there_are(tmp_path, monkeypatch):
    # the sample's data ends in November 2025: a run a year later has nothing for its cycle
    monkeypatch.setenv("SALESREPORT_TODAY", "2026-11-29")
    result = invoke("report", "--inputs", SAMPLE_INPUTS, "--outputs", tmp_path)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert ("错误：2026-10、2026-11 都没有目标数据，未生成任何文件。目标数据中的月份：2024-10 至 2025-11（共 14 个月）；"
            "请指定其中一个月，如 salesreport report --month 2025-11") in result.stderr
    assert "输入数据有" not in result.output  # not an input problem


def test_make_report_without_month_says_the_months_it_chose_and_how_to_name_one(tmp_path, monkeypatch):
    monkeypatch.setenv("SALESREPORT_TODAY", "2026-11-29")
    monkeypatch.setenv("SALESREPORT_CALLED_AS", "make report")  # as the Makefile runs it
    result = invoke("report", "--inputs", SAMPLE_INPUTS, "--outputs", tmp_path)
    assert result.exit_code == 2
    assert "未指定月份：处理上月 2026-10（结月总结）和本月 2026-11（开月计划），今天是 2026-11-29" in result.output
    assert "请指定其中一个月，如 make report MONTH=2025-11" in result.stderr and "--month" not in result.output


def test_a_cycle_over_targets_without_any_month_gives_no_month_to_ask_for(tmp_path, monkeypatch):
    inputs = tmp_path / "inputs"
    shutil.copytree(SAMPLE_INPUTS, inputs)
    for path in inputs.glob("targets*.csv"):  # every targets file down to its header
        path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    monkeypatch.setenv("SALESREPORT_TODAY", "2025-11-15")
    result = invoke("report", "--inputs", inputs, "--outputs", tmp_path / "out")
    assert result.exit_code == 2 and "都没有目标数据，未生成任何文件。目标数据中没有任何月份" in result.stderr
    assert "--month 无" not in result.stderr and "Traceback" not in result.output


def test_status_and_approve_cover_the_cycle_and_leave_out_a_current_month_without_report(tmp_path, monkeypatch,
                                                                                            sample_november):
    monkeypatch.setenv("SALESREPORT_TODAY", "2025-12-01")  # the cycle: November and December
    shutil.copytree(sample_november / "2025-11", tmp_path / "2025-11")
    approved = invoke("approve", "--by", "王经理", "--inputs", SAMPLE_INPUTS, "--outputs", tmp_path)
    assert approved.exit_code == 0, approved.output
    assert "2025-11: 王经理 已审批 19 份文档" in approved.output and "2025-12: 还没有报告" in approved.output
    waiting = invoke("status", "--inputs", SAMPLE_INPUTS, "--outputs", tmp_path)
    assert waiting.exit_code == 5  # November's plans are not delivered yet
    assert "2025-11: 文档生成于" in waiting.output and "2025-12: 本月还没有报告" in waiting.output
    monkeypatch.setenv("SALESREPORT_TODAY", "2026-01-01")  # December's report never ran: the check fails
    missing = invoke("status", "--inputs", SAMPLE_INPUTS, "--outputs", tmp_path)
    assert missing.exit_code == 5 and "2025-12: 还没有 2025-12 的报告" in missing.output


def test_a_bad_today_is_a_clear_usage_error(tmp_path, monkeypatch):
    monkeypatch.setenv("SALESREPORT_TODAY", "1.11.2025")
    result = invoke("validate", "--inputs", SAMPLE_INPUTS)
    assert result.exit_code == 2 and "SALESREPORT_TODAY=1.11.2025" in result.stderr


def test_a_month_with_targets_but_no_actuals_gets_plans_a_notice_and_no_warnings(tmp_path):
    result = invoke("report", "--month", "2025-11", "--inputs", SAMPLE_INPUTS, "--outputs", tmp_path, "-q")
    assert result.exit_code == 0
    assert "数据警告" not in result.stderr and "缺少" not in result.stderr
    assert "2025-11: 尚无实际完成数据：只生成计划" in result.output
    written = manifest(tmp_path, "2025-11")
    assert written["plans_only"] is True and written["warnings"] == []
    assert written["notice"].startswith("尚无实际完成数据：只生成计划")
    # metrics.csv is still written: the targets, with every actual column empty
    lines = (tmp_path / "2025-11" / "metrics.csv").read_text(encoding="utf-8-sig").splitlines()
    company_sales = next(line for line in lines if line.startswith("2025-11,company,公司,sales,"))
    # 11月 targets of the 12 reps add up to 2,065,000 元; October's actual 1,850,000 is prev_actual
    assert company_sales.split(",")[5:12] == ["2065000", "", "", "", "no_actual", "1850000", ""]


def test_a_plan_stays_byte_identical_when_its_months_actuals_arrive(tmp_path):
    inputs = tmp_path / "inputs"
    shutil.copytree(SAMPLE_INPUTS, inputs)
    full = without_actuals_of(inputs, "2025-10")
    before = invoke("report", "--month", "2025-10", "--inputs", inputs, "--outputs", tmp_path / "out", "-q")
    assert before.exit_code == 0 and kinds(tmp_path / "out", "2025-10") == {"plan": 19}
    planned = plan_hashes(tmp_path / "out", "2025-10")
    restore(full)
    after = invoke("report", "--month", "2025-10", "--inputs", inputs, "--outputs", tmp_path / "out", "-q")
    assert after.exit_code == 0 and kinds(tmp_path / "out", "2025-10") == {"plan": 19, "summary": 19}
    assert plan_hashes(tmp_path / "out", "2025-10") == planned


def test_a_plan_with_a_rate_given_by_segment_stays_byte_identical_when_actuals_arrive(tmp_path):
    inputs = tmp_path / "inputs"
    shutil.copytree(SAMPLE_INPUTS, inputs)
    # S1003's 复购率 given by customer type instead: September's actuals and October's targets
    # and actuals by segment (their segment-less rows removed, which would clash with them)
    for name, dropped in (("targets.csv", ["2025-10,S1003,repurchase_rate"]),
                          ("actuals.csv", ["2025-09,S1003,repurchase_rate", "2025-10,S1003,repurchase_rate"])):
        lines = (inputs / name).read_text(encoding="utf-8").splitlines(keepends=True)
        (inputs / name).write_text("".join(line for line in lines if not line.startswith(tuple(dropped))),
                                   encoding="utf-8")
    (inputs / "targets_rate_segments.csv").write_text(
        "month,rep_id,metric,segment,target\n"
        "2025-10,S1003,repurchase_rate,大客户,40%\n2025-10,S1003,repurchase_rate,中小客户,20%\n", encoding="utf-8")
    (inputs / "actuals_rate_segments.csv").write_text(
        "month,rep_id,metric,segment,actual,base\n"
        "2025-09,S1003,repurchase_rate,大客户,30%,2\n2025-09,S1003,repurchase_rate,中小客户,25%,6\n"
        "2025-10,S1003,repurchase_rate,大客户,35%,6\n2025-10,S1003,repurchase_rate,中小客户,20%,2\n",
        encoding="utf-8")
    full = without_actuals_of(inputs, "2025-10")
    assert invoke("report", "--month", "2025-10", "--inputs", inputs, "--outputs", tmp_path / "out", "-q").exit_code == 0
    planned = plan_hashes(tmp_path / "out", "2025-10")
    restore(full)
    after = invoke("report", "--month", "2025-10", "--inputs", inputs, "--outputs", tmp_path / "out", "-q")
    assert after.exit_code == 0, after.output
    assert plan_hashes(tmp_path / "out", "2025-10") == planned
    # the plan weighs the segments by September's bases: (40%·2 + 20%·6) / 8 = 25%; the summary
    # by October's own (contract §1): (40%·6 + 20%·2) / 8 = 35%, against (35%·6 + 20%·2) / 8 = 31.3%
    plan = table_with_header(document(tmp_path / "out", "2025-10", "rep", "plan", "S1003"), GOALS)
    assert plan[3][:2] == ["老客户复购率", "25%"]
    assert "老客户复购率的目标按各细分上月（或此前最近一个有数据的月份）的基数加权" in body_text(
        document(tmp_path / "out", "2025-10", "rep", "plan", "S1003"))
    figures = table_with_header(document(tmp_path / "out", "2025-10", "rep", "summary", "S1003"), FIGURES)
    assert figures[3][:3] == ["老客户复购率", "35%", "31.3%"]


def test_a_rate_target_in_a_plan_is_weighted_by_earlier_bases(sample_report):
    tmp_path = sample_report.parent  # the sample's October, rendered once for the session
    # 10月 复购率 targets 40 35 30 35 38 30 36 34 34 35 35 34 (%) weighted by September's bases
    # 11 10 8 9 7 6 9 8 7 9 8 6 (Σ 98): 3424 / 98 = 34.94% → 34.9%. The summary weighs by
    # October's own bases (12 … 10 …, Σ 100): 3500 / 100 = 35%, against an actual of 32%.
    plan = table_with_header(document(tmp_path, "2025-10", "company", "plan", "公司"), GOALS)
    assert plan[3][:2] == ["老客户复购率", "34.9%"]
    figures = table_with_header(document(tmp_path, "2025-10", "company", "summary", "公司"), FIGURES)
    assert figures[3][:4] == ["老客户复购率", "35%", "32%", "91.4%"]  # 32 / 35 = 91.4%
    # the plan says why its rate target may differ from the summary's; a rep's (not split) has nothing to weigh
    # (the sample's 满意度 and 投诉率 are rates too); it stands last, under 附：口径说明
    note = "老客户复购率、客户满意度、投诉率的目标按各成员上月（或此前最近一个有数据的月份）的基数加权"
    text = body_text(document(tmp_path, "2025-10", "company", "plan", "公司"))
    assert note in text and text.index("附：口径说明") > text.index("五、风险预判与应对") and \
        text.index(note) > text.index("附：口径说明")
    assert "的基数加权" not in body_text(document(tmp_path, "2025-10", "rep", "plan", "S1001"))


def test_the_november_plan_carries_octobers_results_and_next_steps(sample_november):
    tmp_path = sample_november
    company = document(tmp_path, "2025-11", "company", "plan", "公司")
    goals = table_with_header(company, GOALS)
    # 11月 sales targets add up to 206.5万; October: target 200万, actual 185万, 185/200 = 92.5%
    assert goals[1] == ["销售额", "206.5万元", "200万元", "185万元", "92.5%"]
    # 11月 复购率 targets weighted by October's bases (Σ 100): 3528 / 100 = 35.28% → 35.3%;
    # October 32% of 35% = 91.4%
    assert goals[3] == ["老客户复购率", "35.3%", "35%", "32%", "91.4%"]
    text = body_text(company)
    assert "2025年10月总结提出的改进措施（本月落实）：" in text
    assert "销售额：优化客户分级管理，重点客户每日跟进。" in text
    assert "优化客户跟进SOP，要求销售代表每日更新客户跟进记录。" in text
    rep = body_text(document(tmp_path, "2025-11", "rep", "plan", "S1001"))
    assert "销售额：宝钢项目11月中旬前完成签约，每周两次与客户采购部同步进度。" in rep
    other = body_text(document(tmp_path, "2025-11", "rep", "plan", "S1002"))
    assert "总结提出的改进措施" not in other  # nothing written for 王芳: no empty heading


def test_last_months_achievement_in_a_plan_keeps_its_coverage(sample_november):
    tmp_path = sample_november
    goals = table_with_header(document(tmp_path, "2025-11", "team", "plan", "深圳组"), GOALS)
    # October 活动参与量 of 深圳组: targets 2+2+2 = 6, actuals of 2 of its 3 reps 4 → 66.7%, as
    # October's summary shows it: with how many reported, not as a complete month's shortfall
    assert goals[5] == ["活动参与量", "6场", "6场", "4场", "66.7%（已报 2/3）"]
    assert goals[1][4] == "90.2%"  # complete: no coverage (46 / 51)


def test_last_months_coverage_counts_last_months_members(tmp_path):
    # a rep who joins 深圳组 in November does not change how October's figure was covered
    inputs = tmp_path / "inputs"
    shutil.copytree(SAMPLE_INPUTS, inputs)
    with (inputs / "org.csv").open("a", encoding="utf-8") as handle:
        handle.write("S1013,郑新,深圳组,华南区,zheng.xin@example.com\n")
    with (inputs / "targets_2025-11.csv").open("a", encoding="utf-8") as handle:
        handle.write("2025-11,S1013,events,2\n")
    assert invoke("report", "--month", "2025-11", "--inputs", inputs, "--outputs", tmp_path / "out", "-q").exit_code == 0
    goals = table_with_header(document(tmp_path / "out", "2025-11", "team", "plan", "深圳组"), GOALS)
    assert goals[5][0] == "活动参与量" and goals[5][4] == "66.7%（已报 2/3）"  # as October's summary: 4 of 6场


def test_november_plans_below_the_company_carry_its_notes_and_paired_risks(sample_november):
    tmp_path = sample_november
    team = document(tmp_path, "2025-11", "team", "plan", "深圳组")
    # inputs/notes.csv, 2025-11 company rows: a strategy and two risks with their responses
    assert "公司：宝钢等10月顺延项目月中前完成签约" in body_text(team)
    risks = table_with_header(team, ["风险", "应对措施"])[1:]
    assert ["公司：竞品在华南区延续低价策略。", "区域总监审批价格让步，突出售后服务和交付周期优势。"] in risks
    region = body_text(document(tmp_path, "2025-11", "region", "plan", "华东区"))
    assert "杭州物流园项目本月完成法务审核并签约。" in region and "（本月未录入）" not in region
    # the company's risks reach every team, 华东区's too — except the one whose applies_to is 华南区
    east_risks = table_with_header(document(tmp_path, "2025-11", "team", "plan", "杭州组"), ["风险", "应对措施"])[1:]
    assert [row[0] for row in east_risks] == ["公司：年底客户预算冻结，部分签约可能推迟到12月。"]


def test_a_plans_only_months_mail_says_plans_and_shows_the_targets(tmp_path, sample_november):
    shutil.copytree(sample_november / "2025-11", tmp_path / "2025-11")
    assert invoke("distribute", "--month", "2025-11", "--inputs", SAMPLE_INPUTS, "--outputs", tmp_path).exit_code == 0
    [path] = [p for p in (tmp_path / "outbox" / "2025-11").glob("*.eml") if "ceo" in p.name]
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    assert message["Subject"] == "【2025-11】公司 销售月度工作计划"
    body = message.get_body(("plain",)).get_content()
    # November targets: sales 206.5万 (see test_the_november_plan_carries_octobers_results_and_next_steps)
    assert "本月目标：" in body and "销售额 目标206.5万元" in body and "缺实际数据" not in body


def attachments_of(path: Path) -> list[str]:
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    return sorted(part.get_filename() for part in message.iter_attachments())


def test_one_mail_per_recipient_per_cycle_with_exactly_the_new_documents(tmp_path, monkeypatch):
    inputs, outputs = tmp_path / "inputs", tmp_path / "outputs"
    shutil.copytree(SAMPLE_INPUTS, inputs)
    full = without_actuals_of(inputs, "2025-10")
    # 1 October: September closes (its summary), October opens (its plan)
    monkeypatch.setenv("SALESREPORT_TODAY", "2025-10-01")
    assert invoke("report", "--inputs", inputs, "--outputs", outputs, "-q").exit_code == 0
    first = invoke("distribute", "--inputs", inputs, "--outputs", outputs)
    assert first.exit_code == 0, first.output
    assert attachments_of(outputs / "outbox" / "2025-09..2025-10" / "ceo@example.com.eml") == [
        "2025-09_公司_月度工作总结.docx", "2025-09_公司_月度工作计划.docx", "2025-10_公司_月度工作计划.docx"]
    # 1 November: October's actuals are in; October closes, November opens
    restore(full)
    monkeypatch.setenv("SALESREPORT_TODAY", "2025-11-01")
    assert invoke("report", "--inputs", inputs, "--outputs", outputs, "-q").exit_code == 0
    dry = invoke("distribute", "--inputs", inputs, "--outputs", outputs, "--dry-run")
    assert ("将发送 ceo@example.com（2 份）：2025-10_公司_月度工作总结.docx、2025-11_公司_月度工作计划.docx"
            in dry.output)
    sent = invoke("distribute", "--inputs", inputs, "--outputs", outputs)
    assert sent.exit_code == 0 and "2025-10..2025-11: 写入发件箱 20，跳过 0" in sent.output
    mails = sorted((outputs / "outbox" / "2025-10..2025-11").glob("*.eml"))
    assert len(mails) == 20  # one per recipient
    # not October's plan again: it was delivered on 1 October and has not changed
    assert attachments_of(outputs / "outbox" / "2025-10..2025-11" / "ceo@example.com.eml") == [
        "2025-10_公司_月度工作总结.docx", "2025-11_公司_月度工作计划.docx"]
    assert attachments_of(outputs / "outbox" / "2025-10..2025-11" / "east.head@example.com.eml") == [
        "2025-10_公司_月度工作总结.docx", "2025-10_华东区_月度工作总结.docx",
        "2025-11_公司_月度工作计划.docx", "2025-11_华东区_月度工作计划.docx"]
    # its headline per month: October's achievement (185/200 = 92.5%), November's targets
    ceo = BytesParser(policy=policy.default).parsebytes(
        (outputs / "outbox" / "2025-10..2025-11" / "ceo@example.com.eml").read_bytes())
    body = ceo.get_body(("plain",)).get_content()
    october, november = body.index("2025年10月要点（达成率）："), body.index("2025年11月目标：")
    assert october < body.index("销售额 92.5%") < november < body.index("销售额 目标206.5万元")
    assert "本月" not in body
    assert ceo["Subject"] == "【2025-10..2025-11】公司 销售月度工作计划与总结"  # each unit named once
    again = invoke("distribute", "--inputs", inputs, "--outputs", outputs)
    assert again.exit_code == 0 and "2025-10..2025-11: 写入发件箱 0，跳过 20" in again.output
    status = invoke("status", "--month", "2025-10..2025-11", "--inputs", inputs, "--outputs", outputs)
    assert status.exit_code == 0 and "2025-10: 20 位收件人，已送达 20" in status.output


def test_a_range_mail_sends_only_what_changed_since(tmp_path):
    outputs = tmp_path / "outputs"
    invoke("report", "--month", "2025-10..2025-11", "--inputs", SAMPLE_INPUTS, "--outputs", outputs, "-q")
    assert invoke("distribute", "--month", "2025-10", "--inputs", SAMPLE_INPUTS, "--outputs", outputs).exit_code == 0
    result = invoke("distribute", "--month", "2025-10..2025-11", "--inputs", SAMPLE_INPUTS, "--outputs", outputs)
    assert result.exit_code == 0
    assert attachments_of(outputs / "outbox" / "2025-10..2025-11" / "zhang.wei@example.com.eml") == [
        "2025-11_张伟(S1001)_月度工作计划.docx"]
    # its headline is of what it holds: November's targets, not October's results again
    message = BytesParser(policy=policy.default).parsebytes(
        (outputs / "outbox" / "2025-10..2025-11" / "zhang.wei@example.com.eml").read_bytes())
    body = message.get_body(("plain",)).get_content()
    assert "2025年10月要点" not in body
    # titled and described by the month its attachment belongs to, not the range asked for
    assert message["Subject"] == "【2025-11】张伟 销售月度工作计划"
    assert "附件是2025年11月的销售月度工作计划" in body and "2025年10月—" not in body
