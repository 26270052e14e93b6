"""What a summary shows of its members' notes where the unit wrote none (compute.notes.rolled_up):
each note marked with who wrote it, `杭州组：…`, `上海一组·张伟：…`. Pure, like context.py."""
from __future__ import annotations

from pipeline.compute.org import Unit
from pipeline.compute.model import MonthData


def members_said(data: MonthData, unit: Unit, section: str, metric: str = "") -> list[str]:
    """The members' notes of `section` (and `metric`, "" for the general ones), attributed."""
    notes = data.member_notes.get((unit.level, unit.unit, section, metric))
    return [f"{source}：{text}" for source, text, _ in notes] if notes else []  # most have none
