"""Pipeline coverage (issue 26): what a month's target stands on, from the opportunity export.

For the plan's month M, per unit at every level and per metric of the export, from the deals
closing in M: `open` (Σ amount of open deals), `weighted` (Σ amount × probability), `count`,
`won` (Σ amount of won deals), and coverage = open ÷ (target − won), weighted_coverage likewise —
undefined where the unit has no target (`no_target`) or won deals already cover it (`target_won`).
Lost deals and deals closing in other months are left out; open deals whose close date passed
before M are overdue, counted apart. A unit's figures are the sums of its reps'.

A plan stands on the export taken at M's start: the latest dated on or before M's first day, else
an undated one; so it stays the same when a later export arrives. A summary of M compares what
was won by the export of M's end (the latest dated after M's first day, up to the next month's
first) with that forecast. Pure.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.compute.org import Org
from pipeline.inputs.catalog import Catalog
from pipeline.months import Month
from pipeline.compute.model import PipelineData

FIGURES = ["won", "open", "weighted", "count", "overdue_count", "overdue_amount"]
COLUMNS = ["level", "unit", "metric", "target", "won", "open", "weighted", "count", "coverage",
           "weighted_coverage", "coverage_note", "overdue_count", "overdue_amount"]
NO_TARGET, TARGET_WON = "no_target", "target_won"  # why a coverage is undefined (coverage_note)


def plan_export(opportunities: pd.DataFrame, month: str) -> pd.DataFrame:
    """The rows of the export a plan of `month` stands on: the latest taken on or before the
    month's first day, else the undated one(s); no rows where there is neither."""
    dated = opportunities["export"].notna()
    before = opportunities.loc[dated & (opportunities["export"] <= Month(month).first_day), "export"]
    if len(before):
        return opportunities[opportunities["export"] == before.max()]
    return opportunities[~dated]


def end_export(opportunities: pd.DataFrame, month: str) -> pd.DataFrame:
    """The rows of the export taken at the end of `month`: the latest dated after its first day,
    up to and including the next month's first day; no rows where none was."""
    dates = opportunities["export"]
    inside = dates.notna() & (dates > Month(month).first_day) & (dates <= Month(month).next.first_day)
    if not inside.any():
        return opportunities.iloc[:0]
    return opportunities[dates == dates[inside].max()]


def _closing(deals: pd.DataFrame, month: str) -> np.ndarray:
    start, end = Month(month).first_day, Month(month).next.first_day
    return np.array([start <= d < end for d in deals["close_date"]], dtype=bool)


def rep_figures(deals: pd.DataFrame, month: str) -> pd.DataFrame:
    """Per rep and metric: the figures of FIGURES from `deals` (one export's rows)."""
    closing, status = _closing(deals, month), deals["status"].to_numpy()
    amount = deals["amount"].to_numpy(dtype=float)
    is_open = (status == "open") & closing
    overdue = (status == "open") & np.array([d < Month(month).first_day for d in deals["close_date"]], dtype=bool)
    probability = deals["probability"].to_numpy(dtype=float)
    frame = pd.DataFrame({
        "rep_id": deals["rep_id"].to_numpy(), "metric": deals["metric"].to_numpy(),
        "won": np.where((status == "won") & closing, amount, 0.0),
        "open": np.where(is_open, amount, 0.0),
        "weighted": np.where(is_open, amount * np.nan_to_num(probability), 0.0),
        "count": is_open.astype(int),
        "overdue_count": overdue.astype(int),
        "overdue_amount": np.where(overdue, amount, 0.0),
    })
    return frame.groupby(["rep_id", "metric"], sort=False, as_index=False)[FIGURES].sum()


def unit_figures(deals: pd.DataFrame, org: Org, month: str, catalog: Catalog, plan: pd.DataFrame) -> pd.DataFrame:
    """pipeline.csv's rows (COLUMNS): every unit of every level (org order) and every metric of the
    export (catalog order), with the unit's plan `target` (from `plan`, the plan figures)."""
    metrics = [key for key in catalog.keys() if key in set(deals["metric"])]
    membership = org.membership()
    grid = membership.merge(pd.DataFrame({"metric": metrics}), how="cross")
    summed = grid.merge(rep_figures(deals, month), on=["rep_id", "metric"], how="left").fillna(dict.fromkeys(FIGURES, 0))
    # in the order of the membership (company first, units in org order), each unit's metrics in catalog order
    rolled = summed.groupby(["level", "unit", "metric"], sort=False, as_index=False)[FIGURES].sum()
    rolled = rolled.merge(plan[["level", "unit", "metric", "target"]], on=["level", "unit", "metric"], how="left")
    remaining = rolled["target"] - rolled["won"]
    targeted = rolled["target"].fillna(0) > 0
    covered = targeted & (remaining > 0)
    rolled["coverage"] = np.where(covered, rolled["open"] / remaining.where(covered, 1), np.nan)
    rolled["weighted_coverage"] = np.where(covered, rolled["weighted"] / remaining.where(covered, 1), np.nan)
    rolled["coverage_note"] = np.where(~targeted, NO_TARGET, np.where(covered, "", TARGET_WON))
    return rolled.astype({"count": int, "overdue_count": int})[COLUMNS].reset_index(drop=True)


def _by_rep(deals: pd.DataFrame) -> dict[str, list]:
    return {rep: list(rows.itertuples(index=False, name="Deal")) for rep, rows in deals.groupby("rep_id", sort=False)}


def pipeline_data(opportunities: pd.DataFrame | None, org: Org, month: str, catalog: Catalog,
                  plan: pd.DataFrame) -> PipelineData | None:
    """The month's pipeline figures, each unit's rows, each rep's open deals of the month (largest
    first) and overdue ones (earliest first), and each unit's outcome at the month's end; None
    where no export stands at the month's start."""
    if opportunities is None:
        return None
    deals = plan_export(opportunities, month)
    if deals.empty:
        return None
    figures = unit_figures(deals, org, month, catalog, plan)
    is_open = (deals["status"] == "open").to_numpy()
    closing = deals[is_open & _closing(deals, month)].sort_values(["amount", "opportunity_id"],
                                                                  ascending=[False, True], kind="stable")
    late = np.array([d < Month(month).first_day for d in deals["close_date"]], dtype=bool)
    overdue = deals[is_open & late].sort_values(["close_date", "opportunity_id"], kind="stable")
    rows: dict[tuple[str, str], list] = {}
    for row in figures.itertuples(index=False, name="Pipeline"):
        rows.setdefault((row.level, row.unit), []).append(row)
    outcome: dict[tuple[str, str], list] = {}
    end = end_export(opportunities, month)
    if not end.empty:
        won = unit_figures(end, org, month, catalog, plan)
        forecast = figures.set_index(["level", "unit", "metric"])["weighted"]
        for row in won.itertuples(index=False):
            outcome.setdefault((row.level, row.unit), []).append(
                (row.metric, row.won, forecast.get((row.level, row.unit, row.metric), 0.0)))
    return PipelineData(figures, rows, _by_rep(closing), _by_rep(overdue), outcome)
