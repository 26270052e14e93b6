"""Targets and actuals given by segment (产品线/客户类型): the rep's figure is the sum (or the
base-weighted rate) of its segments, and every unit's plan and summary show the split in step 一.

The sample splits October's sales of 刘洋 (S1004), 陈静 (S1005) and 吴昊 (S1010) by product line
(inputs/targets_segments.csv, inputs/actuals_segments.csv); every other rep's sales is not split.
"""
import csv

import pytest

from .conftest import invoke
from .docx_reading import body_text, rows_with_fill, table_with_header, tables

PLAN_HEADER = ["细分", "核心指标", "月度目标", "目标占比"]
SUMMARY_HEADER = ["细分", "核心指标", "月度目标", "实际完成", "达成率", "实际占比"]
GREEN, RED = "C6EFCE", "FFC7CE"


def document(folder, level, name, kind):
    [path] = (folder / level).glob(f"*{name}*_{kind}.docx")
    return path


def csv_rows(path):
    return list(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))


def metrics_row(folder, level, unit, metric):
    [row] = [r for r in csv_rows(folder / "metrics.csv") if (r["level"], r["unit"], r["metric"]) == (level, unit, metric)]
    return row


def write(folder, name, lines):
    (folder / name).write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def by_customer_type(folder, targets, actuals):
    """targets_types.csv and actuals_types.csv: `targets` and `actuals` rows split by 客户类型."""
    write(folder, "targets_types.csv", ["month,rep_id,metric,客户类型,target", *targets])
    write(folder, "actuals_types.csv", ["month,rep_id,metric,客户类型,actual,base", *actuals])


def drop_lines(folder, lines):
    """Removes each (file, line) from the inputs in `folder`; the line must be there."""
    for name, line in lines:
        path = folder / name
        text = path.read_text(encoding="utf-8")
        assert line + "\n" in text
        path.write_text(text.replace(line + "\n", ""), encoding="utf-8")


def report(inputs, tmp_path):
    result = invoke("report", "--month", "2025-10", "--inputs", inputs, "--outputs", tmp_path / "out", "-q")
    assert result.exit_code == 0, result.output
    return tmp_path / "out" / "2025-10"


def without_sample_segments(inputs):
    """The sample with 刘洋's, 陈静's and 吴昊's sales back in targets.csv and actuals.csv, unsplit."""
    (inputs / "targets_segments.csv").unlink()
    (inputs / "actuals_segments.csv").unlink()
    with (inputs / "targets.csv").open("a", encoding="utf-8") as handle:
        handle.write("2025-10,S1004,sales,170000\n2025-10,S1005,sales,160000\n2025-10,S1010,sales,200000\n")
    with (inputs / "actuals.csv").open("a", encoding="utf-8") as handle:
        handle.write("2025-10,S1004,sales,150000,\n2025-10,S1005,sales,170000,\n2025-10,S1010,sales,210000,\n")


def test_a_reps_figure_is_the_sum_of_its_segments_and_the_company_total_is_unchanged(sample_report):
    # 刘洋: targets 90,000 + 50,000 + 30,000; actuals 85,000 + 45,000 + 20,000.
    rep = metrics_row(sample_report, "rep", "S1004", "sales")
    assert (rep["target"], rep["actual"], rep["status"]) == ("170000", "150000", "missed")
    company = metrics_row(sample_report, "company", "公司", "sales")
    assert (company["target"], company["actual"], company["achievement"]) == ("2000000", "1850000", "0.925")


@pytest.mark.parametrize("header", ["segment", "产品线", "客户类型", "细分", "细分项"])
def test_every_alias_of_the_segment_column_is_read(inputs_copy, tmp_path, header):
    (inputs_copy / "targets_segments.csv").unlink()
    write(inputs_copy, "targets_segments.csv", [f"month,rep_id,metric,{header},target",
                                                 "2025-10,S1004,sales,制造业,120000", "2025-10,S1004,sales,零售业,50000"])
    out = report(inputs_copy, tmp_path)
    assert metrics_row(out, "rep", "S1004", "sales")["target"] == "170000"
    segments = {r["segment"]: r["target"] for r in csv_rows(out / "metrics_by_segment.csv")
                if (r["level"], r["unit"]) == ("rep", "S1004") and r["target"]}  # actuals stay by product line
    assert segments == {"制造业": "120000", "零售业": "50000"}


def test_a_rate_by_segment_is_weighted_by_the_segments_bases(inputs_copy, tmp_path):
    # 刘洋's repurchase rate by customer type: 40% of 10 and 20% of 30 customers → 10/40 = 25%;
    # targets 50% and 30% on the same bases → (5 + 9)/40 = 35%. His base is then 40.
    drop_lines(inputs_copy, [("targets.csv", "2025-10,S1004,repurchase_rate,35%"),
                             ("actuals.csv", "2025-10,S1004,repurchase_rate,33%,9")])
    by_customer_type(inputs_copy, ["2025-10,S1004,repurchase_rate,大客户,50%",
                                   "2025-10,S1004,repurchase_rate,中小客户,30%"],
                     ["2025-10,S1004,repurchase_rate,大客户,40%,10",
                      "2025-10,S1004,repurchase_rate,中小客户,20%,30"])
    out = report(inputs_copy, tmp_path)
    rep = metrics_row(out, "rep", "S1004", "repurchase_rate")
    assert (float(rep["target"]), float(rep["actual"])) == (pytest.approx(0.35), pytest.approx(0.25))
    # 杭州组: 刘洋 25% of 40, 陈静 36% of 7, 杨磊 28% of 6 → (10 + 2.52 + 1.68)/53.
    team = metrics_row(out, "team", "杭州组", "repurchase_rate")
    assert float(team["actual"]) == pytest.approx((10 + 2.52 + 1.68) / 53)


def test_a_segment_row_beside_a_row_without_segment_is_an_input_error(inputs_copy, tmp_path):
    with (inputs_copy / "actuals.csv").open("a", encoding="utf-8") as handle:
        handle.write("2025-10,S1004,sales,150000,\n")  # spreadsheet line 118
    result = invoke("report", "--month", "2025-10", "--inputs", inputs_copy, "--outputs", tmp_path / "out")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert ("actuals.csv 第118行 列「segment」：2025-10 S1004 刘洋 的「销售额」已在 actuals_segments.csv 第2行 按细分填写"
            in result.stderr)
    assert not (tmp_path / "out" / "2025-10").exists()


def test_a_split_on_one_side_only_is_a_data_warning_and_the_totals_still_add_up(inputs_copy, tmp_path):
    # 吴昊's October sales target stays split by product line; his actual comes as one figure
    path = inputs_copy / "actuals_segments.csv"
    path.write_text("".join(line for line in path.read_text(encoding="utf-8").splitlines(keepends=True)
                            if ",S1010," not in line), encoding="utf-8")
    with (inputs_copy / "actuals.csv").open("a", encoding="utf-8") as handle:
        handle.write("2025-10,S1010,sales,210000,\n")
    result = invoke("report", "--month", "2025-10", "--inputs", inputs_copy, "--outputs", tmp_path / "out")
    assert result.exit_code == 0, result.output
    expected = "S1010 吴昊 的「销售额」目标按细分录入、实际未细分：合计不受影响，细分表中实际全部列在「（未分细分）」下"
    assert expected in result.stderr
    out = tmp_path / "out" / "2025-10"
    assert float(metrics_row(out, "company", "公司", "sales")["actual"]) == 1_850_000  # the sample's total
    summary = document(out, "rep", "吴昊", "月度工作总结")
    unsplit = [row for row in table_with_header(summary, SUMMARY_HEADER) if row[0] == "（未分细分）"]
    assert unsplit and unsplit[0][3] == "21万元"
    assert expected.replace("S1010 吴昊 ", "吴昊") in body_text(summary)  # its data notes, by name


def test_a_plans_segment_rows_weigh_only_the_bases_that_go_with_a_target(inputs_copy, tmp_path):
    # 张伟's October 复购率 target split by customer type; 李娜's September actual split too, though
    # her October target is one figure: her old segments carry bases but no target
    drop_lines(inputs_copy, [("targets.csv", "2025-10,S1001,repurchase_rate,40%"),
                             ("actuals.csv", "2025-09,S1003,repurchase_rate,27%,8")])
    by_customer_type(inputs_copy, ["2025-10,S1001,repurchase_rate,大客户,45%",
                                   "2025-10,S1001,repurchase_rate,中小客户,35%"],
                     ["2025-09,S1003,repurchase_rate,大客户,30%,2",
                      "2025-09,S1003,repurchase_rate,中小客户,26%,6"])
    plan = table_with_header(document(report(inputs_copy, tmp_path), "team", "上海一组", "月度工作计划"), PLAN_HEADER)
    # 大客户 and 中小客户: 张伟's targets alone (no earlier base by segment: their plain value);
    # the rest, 王芳 35% and 李娜 30% weighted by September's bases 10 and 2+6: (350 + 240) / 18 = 32.8%
    assert [row[:3] for row in plan[1:]] == [["大客户", "老客户复购率", "45%"], ["中小客户", "老客户复购率", "35%"],
                                          ["（未分细分）", "老客户复购率", "32.8%"]]


def test_the_same_segment_twice_is_the_duplicate_error_naming_the_segment(inputs_copy):
    with (inputs_copy / "targets_segments.csv").open("a", encoding="utf-8") as handle:
        handle.write("2025-10,S1004,sales,B产品,1\n")  # line 10; B产品 of 刘洋 is on line 3
    result = invoke("validate", "--month", "2025-10", "--inputs", inputs_copy)
    assert result.exit_code == 2
    assert ("targets_segments.csv 第10行 列「metric」 值「销售额」：与 targets_segments.csv 第3行 重复："
            "2025-10 S1004 刘洋 的「销售额」（细分「B产品」）出现两次") in result.stderr


def test_the_company_plan_shows_its_targets_by_segment(sample_report):
    # A: 90,000 + 80,000 + 100,000; B: 50,000 + 80,000 + 60,000; C: 30,000 + 40,000; the rest
    # of 2,000,000 is not split. Shares of 2,000,000.
    table = table_with_header(document(sample_report, "company", "公司", "月度工作计划"), PLAN_HEADER)
    assert table[1:] == [["A产品", "销售额", "27万元", "13.5%"], ["B产品", "销售额", "19万元", "9.5%"],
                         ["C产品", "销售额", "7万元", "3.5%"], ["（未分细分）", "销售额", "147万元", "73.5%"]]


def test_the_company_summary_shows_target_actual_achievement_and_share_by_segment(sample_report):
    # A: 305,000 of 270,000 = 113.0%, 305,000/1,850,000 = 16.5%; B: 165,000/190,000 = 86.8%, 8.9%;
    # C: 60,000/70,000 = 85.7%, 3.2%; not split: 1,320,000/1,470,000 = 89.8%, 71.4%.
    rows = rows_with_fill(document(sample_report, "company", "公司", "月度工作总结"), SUMMARY_HEADER)
    assert {name: [text for text, _ in cells] for name, cells in rows.items()} == {
        "A产品": ["A产品", "销售额", "27万元", "30.5万元", "113%", "16.5%"],
        "B产品": ["B产品", "销售额", "19万元", "16.5万元", "86.8%", "8.9%"],
        "C产品": ["C产品", "销售额", "7万元", "6万元", "85.7%", "3.2%"],
        "（未分细分）": ["（未分细分）", "销售额", "147万元", "132万元", "89.8%", "71.4%"]}
    assert rows["A产品"][4][1] == GREEN and rows["B产品"][4][1] == RED


def test_region_and_team_documents_show_their_own_segments(sample_report):
    # 华东区: 刘洋 and 陈静 split, 张伟 王芳 李娜 杨磊 not: A 85,000 + 100,000 = 185,000 of 170,000
    # (108.8%), share of 930,000 = 19.9%; not split 610,000 of 670,000 = 91%, 65.6%.
    region = table_with_header(document(sample_report, "region", "华东区", "月度工作总结"), SUMMARY_HEADER)
    assert region[1] == ["A产品", "销售额", "17万元", "18.5万元", "108.8%", "19.9%"]
    assert region[-1] == ["（未分细分）", "销售额", "67万元", "61万元", "91%", "65.6%"]
    # 杭州组 plan: shares of 470,000: A 170,000 = 36.2%, B 130,000 = 27.7%, C 30,000 = 6.4%, 杨磊 140,000 = 29.8%.
    team = table_with_header(document(sample_report, "team", "杭州组", "月度工作计划"), PLAN_HEADER)
    assert team[1:] == [["A产品", "销售额", "17万元", "36.2%"], ["B产品", "销售额", "13万元", "27.7%"],
                        ["C产品", "销售额", "3万元", "6.4%"], ["（未分细分）", "销售额", "14万元", "29.8%"]]


def test_a_reps_documents_show_only_its_own_segments(sample_report):
    # 刘洋: A 85,000 of 90,000 = 94.4%, 85,000/150,000 = 56.7%; B 45,000/50,000 = 90%, 30%;
    # C 20,000/30,000 = 66.7%, 13.3%. All of his sales is split: no （未分细分） row.
    summary = table_with_header(document(sample_report, "rep", "刘洋", "月度工作总结"), SUMMARY_HEADER)
    assert summary[1:] == [["A产品", "销售额", "9万元", "8.5万元", "94.4%", "56.7%"],
                           ["B产品", "销售额", "5万元", "4.5万元", "90%", "30%"],
                           ["C产品", "销售额", "3万元", "2万元", "66.7%", "13.3%"]]
    plan = table_with_header(document(sample_report, "rep", "陈静", "月度工作计划"), PLAN_HEADER)
    assert plan[1:] == [["A产品", "销售额", "8万元", "50%"], ["B产品", "销售额", "8万元", "50%"]]


def test_units_without_segments_have_no_segment_table(sample_report):
    for level, name in (("team", "上海一组"), ("rep", "张伟")):
        for kind, header in (("月度工作计划", PLAN_HEADER), ("月度工作总结", SUMMARY_HEADER)):
            assert not [t for t in tables(document(sample_report, level, name, kind)) if t[0] == header]


def test_metrics_by_segment_csv_holds_the_segment_rows(sample_report):
    path = sample_report / "metrics_by_segment.csv"
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = csv_rows(path)
    assert list(rows[0]) == ["month", "level", "unit", "metric", "segment", "metric_name", "target", "actual",
                             "variance", "achievement", "status"]
    by_key = {(r["level"], r["unit"], r["segment"]): r for r in rows}
    assert by_key[("company", "公司", "B产品")] == {
        "month": "2025-10", "level": "company", "unit": "公司", "metric": "sales", "segment": "B产品",
        "metric_name": "销售额", "target": "190000", "actual": "165000", "variance": "-25000",
        "achievement": "0.8684210526", "status": "missed"}
    assert by_key[("rep", "S1010", "C产品")]["status"] == "met"  # 40,000 of 40,000
    # Units: the company, both regions, 杭州组 and 深圳组, and the three reps; no unit without a split.
    assert {(level, unit) for level, unit, _ in by_key} == {
        ("company", "公司"), ("region", "华东区"), ("region", "华南区"), ("team", "杭州组"), ("team", "深圳组"),
        ("rep", "S1004"), ("rep", "S1005"), ("rep", "S1010")}


def test_without_segments_the_file_is_header_only_and_the_company_has_no_segment_table(inputs_copy, tmp_path):
    without_sample_segments(inputs_copy)
    out = report(inputs_copy, tmp_path)
    assert (out / "metrics_by_segment.csv").read_text(encoding="utf-8-sig") == \
        "month,level,unit,metric,segment,metric_name,target,actual,variance,achievement,status\n"
    assert metrics_row(out, "company", "公司", "sales")["actual"] == "1850000"
    for kind, header in (("月度工作计划", PLAN_HEADER), ("月度工作总结", SUMMARY_HEADER)):
        assert not [t for t in tables(document(out, "company", "公司", kind)) if t[0] == header]


def test_a_segment_that_reads_as_a_formula_is_guarded_in_the_csv_and_literal_in_documents(inputs_copy, tmp_path):
    for name in ("targets_segments.csv", "actuals_segments.csv"):
        path = inputs_copy / name
        path.write_text(path.read_text(encoding="utf-8").replace("C产品", "=C&<产品>"), encoding="utf-8")
    out = report(inputs_copy, tmp_path)
    assert "'=C&<产品>" in {r["segment"] for r in csv_rows(out / "metrics_by_segment.csv")}
    summary = table_with_header(document(out, "rep", "刘洋", "月度工作总结"), SUMMARY_HEADER)
    assert summary[3][0] == "=C&<产品>"
