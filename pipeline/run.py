"""Orchestration: inputs folder → validated frames → metrics → contexts → documents on disk."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

from . import pdf, publish, render, schema
from .context import Unit, all_units, plan_context, summary_context
from .errors import DataWarning, InputError, Problem, Problems, TemplateError
from .load import read_inputs
from .transform import data_warnings, unit_figures, unit_metrics
from .validate import Inputs, validate_inputs, validate_recipients
from .values import shift_month

KIND_NAMES = {"plan": "月度工作计划", "summary": "月度工作总结"}


@dataclass
class Checked:
    """Valid inputs for a month and what was computed from them."""

    month: str
    inputs: Inputs
    metrics: pd.DataFrame
    next_targets: pd.DataFrame  # next month's unit figures, for 四、下月计划优化
    warnings: list[DataWarning] = field(default_factory=list)

    def contexts(self, unit: Unit) -> dict[str, dict]:
        """The plan's and the summary's context of `unit`."""
        return {
            "plan": plan_context(self.inputs, self.metrics, unit, self.month),
            "summary": summary_context(self.inputs, self.metrics, self.warnings, unit, self.month, self.next_targets),
        }


@dataclass
class Report:
    month: str
    folder: Path
    documents: list[dict]
    warnings: list[DataWarning]


def check(month: str, inputs_dir: Path, strict: bool = False, with_recipients: bool = False) -> Checked:
    """Read, validate and compute `month`; raises InputError with every problem found (the first 1,000 listed).

    `with_recipients` also reads and checks recipients.csv, which `report` does not need.
    """
    problems = Problems()
    tables, files = read_inputs(inputs_dir, problems, schema.ALL if with_recipients else schema.REPORT_FILES)
    inputs = validate_inputs(tables, files, problems)
    if with_recipients:
        validate_recipients(tables.get("recipients"), problems)
    if "targets" in tables and tables["targets"] is not None and not problems \
            and not (inputs.targets["month"] == month).any():
        found = "、".join(sorted(set(inputs.targets["month"]))) or "无"
        problems.append(Problem("targets*.csv", None, "month", month, f"没有这个月份的目标数据（文件中的月份：{found}）"))
    if problems:
        raise InputError(problems)
    metrics, warnings = unit_metrics(inputs.targets, inputs.actuals, inputs.org, month, inputs.catalog)
    warnings = data_warnings(inputs.targets, inputs.actuals, inputs.org, month, inputs.catalog) + warnings
    if strict and warnings:
        raise InputError([Problem("(--strict)", None, None, None, w.message) for w in warnings])
    next_targets, _ = unit_figures(inputs.targets, inputs.actuals, inputs.org, shift_month(month, 1), inputs.catalog)
    return Checked(month, inputs, metrics, next_targets, warnings)


def metrics_rows(checked: Checked) -> pd.DataFrame:
    """The rows of metrics.csv (contract §4)."""
    catalog = checked.inputs.catalog
    return checked.metrics.assign(
        month=checked.month,
        metric_name=checked.metrics["metric"].map(lambda key: catalog[key].name),
    )[publish.METRICS_COLUMNS]


def _file_stem(month: str, unit: Unit, kind: str) -> str:
    label = unit.label if unit.level != "rep" else f"{unit.label}({unit.unit})"
    return publish.safe_name(f"{month}_{label}_{KIND_NAMES[kind]}")


def write_report(checked: Checked, outputs_dir: Path, templates_dir: Path,
                 progress: Callable[[int, int], None] | None = None, with_pdf: bool = False) -> Report:
    """Every unit's plan and summary plus metrics.csv and manifest.json, written whole.

    With `with_pdf`, a PDF of each document too, listed under its document in the manifest.
    """
    month, inputs = checked.month, checked.inputs
    templates = {kind: templates_dir / name for kind, name in render.TEMPLATE_FILES.items()}
    for path in templates.values():
        if not path.is_file():
            raise TemplateError(f"找不到模板文件 {path}")
    units = all_units(inputs.org)
    documents, taken = [], set()
    with publish.staged_month(outputs_dir, month) as staging:
        for done, unit in enumerate(units, start=1):
            folder = staging / unit.level
            folder.mkdir(exist_ok=True)
            for kind, context in checked.contexts(unit).items():
                data = render.render_bytes(templates[kind], context)
                path = publish.unique_path(folder, _file_stem(month, unit, kind), ".docx", taken)
                path.write_bytes(data)
                documents.append({"level": unit.level, "unit": unit.unit, "kind": kind,
                                  "path": path.relative_to(staging).as_posix(), "sha256": publish.sha256(data)})
            if progress:
                progress(done, len(units))
        if with_pdf:
            paths = [staging / d["path"] for d in documents]
            for document, made in zip(documents, pdf.to_pdf(paths)):
                document["pdf"] = {"path": made.relative_to(staging).as_posix(),
                                   "sha256": publish.sha256(made.read_bytes())}
        publish.write_metrics_csv(staging / "metrics.csv", metrics_rows(checked))
        publish.write_json(staging / "manifest.json", {
            "month": month,
            "documents": documents,
            "warnings": [w.message for w in checked.warnings],
            "inputs": [{"path": f.path, "sha256": f.sha256, "rows": f.rows} for f in inputs.files],
        })
    return Report(month, outputs_dir / month, documents, checked.warnings)


def sample_contexts(sample_inputs: Path, month: str = "2025-10") -> dict[str, dict]:
    """A plan and a summary context of the company from `sample_inputs`, for checking templates."""
    checked = check(month, sample_inputs)
    return checked.contexts(all_units(checked.inputs.org)[0])


def check_templates(templates_dir: Path, sample_inputs: Path) -> list[str]:
    """Every problem of the plan and summary templates in `templates_dir`."""
    contexts = sample_contexts(sample_inputs)
    problems = []
    for kind, name in render.TEMPLATE_FILES.items():
        path = templates_dir / name
        problems += render.check_template(path, kind, contexts[kind]) if path.is_file() else [f"找不到模板文件 {path}"]
    return problems
