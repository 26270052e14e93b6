"""The data the stages hand on: the validated inputs, and the month computed from them.

Below every stage: plain containers, no I/O and no rules of their own.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import pandas as pd

from pipeline.errors import DataWarning
from pipeline.inputs.catalog import Catalog
from pipeline.inputs.schema import InputFile

if TYPE_CHECKING:  # the hierarchy is built by compute; here it is only named
    from pipeline.compute.org import Org, Unit


@dataclass
class Inputs:
    """The validated inputs; frames keep `_file` and `_line` for later messages."""

    catalog: Catalog
    org: pd.DataFrame  # rep_id, rep_name, team, region, email
    targets: pd.DataFrame  # month, rep_id, metric, target
    actuals: pd.DataFrame  # month, rep_id, metric, actual, base
    tasks: pd.DataFrame  # month, metric, task, owner (rep_id), due, done_criteria, notes
    notes: pd.DataFrame  # month, level, unit, metric, section, text
    files: list[InputFile] = field(default_factory=list)
    # The rows given by segment (compute.segments.collapse), with a `segment` column; targets and
    # actuals above hold each such (month, rep, metric) once, as the sum of its segments.
    segment_targets: pd.DataFrame = field(default_factory=pd.DataFrame)
    segment_actuals: pd.DataFrame = field(default_factory=pd.DataFrame)
    # The opportunity export (inputs.opportunities), None without one: opportunity_id, rep_id, amount,
    # stage, probability, close_date, status, metric, export (the day the file was taken, or None)
    opportunities: pd.DataFrame | None = None

    @cached_property
    def note_texts(self) -> dict[tuple[str, str, str, str, str], list[str]]:
        """Note texts by (month, level, unit, section, metric), in file order; built once."""
        index: dict[tuple[str, str, str, str, str], list[str]] = {}
        notes = self.notes
        for key in zip(notes["month"], notes["level"], notes["unit"], notes["section"], notes["metric"], notes["text"]):
            index.setdefault(key[:5], []).append(key[5])
        return index


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
    # last month's `next_step` notes of the members, as its summaries showed them (for the plan's 上月改进措施)
    prev_member_next_steps: dict = field(default_factory=dict)
    pipeline: PipelineData | None = None  # from the opportunity export (issue 26); None without one

    def of(self, unit: Unit) -> UnitData:
        """What `unit`'s documents show (nothing, for a unit without any figures or tasks)."""
        return self.units.get((unit.level, unit.unit)) or UnitData()
