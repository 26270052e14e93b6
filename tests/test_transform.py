import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import numbers
from pipeline.compute import transform
from pipeline.compute.org import Org
from pipeline.compute.transform import achievement, data_warnings, status, unit_metrics
from pipeline.inputs.catalog import Catalog, Metric

from .conftest import org_frame

CATALOG = Catalog().extended([Metric("cycle", "销售周期", "天", "sum", "lower")])
ORG = Org(org_frame([("A", "甲", "一组", "东区"), ("B", "乙", "一组", "东区"), ("C", "丙", "二组", "西区")]))


def frames(targets, actuals):
    t = pd.DataFrame(targets, columns=["month", "rep_id", "metric", "target"])
    a = pd.DataFrame(actuals, columns=["month", "rep_id", "metric", "actual", "base"])
    return t, a


def row(metrics, level, unit, metric):
    found = metrics[(metrics["level"] == level) & (metrics["unit"] == unit) & (metrics["metric"] == metric)]
    assert len(found) == 1
    return found.iloc[0]


def test_ratio_rolls_up_weighted_by_base_not_plain_mean():
    targets, actuals = frames(
        [("2025-10", "A", "repurchase_rate", 0.40), ("2025-10", "B", "repurchase_rate", 0.30)],
        [("2025-10", "A", "repurchase_rate", 0.50, 30), ("2025-10", "B", "repurchase_rate", 0.20, 10)])
    metrics, warnings = unit_metrics(targets, actuals, ORG, "2025-10", CATALOG)
    team = row(metrics, "team", "一组", "repurchase_rate")
    assert team["actual"] == pytest.approx((0.5 * 30 + 0.2 * 10) / 40)  # 0.425, plain mean would be 0.35
    assert team["target"] == pytest.approx((0.4 * 30 + 0.3 * 10) / 40)  # targets weighted by the same bases
    assert warnings == []


def test_a_member_without_a_base_is_left_out_of_the_weighted_roll_up_and_named_once():
    targets, actuals = frames(
        [("2025-10", "A", "repurchase_rate", 0.40), ("2025-10", "B", "repurchase_rate", 0.30)],
        [("2025-10", "A", "repurchase_rate", 0.50, 30), ("2025-10", "B", "repurchase_rate", 0.20, None)])
    metrics, warnings = unit_metrics(targets, actuals, ORG, "2025-10", CATALOG)
    team = row(metrics, "team", "一组", "repurchase_rate")
    assert (team["target"], team["actual"]) == (pytest.approx(0.40), pytest.approx(0.50))  # A alone, not the plain mean
    assert team["status"] == "met" and (team["targeted"], team["reported"]) == (2, 2)
    assert [w.message for w in warnings] == [
        "B 乙 的「老客户复购率」没有正的基数（base），未计入一组、东区、公司的加权汇总（目标和实际都不计入）"]


def test_plain_mean_only_where_no_member_has_a_base_in_one_warning_for_all_units():
    targets, actuals = frames(
        [("2025-10", "A", "repurchase_rate", 0.40), ("2025-10", "B", "repurchase_rate", 0.30)],
        [("2025-10", "A", "repurchase_rate", 0.50, None), ("2025-10", "B", "repurchase_rate", 0.20, None)])
    metrics, warnings = unit_metrics(targets, actuals, ORG, "2025-10", CATALOG)
    assert row(metrics, "team", "一组", "repurchase_rate")["actual"] == pytest.approx(0.35)
    [warning] = warnings
    assert warning.message == "「老客户复购率」在一组、东区、公司没有任何成员填写基数（base），按各成员比率的简单平均汇总（未加权）"
    assert all(warning.concerns(level, unit) for level, unit in [("company", "公司"), ("region", "东区"), ("team", "一组")])


def test_a_rate_target_without_an_actual_is_missing_not_a_reason_for_the_plain_mean():
    targets, actuals = frames(
        [("2025-10", "A", "repurchase_rate", 0.40), ("2025-10", "B", "repurchase_rate", 0.30)],
        [("2025-10", "A", "repurchase_rate", 0.50, 30)])
    metrics, warnings = unit_metrics(targets, actuals, ORG, "2025-10", CATALOG)
    team = row(metrics, "team", "一组", "repurchase_rate")
    assert (team["target"], team["actual"], team["status"]) == (pytest.approx(0.40), pytest.approx(0.50), "incomplete")
    assert (team["targeted"], team["reported"], team["missing"]) == (2, 1, ("B",))
    assert warnings == []  # B's missing actual is reported by data_warnings, once


def test_sums_add_up_and_a_missing_actual_is_not_zero():
    targets, actuals = frames(
        [("2025-10", "A", "sales", 100), ("2025-10", "B", "sales", 100), ("2025-10", "C", "sales", 50)],
        [("2025-10", "A", "sales", 120, None)])
    metrics, _ = unit_metrics(targets, actuals, ORG, "2025-10", CATALOG)
    team = row(metrics, "team", "一组", "sales")
    assert (team["target"], team["actual"]) == (200, 120)
    rep_b = row(metrics, "rep", "B", "sales")
    assert math.isnan(rep_b["actual"]) and math.isnan(rep_b["achievement"]) and rep_b["status"] == "no_actual"
    west = row(metrics, "region", "西区", "sales")
    assert math.isnan(west["actual"]) and west["status"] == "no_actual"
    missing = data_warnings(targets, actuals, ORG, "2025-10", CATALOG)
    assert {w.unit for w in missing} == {"B", "C"}


@pytest.mark.parametrize("actual, target, direction, rate, state", [
    (185, 200, "higher", 0.925, "near"),
    (12, 15, "higher", 0.8, "missed"),
    (200, 200, "higher", 1.0, "met"),
    (27, 30, "higher", 0.9, "near"),          # 0.9 exactly is near, even through float noise
    (50, 0, "higher", None, "no_target"),
    (50, None, "higher", None, "no_target"),
    (None, 100, "higher", None, "no_actual"),
    (20, 25, "lower", 1.25, "met"),           # a 20-day cycle against a 25-day target
    (30, 25, "lower", 25 / 30, "missed"),
    (0, 25, "lower", None, "met"),            # nothing against a positive target: met, no figure
    (-10, 100, "higher", -0.1, "missed"),
    (89996, 100000, "higher", 0.89996, "near"),    # shown 90%: near, as the figure says
    (99996, 100000, "higher", 0.99996, "met"),     # shown 100%: met
    (89949, 100000, "higher", 0.89949, "missed"),  # shown 89.9%
    (8998.7, 10000, "higher", 0.89987, "near"),    # 89.987% is printed 90%
])
def test_achievement_and_status(actual, target, direction, rate, state):
    a, t, d = pd.Series([actual], dtype="float64"), pd.Series([target], dtype="float64"), pd.Series([direction])
    got = achievement(a, t, d)
    if rate is None:
        assert math.isnan(got[0])
    else:
        assert got[0] == pytest.approx(rate)
    assert status(a, t, got, d)[0] == state


def test_variance_and_month_over_month():
    targets, actuals = frames(
        [("2025-10", "A", "sales", 100), ("2025-09", "A", "sales", 90)],
        [("2025-10", "A", "sales", 80, None), ("2025-09", "A", "sales", 95, None)])
    metrics, _ = unit_metrics(targets, actuals, ORG, "2025-10", CATALOG)
    rep = row(metrics, "rep", "A", "sales")
    assert (rep["variance"], rep["prev_actual"], rep["mom_change"]) == (-20, 95, -15)
    assert rep["prev_achievement"] == pytest.approx(95 / 90)


def test_lower_metric_rolls_up_and_is_inverted():
    targets, actuals = frames(
        [("2025-10", "A", "cycle", 20), ("2025-10", "B", "cycle", 30)],
        [("2025-10", "A", "cycle", 25, None), ("2025-10", "B", "cycle", 25, None)])
    metrics, _ = unit_metrics(targets, actuals, ORG, "2025-10", CATALOG)
    team = row(metrics, "team", "一组", "cycle")
    assert team["achievement"] == pytest.approx(50 / 50)
    assert row(metrics, "rep", "A", "cycle")["status"] == "missed"  # 20/25 = 80%


def test_inputs_are_not_mutated():
    targets, actuals = frames([("2025-10", "A", "sales", 100)], [("2025-10", "A", "sales", 80, None)])
    before = (targets.copy(), actuals.copy(), ORG.frame.copy())
    unit_metrics(targets, actuals, ORG, "2025-10", CATALOG)
    for frame, copy in zip((targets, actuals, ORG.frame), before):
        pd.testing.assert_frame_equal(frame, copy)


@given(st.lists(st.one_of(st.floats(-1e6, 1e6), st.just(math.nan),
                          st.integers(-3000, 3000).map(lambda k: k / 1000 + 0.0005),  # ties at 0.05 point
                          st.integers(-3000, 3000).map(lambda k: k / 2000)), max_size=60))
@settings(max_examples=300, deadline=None)
def test_rates_shown_in_bulk_round_as_each_figure_is_printed(rates):
    bulk = transform.as_shown(pd.Series(rates, dtype=float)).tolist()
    one_by_one = [numbers.as_shown(rate) for rate in rates]
    assert [None if math.isnan(x) else x for x in bulk] == [None if math.isnan(x) else x for x in one_by_one]
