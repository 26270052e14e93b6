"""Document contexts: what each plan and summary shows, as plain dicts of display text.

Pure: takes the computed month (model.MonthData) and a unit and returns, per kind, the dict
that the Word template renders. All figures are formatted here (contract §3).
"""
from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter

from pipeline.compute import analysis
from pipeline.compute.org import CHILD_LEVEL, Org, Unit
from pipeline.documents import fill_in, formats, tables
from pipeline.documents.plan_context import with_substance
from pipeline.documents.rollup_context import members_said
from pipeline.documents.charts import NO_CHART, ChartSpec, unit_scale, with_labels
from pipeline.documents.history_context import summary_history
from pipeline.documents.segment_context import plan_segments, summary_segments
from pipeline.inputs.catalog import Catalog
from pipeline.inputs.schema import LEVEL_NAMES
from pipeline.inputs.values import month_label, shift_month
from pipeline.model import MonthData
from pipeline.status import (GAP_STATUSES, STATUS_INCOMPLETE, STATUS_MET, STATUS_MISSED, STATUS_NEAR,
                             status_fill, status_text)

INCOMPLETE_NOTE = ("标为“数据不全”的指标：有成员缺实际完成或缺目标。达成率仍按已报的合计计算，括号内是已报、有目标的人数；"
                   "“可比口径”只算既有目标又已报的成员。缺的数据不计为0，也不算作差距。")
WEEKS = ((1, 7), (8, 14), (15, 21), (22, 31))


def contexts(data: MonthData, unit: Unit) -> dict[str, dict]:
    """The plan's and the summary's context of `unit`."""
    return {"plan": plan_context(data, unit), "summary": summary_context(data, unit)}


def _scope(unit: Unit, org: Org) -> str:
    """Where the unit sits and what it holds, e.g. `华东区 · 上海一组（3名销售代表）`."""
    reps = org.reps(unit.level, unit.unit)
    if unit.level == "rep":
        rep = unit.unit
        return f"{org.unit_of(rep, 'region')} · {org.unit_of(rep, 'team')} · {org.names[rep]}（工号 {rep}）"
    if unit.level == "team":
        return f"{org.team_region[unit.unit]} · {unit.label}（{len(reps)}名销售代表）"
    prefix = "全公司" if unit.level == "company" else unit.label
    return f"{prefix}（{org.teams(unit.level, unit.unit)}个团队，{len(reps)}名销售代表）"


def _header(unit: Unit, org: Org, month: str, kind_name: str) -> dict:
    return {
        "month": month,
        "month_label": month_label(month),
        "prev_month_label": month_label(shift_month(month, -1)),
        "next_month_label": month_label(shift_month(month, 1)),
        "level": unit.level,
        "level_name": LEVEL_NAMES[unit.level],
        "unit": unit.unit,
        "unit_label": unit.label,
        "scope": _scope(unit, org),
        "title": f"{unit.label} {month_label(month)} {kind_name}",
    }


def _notes(data: MonthData, unit: Unit, section: str, metric: str = "") -> list[str]:
    return data.inputs.note_texts.get((data.month, unit.level, unit.unit, section, metric), [])


def _week(due: dt.date, month: str) -> int | None:
    """1–4 for a deadline inside `month` (days 22 to the end are week 4), else None."""
    if f"{due.year:04d}-{due.month:02d}" != month:
        return None
    return next(number for number, (first, last) in enumerate(WEEKS, start=1) if first <= due.day <= last)


def _week_label(number: int, month: str) -> str:
    year, month_number = (int(part) for part in month.split("-"))
    first, last = WEEKS[number - 1]
    last = min(last, calendar.monthrange(year, month_number)[1])
    return f"第{number}周（{month_number}月{first}日—{month_number}月{last}日）"


def _due_text(due: dt.date) -> str:
    return f"{due.month}月{due.day}日前"


def plan_context(data: MonthData, unit: Unit) -> dict:
    """The 月度工作计划 of `unit`: goals, Table 1, strategy, weekly milestones, risks."""
    catalog, org, month, prepared = data.inputs.catalog, data.org, data.month, data.of(unit)
    rows, tasks = prepared.plan_rows, prepared.tasks  # never the month's own actuals (compute.plan)
    goals = [{
        "metric": catalog[r.metric].name,
        "target": formats.figure(r.target, catalog[r.metric]),
        "prev_target": formats.figure(r.prev_target, catalog[r.metric]),
        "prev_actual": formats.figure(r.prev_actual, catalog[r.metric]),
        "prev_achievement": analysis.prev_achievement_text(r),
    } for r in rows]
    targets = {r.metric: formats.figure(r.target, catalog[r.metric]) for r in rows}

    names = org.names
    placeholder = {"task": "（暂未分解任务）", "owner": formats.MISSING, "due": formats.MISSING,
                   "done_criteria": formats.MISSING, "notes": formats.MISSING}
    table1 = []
    by_metric = analysis.by_metric(tasks)
    for key in [k for k in catalog.keys() if k in targets or k in by_metric]:
        header = {"metric": catalog[key].name, "key": key, "target": targets.get(key, formats.MISSING)}
        table1 += [{**header, "task": t.task, "owner": names[t.owner], "due": _due_text(t.due),
                    "done_criteria": t.done_criteria or formats.MISSING, "notes": t.notes or formats.MISSING}
                   for t in by_metric.get(key, [])] or [{**header, **placeholder}]

    weeks = []
    for number in range(1, len(WEEKS) + 1):
        items = [f"{t.task}（{names[t.owner]}，{_due_text(t.due)}）"
                 for t in tasks if _week(t.due, month) == number]
        weeks.append({"label": _week_label(number, month), "tasks": items or ["（本周无到期任务）"]})
    outside = [f"{t.task}（{names[t.owner]}，{t.due.year}年{_due_text(t.due)}）"
               for t in tasks if _week(t.due, month) is None]
    if outside:
        weeks.append({"label": "其他时间", "tasks": outside})

    return fill_in.plan_fields(with_substance(data, unit, {
        **_header(unit, org, month, "月度工作计划"),
        "chart_targets": targets_chart(rows, catalog),
        **plan_segments(data, unit),
        "goals": goals or [{"metric": "（本月无目标数据）", "target": formats.MISSING, "prev_target": formats.MISSING,
                            "prev_actual": formats.MISSING, "prev_achievement": formats.MISSING}],
        "table1": tables.with_groups(table1),
        "weeks": weeks,  # strategies, resources and risks: plan_context.plan_notes
        "prev_next_steps": previous_next_steps(data, unit),
    }))


def previous_next_steps(data: MonthData, unit: Unit) -> list[str]:
    """The 下月改进措施 (`next_step` notes) written for `unit` in last month's summary, per metric in
    catalog order, then the general ones; where the unit wrote none, its members'."""
    before, texts, members = shift_month(data.month, -1), data.inputs.note_texts, data.prev_member_next_steps
    return metric_lines(data.inputs.catalog, [*data.inputs.catalog.keys(), ""],
                        lambda key: texts.get((before, unit.level, unit.unit, "next_step", key), []),
                        lambda key: members.get((unit.level, unit.unit, "next_step", key), []))


def metric_lines(catalog: Catalog, keys: list[str], own, members) -> list[str]:
    """Per metric key ("" for the general notes): the unit's own notes (`销售额：…`), else its
    members' (`销售额（杭州组）：…`). `own(key)` gives texts, `members(key)` (source, text, _)."""
    found = []
    for key in keys:
        name = catalog[key].name if key else ""
        written = own(key)
        found += [f"{name}：{text}" if name else text for text in written]
        if not written:
            found += [(f"{name}（{source}）：" if name else f"{source}：") + text for source, text, _ in members(key)]
    return found


def _data_notes(warnings: list[str], rows: list, unit: Unit) -> list[str]:
    """The unit's warnings, how an incomplete figure is to be read, or that the data is complete."""
    explained = [INCOMPLETE_NOTE] if any(r.status == STATUS_INCOMPLETE for r in rows) else []
    return warnings + explained or [f"{'本人' if unit.level == 'rep' else '本单位'}本月数据完整，无缺报或异常。"]


def _overview(rows: list) -> str:
    counts = Counter(r.status for r in rows)
    parts = [f"{status_text(s)}{counts[s]}项" for s in (STATUS_MET, STATUS_NEAR, STATUS_MISSED) if s in counts]
    missing = sum(counts[s] for s in GAP_STATUSES)
    if missing:
        parts.append(f"数据不全{missing}项")
    return f"本月共考核{len(rows)}项指标：" + ("，".join(parts) if parts else "无可比较的数据") + "。"


def achievement_chart(rows: list, catalog: Catalog) -> ChartSpec:
    """Achievement per metric against the 100% line. An incomplete metric keeps its bar, hatched
    grey and labelled with its coverage (`95.8%（已报 11/12）`), so its total is not read as a
    shortfall; a metric without an achievement (no actual, no target) is named without a bar."""
    names = tuple(catalog[r.metric].name + (f"（{status_text(r.status)}）" if r.status in GAP_STATUSES else "")
                  for r in rows)
    values = tuple(None if formats.is_missing(r.achievement) else float(r.achievement) for r in rows)
    labels = (tuple("" if value is None else analysis.achievement_text(r) for r, value in zip(rows, values)),)
    muted = tuple(i for i, r in enumerate(rows) if r.status == STATUS_INCOMPLETE and values[i] is not None)
    return ChartSpec("各项指标达成率", names, (("达成率", values),), reference_line=("目标 100%", 1.0),
                     labels=labels, muted=muted)


def members_chart(members: list, labels: dict[str, str], main: list[str], catalog: Catalog,
                  member_name: str) -> ChartSpec:
    """Members' achievement of the first two main metrics, best first by the first; a member
    lacking a figure, or with incomplete data, has no bar and comes last."""
    if not members or not main:
        return NO_CHART
    ranked = analysis.ranked_members(members, main)

    def bar(row) -> float | None:
        rate = analysis.comparable_value(row, "achievement")
        return None if formats.is_missing(rate) else float(rate)

    series = tuple((catalog[key].name, tuple(bar(rows.get(key)) for _, rows in ranked)) for key in main[:2])
    return with_labels(ChartSpec(f"各{member_name}达成率对比", tuple(labels.get(unit, unit) for unit, _ in ranked),
                                 series, reference_line=("目标 100%", 1.0)), formats.achievement)


def targets_chart(rows: list, catalog: Catalog) -> ChartSpec:
    """This month's targets beside last month's actuals, for the metrics sharing the first one's unit."""
    if not rows:
        return NO_CHART
    unit = catalog[rows[0].metric].unit
    shown = [r for r in rows if catalog[r.metric].unit == unit]
    scale, number_format = unit_scale(unit)

    def values(column: str) -> tuple:
        return tuple(None if formats.is_missing(getattr(r, column)) else float(getattr(r, column)) / scale for r in shown)

    spec = ChartSpec(f"本月目标与上月实际（{unit}）", tuple(catalog[r.metric].name for r in shown),
                     (("上月实际", values("prev_actual")), ("本月目标", values("target"))), number_format)
    return with_labels(spec, lambda value: formats.figure(value * scale, catalog[shown[0].metric]))


def _weakest(rows: list) -> set[str]:
    """The metric with the lowest achievement below 100%, the one to watch (the first, on a tie)."""
    behind = [r for r in rows if r.status in (STATUS_NEAR, STATUS_MISSED) and not formats.is_missing(r.achievement)]
    return {min(behind, key=lambda r: r.achievement).metric} if behind else set()


def summary_context(data: MonthData, unit: Unit) -> dict:
    """The 月度工作总结 of `unit`: figures and data notes, Table 2, lessons, next month.

    Table 2 cells and the lists of 三 that no person wrote are filled from the data (【数据】).
    """
    catalog, org, month, prepared = data.inputs.catalog, data.org, data.month, data.of(unit)
    rows, members, labels = prepared.rows, prepared.members, org.names
    members_by_metric = analysis.by_metric(members)
    weakest = _weakest(rows)

    def written(row, section: str) -> str:  # the unit's own notes, else its members' (attributed)
        return "\n".join(_notes(data, unit, section, row.metric) or members_said(data, unit, section, row.metric))

    def cell(row, section: str, generate) -> str:
        return written(row, section) or generate(row, members_by_metric.get(row.metric, []), labels,
                                                 catalog[row.metric])

    figures, table2 = [], []
    for r in rows:
        metric = catalog[r.metric]
        shown = {
            "metric": metric.name,
            "target": formats.figure(r.target, metric),
            "actual": formats.figure(r.actual, metric),
            "achievement": analysis.achievement_text(r),
            "status": r.status,
            "status_text": status_text(r.status) + ("（重点关注）" if r.metric in weakest else ""),
            "fill": status_fill(r.status),
        }
        figures.append({**shown,
                        "variance": analysis.variance_text(r, metric),
                        "prev_actual": formats.figure(r.prev_actual, metric),
                        "mom_change": analysis.mom_text(r, metric)})
        table2.append({**shown, "key": r.metric,
                       "reason": analysis.variance_reason(r, members_by_metric.get(r.metric, []), labels, metric,
                                                          written(r, "variance_reason")),
                       "highlight": cell(r, "highlight", analysis.highlight),
                       "problem": cell(r, "problem", analysis.problem),
                       "next_step": written(r, "next_step")})

    main = [r.metric for r in rows[:analysis.RANKED_METRICS]]
    member_level = CHILD_LEVEL.get(unit.level)
    member_name = "销售代表" if member_level == "rep" else LEVEL_NAMES.get(member_level, "")
    return fill_in.summary_fields({
        **_header(unit, org, month, "月度工作总结"),
        "overview": _overview(rows),
        "figures": figures,
        **summary_history(data, unit, rows, main),
        **summary_segments(data, unit),
        "data_notes": _data_notes(prepared.warnings, rows, unit),
        "chart_achievement": achievement_chart(rows, catalog),
        "table2": table2,
        "reasons": _notes(data, unit, "variance_reason") or members_said(data, unit, "variance_reason"),
        "member_name": member_name,
        "chart_members": members_chart(members, labels, main, catalog, member_name),
        "ranking": analysis.ranking(members, labels, main, catalog),
        "ranking_metrics": [catalog[key].name for key in main] + [formats.MISSING] * (analysis.RANKED_METRICS - len(main)),
        "highlights": _notes(data, unit, "highlight") or members_said(data, unit, "highlight")
                      + analysis.section_items(rows, members_by_metric, labels, catalog, good=True),
        "problems": _notes(data, unit, "problem") or members_said(data, unit, "problem")
                    + analysis.section_items(rows, members_by_metric, labels, catalog, good=False),
        "next_steps": _notes(data, unit, "next_step") or members_said(data, unit, "next_step")
                      or metric_lines(catalog, [r.metric for r in rows],
                                      lambda key: _notes(data, unit, "next_step", key),
                                      lambda key: data.member_notes.get((unit.level, unit.unit, "next_step", key), [])),
        "next_targets": [{"metric": catalog[r.metric].name, "target": formats.figure(r.target, catalog[r.metric])}
                         for r in prepared.next_rows if not formats.is_missing(r.target)],
    })

