"""The `salesreport` command line: thin commands over `run`; the only module importing click."""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
import time
from pathlib import Path

import click

from pipeline import run
from pipeline.errors import EnvironmentFailure, InputError, SalesReportError, TemplateError
from pipeline.inputs.schema import LEVEL_NAMES
from pipeline.inputs.values import parse_month, shift_month

PROJECT = Path(__file__).resolve().parent.parent


def previous_month(today: dt.date | None = None) -> str:
    today = today or dt.date.today()
    return shift_month(f"{today.year:04d}-{today.month:02d}", -1)


def _month(ctx, param, value):
    if value is None:
        return previous_month()
    try:
        return parse_month(value)
    except ValueError as error:
        raise click.BadParameter(f"{value}: {error}") from error


month_option = click.option("--month", callback=_month,
                            help="报告月份，如 2025-10；省略时为上一个自然月。")
inputs_option = click.option("--inputs", "inputs_dir", type=click.Path(path_type=Path), default=Path("inputs"),
                             show_default=True, help="输入文件夹。")
outputs_option = click.option("--outputs", "outputs_dir", type=click.Path(path_type=Path),
                              default=Path("outputs"), show_default=True, help="输出文件夹。")
strict_option = click.option("--strict", is_flag=True, help="把数据警告（缺实际值、缺目标等）当作错误。")


def _fail(error: SalesReportError) -> None:
    if isinstance(error, InputError):
        listed = len(error.problems)
        only = f"（只列出前 {listed} 个）" if error.total > listed else ""
        click.echo(f"输入数据有 {error.total} 个问题，未生成任何文件{only}：", err=True)
        for problem in error.problems:
            click.echo(f"  - {problem}", err=True)
    else:
        click.echo(f"错误：{error}", err=True)
    sys.exit(error.exit_code)


@contextlib.contextmanager
def _failing_clearly():
    """Every known failure becomes its message and exit code; a file system error (full or
    read-only disk, missing permission) is exit 6 with the path and what to do, not a traceback."""
    try:
        yield
    except SalesReportError as error:
        _fail(error)
    except OSError as error:
        _fail(EnvironmentFailure.from_os_error(error))


def _print_warnings(warnings) -> None:
    if warnings:
        click.echo(f"数据警告 {len(warnings)} 条（已写入 manifest.json 和相关总结的数据说明）:", err=True)
        for warning in warnings:
            click.echo(f"  ! {warning}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """salesreport: 从 CRM 导出数据生成销售团队月度工作计划与总结（Word）。"""


templates_option = click.option("--templates", "templates_dir", type=click.Path(path_type=Path),
                                default=PROJECT / "docx_templates", show_default=True,
                                help="Word 模板文件夹（plan.docx, summary.docx）。")


class _Progress:
    """Progress of a report: on a terminal a bar with ETA per phase; otherwise (cron, a log) one
    line per finished phase with its time. Nothing with --quiet."""

    NAMES = {"documents": "生成文档", "pdf": "生成 PDF"}

    def __init__(self, quiet: bool):
        self.quiet, self.terminal = quiet, sys.stderr.isatty()
        self.phase, self.bar, self.started = None, None, 0.0

    def line(self, text: str, started: float) -> None:
        if not self.quiet:
            click.echo(f"{text}，用时 {time.perf_counter() - started:.1f} 秒", err=True)

    def __call__(self, phase: str, done: int, total: int) -> None:
        if self.quiet:
            return
        if phase != self.phase:
            self.close()
            self.phase, self.started = phase, time.perf_counter()
            if self.terminal:
                self.bar = click.progressbar(length=total, label=self.NAMES[phase], show_eta=True, file=sys.stderr)
                self.bar.__enter__()
        if self.bar:
            self.bar.update(done - self.bar.pos)
        if done == total:
            if not self.bar:
                self.line(f"{self.NAMES[phase]} {total} 份", self.started)
            self.close()

    def close(self) -> None:
        """Ends the current phase (its bar, when an error cuts it short)."""
        if self.bar:
            self.bar.__exit__(None, None, None)
        self.phase, self.bar = None, None


@main.command()
@month_option
@inputs_option
@outputs_option
@templates_option
@strict_option
@click.option("--pdf", "with_pdf", is_flag=True, help="同时用 LibreOffice 生成每份文档的 PDF。")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="同时生成文档（及 PDF）的进程数；默认为本机 CPU 数。")
@click.option("--quiet", "-q", is_flag=True, help="不显示进度。")
def report(month, inputs_dir, outputs_dir, templates_dir, strict, with_pdf, workers, quiet):
    """Write every unit's plan and summary, metrics.csv and manifest.json for a month.

    Example: salesreport report --month 2025-10 --inputs inputs --outputs outputs
    """
    started = time.perf_counter()
    progress = _Progress(quiet)
    try:
        with _failing_clearly():
            checked = run.check(month, inputs_dir, strict=strict)
            progress.line("读取并校验输入", started)
            _print_warnings(checked.warnings)
            result = run.write_report(checked, outputs_dir, templates_dir, progress, with_pdf, workers)
    finally:
        progress.close()
    levels = {}
    for document in result.documents:
        levels[document["level"]] = levels.get(document["level"], 0) + 1
    shown = "、".join(f"{LEVEL_NAMES[level]} {count}" for level, count in levels.items())
    click.echo(f"{month}: 已生成 {len(result.documents)} 份文档（{shown}），"
               f"警告 {len(result.warnings)} 条，用时 {time.perf_counter() - started:.1f} 秒")
    click.echo(f"输出： {result.folder}  (metrics.csv, manifest.json)")


@main.command()
@month_option
@inputs_option
@strict_option
def validate(month, inputs_dir, strict):
    """Check the inputs for a month (recipients.csv too) and print every problem and warning; writes nothing.

    Example: salesreport validate --month 2025-10 --inputs inputs
    """
    with _failing_clearly():
        checked = run.check(month, inputs_dir, strict=strict, with_recipients=True)
    _print_warnings(checked.warnings)
    click.echo(f"{month}: 输入数据有效（{len(checked.inputs.org)} 名销售代表，"
               f"{len(checked.metrics)} 行指标，警告 {len(checked.warnings)} 条）。")


@main.command("check-templates")
@templates_option
def check_templates(templates_dir):
    """Render each template against the bundled sample and report every problem found.

    Reports Jinja syntax errors (with the text around them), undefined variables and a
    missing Table 1 or Table 2. Example: salesreport check-templates --templates my_templates
    """
    problems = run.check_templates(templates_dir, PROJECT / "inputs")
    if problems:
        click.echo(f"模板有 {len(problems)} 个问题：", err=True)
        for problem in problems:
            click.echo(f"  - {problem}", err=True)
        sys.exit(TemplateError.exit_code)
    click.echo(f"模板检查通过：{templates_dir}")


@main.command()
@month_option
@inputs_option
@outputs_option
@click.option("--dry-run", is_flag=True, help="只列出每位收件人会收到哪些文档，不发送、不记录。")
@click.option("--resend", is_flag=True, help="已发送过的也再发一次。")
def distribute(month, inputs_dir, outputs_dir, dry_run, resend):
    """Mail each recipient their own units' documents for a month, once.

    Recipients come from recipients.csv (level, unit, email) and org.csv's email. SMTP when
    SALESREPORT_SMTP_HOST is set, else .eml files under outputs/outbox/MONTH/. A rerun sends
    only what is not yet delivered or has changed. Example: salesreport distribute --month 2025-10 --dry-run
    """
    from pipeline.delivery import distribute as delivery

    def show(outcome):
        mail = outcome.mail
        names = "、".join(Path(d["path"]).name for d in mail.documents)
        if outcome.status == "dry-run":
            click.echo(f"将发送 {mail.recipient}（{len(mail.documents)} 份）：{names}")
        elif outcome.status == "sent":
            notes = "，更新" if outcome.is_update else ""
            notes += "，上次结果未知，已用相同 Message-ID 重发" if outcome.resent_unknown else ""
            click.echo(f"已发送 {mail.recipient}（{len(mail.documents)} 份{notes}）")
        elif outcome.status == "skipped":
            click.echo(f"跳过 {mail.recipient}（已发送过，文档未变）")
        elif outcome.status == "pending":
            click.echo(f"待发 {mail.recipient}（未发送）", err=True)
        else:
            click.echo(f"失败 {mail.recipient}：{outcome.error}", err=True)

    with _failing_clearly():
        result = delivery.distribute(month, inputs_dir, outputs_dir, os.environ, dry_run, resend, report=show)
    for warning in result.warnings:
        click.echo(f"  ! {warning}", err=True)
    if dry_run:
        click.echo(f"{month}: 试运行，{len(result.outcomes)} 封邮件将经 {result.transport} 发出；未发送任何邮件。")
        return
    if result.stopped:
        click.echo(f"错误：{result.stopped}；其余 {result.count('pending')} 封保持待发，"
                   "服务器恢复后重新运行 distribute 即可（已发送的不会重发）", err=True)
    unknown = sum(1 for o in result.outcomes if o.resent_unknown)
    click.echo(f"{month}: 发送 {result.count('sent')}，跳过 {result.count('skipped')}，"
               f"失败 {result.count('failed')}，待发 {result.count('pending')}（{result.transport}）"
               + (f"；其中 {unknown} 封上次发送结果未知，已用相同 Message-ID 重发" if unknown else ""))
    if result.count("failed") or result.count("pending"):
        sys.exit(delivery.DeliveryError.exit_code)
