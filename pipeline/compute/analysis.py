"""Facts the figures hold that a table of one month does not show: a streak of months met or
missed, a record over the months the inputs hold, which members make a unit's gap or surplus,
and the order of members by achievement. Pure, and no wording: documents.analysis_text words them.

A row is one row of the metrics frame as a named tuple; `mine` are a unit's direct members' rows
of one metric, in org order (see compute.by_unit). Missing data is never read as a shortfall:
comparisons use the members whose figures compare like with like.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Sequence

from pipeline.inputs.catalog import Metric
from pipeline.numbers import as_shown
from pipeline.status import COMPARABLE

MIN_STREAK = 2  # months in a row that make a streak worth a sentence
MIN_RECORD_MONTHS = 6  # months with a figure before a highest or lowest is worth a sentence
MAIN_SHARE = 0.5  # a member carrying more than this share of the gap (or surplus) is named with it


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def by_metric(rows: Iterable) -> dict[str, list]:
    """`rows` grouped by metric, each group in the order given."""
    grouped: dict[str, list] = {}
    for row in rows:
        grouped.setdefault(row.metric, []).append(row)
    return grouped


def comparable_value(row, column: str) -> float:
    """The row's figure in `column` where it compares like with like, else NaN."""
    return getattr(row, column) if row is not None and row.status in COMPARABLE else math.nan


def behind(variance: float, metric: Metric) -> float:
    """How far behind target, in the metric's units (negative: ahead); `lower` metrics flip."""
    return variance if metric.direction == "lower" else -variance


def streak(rates: Sequence) -> int:
    """Months in a row, ending with the last of `rates` (achievements, oldest first), at or above
    target (a positive count) or below it (a negative count), as the documents print them; 0
    where the last month has no achievement. A month without one ends the streak."""
    if not rates or _missing(rates[-1]):
        return 0
    met = as_shown(rates[-1]) >= 1
    count = 0
    for rate in reversed(rates):
        if _missing(rate) or (as_shown(rate) >= 1) != met:
            break
        count += 1
    return count if met else -count


@dataclass(frozen=True)
class Record:
    """The last month's actual is the `highest` (or lowest) of the `months` with an actual."""

    highest: bool
    months: int


def record(actuals: Sequence) -> Record | None:
    """Whether the last of `actuals` (oldest first, None where missing) is strictly the highest or
    the lowest of at least MIN_RECORD_MONTHS months that have an actual; None otherwise."""
    if not actuals or _missing(actuals[-1]):
        return None
    given = [value for value in actuals if not _missing(value)]
    if len(given) < MIN_RECORD_MONTHS:
        return None
    last, earlier = given[-1], given[:-1]
    if last > max(earlier):
        return Record(True, len(given))
    if last < min(earlier):
        return Record(False, len(given))
    return None


@dataclass(frozen=True)
class Share:
    """A member's (or segment's) part of the unit's gap (or surplus): its own variance and share."""

    unit: str  # the member's unit key, or the segment's name
    variance: float
    share: float


def main_shares(mine: list, metric: Metric, short: bool, by_segment: bool = False) -> list[Share]:
    """The member carrying more than MAIN_SHARE of the members' summed shortfalls (`short`) or
    over-achievements, by their like-for-like variance; for a `sum` metric only (a ratio's
    members do not add up) and only among two or more members with one. `by_segment`: `mine` are
    a unit's segment rows of the metric (compute.segments), by their variance."""
    if metric.kind != "sum" or len(mine) < 2:
        return []
    column, name = ("variance", "segment") if by_segment else ("paired_variance", "unit")
    sized = [(behind(getattr(r, column), metric), r) for r in mine if not _missing(getattr(r, column))]
    parts = [(size if short else -size, r) for size, r in sized if (size > 0) == short and size != 0]
    total = sum(size for size, _ in parts)
    if total <= 0:
        return []
    return [Share(getattr(r, name), getattr(r, column), size / total)
            for size, r in sorted(parts, key=lambda pair: -pair[0]) if size / total > MAIN_SHARE]


def ranked_members(members: list, main: list[str]) -> list[tuple[str, dict]]:
    """Each member unit with its rows by metric, best first by the like-for-like achievement of
    the first main metric, ties in org order. A member without one (it lacks a figure or its data
    is incomplete) comes last: a gap is never a low rank."""
    rows: dict[str, dict] = {}
    for row in members:
        rows.setdefault(row.unit, {})[row.metric] = row

    def order(item) -> tuple[bool, float]:
        rate = comparable_value(item[1].get(main[0]), "achievement")
        return (True, 0.0) if _missing(rate) else (False, -rate)

    return sorted(rows.items(), key=order)
