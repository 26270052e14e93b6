"""Orchestration: inputs folder → validated frames → metrics → contexts → documents on disk."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from pipeline import layout, outputs, publish
from pipeline.compute import segments
from pipeline.compute.org import Unit
from pipeline.compute.month import compute_month
from pipeline.documents import pdf, render
from pipeline.documents.context import contexts
from pipeline.errors import DataWarning, InputError, Problem, Problems, TemplateError
from pipeline.inputs import schema
from pipeline.inputs.load import read_inputs
from pipeline.inputs.validate import validate_inputs, validate_recipients
from pipeline.compute.model import MonthData
from pipeline.inputs.model import Inputs
from pipeline.layout import KIND_NAMES, PLAN
from pipeline.workers import default_workers, mapped



@dataclass
class Report:
    month: str
    folder: Path
    documents: list[dict]
    warnings: list[DataWarning]
    # Seconds: "documents" and "pdf" wall; "contexts", "render", "write" CPU, summed over the workers.
    timings: dict[str, float] = field(default_factory=dict)


class NoTargets(InputError):
    """The month asked for has no targets at all: nothing to plan or to sum up. `found`: the
    months the targets hold, as the message names them."""

    def __init__(self, problems, found: str = ""):
        super().__init__(problems)
        self.found = found


PLANS_ONLY_NOTICE = outputs.PLANS_ONLY_NOTICE


def check(month: str, inputs_dir: Path, strict: bool = False, with_recipients: bool = False) -> MonthData:
    """Read, validate and compute `month`; raises InputError with every problem found (the first 1,000 listed).

    `with_recipients` also reads and checks recipients.csv, which `report` does not need.
    """
    return compute(load(inputs_dir, with_recipients), month, strict)


def load(inputs_dir: Path, with_recipients: bool = False) -> Inputs:
    """The inputs read and validated once, for one month or several; InputError with every problem."""
    problems = Problems()
    tables, files = read_inputs(inputs_dir, problems, schema.ALL if with_recipients else schema.REPORT_FILES)
    inputs = validate_inputs(tables, files, problems)
    if with_recipients:
        validate_recipients(tables.get("recipients"), problems)
    if problems:
        raise InputError(problems)
    return segments.collapsed(inputs)


def compute(inputs: Inputs, month: str, strict: bool = False) -> MonthData:
    """`month` computed from valid `inputs`; NoTargets when it has no targets, InputError for
    warnings under `strict`."""
    if not (inputs.targets["month"] == month).any():
        found = "、".join(sorted(set(inputs.targets["month"])))
        raise NoTargets([Problem("targets*.csv", None, "month", month,
                                 f"没有这个月份的目标数据（文件中的月份：{found or '无'}）")], found)
    data = compute_month(inputs, month)
    if strict and data.warnings:
        raise InputError([Problem("(--strict)", None, None, None, w.message) for w in data.warnings])
    return data


def _file_stem(month: str, unit: Unit, kind: str) -> str:
    label = unit.label if unit.level != "rep" else f"{unit.label}({unit.unit})"
    return publish.safe_name(f"{month}_{label}_{KIND_NAMES[kind]}")


@dataclass
class _Job:
    """What every worker needs to write documents; it reaches them by fork."""

    data: MonthData
    templates: dict[str, render.Renderer]  # by kind, compiled
    staging: Path
    key: bytes  # signs the fill-in fields (outputs.fields_key)


UNITS_PER_TASK = 8  # small enough to spread the work evenly, large enough to keep hand-offs rare
Progress = Callable[[str, int, int], None]  # (phase, done, total): "documents" or "pdf"


def _write_units(job: _Job, task: list[tuple[Unit, dict[str, str]]]) -> tuple[list[dict], dict[str, float]]:
    """Renders and writes the documents of `task`'s units; their manifest entries and the CPU
    time spent building contexts, rendering and writing (what other processes take does not count)."""
    documents, spent = [], dict.fromkeys(("contexts", "render", "write"), 0.0)
    for unit, paths in task:
        started = time.process_time()
        shown = contexts(job.data, unit)
        spent["contexts"] += time.process_time() - started
        for kind, path in paths.items():
            started = time.process_time()
            content = job.templates[kind](shown[kind], job.key)
            rendered = time.process_time()
            (job.staging / path).write_bytes(content)
            spent["render"] += rendered - started
            spent["write"] += time.process_time() - rendered
            documents.append({"level": unit.level, "unit": unit.unit, "kind": kind, "path": path,
                              "sha256": publish.sha256(content)})
    return documents, spent


def _tasks(month: str, units: list[Unit], kinds=tuple(KIND_NAMES)) -> list[list[tuple[Unit, dict[str, str]]]]:
    """The units in tasks of UNITS_PER_TASK, each document's path decided here, in unit order,
    so names (and their -2 suffixes) do not depend on which worker renders what."""
    taken, planned = set(), []
    for unit in units:
        planned.append((unit, {kind: publish.unique_path(Path(unit.level), _file_stem(month, unit, kind), ".docx",
                                                         taken).as_posix() for kind in kinds}))
    return [planned[i:i + UNITS_PER_TASK] for i in range(0, len(planned), UNITS_PER_TASK)]


def _templates(templates_dir: Path) -> dict[str, render.Renderer]:
    """The plan and summary templates, each compiled once here, before the workers fork."""
    templates = {kind: templates_dir / name for kind, name in render.TEMPLATE_FILES.items()}
    for path in templates.values():
        if not path.is_file():
            raise TemplateError(f"找不到模板文件 {path}")
    return {kind: render.compile_template(path) for kind, path in templates.items()}


def _write_documents(job: _Job, tasks: list, workers: int, progress: Progress,
                     meanwhile: Callable[[], None] = lambda: None) -> tuple[list[dict], dict[str, float]]:
    """Every document written by the workers; their manifest entries (in unit order) and timings.
    `meanwhile` runs in this process once the workers have started."""
    total = sum(len(paths) for task in tasks for _, paths in task)
    for level in dict.fromkeys(unit.level for task in tasks for unit, _ in task):
        (job.staging / level).mkdir()
    documents, timings = [], dict.fromkeys(("contexts", "render", "write"), 0.0)
    started = time.perf_counter()
    progress("documents", 0, total)
    with mapped(_write_units, job, tasks, workers) as results:
        meanwhile()
        for written, spent in results:  # as each task finishes: memory stays flat
            documents += written
            timings = {stage: timings[stage] + spent[stage] for stage in timings}
            progress("documents", len(documents), total)
    timings["documents"] = time.perf_counter() - started
    return documents, timings


def _write_pdfs(documents: list[dict], staging: Path, workers: int, progress: Progress) -> float:
    """A PDF of every document, added to its manifest entry; the seconds it took."""
    started = time.perf_counter()
    progress("pdf", 0, len(documents))
    made = pdf.to_pdf([staging / d["path"] for d in documents], workers,
                      lambda count: progress("pdf", count, len(documents)))
    for document, path in zip(documents, made):
        document["pdf"] = {"path": path.relative_to(staging).as_posix(), "sha256": publish.sha256(path.read_bytes())}
    return time.perf_counter() - started


def _silent(phase: str, done: int, total: int) -> None:
    pass


def write_report(data: MonthData, outputs_dir: Path, templates_dir: Path, progress: Progress | None = None,
                 with_pdf: bool = False, workers: int | None = None) -> Report:
    """Every unit's plan and summary plus metrics.csv, metrics_by_segment.csv and manifest.json, written whole.

    `workers` processes (default: one per CPU) render and write the documents. With
    `with_pdf`, a PDF of each document too, listed under its document in the manifest.
    """
    month = data.month
    workers, progress = workers or default_workers(), progress or _silent
    templates = _templates(templates_dir)
    if with_pdf:
        pdf.require()  # refuse before rendering, not after
    # a month without actuals yet gets plans only: its summaries wait for the actuals
    tasks = _tasks(month, data.org.all_units(), (PLAN,) if data.plans_only else tuple(KIND_NAMES))
    with publish.staged_month(outputs_dir, month) as staging:
        job = _Job(data, templates, staging, outputs.fields_key(outputs_dir))
        # the figures' files written while the workers render (this process waits otherwise)
        documents, timings = _write_documents(job, tasks, workers, progress,
                                              meanwhile=lambda: _write_figures(data, staging))
        if with_pdf:
            timings["pdf"] = _write_pdfs(documents, staging, workers, progress)
        outputs.write_json(staging / layout.MANIFEST, outputs.manifest(data, documents))
    return Report(month, outputs_dir / month, documents, data.warnings, timings)


def _write_figures(data: MonthData, staging: Path) -> None:
    """metrics.csv, metrics_by_segment.csv and (with an opportunity export) pipeline.csv."""
    outputs.write_metrics_csv(staging / layout.METRICS, outputs.metrics_rows(data))
    outputs.write_metrics_csv(staging / layout.SEGMENT_METRICS, outputs.segment_metrics_rows(data),
                              outputs.SEGMENT_METRICS_COLUMNS)
    if data.pipeline is not None:  # issue 26: only with an opportunity export
        outputs.write_metrics_csv(staging / layout.PIPELINE, outputs.pipeline_rows(data), outputs.PIPELINE_COLUMNS)


def sample_contexts(sample_inputs: Path, month: str = "2025-10") -> dict[str, dict]:
    """A plan and a summary context of the company from `sample_inputs`, for checking templates."""
    data = check(month, sample_inputs)
    return contexts(data, data.org.all_units()[0])


def check_templates(templates_dir: Path, sample_inputs: Path) -> list[str]:
    """Every problem of the plan and summary templates in `templates_dir`."""
    contexts = sample_contexts(sample_inputs)
    problems = []
    for kind, name in render.TEMPLATE_FILES.items():
        path = templates_dir / name
        problems += render.check_template(path, kind, contexts[kind]) if path.is_file() else [f"找不到模板文件 {path}"]
    return problems
