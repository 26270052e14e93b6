"""Pure pandas transforms (contract §2): roll-ups, achievement, variance, status, month-over-month.

Every function takes frames and returns a new frame; nothing here reads or writes files.
Figures stay raw throughout: money in 元, rates as fractions.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .catalog import Catalog
from .errors import DataWarning
from .validate import COMPANY_UNIT
from .values import shift_month

LEVELS = ("company", "region", "team", "rep")
STATUS_MET, STATUS_NEAR, STATUS_MISSED = "met", "near", "missed"
STATUS_NO_TARGET, STATUS_NO_ACTUAL = "no_target", "no_actual"
NEAR_THRESHOLD = 0.9
METRIC_COLUMNS = ["level", "unit", "metric", "target", "actual"]


def units(org: pd.DataFrame, level: str) -> list[str]:
    """The units of `level` in the order org.csv first names them (rep_ids for reps)."""
    if level == "company":
        return [COMPANY_UNIT]
    column = "rep_id" if level == "rep" else level
    return list(dict.fromkeys(org[column]))


def rep_names(org: pd.DataFrame) -> dict[str, str]:
    """rep_id → the rep's name, what a reader calls a rep."""
    return dict(zip(org["rep_id"], org["rep_name"]))


def membership(org: pd.DataFrame, level: str) -> pd.DataFrame:
    """rep_id → the unit of `level` it belongs to, as columns `rep_id`, `unit`."""
    if level == "company":
        unit = pd.Series(COMPANY_UNIT, index=org.index)
    else:
        unit = org["rep_id" if level == "rep" else level]
    return pd.DataFrame({"rep_id": org["rep_id"], "unit": unit})


def rep_figures(targets: pd.DataFrame, actuals: pd.DataFrame, month: str) -> pd.DataFrame:
    """Each rep's target, actual and base per metric in `month` (NaN where not given)."""
    t = targets.loc[targets["month"] == month, ["rep_id", "metric", "target"]]
    a = actuals.loc[actuals["month"] == month, ["rep_id", "metric", "actual", "base"]]
    return t.merge(a, on=["rep_id", "metric"], how="outer").astype(
        {"target": "float64", "actual": "float64", "base": "float64"})


def _weighted(values: pd.Series, bases: pd.Series) -> float:
    given = values.notna()
    if not given.any():
        return np.nan
    return float((values[given] * bases[given]).sum() / bases[given].sum())


def _plain_mean(values: pd.Series) -> float:
    return float(values.mean()) if values.notna().any() else np.nan


def roll_up(figures: pd.DataFrame, org: pd.DataFrame, level: str,
            catalog: Catalog) -> tuple[pd.DataFrame, list[DataWarning]]:
    """Target and actual per unit of `level` and metric, from the reps' `figures`.

    `sum` metrics add up whatever the members reported (NaN only when nobody did). `ratio`
    metrics are the base-weighted mean Σ(value·base)/Σbase of the members' values, targets
    weighted by the same bases; where a member lacks a positive base, the plain mean, with a
    warning.
    """
    joined = figures.merge(membership(org, level), on="rep_id", how="inner")
    rows, warnings = [], []
    for (unit, key), group in joined.groupby(["unit", "metric"], sort=False):
        metric = catalog[key]
        if level == "rep":
            target, actual = group["target"].iloc[0], group["actual"].iloc[0]
        elif metric.kind == "sum":
            target, actual = group["target"].sum(min_count=1), group["actual"].sum(min_count=1)
        elif (group["base"] > 0).all():
            target, actual = _weighted(group["target"], group["base"]), _weighted(group["actual"], group["base"])
        else:
            target, actual = _plain_mean(group["target"]), _plain_mean(group["actual"])
            lacking = group.loc[~(group["base"] > 0), "rep_id"].tolist()
            warnings.append(DataWarning(level, unit, key, (
                f"「{metric.name}」按简单平均汇总：{'、'.join(lacking)} 没有正的基数（base），无法加权")))
        rows.append({"level": level, "unit": unit, "metric": key, "target": target, "actual": actual})
    return pd.DataFrame(rows, columns=METRIC_COLUMNS).astype({"target": "float64", "actual": "float64"}), warnings


def achievement(actual: pd.Series, target: pd.Series, direction: pd.Series) -> pd.Series:
    """达成率 as a fraction: actual/target, or target/actual where less is better.

    NaN where the target is missing or 0 or the actual is missing (or 0 for `lower`).
    """
    lower = direction == "lower"
    usable = target.notna() & (target != 0) & actual.notna() & ~(lower & (actual == 0))
    ratio = np.where(lower, target / actual.where(actual != 0), actual / target.where(target != 0))
    return pd.Series(ratio, index=actual.index).where(usable)


def status(actual: pd.Series, target: pd.Series, rate: pd.Series, direction: pd.Series) -> pd.Series:
    """met (≥ 100%), near (≥ 90%), missed, no_target (missing or 0), no_actual."""
    settled = rate.round(10)
    lower_at_zero = (direction == "lower") & (actual == 0) & (target > 0)
    return pd.Series(np.select(
        [target.isna() | (target == 0), actual.isna(), lower_at_zero,
         settled >= 1, settled >= NEAR_THRESHOLD],
        [STATUS_NO_TARGET, STATUS_NO_ACTUAL, STATUS_MET, STATUS_MET, STATUS_NEAR],
        default=STATUS_MISSED), index=actual.index)


def unit_figures(targets: pd.DataFrame, actuals: pd.DataFrame, org: pd.DataFrame, month: str,
                 catalog: Catalog) -> tuple[pd.DataFrame, list[DataWarning]]:
    """Target and actual for every level, unit and metric of `month`, with roll-up warnings."""
    figures = rep_figures(targets, actuals, month)
    frames, warnings = [], []
    for level in LEVELS:
        frame, level_warnings = roll_up(figures, org, level, catalog)
        frames.append(frame)
        warnings += level_warnings
    return _ordered(pd.concat(frames, ignore_index=True), org, catalog), warnings


def unit_metrics(targets: pd.DataFrame, actuals: pd.DataFrame, org: pd.DataFrame, month: str,
                 catalog: Catalog) -> tuple[pd.DataFrame, list[DataWarning]]:
    """Contract §2 for every level, unit and metric of `month`.

    Columns: level, unit, metric, target, actual, variance, achievement, status, prev_actual,
    mom_change, plus prev_target and prev_achievement; sorted by level (company first), unit in org order and metric in catalog order.
    """
    current, warnings = unit_figures(targets, actuals, org, month, catalog)
    previous, _ = unit_figures(targets, actuals, org, shift_month(month, -1), catalog)
    previous = previous.rename(columns={"actual": "prev_actual", "target": "prev_target"})
    frame = current.merge(previous, on=["level", "unit", "metric"], how="left")
    direction = frame["metric"].map(lambda key: catalog[key].direction)
    rate = achievement(frame["actual"], frame["target"], direction)
    frame = frame.assign(
        variance=frame["actual"] - frame["target"],
        achievement=rate,
        status=status(frame["actual"], frame["target"], rate, direction),
        mom_change=frame["actual"] - frame["prev_actual"],
        prev_achievement=achievement(frame["prev_actual"], frame["prev_target"], direction),
    )
    return frame, warnings


def _ordered(frame: pd.DataFrame, org: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """`frame` sorted by level (company first), unit in org order, metric in catalog order."""
    order = {(level, unit): i for i, (level, unit) in
             enumerate((level, unit) for level in LEVELS for unit in units(org, level))}
    metric_order = {key: i for i, key in enumerate(catalog.keys())}
    keys = [(order.get((level, unit), len(order)), metric_order[metric])
            for level, unit, metric in zip(frame["level"], frame["unit"], frame["metric"])]
    return frame.assign(_key=keys).sort_values("_key", kind="stable").drop(columns="_key").reset_index(drop=True)


def data_warnings(targets: pd.DataFrame, actuals: pd.DataFrame, org: pd.DataFrame, month: str,
                  catalog: Catalog) -> list[DataWarning]:
    """Each rep's missing actual, missing target and zero target in `month`."""
    figures = rep_figures(targets, actuals, month).merge(org[["rep_id", "rep_name"]], on="rep_id")
    warnings = []
    for row in figures.itertuples(index=False):
        who, name = f"{row.rep_id} {row.rep_name}", catalog[row.metric].name
        if pd.isna(row.actual):
            message = f"{who} 缺少「{name}」的实际完成数据（未计为0，汇总只含已报数据）"
        elif pd.isna(row.target):
            message = f"{who} 缺少「{name}」的月度目标，无法计算达成率"
        elif row.target == 0:
            message = f"{who} 的「{name}」目标为0，无法计算达成率"
        else:
            continue
        warnings.append(DataWarning("rep", row.rep_id, row.metric, message))
    return warnings


def unit_reps(org: pd.DataFrame, level: str, unit: str) -> list[str]:
    """The rep_ids that belong to `unit` of `level`."""
    members = membership(org, level)
    return members.loc[members["unit"] == unit, "rep_id"].tolist()
