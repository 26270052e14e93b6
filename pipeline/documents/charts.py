"""Chart specifications: which figures each document charts. Pure data, no drawing.

`render` turns a ChartSpec found in a document context into a native Word chart.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChartSpec:
    """A column chart: one bar per series and category; `reference_line` adds a constant line (e.g. 100%)."""

    title: str
    categories: tuple[str, ...]
    series: tuple[tuple[str, tuple[float | None, ...]], ...]
    number_format: str = "0.0%"  # Excel number format of the values and their labels
    reference_line: tuple[str, float] | None = None
    height_cm: float = 7.0

    def __bool__(self) -> bool:
        return bool(self.categories) and any(v is not None for _, values in self.series for v in values)


NO_CHART = ChartSpec("", (), ())  # a chart tag with nothing to draw renders as nothing
