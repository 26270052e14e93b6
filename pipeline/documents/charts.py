"""Chart specifications: which figures each document charts. Pure data, no drawing.

`render` turns a ChartSpec found in a document context into a native Word chart.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from pipeline.inputs.catalog import MONEY, YUAN_PER_WAN, Metric


@dataclass(frozen=True)
class ChartSpec:
    """A column chart: one bar per series and category; `reference_line` adds a constant line (e.g. 100%).

    `labels`, when given, holds each bar's label text, per series as `series` holds the values,
    so a chart writes a figure exactly as the tables do (`80%`, `176.2万元`); without it the
    labels follow `number_format`.
    """

    title: str
    categories: tuple[str, ...]
    series: tuple[tuple[str, tuple[float | None, ...]], ...]
    number_format: str = "0.0%"  # Excel number format of the values and their labels
    reference_line: tuple[str, float] | None = None
    height_cm: float = 7.0
    width_cm: float | None = None  # None: the width every chart has (render.CHART_WIDTH_CM)
    labels: tuple[tuple[str, ...], ...] = ()
    data_labels: bool = True  # each bar's value printed on it (off where many bars would crowd)
    muted: tuple[int, ...] = ()  # categories whose bars are drawn hatched grey (数据不全: not a shortfall)

    def __bool__(self) -> bool:
        return bool(self.categories) and any(v is not None for _, values in self.series for v in values)


def with_labels(spec: ChartSpec, text) -> ChartSpec:
    """`spec` with each value's label written by `text(value)` (the documents' own format)."""
    labels = tuple(tuple("" if value is None else text(value) for value in values) for _, values in spec.series)
    return replace(spec, labels=labels)


def description(spec: ChartSpec) -> str:
    """The chart's alt text (what a screen reader or a text-only client says instead of it):
    the title and each series' figure per category as its label writes it, then the reference line."""
    parts = []
    for number, (name, values) in enumerate(spec.series):
        texts = spec.labels[number] if number < len(spec.labels) else ()
        shown = [f"{category} {texts[i] if i < len(texts) and texts[i] else _figure(value, spec.number_format)}"
                 for i, (category, value) in enumerate(zip(spec.categories, values))]
        parts.append(f"{name}：" + "，".join(shown))
    line = f"；参考线：{spec.reference_line[0]}" if spec.reference_line else ""
    return f"柱形图「{spec.title}」。" + "；".join(parts) + line + "。"


def _figure(value: float | None, number_format: str) -> str:
    """`value` as the chart's number format shows it (`0.0"万元"` → `168万元`, `0.0%` → `92.5%`)."""
    if value is None:
        return "无数据"
    if "%" in number_format:
        return f"{round(value * 100, 1):g}%"
    unit = re.search(r'"([^"]*)"', number_format)
    return f"{round(value, 2):g}" + (unit.group(1) if unit else "")


NO_CHART = ChartSpec("", (), ())  # a chart tag with nothing to draw renders as nothing


def unit_scale(metric: Metric) -> tuple[float, str]:
    """How a chart shows figures of `metric`: the divisor and the Excel number format (万元 from
    元, rates as percent, counts with their counting word)."""
    if metric.is_money:
        return YUAN_PER_WAN, f'0.0"{MONEY}"'
    return 1, "0.0%" if metric.is_rate else f'0"{metric.unit}"'
