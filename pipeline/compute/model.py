"""The data compute hands on: a month computed from the inputs, and what each unit's documents
show. Plain containers, no I/O and no rules of their own."""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from pipeline.compute.org import Org, Unit
from pipeline.errors import DataWarning
from pipeline.inputs.model import Inputs


@dataclass
class UnitData:
    """What one unit's documents show, gathered for every unit at once (compute.by_unit).

    Rows are the metrics frame's rows as named tuples (`row.target`, `row.status` …).
    """

    rows: list = field(default_factory=list)  # its own rows, in catalog order
    members: list = field(default_factory=list)  # its direct members' rows, in org order, each in catalog order
    next_rows: list = field(default_factory=list)  # its rows of next month's figures
    plan_rows: list = field(default_factory=list)  # its plan's rows: targets without the month's actuals (compute.plan)
    tasks: list = field(default_factory=list)  # the month's tasks of its reps, by deadline, then file line
    warnings: list[str] = field(default_factory=list)  # the warnings about it or any of its reps, once each


@dataclass
class PipelineData:
    """The month's pipeline coverage (compute.pipeline.pipeline_data), from the opportunity export."""

    figures: pd.DataFrame  # pipeline.csv's rows: every level, unit and metric of the export
    rows: dict = field(default_factory=dict)  # (level, unit) → its rows of `figures`, in catalog order
    deals: dict = field(default_factory=dict)  # rep_id → its open deals closing in the month, largest first
    overdue: dict = field(default_factory=dict)  # rep_id → its open deals past their close date, earliest first
    # (level, unit) → [(metric, won by the month's end, weighted forecast at its start)]; empty without an end export
    outcome: dict = field(default_factory=dict)


@dataclass
class MonthData:
    """A month's valid inputs and what was computed from them, once (compute.month.compute_month)."""

    month: str
    inputs: Inputs
    org: Org
    metrics: pd.DataFrame  # every level, unit and metric of the month (transform.unit_metrics)
    next_targets: pd.DataFrame  # next month's unit figures, for 四、下月计划优化
    warnings: list[DataWarning] = field(default_factory=list)
    units: dict[tuple[str, str], UnitData] = field(default_factory=dict)  # by (level, unit)
    segments: pd.DataFrame = field(default_factory=pd.DataFrame)  # compute.segments.segment_figures
    segment_rows: dict[tuple[str, str], list] = field(default_factory=dict)  # its rows by (level, unit)
    plan_segment_rows: dict[tuple[str, str], list] = field(default_factory=dict)  # as a plan sees them
    plans_only: bool = False  # targets but no actuals at all yet: the month is written as plans only
    trends: dict = field(default_factory=dict)  # (level, unit) → compute.history.Trend: its last months
    # (level, unit, section, metric) → [(source, text, response)] (compute.notes.by_unit): a plan's
    # own notes and those flowed down to it; a summary's members' notes, for sections it left empty
    plan_notes: dict = field(default_factory=dict)
    member_notes: dict = field(default_factory=dict)
    # (level, unit, metric) → [(source, text, cause)] (compute.notes.causes): the variance reasons of
    # a unit and of every unit inside it
    causes: dict = field(default_factory=dict)
    # last month's `next_step` notes of the members, as its summaries showed them (for the plan's 上月改进措施)
    prev_member_next_steps: dict = field(default_factory=dict)
    pipeline: PipelineData | None = None  # from the opportunity export (issue 26); None without one

    def of(self, unit: Unit) -> UnitData:
        """What `unit`'s documents show (nothing, for a unit without any figures or tasks)."""
        return self.units.get((unit.level, unit.unit)) or UnitData()
