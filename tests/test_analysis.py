"""Generated analysis: the right members named, marked 【数据】, a person's note first."""
import pandas as pd
import pytest

from pipeline.documents.analysis_text import ranking, stated_amount
from pipeline.compute.org import Unit
from pipeline.compute.month import compute_month
from pipeline.documents.context import summary_context
from pipeline.inputs.catalog import Catalog, Metric
from pipeline.inputs.model import Inputs

from .conftest import org_frame
from .docx_reading import written

CATALOG = Catalog()
ORG = org_frame([("A", "甲", "一组", "东区"), ("B", "乙", "一组", "东区"), ("C", "丙", "一组", "东区"),
                 ("D", "丁", "二组", "东区")])


def inputs(notes=()):
    targets = pd.DataFrame([("2025-10", rep, "sales", 1_000_000.0) for rep in "ABCD"],
                           columns=["month", "rep_id", "metric", "target"])
    actuals = pd.DataFrame([("2025-10", "A", "sales", 1_500_000.0, None), ("2025-10", "B", "sales", 400_000.0, None),
                            ("2025-10", "C", "sales", 950_000.0, None)],
                           columns=["month", "rep_id", "metric", "actual", "base"])
    note_frame = pd.DataFrame(list(notes), columns=["month", "level", "unit", "metric", "section", "text"])
    empty_tasks = pd.DataFrame(columns=["month", "metric", "task", "owner", "due", "done_criteria", "notes", "_line"])
    return Inputs(CATALOG, ORG, targets, actuals, empty_tasks, note_frame)


def test_a_ratio_not_in_percent_names_members_above_or_below_not_a_gaps_sources():
    # 销售周期 (days, a ratio where lower is better): 甲 40 of 30, 乙 35 of 30, 丙 28 of 30 days,
    # each weighted by 10 deals. The team's 34.3 days are no sum of its members' days
    cycle = Metric("cycle", "销售周期", "天", "ratio", "lower")
    data = inputs()
    rows = [("2025-10", rep, "cycle", actual, 10.0) for rep, actual in (("A", 40.0), ("B", 35.0), ("C", 28.0))]
    data = Inputs(CATALOG.extended([cycle]), ORG,
                  pd.concat([data.targets, pd.DataFrame([(m, r, k, 30.0) for m, r, k, _, _ in rows],
                                                        columns=["month", "rep_id", "metric", "target"])]),
                  pd.concat([data.actuals, pd.DataFrame(rows, columns=["month", "rep_id", "metric", "actual", "base"])]),
                  data.tasks, data.notes)
    row = next(r for r in team_summary(data)["table2"] if r["metric"] == "销售周期")
    assert "未达目标：甲\u00a0+10天、乙\u00a0+5天。优于目标：丙\u00a0\u22122天。" in written(row["reason"])
    assert "缺口主要来自" not in written(row["reason"]) and "超额贡献" not in written(row["reason"])


def team_summary(data):
    return summary_context(compute_month(data, "2025-10"), Unit("team", "一组", "一组"))


def test_the_largest_shortfall_and_overachiever_are_named_with_amounts():
    row = team_summary(inputs())["table2"][0]
    # 一组: target 300万元, actual 285万元 (丁 is in 二组); 乙 is 60万元 short, 丙 5万元, 甲 50万元 ahead
    assert written(row["reason"]) == "【数据】较目标差15万元（达成95%）。缺口主要来自：乙\u00a0\u221260万元、丙\u00a0\u22125万元。超额贡献：甲\u00a0+50万元。"
    # 甲's 150% is in the ranking already: a bare result is no highlight; 乙 carries most of the gap
    assert written(row["highlight"]) == ""
    assert written(row["problem"]) == "【数据】缺口的92.3%来自乙（\u221260万元）。"


def test_a_person_note_overrides_the_generated_text_except_the_variance_reason_which_shows_both():
    data = inputs([("2025-10", "team", "一组", "sales", "variance_reason", "乙休假两周。"),
                   ("2025-10", "team", "一组", "sales", "problem", "客户预算收紧。"),
                   ("2025-10", "team", "一组", "", "problem", "人手不足。")])
    context = team_summary(data)
    assert written(context["table2"][0]["reason"]) == \
        "乙休假两周。\n【数据】较目标差15万元（达成95%）。缺口主要来自：乙\u00a0\u221260万元、丙\u00a0\u22125万元。超额贡献：甲\u00a0+50万元。"
    # a person's words first, the data's beside them
    assert written(context["table2"][0]["problem"]) == "客户预算收紧。\n【数据】缺口的92.3%来自乙（\u221260万元）。"
    assert written(context["problems"]) == ["人手不足。", "【数据】销售额达成95%（\u221215万元），接近但未达目标，缺口的92.3%来自乙（\u221260万元）。"]


def test_section_items_come_from_data_when_nobody_wrote_any():
    context = team_summary(inputs())
    # nothing beyond the table to say of a good result: left for a person
    assert written(context["highlights"]) == []
    # 一组 285 of 300万元 = 95%: near the target yet short of it, named once with who made the gap
    assert written(context["problems"]) == ["【数据】销售额达成95%（\u221215万元），接近但未达目标，缺口的92.3%来自乙（\u221260万元）。"]


def test_ranking_orders_members_by_achievement_and_leaves_silent_members_unranked():
    metrics = compute_month(inputs(), "2025-10").metrics
    members = list(metrics[metrics["level"] == "rep"].itertuples(index=False))
    ranked = ranking(members, {"A": "甲", "B": "乙", "C": "丙", "D": "丁"}, ["sales"], CATALOG)
    assert [(r["rank"], r["name"], r["rate1"]) for r in ranked] == \
           [("1", "甲", "150%"), ("2", "丙", "95%"), ("3", "乙", "40%"), ("—", "丁", "未报")]
    assert ranked[0]["rate2"] == "—"


@pytest.mark.parametrize("note, key, amount", [
    ("宝钢项目约15万元顺延至11月。", "sales", 150000),
    ("一家客户资金紧张，5万元回款推迟到11月上旬。", "collection", 50000),
    ("大单 8,000元 退货", "sales", 8000),
    ("展会延期，少了2家签约", "new_customers", 2),
    ("活动取消3个百分点", "repurchase_rate", 0.03),
    ("A客户10万元、B客户5万元延期", "sales", None),  # several amounts: no guess
    ("杭州组两个项目签约延期至11月。", "sales", None),  # no amount in 万元/元
])
def test_the_amount_a_note_states_is_read_only_when_unambiguous(note, key, amount):
    found = stated_amount(note, CATALOG[key])
    assert found == (pytest.approx(amount) if amount is not None else None)


def test_a_note_stating_less_than_the_gap_gets_the_rest_named():
    data = inputs([("2025-10", "team", "一组", "sales", "variance_reason", "乙的大客户约10万元延期。")])
    assert written(team_summary(data)["table2"][0]["reason"]).split("\n")[1].startswith(
        "【数据】较目标差15万元（达成95%）。说明涉及10万元，其余5万元的缺口尚未说明原因。")


def test_members_tied_on_achievement_are_named_in_org_order():
    # Seven reps of one team against the same target; 代表1, 代表4 and 代表5 tie at 300%.
    rates = [1.2, 3.0, 1.2, 1.2, 3.0, 3.0, 0.5]
    reps = [(f"R{i}", f"代表{i}", "大组", "东区") for i in range(len(rates))]
    targets = pd.DataFrame([("2025-10", rep, "sales", 100_000.0) for rep, *_ in reps],
                           columns=["month", "rep_id", "metric", "target"])
    actuals = pd.DataFrame([("2025-10", rep, "sales", 100_000.0 * rate, None) for (rep, *_), rate in zip(reps, rates)],
                           columns=["month", "rep_id", "metric", "actual", "base"])
    empty_tasks = pd.DataFrame(columns=["month", "metric", "task", "owner", "due", "done_criteria", "notes", "_line"])
    no_notes = pd.DataFrame(columns=["month", "level", "unit", "metric", "section", "text"])
    data = compute_month(Inputs(CATALOG, org_frame(reps), targets, actuals, empty_tasks, no_notes), "2025-10")
    context = summary_context(data, Unit("team", "大组", "大组"))
    assert written(context["table2"][0]["highlight"]) == ""  # no member carries half the surplus: nothing to add
    # the team is above target: 代表6 is behind its own target, not the source of a team gap
    assert written(context["table2"][0]["reason"]).endswith("未达目标：代表6\u00a0\u22125万元。超额贡献：代表1\u00a0+20万元、代表4\u00a0+20万元。")
    assert [entry["name"] for entry in context["ranking"]] == ["代表1", "代表4", "代表5", "代表0", "代表2", "代表3", "代表6"]
