"""What a plan shows beyond its own figures and tasks: its notes and those flowed down from the
units above it (each marked with its source, "公司：…"), the risks beside their responses, and
its target split by member. Pure, like context.py.
"""
from __future__ import annotations

import functools
import math

from pipeline.compute.notes import FLOWING as FLOWING_SECTIONS
from pipeline.compute.org import CHILD_LEVEL, Unit
from pipeline.compute.segments import UNSPLIT
from pipeline.documents import formats, tables
from pipeline.documents.analysis_text import FEW
from pipeline.compute.model import MonthData
from pipeline.months import Month

# The weeks of 四、时间节点: days 1–7, 8–14, 15–21 and 22 to the month's end are 第1–4周.
WEEKS = ((1, 7), (8, 14), (15, 21), (22, 31))
TOTAL = "合计"


def _marked(source: str, text: str) -> str:
    return f"{source}：{text}" if source else text


def _keys(data: MonthData) -> list[str]:
    """The metric keys notes may carry, "" (no metric) first, then in catalog order."""
    return ["", *data.inputs.catalog.keys()]


def notes_of(data: MonthData, unit: Unit, section: str) -> list[tuple[str, str, str, str]]:
    """(source, metric name, text, response) of the unit's plan notes of `section`: its own,
    then those flowed down from the units above it, the general ones before each metric's."""
    catalog, notes, found = data.inputs.catalog, data.plan_notes, []
    for key in _keys(data):
        for source, text, response in notes.get((unit.level, unit.unit, section, key), ()):  # mostly none
            found.append((source, catalog[key].name if key else "", text, response))
    return found


def _texts(data: MonthData, unit: Unit, section: str) -> list[str]:
    return [_marked(source, (f"{metric}：" if metric else "") + text)
            for source, metric, text, _ in notes_of(data, unit, section)]


def risk_pairs(data: MonthData, unit: Unit) -> list[dict]:
    """Step 五's rows: each risk beside its response (`—` where none was written); a `response`
    note that no risk takes is a row of its own with an empty risk."""
    rows = []
    for source, metric, text, response in notes_of(data, unit, "risk"):
        rows.append({"risk": _marked(source, (f"{metric}：" if metric else "") + text),
                     "response": response or formats.MISSING})
    for source, metric, text, _ in notes_of(data, unit, "response"):
        rows.append({"risk": "", "response": _marked(source, (f"{metric}：" if metric else "") + text)})
    return rows or [{"risk": "", "response": ""}]


def plan_notes(data: MonthData, unit: Unit) -> dict:
    """`strategies`, `resources`, `risks`, `responses` (lists of text) and `risk_pairs` (rows)."""
    pairs = risk_pairs(data, unit)
    return {
        "strategies": _texts(data, unit, "strategy"),
        "resources": _texts(data, unit, "resources"),
        "risks": [row["risk"] for row in pairs if row["risk"]],
        "responses": [row["response"] for row in pairs if row["response"] not in ("", formats.MISSING)],
        "risk_pairs": pairs,
    }


def _growth(target: float, base: float, label: str, metric) -> str:
    """What `target` asks over `base`: `需较10月实际增长11.6%`; a target below it asks nothing,
    it is `较10月实际低6%`; `与10月实际持平`. A count below FEW (家, 场) in its units, not in
    percent (1家 against 2 is no `下降50%`): `需较去年11月实际多1家`. '' where `base` is missing or 0."""
    if formats.is_missing(base) or base == 0:
        return ""
    change = (target - base) / abs(base)
    if not metric.is_money and abs(base) < FEW:
        size = formats.change(abs(target - base), metric).lstrip("+")
        words = ("多", "少")
    else:
        size = formats.percent(abs(change))
        words = ("增长", "低")
    if formats.is_zero(size):
        return f"与{label}持平"
    return f"需较{label}{words[0]}{size}" if change > 0 else f"较{label}{words[1]}{size}"


def target_asks(data: MonthData, unit: Unit) -> list[str]:
    """Step 一's 目标要求: per summed metric with a target, the change it asks over last month's
    actual and, where the inputs hold it, over the same month last year
    (`销售额：目标206.5万元，需较10月实际增长11.6%、较去年11月实际增长8%`; one 需 a line)."""
    catalog, lines = data.inputs.catalog, []
    month = Month(data.month)
    before, number = month.previous.number, month.number
    for r in data.of(unit).plan_rows:
        metric = catalog[r.metric]
        if metric.kind != "sum" or formats.is_missing(r.target):
            continue
        asks = [text for text in (_growth(r.target, r.prev_actual, f"{before}月实际", metric),
                                  _growth(r.target, getattr(r, "yoy_actual", None), f"去年{number}月实际", metric))
                if text]
        if len(asks) == 2 and asks[0].startswith("需") and asks[1].startswith("需"):
            asks = [asks[0], asks[1][1:]]  # `需较10月…增长11.6%，较去年11月…增长8%`
        if asks:
            lines.append(f"{metric.name}：目标{formats.figure(r.target, metric)}，" + "，".join(asks))
    return lines


def with_substance(data: MonthData, unit: Unit, context: dict) -> dict:
    """The plan's `context` with the pieces of this module put in."""
    note = rate_note(data, unit)
    return {**context, **plan_notes(data, unit), "rate_note": note, "method_notes": [note] if note else [],
            "target_asks": target_asks(data, unit),
            "member_targets": member_targets(data, unit),
            "member_noun": member_noun(unit), "weeks": filled_weeks(data, unit, context["weeks"]),
            "table1": filled_table1(data, unit, context["table1"])}


def rate_note(data: MonthData, unit: Unit) -> str:
    """Why a plan's rate target may differ slightly from the same target in the month's summary
    (compute.plan): a roll-up's weighs its members, a rep's given by segment its segments, by
    earlier bases. '' where the plan has no such target."""
    catalog = data.inputs.catalog
    if unit.level == "rep":
        split = {r.metric for r in data.plan_segment_rows.get((unit.level, unit.unit), []) if r.segment != UNSPLIT}
        rows = [r for r in data.of(unit).plan_rows if r.metric in split]
    else:
        rows = data.of(unit).plan_rows
    rates = [catalog[r.metric].name for r in rows if catalog[r.metric].kind != "sum" and not formats.is_missing(r.target)]
    if not rates:
        return ""
    parts = "各细分" if unit.level == "rep" else "各成员"
    return (f"{'、'.join(rates)}的目标按{parts}上月（或此前最近一个有数据的月份）的基数加权，都没有基数时取简单"
            "平均；月度总结改按本月实际的基数加权，故总结中的目标可能与本计划略有差异。")


def _members(data: MonthData, unit: Unit) -> list[Unit]:
    """The units directly inside `unit`, in org order (none for a rep)."""
    org, child = data.org, CHILD_LEVEL.get(unit.level)
    if child is None:
        return []
    keys = dict.fromkeys(org.unit_of(rep, child) for rep in org.reps(unit.level, unit.unit))
    return [Unit(child, key, org.label(child, key)) for key in keys]


def member_targets(data: MonthData, unit: Unit) -> list[dict]:
    """Step 二's 目标分解到每个人: per member (in org order) and metric of the unit's plan, the member's
    plan target and, for a `sum` metric, its share of the unit's (`50万元（占25%）`); then a 合计 row
    per metric with the unit's own target. Rows carry `member` and a `group` per member. From the
    plan figures only, so the table stays the same when the month's actuals arrive."""
    catalog = data.inputs.catalog
    own = [r for r in data.of(unit).plan_rows if not formats.is_missing(r.target)]
    members = _members(data, unit)
    if not own or not members:
        return []
    rows = []
    for member in members:
        targets = {r.metric: r.target for r in data.of(member).plan_rows}
        for r in own:
            metric, target = catalog[r.metric], targets.get(r.metric)
            text = formats.figure(target, metric)
            if metric.kind == "sum" and not formats.is_missing(target) and r.target > 0:
                text += f"（占{formats.percent(target / r.target)}）"
            rows.append({"member": member.label, "metric": metric.name, "target": text})
    rows += [{"member": TOTAL, "metric": catalog[r.metric].name, "target": formats.figure(r.target, catalog[r.metric])}
             for r in own]
    return tables.with_groups(rows, ("member",))


def member_noun(unit: Unit) -> str:
    return {"company": "区域", "region": "团队", "team": "销售代表"}.get(unit.level, "")


NO_TASK = "（暂未分解任务）"
NO_TASK_THIS_WEEK = "（本周无到期任务）"
WEEK_ENDS = tuple(last for _, last in WEEKS[:-1])  # the last day of weeks 1–3; week 4 runs to the month's end
UPCOMING_SHOWN = 3


@functools.lru_cache(maxsize=64)  # the same for every unit's plan of the month
def _days(month: str) -> int:
    return Month(month).days


def _pace(held: list[str], summed: list[tuple], progress: float) -> str:
    """Where the unit should stand after `progress` of the month: a `sum` metric's target pro rata
    (`累计应完成销售额7.68万元`; a whole-number count to whole units, left out while 0), a rate's target
    to hold (`老客户复购率不低于35%`: `held`, the same every week); a metric where lower is better says
    不超过 / 不高于. `summed`: the (metric, target) of the `sum` metrics with a target."""
    parts = {"累计应完成": [], "累计不超过": []}
    for metric, target in summed:
        share = target * progress
        if metric.is_money:  # as a manager writes a milestone: to 0.1万元 at most, left out while it shows 0
            number = formats.plain_number(share / 10000, 1)
            text = number + metric.unit if share > 0 and number != "0" else ""
        else:  # 家, 场, 次: whole ones, from 1
            share = math.floor(share + 0.5)
            text = formats.figure(share, metric) if share > 0 else ""
        if text:
            parts["累计应完成" if metric.direction == "higher" else "累计不超过"].append(f"{metric.name}{text}")
    return "；".join(word + "、".join(items) for word, items in [*parts.items(), ("", held)] if items)


@functools.lru_cache(maxsize=64)
def _week_progress(month: str) -> tuple[tuple[float, str], ...]:
    """Per week 1–4 of `month`: the share of the month gone by its end and the words saying so
    (`进度要求：截至10月14日（时间进度45.2%）`), the same for every unit's plan."""
    number, days = Month(month).number, _days(month)
    ends = [_week_end(month, week) for week in range(1, len(WEEK_ENDS) + 2)]
    return tuple((end / days, f"进度要求：截至{number}月{end}日（时间进度{formats.percent(end / days)}）") for end in ends)


def _progress(data: MonthData, unit: Unit) -> list[str]:
    """Per week 1–4: `进度要求：截至10月14日（时间进度45.2%）累计应完成…。`, '' without targets."""
    catalog = data.inputs.catalog
    targets = [(catalog[r.metric], r.target) for r in data.of(unit).plan_rows if not formats.is_missing(r.target)]
    held = [f"{metric.name}{'不低于' if metric.direction == 'higher' else '不高于'}{formats.figure(target, metric)}"
            for metric, target in targets if metric.kind != "sum"]
    summed = [(metric, target) for metric, target in targets if metric.kind == "sum"]
    paces = [(head, _pace(held, summed, progress)) for progress, head in _week_progress(data.month)]
    return [f"{head}{pace}。" if pace else "" for head, pace in paces]


def _week_end(month: str, week: int) -> int:
    return WEEK_ENDS[week - 1] if week <= len(WEEK_ENDS) else _days(month)


def _coming(data: MonthData, unit: Unit, week: int) -> list[str]:
    """`提前准备：…（10月12日到期）`: the tasks due in the week after `week` (the first few)."""
    month, names = data.month, data.org.display
    end, following = _week_end(month, week), _week_end(month, week + 1)
    coming = [t for t in data.of(unit).tasks
              if Month(month).holds(t.due) and end < t.due.day <= following]
    return [f"提前准备：{t.task}（{names[t.owner]}，{t.due.month}月{t.due.day}日到期）" for t in coming[:UPCOMING_SHOWN]]


def filled_weeks(data: MonthData, unit: Unit, weeks: list[dict]) -> list[dict]:
    """`weeks` 1–4 each with where the unit should stand by the week's end (the targets pro rata
    to the calendar) after its tasks; a week without a deadline also names the tasks due the week
    after it, instead of a placeholder."""
    filled, paces = [], _progress(data, unit)
    for number, week in enumerate(weeks, start=1):
        if number <= len(WEEK_ENDS) + 1:
            empty = week["tasks"] == [NO_TASK_THIS_WEEK]
            progress = [line for line in [paces[number - 1]] if line]
            added = progress + _coming(data, unit, number) if empty else week["tasks"] + progress
            week = {**week, "tasks": added or week["tasks"]}
        filled.append(week)
    return filled


def _carriers(data: MonthData, members: list[Unit], key: str) -> list[tuple[Unit, float]]:
    """The `members` (of a unit, in org order) with a plan target for metric `key`, and that target."""
    found = []
    for member in members:
        target = next((r.target for r in data.of(member).plan_rows if r.metric == key), None)
        if target is not None and not formats.is_missing(target):
            found.append((member, target))
    return found


def _segment_line(data: MonthData, unit: Unit, key: str) -> str:
    """`按细分：A产品9万元、B产品5万元、C产品3万元`: the metric's plan target by segment, if split."""
    metric = data.inputs.catalog[key]
    rows = [r for r in data.plan_segment_rows.get((unit.level, unit.unit), [])
            if r.metric == key and not formats.is_missing(r.target)]
    if all(r.segment == UNSPLIT for r in rows):
        return ""
    return "按细分：" + "、".join(f"{r.segment}{formats.figure(r.target, metric)}" for r in rows)


def filled_table1(data: MonthData, unit: Unit, rows: list[dict]) -> list[dict]:
    """Table 1 with a metric's placeholder row (no task): its task from the plan notes of that
    metric (own or flowed down), else left empty for a person to write (a fill-in field, see
    fill_in); the members carrying its target as 负责人, one name a line (a name never breaks);
    due at the month's end; its split by segment, if any, in 备注. The metric, target and group
    of the row stay as they were."""
    month = data.month
    number = int(month.split("-")[1])
    members = _members(data, unit)  # found once for all of Table 1's rows
    filled = []
    for row in rows:
        key = row.get("key")
        if row.get("task") != NO_TASK or key is None:
            filled.append(row)
            continue
        noted = [_marked(source, text) for section in FLOWING_SECTIONS
                 for source, text, _ in data.plan_notes.get((unit.level, unit.unit, section, key), [])]
        owners = [unit.label] if unit.level == "rep" else [member.label for member, _ in _carriers(data, members, key)]
        filled.append({**row, "task": "\n".join(noted), "owner": "\n".join(owners) or formats.MISSING,
                       "due": f"{number}月{_days(month)}日前",
                       "done_criteria": f"达到月度目标{row['target']}" if row["target"] != formats.MISSING
                       else formats.MISSING,
                       "notes": _segment_line(data, unit, key) or formats.MISSING})
    return filled
