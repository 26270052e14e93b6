"""The `salesreport` command line: thin commands over `run`; the only module importing click."""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import sys
import time
from pathlib import Path

import click

from pipeline import resources, run, starter
from pipeline.errors import EnvironmentFailure, InputError, SalesReportError, TemplateError
from pipeline.inputs.schema import LEVEL_NAMES
from pipeline.inputs.values import parse_month, shift_month


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


month_option = click.option("--month", callback=_month, metavar="YYYY-MM",
                            help="报告月份，如 2025-10；省略时为上一个自然月。")
inputs_option = click.option("--inputs", "inputs_dir", type=click.Path(path_type=Path), default=Path("inputs"),
                             metavar="DIR", help="输入文件夹，默认 inputs。")
outputs_option = click.option("--outputs", "outputs_dir", type=click.Path(path_type=Path),
                              default=Path("outputs"), metavar="DIR", help="输出文件夹，默认 outputs。")
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


class _HelpFormatter(click.HelpFormatter):
    """click's help layout with its headings in Chinese."""

    HEADINGS = {"Options": "选项", "Commands": "命令", "Positional arguments": "参数"}

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, "用法：" if prefix is None else prefix)

    def section(self, name: str):
        return super().section(self.HEADINGS.get(name, name))


class _Context(click.Context):
    formatter_class = _HelpFormatter


class _UsageError(click.UsageError):
    """A usage error of click's (a bad option value, a missing argument …) said in Chinese."""

    def __init__(self, error: click.UsageError):
        super().__init__(self._said(error), error.ctx)

    @staticmethod
    def _said(error: click.UsageError) -> str:
        hint = getattr(error, "param_hint", None)
        if hint is None and getattr(error, "param", None) is not None:
            hint = error.param.get_error_hint(error.ctx)
        if isinstance(hint, (list, tuple)):
            hint = " / ".join(hint)
        if isinstance(error, click.MissingParameter):
            return f"缺少 {hint}"
        if isinstance(error, click.BadParameter):
            return f"{hint} 的值无效：{error.message}" if hint else f"值无效：{error.message}"
        if isinstance(error, click.NoSuchOption):
            close = f"（是否想用 {'、'.join(error.possibilities)}？）" if error.possibilities else ""
            return f"没有选项 {error.option_name}{close}"
        return error.format_message()

    def show(self, file=None) -> None:
        file = file or sys.stderr
        if self.ctx is not None:
            click.echo(self.ctx.get_usage(), file=file)
            click.echo(f"查看帮助：{self.ctx.command_path} --help\n", file=file)
        click.echo(f"错误：{self.message}", file=file)


class _Command(click.Command):
    context_class = _Context

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", "[选项]")
        super().__init__(*args, **kwargs)

    def make_context(self, *args, **kwargs):
        try:
            return super().make_context(*args, **kwargs)
        except click.UsageError as error:
            raise _UsageError(error) from None

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = "显示本帮助并退出。"
        return option


class _Group(_Command, click.Group):
    command_class = _Command

    def main(self, *args, **kwargs):
        for stream in (sys.stdout, sys.stderr):  # a log file on Windows is in its code page (cp1252 …):
            if isinstance(stream, io.TextIOWrapper) and stream.encoding.lower().replace("-", "") != "utf8":
                stream.reconfigure(errors="backslashreplace")  # a character it lacks must not end the run
        return super().main(*args, **kwargs)

    def resolve_command(self, ctx, args):
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            raise _UsageError(click.UsageError(f"没有命令 {args[0]}（可用：{'、'.join(sorted(self.commands))}）", ctx))
        return super().resolve_command(ctx, args)


@click.group(cls=_Group, subcommand_metavar="命令 [参数]...", context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """salesreport：从 CRM 导出数据生成销售团队每个销售代表、团队、区域和公司的月度工作计划与月度工作总结（Word），并发给各负责人。

    \b
    示例：
      salesreport init demo
      cd demo
      salesreport report --month 2025-10
      salesreport distribute --month 2025-10 --dry-run
    """


def _positive(ctx, param, value):
    if value is None:
        return None
    if not value.strip().isdigit() or int(value) < 1:
        raise click.BadParameter(f"{value}：应为正整数，如 2")
    return int(value)


def _templates(ctx, param, value):
    return resources.default_templates() if value is None else value


templates_option = click.option("--templates", "templates_dir", type=click.Path(path_type=Path), callback=_templates,
                                metavar="DIR",
                                help="Word 模板文件夹（plan.docx、summary.docx）；默认为当前文件夹下的 "
                                     "docx_templates/，没有时用安装包自带的模板。")


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


@main.command(short_help="生成某月的全部计划与总结、metrics.csv 和 manifest.json。")
@month_option
@inputs_option
@outputs_option
@templates_option
@strict_option
@click.option("--pdf", "with_pdf", is_flag=True, help="同时用 LibreOffice 生成每份文档的 PDF。")
@click.option("--workers", callback=_positive, metavar="N",
              help="同时生成文档（及 PDF）的进程数；默认为本机 CPU 数。")
@click.option("--quiet", "-q", is_flag=True, help="不显示进度。")
def report(month, inputs_dir, outputs_dir, templates_dir, strict, with_pdf, workers, quiet):
    """生成某月每个销售代表、团队、区域和公司的月度工作计划与月度工作总结，以及 metrics.csv 和 manifest.json。

    全部写入 outputs/月份/（如 outputs/2025-10/）；出错时不写入任何文件，原有的输出保持不变。

    \b
    示例：
      salesreport report --month 2025-10
      salesreport report --month 2025-10 --inputs inputs --outputs outputs --pdf
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


@main.command(short_help="检查某月的输入数据，列出每个问题；不写入任何文件。")
@month_option
@inputs_option
@strict_option
def validate(month, inputs_dir, strict):
    """检查某月的输入数据（包括 recipients.csv），列出每个问题和警告；不写入任何文件。

    \b
    示例：
      salesreport validate --month 2025-10
      salesreport validate --month 2025-10 --inputs inputs --strict
    """
    with _failing_clearly():
        checked = run.check(month, inputs_dir, strict=strict, with_recipients=True)
    _print_warnings(checked.warnings)
    click.echo(f"{month}: 输入数据有效（{len(checked.inputs.org)} 名销售代表，"
               f"{len(checked.metrics)} 行指标，警告 {len(checked.warnings)} 条）。")


@main.command("check-templates", short_help="用示例数据检查 Word 模板，列出每个问题。")
@templates_option
def check_templates(templates_dir):
    """用自带的示例数据渲染计划和总结两个模板，列出发现的每个问题。

    问题包括 Jinja 语法错误（附出错处前后的文字）、未定义的变量、缺少表1 或表2。

    \b
    示例：
      salesreport check-templates
      salesreport check-templates --templates my_templates
    """
    problems = run.check_templates(templates_dir, resources.sample_inputs())
    if problems:
        click.echo(f"模板有 {len(problems)} 个问题：", err=True)
        for problem in problems:
            click.echo(f"  - {problem}", err=True)
        sys.exit(TemplateError.exit_code)
    click.echo(f"模板检查通过：{templates_dir}")


@main.command(short_help="把某月的文档发给各收件人，每人一封，只发一次。")
@month_option
@inputs_option
@outputs_option
@click.option("--dry-run", is_flag=True, help="只列出每位收件人会收到哪些文档，不发送、不记录。")
@click.option("--resend", is_flag=True, help="已发送过的也再发一次。")
def distribute(month, inputs_dir, outputs_dir, dry_run, resend):
    """把某月各单位的文档发给各自的收件人：每个地址每月一封邮件，只发一次。

    收件人来自 recipients.csv（level、unit、email）和 org.csv 的 email。设置了
    SALESREPORT_SMTP_HOST 时经 SMTP 发送，否则每封邮件写成一个 .eml 文件，放在
    outputs/outbox/月份/（发件箱）。重新运行只发送尚未送达或文档已更新的邮件。

    \b
    示例：
      salesreport distribute --month 2025-10 --dry-run
      salesreport distribute --month 2025-10
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
            click.echo(f"{'已写入发件箱' if outcome.via == 'outbox' else '已发送'} {mail.recipient}"
                       f"（{len(mail.documents)} 份{notes}）")
        elif outcome.status == "skipped":
            done = "已写入过发件箱" if outcome.via == "outbox" else "已发送过"
            click.echo(f"跳过 {mail.recipient}（{done}，文档未变）")
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
    written = "写入发件箱" if any(o.via == "outbox" for o in result.outcomes) else "发送"
    click.echo(f"{month}: {written} {result.count('sent')}，跳过 {result.count('skipped')}，"
               f"失败 {result.count('failed')}，待发 {result.count('pending')}（{result.transport}）"
               + (f"；其中 {unknown} 封上次发送结果未知，已用相同 Message-ID 重发" if unknown else ""))
    if result.count("failed") or result.count("pending"):
        sys.exit(delivery.DeliveryError.exit_code)


@main.command(short_help="建立一个可直接修改的工作文件夹：示例数据、模板和配置文件。")
@click.argument("folder", metavar="DIR", type=click.Path(path_type=Path))
def init(folder):
    """在 DIR 中建立一个可直接修改的工作文件夹：inputs/（示例数据，附各文件说明 README.md）、docx_templates/（Word 模板）和带注释的 salesreport.toml（所有配置项，均已注释掉）。

    不覆盖任何已有文件：要写的文件中只要有一个已存在，就什么也不写（退出码 2）。之后在 DIR 中直接运行 salesreport report 即可。

    \b
    示例：
      salesreport init demo
      cd demo
      salesreport report --month 2025-10
    """
    with _failing_clearly():
        written = starter.write_starter(folder)
    click.echo(f"已在 {folder} 中写入 {len(written)} 个文件：inputs/（示例数据和 README.md）、"
               f"docx_templates/、{starter.CONFIG_FILE}")
    click.echo(f"下一步：cd {folder}，把 inputs/ 中的示例换成自己的数据，然后运行 salesreport report --month 2025-10")
