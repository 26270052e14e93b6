"""What gives a plan substance where no one wrote it out: the target split by member (step 二),
the notes of the units above (marked with their source), each risk beside its response, and
lines derived from the targets where a week, a task row or a section would otherwise be empty.

Pure, like context.py: takes the computed month and a unit, returns display text. Only targets
and earlier months are read, so a plan stays the same when its month's actuals arrive.
"""
from __future__ import annotations

import datetime as dt

from pipeline.compute.org import CHILD_LEVEL, Org, Unit
from pipeline.documents import formats
from pipeline.documents.tables import with_groups
from pipeline.inputs.catalog import Catalog
from pipeline.inputs.schema import LEVEL_NAMES
from pipeline.model import MonthData

TOTAL = "合计"
DATA_MARK = "【数据】"


def attributed(text: str, source: str) -> str:
    """`公司：…` for a note written by another unit; the text itself for the unit's own."""
    return f"{source}：{text}" if source else text


def members(org: Org, unit: Unit) -> list[Unit]:
    """The units directly inside `unit`, in org order: regions, teams or reps; none for a rep."""
    level = CHILD_LEVEL.get(unit.level)
    if level is None:
        return []
    keys = dict.fromkeys(org.unit_of(rep, level) for rep in org.reps(unit.level, unit.unit))
    return [Unit(level, key, org.label(level, key)) for key in keys]


def member_name(unit: Unit) -> str:
    """What a member of `unit` is called: 区域, 团队 or 销售代表."""
    level = CHILD_LEVEL.get(unit.level)
    return "销售代表" if level == "rep" else LEVEL_NAMES.get(level, "")


def member_split(data: MonthData, unit: Unit) -> list[dict]:
    """Step 二's split of the unit's targets by member (将目标分解到每个人): per member, in org
    order, each metric's target and its share of the unit's target (none for a rate, whose
    target is not a part of a whole), then the 合计 rows. Rows are grouped by member."""
    catalog, rows = data.inputs.catalog, data.of(unit).plan_rows
    inside = members(data.org, unit)
    if not inside or not rows:
        return []
    split = []
    for member in inside:
        targets = {r.metric: r.target for r in data.of(member).plan_rows}
        for row in rows:
            metric = catalog[row.metric]
            mine = targets.get(row.metric)
            share = None if metric.kind != "sum" or formats.is_missing(mine) or formats.is_missing(row.target) \
                or not row.target else mine / row.target
            split.append({"member": member.label, "metric": metric.name, "target": formats.figure(mine, metric),
                          "share": formats.percent(share)})
    for row in rows:
        metric = catalog[row.metric]
        whole = metric.kind == "sum" and not formats.is_missing(row.target) and row.target
        split.append({"member": TOTAL, "metric": metric.name, "target": formats.figure(row.target, metric),
                      "share": "100%" if whole else formats.MISSING})
    return with_groups(split, keys=("member",))


def plan_notes(data: MonthData, unit: Unit, section: str) -> list[tuple[str, str, str]]:
    """(text, response, source) of the plan notes `unit` shows in `section`: its own, then those
    of the units above it; the general ones first, then per metric (prefixed with the metric)."""
    catalog, shown = data.inputs.catalog, data.shown_notes
    found = []
    for key in ["", *catalog.keys()]:
        prefix = f"{catalog[key].name}：" if key else ""
        found += [(prefix + text if text else text, response, source)
                  for text, response, source in shown.get((data.month, unit.level, unit.unit, section, key), [])]
    return found


def plan_texts(data: MonthData, unit: Unit, section: str) -> list[str]:
    """The plan notes of `section` as bullet items, each marked with its source."""
    return [attributed(text, source) for text, _, source in plan_notes(data, unit, section) if text]


def risk_pairs(data: MonthData, unit: Unit) -> list[dict]:
    """Step 五: one row per risk (marked with its source), its response beside it (`—` where
    none was given); a response given on its own (a `response` row without a risk to answer) has `—` as its risk."""
    return [{"risk": attributed(text, source) if text else formats.MISSING,
             "response": response or formats.MISSING}
            for text, response, source in plan_notes(data, unit, "risk")]


def target_goals(rows: list, catalog: Catalog) -> str:
    """`销售额目标185万元、新客户开发数量目标20家`: the month's targets, in catalog order."""
    return "、".join(f"{catalog[r.metric].name}目标{formats.figure(r.target, catalog[r.metric])}"
                    for r in rows if not formats.is_missing(r.target))


def against_last_month(row, catalog: Catalog) -> str:
    """`目标185万元，比上月实际170万元高15万元`, or just the target without last month's actual."""
    metric = catalog[row.metric]
    text = f"目标{formats.figure(row.target, metric)}"
    if formats.is_missing(row.target) or formats.is_missing(row.prev_actual):
        return text
    difference = row.target - row.prev_actual
    size = formats.change(abs(difference), metric).lstrip("+")
    if formats.is_zero(size):
        return text + "，与上月实际持平"
    return text + f"，比上月实际{formats.figure(row.prev_actual, metric)}{'高' if difference > 0 else '低'}{size}"


def untasked(row, catalog: Catalog) -> str:
    """Table 1's task cell for a metric without a task: what the target asks, from the data."""
    return f"{DATA_MARK}按月度目标推进：{against_last_month(row, catalog)}"


def open_work(tasks: list, names: dict[str, str], after: dt.date, due_text) -> list[str]:
    """The tasks still open after `after` (due later), as `继续推进：<task>（<owner>，<due>完成）`."""
    return [f"继续推进：{t.task}（{names[t.owner]}，{due_text(t.due)}完成）" for t in tasks if t.due > after]


def week_focus(rows: list, catalog: Catalog, tasks: list, names: dict[str, str], week_end: dt.date,
               due_text) -> list[str]:
    """What a week without a deadline works toward: the tasks still open after it, else the
    month's targets; nothing when there is neither."""
    open_tasks = open_work(tasks, names, week_end, due_text)
    if open_tasks:
        return open_tasks
    goals = target_goals(rows, catalog)
    return [f"本周推进月度目标：{goals}"] if goals else []


def strategy_from_data(rows: list, catalog: Catalog) -> list[str]:
    """Strategy lines from the data where none was written: each target against last month's actual."""
    return [f"{DATA_MARK}{catalog[r.metric].name}：{against_last_month(r, catalog)}"
            for r in rows if not formats.is_missing(r.target)]
