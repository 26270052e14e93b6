"""Pure pandas transforms (contract §2): roll-ups, achievement, variance, status, month-over-month.

Every function takes frames and returns a new frame; nothing here reads or writes files.
Figures stay raw throughout: money in 元, rates as fractions.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.compute.org import COMPANY_UNIT, LEVELS, Org
from pipeline import numbers
from pipeline.errors import DataWarning
from pipeline.inputs.catalog import Catalog
from pipeline.months import Month
from pipeline.status import (STATUS_INCOMPLETE, STATUS_MET, STATUS_MISSED, STATUS_NEAR, STATUS_NO_ACTUAL,
                             STATUS_NO_TARGET)

NEAR_THRESHOLD = 0.9
METRIC_COLUMNS = ["level", "unit", "metric", "target", "actual"]


def rep_figures(targets: pd.DataFrame, actuals: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """Each rep's target, actual and base per metric in each of `months` (NaN where not given)."""
    t = targets.loc[targets["month"].isin(months), ["month", "rep_id", "metric", "target"]]
    a = actuals.loc[actuals["month"].isin(months), ["month", "rep_id", "metric", "actual", "base"]]
    return t.merge(a, on=["month", "rep_id", "metric"], how="outer").astype(
        {"target": "float64", "actual": "float64", "base": "float64"})


FIGURE_COLUMNS = [*METRIC_COLUMNS, "targeted", "reported", "members", "missing", "untargeted",
                  "paired_target", "paired_actual", "compared", "unweighted", "plain_mean"]
_GROUP = ["month", "level", "unit", "metric"]


def _listed(joined: pd.DataFrame, mask: pd.Series, index: pd.Index) -> pd.Series:
    """Per group of `index` (_GROUP), the rep_ids where `mask` holds, as a tuple (empty: none).
    One pass in plain Python: a groupby aggregating to tuples calls Python per group anyway."""
    chosen = joined[mask]
    found: dict[tuple, list[str]] = {}
    for *key, rep in zip(*(chosen[column].tolist() for column in _GROUP), chosen["rep_id"].tolist()):
        found.setdefault(tuple(key), []).append(rep)
    listed = pd.Series([()] * len(index), index=index, dtype=object)
    if found:  # only the groups that have someone to name: iterating every group's key is slow
        listed.iloc[index.get_indexer(list(found))] = pd.Series([tuple(reps) for reps in found.values()], dtype=object)
    return listed


def roll_up(figures: pd.DataFrame, org: Org, catalog: Catalog) -> pd.DataFrame:
    """Target and actual per month, unit of every level and metric, from the reps' `figures`
    (one groupby for all), with coverage.

    `sum` metrics add up whatever the members reported (NaN only when nobody did). `ratio`
    metrics are the base-weighted mean Σ(value·base)/Σbase over the members with a positive base,
    targets weighted by the same bases; a member without one is left out of target and actual
    (`unweighted`); only where no member has a base is it the plain mean (`plain_mean`).
    `paired_*` are the same over the members that have both a target and an actual (and a base,
    for a weighted ratio): the like-for-like comparison. `targeted`, `reported`, `members` count
    the reps with a target, an actual, either; `missing` and `untargeted` name them.
    """
    joined = figures.merge(org.membership(), on="rep_id", how="inner")
    if joined.empty:
        return pd.DataFrame(columns=["month", *FIGURE_COLUMNS]).astype({"target": "float64", "actual": "float64"})
    target, actual = joined["target"], joined["actual"]
    has_target, has_actual = target.notna(), actual.notna()
    both = has_target & has_actual
    base = joined["base"].where(joined["base"] > 0)
    ratio_rows = joined["metric"].isin([metric.key for metric in catalog if metric.kind == "ratio"])
    # One pass of sums and means per (unit, metric); each metric then takes the form its kind needs.
    parts = pd.DataFrame({
        **{column: joined[column] for column in _GROUP},
        "targeted": has_target, "reported": has_actual, "members": 1, "weighable": base.notna(),
        "compared": both, "compared_weighted": both & base.notna(),
        "t": target, "a": actual, "pt": target.where(both), "pa": actual.where(both),
        "tb": target * base, "t_base": base.where(has_target), "ab": actual * base, "a_base": base.where(has_actual),
        "ptb": (target * base).where(both), "pab": (actual * base).where(both), "p_base": base.where(both)})
    groups = parts.groupby(_GROUP, sort=False)
    sums, means = groups.sum(min_count=1), groups[["t", "a", "pt", "pa"]].mean()
    kind = pd.Series([catalog[key].kind for key in sums.index.get_level_values("metric")], index=sums.index)
    ratio = (kind == "ratio") & (sums.index.get_level_values("level") != "rep")
    weighted = ratio & (sums["weighable"] > 0)
    plain = ratio & ~weighted

    def pick(summed: str, numerator: str, denominator: str) -> pd.Series:
        return pd.Series(np.select([weighted, kind == "ratio"],
                                   [sums[numerator] / sums[denominator], means[summed]], default=sums[summed]),
                         index=sums.index)

    frame = pd.DataFrame({
        "target": pick("t", "tb", "t_base"), "actual": pick("a", "ab", "a_base"),
        "targeted": sums["targeted"].astype(int), "reported": sums["reported"].astype(int),
        "members": sums["members"].astype(int),
        "missing": _listed(joined, has_target & ~has_actual, sums.index),
        "untargeted": _listed(joined, has_actual & ~has_target, sums.index),
        "paired_target": pick("pt", "ptb", "p_base"), "paired_actual": pick("pa", "pab", "p_base"),
        "compared": sums["compared_weighted"].where(weighted, sums["compared"]).astype(int),
        "unweighted": [reps if w else () for reps, w in zip(_listed(joined, has_actual & base.isna() & ratio_rows,
                                                                    sums.index).tolist(), weighted.tolist())],
        # nothing to weight without actuals (a month not yet reported): no fallback to speak of
        "plain_mean": plain & (sums["reported"] > 0),
    }).reset_index()
    return frame[["month", *FIGURE_COLUMNS]].astype({"target": "float64", "actual": "float64"})


def achievement(actual: pd.Series, target: pd.Series, direction: pd.Series) -> pd.Series:
    """达成率 as a fraction: actual/target, or target/actual where less is better.

    NaN where the target is missing or 0 or the actual is missing (or 0 for `lower`).
    """
    lower = direction == "lower"
    usable = target.notna() & (target != 0) & actual.notna() & ~(lower & (actual == 0))
    ratio = np.where(lower, target / actual.where(actual != 0), actual / target.where(target != 0))
    return pd.Series(ratio, index=actual.index).where(usable)


def as_shown(rate: pd.Series) -> pd.Series:
    """numbers.as_shown of every rate (half-up to 0.1 percentage point), in bulk: a float
    rounds the same way wherever it is not within a hair of a tie, and those few (and any
    value too large for a float to round) go through numbers.as_shown itself."""
    values = rate.to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        scaled = values * 1000
        result = np.floor(scaled + 0.5) / 1000
        fraction = scaled - np.floor(scaled)
        exact = np.isfinite(values) & ~(np.abs(fraction - 0.5) < 1e-6) & (np.abs(scaled) < 2 ** 40)
    slow = ~exact & ~np.isnan(values)
    if slow.any():
        result[slow] = [numbers.as_shown(value) for value in values[slow]]
    return pd.Series(result, index=rate.index)


def status(actual: pd.Series, target: pd.Series, rate: pd.Series, direction: pd.Series,
           complete: pd.Series | None = None) -> pd.Series:
    """met (≥ 100%), near (≥ 90%), missed, no_target (missing or 0), no_actual, or incomplete
    where `complete` is False (a roll-up with a member that lacks its target or its actual).

    The thresholds apply to the achievement as the documents show it (half-up to 0.1 point),
    so 89.96% is shown `90%` and is near.
    """
    shown = as_shown(rate)
    incomplete = pd.Series(False, index=actual.index) if complete is None else ~complete
    lower_at_zero = (direction == "lower") & (actual == 0) & (target > 0)
    return pd.Series(np.select(
        [target.isna() | (target == 0), actual.isna(), incomplete, lower_at_zero,
         shown >= 1, shown >= NEAR_THRESHOLD],
        [STATUS_NO_TARGET, STATUS_NO_ACTUAL, STATUS_INCOMPLETE, STATUS_MET, STATUS_MET, STATUS_NEAR],
        default=STATUS_MISSED), index=actual.index)


def unit_figures(targets: pd.DataFrame, actuals: pd.DataFrame, org: Org, months: list[str],
                 catalog: Catalog) -> dict[str, pd.DataFrame]:
    """Target, actual and coverage for every level, unit and metric of each of `months`, rolled up together."""
    rolled = roll_up(rep_figures(targets, actuals, months), org, catalog)
    return {month: ordered(rolled[rolled["month"] == month].drop(columns="month"), org, catalog) for month in months}


def _bottom_up(pairs) -> list[tuple[str, str]]:
    """(level, unit) pairs teams first, then regions, then the company, as a rep's warning names them."""
    return sorted(pairs, key=lambda pair: -LEVELS.index(pair[0]))


def rollup_warnings(frame: pd.DataFrame, org: Org, catalog: Catalog) -> list[DataWarning]:
    """Per ratio metric: one line for all the units that fell back to the plain mean, and one
    line per rep left out of weighted roll-ups, naming them."""
    names, warnings = org.names, []
    for key in frame["metric"].drop_duplicates():
        mine, name = frame[frame["metric"] == key], catalog[key].name
        plain = _bottom_up(zip(mine.loc[mine["plain_mean"], "level"], mine.loc[mine["plain_mean"], "unit"]))
        if plain:
            where = "、".join(unit for _, unit in plain)
            warnings.append(DataWarning(*plain[0], key, (
                f"「{name}」在{where}没有任何成员填写基数（base），按各成员比率的简单平均汇总（未加权）"),
                also=tuple(plain[1:])))
        left_out: dict[str, list[tuple[str, str]]] = {}
        for level, unit, reps in zip(mine["level"], mine["unit"], mine["unweighted"]):
            for rep in reps:
                left_out.setdefault(rep, []).append((level, unit))
        warnings += [DataWarning("rep", rep, key, (
            f"{rep} {names[rep]} 的「{name}」没有正的基数（base），"
            f"未计入{'、'.join(unit for _, unit in _bottom_up(where))}的加权汇总（目标和实际都不计入）"))
            for rep, where in left_out.items()]
    return warnings


def unit_metrics(targets: pd.DataFrame, actuals: pd.DataFrame, org: Org, month: str,
                 catalog: Catalog) -> tuple[pd.DataFrame, list[DataWarning]]:
    """Contract §2 for every level, unit and metric of `month`.

    Columns: level, unit, metric, target, actual, variance, achievement, status, prev_actual,
    mom_change, targeted, reported; plus achievement_shown, prev_target, prev_achievement, prev_status, prev_reported, prev_targeted,
    prev_members, prev_complete, the coverage columns of
    `roll_up` and paired_variance, paired_achievement (over the members with both figures).
    Sorted by level (company first), unit in org order and metric in catalog order.
    """
    previous = Month(month).previous
    figures = unit_figures(targets, actuals, org, [previous, month], catalog)
    return with_achievement(figures[month], figures[previous], catalog), rollup_warnings(figures[month], org, catalog)


def _complete(figures: pd.DataFrame) -> pd.Series:
    """Whether every member of a unit has both its target and its actual."""
    return (figures["missing"].map(len) == 0) & (figures["untargeted"].map(len) == 0)


def with_achievement(current: pd.DataFrame, previous: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """The unit figures of a month (see `unit_metrics`) with achievement, status, variance and the
    change against the `previous` month's figures."""
    previous = previous.assign(prev_complete=_complete(previous))[
        [*METRIC_COLUMNS, "reported", "targeted", "members", "prev_complete"]].rename(
        columns={"actual": "prev_actual", "target": "prev_target", "reported": "prev_reported",
                 "targeted": "prev_targeted", "members": "prev_members"})
    frame = current.merge(previous, on=["level", "unit", "metric"], how="left")
    direction = frame["metric"].map(lambda key: catalog[key].direction)
    rate = achievement(frame["actual"], frame["target"], direction)
    prev_rate = achievement(frame["prev_actual"], frame["prev_target"], direction)
    frame = frame.assign(
        variance=frame["actual"] - frame["target"],
        achievement=rate,
        achievement_shown=as_shown(rate),  # what the documents print, for thresholds
        status=status(frame["actual"], frame["target"], rate, direction, _complete(frame)),
        mom_change=frame["actual"] - frame["prev_actual"],
        prev_achievement=prev_rate,
        prev_status=status(frame["prev_actual"], frame["prev_target"], prev_rate, direction,
                           frame["prev_complete"].fillna(True).astype(bool)),
        paired_variance=frame["paired_actual"] - frame["paired_target"],
        paired_achievement=achievement(frame["paired_actual"], frame["paired_target"], direction),
    )
    return frame


def ordered(frame: pd.DataFrame, org: Org, catalog: Catalog) -> pd.DataFrame:
    """`frame` sorted by level (company first), unit in org order, metric in catalog order."""
    order = {(unit.level, unit.unit): i for i, unit in enumerate(org.all_units())}
    metric_order = {key: i for i, key in enumerate(catalog.keys())}
    keys = [(order.get((level, unit), len(order)), metric_order[metric])
            for level, unit, metric in zip(frame["level"], frame["unit"], frame["metric"])]
    return frame.assign(_key=keys).sort_values("_key", kind="stable").drop(columns="_key").reset_index(drop=True)


def data_warnings(targets: pd.DataFrame, actuals: pd.DataFrame, org: Org, month: str,
                  catalog: Catalog) -> list[DataWarning]:
    """Each rep's missing actual, missing target and zero target in `month`, naming the roll-ups
    they affect."""
    figures = rep_figures(targets, actuals, [month]).merge(org.frame[["rep_id", "rep_name", "team", "region"]],
                                                         on="rep_id")
    warnings = []
    for row in figures.itertuples(index=False):
        who, name = f"{row.rep_id} {row.rep_name}", catalog[row.metric].name
        above = f"{row.team}、{row.region}、{COMPANY_UNIT}"
        if pd.isna(row.actual):
            message = f"{who} 缺少「{name}」的实际完成数据（未计为0，不算作差距；{above}的此项只汇总已报数据）"
        elif pd.isna(row.target):
            message = f"{who} 缺少「{name}」的月度目标，无法计算达成率（实际计入{above}的合计，但不参与目标比较）"
        elif row.target == 0:
            message = f"{who} 的「{name}」目标为0，无法计算达成率"
        else:
            continue
        warnings.append(DataWarning("rep", row.rep_id, row.metric, message))
    return warnings
