"""Pipeline coverage from an opportunity export (issue 26): the figures, pipeline.csv, the plan's
step 一 and the summary's line as a reader opens them, the input errors, and nothing changed
without an export."""
import csv
import shutil

import pytest

from pipeline import run
from scripts import build_templates

from .conftest import SAMPLE_INPUTS, invoke
from .docx_reading import body_text, table_with_header

ORG = [["R1", "甲", "T1", "A区"], ["R2", "乙", "T1", "A区"], ["R3", "丙", "T2", "A区"]]
HEADER = ["商机编号", "负责人", "预计金额", "销售阶段", "赢率", "预计成交日期", "状态"]
# The export at October's start: R1 has two open deals of October (probability from the stage
# table and from the row), one won, one lost, one closing in November and one overdue; R2's won
# deal already covers its target; R3 (named by name) has no target.
START = [
    ["A1", "R1", "40000", "谈判", "", "2025-10-20", "进行中"],
    ["A2", "R1", "2万", "初访", "25%", "2025-10-31", ""],
    ["A3", "R1", "30000", "谈判", "", "2025-10-05", "赢单"],
    ["A4", "R1", "50000", "谈判", "", "2025-10-15", "输单"],
    ["A5", "R1", "70000", "谈判", "", "2025-11-03", "open"],
    ["A6", "R1", "80000", "初访", "", "2025-09-20", "进行中"],
    ["A7", "R2", "60000", "赢单", "", "2025-10-10", "won"],
    ["A8", "R2", "10000", "谈判", "", "2025-10-12", "进行中"],
    ["A9", "丙", "25000", "初访", "0.1", "2025-10-30", "进行中"],
]
# The export at October's end: A1 and A8 won, A2 lost.
END = [
    ["A1", "R1", "40000", "谈判", "", "2025-10-20", "赢单"],
    ["A2", "R1", "20000", "初访", "", "2025-10-31", "输单"],
    ["A3", "R1", "30000", "谈判", "", "2025-10-05", "赢单"],
    ["A7", "R2", "60000", "赢单", "", "2025-10-10", "赢单"],
    ["A8", "R2", "10000", "谈判", "", "2025-10-12", "赢单"],
]


def write(path, header, rows):
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


@pytest.fixture
def small(tmp_path):
    folder = tmp_path / "inputs"
    folder.mkdir()
    write(folder / "org.csv", ["rep_id", "rep_name", "team", "region"], ORG)
    write(folder / "targets.csv", ["month", "rep_id", "metric", "target"],
          [["2025-10", "R1", "sales", "100000"], ["2025-10", "R2", "sales", "50000"], ["2025-10", "R3", "events", "2"]])
    write(folder / "actuals.csv", ["month", "rep_id", "metric", "actual"],
          [["2025-10", "R1", "sales", "90000"], ["2025-10", "R2", "sales", "70000"], ["2025-10", "R3", "events", "2"]])
    write(folder / "opportunity_stages.csv", ["阶段", "赢率"], [["谈判", "60%"], ["初访", "0.1"]])
    write(folder / "opportunities_2025-10-01.csv", HEADER, START)
    return folder


def figures(folder, month="2025-10"):
    frame = run.check(month, folder).pipeline.figures
    return {(row.level, row.unit): row for row in frame.itertuples(index=False)}


def test_figures_per_unit_and_level(small):
    rows = figures(small)
    r1 = rows[("rep", "R1")]
    assert (r1.target, r1.won, r1.open, r1.weighted, r1.count) == (100000, 30000, 60000, 40000 * 0.6 + 20000 * 0.25, 2)
    assert r1.coverage == pytest.approx(60000 / 70000) and r1.weighted_coverage == pytest.approx(29000 / 70000)
    assert (r1.overdue_count, r1.overdue_amount) == (1, 80000)
    r2 = rows[("rep", "R2")]  # won 60000 ≥ target 50000: no coverage, and why
    assert (r2.won, r2.open, r2.weighted, r2.coverage_note) == (60000, 10000, 6000, "target_won")
    assert r2.coverage != r2.coverage  # NaN: written empty
    r3 = rows[("rep", "R3")]
    assert (r3.open, r3.weighted, r3.coverage_note) == (25000, 2500, "no_target")
    team = rows[("team", "T1")]
    assert (team.target, team.won, team.open, team.weighted, team.count, team.overdue_count) == \
        (150000, 90000, 70000, 35000, 3, 1)
    assert team.coverage == pytest.approx(70000 / 60000)
    for key in [("region", "A区"), ("company", "公司")]:
        unit = rows[key]
        assert (unit.target, unit.won, unit.open, unit.weighted, unit.count) == (150000, 90000, 95000, 37500, 4)
        assert unit.coverage == pytest.approx(95000 / 60000) and unit.weighted_coverage == pytest.approx(37500 / 60000)
    assert rows[("team", "T2")].coverage_note == "no_target"


def test_a_plan_stands_on_the_export_of_its_start(small):
    before = run.check("2025-10", small).pipeline.figures
    write(small / "opportunities_2025-10-31.csv", HEADER, END)
    after = run.check("2025-10", small).pipeline.figures
    assert before.equals(after) and before.loc[before["unit"] == "R1", "open"].item() == 60000


def test_pipeline_csv_holds_raw_figures(small, tmp_path):
    result = invoke("report", "--month", "2025-10", "--inputs", small, "--outputs", tmp_path / "out", "-q")
    assert result.exit_code == 0, result.output
    with (tmp_path / "out" / "2025-10" / "pipeline.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = {(r["level"], r["unit"]): r for r in csv.DictReader(handle)}
    assert list(rows) == [("company", "公司"), ("region", "A区"), ("team", "T1"), ("team", "T2"),
                          ("rep", "R1"), ("rep", "R2"), ("rep", "R3")]
    assert rows[("rep", "R1")] == {
        "month": "2025-10", "level": "rep", "unit": "R1", "metric": "sales", "target": "100000", "won": "30000",
        "open": "60000", "weighted": "29000", "count": "2", "coverage": "0.8571428571",
        "weighted_coverage": "0.4142857143", "coverage_note": "", "overdue_count": "1", "overdue_amount": "80000"}
    assert (rows[("rep", "R2")]["coverage"], rows[("rep", "R2")]["coverage_note"]) == ("", "target_won")
    assert (rows[("team", "T2")]["target"], rows[("team", "T2")]["coverage_note"]) == ("", "no_target")


def test_the_plan_states_what_the_target_stands_on(small, tmp_path):
    write(small / "opportunities_2025-10-31.csv", HEADER, END)
    result = invoke("report", "--month", "2025-10", "--inputs", small, "--outputs", tmp_path / "out", "-q")
    assert result.exit_code == 0, result.output
    month = tmp_path / "out" / "2025-10"
    rep = body_text(month / "rep" / "2025-10_甲(R1)_月度工作计划.docx")
    assert "销售额：商机储备6万元（2个，按赢率加权2.9万元），已赢单3万元，覆盖剩余目标的85.7%，尚缺1万元商机" in rep
    assert "逾期未结：A6，8万元，原定9月20日" in rep
    deals = table_with_header(month / "rep" / "2025-10_甲(R1)_月度工作计划.docx",
                              ["商机编号", "阶段", "金额", "赢率", "加权金额", "预计成交日期"])
    assert deals[1:] == [["A1", "谈判", "4万元", "60%", "2.4万元", "10月20日"],
                         ["A2", "初访", "2万元", "25%", "0.5万元", "10月31日"]]
    team = month / "team" / "2025-10_T1_月度工作计划.docx"
    assert "销售额：商机储备7万元（3个，按赢率加权3.5万元），已赢单9万元，覆盖剩余目标的116.7%" in body_text(team)
    assert "逾期未结：1个商机，共8万元" in body_text(team)
    ranking = table_with_header(team, ["核心指标", "排名", "销售代表", "月度目标", "已赢单", "商机储备", "加权储备",
                                       "覆盖率", "尚缺"])
    assert [row[1:] for row in ranking[1:]] == [
        ["1", "乙", "5万元", "6万元", "1万元", "0.6万元", "已赢单达标", "—"],
        ["2", "甲", "10万元", "3万元", "6万元", "2.9万元", "85.7%", "1万元"]]
    assert "销售额：商机储备2.5万元（1个，按赢率加权0.25万元），本月无此项目标，不计覆盖率" in \
        body_text(month / "team" / "2025-10_T2_月度工作计划.docx")
    summary = body_text(month / "company" / "2025-10_公司_月度工作总结.docx")
    assert "销售额：本月赢单14万元，为月初加权预测3.75万元的373.3%" in summary
    assert "本月赢单7万元，为月初加权预测2.9万元的241.4%" in body_text(month / "rep" / "2025-10_甲(R1)_月度工作总结.docx")


def test_no_summary_line_without_an_export_of_the_months_end(small, tmp_path):
    result = invoke("report", "--month", "2025-10", "--inputs", small, "--outputs", tmp_path / "out", "-q")
    assert result.exit_code == 0, result.output
    assert "本月赢单" not in body_text(tmp_path / "out" / "2025-10" / "company" / "2025-10_公司_月度工作总结.docx")


def test_the_sample_plans_show_the_export(tmp_path):
    result = invoke("report", "--month", "2025-11", "--inputs", SAMPLE_INPUTS, "--outputs", tmp_path, "-q")
    assert result.exit_code == 0, result.output
    text = body_text(tmp_path / "2025-11" / "rep" / "2025-11_李娜(S1003)_月度工作计划.docx")
    assert "逾期未结：O017，8万元，原定10月20日" in text
    assert "覆盖剩余目标的60%，尚缺80.5万元商机" in body_text(tmp_path / "2025-11" / "company" / "2025-11_公司_月度工作计划.docx")


@pytest.mark.parametrize("row, where, message", [
    (["B1", "R9", "1000", "谈判", "", "2025-10-20", ""], "第11行 列「负责人」", "org.csv 中没有这个工号或姓名"),
    (["A1", "R1", "1000", "谈判", "", "2025-10-20", ""], "第11行 列「商机编号」", "商机编号重复"),
    (["B1", "R1", "-1000", "谈判", "", "2025-10-20", ""], "第11行 列「预计金额」", "金额不能为负数"),
    (["B1", "R1", "1000", "谈判", "150%", "2025-10-20", ""], "第11行 列「赢率」", "赢率应在 0 到 100% 之间"),
    (["B1", "R1", "1000", "谈判", "60", "2025-10-20", ""], "第11行 列「赢率」", "请写成 60% 或小数 0.6"),
    (["B1", "R1", "1000", "签约", "", "2025-10-20", ""], "第11行 列「销售阶段」", "这个阶段没有赢率"),
    (["B1", "R1", "1000", "谈判", "", "10月20日", ""], "第11行 列「预计成交日期」", "请写明年份"),
    (["B1", "R1", "1000", "谈判", "", "2025-10-20", "搁置"], "第11行 列「状态」", "未知的状态"),
])
def test_bad_opportunity_rows_are_located(small, tmp_path, row, where, message):
    with (small / "opportunities_2025-10-01.csv").open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerow(row)
    result = invoke("report", "--month", "2025-10", "--inputs", small, "--outputs", tmp_path / "out")
    assert result.exit_code != 0
    assert f"opportunities_2025-10-01.csv {where}" in result.output and message in result.output, result.output
    assert not (tmp_path / "out" / "2025-10").exists()


def test_a_duplicate_stage_is_located(small):
    with (small / "opportunity_stages.csv").open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerow(["谈判", "50%"])
    result = invoke("validate", "--month", "2025-10", "--inputs", small)
    assert result.exit_code != 0
    assert "opportunity_stages.csv 第4行 列「阶段」" in result.output and "阶段重复" in result.output, result.output


def test_without_an_export_the_documents_are_unchanged(tmp_path, monkeypatch):
    """The sample without its opportunity files renders byte for byte as with templates that have no
    pipeline blocks at all."""
    inputs = tmp_path / "inputs"
    shutil.copytree(SAMPLE_INPUTS, inputs, ignore=shutil.ignore_patterns("opportunit*"))
    plain = tmp_path / "plain_templates"
    plain.mkdir()
    monkeypatch.setattr(build_templates, "pipeline_plan_block", lambda doc: None)
    monkeypatch.setattr(build_templates, "pipeline_summary_block", lambda doc: None)
    build_templates.build_plan(plain / "plan.docx")
    build_templates.build_summary(plain / "summary.docx")
    hashes = {}
    for name, templates in [("with", build_templates.Path(run.__file__).parent.parent / "docx_templates"),
                            ("without", plain)]:
        if name == "without":  # the same key signs the same fill-in fields
            (tmp_path / name).mkdir()
            shutil.copy(tmp_path / "with" / ".fields.key", tmp_path / name)
        result = invoke("report", "--month", "2025-10", "--inputs", inputs, "--outputs", tmp_path / name,
                        "--templates", templates, "-q")
        assert result.exit_code == 0, result.output
        assert not (tmp_path / name / "2025-10" / "pipeline.csv").exists()
        hashes[name] = {p.relative_to(tmp_path / name): p.read_bytes() for p in (tmp_path / name).rglob("*.docx")}
    assert len(hashes["with"]) == 38 and hashes["with"] == hashes["without"]


def test_an_excel_file_joins_the_export_of_its_date(small):
    """Excel cells as Excel types them (a percent cell is a fraction, a date a datetime); a file of the
    same date is part of the same export."""
    import datetime as dt

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(HEADER)
    book.active.append(["X1", "乙", 100000, "谈判", 0.8, dt.datetime(2025, 10, 20), None])
    book.save(small / "opportunities_2025-10-01_华东.xlsx")
    r2 = figures(small)[("rep", "R2")]
    assert (r2.open, r2.weighted, r2.count) == (110000, 86000, 2)
