"""The input files of contract §1: names, columns, Chinese aliases, and the raw table type."""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass(frozen=True)
class Column:
    key: str
    aliases: tuple[str, ...]
    required: bool = True


@dataclass(frozen=True)
class FileSpec:
    name: str  # `org` reads org.csv/org.xlsx; a family `targets` reads targets*.csv/xlsx
    columns: tuple[Column, ...]
    family: bool = True
    required: bool = False

    def label(self) -> str:
        return f"{self.name}*.csv" if self.family else f"{self.name}.csv"


def _c(key: str, *aliases: str, required: bool = True) -> Column:
    return Column(key, aliases, required)


# A target or actual given by segment (a product line, a customer type …): free text, blank = none.
SEGMENT = _c("segment", "产品线", "客户类型", "细分", "细分项", required=False)

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
    _c("task", "具体任务描述", "任务"),
    _c("owner", "负责人"),
    _c("due", "计划完成时间"),
    _c("done_criteria", "完成标准", required=False),
    _c("notes", "备注", "备注(资源/风险)", required=False),
))

NOTES = FileSpec("notes", (
    _c("month", "月份"),
    _c("level", "层级"),
    _c("unit", "对象"),
    _c("metric", "核心指标", "指标", required=False),
    _c("section", "类别"),
    _c("text", "内容"),
    _c("response", "应对措施", required=False),  # on a `risk` row: the response paired with that risk
))

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

ALL = (ORG, TARGETS, ACTUALS, TASKS, NOTES, RECIPIENTS, METRIC_CATALOG)
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
