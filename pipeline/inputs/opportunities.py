"""Typing and checking the opportunity export (issue 26): `opportunities*.csv` and the optional
`opportunity_stages.csv`, every problem located by file, line and column, as validate.py does.

Each file of the family is one export of the CRM; a date in its name (`opportunities_2025-10-01.csv`)
is the day it was taken (its `export` date), a file without one is undated. Pure.
"""
from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from pipeline.errors import Problem
from pipeline.inputs import schema
from pipeline.inputs.catalog import RATE, Catalog, Metric
from pipeline.inputs.schema import RawTable
from pipeline.inputs.validate import _frame, _known_metric, _Rows
from pipeline.inputs.values import clean_text, parse_amount, parse_date, parse_number

COLUMNS = ["opportunity_id", "rep_id", "amount", "stage", "probability", "close_date", "status", "metric", "export"]
DEFAULT_METRIC = "sales"
_PROBABILITY = Metric("probability", "赢率", RATE, "ratio", "higher")  # read as any rate: 60% or 0.6
_NAME_DATE = re.compile(r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})(?!\d)")
_HAS_YEAR = re.compile(r"^\s*\d{4}")


def export_date(file: str) -> dt.date | None:
    """The day an export was taken, from its file name (`opportunities_2025-10-31.csv`); None if
    the name holds no date. ValueError for a date that does not exist."""
    found = _NAME_DATE.search(file.rsplit(".", 1)[0])
    if found is None:
        return None
    return dt.date(*(int(part) for part in found.groups()))


def _probability(rows: _Rows, key: str, semicolon: bool) -> float | None:
    """A probability between 0 and 1 (`60%` or `0.6`); None, with a problem recorded, otherwise."""
    value = rows.parse(key, parse_amount, _PROBABILITY, semicolon)
    if value is not None and not 0 <= value <= 1:
        rows.problem(key, "赢率应在 0 到 100% 之间", clean_text(rows.record.get(key)))
        return None
    return value


def _stage_key(text: str) -> str:
    return text.casefold()


def validate_stages(table: RawTable | None, problems: list[Problem]) -> dict[str, float]:
    """opportunity_stages.csv: each stage's probability, by stage text (any case)."""
    if table is None:
        return {}
    rows, found, lines = _Rows(table, problems), {}, {}
    for record in rows:
        stage = rows.text("stage")
        probability = _probability(rows, "probability", rows.semicolon)
        if stage and _stage_key(stage) in lines:
            rows.problem("stage", f"阶段重复（第{lines[_stage_key(stage)]}行已有）", stage)
            continue
        if stage and probability is not None:
            found[_stage_key(stage)], lines[_stage_key(stage)] = probability, record["_line"]
    return found


def _status(rows: _Rows) -> str | None:
    text = rows.text("status", required=False)
    if not text:
        return "open"
    status = schema.lookup(schema.STATUS_ALIASES, text, schema.OPPORTUNITY_STATUSES)
    if status is None:
        rows.problem("status", "未知的状态，应为 open（进行中）、won（赢单）或 lost（输单）", text)
    return status


def _close_date(rows: _Rows) -> dt.date | None:
    raw = rows.record.get("close_date")
    if isinstance(raw, str) and raw.strip() and not _HAS_YEAR.match(raw):
        rows.problem("close_date", "请写明年份，如 2025-10-20", clean_text(raw))
        return None
    return rows.parse("close_date", parse_date, "2000-01")


def _money_metric(rows: _Rows, catalog: Catalog) -> Metric | None:
    text = rows.text("metric", required=False) or DEFAULT_METRIC
    metric, why = _known_metric(text, catalog)
    if metric is not None and not metric.is_money:
        why = f"商机金额只能对应以万元计的指标，「{metric.name}」的单位是{metric.unit}"
    if why:
        rows.problem("metric", why, text)
        return None
    return metric


def validate_opportunities(table: RawTable | None, stages: dict[str, float], catalog: Catalog,
                           org: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame | None:
    """The opportunity rows, typed: amount in 元, probability as a fraction (the row's own, else its
    stage's; left blank on a won or lost deal without one), close_date and export as dates.
    None where there is no export at all."""
    if table is None:
        return None
    rows, out, seen, exports = _Rows(table, problems), [], {}, {}
    for record in rows:
        file = record["_file"]
        if file not in exports:
            try:
                exports[file] = export_date(file)
            except ValueError:
                problems.append(Problem(file, None, None, None, "文件名中的日期不存在（导出日期应写作 2025-10-31）"))
                exports[file] = None
        export = exports[file]
        identifier = rows.text("opportunity_id")
        owner = rows.rep("rep_id", org)
        amount = rows.parse("amount", parse_number, rows.semicolon)
        if amount is not None and amount < 0:
            rows.problem("amount", "金额不能为负数", clean_text(record.get("amount")))
            amount = None
        stage = rows.text("stage")
        given = rows.text("probability", required=False)
        probability = _probability(rows, "probability", rows.semicolon) if given else None
        close = _close_date(rows)
        status = _status(rows)
        metric = _money_metric(rows, catalog)
        if not given and stage and status == "open":
            probability = stages.get(_stage_key(stage))
            if probability is None:
                rows.problem("stage", "这个阶段没有赢率：请填写赢率（probability）列，"
                                      "或在 opportunity_stages.csv 中给出这个阶段的赢率", stage)
        key = (export, identifier)
        if identifier and key in seen:
            rows.problem("opportunity_id", f"商机编号重复（与 {seen[key]} 同属一次导出）", identifier)
            continue
        if identifier:
            seen[key] = f"{file} 第{record['_line']}行"
        if None in (owner, amount, close, status, metric) or not identifier or not stage or \
                (status == "open" and probability is None):
            continue
        out.append({"opportunity_id": identifier, "rep_id": owner, "amount": amount, "stage": stage,
                    "probability": probability, "close_date": close, "status": status, "metric": metric.key,
                    "export": export, "_file": file, "_line": record["_line"]})
    return _frame(out, COLUMNS)
