"""The input files of contract §1: names, columns, Chinese aliases, and the raw table type."""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass(frozen=True)
class Column:
    key: str
    aliases: tuple[str, ...]
    required: bool = True
    free_text: bool = False  # may hold a line break (a note, a task, a segment); no other column may


@dataclass(frozen=True)
class FileSpec:
    name: str  # `org` reads org.csv/org.xlsx; a family `targets` reads targets*.csv/xlsx
    columns: tuple[Column, ...]
    family: bool = True
    required: bool = False

    def label(self) -> str:
        return f"{self.name}*.csv" if self.family else f"{self.name}.csv"


def _c(key: str, *aliases: str, required: bool = True, free_text: bool = False) -> Column:
    return Column(key, aliases, required, free_text)


# A target or actual given by segment (a product line, a customer type …): free text, blank = none.
SEGMENT = _c("segment", "产品线", "客户类型", "细分", "细分项", required=False, free_text=True)

ORG = FileSpec("org", (
    _c("rep_id", "工号", "员工编号"),
    _c("rep_name", "姓名", "销售代表"),
    _c("team", "团队", "小组"),
    _c("region", "区域", "大区"),
    _c("email", "邮箱", required=False),
), family=False, required=True)

TARGETS = FileSpec("targets", (
    _c("month", "月份"),
    _c("rep_id", "工号", "员工编号"),
    _c("metric", "指标", "核心指标"),
    _c("target", "目标", "月度目标"),
    SEGMENT,
), required=True)

ACTUALS = FileSpec("actuals", (
    _c("month", "月份"),
    _c("rep_id", "工号", "员工编号"),
    _c("metric", "指标", "核心指标"),
    _c("actual", "实际", "实际完成"),
    _c("base", "基数", required=False),
    SEGMENT,
))

TASKS = FileSpec("tasks", (
    _c("month", "月份"),
    _c("metric", "核心指标", "指标"),
    _c("task", "具体任务描述", "任务", free_text=True),
    _c("owner", "负责人"),
    _c("due", "计划完成时间"),
    _c("done_criteria", "完成标准", required=False, free_text=True),
    _c("notes", "备注", "备注(资源/风险)", required=False, free_text=True),
))

NOTES = FileSpec("notes", (
    _c("month", "月份"),
    _c("level", "层级"),
    _c("unit", "对象"),
    _c("metric", "核心指标", "指标", required=False),
    _c("section", "类别"),
    _c("text", "内容", free_text=True),
    _c("response", "应对措施", required=False, free_text=True),  # on a `risk` row: the response paired with that risk
    _c("cause", "原因类型", "主客观", required=False),  # 主观 / 客观 (CAUSE_ALIASES), blank: untagged
    _c("applies_to", "适用范围", "适用单位", required=False),  # the units a note concerns, blank: its own and all inside
))

# What `collect` takes back from returned documents (inputs.collected): one of the notes files,
# written with every cell that a spreadsheet would read as a formula guarded by a leading `'`.
COLLECTED_NOTES = "notes_collected.csv"

RECIPIENTS = FileSpec("recipients", (
    _c("level", "层级"),
    _c("unit", "对象"),
    _c("email", "邮箱"),
    _c("name", "姓名", required=False),
    _c("scope", "范围", required=False),  # own (default): the unit's documents; all: also every unit inside it
), family=False)
SCOPES = {"own": "own", "all": "all", "本单位": "own", "全部": "all", "含下级": "all"}

METRIC_CATALOG = FileSpec("metric_catalog", (
    _c("key", "键", "代码"),
    _c("name", "名称"),
    _c("unit", "单位"),
    _c("kind", "类型"),
    _c("direction", "方向"),
), family=False)

# Issue 26: a CRM's opportunity export (optional). Each file is one export; a date in its name
# (`opportunities_2025-10-01.csv`) is the day it was taken.
OPPORTUNITIES = FileSpec("opportunities", (
    _c("opportunity_id", "商机编号", "商机ID"),
    _c("rep_id", "工号", "员工编号", "负责人", "销售代表"),  # a rep_id or a rep_name, as a task's owner
    _c("amount", "金额", "预计金额", "商机金额"),
    _c("stage", "阶段", "销售阶段"),
    _c("probability", "赢率", "成交概率", required=False),
    _c("close_date", "预计成交日期", "预计签单日期"),
    _c("status", "状态", required=False),
    _c("metric", "指标", "核心指标", required=False),
))

OPPORTUNITY_STAGES = FileSpec("opportunity_stages", (
    _c("stage", "阶段", "销售阶段"),
    _c("probability", "赢率", "成交概率"),
), family=False)

OPPORTUNITY_STATUSES = ("open", "won", "lost")
STATUS_ALIASES = {"进行中": "open", "跟进中": "open", "赢单": "won", "已赢单": "won", "成交": "won",
                  "已成交": "won", "输单": "lost", "已输单": "lost", "丢单": "lost"}

ALL = (ORG, TARGETS, ACTUALS, TASKS, NOTES, RECIPIENTS, METRIC_CATALOG, OPPORTUNITIES, OPPORTUNITY_STAGES)
REPORT_FILES = tuple(spec for spec in ALL if spec is not RECIPIENTS)  # what `report` reads

LEVELS = ("company", "region", "team", "rep")
COMPANY_UNIT = "公司"  # the company's one unit, as notes and recipients name it
LEVEL_ALIASES = {"公司": "company", "区域": "region", "团队": "team", "个人": "rep",
                 "大区": "region", "小组": "team", "销售代表": "rep"}
LEVEL_NAMES = {"company": "公司", "region": "区域", "team": "团队", "rep": "个人"}

PLAN_SECTIONS = {"strategy": "策略", "resources": "资源需求", "risk": "风险", "response": "应对措施"}
SUMMARY_SECTIONS = {"variance_reason": "差异原因分析", "highlight": "成功经验/亮点",
                    "problem": "存在问题与挑战", "next_step": "下月改进措施"}
SECTIONS = {**PLAN_SECTIONS, **SUMMARY_SECTIONS}
# a note's cause: subjective (within the team's control) or objective (outside it)
CAUSES = {"subjective": "主观", "objective": "客观"}
CAUSE_ALIASES = {"主观": "subjective", "主观原因": "subjective", "内部": "subjective", "subjective": "subjective",
                 "客观": "objective", "客观原因": "objective", "外部": "objective", "objective": "objective"}
APPLIES_TO_SEPARATORS = "、，,;；|"  # between the unit names of a note's `applies_to`
KIND_ALIASES = {"sum": "sum", "求和": "sum", "累加": "sum", "ratio": "ratio", "比率": "ratio", "比例": "ratio"}
DIRECTION_ALIASES = {"higher": "higher", "越高越好": "higher", "高": "higher",
                     "lower": "lower", "越低越好": "lower", "低": "lower"}


def lookup(aliases: dict[str, str], text: str, keys) -> str | None:
    """The key `text` names: a key itself (any case) or one of its Chinese aliases."""
    wanted = text.strip()
    for key in keys:
        if wanted.casefold() == key.casefold():
            return key
    return aliases.get(wanted)


@dataclass(frozen=True)
class InputFile:
    path: str  # relative to the inputs folder, as the manifest lists it
    sha256: str
    rows: int


@dataclass
class RawTable:
    """The rows of one file family: key columns (raw cell values), `_file` and `_line`."""

    spec: FileSpec
    frame: pd.DataFrame
    headers: dict[str, dict[str, str]] = field(default_factory=dict)  # file → key → header
    delimiters: dict[str, str] = field(default_factory=dict)  # CSV file → its delimiter

    def header(self, file: str, key: str) -> str:
        return self.headers.get(file, {}).get(key, key)

    def semicolon(self, file: str) -> bool:
        """Whether `file` is a `;`-separated CSV, as written where the decimal mark is a comma."""
        return self.delimiters.get(file) == ";"
