"""Gaps in the data read as gaps, never as performance: each case read as a manager
reads it — the cell text and its fill in the documents, the metrics.csv row, the warnings."""
import csv

from .conftest import invoke
from .docx_reading import body_text, rows_with_fill, table_with_header
from .test_documents import TABLE2, document

FIGURES = ["核心指标", "月度目标", "实际完成", "达成率", "差异", "上月实际", "环比变化", "状态"]
RED, AMBER, GREY = "FFC7CE", "FFEB9C", "F2F2F2"


def report(inputs, tmp_path):
    """outputs/2025-10 of `inputs`, and what the run printed on stderr."""
    result = invoke("report", "--month", "2025-10", "--inputs", inputs, "--outputs", tmp_path / "out", "-q")
    assert result.exit_code == 0, result.output
    return tmp_path / "out" / "2025-10", result.stderr


def metrics_row(folder, level, unit, metric):
    text = (folder / "metrics.csv").read_text(encoding="utf-8-sig")
    [row] = [r for r in csv.DictReader(text.splitlines()) if (r["level"], r["unit"], r["metric"]) == (level, unit, metric)]
    return row


def add_lines(folder, name, *lines):
    with (folder / name).open("a", encoding="utf-8") as handle:
        handle.write("".join(line + "\n" for line in lines))


def replace_line(folder, name, old, new):
    path = folder / name
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines.count(old) == 1, old
    lines[lines.index(old)] = new
    path.write_text("\n".join(lines), encoding="utf-8")


def new_hire(folder):
    add_lines(folder, "org.csv", "S1013,郑新,深圳组,华南区,")


# A rep without an actual: 孙浩 has no 活动参与量 row in the sample.

def test_a_missing_actual_makes_the_team_incomplete_not_missed(sample_report):
    path = document(sample_report, "team", "深圳组", "summary")
    figures = rows_with_fill(path, FIGURES)["活动参与量"]
    assert figures[3] == ("66.7%（已报 2/3）", GREY)  # the figure stays, its coverage beside it, no red
    assert figures[4][0] == "\u22122场（可比口径\u00a00场）"
    assert figures[6][0] == "\u22122场（已报人数：上月3人，本月2人）"  # the change, with why it is not a decline
    assert figures[7] == ("数据不全", GREY)  # not 未达成（重点关注）
    table2 = rows_with_fill(path, TABLE2)["活动参与量"]
    assert table2[3] == ("66.7%（已报 2/3）", GREY)
    assert table2[4][0] == ("【数据】数据不全：孙浩未报实际完成数据。既有目标又已报的2人：与目标持平（达成100%）。"
                            "环比\u22122场（已报人数：上月3人，本月2人）。")
    assert table2[6][0] == "【数据】孙浩未报实际完成数据。"
    assert "孙浩缺少「活动参与量」的实际完成数据" in body_text(path)  # who is missing, in the data notes
    row = metrics_row(sample_report, "team", "深圳组", "events")
    assert (row["target"], row["actual"], row["status"], row["targeted"], row["reported"]) == \
           ("6", "4", "incomplete", "3", "2")


def test_the_company_does_not_blame_a_region_for_a_missing_figure(sample_report):
    path = document(sample_report, "company", "公司", "summary")
    events = rows_with_fill(path, TABLE2)["活动参与量"]
    assert events[3] == ("95.8%（已报 11/12）", GREY)
    assert "华南区 -2场" not in events[4][0] and "孙浩未报实际完成数据" in events[4][0]
    region = rows_with_fill(document(sample_report, "region", "华南区", "summary"), FIGURES)["活动参与量"]
    assert region[3] == ("83.3%（已报 5/6）", GREY) and region[7] == ("数据不全", GREY)
    assert metrics_row(sample_report, "company", "公司", "events")["status"] == "incomplete"


# A new hire with actuals but no targets.

def test_a_new_hire_without_targets_is_named_untargeted_not_netted_into_a_tie(inputs_copy, tmp_path):
    new_hire(inputs_copy)
    add_lines(inputs_copy, "actuals.csv", "2025-10,S1013,sales,50000,")
    folder, _ = report(inputs_copy, tmp_path)
    path = document(folder, "team", "深圳组", "summary")
    sales = rows_with_fill(path, TABLE2)["销售额"]
    # 51万 against 51万 would read "100% 达成 / 与目标持平"; the three with targets are 5万 short
    assert sales[1:4] == [("51万元", None), ("51万元", None), ("100%（有目标 3/4）", GREY)]
    assert sales[4][0].split("\n")[-1] == ("【数据】数据不全：郑新无目标。既有目标又已报的3人：较目标差5万元（达成90.2%）。"
                           "缺口主要来自：孙浩\u00a0\u22124万元、徐丽\u00a0\u22122万元。超额贡献：吴昊\u00a0+1万元。"
                           "环比+7.1万元（已报人数：上月3人，本月4人）。")
    assert "与目标持平" not in sales[4][0]
    assert rows_with_fill(path, FIGURES)["销售额"][7] == ("数据不全", GREY)
    ranking = table_with_header(path, ["排名", "销售代表", "销售额达成率", "销售额差异", "新客户开发数量达成率",
                                       "新客户开发数量差异", "老客户复购率达成率"])
    assert ranking[-1][:4] == ["—", "郑新", "无目标", "—"]  # listed, unranked, not a 0% at the bottom
    row = metrics_row(folder, "team", "深圳组", "sales")
    assert (row["target"], row["actual"], row["status"], row["targeted"], row["reported"]) == \
           ("510000", "510000", "incomplete", "3", "4")


# A rate row without a base.

def test_a_rate_row_without_a_base_is_left_out_and_named_not_a_plain_mean(inputs_copy, tmp_path):
    new_hire(inputs_copy)
    add_lines(inputs_copy, "targets.csv", "2025-10,S1013,repurchase_rate,35%")
    add_lines(inputs_copy, "actuals.csv", "2025-10,S1013,repurchase_rate,20%,")
    folder, stderr = report(inputs_copy, tmp_path)
    rate = rows_with_fill(document(folder, "company", "公司", "summary"), TABLE2)["老客户复购率"]
    assert rate[1:4] == [("35%", None), ("32%", None), ("91.4%", AMBER)]
    row = metrics_row(folder, "company", "公司", "repurchase_rate")
    assert (row["target"], row["actual"], row["status"], row["targeted"], row["reported"]) == \
           ("0.35", "0.32", "near", "13", "13")
    warning = "S1013 郑新 的「老客户复购率」没有正的基数（base），未计入深圳组、华南区、公司的加权汇总（目标和实际都不计入）"
    assert stderr.count(warning) == 1 and "简单平均" not in stderr
    assert warning.replace("S1013 郑新 ", "郑新") in body_text(document(folder, "region", "华南区", "summary"))


def test_a_rate_target_without_an_actual_keeps_the_weighted_figures(inputs_copy, tmp_path):
    new_hire(inputs_copy)
    add_lines(inputs_copy, "targets.csv", "2025-10,S1013,repurchase_rate,35%")
    folder, stderr = report(inputs_copy, tmp_path)
    rate = rows_with_fill(document(folder, "company", "公司", "summary"), TABLE2)["老客户复购率"]
    assert rate[1:4] == [("35%", None), ("32%", None), ("91.4%（已报 12/13）", GREY)]
    assert "简单平均" not in stderr


def test_plain_mean_only_without_any_base_in_one_warning_naming_the_units(inputs_copy, tmp_path):
    path = inputs_copy / "actuals.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    path.write_text("\n".join(line.rsplit(",", 1)[0] + "," if line.startswith("2025-10") and "repurchase_rate" in line
                              else line for line in lines), encoding="utf-8")
    folder, stderr = report(inputs_copy, tmp_path)
    warnings = [line for line in stderr.splitlines() if line.startswith("  ! ")]
    plain = [line for line in warnings if "简单平均" in line]
    assert plain == ["  ! 「老客户复购率」在上海一组、杭州组、广州组、深圳组、华东区、华南区、公司没有任何成员填写基数（base），"
                     "按各成员比率的简单平均汇总（未加权）"]
    assert len(warnings) == len(set(warnings))
    for level, unit in [("company", "公司"), ("region", "华东区"), ("team", "深圳组")]:
        assert plain[0][4:] in body_text(document(folder, level, unit, "summary"))


# Status follows the figure as shown: 深圳组's 复购率 is 89.987%, printed 90%.

def test_a_status_never_contradicts_its_figure(sample_report):
    path = document(sample_report, "team", "深圳组", "summary")
    figures = rows_with_fill(path, FIGURES)["老客户复购率"]
    assert figures[3] == ("90%", AMBER) and figures[7][0].startswith("接近目标")
    problem = rows_with_fill(path, TABLE2)["老客户复购率"][6][0]
    assert "仅达成90%" not in problem
    assert metrics_row(sample_report, "team", "深圳组", "repurchase_rate")["status"] == "near"


# A note beside the data, and what the note leaves unexplained.

def test_a_note_that_explains_part_of_the_gap_shows_the_rest(inputs_copy, tmp_path):
    replace_line(inputs_copy, "actuals.csv", "2025-10,S1001,sales,223500,", "2025-10,S1001,sales,107000,")
    folder, _ = report(inputs_copy, tmp_path)
    sales = rows_with_fill(document(folder, "company", "公司", "summary"), TABLE2)["销售额"]
    subjective, objective, data = sales[4][0].split("\n")
    # the people's words first, grouped by cause (inputs/notes.csv); the company's own first in its group
    assert objective.startswith("客观（3条）：宝钢项目因客户内部流程延迟签约，约15万元顺延至11月；")
    assert data.startswith("【数据】较目标差26.65万元（达成86.7%）。说明涉及15万元，其余11.65万元的缺口尚未说明原因。"
                           "缺口主要来自：华东区\u00a0\u221218.65万元、华南区\u00a0\u22128万元。")
    assert sales[3] == ("86.7%", RED)
    assert metrics_row(folder, "company", "公司", "sales")["variance"] == "-266500"


def test_a_note_that_explains_the_whole_gap_gets_the_data_beside_it_and_nothing_more(sample_report):
    sales = rows_with_fill(document(sample_report, "company", "公司", "summary"), TABLE2)["销售额"]
    assert sales[4][0] == ("主观：深圳组：孙浩两个报价未在一周内跟进，客户转向竞品。\n"
                           "客观（3条）：宝钢项目因客户内部流程延迟签约，约15万元顺延至11月；华东区：杭州组两个项目签约延期至11月；"
                           "孙浩：深圳电子厂预算收紧，订单推迟到12月。\n"
                           "【数据】较目标差15万元（达成92.5%）。缺口主要来自：华南区\u00a0\u22128万元、华东区\u00a0\u22127万元。环比+8.8万元。")
