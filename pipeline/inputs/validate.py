"""Typing and checking raw input tables: every problem found, located by file, line and column.

Pure: takes the raw tables `load` read and returns typed frames (months as `YYYY-MM`,
amounts in raw units, metrics by key, owners by rep_id) or the list of problems.
"""
from __future__ import annotations


import re

import numpy as np
import pandas as pd

from pipeline.inputs import schema
from pipeline.inputs.catalog import DIRECTIONS, KINDS, Catalog, Metric
from pipeline.errors import Problem
from pipeline.inputs.model import Inputs
from pipeline.inputs.schema import COMPANY_UNIT, InputFile, RawTable
from pipeline.inputs.values import (MAX_AMOUNT, PLAIN_NUMBER, SEMICOLON_AMBIGUOUS, clean_text, is_blank,
                                     parse_amount, parse_date, parse_month, parse_number)

from pipeline.inputs.address import address_problem


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

    def resolved(self, key: str, resolve):
        """What the cell names, by `resolve(text)` → (found, why not); None, with a problem
        recorded, when the cell is blank or `resolve` says why not."""
        text = self.text(key)
        if not text:
            return None
        found, why = resolve(text)
        if why:
            self.problem(key, why, text)
        return found

    def rep(self, key: str, org: pd.DataFrame) -> str | None:
        """The rep_id the cell names: a rep_id or a unique rep_name (`resolve_rep`)."""
        return self.resolved(key, lambda text: resolve_rep(text, org))

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
        if rep["email"] and (why := address_problem(rep["email"])):
            rows.problem("email", f"不是有效的邮箱地址：{why}", rep["email"])
        region = team_region.setdefault(rep["team"], rep["region"])
        if rep["team"] and region != rep["region"]:
            rows.problem("region", f"团队「{rep['team']}」已属于区域「{region}」，一个团队只能属于一个区域",
                         rep["region"])
        out.append({**rep, "_file": record["_file"], "_line": record["_line"]})
    return _frame(out, columns)


def _known_metric(text: str, catalog: Catalog) -> tuple[Metric | None, str | None]:
    """The metric `text` names, or (None, why not)."""
    metric = catalog.resolve(text)
    if metric is None:
        known = "、".join(f"{m.key}({m.name})" for m in catalog)
        return None, f"未知的指标，可用的指标：{known}；新指标请写入 metric_catalog.csv"
    return metric, None


def _metric(rows: _Rows, catalog: Catalog, key: str = "metric") -> Metric | None:
    return rows.resolved(key, lambda text: _known_metric(text, catalog))


# Targets and actuals may hold a million rows: they are checked column by column, each distinct
# cell read once, and their problems reported in the order the row-by-row check above meets them.

class _Cells:
    """A raw column as its distinct cells and, per row, the index of its cell among them."""

    def __init__(self, column: pd.Series):
        if isinstance(column.dtype, pd.CategoricalDtype):
            codes, cells = column.cat.codes.to_numpy(), column.cat.categories
        else:
            codes, cells = _factorized(column)
        if (codes < 0).any():  # a categorical's missing cell
            codes, cells = np.where(codes < 0, len(cells), codes), cells.append(pd.Index([None], dtype=object))
        self.codes, self.cells = codes, cells

    def read(self, reader) -> _Read:
        """`reader(cell)` → (value or None, problem or None) of each distinct cell."""
        return _Read(self.codes, [reader(cell) for cell in self.cells])

    def raw(self, row: int):
        return self.cells[self.codes[row]]


def _factorized(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """pd.factorize, keeping an Excel TRUE or FALSE apart from the 1 or 0 it hashes as."""
    flags = np.fromiter((type(cell) is bool for cell in column), bool, len(column)) \
        if column.dtype == object else np.zeros(len(column), dtype=bool)
    if not flags.any():
        return pd.factorize(column, use_na_sentinel=False)
    codes = np.empty(len(column), dtype=np.int64)
    codes[~flags], cells = pd.factorize(column[~flags], use_na_sentinel=False)
    codes[flags] = len(cells) + column[flags].to_numpy().astype(int)
    return codes, pd.Index([*cells, False, True], dtype=object)


class _Read:
    """What reading distinct cells gave — (value or None, problem: (message, shown value) or None)
    each — and each row's index among them; index -1 is a row left unread."""

    def __init__(self, codes: np.ndarray, outcomes: list[tuple]):
        outcomes = [*outcomes, (None, None)]
        self.codes = codes
        self.values = np.empty(len(outcomes), dtype=object)
        self.values[:] = [value for value, _ in outcomes]
        self.problems = [problem for _, problem in outcomes]
        self.ok = np.array([value is not None for value, _ in outcomes])[codes]
        self.failed = np.array([problem is not None for problem in self.problems])[codes]

    def at(self, rows: np.ndarray) -> np.ndarray:
        return self.values[self.codes[rows]]

    def problem(self, row: int) -> tuple[str, object]:
        return self.problems[self.codes[row]]


def _parsed(parser, *args):
    """A reader of cells by `parser`; a blank cell is a problem too (as _Rows.parse)."""
    def read(cell):
        if is_blank(cell):
            return None, ("不能为空", None)
        try:
            return parser(cell, *args), None
        except ValueError as error:
            return None, (str(error), clean_text(cell))
    return read


def _known_rep(org_ids: set[str]):
    def read(cell):
        text = clean_text(cell)
        if not text:
            return None, ("不能为空", None)
        return (text, None) if text in org_ids else (None, ("org.csv 中没有这个工号", text))
    return read


def _named_metric(catalog: Catalog):
    def read(cell):
        text = clean_text(cell)
        if not text:
            return None, ("不能为空", None)
        metric, why = _known_metric(text, catalog)
        return metric, (why, text) if why else None
    return read


def _base(cell, metric, semicolon: bool):
    """A base, or None for a blank cell (a base is optional)."""
    return (None, None) if is_blank(cell) else _parsed(parse_number, semicolon)(cell)


def _amount(cell, metric, semicolon: bool):
    return _parsed(parse_amount, metric, semicolon)(cell)


def _plain_numbers(cells: pd.Index) -> tuple[np.ndarray, np.ndarray]:
    """Each distinct cell's number where it is values.PLAIN_NUMBER text within range, else NaN;
    and whether it is SEMICOLON_AMBIGUOUS. Only text: typed Excel cells go to the parser."""
    numbers, ambiguous = np.full(len(cells), np.nan), np.zeros(len(cells), dtype=bool)
    if not isinstance(cells.dtype, pd.StringDtype):
        return numbers, ambiguous
    text = pd.Series(cells)
    plain = text.str.fullmatch(PLAIN_NUMBER, na=False).to_numpy(dtype=bool)
    numbers[plain] = text[plain].astype("float64").to_numpy()
    numbers[np.abs(numbers) > MAX_AMOUNT] = np.nan  # the parser words the refusal
    ambiguous = text.str.fullmatch(SEMICOLON_AMBIGUOUS, na=False).to_numpy(dtype=bool)
    return numbers, ambiguous


def _numbers(cells: _Cells, rows: np.ndarray, metric: np.ndarray, metrics: list[Metric],
             semicolon: np.ndarray, reader) -> tuple[np.ndarray, _Read]:
    """The number of each row in `rows` (NaN where none) and what reading them found:
    `reader(cell, metric, semicolon)` once per distinct (cell, metric, semicolon), except that
    plain digits of a metric that is no rate are read in one step, and an empty cell once (a
    reader takes a blank cell alike in any row). `metric`: each row's index in `metrics`, -1
    for none.
    """
    plain, ambiguous = _plain_numbers(cells.cells)
    codes = cells.codes
    rate = np.array([m.is_rate for m in metrics] + [False])[metric]
    quick = rows & ~rate & ~np.isnan(plain[codes]) & ~(semicolon & ambiguous[codes])
    values = np.where(quick, plain[codes], np.nan)
    read_rows = rows & ~quick
    empty = read_rows & np.asarray(cells.cells == "", dtype=bool)[codes]
    slow = np.flatnonzero(read_rows & ~empty)
    keys = (codes[slow].astype(np.int64) * (len(metrics) + 1) + metric[slow] + 1) * 2 + semicolon[slow]
    key_codes, distinct = pd.factorize(keys)
    outcomes = []
    for key in distinct.tolist():
        rest, semicolon_file = divmod(key, 2)
        code, number = divmod(rest, len(metrics) + 1)
        outcomes.append(reader(cells.cells[code], metrics[number - 1] if number else None, bool(semicolon_file)))
    read_codes = np.full(len(codes), -1, dtype=np.int64)
    read_codes[slow] = key_codes
    if empty.any():
        read_codes[empty] = len(outcomes)
        outcomes.append(reader("", None, False))
    read = _Read(read_codes, outcomes)
    numbers = np.array([np.nan if value is None else value for value in read.values], dtype=float)
    values[read_rows] = numbers[read_codes[read_rows]]
    return values, read


class _Found:
    """Problems of a raw table's rows, gathered check by check; reported by row and, within a
    row, in the order the checks were added — the order the row-by-row check meets them."""

    def __init__(self, table: RawTable, files: _Cells, lines: np.ndarray):
        self.table, self.files, self.lines, self.checks = table, files, lines, []

    def add(self, key: str, failed: np.ndarray, describe) -> None:
        """`describe(row)` → (message, shown value) of each row where `failed`."""
        self.checks.append((key, np.flatnonzero(failed), describe))

    def read(self, key: str, read: _Read) -> _Read:
        self.add(key, read.failed, read.problem)
        return read

    def report(self, problems: list[Problem]) -> None:
        rows = np.concatenate([found for _, found, _ in self.checks])
        checks = np.concatenate([np.full(len(found), number) for number, (_, found, _) in enumerate(self.checks)])
        for at in np.lexsort((checks, rows)):  # a million bad rows: each Problem made as it is counted
            row, (key, _, describe) = rows[at], self.checks[checks[at]]
            message, shown = describe(row)
            file = self.files.raw(row)
            problems.append(Problem(file, int(self.lines[row]), self.table.header(file, key), shown, message))


def validate_figures(table: RawTable | None, value_key: str, catalog: Catalog,
                     org: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame:
    """Targets (`value_key` = target) or actuals (= actual, with optional base)."""
    figures = [value_key] + (["base"] if value_key == "actual" else [])
    columns = ["month", "rep_id", "metric", *figures, "segment"]
    if table is None:
        return _frame([], columns)
    frame, metrics = table.frame, list(catalog)
    files, lines = _Cells(frame["_file"]), frame["_line"].to_numpy(dtype=np.int64)
    found = _Found(table, files, lines)
    semicolon = np.array([table.semicolon(file) for file in files.cells], dtype=bool)[files.codes]
    month = found.read("month", _Cells(frame["month"]).read(_parsed(parse_month)))
    rep = found.read("rep_id", _Cells(frame["rep_id"]).read(_known_rep(set(org["rep_id"]))))
    metric_read = found.read("metric", _Cells(frame["metric"]).read(_named_metric(catalog)))
    metric = np.array([metrics.index(m) if m else -1 for m in metric_read.values])[metric_read.codes]
    cells = _Cells(frame[value_key])
    value, read = _numbers(cells, metric >= 0, metric, metrics, semicolon, _amount)
    found.read(value_key, read)
    if value_key == "target":
        # A negative actual is a month of refunds; a negative target has no meaning.
        negative = value < 0
        found.add("target", negative, lambda row: ("目标不能为负数", clean_text(cells.raw(row))))
        value[negative] = np.nan
    else:
        base = _bases(_Cells(frame["base"]), metrics, semicolon, found)
    segment = _segments(frame["segment"])
    valid = month.ok & rep.ok & (metric >= 0) & ~np.isnan(value)
    first = _first_of_key(valid, [month, rep, segment], metric)
    repeated = valid & (first != np.arange(len(frame)))
    names = dict(zip(org["rep_id"], org["rep_name"]))

    def duplicate(row: int) -> tuple[str, str]:
        where, named, rep_id = f"{files.raw(first[row])} 第{lines[first[row]]}行", metrics[metric[row]], rep.at(row)
        part = f"（细分「{segment.at(row)}」）" if segment.at(row) else ""
        return (f"与 {where} 重复：{month.at(row)} {rep_id} {names[rep_id]} 的「{named.name}」{part}出现两次"
                "（同一月份、工号、指标和细分只能有一行，请删去其中一行）", named.name)

    found.add("metric", repeated, duplicate)
    split = _first_split(valid & ~repeated, [month, rep], metric, segment)

    def mixed(row: int) -> tuple[str, str]:
        where, named, rep_id = f"{files.raw(split[row])} 第{lines[split[row]]}行", metrics[metric[row]], rep.at(row)
        return (f"{month.at(row)} {rep_id} {names[rep_id]} 的「{named.name}」已在 {where} 按细分填写，"
                "同一月份、工号和指标不能再有不分细分的一行（请给这一行填上细分，或删去它）", None)

    found.add("segment", split >= 0, mixed)
    found.report(problems)
    rows = np.flatnonzero(valid & ~repeated)
    if not len(rows):
        return _frame([], columns).astype({key: "float64" for key in figures})
    out = {"month": month.at(rows), "rep_id": rep.at(rows),
           "metric": np.array([m.key for m in metrics], dtype=object)[metric[rows]], value_key: value[rows]}
    if value_key == "actual":
        out["base"] = base[rows]
    out["segment"] = segment.at(rows)
    return pd.DataFrame({**out, "_file": files.raw(rows).to_numpy(dtype=object), "_line": lines[rows]})


def _bases(cells: _Cells, metrics: list[Metric], semicolon: np.ndarray, found: _Found) -> np.ndarray:
    """Each row's base (NaN where blank or unreadable); a negative one is a problem, kept."""
    everyone = np.ones(len(cells.codes), dtype=bool)
    base, read = _numbers(cells, everyone, np.full(len(cells.codes), -1), metrics, semicolon, _base)
    found.read("base", read)
    found.add("base", base < 0, lambda row: ("基数不能为负数", clean_text(cells.raw(row))))
    return base


def _segments(column: pd.Series) -> _Read:
    """Each row's segment as text ("" where blank: no segment); a segment is free text."""
    return _Cells(column).read(lambda cell: (clean_text(cell), None))


def _key(reads: list[_Read], metric: np.ndarray) -> np.ndarray:
    """Each row's key of the values of `reads` and its metric, as one integer."""
    key = np.zeros(len(metric), dtype=np.int64)
    for read in reads:  # the same value may be written two ways: `2025/10` and `2025-10`
        ids, distinct = pd.factorize(read.values)
        key = key * (len(distinct) + 1) + ids[read.codes] + 1
    return key * (metric.max(initial=0) + 2) + metric + 1


def _first_split(valid: np.ndarray, reads: list[_Read], metric: np.ndarray, segment: _Read) -> np.ndarray:
    """Per valid row without a segment whose (month, rep, metric) other valid rows give by
    segment, the first of those rows; -1 elsewhere."""
    first = np.full(len(valid), -1, dtype=np.int64)
    has_segment = valid & (segment.at(np.arange(len(valid))) != "")
    if not has_segment.any():
        return first
    key = _key(reads, metric)
    split_rows = np.flatnonzero(has_segment)
    earliest = pd.Series(split_rows, index=key[split_rows])
    earliest = earliest[~earliest.index.duplicated()]
    plain_rows = np.flatnonzero(valid & ~has_segment)
    found = earliest.reindex(key[plain_rows]).to_numpy()
    hit = ~np.isnan(found)
    first[plain_rows[hit]] = found[hit].astype(np.int64)
    return first


def _first_of_key(valid: np.ndarray, reads: list[_Read], metric: np.ndarray) -> np.ndarray:
    """Per valid row, the first valid row with the same values (month, rep …) and metric; -1 elsewhere."""
    key = _key(reads, metric)
    rows = np.flatnonzero(valid)
    key = key[rows]
    first = np.full(len(valid), -1, dtype=np.int64)
    first[rows] = rows
    again = pd.Series(key).duplicated().to_numpy()  # rare: only these look up the first of their key
    if again.any():
        earliest = pd.Series(rows[~again], index=key[~again])
        first[rows[again]] = earliest.loc[key[again]].to_numpy()
    return first


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
        owner = rows.rep("owner", org)
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


def applies_to(text: str, org: pd.DataFrame) -> tuple[tuple[tuple[str, str], ...], str | None]:
    """The units (level, unit) a note's `applies_to` names — 公司, a region, a team, or a rep by
    工号 or unique name, separated by schema.APPLIES_TO_SEPARATORS — or ((), why not)."""
    names = [name.strip() for name in re.split(f"[{re.escape(schema.APPLIES_TO_SEPARATORS)}]", text) if name.strip()]
    units = []
    for name in names:
        if name == COMPANY_UNIT:
            units.append(("company", COMPANY_UNIT))
        elif name in set(org["region"]):
            units.append(("region", name))
        elif name in set(org["team"]):
            units.append(("team", name))
        else:
            rep, why = resolve_rep(name, org)
            if rep is None:
                return (), f"「{name}」不是 org.csv 中的区域、团队或销售代表" + (f"：{why}" if "同名" in why else "")
            units.append(("rep", rep))
    return tuple(dict.fromkeys(units)), None


def validate_notes(table: RawTable | None, catalog: Catalog, org: pd.DataFrame,
                   problems: list[Problem]) -> pd.DataFrame:
    columns = ["month", "level", "unit", "metric", "section", "text", "response", "cause", "applies_to"]
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
        response = rows.text("response", required=False)
        if response and section and section != "risk":
            rows.problem("response", "应对措施只能填在类别为 risk（风险）的行上，与该风险配对；"
                                     "单独的应对措施请用类别 response（应对措施）", response)
            continue
        cause_text = rows.text("cause", required=False)
        cause = schema.lookup(schema.CAUSE_ALIASES, cause_text, ()) if cause_text else ""
        if cause is None:
            rows.problem("cause", "未知的原因类型，应为 主观（主观原因、内部）或 客观（客观原因、外部），或留空", cause_text)
        scope, why = applies_to(rows.text("applies_to", required=False), org)
        if why:
            rows.problem("applies_to", why, rows.text("applies_to", required=False))
        bad_metric = rows.text("metric", required=False) and metric is None
        if None in (month, level, unit, section, cause) or not text or bad_metric or why:
            continue
        out.append({"month": month, "level": level, "unit": unit, "metric": metric.key if metric else "",
                    "section": section, "text": text, "response": response, "cause": cause, "applies_to": scope,
                    "_file": record["_file"], "_line": record["_line"]})
    return _frame(out, columns)


def validate_recipients(table: RawTable | None, problems: list[Problem]) -> pd.DataFrame:
    """recipients.csv: who receives which unit's documents (units are checked against a month later)."""
    columns = ["level", "unit", "email", "name", "scope"]
    if table is None:
        return _frame([], columns)
    rows, out = _Rows(table, problems), []
    for record in rows:
        level = _level(rows)
        unit = rows.text("unit", required=level != "company")
        email = rows.text("email")
        if email and (why := address_problem(email)):
            rows.problem("email", f"不是有效的邮箱地址：{why}", email)
            continue
        given = rows.text("scope", required=False)
        scope = schema.SCOPES.get(given.casefold() if given else "own")
        if scope is None:
            rows.problem("scope", "应为 own（本单位的文档，默认）或 all（还有其下每个单位的文档）", given)
            continue
        if level and email and (unit or level == "company"):
            out.append({"level": level, "unit": COMPANY_UNIT if level == "company" else unit, "email": email,
                        "name": rows.text("name", required=False), "scope": scope,
                        "_file": record["_file"], "_line": record["_line"]})
    return _frame(out, columns)


def validate_inputs(tables: dict[str, RawTable | None], files: list[InputFile],
                    problems: list[Problem]) -> Inputs:
    """Typed inputs from the raw tables; every problem found is appended to `problems`. Targets
    and actuals keep the rows given by segment, with their `segment` column: the caller collapses
    them (compute.segments.collapsed) once the inputs are known to be valid."""
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
        opportunities=_opportunities(tables, catalog, org, problems),
    )


def _opportunities(tables: dict[str, RawTable | None], catalog: Catalog, org: pd.DataFrame,
                   problems: list[Problem]) -> pd.DataFrame | None:
    """The opportunity export (issue 26), None without one; its module builds on this one's rows."""
    from pipeline.inputs import opportunities

    stages = opportunities.validate_stages(tables.get("opportunity_stages"), problems)
    return opportunities.validate_opportunities(tables.get("opportunities"), stages, catalog, org, problems)
