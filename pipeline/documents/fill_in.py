"""Where a document leaves room to write: every narrative value that data and notes leave empty
becomes a fill-in field (fields.Field) with its title, hint and identity. The one place that
decides it, applied to a finished plan or summary context. Pure, like context.py.

Empty is "", `—` or an empty list.
"""
from __future__ import annotations

from dataclasses import dataclass

from pipeline.documents import formats
from pipeline.documents.fields import CAUSES, Field, Fields, Identity

EMPTY_TEXTS = ("", formats.MISSING)

# Table columns (key in the row, notes section, column title, hint).
SUMMARY_CELLS = (
    ("highlight", "highlight", "成功经验/亮点", "填写本项的成功经验或亮点"),
    ("problem", "problem", "存在问题与挑战", "填写本项存在的问题与挑战"),
    ("next_step", "next_step", "下月改进措施", "填写下月改进措施"),
)
CAUSE_HINTS = {"主观": "填写主观原因（本单位可控的）", "客观": "填写客观原因（市场、客户等）"}
# Lists of bullet items (context key, notes section, title, hint).
SUMMARY_LISTS = (
    ("highlights", "highlight", "成功经验", "填写本月的成功经验"),
    ("problems", "problem", "存在问题", "填写本月存在的问题与挑战"),
    ("next_steps", "next_step", "改进措施", "填写下月的改进措施"),
)
PLAN_LISTS = (
    ("strategies", "strategy", "销售策略", "填写本月的销售策略"),
    ("resources", "resources", "资源需求", "填写所需的资源（人力、预算、支持）"),
)
TASK = ("strategy", "具体任务描述", "填写具体任务：做什么、怎么做")
RISK = ("risk", "风险", "填写可能影响目标的风险")
RESPONSE = ("response", "应对措施", "填写对应的应对措施")


@dataclass(frozen=True)
class Ask:
    """In a cell's lines (context.reason_asks): a cause (主观/客观) nobody gave, a field in its place."""

    cause: str


def is_empty(value) -> bool:
    """Whether a narrative value holds nothing a reader could use."""
    if isinstance(value, str):  # (the most asked, first)
        return value.strip() in EMPTY_TEXTS
    if isinstance(value, (list, tuple)):
        return all(is_empty(item) for item in value)
    return False


def _field(context: dict, kind: str, section: str, title: str, hint: str, metric: str = "",
           metric_name: str = "", cause: str = "", label: str = "") -> Field:
    identity = Identity(context["month"], context["level"], context["unit"], kind, metric, section, cause)
    return Field(identity, f"{metric_name}·{title}" if metric_name else title, hint, label)


def summary_fields(context: dict) -> dict:
    """The summary `context` with fields where it is empty: Table 2's 差异原因分析 (主观 and 客观),
    成功经验/亮点, 存在问题与挑战 and 下月改进措施 per metric, the lists of 三 and 四（一）."""
    table2 = []
    for row in context["table2"]:
        key, name = row["key"], row["metric"]
        row = dict(row)
        # the cell's lines in reading order, a field where a cause is asked (context.reason_asks)
        lines = tuple(Ask(cause) for cause in CAUSES) if is_empty(row["reason"]) else row.get("reason_asks", ())
        if lines:
            row["reason"] = Fields(tuple(
                _field(context, "summary", "variance_reason", f"差异原因（{line.cause}）", CAUSE_HINTS[line.cause],
                       key, name, line.cause, label=f"{line.cause}：") if isinstance(line, Ask) else line
                for line in lines))
        row.pop("reason_asks", None)
        for column, section, title, hint in SUMMARY_CELLS:
            if is_empty(row[column]):
                row[column] = _field(context, "summary", section, title, hint, key, name)
        table2.append(row)
    lists = {name: [_field(context, "summary", section, title, hint)]
             for name, section, title, hint in SUMMARY_LISTS if is_empty(context[name])}
    return {**context, "table2": table2, **lists}


def plan_fields(context: dict) -> dict:
    """The plan `context` with fields where it is empty: Table 1's task of a metric without
    tasks, 销售策略, 资源需求, and 风险/应对措施 where no risk was written."""
    table1 = [{**row, "task": _field(context, "plan", *TASK, row["key"], row["metric"])}
              if is_empty(row["task"]) and row.get("key") else row for row in context["table1"]]
    lists = {name: [_field(context, "plan", section, title, hint)]
             for name, section, title, hint in PLAN_LISTS if is_empty(context[name])}
    pairs = context["risk_pairs"]
    if all(is_empty(row["risk"]) and is_empty(row["response"]) for row in pairs):
        pairs = [{"risk": _field(context, "plan", *RISK), "response": _field(context, "plan", *RESPONSE)}]
    return {**context, "table1": table1, **lists, "risk_pairs": pairs}
