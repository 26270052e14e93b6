"""Beyond the month (issue 12): every unit's trend over the last months, year to date (本年累计)
and the same month last year (去年同期). Pure pandas, no I/O.

The months are rolled up the way the month is: `transform.roll_up` once, with the month as a
key of its one groupby, never a loop over months. A month the inputs do not hold for a unit and
metric is a gap (NaN), never 0.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipeline.compute.org import Org
from pipeline.compute.transform import achievement, rep_figures, roll_up, status
from pipeline.inputs.catalog import Catalog
from pipeline.months import Month, span

TREND_MONTHS = 12  # the trend shows at most this many months, ending with the report's month
_KEY = ["level", "unit", "metric"]
HISTORY_COLUMNS = ["ytd_target", "ytd_actual", "ytd_achievement", "ytd_status", "ytd_months", "yoy_actual"]


@dataclass(frozen=True)
class Trend:
    """A unit's months, oldest first, and per metric its target, actual and achievement in each
    (None where the inputs hold nothing)."""

    months: tuple[str, ...]
    figures: dict[str, tuple[tuple, tuple, tuple]] = field(default_factory=dict)  # metric → (targets, actuals, rates)


@dataclass
class History:
    frame: pd.DataFrame  # one row per level, unit and metric: HISTORY_COLUMNS
    trends: dict[tuple[str, str], Trend]  # by (level, unit)


def window(month: str) -> list[str]:
    """The months history needs: the same month last year through `month` (13 months)."""
    return [Month(month).shift(by) for by in range(-TREND_MONTHS, 1)]


def year_months(month: str) -> list[str]:
    """January to `month` of `month`'s year."""
    return [Month(month).shift(-by) for by in range(Month(month).number - 1, -1, -1)]


def unit_history(targets: pd.DataFrame, actuals: pd.DataFrame, org: Org, month: str, catalog: Catalog) -> History:
    """Trend, year to date and last year's month for every level, unit and metric, from one roll-up."""
    figures = rep_figures(targets, actuals, window(month))
    rolled = roll_up(figures, org, catalog)
    ytd = year_to_date(figures, org, month, catalog)
    last_year = rolled.loc[rolled["month"] == Month(month).shift(-12), [*_KEY, "actual"]]
    frame = ytd.merge(last_year.rename(columns={"actual": "yoy_actual"}), on=_KEY, how="outer")
    return History(frame[[*_KEY, *HISTORY_COLUMNS]], trends(rolled, month, catalog))


def year_to_date(figures: pd.DataFrame, org: Org, month: str, catalog: Catalog) -> pd.DataFrame:
    """Per level, unit and metric, January..`month`: sums add up over months and members; ratios
    are Σ(value·base)/Σbase over the months and members with a positive base (targets weighted
    by the same bases), the plain mean only where none has one. Achievement and status as for the
    month (incomplete where any member's month has a target without an actual or the reverse);
    `ytd_months` are the months with an actual, as bits (1 << month number)."""
    months = year_months(month)
    rows = figures[figures["month"].isin(months)].merge(org.membership(), on="rep_id", how="inner")
    target, actual = rows["target"], rows["actual"]
    base = rows["base"].where(rows["base"] > 0)
    parts = pd.DataFrame({
        **{column: rows[column] for column in _KEY},
        "t": target, "a": actual, "tb": target * base, "t_base": base.where(target.notna()),
        "ab": actual * base, "a_base": base.where(actual.notna()), "weighable": base.notna(),
        "one_sided": target.notna() != actual.notna()})
    groups = parts.groupby(_KEY, sort=False)
    sums, means = groups.sum(min_count=1), groups[["t", "a"]].mean()
    kind = np.array([catalog[key].kind for key in sums.index.get_level_values("metric")])
    weighted, ratio = (kind == "ratio") & (sums["weighable"] > 0).to_numpy(), kind == "ratio"

    def pick(summed: str, numerator: str, denominator: str) -> np.ndarray:
        return np.select([weighted, ratio], [sums[numerator] / sums[denominator], means[summed]],
                         default=sums[summed])

    frame = pd.DataFrame({"ytd_target": pick("t", "tb", "t_base"), "ytd_actual": pick("a", "ab", "a_base")},
                         index=sums.index)
    reported = rows.loc[actual.notna(), [*_KEY, "month"]].drop_duplicates()
    bits = pd.Series(np.left_shift(1, reported["month"].str[5:].astype(int).to_numpy()), index=reported.index)
    frame["ytd_months"] = bits.groupby([reported[c] for c in _KEY]).sum().reindex(frame.index).fillna(0).astype(int)
    frame = frame.reset_index()
    direction = frame["metric"].map(lambda key: catalog[key].direction)
    rate = achievement(frame["ytd_actual"], frame["ytd_target"], direction)
    complete = pd.Series(sums["one_sided"].to_numpy() == 0, index=frame.index)
    return frame.assign(ytd_achievement=rate,
                        ytd_status=status(frame["ytd_actual"], frame["ytd_target"], rate, direction, complete))


def trends(rolled: pd.DataFrame, month: str, catalog: Catalog) -> dict[tuple[str, str], Trend]:
    """Each unit's last up-to-TREND_MONTHS months, from the first in which it has any figure
    through `month`; a month without a figure of a metric stays None (a gap in the chart)."""
    shown = rolled[rolled["month"].isin(window(month)[1:])]
    direction = shown["metric"].map(lambda key: catalog[key].direction)
    rates = achievement(shown["actual"], shown["target"], direction)
    first: dict[tuple[str, str], str] = {}
    cells: dict[tuple[str, str], dict[str, dict[str, tuple]]] = {}
    columns = [shown[c].tolist() for c in ("level", "unit", "metric", "month")]
    figures = [_values(values) for values in (shown["target"], shown["actual"], rates)]
    for level, unit, metric, when, *figure in zip(*columns, *figures):
        key = (level, unit)
        if when < first.get(key, "9999"):
            first[key] = when
        cells.setdefault(key, {}).setdefault(metric, {})[when] = tuple(figure)
    result = {}
    for key, by_metric in cells.items():
        months = tuple(span(first[key], month))
        result[key] = Trend(months, {
            metric: tuple(zip(*(by_month.get(m, (None, None, None)) for m in months)))
            for metric, by_month in by_metric.items()})
    return result


def _values(values: pd.Series) -> list:
    """The figures as floats, None where missing."""
    return values.astype(object).where(values.notna(), None).tolist()


def with_history(metrics: pd.DataFrame, history: History, blank: bool = False) -> pd.DataFrame:
    """The month's metrics with their year to date and last year's month beside them:
    yoy_change = actual − last year's actual (the rates' in fractions, i.e. percentage points
    ×100) and yoy_percent = that change over last year's actual (NaN where it is 0 or missing).
    `blank`: a plans-only month (no actual yet) has none of these; its columns stay empty."""
    frame = metrics.merge(history.frame.iloc[:0] if blank else history.frame, on=_KEY, how="left")
    change = frame["actual"] - frame["yoy_actual"]
    return frame.assign(yoy_change=change,
                        yoy_percent=change / frame["yoy_actual"].where(frame["yoy_actual"] != 0),
                        ytd_months=frame["ytd_months"].fillna(0).astype(int))


def first_month(bits: int) -> int | None:
    """The first month (1–12) of a year to date's `ytd_months` bits; None when no month has an actual."""
    return (bits & -bits).bit_length() - 1 if bits else None
