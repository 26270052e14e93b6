"""One month computed once (contract §2): the figures of every unit with last month's and the
history, the plan's figures, next month's targets, warnings, segments and notes — everything a
month's documents and metrics.csv show. Pure: frames in, a MonthData out."""
from __future__ import annotations

from pipeline.compute import history as beyond
from pipeline.compute import notes, segments
from pipeline.compute.by_unit import gather
from pipeline.compute.org import Org
from pipeline.compute.pipeline import pipeline_data
from pipeline.compute.plan import attach_plan_rows, plan_figures
from pipeline.compute.transform import data_warnings, rollup_warnings, unit_figures, with_achievement
from pipeline.months import Month
from pipeline.compute.model import MonthData
from pipeline.inputs.model import Inputs


def compute_month(inputs: Inputs, month: str) -> MonthData:
    """Everything `month`'s documents and metrics.csv show, computed once: the figures of every
    unit (with last month's), next month's targets, the data warnings, and each unit's share of
    them gathered for its documents."""
    org, catalog = Org(inputs.org), inputs.catalog
    before, after = Month(month).previous, Month(month).next
    figures = unit_figures(inputs.targets, inputs.actuals, org, [before, month, after], catalog)
    planned_targets = _plan_targets(inputs, month)
    plan = plan_figures(planned_targets, inputs.actuals, org, month, catalog, figures[before])
    plans_only = not (inputs.actuals["month"] == month).any()
    # without any actual yet, metrics.csv carries the targets the plans show
    metrics = plan if plans_only else with_achievement(figures[month], figures[before], catalog)
    past = beyond.unit_history(inputs.targets, inputs.actuals, org, month, catalog)
    metrics = beyond.with_history(metrics, past, blank=plans_only)
    warnings = ([] if plans_only else data_warnings(inputs.targets, inputs.actuals, org, month, catalog)) + \
        rollup_warnings(figures[month], org, catalog) + ([] if plans_only else segments.one_sided_warnings(
            inputs.targets, inputs.actuals, inputs.segment_targets, inputs.segment_actuals, org, month, catalog))
    # next month's targets as next month's plan will show them (weighted by bases known by then)
    next_targets = plan_figures(_plan_targets(inputs, after), inputs.actuals, org, after, catalog, figures[month])
    units = gather(org, month, metrics, next_targets, inputs.tasks, warnings)
    # a plan also says what its target asks over the same month last year
    attach_plan_rows(units, plan.merge(past.frame[["level", "unit", "metric", "yoy_actual"]],
                                       on=["level", "unit", "metric"], how="left"))
    by_segment = segments.segment_figures(inputs.targets, inputs.actuals, inputs.segment_targets,
                                          inputs.segment_actuals, org, month, catalog)
    plan_segments = segments.plan_segment_figures(planned_targets, inputs.actuals,
                                                  inputs.segment_targets, inputs.segment_actuals, org, month, catalog)
    return MonthData(month, inputs, org, metrics, next_targets, warnings, units,
                     segments=by_segment, segment_rows=segments.by_unit(by_segment),
                     plan_segment_rows=segments.by_unit(plan_segments), plans_only=plans_only,
                     trends=past.trends,
                     plan_notes=notes.by_unit(notes.plan_notes(inputs.notes, inputs.org, month)),
                     causes=notes.causes(inputs.notes, inputs.org, month),
                     member_notes=notes.by_unit(notes.member_notes(inputs.notes, inputs.org, month)),
                     prev_member_next_steps=notes.by_unit(notes.member_notes(
                         inputs.notes[inputs.notes["section"] == "next_step"], inputs.org, before)),
                     pipeline=pipeline_data(inputs.opportunities, org, month, catalog, plan))


def _plan_targets(inputs: Inputs, month: str):
    """The rep targets a plan of `month` shows (segmented rates weighed by earlier bases)."""
    return segments.plan_targets(inputs.targets, inputs.segment_targets, inputs.segment_actuals, month, inputs.catalog)
