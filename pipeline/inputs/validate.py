"""Typing and checking raw input tables: every problem found, located by file, line and column.

Pure: takes the raw tables `load` read and returns typed frames (months as `YYYY-MM`,
amounts in raw units, metrics by key, owners by rep_id) or the list of problems.
"""
from __future__ import annotations

import re

import pandas as pd

from pipeline.inputs import schema
from pipeline.inputs.catalog import DIRECTIONS, KINDS, Catalog, Metric
from pipeline.errors import Problem
from pipeline.model import Inputs
from pipeline.inputs.schema import COMPANY_UNIT, InputFile, RawTable
from pipeline.inputs.values import clean_text, is_blank, parse_amount, parse_date, parse_month, parse_number

_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")


class _Rows:
    """Walks a raw table's rows, converting cells and recording problems where they fail."""

    def __init__(self, table: RawTable, problems: list[Problem]):
        self.table, self.problems = table, problems

    def __iter__(self):
        frame = self.table.frame
        keys = list(frame.columns)
        for values in zip(*(frame[key] for key in keys)):  # one row at a time: a file may hold a million
            self.record = dict(zip(keys, values))
            yield self.record

    @property
    def semicolon(self) -> bool:
        """Whether this row comes from a `;`-separated CSV (see values.parse_number)."""
        return self.table.semicolon(self.record["_file"])

    def problem(self, key: str | None, message: str, value=None) -> None:
        record = self.record
        column = self.table.header(record["_file"], key) if key else None
        self.problems.append(Problem(record["_file"], record["_line"], column, value, message))

    def text(self, key: str, required: bool = True) -> str:
        value = clean_text(self.record.get(key))
        if required and not value:
            self.problem(key, "不能为空")
        return value

    def parse(self, key: str, parser, *args):
        """`parser(cell, *args)`, or None with a problem recorded (blank is a problem too)."""
        raw = self.record.get(key)
        if is_blank(raw):
            self.problem(key, "不能为空")
            return None
        try:
            return parser(raw, *args)
        except ValueError as error:
            self.problem(key, str(error), clean_text(raw))
            return None


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame.from_records(rows, columns=[*columns, "_file", "_line"])


def validate_catalog(table: RawTable | None, problems: list[Problem]) -> Catalog:
    """The built-in catalog extended or overridden by `metric_catalog.csv`."""
    catalog = Catalog()
    if table is None:
        return catalog
    rows = _Rows(table, problems)
    added = []
    for _ in rows:
        key, name, unit = rows.text("key"), rows.text("name"), rows.text("unit")
        kind = schema.lookup(schema.KIND_ALIASES, rows.text("kind"), KINDS)
        direction = schema.lookup(schema.DIRECTION_ALIASES, rows.text("direction"), DIRECTIONS)
        if kind is None:
            rows.problem("kind", "应为 sum（求和）或 ratio（比率）", rows.record.get("kind"))
        if direction is None:
            rows.problem("direction", "应为 higher（越高越好）或 lower（越低越好）", rows.record.get("direction"))
        if key and name and unit and kind and direction:
            added.append(Metric(key, name, unit, kind, direction))
    return catalog.extended(added)


def validate_org(table: RawTable | None, problems: list[Problem]) -> pd.DataFrame:
    columns = ["rep_id", "rep_name", "team", "region", "email"]
    if table is None:
        return _frame([], columns)
    rows, out, seen, team_region = _Rows(table, problems), [], {}, {}
    for record in rows:
        rep = {key: rows.text(key, required=key != "email") for key in columns}
        if rep["rep_id"] in seen:
            rows.problem("rep_id", f"工号重复（第{seen[rep['rep_id']]}行已有）", rep["rep_id"])
            continue
        seen[rep["rep_id"]] = record["_line"]
        if rep["email"] and not _EMAIL.match(rep["email"]):
            rows.problem("email", "不是有效的邮箱地址", rep["email"])
        region = team_region.setdefault(rep["team"], rep["region"])
        if rep["team"] and region != rep["region"]:
            rows.problem("region", f"团队「{rep['team']}」已属于区域「{region}」，一个团队只能属于一个区域",
                         rep["region"])
        out.append({**rep, "_file": record["_file"], "_line": record["_line"]})
    return _frame(out, columns)


def _metric(rows: _Rows, catalog: Catalog, key: str = "metric") -> Metric | None:
    text = rows.text(key)
    if not text:
        return None
    metric = catalog.resolve(text)
    if metric is None:
        known = "、".join(f"{m.key}({m.name})" for m in catalog)
        rows.problem(key, f"未知的指标，可用的指标：{known}；新指标请写入 metric_catalog.csv", text)
    return metric


def _rep(rows: _Rows, org_ids: set[str]) -> str | None:
    rep_id = rows.text("rep_id")
    if rep_id and rep_id not in org_ids:
        rows.problem("rep_id", "org.csv 中没有这个工号", rep_id)
        return None
    return rep_id or None


def validate_figures(table: RawTable | None, value_key: str, catalog: Catalog,
                     org: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame:
    """Targets (`value_key` = target) or actuals (= actual, with optional base)."""
    columns = ["month", "rep_id", "metric", value_key] + (["base"] if value_key == "actual" else [])
    if table is None:
        return _frame([], columns)
    rows, out, seen = _Rows(table, problems), [], {}
    org_ids = set(org["rep_id"])
    for record in rows:
        month = rows.parse("month", parse_month)
        rep_id = _rep(rows, org_ids)
        metric = _metric(rows, catalog)
        value = rows.parse(value_key, parse_amount, metric, rows.semicolon) if metric else None
        if value_key == "target" and value is not None and value < 0:
            # A negative actual is a month of refunds; a negative target has no meaning.
            rows.problem("target", "目标不能为负数", clean_text(record.get("target")))
            value = None
        base = None
        if value_key == "actual" and not is_blank(record.get("base")):
            base = rows.parse("base", parse_number, rows.semicolon)
            if base is not None and base < 0:
                rows.problem("base", "基数不能为负数", clean_text(record.get("base")))
        if None in (month, rep_id, metric, value):
            continue
        key = (month, rep_id, metric.key)
        if key in seen:
            name = org.loc[org["rep_id"] == rep_id, "rep_name"].iloc[0]
            rows.problem("metric", f"与 {seen[key]} 重复：{month} {rep_id} {name} 的「{metric.name}」出现两次"
                                   "（同一月份、工号和指标只能有一行，请删去其中一行）", metric.name)
            continue
        seen[key] = f"{record['_file']} 第{record['_line']}行"
        row = {"month": month, "rep_id": rep_id, "metric": metric.key, value_key: value}
        if value_key == "actual":
            row["base"] = base
        out.append({**row, "_file": record["_file"], "_line": record["_line"]})
    frame = _frame(out, columns)
    numeric = [value_key] + (["base"] if value_key == "actual" else [])
    return frame.astype({key: "float64" for key in numeric})


def resolve_rep(text: str, org: pd.DataFrame) -> tuple[str | None, str | None]:
    """(rep_id, None) for a rep named by rep_id or unique rep_name, else (None, why not)."""
    if text in set(org["rep_id"]):
        return text, None
    named = org.loc[org["rep_name"] == text, "rep_id"].tolist()
    if len(named) == 1:
        return named[0], None
    if named:
        return None, f"有{len(named)}位销售代表同名，请改用工号（{'、'.join(named)}）"
    return None, "org.csv 中没有这个工号或姓名"


def validate_tasks(table: RawTable | None, catalog: Catalog, org: pd.DataFrame,
                   problems: list[Problem]) -> pd.DataFrame:
    columns = ["month", "metric", "task", "owner", "due", "done_criteria", "notes"]
    if table is None:
        return _frame([], columns)
    rows, out = _Rows(table, problems), []
    for record in rows:
        month = rows.parse("month", parse_month)
        metric = _metric(rows, catalog)
        task = rows.text("task")
        owner_text, owner = rows.text("owner"), None
        if owner_text:
            owner, why = resolve_rep(owner_text, org)
            if why:
                rows.problem("owner", why, owner_text)
        due = rows.parse("due", parse_date, month) if month else None
        if None in (month, metric, owner, due) or not task:
            continue
        out.append({"month": month, "metric": metric.key, "task": task, "owner": owner, "due": due,
                    "done_criteria": rows.text("done_criteria", required=False),
                    "notes": rows.text("notes", required=False),
                    "_file": record["_file"], "_line": record["_line"]})
    return _frame(out, columns)


def _level(rows: _Rows) -> str | None:
    """The row's level key (company, region, team, rep), or None with a problem recorded."""
    text = rows.text("level")
    level = schema.lookup(schema.LEVEL_ALIASES, text, schema.LEVELS) if text else None
    if text and level is None:
        rows.problem("level", "未知的层级，应为 company（公司）、region（区域）、team（团队）或 rep（个人）", text)
    return level


def resolve_unit(level: str, text: str, org: pd.DataFrame) -> tuple[str | None, str | None]:
    """The unit's canonical name (rep_id for reps), or (None, why not)."""
    if level == "company":
        return COMPANY_UNIT, None
    if level == "rep":
        return resolve_rep(text, org)
    if text in set(org[level]):
        return text, None
    return None, f"org.csv 中没有这个{schema.LEVEL_NAMES[level]}"


def validate_notes(table: RawTable | None, catalog: Catalog, org: pd.DataFrame,
                   problems: list[Problem]) -> pd.DataFrame:
    columns = ["month", "level", "unit", "metric", "section", "text"]
    if table is None:
        return _frame([], columns)
    rows, out = _Rows(table, problems), []
    for record in rows:
        month = rows.parse("month", parse_month)
        level = _level(rows)
        unit = None
        if level:
            unit, why = resolve_unit(level, rows.text("unit", required=level != "company"), org)
            if why:
                rows.problem("unit", why, rows.text("unit", required=False))
        metric = _metric(rows, catalog) if rows.text("metric", required=False) else None
        section_text = rows.text("section")
        section = schema.lookup({v: k for k, v in schema.SECTIONS.items()}, section_text, schema.SECTIONS)
        if section_text and section is None:
            known = "、".join(f"{k}({v})" for k, v in schema.SECTIONS.items())
            rows.problem("section", f"未知的类别，可用的类别：{known}", section_text)
        text = rows.text("text")
        bad_metric = rows.text("metric", required=False) and metric is None
        if None in (month, level, unit, section) or not text or bad_metric:
            continue
        out.append({"month": month, "level": level, "unit": unit, "metric": metric.key if metric else "",
                    "section": section, "text": text, "_file": record["_file"], "_line": record["_line"]})
    return _frame(out, columns)


def validate_recipients(table: RawTable | None, problems: list[Problem]) -> pd.DataFrame:
    """recipients.csv: who receives which unit's documents (units are checked against a month later)."""
    columns = ["level", "unit", "email", "name"]
    if table is None:
        return _frame([], columns)
    rows, out = _Rows(table, problems), []
    for record in rows:
        level = _level(rows)
        unit = rows.text("unit", required=level != "company")
        email = rows.text("email")
        if email and not _EMAIL.match(email):
            rows.problem("email", "不是有效的邮箱地址", email)
            continue
        if level and email and (unit or level == "company"):
            out.append({"level": level, "unit": COMPANY_UNIT if level == "company" else unit, "email": email,
                        "name": rows.text("name", required=False),
                        "_file": record["_file"], "_line": record["_line"]})
    return _frame(out, columns)


def validate_inputs(tables: dict[str, RawTable | None], files: list[InputFile],
                    problems: list[Problem]) -> Inputs:
    """Typed inputs from the raw tables; every problem found is appended to `problems`."""
    catalog = validate_catalog(tables.get("metric_catalog"), problems)
    org = validate_org(tables.get("org"), problems)
    return Inputs(
        catalog=catalog,
        org=org,
        targets=validate_figures(tables.get("targets"), "target", catalog, org, problems),
        actuals=validate_figures(tables.get("actuals"), "actual", catalog, org, problems),
        tasks=validate_tasks(tables.get("tasks"), catalog, org, problems),
        notes=validate_notes(tables.get("notes"), catalog, org, problems),
        files=files,
    )
