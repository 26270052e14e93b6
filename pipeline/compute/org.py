"""The org hierarchy of org.csv, indexed once: levels, units in org order, each unit's reps and
the unit above it, and what a reader calls a unit.

Pure. Company → regions → teams → reps; a rep's unit key is its rep_id, every other unit's key
is its name, and the company's one unit is COMPANY_UNIT.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pandas as pd

from pipeline.inputs.schema import COMPANY_UNIT, LEVELS

CHILD_LEVEL = dict(zip(LEVELS, LEVELS[1:]))  # company → region → team → rep
PARENT_LEVEL = {child: parent for parent, child in CHILD_LEVEL.items()}

__all__ = ["CHILD_LEVEL", "COMPANY_UNIT", "LEVELS", "PARENT_LEVEL", "Org", "Unit"]


def display_names(frame: pd.DataFrame) -> dict[str, str]:
    """rep_id → what a management document calls the rep: the name, or where two reps of the org
    share it, the name with the id (`张伟（S007）`)."""
    ids, names = frame["rep_id"].astype(str).tolist(), frame["rep_name"].astype(str).tolist()
    shared = {name for name, count in Counter(names).items() if count > 1}
    return {rep: f"{name}（{rep}）" if name in shared else name for rep, name in zip(ids, names)}


@dataclass(frozen=True)
class Unit:
    level: str
    unit: str  # the key: rep_id for reps, the name otherwise
    label: str  # what a reader calls it: the rep's name, the team's name …


class Org:
    """The validated org frame (rep_id, rep_name, team, region, email) and its hierarchy."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame
        self.names: dict[str, str] = dict(zip(frame["rep_id"], frame["rep_name"]))  # rep_id → name
        self.display: dict[str, str] = display_names(frame)  # rep_id → name, with the id where names repeat
        self.team_region: dict[str, str] = {}
        for team, region in zip(frame["team"], frame["region"]):
            self.team_region.setdefault(team, region)
        self._reps: dict[tuple[str, str], list[str]] = {}  # (level, unit) → its reps, in org order
        for level in LEVELS:
            for rep, unit in zip(frame["rep_id"], self._column(level)):
                self._reps.setdefault((level, unit), []).append(rep)
        self._units = {level: [COMPANY_UNIT] if level == "company" else list(dict.fromkeys(self._column(level)))
                       for level in LEVELS}
        self._rep_units = {level: dict(zip(frame["rep_id"], self._column(level))) for level in LEVELS}

    def _column(self, level: str) -> list[str]:
        """The unit of `level` of each rep, in org order."""
        if level == "company":
            return [COMPANY_UNIT] * len(self.frame)
        return self.frame["rep_id" if level == "rep" else level].tolist()

    def units(self, level: str) -> list[str]:
        """The units of `level` in the order org.csv first names them (rep_ids for reps)."""
        return self._units[level]

    def label(self, level: str, unit: str) -> str:
        """What a reader calls the unit: the rep's name (with the id where two share it), else the unit's name."""
        return self.display.get(unit, unit) if level == "rep" else unit

    def all_units(self) -> list[Unit]:
        """Every unit of every level, company first, in org order."""
        return [Unit(level, unit, self.label(level, unit)) for level in LEVELS for unit in self.units(level)]

    def reps(self, level: str, unit: str) -> list[str]:
        """The rep_ids that belong to `unit` of `level`, in org order."""
        return self._reps.get((level, unit), [])

    def unit_of(self, rep: str, level: str) -> str:
        """The unit of `level` that `rep` belongs to."""
        return self._rep_units[level][rep]

    def parent(self, level: str, unit: str) -> tuple[str, str] | None:
        """The (level, unit) directly above the unit; None for the company or a unit not in the org."""
        reps = self.reps(level, unit)
        if level not in PARENT_LEVEL or not reps:
            return None
        return PARENT_LEVEL[level], self.unit_of(reps[0], PARENT_LEVEL[level])

    def teams(self, level: str, unit: str) -> int:
        """How many teams the unit spans."""
        return len({self.unit_of(rep, "team") for rep in self.reps(level, unit)})

    def membership(self) -> pd.DataFrame:
        """Every rep's unit at every level, company first: columns `rep_id`, `level`, `unit`."""
        return pd.DataFrame({"rep_id": self.frame["rep_id"].tolist() * len(LEVELS),
                             "level": [level for level in LEVELS for _ in range(len(self.frame))],
                             "unit": [unit for level in LEVELS for unit in self._column(level)]})
