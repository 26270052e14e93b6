"""Data-driven analysis where a person wrote nothing: short factual sentences from the figures.

Pure. Every generated text starts with 【数据】 so a reader can tell it from a person's words.
"""
from __future__ import annotations

import pandas as pd

from . import formats
from .catalog import Catalog, Metric

MARK = "【数据】"
FAR_ABOVE, FAR_BELOW = 1.1, 0.8  # achievement that counts as far above / far below target
TOP = 2  # members named per sentence
RANKED_METRICS = 3  # columns of the ranking table
CHILD_LEVEL = {"company": "region", "region": "team", "team": "rep"}


def member_rows(metrics: pd.DataFrame, org: pd.DataFrame, level: str, unit: str) -> pd.DataFrame:
    """The metric rows of the unit's direct members (company → regions → teams → reps)."""
    child = CHILD_LEVEL.get(level)
    if child is None:
        return metrics.iloc[0:0]
    column = "rep_id" if child == "rep" else child
    scope = org if level == "company" else org[org[level] == unit]
    return metrics[(metrics["level"] == child) & metrics["unit"].isin(set(scope[column]))]


def _behind(variance: pd.Series | float, metric: Metric):
    """How far behind target, in the metric's units (negative: ahead); `lower` metrics flip."""
    return variance if metric.direction == "lower" else -variance


def _named(rows: pd.DataFrame, labels: dict[str, str], metric: Metric, with_rate: bool) -> list[str]:
    def one(row) -> str:
        name, change = labels.get(row.unit, row.unit), formats.change(row.variance, metric)
        return f"{name}达成{formats.achievement(row.achievement)}（{change}）" if with_rate else f"{name} {change}"
    return [one(row) for row in rows.itertuples()]


def far_above(members: pd.DataFrame, key: str, labels: dict[str, str], metric: Metric) -> list[str]:
    """Members at or above 110% of target for `key`, best first."""
    mine = members[(members["metric"] == key) & (members["achievement"].round(10) >= FAR_ABOVE)]
    return _named(mine.sort_values("achievement", ascending=False).head(TOP), labels, metric, True)


def far_below(members: pd.DataFrame, key: str, labels: dict[str, str], metric: Metric) -> list[str]:
    """Members below 80% of target for `key`, worst first, and members who reported nothing."""
    mine = members[members["metric"] == key]
    low = mine[mine["achievement"].round(10) < FAR_BELOW].sort_values("achievement").head(TOP)
    silent = [f"{labels.get(unit, unit)}未报数据" for unit in mine.loc[mine["status"] == "no_actual", "unit"]]
    return _named(low, labels, metric, True) + silent


def variance_reason(row, members: pd.DataFrame, labels: dict[str, str], metric: Metric) -> str:
    """The gap against target, the members that made it, and the change against last month."""
    if row.status == "no_target":
        return MARK + "本月无目标（或目标为0），无法计算达成率。"
    if row.status == "no_actual":
        return MARK + "本月未报实际完成数据。"
    gap = _behind(row.variance, metric)
    size = formats.change(abs(row.variance), metric).lstrip("+")
    text = MARK + ("与目标持平" if gap == 0 else f"较目标{'差' if gap > 0 else '超出'}{size}")
    text += f"（达成{formats.achievement(row.achievement)}）。" if pd.notna(row.achievement) else "。"
    mine = members[members["metric"] == row.metric].dropna(subset=["variance"])
    behind = _behind(mine["variance"], metric)
    worst = mine.loc[behind[behind > 0].sort_values(ascending=False).index[:TOP]]
    best = mine.loc[behind[behind < 0].sort_values().index[:TOP]]
    if len(worst):
        text += "缺口主要来自：" + "、".join(_named(worst, labels, metric, False)) + "。"
    if len(best):
        text += "超额贡献：" + "、".join(_named(best, labels, metric, False)) + "。"
    if pd.notna(row.mom_change):
        text += f"环比{formats.change(row.mom_change, metric)}。"
    return text


def highlight(row, members: pd.DataFrame, labels: dict[str, str], metric: Metric) -> str:
    """Members far above target, else the unit itself when it met the target, else `—`."""
    items = far_above(members, row.metric, labels, metric)
    if items:
        return MARK + "、".join(items) + "。"
    if row.status == "met":
        return MARK + f"本项达成{formats.achievement(row.achievement)}。".replace("达成—", "达成目标")
    return formats.MISSING


def problem(row, members: pd.DataFrame, labels: dict[str, str], metric: Metric) -> str:
    """Members far below target or silent, else the unit's own shortfall, else `—`."""
    items = far_below(members, row.metric, labels, metric)
    if items:
        return MARK + "、".join(items) + "。"
    if row.status == "missed":
        return f"{MARK}本项仅达成{formats.achievement(row.achievement)}（{formats.change(row.variance, metric)}）。"
    return formats.MISSING


def section_items(rows: pd.DataFrame, members: pd.DataFrame, labels: dict[str, str], catalog: Catalog,
                  good: bool) -> list[str]:
    """Items for 成功经验 (`good`) or 存在问题 across the unit's metrics: its own and its members'."""
    items = []
    for row in rows.itertuples():
        metric = catalog[row.metric]
        own = f"{metric.name}达成{formats.achievement(row.achievement)}（{formats.change(row.variance, metric)}）"
        if good and row.status == "met":
            items.append(f"{MARK}{own}。")
        elif not good and row.status == "missed":
            items.append(f"{MARK}{own.replace('达成', '仅达成', 1)}。")
        elif not good and row.status == "no_actual":
            items.append(f"{MARK}{metric.name}缺少实际完成数据。")
        named = (far_above if good else far_below)(members, row.metric, labels, metric)
        if named:
            items.append(f"{MARK}{metric.name}：" + "、".join(named) + "。")
    return items


def ranked_members(members: pd.DataFrame, main: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Members' achievement and variance (unit × main metric), best first by the first main
    metric, members without it last, ties in org order."""
    units = members["unit"].drop_duplicates()
    rates = members.pivot(index="unit", columns="metric", values="achievement").reindex(index=units, columns=main)
    variances = members.pivot(index="unit", columns="metric", values="variance").reindex(index=units, columns=main)
    order = rates[main[0]].sort_values(ascending=False, na_position="last", kind="stable").index
    return rates.loc[order], variances.loc[order]


def ranking(members: pd.DataFrame, labels: dict[str, str], main: list[str], catalog: Catalog) -> list[dict]:
    """Members ranked by achievement of the first main metric (best first, no data last).

    Each entry: rank, name, and for i = 1…3 `rate{i}` and `variance{i}` (`—` past the main metrics).
    """
    if members.empty or not main:
        return []
    rates, variances = ranked_members(members, main)
    ranked = []
    for position, unit in enumerate(rates.index, start=1):
        entry = {"rank": str(position), "name": labels.get(unit, unit)}
        for index in range(1, RANKED_METRICS + 1):
            key = main[index - 1] if index <= len(main) else None
            entry[f"rate{index}"] = formats.achievement(rates.at[unit, key]) if key else formats.MISSING
            entry[f"variance{index}"] = formats.change(variances.at[unit, key], catalog[key]) if key else formats.MISSING
        ranked.append(entry)
    return ranked
