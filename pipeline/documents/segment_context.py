"""The segment tables of step 一 (按产品线/客户类型细分): what a unit's plan and summary show of
its figures by segment. Pure, like context.py; an empty list (no table) where the unit has no
figures given by segment, so such documents look as they did without segments.
"""
from __future__ import annotations

from pipeline.documents import analysis_text as analysis
from pipeline.compute.org import Unit
from pipeline.compute.segments import UNSPLIT
from pipeline.documents import formats
from pipeline.compute.model import MonthData
from pipeline.status import status_fill


def plan_segments(data: MonthData, unit: Unit) -> dict:
    """`segment_targets`: per metric given by segment, each segment's target and its share of
    the unit's target. Only targets and earlier bases count here (compute.segments.plan_segment_figures),
    so a plan stays the same when actuals arrive."""
    catalog, rows = data.inputs.catalog, data.plan_segment_rows.get((unit.level, unit.unit), [])
    with_target = [r for r in rows if not formats.is_missing(r.target)]
    split = {r.metric for r in with_target if r.segment != UNSPLIT}
    return {"segment_targets": [{
        "segment": r.segment,
        "metric": catalog[r.metric].name,
        "target": formats.figure(r.target, catalog[r.metric]),
        "share": formats.percent(r.target_share),
    } for r in with_target if r.metric in split]}


def summary_segments(data: MonthData, unit: Unit) -> dict:
    """`segments`: per metric given by segment, each segment's target, actual, achievement
    (coloured by its status) and its share of the unit's actual (none for a rate)."""
    catalog, rows = data.inputs.catalog, data.segment_rows.get((unit.level, unit.unit), [])
    return {"segments": [{
        "segment": r.segment,
        "metric": catalog[r.metric].name,
        "target": formats.figure(r.target, catalog[r.metric]),
        "actual": formats.figure(r.actual, catalog[r.metric]),
        "achievement": analysis.achievement_text(r),
        "fill": status_fill(r.status),
        "share": formats.percent(r.share),
    } for r in rows]}
