"""A month's plan figures: what a plan (月度工作计划) shows, from the targets and earlier months only.

A plan never depends on its own month's actuals, so it stays byte-identical when they arrive.
The one place where a target needs actuals is a `ratio` roll-up, whose target is weighted by
the members' bases: a plan weights each rep's rate target by that rep's latest positive base
from an EARLIER month (normally last month's). Where no member of a roll-up has one, the plan
target is the plain mean of the members' targets. Pure.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.compute.org import Org
from pipeline.compute.transform import ordered, roll_up, with_achievement
from pipeline.inputs.catalog import Catalog
from pipeline.compute.model import UnitData


def earlier_bases(actuals: pd.DataFrame, month: str, keys: tuple[str, ...] = ("rep_id", "metric")) -> pd.DataFrame:
    """Per rep and metric (or other `keys`), the latest positive base given in a month before `month`."""
    keys = list(keys)
    given = actuals.loc[(actuals["month"] < month) & (actuals["base"] > 0), ["month", *keys, "base"]]
    latest = given.sort_values("month", kind="stable").groupby(keys, sort=False).tail(1)
    return latest[[*keys, "base"]]


def as_planned(actuals: pd.DataFrame, month: str, keys: tuple[str, ...] = ("rep_id", "metric")) -> pd.DataFrame:
    """What a plan of `month` knows of its actuals: no figure, and per rep and metric (or other
    `keys`) the latest positive base from an earlier month, as rows of `month`."""
    return earlier_bases(actuals, month, keys).assign(month=month, actual=np.nan)


def plan_rep_figures(targets: pd.DataFrame, actuals: pd.DataFrame, month: str) -> pd.DataFrame:
    """The reps' figures a plan of `month` is built from: its targets, no actual, earlier bases."""
    chosen = targets.loc[targets["month"] == month, ["month", "rep_id", "metric", "target"]]
    figures = chosen.merge(earlier_bases(actuals, month), on=["rep_id", "metric"], how="left")
    return figures.assign(actual=np.nan).astype({"target": "float64", "actual": "float64", "base": "float64"})


def plan_figures(targets: pd.DataFrame, actuals: pd.DataFrame, org: Org, month: str, catalog: Catalog,
                 previous: pd.DataFrame) -> pd.DataFrame:
    """Every unit's plan target of `month` (rows like transform.unit_metrics) beside the
    `previous` month's unit figures (prev_target, prev_actual, prev_achievement)."""
    rolled = roll_up(plan_rep_figures(targets, actuals, month), org, catalog)
    current = ordered(rolled.drop(columns="month"), org, catalog)
    return with_achievement(current, previous, catalog)


def attach_plan_rows(units: dict[tuple[str, str], UnitData], plan: pd.DataFrame) -> None:
    """Each unit's plan rows, in the frame's order."""
    for row in plan.itertuples(index=False, name="Row"):
        units.setdefault((row.level, row.unit), UnitData()).plan_rows.append(row)
