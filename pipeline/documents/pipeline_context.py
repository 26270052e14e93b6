"""What a plan and a summary show of the opportunity export (issue 26, compute.pipeline): in the
plan's step 一, per metric what the target stands on (`商机储备85万元（4个，按赢率加权41.5万元），
已赢单12万元，覆盖剩余目标的54.8%，尚缺70.1万元商机`), the members ranked by coverage, a rep's open
deals of the month and overdue ones; in the summary, what was won against the month's forecast.
Pure, like context.py; empty lists (no block) without an export, so documents stay as they were.
"""
from __future__ import annotations

import datetime as dt

from pipeline.compute.org import Unit
from pipeline.compute.pipeline import NO_TARGET, TARGET_WON
from pipeline.documents import formats, tables
from pipeline.documents.plan_context import _members
from pipeline.compute.model import MonthData
from pipeline.months import Month

DEALS_SHOWN = 8  # a rep's deals listed in the plan; the rest are counted in one line


def _date(day: dt.date, month: str) -> str:
    """`10月20日`, with the year where it is not the month's."""
    return f"{day.month}月{day.day}日" if day.year == Month(month).year else f"{day.year}年{day.month}月{day.day}日"


def coverage_text(row) -> str:
    """The coverage cell of a ranking: `54.8%`, or why there is none."""
    if row.coverage_note == NO_TARGET:
        return "无目标"
    if row.coverage_note == TARGET_WON:
        return "已赢单达标"
    return formats.percent(row.coverage)


def _gap(row) -> float | None:
    """What pipeline the unit still lacks to cover its remaining target; None where it lacks none."""
    if row.coverage_note or formats.as_shown(row.coverage) >= 1:
        return None
    return row.target - row.won - row.open


def coverage_line(row, name: str) -> str:
    """`销售额：商机储备85万元（4个，按赢率加权41.5万元），已赢单12万元，覆盖剩余目标的54.8%，尚缺70.1万元商机`."""
    line = f"{name}：" + (f"商机储备{formats.money(row.open)}（{row.count}个，按赢率加权{formats.money(row.weighted)}）"
                         if row.count else "暂无本月预计成交的在手商机")
    if row.won > 0:
        line += f"，已赢单{formats.money(row.won)}"
    if row.coverage_note == TARGET_WON:
        return line + "，已达到本月目标"
    if row.coverage_note == NO_TARGET:
        return line + "，本月无此项目标，不计覆盖率"
    line += f"，覆盖剩余目标的{formats.percent(row.coverage)}"
    gap = _gap(row)
    return line + (f"，尚缺{formats.money(gap)}商机" if gap is not None else "")


def _overdue_line(data: MonthData, unit: Unit, rows: list) -> str:
    """A rep's overdue deals named (`逾期未结：O017，8万元，原定10月20日`); a unit's counted."""
    if unit.level == "rep":
        deals = data.pipeline.overdue.get(unit.unit, [])
        return "逾期未结：" + "；".join(f"{d.opportunity_id}，{formats.money(d.amount)}，原定{_date(d.close_date, data.month)}"
                                      for d in deals) if deals else ""
    count, amount = sum(r.overdue_count for r in rows), sum(r.overdue_amount for r in rows)
    return f"逾期未结：{count}个商机，共{formats.money(amount)}（预计成交日期已过仍未结，不计入本月储备）" if count else ""


def _ranking(data: MonthData, unit: Unit) -> list[dict]:
    """The members by coverage, per metric: those whose won deals already meet the target first,
    then the highest coverage; those without a target last."""
    catalog, found = data.inputs.catalog, []
    members = _members(data, unit)
    for key in dict.fromkeys(r.metric for r in data.pipeline.rows.get((unit.level, unit.unit), [])):
        rows = [(member, row) for member in members
                for row in data.pipeline.rows.get((member.level, member.unit), []) if row.metric == key]

        def order(item):
            row = item[1]
            return (0, 0.0) if row.coverage_note == TARGET_WON else \
                (2, 0.0) if row.coverage_note == NO_TARGET else (1, -row.coverage)

        for rank, (member, row) in enumerate(sorted(rows, key=order), start=1):
            gap = _gap(row)
            found.append({"metric": catalog[key].name, "rank": str(rank), "member": member.label,
                          "target": formats.money(row.target), "won": formats.money(row.won),
                          "open": formats.money(row.open), "weighted": formats.money(row.weighted),
                          "coverage": coverage_text(row), "gap": formats.money(gap) if gap is not None else formats.MISSING})
    return tables.with_groups(found, ("metric",))


def _deals(data: MonthData, unit: Unit) -> tuple[list[dict], str]:
    """A rep's open deals of the month, largest first (the first DEALS_SHOWN), and a line on the rest."""
    deals = data.pipeline.deals.get(unit.unit, []) if unit.level == "rep" else []
    shown = [{"id": d.opportunity_id, "stage": d.stage, "amount": formats.money(d.amount),
              "probability": formats.percent(d.probability), "weighted": formats.money(d.amount * d.probability),
              "close_date": _date(d.close_date, data.month)} for d in deals[:DEALS_SHOWN]]
    rest = deals[DEALS_SHOWN:]
    more = f"另有{len(rest)}个商机共{formats.money(sum(d.amount for d in rest))}未列出。" if rest else ""
    return shown, more


def plan_pipeline(data: MonthData, unit: Unit) -> dict:
    """`pipeline_lines` (the coverage per metric, then the overdue line), `pipeline_ranking` (a
    unit's members by coverage), `pipeline_deals` and `pipeline_more` (a rep's deals of the month)."""
    if data.pipeline is None:
        return {"pipeline_lines": [], "pipeline_ranking": [], "pipeline_deals": [], "pipeline_more": ""}
    catalog = data.inputs.catalog
    rows = data.pipeline.rows.get((unit.level, unit.unit), [])
    lines = [coverage_line(row, catalog[row.metric].name) for row in rows]
    lines += [line for line in [_overdue_line(data, unit, rows)] if line]
    deals, more = _deals(data, unit)
    return {"pipeline_lines": lines, "pipeline_ranking": _ranking(data, unit) if unit.level != "rep" else [],
            "pipeline_deals": deals, "pipeline_more": more}


def summary_pipeline(data: MonthData, unit: Unit) -> dict:
    """`pipeline_outcome`: per metric, what was won by the month's end against the weighted forecast
    at its start (`销售额：本月赢单110万元，为月初加权预测的83.5%`); empty without an end-of-month export."""
    if data.pipeline is None:
        return {"pipeline_outcome": []}
    catalog, lines = data.inputs.catalog, []
    for key, won, forecast in data.pipeline.outcome.get((unit.level, unit.unit), []):
        line = f"{catalog[key].name}：本月赢单{formats.money(won)}"
        lines.append(line + (f"，为月初加权预测{formats.money(forecast)}的{formats.percent(won / forecast)}"
                             if forecast > 0 else "（月初没有本月预计成交的在手商机）"))
    return {"pipeline_outcome": lines}
