"""Document contexts: what each plan and summary shows, as plain dicts of display text.

Pure: takes the computed month (model.MonthData) and a unit and returns, per kind, the dict
that the Word template renders. All figures are formatted here (contract §3).
"""
from __future__ import annotations

import calendar
import datetime as dt

import pandas as pd

from pipeline.compute import analysis
from pipeline.compute.org import CHILD_LEVEL, Org, Unit
from pipeline.documents import formats
from pipeline.documents.charts import NO_CHART, ChartSpec
from pipeline.inputs.catalog import Catalog
from pipeline.inputs.schema import LEVEL_NAMES
from pipeline.inputs.values import month_label, shift_month
from pipeline.model import MonthData
from pipeline.status import (GAP_STATUSES, STATUS_INCOMPLETE, STATUS_MET, STATUS_MISSED, STATUS_NEAR,
                             status_fill, status_text)

NOT_GIVEN = "（本月未录入）"
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


def _or_not_given(items: list[str]) -> list[str]:
    return items or [NOT_GIVEN]


def _unit_rows(metrics: pd.DataFrame, unit: Unit) -> pd.DataFrame:
    return metrics[(metrics["level"] == unit.level) & (metrics["unit"] == unit.unit)]


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
    catalog, org, month, tasks = data.inputs.catalog, data.org, data.month, data.inputs.tasks
    rows = _unit_rows(data.metrics, unit)
    goals = [{
        "metric": catalog[r.metric].name,
        "target": formats.figure(r.target, catalog[r.metric]),
        "prev_target": formats.figure(r.prev_target, catalog[r.metric]),
        "prev_actual": formats.figure(r.prev_actual, catalog[r.metric]),
        "prev_achievement": formats.achievement(r.prev_achievement),
    } for r in rows.itertuples()]
    targets = {r.metric: formats.figure(r.target, catalog[r.metric]) for r in rows.itertuples()}

    names = org.names
    reps = set(org.reps(unit.level, unit.unit))
    tasks = tasks[(tasks["month"] == month) & tasks["owner"].isin(reps)]
    tasks = tasks.sort_values(["due", "_line"], kind="stable")
    placeholder = {"task": "（暂未分解任务）", "owner": formats.MISSING, "due": formats.MISSING,
                   "done_criteria": formats.MISSING, "notes": formats.MISSING}
    table1 = []
    for key in [k for k in catalog.keys() if k in targets or k in set(tasks["metric"])]:
        header = {"metric": catalog[key].name, "target": targets.get(key, formats.MISSING)}
        chosen = tasks[tasks["metric"] == key]
        table1 += [{**header, "task": t.task, "owner": names[t.owner], "due": _due_text(t.due),
                    "done_criteria": t.done_criteria or formats.MISSING, "notes": t.notes or formats.MISSING}
                   for t in chosen.itertuples()] or [{**header, **placeholder}]

    weeks = []
    for number in range(1, len(WEEKS) + 1):
        items = [f"{t.task}（{names[t.owner]}，{_due_text(t.due)}）"
                 for t in tasks.itertuples() if _week(t.due, month) == number]
        weeks.append({"label": _week_label(number, month), "tasks": items or ["（本周无到期任务）"]})
    outside = [f"{t.task}（{names[t.owner]}，{t.due.year}年{_due_text(t.due)}）"
               for t in tasks.itertuples() if _week(t.due, month) is None]
    if outside:
        weeks.append({"label": "其他时间", "tasks": outside})

    return {
        **_header(unit, org, month, "月度工作计划"),
        "chart_targets": targets_chart(rows, catalog),
        "goals": goals or [{"metric": "（本月无目标数据）", "target": formats.MISSING, "prev_target": formats.MISSING,
                            "prev_actual": formats.MISSING, "prev_achievement": formats.MISSING}],
        "table1": table1,
        "strategies": _or_not_given(_notes(data, unit, "strategy")),
        "resources": _or_not_given(_notes(data, unit, "resources")),
        "weeks": weeks,
        "risks": _or_not_given(_notes(data, unit, "risk")),
        "responses": _or_not_given(_notes(data, unit, "response")),
    }


def unit_warnings(data: MonthData, unit: Unit) -> list[str]:
    """The warnings about `unit` itself or about any of its reps."""
    reps = set(data.org.reps(unit.level, unit.unit))
    return list(dict.fromkeys(w.message for w in data.warnings
                              if w.concerns(unit.level, unit.unit) or (w.level == "rep" and w.unit in reps)))


def _data_notes(data: MonthData, unit: Unit, rows: pd.DataFrame) -> list[str]:
    """The unit's warnings, how an incomplete figure is to be read, or that the data is complete."""
    explained = [INCOMPLETE_NOTE] if (rows["status"] == STATUS_INCOMPLETE).any() else []
    return unit_warnings(data, unit) + explained or ["本单位本月数据完整，无缺报或异常。"]


def _overview(rows: pd.DataFrame, catalog: Catalog) -> str:
    counts = rows["status"].value_counts()
    parts = [f"{status_text(s)}{counts[s]}项" for s in (STATUS_MET, STATUS_NEAR, STATUS_MISSED) if s in counts]
    missing = int(sum(counts.get(s, 0) for s in GAP_STATUSES))
    if missing:
        parts.append(f"数据不全{missing}项")
    return f"本月共考核{len(rows)}项指标：" + ("，".join(parts) if parts else "无可比较的数据") + "。"


def achievement_chart(rows: pd.DataFrame, catalog: Catalog) -> ChartSpec:
    """Achievement per metric against the 100% line; an incomplete metric is named without a bar,
    since its total would draw a gap in the data as a shortfall."""
    shown = rows[rows["achievement"].notna()]
    incomplete = shown["status"] == STATUS_INCOMPLETE
    names = tuple(catalog[key].name + ("（数据不全）" if gap else "") for key, gap in zip(shown["metric"], incomplete))
    values = tuple(None if gap else float(v) for v, gap in zip(shown["achievement"], incomplete))
    return ChartSpec("各项指标达成率", names, (("达成率", values),), reference_line=("目标 100%", 1.0))


def members_chart(members: pd.DataFrame, labels: dict[str, str], main: list[str], catalog: Catalog,
                  member_name: str) -> ChartSpec:
    """Members' achievement of the first two main metrics, best first by the first; a member
    lacking a figure, or with incomplete data, has no bar and comes last."""
    if members.empty or not main:
        return NO_CHART
    shown = main[:2]
    rates, _ = analysis.ranked_members(members, shown)
    series = tuple((catalog[key].name, tuple(None if pd.isna(v) else float(v) for v in rates[key])) for key in shown)
    return ChartSpec(f"各{member_name}达成率对比", tuple(labels.get(u, u) for u in rates.index), series,
                     reference_line=("目标 100%", 1.0))


def targets_chart(rows: pd.DataFrame, catalog: Catalog) -> ChartSpec:
    """This month's targets beside last month's actuals, for the metrics sharing the first one's unit."""
    if rows.empty:
        return NO_CHART
    unit = catalog[rows["metric"].iloc[0]].unit
    shown = rows[rows["metric"].map(lambda key: catalog[key].unit == unit)]
    scale, number_format = (10000, '0.0"万元"') if unit == "万元" else (1, "0.0%" if unit == "%" else f'0"{unit}"')

    def values(column: str) -> tuple:
        return tuple(None if pd.isna(v) else float(v) / scale for v in shown[column])

    return ChartSpec(f"本月目标与上月实际（{unit}）", tuple(catalog[key].name for key in shown["metric"]),
                     (("上月实际", values("prev_actual")), ("本月目标", values("target"))), number_format)


def _weakest(rows: pd.DataFrame) -> set[str]:
    """The metric with the lowest achievement below 100%, the one to watch."""
    behind = rows[rows["status"].isin([STATUS_NEAR, STATUS_MISSED]) & rows["achievement"].notna()]
    return set() if behind.empty else {behind.loc[behind["achievement"].idxmin(), "metric"]}


def summary_context(data: MonthData, unit: Unit) -> dict:
    """The 月度工作总结 of `unit`: figures and data notes, Table 2, lessons, next month.

    Table 2 cells and the lists of 三 that no person wrote are filled from the data (【数据】).
    """
    catalog, org, month = data.inputs.catalog, data.org, data.month
    rows = _unit_rows(data.metrics, unit)
    labels = org.names
    members = analysis.member_rows(data.metrics, org, unit.level, unit.unit)
    weakest = _weakest(rows)

    def written(row, section: str) -> str:
        return "\n".join(_notes(data, unit, section, row.metric))

    def cell(row, section: str, generate) -> str:
        return written(row, section) or generate(row, members, labels, catalog[row.metric])

    figures, table2 = [], []
    for r in rows.itertuples():
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
        table2.append({**shown,
                       "reason": analysis.variance_reason(r, members, labels, metric, written(r, "variance_reason")),
                       "highlight": cell(r, "highlight", analysis.highlight),
                       "problem": cell(r, "problem", analysis.problem),
                       "next_step": written(r, "next_step") or formats.MISSING})

    main = list(rows["metric"][:analysis.RANKED_METRICS])
    member_level = CHILD_LEVEL.get(unit.level)
    member_name = "销售代表" if member_level == "rep" else LEVEL_NAMES.get(member_level, "")
    upcoming = _unit_rows(data.next_targets, unit)
    return {
        **_header(unit, org, month, "月度工作总结"),
        "overview": _overview(rows, catalog),
        "figures": figures,
        "data_notes": _data_notes(data, unit, rows),
        "chart_achievement": achievement_chart(rows, catalog),
        "table2": table2,
        "reasons": _notes(data, unit, "variance_reason"),
        "member_name": member_name,
        "chart_members": members_chart(members, labels, main, catalog, member_name),
        "ranking": analysis.ranking(members, labels, main, catalog),
        "ranking_metrics": [catalog[key].name for key in main] + [formats.MISSING] * (analysis.RANKED_METRICS - len(main)),
        "highlights": _notes(data, unit, "highlight")
                      or analysis.section_items(rows, members, labels, catalog, good=True) or [NOT_GIVEN],
        "problems": _notes(data, unit, "problem")
                    or analysis.section_items(rows, members, labels, catalog, good=False) or [NOT_GIVEN],
        "next_steps": _or_not_given(_notes(data, unit, "next_step")),
        "next_targets": [{"metric": catalog[r.metric].name, "target": formats.figure(r.target, catalog[r.metric])}
                         for r in upcoming.itertuples() if pd.notna(r.target)],
    }
