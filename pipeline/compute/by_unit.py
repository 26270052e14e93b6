"""What each unit's documents show, gathered for all units at once: one pass over each table.

No unit filters a whole frame, so the cost of a document stays flat as the org grows. Pure.
"""
from __future__ import annotations

import pandas as pd

from pipeline.compute.org import LEVELS, Org
from pipeline.errors import DataWarning
from pipeline.compute.model import UnitData


def gather(org: Org, month: str, metrics: pd.DataFrame, next_targets: pd.DataFrame, tasks: pd.DataFrame,
           warnings: list[DataWarning]) -> dict[tuple[str, str], UnitData]:
    """Every unit's rows, members' rows, next month's rows, tasks and warnings, by (level, unit)."""
    units: dict[tuple[str, str], UnitData] = {(u.level, u.unit): UnitData() for u in org.all_units()}

    def of(key: tuple[str, str]) -> UnitData:
        return units.setdefault(key, UnitData())

    for row in metrics.itertuples(index=False, name="Row"):
        of((row.level, row.unit)).rows.append(row)
        parent = org.parent(row.level, row.unit)
        if parent:
            of(parent).members.append(row)
    for row in next_targets.itertuples(index=False, name="Row"):
        of((row.level, row.unit)).next_rows.append(row)
    chosen = tasks[tasks["month"] == month].sort_values(["due", "_line"], kind="stable")
    for task in chosen.itertuples(index=False, name="Task"):
        for level in LEVELS:
            of((level, org.unit_of(task.owner, level))).tasks.append(task)
    for warning in warnings:
        for key in _concerned(warning, org):
            of(key).warnings.append(warning.message)
    for unit in units.values():
        unit.warnings = list(dict.fromkeys(unit.warnings))
    return units


def _concerned(warning: DataWarning, org: Org) -> dict[tuple[str, str], None]:
    """The units whose documents show `warning`: the ones it names and, for a rep, every unit above it."""
    keys = dict.fromkeys([(warning.level, warning.unit), *warning.also])
    if warning.level == "rep" and warning.unit in org.names:
        keys.update(dict.fromkeys((level, org.unit_of(warning.unit, level)) for level in LEVELS))
    return keys
