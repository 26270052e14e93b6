"""The Python API: what the `salesreport` commands do, without the command line (docs/API.md).

Every function takes the months as `month`: a month (`"2025-10"`), a range
(`"2025-10..2025-11"`), a list of months, or None for the cycle — last month (its closing
summary) and the current one (its opening plan), counted from today or SALESREPORT_TODAY. In
the cycle a month that is not ready (no targets, no report yet) is skipped, not an error.

Nothing here prints or exits: a failure raises the project's own error (`pipeline.errors`:
InputError with every problem, UsageError, ConfigError, DeliveryError …, each with its
`exit_code`). Importing this module changes no global state.
"""
from __future__ import annotations

import functools
import getpass
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd

from pipeline import config, resources, run
from pipeline.errors import EnvironmentFailure, InputError, Problem, SalesReportError, UsageError
from pipeline.months import Month, cycle, months_of, range_key

__all__ = ["Months", "months", "validate", "check", "report", "distribute", "preview", "status", "approve",
           "check_templates", "Written", "MonthOutcome", "Checked", "ReportResult", "Statuses", "Approval",
           "NoTargets", "PLANS_ONLY_NOTICE", "Month", "login_name"]

NoTargets = run.NoTargets
PLANS_ONLY_NOTICE = run.PLANS_ONLY_NOTICE
DONE, SKIPPED, FAILED = "done", "skipped", "failed"


class Months(list):
    """The months of a request, in order; `default` when none was named (the cycle)."""

    default = False

    @property
    def key(self) -> str:
        """`2025-10`, or `2025-10..2025-11` for several."""
        return range_key(self)


def months(month: str | Iterable[str] | None = None) -> Months:
    """The months `month` names (see the module); UsageError for one that is not a month."""
    if month is None:
        chosen = Months(cycle())
        chosen.default = True
        return chosen
    return month if isinstance(month, Months) else Months(months_of(month))


def _python_text(function):
    """Runs `function` with pandas keeping text in Python strings, then restores the option:
    with pyarrow installed (to read big CSV exports) pandas would keep every text column in
    Arrow, which slows the per-unit work of compute and documents by a fifth."""
    @functools.wraps(function)
    def wrapped(*args, **kwargs):
        with pd.option_context("mode.string_storage", "python"):
            return function(*args, **kwargs)
    return wrapped


def _settings(config_file: Path | None):
    """salesreport.toml (or `config_file`) under the environment; ConfigError for a bad value."""
    return config.load(os.environ, config_file)


@dataclass
class MonthOutcome:
    """What became of one month of a request: done, skipped (a month of the cycle without
    targets) or failed (`error`)."""

    month: str
    status: str
    data: object = None  # the computed month (compute.model.MonthData)
    report: run.Report | None = None  # what was written (report)
    error: SalesReportError | None = None


def _each(chosen: Months, one: Callable[[str], MonthOutcome], on_month) -> list[MonthOutcome]:
    """Runs `one(month)` for every month: a month that fails is kept as failed and the others
    still run; a month of the cycle without targets is skipped. `on_month` sees each outcome."""
    outcomes = []
    for month in chosen:
        try:
            try:
                outcome = one(month)
            except OSError as error:
                raise EnvironmentFailure.from_os_error(error) from None
        except SalesReportError as error:
            skipped = isinstance(error, NoTargets) and chosen.default
            outcome = MonthOutcome(month, SKIPPED if skipped else FAILED, error=error)
        outcomes.append(outcome)
        if on_month:
            on_month(outcome)
    return outcomes


def _settled(chosen: Months, outcomes: list[MonthOutcome], result):
    """`result`, or the first failure raised with `result` on it as `.result`; when every month
    of the cycle was skipped, NoTargets naming the months the targets hold (`found`)."""
    failed = next((o.error for o in outcomes if o.status == FAILED), None)
    if failed is None and outcomes and all(o.status == SKIPPED for o in outcomes):
        found = next((o.error.found for o in outcomes if o.error.found), "")
        failed = NoTargets([Problem("targets*.csv", None, "month", "、".join(chosen),
                                    "这些月份都没有目标数据，未生成任何文件")], found)
    if failed is not None:
        failed.result = result
        raise failed
    return result


@dataclass
class Checked:
    """What `check` found: each month's outcome, its figures and warnings."""

    months: list[MonthOutcome]

    @property
    def warnings(self) -> list:
        return [w for o in self.months if o.data is not None for w in o.data.warnings]


@_python_text
def check(month=None, inputs: Path | str = "inputs", strict: bool = False, config_file: Path | None = None,
          on_month: Callable[[MonthOutcome], None] | None = None) -> Checked:
    """Reads and checks the inputs (recipients.csv too) and the settings, and computes every
    month; raises InputError with every problem (or the first month's, the others still
    checked), NoTargets for a named month without targets, ConfigError for bad settings."""
    chosen = months(month)
    _settings(config_file)
    loaded = run.load(Path(inputs), with_recipients=True)

    def one(each: str) -> MonthOutcome:
        return MonthOutcome(each, DONE, data=run.compute(loaded, each, strict=strict))

    outcomes = _each(chosen, one, on_month)
    return _settled(chosen, outcomes, Checked(outcomes))


def validate(month=None, inputs: Path | str = "inputs", strict: bool = False,
             config_file: Path | None = None) -> list[Problem]:
    """Every problem of the inputs for `month` (an empty list when they are valid), each with
    its file, line, column and what is wrong. Bad settings raise ConfigError."""
    try:
        check(month, inputs, strict, config_file)
    except InputError as error:
        failed = getattr(error, "result", None)
        if failed is None:
            return list(error.problems)
        return [p for o in failed.months if o.error is not None and isinstance(o.error, InputError)
                for p in o.error.problems]
    return []


@dataclass(frozen=True)
class Written:
    """A document a report wrote: its month, unit, kind (plan or summary) and file."""

    month: str
    level: str
    unit: str
    kind: str
    path: Path
    sha256: str


@dataclass
class ReportResult:
    """What `report` wrote: per month its outcome (`report.folder`, warnings, timings)."""

    months: list[MonthOutcome]

    @property
    def documents(self) -> list[Written]:
        """Every document written, month by month, in unit order."""
        return [Written(o.month, d["level"], d["unit"], d["kind"], o.report.folder / d["path"], d["sha256"])
                for o in self.months if o.report is not None for d in o.report.documents]


@_python_text
def report(month=None, inputs: Path | str = "inputs", outputs: Path | str = "outputs",
           templates: Path | str | None = None, workers: int | None = None, pdf: bool = False,
           strict: bool = False, config_file: Path | None = None,
           progress: run.Progress | None = None,
           on_month: Callable[[MonthOutcome], None] | None = None) -> ReportResult:
    """Writes every unit's plan and summary of each month, with metrics.csv and manifest.json,
    into outputs/MONTH/ — a month whole or not at all. A month that fails leaves its earlier
    outputs as they were and the other months are still written; then its error is raised,
    with the result of the others as `error.result`. `templates`: default docx_templates/ of
    the current folder, else the bundled ones. `progress(phase, done, total)` hears of "inputs"
    (read and checked), then "documents" and "pdf" of each month; `on_month` sees each month
    when it is done."""
    chosen = months(month)
    templates = Path(templates) if templates is not None else resources.default_templates()
    _settings(config_file)
    loaded = run.load(Path(inputs))
    if progress:
        progress("inputs", 1, 1)

    def one(each: str) -> MonthOutcome:
        data = run.compute(loaded, each, strict=strict)
        try:
            written = run.write_report(data, Path(outputs), templates, progress, pdf, workers)
        except OSError as error:  # a full disk fails a write() that names no file: name the month's
            error.filename = error.filename or str(Path(outputs) / each)
            raise
        return MonthOutcome(each, DONE, data=data, report=written)

    outcomes = _each(chosen, one, on_month)
    return _settled(chosen, outcomes, ReportResult(outcomes))


def distribute(month=None, inputs: Path | str = "inputs", outputs: Path | str = "outputs",
               dry_run: bool = False, resend: bool = False, config_file: Path | None = None,
               on_mail: Callable | None = None):
    """Mails every recipient the new or changed documents of the months, one mail each
    (delivery.distribute.Result: each outcome, the transport, what stopped it). A month of the
    cycle without a report yet is left out. `on_mail` sees each outcome as it happens."""
    from pipeline.delivery import distribute as delivery

    chosen = months(month)
    _some_reported(chosen, Path(outputs))
    return delivery.distribute(list(chosen), Path(inputs), Path(outputs), _settings(config_file), dry_run, resend,
                               report=on_mail or (lambda outcome: None), skip_unreported=chosen.default)


def _some_reported(chosen: Months, outputs: Path) -> None:
    """In the cycle, a UsageError when neither month has a report yet, naming the months that have."""
    from pipeline.layout import Layout

    layout = Layout(outputs)
    if chosen.default and not any(layout.is_reported(each) for each in chosen):
        there = layout.reported()
        raise UsageError(f"{'、'.join(chosen)} 都还没有报告（尚未运行 report，或这些月份没有目标数据）；"
                         + (f"已有报告的月份：{'、'.join(there)}，请指定其中一个月" if there
                            else f"{outputs} 中还没有任何报告，请先为有目标数据的月份运行 report"))


def preview(month: str, recipient: str, to: str, inputs: Path | str = "inputs", outputs: Path | str = "outputs",
            config_file: Path | None = None):
    """Sends `recipient`'s mail of one month, marked 【预览】, to `to`; recorded nowhere.
    (mail, number of messages, transport); UsageError for a range or an unknown recipient."""
    from pipeline.delivery import distribute as delivery

    chosen = months(month)
    if len(chosen) > 1:
        raise UsageError("预览只用于单个月份，如 2025-10")
    return delivery.preview(chosen[0], Path(inputs), Path(outputs), _settings(config_file), recipient, to)


@dataclass
class Statuses:
    """Per month whether every recipient has every current document (delivery.status.MonthStatus);
    `skipped`: the month of the cycle without a report yet, not checked."""

    months: list = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return all(found.complete for found in self.months)


def status(month=None, inputs: Path | str = "inputs", outputs: Path | str = "outputs",
           config_file: Path | None = None, on_month: Callable | None = None) -> Statuses:
    """What each recipient of each month has of its current documents; `on_month` sees each
    month's status as it is found."""
    from pipeline.delivery.status import month_status

    chosen, found = months(month), Statuses()
    env = _settings(config_file)
    for each in chosen:
        checked = month_status(each, Path(inputs), Path(outputs), env)
        if checked.problem and chosen.default and each == chosen[-1]:
            found.skipped.append(each)
            continue
        found.months.append(checked)
        if on_month:
            on_month(checked)
    return found


@dataclass
class Approval:
    """A month approved: by whom, its documents, how many newly, when the report made them, and
    how many recipients distribute may now send to."""

    month: str
    by: str
    documents: list[dict]
    added: int
    made_at: object
    recipients: int


def login_name() -> str:
    """Who is running this, as the system names them ("unknown" when it cannot)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name known (a container, a service account without one)
        return "unknown"


def approve(month=None, inputs: Path | str = "inputs", outputs: Path | str = "outputs", by: str | None = None,
            config_file: Path | None = None, on_month: Callable[[Approval], None] | None = None) -> list[Approval]:
    """Approves each month's current documents for distribute (when approval is required):
    their sha256, who (`by`, default the login name) and when. In the cycle a month without a
    report is left out; a named month without one is a UsageError."""
    from pipeline.delivery.distribute import plan_month
    from pipeline.delivery.approval import approve as approve_month, approver_problem
    from pipeline.layout import Layout

    chosen, layout = months(month), Layout(Path(outputs))
    _some_reported(chosen, layout.root)
    by = (by or "").strip() or login_name()
    if why := approver_problem(by):
        raise UsageError(f"--by：审批人{why}")
    reported = [each for each in chosen if layout.is_reported(each)]
    approved = []
    for each in chosen:
        if chosen.default and reported and each not in reported:
            continue
        _settings(config_file)
        mails = plan_month(each, Path(inputs), Path(outputs)).mails
        documents, added, made_at = approve_month(each, Path(outputs), by)
        approved.append(Approval(each, by, documents, added, made_at, len(mails)))
        if on_month:
            on_month(approved[-1])
    return approved


def collect(paths: Iterable[Path | str], month=None, inputs: Path | str = "inputs", outputs: Path | str = "outputs"):
    """Reads the filled-in fields of returned documents (.docx files, .eml mails with .docx
    attached, folders of them) issued by `report` into outputs, into inputs/notes_collected.csv,
    which the next `report` reads like any notes file. Only documents of `month` (a month or a
    range), when given. The result names what became of each document (`.judged`; `.refused`
    those refused whole, with the reason); nothing of a refused document is taken."""
    from pipeline import collect as collecting

    chosen = None if month is None else [str(each) for each in months_of(month)]
    return collecting.collect([Path(path) for path in paths], Path(inputs), Path(outputs), chosen)


def collected(month=None, inputs: Path | str = "inputs") -> list[dict]:
    """The texts collected so far (rows of inputs/notes_collected.csv), of `month` when given."""
    from pipeline import collect as collecting

    return collecting.held(Path(inputs), None if month is None else [str(each) for each in months_of(month)])


@_python_text
def check_templates(templates: Path | str | None = None) -> list[str]:
    """Every problem of the Word templates, found by rendering them with the bundled sample."""
    templates = Path(templates) if templates is not None else resources.default_templates()
    return run.check_templates(templates, resources.sample_inputs())
