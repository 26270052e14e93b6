"""Document contexts: what each plan and summary shows, as plain dicts of display text.

Pure: takes the computed month (model.MonthData) and a unit and returns, per kind, the dict
that the Word template renders. All figures are formatted here (contract §3).
"""
from __future__ import annotations

import datetime as dt
import functools
from collections import Counter

from pipeline.documents import analysis_text as analysis
from pipeline.compute.org import CHILD_LEVEL, Org, Unit
from pipeline.compute.segments import UNSPLIT
from pipeline.documents import fill_in, formats, tables
from pipeline.documents.pipeline_context import plan_pipeline, summary_pipeline
from pipeline.documents.plan_context import NO_TASK, NO_TASK_THIS_WEEK, WEEKS, with_substance
from pipeline.documents.rollup_context import members_said
from pipeline.documents.charts import NO_CHART, ChartSpec, unit_scale, with_labels
from pipeline.documents.history_context import summary_history
from pipeline.documents.segment_context import plan_segments, summary_segments
from pipeline.inputs.catalog import Catalog
from pipeline.inputs.schema import CAUSES, LEVEL_NAMES
from pipeline.layout import KIND_NAMES, PLAN, SUMMARY
from pipeline.months import Month
from pipeline.compute.model import MonthData
from pipeline.status import (GAP_STATUSES, STATUS_INCOMPLETE, STATUS_MET, STATUS_MISSED, STATUS_NEAR,
                             status_fill, status_text)

INCOMPLETE_NOTE = ("标为“数据不全”的指标：有成员缺实际完成或缺目标。达成率仍按已报的合计计算，括号内是已报、有目标的人数；"
                   "“可比口径”只算既有目标又已报的成员。缺的数据不计为0，也不算作差距。")


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


@functools.lru_cache(maxsize=64)  # the same for every unit's documents of the month
def _month_labels(month: str) -> tuple[str, str, str]:
    """`2025年10月` of `month`, of the month before it and of the one after it."""
    return Month(month).label, Month(month).previous.label, Month(month).next.label


def _header(unit: Unit, org: Org, month: str, kind_name: str) -> dict:
    label, prev_label, next_label = _month_labels(month)
    return {
        "month": month,
        "month_label": label,
        "prev_month_label": prev_label,
        "next_month_label": next_label,
        "level": unit.level,
        "level_name": LEVEL_NAMES[unit.level],
        "unit": unit.unit,
        "unit_label": unit.label,
        "scope": _scope(unit, org),
        "title": f"{unit.label} {label} {kind_name}",
    }


def _notes(data: MonthData, unit: Unit, section: str, metric: str = "") -> list[str]:
    return data.inputs.note_texts.get((data.month, unit.level, unit.unit, section, metric), [])


@functools.lru_cache(maxsize=1 << 10)  # tasks share deadlines, units share the month
def _week(due: dt.date, month: str) -> int | None:
    """1–4 for a deadline inside `month` (days 22 to the end are week 4), else None."""
    if not Month(month).holds(due):
        return None
    return next(number for number, (first, last) in enumerate(WEEKS, start=1) if first <= due.day <= last)


@functools.lru_cache(maxsize=64)
def _week_label(number: int, month: str) -> str:
    first, last = WEEKS[number - 1]
    month_number, last = Month(month).number, min(last, Month(month).days)
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

    names = org.display
    placeholder = {"task": NO_TASK, "owner": formats.MISSING, "due": formats.MISSING,
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
        weeks.append({"label": _week_label(number, month), "tasks": items or [NO_TASK_THIS_WEEK]})
    outside = [f"{t.task}（{names[t.owner]}，{t.due.year}年{_due_text(t.due)}）"
               for t in tasks if _week(t.due, month) is None]
    if outside:
        weeks.append({"label": "其他时间", "tasks": outside})

    return fill_in.plan_fields(with_substance(data, unit, {
        **_header(unit, org, month, KIND_NAMES[PLAN]),
        "chart_targets": targets_chart(rows, catalog),
        **plan_segments(data, unit),
        **plan_pipeline(data, unit),
        "goals": goals or [{"metric": "（本月无目标数据）", "target": formats.MISSING, "prev_target": formats.MISSING,
                            "prev_actual": formats.MISSING, "prev_achievement": formats.MISSING}],
        "table1": tables.with_groups(table1),
        "weeks": weeks,  # strategies, resources and risks: plan_context.plan_notes
        "prev_next_steps": previous_next_steps(data, unit),
    }))


def previous_next_steps(data: MonthData, unit: Unit) -> list[str]:
    """The 下月改进措施 (`next_step` notes) written for `unit` in last month's summary, per metric in
    catalog order, then the general ones; where the unit wrote none, its members'."""
    before, texts, members = Month(data.month).previous, data.inputs.note_texts, data.prev_member_next_steps
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
        if written:
            found += [f"{name}：{text}" if name else text for text in written]
            continue
        for source, text, _ in members(key):  # (a loop, not a comprehension: mostly there are none)
            found.append((f"{name}（{source}）：" if name else f"{source}：") + text)
    return found


def _data_notes(warnings: list[str], unit: Unit, org: Org) -> list[str]:
    """The unit's warnings, reps named as the documents name them (`孙浩`, not `S1012 孙浩`; the
    ids stay in manifest.json and the console), or that the data is complete."""
    named = [_by_name(text, org) for text in warnings]
    return named or [f"{'本人' if unit.level == 'rep' else '本单位'}本月数据完整，无缺报或异常。"]


def _by_name(text: str, org: Org) -> str:
    """`text` with each `工号 姓名` of a warning written as the rep's display name."""
    for rep, name in org.names.items():
        text = text.replace(f"{rep} {name} ", org.display[rep]).replace(f"{rep} {name}", org.display[rep])
    return text


def method_notes(rows: list) -> list[str]:
    """附：口径说明 of a summary: how an incomplete figure is read, where there is one."""
    return [INCOMPLETE_NOTE] if any(r.status == STATUS_INCOMPLETE for r in rows) else []


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
    scale, number_format = unit_scale(catalog[rows[0].metric])

    def values(column: str) -> tuple:
        return tuple(None if formats.is_missing(getattr(r, column)) else float(getattr(r, column)) / scale for r in shown)

    spec = ChartSpec(f"本月目标与上月实际（{unit}）", tuple(catalog[r.metric].name for r in shown),
                     (("上月实际", values("prev_actual")), ("本月目标", values("target"))), number_format)
    return with_labels(spec, lambda value: formats.figure(value * scale, catalog[shown[0].metric]))


def _weakest(rows: list) -> set[str]:
    """The metric with the lowest achievement below 100%, the one to watch (the first, on a tie)."""
    behind = [r for r in rows if r.status in (STATUS_NEAR, STATUS_MISSED) and not formats.is_missing(r.achievement)]
    return {min(behind, key=lambda r: r.achievement).metric} if behind else set()


def trend_history(data: MonthData) -> analysis.History:
    """(actuals, achievements) of a unit's metric over its trend's months (compute.history), None without."""
    def history(level: str, unit: str, key: str):
        trend = data.trends.get((level, unit))
        if trend is None or key not in trend.figures:
            return None
        _, actuals, rates = trend.figures[key]
        return actuals, rates
    return history


def summary_context(data: MonthData, unit: Unit) -> dict:
    """The 月度工作总结 of `unit`: figures and data notes, Table 2, lessons, next month.

    Table 2 cells and the lists of 三 that no person wrote are filled from the data (【数据】).
    """
    catalog, org, month, prepared = data.inputs.catalog, data.org, data.month, data.of(unit)
    rows, members, labels = prepared.rows, prepared.members, org.display
    members_by_metric = analysis.by_metric(members)
    weakest = _weakest(rows)
    history = trend_history(data)
    # by segment where the whole of a metric is split (a share of a part would mislead)
    segments = {key: found for key, found in analysis.by_metric(data.segment_rows.get((unit.level, unit.unit), [])).items()
                if all(r.segment != UNSPLIT for r in found)}

    def written(row, section: str) -> list[str]:  # the unit's own notes, else its members' (attributed)
        return _notes(data, unit, section, row.metric) or members_said(data, unit, section, row.metric)

    def beside(notes: list[str], generated: str) -> str:  # a person's words first, the data's after
        return "\n".join([*notes, *([generated] if generated else [])])

    def reason(row) -> tuple[str, tuple]:
        """The 差异原因 cell of `row` (a person's causes, then the data's sentence) and what it asks
        (reason_asks); the data's sentence is found once for both."""
        causes = data.causes.get((unit.level, unit.unit, row.metric), [])
        note = "\n".join(analysis.causes_text(causes))
        generated = analysis.data_reason(row, members_by_metric.get(row.metric, []), labels, catalog[row.metric], note)
        return analysis.noted(note, generated), reason_asks(row, causes, generated)

    def reason_asks(row, causes: list, generated: str) -> tuple:
        """For a metric short of target whose reasons leave out a cause (主观, 客观), as the original
        asks 未达目标 to tell them apart: the cell's lines in reading order, a field to fill
        (fill_in.Ask) in the place of each cause not given — 主观, 客观, then 其他 (untagged notes,
        labelled so beside the others) and the data's sentence (`generated`). () where nothing is asked."""
        if row.status not in (STATUS_MISSED, STATUS_NEAR):
            return ()
        groups = analysis.cause_groups(causes)
        if all(cause in groups for cause in CAUSES.values()):
            return ()
        given = [line for cause in CAUSES.values() for line in groups.get(cause) or [fill_in.Ask(cause)]]
        other = analysis.cause_groups(causes, labelled=True).get(analysis.OTHER_CAUSE, [])  # `其他：…` beside 主观/客观
        return (*given, *other, *([generated] if generated else []))

    # what the data says of each metric, good (成功经验) and bad (存在问题), for Table 2 and section 三
    facts = {r.metric: analysis.facts(r, members_by_metric.get(r.metric, []), labels, catalog[r.metric],
                                      history, segments.get(r.metric, [])) for r in rows}
    found = {good: {key: both[good] for key, both in facts.items()} for good in (True, False)}
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
        cell, asks = reason(r)
        table2.append({**shown, "key": r.metric,
                       "reason": cell,
                       "reason_asks": asks,
                       "highlight": beside(written(r, "highlight"), analysis.sentence(found[True][r.metric])),
                       "problem": beside(written(r, "problem"), analysis.sentence(found[False][r.metric])),
                       "next_step": "\n".join(written(r, "next_step"))})

    main = [r.metric for r in rows[:analysis.RANKED_METRICS]]
    member_level = CHILD_LEVEL.get(unit.level)
    member_name = "销售代表" if member_level == "rep" else LEVEL_NAMES.get(member_level, "")
    return fill_in.summary_fields({
        **_header(unit, org, month, KIND_NAMES[SUMMARY]),
        "overview": _overview(rows),
        "figures": figures,
        **summary_history(data, unit, rows, main),
        **summary_segments(data, unit),
        **summary_pipeline(data, unit),
        "data_notes": _data_notes(prepared.warnings, unit, org),
        "method_notes": method_notes(rows),
        "chart_achievement": achievement_chart(rows, catalog),
        "table2": table2,
        "reasons": analysis.causes_text(data.causes.get((unit.level, unit.unit, ""), [])),
        "member_name": member_name,
        "chart_members": members_chart(members, labels, main, catalog, member_name),
        "ranking": analysis.ranking(members, labels, main, catalog),
        "ranking_metrics": [catalog[key].name for key in main] + [formats.MISSING] * (analysis.RANKED_METRICS - len(main)),
        # a person's items first, then the data's; empty where neither has anything to say
        "highlights": (_notes(data, unit, "highlight") or members_said(data, unit, "highlight"))
                      + analysis.section_items(rows, found[True], labels, catalog, True),
        "problems": (_notes(data, unit, "problem") or members_said(data, unit, "problem"))
                    + analysis.section_items(rows, found[False], labels, catalog, False),
        "next_steps": (_notes(data, unit, "next_step") or members_said(data, unit, "next_step")
                                    or metric_lines(catalog, [r.metric for r in rows],
                                                    lambda key: _notes(data, unit, "next_step", key),
                                                    lambda key: data.member_notes.get(
                                                        (unit.level, unit.unit, "next_step", key), []))),
        "next_targets": [{"metric": catalog[r.metric].name, "target": formats.figure(r.target, catalog[r.metric])}
                         for r in prepared.next_rows if not formats.is_missing(r.target)],
        "next_untargeted": _untargeted(rows, prepared.next_rows, catalog),
    })


def _untargeted(rows: list, next_rows: list, catalog: Catalog) -> str:
    """The month's metrics that next month's targets leave out (`拜访次数、跟进次数`), so that the
    shorter table of 四（二） is not read as metrics dropped; '' where none is left out, or where
    next month has no targets at all (the template says so then)."""
    targeted = {r.metric for r in next_rows if not formats.is_missing(r.target)}
    if not targeted:
        return ""
    return "、".join(catalog[r.metric].name for r in rows if r.metric not in targeted)

