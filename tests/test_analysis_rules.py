"""Issue 22: analysis a director keeps — each rule on the inputs where it matters."""
import pandas as pd
import pytest

from pipeline.compute.month import compute_month
from pipeline.compute.org import Org, Unit
from pipeline.documents.context import plan_context, summary_context
from pipeline.inputs.catalog import Catalog
from pipeline.inputs.model import Inputs
from pipeline.outputs import metrics_rows

from .conftest import org_frame

CATALOG = Catalog()
NOTE_COLUMNS = ["month", "level", "unit", "metric", "section", "text", "response", "cause", "applies_to"]
NO_TASKS = pd.DataFrame(columns=["month", "metric", "task", "owner", "due", "done_criteria", "notes", "_line"])
# 东区: 一组 (甲 A, 乙 B), 二组 (丙 C); 西区: 三组 (丁 D)
ORG = org_frame([("A", "甲", "一组", "东区"), ("B", "乙", "一组", "东区"), ("C", "丙", "二组", "东区"),
                 ("D", "丁", "三组", "西区")])


def note(month, level, unit, metric, section, text, cause="", applies_to=()):
    return (month, level, unit, metric, section, text, "", cause, applies_to)


def make(figures, notes=(), org=ORG):
    """Inputs of `figures`: (month, rep, metric, target, actual) rows (None: not given)."""
    targets = pd.DataFrame([(m, r, k, t) for m, r, k, t, _ in figures if t is not None],
                           columns=["month", "rep_id", "metric", "target"])
    actuals = pd.DataFrame([(m, r, k, a, None) for m, r, k, _, a in figures if a is not None],
                           columns=["month", "rep_id", "metric", "actual", "base"])
    return Inputs(CATALOG, org, targets, actuals, NO_TASKS, pd.DataFrame(list(notes), columns=NOTE_COLUMNS))


def sales(months, rep, pairs):
    return [(m, rep, "sales", t, a) for m, (t, a) in zip(months, pairs)]


MONTHS = ["2025-08", "2025-09", "2025-10"]


def unit(data, level, key):
    return Unit(level, key, Org(data.inputs.org).label(level, key))


# 1. data sentences only where they add something ---------------------------------------------

def test_a_rep_on_a_three_month_streak_has_it_as_a_highlight_and_a_bare_result_is_none():
    figures = sales(MONTHS, "A", [(100, 110), (100, 105), (100, 120)]) + \
        sales(MONTHS, "B", [(100, 90), (100, 105), (100, 101)])
    data = compute_month(make(figures), "2025-10")
    first = summary_context(data, unit(data, "rep", "A"))
    assert first["highlights"] == ["【数据】销售额连续3个月达成。"]
    assert first["table2"][0]["highlight"] == "【数据】连续3个月达成。"
    second = summary_context(data, unit(data, "rep", "B"))
    # met two months running: a streak too; one month met is nothing beyond the table
    assert second["highlights"] == ["【数据】销售额连续2个月达成。"]


def test_a_month_met_after_a_miss_says_nothing_beyond_the_table():
    data = compute_month(make(sales(MONTHS, "A", [(100, 110), (100, 90), (100, 120)])), "2025-10")
    context = summary_context(data, unit(data, "rep", "A"))
    # nothing generated: each is a field for a person to fill (issue 23)
    assert [f.title for f in context["highlights"]] == ["成功经验"]
    assert context["table2"][0]["highlight"].title == "销售额·成功经验/亮点"
    assert [f.title for f in context["problems"]] == ["存在问题"]
    assert context["table2"][0]["problem"].title == "销售额·存在问题与挑战"


def test_a_missed_streak_and_the_member_carrying_the_gap_are_one_problem_item():
    wan = 10_000
    figures = sales(MONTHS, "A", [(100 * wan, 90 * wan), (100 * wan, 80 * wan), (100 * wan, 60 * wan)]) + \
        sales(MONTHS, "B", [(100 * wan, 95 * wan), (100 * wan, 85 * wan), (100 * wan, 90 * wan)])
    data = compute_month(make(figures), "2025-10")
    context = summary_context(data, unit(data, "team", "一组"))
    # 一组 150 of 200: 甲 −40, 乙 −10 → 甲 carries 80% of the gap; 乙 (90%) is near, not missed
    assert context["problems"] == ["【数据】销售额仅达成75%（\u221250万元），连续3个月未达成；缺口的80%来自甲（\u221240万元）。"]
    assert context["table2"][0]["problem"] == "【数据】连续3个月未达成；缺口的80%来自甲（\u221240万元）。"


def test_a_record_over_the_months_held_is_named():
    months = [f"2025-{m:02d}" for m in range(3, 11)]
    pairs = [(100, 50 + m) for m in range(7)] + [(100, 70)]  # October the highest of eight months, yet short
    data = compute_month(make(sales(months, "A", pairs)), "2025-10")
    context = summary_context(data, unit(data, "rep", "A"))
    assert context["highlights"] == ["【数据】销售额为近8个月最高。"]


# 2. causes tagged 主观/客观, a unit's own and those of every unit below ---------------------------

def test_causes_tagged_both_ways_at_two_levels_group_at_the_region_and_the_company():
    figures = sales(["2025-10"], "A", [(100, 80)]) + sales(["2025-10"], "C", [(100, 70)])
    notes = [note("2025-10", "team", "一组", "sales", "variance_reason", "拜访不足。", "subjective"),
             note("2025-10", "rep", "A", "sales", "variance_reason", "客户预算冻结。", "objective"),
             note("2025-10", "team", "二组", "sales", "variance_reason", "竞品降价。", "objective"),
             note("2025-10", "region", "东区", "sales", "variance_reason", "新人培训未到位。", "subjective"),
             note("2025-10", "rep", "C", "sales", "variance_reason", "休假一周。")]
    data = compute_month(make(figures, notes), "2025-10")
    region = summary_context(data, unit(data, "region", "东区"))["table2"][0]["reason"].split("\n")
    assert region[:3] == ["主观：新人培训未到位；一组：拜访不足。", "客观：二组：竞品降价；甲：客户预算冻结。", "其他：丙：休假一周。"]
    assert region[3].startswith("【数据】较目标差")
    company = summary_context(data, unit(data, "company", "公司"))["table2"][0]["reason"].split("\n")
    assert company[:2] == ["主观：东区：新人培训未到位；一组：拜访不足。", "客观：二组：竞品降价；甲：客户预算冻结。"]
    # the team sees its own and its rep's causes, not its neighbours'
    team = summary_context(data, unit(data, "team", "一组"))["table2"][0]["reason"].split("\n")
    assert team[:2] == ["主观：拜访不足。", "客观：甲：客户预算冻结。"]


def test_many_causes_in_a_group_are_counted():
    figures = sales(["2025-10"], "A", [(100, 80)])
    notes = [note("2025-10", "rep", "A", "sales", "variance_reason", f"原因{i}。", "objective") for i in range(3)]
    data = compute_month(make(figures, notes), "2025-10")
    reason = summary_context(data, unit(data, "team", "一组"))["table2"][0]["reason"]
    asked, written, generated = reason.items
    assert written == "客观（3条）：甲：原因0；甲：原因1；甲：原因2。" and generated.startswith("【数据】")
    # the cause nobody gave is a field to fill in its place, as the original asks (主观 and 客观 apart)
    assert (asked.label, asked.identity.cause, asked.identity.section) == ("主观：", "主观", "variance_reason")


# 3. 存在问题: every missed or near metric once, notes beside it ----------------------------------

def test_a_missed_metric_is_named_even_where_a_note_exists_and_a_member_is_named_once():
    figures = sales(["2025-10"], "A", [(100, 60)]) + sales(["2025-10"], "B", [(100, 95)])
    notes = [note("2025-10", "team", "一组", "", "problem", "人手不足。")]
    data = compute_month(make(figures, notes), "2025-10")
    problems = summary_context(data, unit(data, "team", "一组"))["problems"]
    assert problems[0] == "人手不足。"
    assert len(problems) == 2 and problems[1].startswith("【数据】销售额仅达成77.5%")
    assert problems[1].count("甲") == 1


# 4. what the plan asks --------------------------------------------------------------------------

def test_november_targets_against_octobers_actuals_and_last_novembers():
    figures = [("2025-10", "A", "sales", 1_800_000, 1_850_000), ("2025-11", "A", "sales", 2_065_000, None),
               ("2024-11", "A", "sales", 1_700_000, 1_900_000),
               ("2025-10", "A", "new_customers", 10, 8), ("2025-11", "A", "new_customers", 8, None)]
    data = compute_month(make(figures), "2025-11")
    asks = plan_context(data, unit(data, "company", "公司"))["target_asks"]
    assert asks == ["销售额：目标206.5万元，需较10月实际增长11.6%，较去年11月实际增长8.7%",
                    "新客户开发数量：目标8家，与10月实际持平"]


def test_weekly_milestones_are_written_at_a_managers_precision():
    figures = [("2025-10", "A", "sales", 1_456_789, None), ("2025-10", "A", "new_customers", 7, None)]
    data = compute_month(make(figures), "2025-10")
    weeks = plan_context(data, unit(data, "rep", "A"))["weeks"]
    first = next(line for line in weeks[0]["tasks"] if line.startswith("进度要求"))
    # 145.6789万元 × 7/31 = 32.89…万元 → 32.9万元; 7家 × 7/31 = 1.58 → 2家
    assert "累计应完成销售额32.9万元、新客户开发数量2家" in first


# 5. notes that concern some units ---------------------------------------------------------------

def test_a_risk_applying_to_one_region_flows_only_into_it():
    figures = [("2025-10", rep, "sales", 100, None) for rep in "ABCD"]
    notes = [note("2025-10", "company", "公司", "", "risk", "竞品在西区低价抢单。", applies_to=(("region", "西区"),)),
             note("2025-10", "company", "公司", "", "risk", "年底预算冻结。")]
    data = compute_month(make(figures, notes), "2025-10")
    assert plan_context(data, unit(data, "rep", "D"))["risks"] == ["公司：竞品在西区低价抢单。", "公司：年底预算冻结。"]
    assert plan_context(data, unit(data, "team", "三组"))["risks"][0] == "公司：竞品在西区低价抢单。"
    for level, key in (("region", "东区"), ("team", "一组"), ("rep", "A")):
        assert plan_context(data, unit(data, level, key))["risks"] == ["公司：年底预算冻结。"], key
    assert len(plan_context(data, unit(data, "company", "公司"))["risks"]) == 2  # the writer's own plan


# 6. names, not ids ------------------------------------------------------------------------------

def test_two_reps_sharing_a_name_get_their_ids_and_the_others_do_not():
    org = org_frame([("S007", "张伟", "一组", "东区"), ("S008", "张伟", "一组", "东区"), ("S009", "李娜", "一组", "东区")])
    figures = [("2025-10", rep, "sales", 100, actual) for rep, actual in (("S007", 120), ("S008", 90), ("S009", None))]
    data = compute_month(make(figures, org=org), "2025-10")
    context = summary_context(data, unit(data, "team", "一组"))
    assert [entry["name"] for entry in context["ranking"]] == ["张伟（S007）", "张伟（S008）", "李娜"]
    assert all("S009" not in line for line in context["data_notes"])
    assert any(line.startswith("李娜") for line in context["data_notes"]), context["data_notes"]


# 7. honest periods ------------------------------------------------------------------------------

def test_a_year_starting_in_july_names_its_months_and_a_gap_names_the_missing_month():
    months = ["2025-07", "2025-08", "2025-09", "2025-10"]
    figures = sales(months, "A", [(100, 100)] * 4) + \
        [(m, "A", "new_customers", 5, None if m == "2025-08" else 5) for m in months]
    data = compute_month(make(figures), "2025-10")
    context = summary_context(data, unit(data, "rep", "A"))
    assert context["ytd_label"] == "2025年7–10月"
    assert [row["ytd_months"] for row in context["history"]] == ["7–10月", "7–10月，缺8月"]
    rows = metrics_rows(data)
    assert set(rows.loc[rows["metric"] == "sales", "ytd_months"]) == {"2025年7–10月"}
    assert set(rows.loc[rows["metric"] == "new_customers", "ytd_months"]) == {"2025年7–10月，缺8月"}


# 9. the seed's process data ---------------------------------------------------------------------

@pytest.mark.parametrize("name, key, direction", [("客户满意度", "satisfaction", "higher"), ("投诉率", "complaint_rate", "lower")])
def test_satisfaction_and_complaint_rate_are_built_in_base_weighted_rates(name, key, direction):
    metric = CATALOG.resolve(name)
    assert (metric.key, metric.unit, metric.kind, metric.direction) == (key, "%", "ratio", direction)
    targets = pd.DataFrame([("2025-10", rep, key, 0.05) for rep in "AB"], columns=["month", "rep_id", "metric", "target"])
    actuals = pd.DataFrame([("2025-10", "A", key, 0.02, 30.0), ("2025-10", "B", key, 0.08, 10.0)],
                           columns=["month", "rep_id", "metric", "actual", "base"])
    data = compute_month(Inputs(CATALOG, ORG, targets, actuals, NO_TASKS, pd.DataFrame(columns=NOTE_COLUMNS)), "2025-10")
    team = data.metrics[(data.metrics["unit"] == "一组") & (data.metrics["metric"] == key)].iloc[0]
    assert team["actual"] == pytest.approx((0.02 * 30 + 0.08 * 10) / 40)  # 3.5%, weighted by the bases
    assert team["status"] == ("missed" if direction == "higher" else "met")


def test_the_segment_that_drove_a_result_is_named_where_the_whole_metric_is_split():
    from pipeline.run import check
    from .conftest import SAMPLE_INPUTS
    data = check("2025-10", SAMPLE_INPUTS)
    # 陈静's October 销售额 by product (inputs/*_segments.csv): A +2万, B −1万, C on target → 1万 ahead
    context = summary_context(data, unit(data, "rep", "S1005"))
    assert "超额全部来自A产品（+2万元）" in context["table2"][0]["highlight"]
    # 杭州组 is split only in part (杨磊 is not): no segment is said to carry its gap
    team = summary_context(data, unit(data, "team", "杭州组"))
    assert "产品" not in team["table2"][0]["problem"]


# 8. method notes last ---------------------------------------------------------------------------

def test_how_an_incomplete_figure_is_read_stands_last_not_among_the_data_notes(sample_report):
    from .docx_reading import body_text
    from .test_documents import document
    text = body_text(document(sample_report, "company", "公司", "summary"))
    note = "标为“数据不全”的指标：有成员缺实际完成或缺目标。"
    assert text.index("四、下月计划优化") < text.index("附：口径说明") < text.index(note)
    assert "附：口径说明" not in body_text(document(sample_report, "team", "上海一组", "summary"))  # nothing incomplete
