"""What a summary shows beyond its month (issue 12), as display text: 本年累计 and 去年同期 beside
the month's figures, and the trend — a chart of target and actual per month and the achievement
per month. Pure; the figures come from compute.history.
"""
from __future__ import annotations

import functools

from pipeline.compute.history import Trend, first_month
from pipeline.documents import formats
from pipeline.documents.charts import NO_CHART, ChartSpec, unit_scale
from pipeline.inputs.catalog import Catalog, Metric
from pipeline.months import Month
from pipeline.compute.model import MonthData
from pipeline.status import STATUS_INCOMPLETE, status_fill

MIN_TREND_MONTHS = 2  # one month is the month itself: no trend to show
TREND_METRICS = 3  # achievement columns of the trend table


def yoy_text(row, metric: Metric) -> str:
    """The change against the same month last year: `+23.35万元（+14.4%）`; rates in percentage points."""
    text = formats.change(row.yoy_change, metric)
    if text == formats.MISSING or metric.is_rate or formats.is_missing(row.yoy_percent):
        return text
    return f"{text}（{formats.signed(formats.percent(row.yoy_percent))}）"


@functools.lru_cache(maxsize=256)  # most units' years to date hold the same months
def months_text(bits: int, last: int) -> str:
    """The months of the year to date that hold an actual, from the first of them to `last`:
    `7–10月`, with the missing ones named (`7–10月，缺8月`); `—` when no month has an actual."""
    first = first_month(bits)
    if first is None:
        return "—"
    span = f"{first}–{last}月" if last > first else f"{last}月"
    missing = [m for m in range(first, last + 1) if not bits >> m & 1]
    return span + (f"，缺{_ranges(missing)}月" if missing else "")


def ytd_period(bits: int, month: str) -> str:
    """The year to date a row covers, with its year: `2025年7–10月`, `2025年7–10月，缺8月`, `—`."""
    text = months_text(bits, Month(month).number)
    return text if text == "—" else f"{Month(month).year}年{text}"


def _ranges(numbers: list[int]) -> str:
    """[1, 2, 3, 5] → `1–3、5`."""
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    return "、".join(f"{run[0]}–{run[-1]}" if len(run) > 1 else f"{run[0]}" for run in runs)


def history_rows(rows: list, catalog: Catalog, month_number: int) -> list[dict]:
    """One row per metric: the year to date's target, actual, achievement and months, and last year's month."""
    shown = []
    for r in rows:
        metric = catalog[r.metric]
        shown.append({
            "metric": metric.name,
            "ytd_target": formats.figure(r.ytd_target, metric),
            "ytd_actual": formats.figure(r.ytd_actual, metric),
            "ytd_achievement": formats.achievement(r.ytd_achievement)
                               + ("（数据不全）" if r.ytd_status == STATUS_INCOMPLETE else ""),
            "ytd_fill": status_fill(r.ytd_status),
            "ytd_months": months_text(int(r.ytd_months), month_number),
            "yoy_actual": formats.figure(r.yoy_actual, metric),
            "yoy_change": yoy_text(r, metric),
        })
    return shown


def category(month: str, first: bool) -> str:
    """A month on the chart's axis: the year with the first month and with January only (`2025年1月`, `2月`)."""
    return Month(month).label if first or month.endswith("-01") else f"{Month(month).number}月"


TREND_WIDTH_CM = 22.0  # up to 12 months side by side on the summary's landscape page (25.7 cm)


def trend_chart(trend: Trend | None, key: str | None, catalog: Catalog) -> ChartSpec:
    """Target and actual of metric `key` per month; a month without a figure has no bar."""
    if trend is None or key not in trend.figures or len(trend.months) < MIN_TREND_MONTHS:
        return NO_CHART
    metric = catalog[key]
    scale, number_format = unit_scale(metric)
    targets, actuals, _ = trend.figures[key]

    def scaled(values: tuple) -> tuple:
        return tuple(None if v is None else v / scale for v in values)

    return ChartSpec(f"{metric.name}：近{len(trend.months)}个月目标与实际（{metric.unit}）",
                     tuple(category(m, i == 0) for i, m in enumerate(trend.months)),
                     (("目标", scaled(targets)), ("实际", scaled(actuals))), number_format, data_labels=False,
                     width_cm=TREND_WIDTH_CM)


def trend_rows(trend: Trend | None, keys: list[str], catalog: Catalog) -> list[dict]:
    """One row per month: the first metric's target and actual, and the achievement of each of `keys`."""
    if trend is None or len(trend.months) < MIN_TREND_MONTHS or not keys:
        return []
    first = catalog[keys[0]]
    figures = [trend.figures.get(key, ((None,) * len(trend.months),) * 3) for key in keys]
    rows = []
    for i, month in enumerate(trend.months):
        rates = [formats.achievement(rate[i]) for _, _, rate in figures]
        rows.append({"month": Month(month).label,
                     "target": formats.figure(figures[0][0][i], first),
                     "actual": formats.figure(figures[0][1][i], first),
                     "rates": rates + [formats.MISSING] * (TREND_METRICS - len(rates))})
    return rows


def ytd_label(rows: list, year: int, number: int) -> str:
    """The months the year to date covers, where every metric's starts in the same month:
    `2025年7–10月`; where they start in different months, the caption claims no span longer than a
    row's and points to the 累计月份 column (`2025年，各项所含月份见“累计月份”列`)."""
    firsts = {first_month(int(r.ytd_months)) for r in rows if int(r.ytd_months)}
    if len(firsts) > 1:
        return f"{year}年，各项所含月份见“累计月份”列"
    first = min(firsts) if firsts else 1
    return f"{year}年{first}–{number}月" if number > first else f"{year}年{number}月"


def summary_history(data: MonthData, unit, rows: list, main: list[str]) -> dict:
    """The summary's context pieces for the year to date, last year's month and the trend."""
    catalog, trend = data.inputs.catalog, data.trends.get((unit.level, unit.unit))
    month = Month(data.month)
    keys = [key for key in main if trend is not None and key in trend.figures][:TREND_METRICS]
    table = trend_rows(trend, keys, catalog)
    return {
        "ytd_label": ytd_label(rows, month.year, month.number),
        "yoy_label": month.shift(-12).label,  # the one month, not last year's year to date
        "history": history_rows(rows, catalog, month.number),
        "chart_trend": trend_chart(trend, keys[0] if keys else None, catalog),
        "trend": table,
        "trend_count": len(table),
        "trend_metrics": [catalog[key].name for key in keys] + [formats.MISSING] * (TREND_METRICS - len(keys)),
    }
