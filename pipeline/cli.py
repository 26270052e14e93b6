"""The `salesreport` command line: a thin click shell over `pipeline.api` (arguments → an API
call → messages and the exit code); the only module importing click."""
from __future__ import annotations

import contextlib
import datetime as dt
import functools
import io
import os
import shlex
import sys
import time
import traceback
from pathlib import Path

import click

from pipeline import api, config, layout, resources, starter
from pipeline.errors import DeliveryError, EnvironmentFailure, InputError, SalesReportError, TemplateError, UsageError
from pipeline.inputs.schema import LEVEL_NAMES
from pipeline.inputs.validate import is_email
from pipeline.delivery.approval import approver_problem
from pipeline.months import parse_range, today

ALERTED = ("report", "validate", "distribute")  # a non-zero exit of these sends an alert
# How the user called us, when not as `salesreport COMMAND` (the Makefile sets `make report`):
# the hints then name a month the way they can, `make report MONTH=2025-10`.
CALLED_AS = "SALESREPORT_CALLED_AS"


class _Run:
    """The command under way: what it printed (for an alert) and what it was asked."""

    def __init__(self, args: list[str] | None = None):
        self.args = args or []
        self.command: str | None = None
        self.month: str | None = None
        self.outputs: Path = Path("outputs")
        self.config: Path | None = None
        self.printed: list[str] = []


_run = _Run()


def say(text: str, err: bool = False) -> None:
    """click.echo, remembered for the alert."""
    click.echo(text, err=err)
    _run.printed.append(text)


def _cycle(ctx, param, value) -> api.Months:
    """--month: a month or a range; left out, the cycle (last month and the current one)."""
    try:
        return api.months(None if value is None else parse_range(value))
    except ValueError as error:
        raise click.BadParameter(f"{value}: {error}") from None
    except UsageError as error:  # SALESREPORT_TODAY is not a date
        raise click.UsageError(str(error)) from None


def _month_hint(month: str) -> str:
    """How the user names `month` for the command under way: `make report MONTH=2025-10` from
    the Makefile, else `salesreport report --month 2025-10`."""
    called = os.environ.get(CALLED_AS, "").strip()
    if called.startswith("make "):
        return f"{called} MONTH={month}"
    return f"salesreport {_run.command or called or 'report'} --month {month}"


def _say_cycle(chosen: api.Months) -> None:
    """What months a command without a month runs for, and how to name one."""
    if chosen.default:
        day = today()
        say(f"未指定月份：处理上月 {chosen[0]}（结月总结）和本月 {chosen[-1]}（开月计划），今天是 {day:%Y-%m-%d}。"
            f"指定月份：{_month_hint('2025-10')}")


_CYCLE_HELP = ("省略时为上一个自然月和本月（环境变量 SALESREPORT_TODAY=YYYY-MM-DD 可指定“今天”）。")


def cycle_option(written: str):
    """--month of the commands over the cycle; `written`: what the command does with each month."""
    return click.option("--month", "months", callback=_cycle, metavar="YYYY-MM[..YYYY-MM]",
                        help=f"月份，如 2025-10，或范围 2025-10..2025-11（{written}）；" + _CYCLE_HELP)


config_option = click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
                             metavar="FILE",
                             help=f"配置文件；省略时读取当前文件夹中的 {config.FILE_NAME}（如有）。环境变量优先。")
inputs_option = click.option("--inputs", "inputs_dir", type=click.Path(path_type=Path), default=Path("inputs"),
                             metavar="DIR", help="输入文件夹，默认 inputs。")
outputs_option = click.option("--outputs", "outputs_dir", type=click.Path(path_type=Path),
                              default=Path("outputs"), metavar="DIR", help="输出文件夹，默认 outputs。")
strict_option = click.option("--strict", is_flag=True, help="把数据警告（缺实际值、缺目标等）当作错误。")


def _fail(error: SalesReportError) -> None:
    _explain(error)
    sys.exit(error.exit_code)


def _explain(error: SalesReportError) -> int:
    """Prints what went wrong; the exit code it calls for."""
    if isinstance(error, api.NoTargets):
        for problem in error.problems:
            say(f"错误：{problem}", err=True)
    elif isinstance(error, InputError):
        listed = len(error.problems)
        only = f"（只列出前 {listed} 个）" if error.total > listed else ""
        say(f"输入数据有 {error.total} 个问题，未生成任何文件{only}：", err=True)
        for problem in error.problems:
            say(f"  - {problem}", err=True)
    else:
        say(f"错误：{error}", err=True)
    return error.exit_code


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
        say(f"数据警告 {len(warnings)} 条（已写入 manifest.json 和相关总结的数据说明）:", err=True)
        for warning in warnings:
            say(f"  ! {warning}", err=True)


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
        if isinstance(error, click.BadOptionUsage) and "requires an argument" in error.message:
            return f"{error.option_name} 后面要写一个值"
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


def _settings(config_path: Path | None) -> config.Options:
    """salesreport.toml (or --config) under the environment, loaded once; ConfigError (exit 2) for a bad value."""
    return config.load(os.environ, config_path)


def _rerun_command() -> str:
    """The command as it was given, with the month it ran for when it was left to the default."""
    args = list(_run.args)
    if _run.month and not any(a == "--month" or a.startswith("--month=") for a in args):
        args += ["--month", _run.month]
    return shlex.join(["salesreport", *args])


def _alert(exit_code: int) -> None:
    """Sends the failure alert, if one is configured, and prints where it went or why it did not."""
    from pipeline.delivery import alert

    try:
        env = _settings(_run.config)
    except SalesReportError:  # the file is what failed: the environment alone may still say where to alert
        env = config.Environment({k: v for k, v in os.environ.items() if k.startswith(config.PREFIX)}, {})
    line = alert.send(env, _run.outputs, _run.command, _run.month, exit_code, "\n".join(_run.printed),
                      _rerun_command())
    if line:
        click.echo(line, err=True)


class _Group(_Command, click.Group):
    """Runs a command; when report, validate or distribute exits non-zero — a usage error, a
    failure, even a crash — the failure alert goes out before the exit, which it never changes."""

    command_class = _Command

    def main(self, args=None, *rest, **kwargs):
        global _run
        _run = _Run(list(args) if args is not None else sys.argv[1:])
        for stream in (sys.stdout, sys.stderr):  # a log file on Windows is in its code page (cp1252 …):
            if isinstance(stream, io.TextIOWrapper) and stream.encoding.lower().replace("-", "") != "utf8":
                stream.reconfigure(errors="backslashreplace")  # a character it lacks must not end the run
        return super().main(args, *rest, **kwargs)

    def resolve_command(self, ctx, args):
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            raise _UsageError(click.UsageError(f"没有命令 {args[0]}（可用：{'、'.join(sorted(self.commands))}）", ctx))
        name, command, rest = super().resolve_command(ctx, args)
        _run.command = name
        return name, command, rest

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except click.exceptions.Exit:
            raise
        except click.ClickException as error:  # shown here rather than by click, so that the alert holds it
            shown = io.StringIO()
            if isinstance(error, click.UsageError) and not isinstance(error, _UsageError):
                error = _UsageError(error)  # raised by a command itself: said in Chinese too
            if isinstance(error, click.UsageError):
                error.show(shown)
            else:
                shown.write(f"错误：{error.format_message()}\n")
            say(shown.getvalue().rstrip("\n"), err=True)
            self._alerted(error.exit_code)
            sys.exit(error.exit_code)
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
            self._alerted(code)
            raise
        except Exception:
            _run.printed.append(traceback.format_exc())
            self._alerted(1)
            raise

    @staticmethod
    def _alerted(code: int) -> None:
        if code and _run.command in ALERTED:
            _alert(code)


def _noting(function):
    """Notes the command's month, outputs folder and configuration, for its alert."""
    @functools.wraps(function)
    def noted(**params):
        months = params.get("months") or [None]
        _run.month = params.get("month") or (months[0] if len(months) == 1 else f"{months[0]}..{months[-1]}")
        _run.outputs = params.get("outputs_dir") or _run.outputs
        _run.config = params.get("config_path")
        return function(**params)
    return noted


@click.group(cls=_Group, subcommand_metavar="命令 [参数]...", context_settings={"help_option_names": ["-h", "--help"]},
             invoke_without_command=True)
@click.version_option(None, "--version", package_name="salesreport", message="salesreport %(version)s",
                      help="显示版本并退出。")
@click.pass_context
def main(ctx):
    """salesreport：从 CRM 导出数据生成销售团队每个销售代表、团队、区域和公司的月度工作计划与月度工作总结（Word），并发给各负责人。

    \b
    示例：
      salesreport init demo
      cd demo
      salesreport report --month 2025-10
      salesreport distribute --month 2025-10 --dry-run
    """
    if ctx.invoked_subcommand is None:  # bare `salesreport`: the help, not an error
        click.echo(ctx.get_help())


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
        self.phase, self.bar, self.started = None, None, time.perf_counter()

    def line(self, text: str, started: float) -> None:
        if not self.quiet:
            say(f"{text}，用时 {time.perf_counter() - started:.1f} 秒", err=True)

    def __call__(self, phase: str, done: int, total: int) -> None:
        if phase == "inputs":  # read and checked, once for every month
            self.line("读取并校验输入", self.started)
            return
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


@main.command(short_help="生成某月（或几个月）的全部计划与总结、metrics.csv 和 manifest.json。")
@cycle_option("每月单独完整写出")
@inputs_option
@outputs_option
@templates_option
@strict_option
@click.option("--pdf", "with_pdf", is_flag=True, help="同时用 LibreOffice 生成每份文档的 PDF。")
@click.option("--workers", callback=_positive, metavar="N",
              help="同时生成文档（及 PDF）的进程数；默认为本机 CPU 数。")
@click.option("--quiet", "-q", is_flag=True, help="不显示进度。")
@config_option
@_noting
def report(months, inputs_dir, outputs_dir, templates_dir, strict, with_pdf, workers, quiet, config_path):
    """生成某月每个销售代表、团队、区域和公司的月度工作计划与月度工作总结，以及 metrics.csv 和 manifest.json。

    每月全部写入 outputs/月份/（如 outputs/2025-10/）；某月出错时该月不写入任何文件，原有的输出保持不变，其余月份照常生成。
    省略 --month 时生成上一个自然月（结月总结）和本月（开月计划）。尚无实际完成数据的月份只生成计划。

    \b
    示例：
      salesreport report
      salesreport report --month 2025-10
      salesreport report --month 2025-10..2025-11
      salesreport report --month 2025-10 --inputs inputs --outputs outputs --pdf
    """
    _say_cycle(months)
    progress = _Progress(quiet)
    begun = [time.perf_counter()]

    def done(outcome: api.MonthOutcome) -> None:
        progress.close()
        if outcome.data is not None:
            _print_warnings(outcome.data.warnings)
        if outcome.status == api.DONE:
            written = outcome.report
            levels = {}
            for document in written.documents:
                levels[document["level"]] = levels.get(document["level"], 0) + 1
            shown = "、".join(f"{LEVEL_NAMES[level]} {count}" for level, count in levels.items())
            say(f"{outcome.month}: 已生成 {len(written.documents)} 份文档（{shown}），"
                f"警告 {len(written.warnings)} 条，用时 {time.perf_counter() - begun[0]:.1f} 秒")
            if outcome.data.plans_only:
                say(f"{outcome.month}: {api.PLANS_ONLY_NOTICE}")
            tables = [name for name in (layout.METRICS, layout.SEGMENT_METRICS, layout.PIPELINE, layout.MANIFEST)
                      if (Path(written.folder) / name).exists()]
            say(f"输出： {written.folder}  ({', '.join(tables)})")
        _said(outcome, len(months))
        begun[0] = time.perf_counter()

    with _failing_clearly():
        try:
            _each_month(months, lambda: api.report(months, inputs_dir, outputs_dir, templates_dir, workers, with_pdf,
                                                   strict, config_path, progress, done))
        finally:
            progress.close()


def _said(outcome: api.MonthOutcome, count: int) -> None:
    """A month skipped or failed, as it happens (its error in full when it is the only one)."""
    if outcome.status == api.SKIPPED:
        say(f"{outcome.month}: 没有这个月份的目标数据，跳过")
    elif outcome.status == api.FAILED:
        if count > 1:
            say(f"{outcome.month}: 失败", err=True)
            _explain(outcome.error)


def _each_month(chosen: api.Months, call) -> None:
    """Runs `call` (an API call over the months): a summary line of each month's outcome when
    there are several, then the exit code of the first failure; when every month of the cycle
    was skipped, which months the targets hold and how to name one."""
    try:
        outcomes, error = call().months, None
    except SalesReportError as failure:
        if getattr(failure, "result", None) is None:
            raise
        outcomes, error = failure.result.months, failure
    if len(chosen) > 1:
        shown = {api.DONE: "完成", api.SKIPPED: "跳过（无目标）", api.FAILED: "失败"}
        say("各月结果：" + "；".join(f"{o.month} {shown[o.status]}" for o in outcomes))
    if error is None:
        return
    if all(o.status == api.SKIPPED for o in outcomes):
        found = error.found.split("、") if error.found else []
        shown = "、".join(found) if len(found) <= 4 else f"{found[0]} 至 {found[-1]}（共 {len(found)} 个月）"
        there = (f"目标数据中的月份：{shown}；请指定其中一个月，如 {_month_hint(found[-1])}"
                 if found else "目标数据中没有任何月份")
        say(f"错误：{'、'.join(chosen)} 都没有目标数据，未生成任何文件。{there}", err=True)
    elif len(chosen) == 1:
        raise error
    sys.exit(error.exit_code)


@main.command(short_help="检查某月（或几个月）的输入数据，列出每个问题；不写入任何文件。")
@cycle_option("逐月检查，不写入任何文件")
@inputs_option
@strict_option
@config_option
@_noting
def validate(months, inputs_dir, strict, config_path):
    """检查某月的输入数据（包括 recipients.csv）和配置（salesreport.toml 与环境变量），列出每个问题和警告；不写入任何文件。

    --month 可为一个月或范围；省略时检查上一个自然月和本月。

    \b
    示例：
      salesreport validate --month 2025-10
      salesreport validate --month 2025-10..2025-11 --inputs inputs --strict
    """
    _say_cycle(months)

    def done(outcome: api.MonthOutcome) -> None:
        if outcome.status == api.DONE:
            checked = outcome.data
            _print_warnings(checked.warnings)
            plans = f"；{api.PLANS_ONLY_NOTICE}" if checked.plans_only else ""
            say(f"{outcome.month}: 输入数据有效（{len(checked.inputs.org)} 名销售代表，"
                f"{len(checked.metrics)} 行指标，警告 {len(checked.warnings)} 条{plans}）。")
        _said(outcome, len(months))

    with _failing_clearly():
        _each_month(months, lambda: api.check(months, inputs_dir, strict, config_path, done))


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
    problems = api.check_templates(templates_dir)
    if problems:
        say(f"模板有 {len(problems)} 个问题：", err=True)
        for problem in problems:
            say(f"  - {problem}", err=True)
        sys.exit(TemplateError.exit_code)
    say(f"模板检查通过：{templates_dir}")


def _check_preview(preview: str | None, to: str | None, dry_run: bool, resend: bool) -> None:
    if (preview is None) != (to is None):
        raise click.UsageError("--preview 和 --to 要一起使用：--preview 收件人地址 --to 预览发往的地址")
    if preview is not None and (dry_run or resend):
        raise click.UsageError("--preview 不能与 --dry-run 或 --resend 一起使用")
    if to is not None and not is_email(to):
        raise click.BadParameter(f"「{to}」不是有效的邮箱地址", param_hint="--to")


@main.command(short_help="把某月（或几个月）的文档发给各收件人，每人一封，只发一次。")
@cycle_option("几个月一起发送时每人仍只收到一封邮件")
@inputs_option
@outputs_option
@click.option("--dry-run", is_flag=True, help="只列出每位收件人会收到哪些文档，不发送、不记录。")
@click.option("--resend", is_flag=True, help="已发送过的也再发一次。")
@click.option("--preview", metavar="RECIPIENT", default=None,
              help="预览：把此收件人（邮箱地址）会收到的邮件，标记【预览】，发到 --to 的地址；不记录、不需审批。")
@click.option("--to", metavar="ADDRESS", default=None, help="预览邮件发往的地址（与 --preview 一起用）。")
@config_option
@_noting
def distribute(months, inputs_dir, outputs_dir, dry_run, resend, preview, to, config_path):
    """把某月各单位的文档发给各自的收件人：每个地址每月一封邮件，只发一次。

    收件人来自 recipients.csv（level、unit、email）和 org.csv 的 email。设置了 SALESREPORT_SMTP_HOST（或 salesreport.toml 的 smtp_host）时经 SMTP 发送，否则每封邮件写成 .eml 文件，放在 outputs/outbox/月份/（发件箱）。附件格式、邮件大小上限和审批按配置文件。

    --month 可为一个月或范围；省略时为上一个自然月和本月（结月总结和开月计划），还没有报告的月份跳过。几个月一起发送时每位收件人仍只收到一封邮件，只含对其新增或有改动的文档。

    重新运行只发送收件人尚未收到或已更新的附件。--preview 加 --to 把某位收件人的邮件作为预览发到另一个地址，不记录为发送。

    \b
    示例：
      salesreport distribute --month 2025-10 --dry-run
      salesreport distribute --month 2025-10
      salesreport distribute --month 2025-10..2025-11
      salesreport distribute --month 2025-10 --preview ceo@example.com --to me@example.com
    """
    _check_preview(preview, to, dry_run, resend)
    month = months.key
    if preview is not None:
        if len(months) > 1:
            raise click.UsageError(f"--preview 只用于单个月份：请指定一个月，如 {_month_hint(months[0])}")
        with _failing_clearly():
            mail, parts, transport = api.preview(months, preview, to, inputs_dir, outputs_dir, config_path)
        split = f"，分 {parts} 封" if parts > 1 else ""
        say(f"{month}: 已把 {mail.recipient} 的邮件（{len(mail.documents)} 份文档{split}）作为预览发到 {to}"
            f"（{transport}）；未记录为发送。")
        return

    def show(outcome):
        mail = outcome.mail
        if outcome.status == "dry-run":
            say(f"将发送 {mail.recipient}（{len(outcome.attached)} 份）：{'、'.join(outcome.attached)}")
        elif outcome.status == "sent":
            notes = "，更新" if outcome.is_update else ""
            notes += f"，分 {outcome.parts} 封" if outcome.parts > 1 else ""
            notes += "，上次结果未知，已用相同 Message-ID 重发" if outcome.resent_unknown else ""
            say(f"{'已写入发件箱' if outcome.via == 'outbox' else '已发送'} {mail.recipient}"
                f"（{len(outcome.attached)} 个附件{notes}）")
        elif outcome.status == "skipped":
            done = "已写入过发件箱" if outcome.via == "outbox" else "已发送过"
            say(f"跳过 {mail.recipient}（{done}，文档未变）")
        elif outcome.status == "pending":
            say(f"待发 {mail.recipient}（未发送）", err=True)
        else:
            say(f"失败 {mail.recipient}：{outcome.error}", err=True)

    with _failing_clearly():
        result = api.distribute(months, inputs_dir, outputs_dir, dry_run, resend, config_path, on_mail=show)
    month = result.month or month
    for warning in result.warnings:
        say(f"  ! {warning}", err=True)
    if dry_run:
        say(f"{month}: 试运行，{result.count('dry-run')} 封邮件将经 {result.transport} 发出"
            f"（{result.count('skipped')} 位收件人没有新文档）；未发送任何邮件。")
        return
    if result.stopped:
        say(f"错误：{result.stopped}；其余 {result.count('pending')} 封保持待发，"
            "服务器恢复后重新运行 distribute 即可（已发送的不会重发）", err=True)
    unknown = sum(1 for o in result.outcomes if o.resent_unknown)
    written = "写入发件箱" if any(o.via == "outbox" for o in result.outcomes) else "发送"
    say(f"{month}: {written} {result.count('sent')}，跳过 {result.count('skipped')}，"
        f"失败 {result.count('failed')}，待发 {result.count('pending')}（{result.transport}）"
        + (f"；其中 {unknown} 封上次发送结果未知，已用相同 Message-ID 重发" if unknown else ""))
    if result.count("failed") or result.count("pending"):
        sys.exit(DeliveryError.exit_code)


_STATES = {"delivered": "已送达", "pending": "待发送", "failed": "失败", "awaiting_approval": "待审批"}


def _show_recipient(recipient, outputs_dir: Path, month: str, with_received: bool) -> None:
    mail = recipient.mail
    who = f"{mail.recipient}（{mail.name}）" if mail.name else mail.recipient
    line = f"  {_STATES[recipient.state]} {who}：{recipient.attachments} 个附件"
    if recipient.missing:
        line += f"，缺 {len(recipient.missing)} 个" + ("（其中有更新）" if recipient.has_older else "")
        line += "；上次发送结果未知，下次 distribute 会重发" if recipient.unknown else ""
        line += f"；{recipient.error}" if recipient.error else ""
    say(line)
    if with_received:
        from pipeline.delivery.status import archived

        for got in recipient.received:
            kept = archived(outputs_dir, month, got)
            where = str(kept) if kept else "（归档已按保留期删除）"
            sent = dt.datetime.strptime(got.sent_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc).astimezone()
            say(f"      {sent:%Y-%m-%d %H:%M:%S}  {got.name}  sha256 {got.sha256[:12]}  {where}")


@main.command(short_help="查看某月（或几个月）的文档是否已全部送达每位收件人。")
@cycle_option("逐月列出")
@inputs_option
@outputs_option
@config_option
@click.option("--received", "with_received", is_flag=True,
              help="同时列出每位收件人收到的每个附件：时间、文件名、sha256 和归档位置。")
def status(months, inputs_dir, outputs_dir, config_path, with_received):
    """按月列出文档的生成时间，以及每位收件人的状态：已送达、待发送、失败或待审批。

    只有每位收件人都已收到每份当前文档（按配置的附件格式）时退出码才为 0，否则为 5，可直接用作定时任务（cron）的检查。

    \b
    示例：
      salesreport status --month 2025-10
      salesreport status --month 2025-09..2025-11 --received
      salesreport status --month 2025-10 || mail -s "salesreport" ops@example.com
    """
    def show(found) -> None:
        if found.problem:
            say(f"{found.month}: {found.problem}——未送达")
            return
        say(f"{found.month}: 文档生成于 {found.made_at:%Y-%m-%d %H:%M:%S}（{found.documents} 份），"
            f"发送方式 {found.transport}")
        for recipient in found.recipients:
            _show_recipient(recipient, outputs_dir, found.month, with_received)
        counts = "，".join(f"{_STATES[state]} {found.count(state)}" for state in _STATES)
        verdict = "全部送达" if found.complete else "未全部送达"
        say(f"{found.month}: {len(found.recipients)} 位收件人，{counts}——{verdict}")

    with _failing_clearly():
        found = api.status(months, inputs_dir, outputs_dir, config_path, on_month=show)
    for month in found.skipped:
        say(f"{month}: 本月还没有报告（本月没有目标数据或尚未运行 report），不检查")
    if not found.complete:
        sys.exit(DeliveryError.exit_code)


@main.command(short_help="审批某月的当前文档，开启审批时 distribute 才会发送。")
@cycle_option("逐月审批")
@inputs_option
@outputs_option
@config_option
@click.option("--by", default=None, metavar="NAME", help="审批人姓名；默认为当前登录用户。")
def approve(months, inputs_dir, outputs_dir, config_path, by):
    """审批某月的当前文档，供 distribute 发送（配置了 require_approval 或 SALESREPORT_REQUIRE_APPROVAL=1 时需要）。

    在 outputs/deliveries.sqlite 中记录每份文档的 sha256、审批人和时间；之后有改动的文档（重新运行了 report）需要重新审批。

    \b
    示例：
      salesreport approve --month 2025-10 --by 王经理
      salesreport approve --month 2025-09..2025-10
    """
    if by is not None and (why := approver_problem(by.strip())):
        raise click.BadParameter(f"审批人{why}", param_hint="--by")

    def show(done: api.Approval) -> None:
        say(f"{done.month}: {done.by} 已审批 {len(done.documents)} 份文档（其中新审批 {done.added} 份；文档生成于 "
            f"{done.made_at:%Y-%m-%d %H:%M:%S}），distribute 可发给 {done.recipients} 位收件人")

    with _failing_clearly():
        approved = api.approve(months, inputs_dir, outputs_dir, by, config_path, on_month=show)
    for month in months:
        if month not in {done.month for done in approved}:
            say(f"{month}: 还没有报告（该月没有目标数据或尚未运行 report），不审批")


def _some_months(ctx, param, value):
    """--month of collect: a month or a range; left out, every month."""
    if value is None:
        return None
    try:
        return parse_range(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@main.command(short_help="收回填写过的文档：把填写栏中的文字收进 inputs/notes_collected.csv。")
@click.argument("paths", nargs=-1, metavar="PATH...", type=click.Path(path_type=Path))
@inputs_option
@outputs_option
@click.option("--month", "months", callback=_some_months, metavar="YYYY-MM[..YYYY-MM]",
              help="只收这个月份（或范围）的文档；省略时收所有月份。")
@click.option("--list", "listing", is_flag=True, help="列出已收的文字：每个单位几条、来自哪个文件；不读取 PATH。")
def collect(paths, inputs_dir, outputs_dir, months, listing):
    """读取交回的文档（.docx，或附有 .docx 的邮件 .eml；也可以是包含它们的文件夹），把每个已填写的填写栏的文字作为备注写入 inputs/notes_collected.csv；之后运行 report 时它们像 notes.csv 一样出现在文档中并逐级汇总。

    只收本工具发出、签名相符、留在原文档中的填写栏：标记被改动、从另一份文档移来或不属于任何已发出文档的，整份文档不收并说明原因（退出码 2），其余文档照收。
    同一文档再收一次不会重复；同一填写栏以较新的版本（按文档的修改时间，相同时按收取顺序）为准。

    \b
    示例：
      salesreport collect 交回/
      salesreport collect 交回/李娜_总结.docx 邮件/回复.eml --month 2025-10
      salesreport collect --list
    """
    from pipeline.inputs.returned import describe

    with _failing_clearly():
        if listing:
            rows = api.collected(months, inputs_dir)
            units: dict[tuple, list[dict]] = {}
            for row in rows:
                units.setdefault((row["month"], row["level"], row["unit"]), []).append(row)
            for (month, level, unit), found in units.items():
                files = "、".join(dict.fromkeys(f"{r['file']}（{r['author'] or '未署名'} {r['modified']}）" for r in found))
                say(f"{month} {LEVEL_NAMES.get(level, level)} {unit}：{len(found)} 条，来自 {files}")
            say(f"共 {len(rows)} 条，{len(units)} 个单位（{inputs_dir / 'notes_collected.csv'}）")
            return
        if not paths:
            raise click.UsageError("请给出交回的文档或文件夹，如 salesreport collect 交回/")
        result = api.collect(paths, months, inputs_dir, outputs_dir)
    for judged, count in zip(result.judged, result.merged.counts):
        if judged.status == "refused":
            say(f"拒收 {judged.source}：{judged.reason}", err=True)
        elif judged.status == "skipped":
            say(f"跳过 {judged.source}：{judged.reason}")
        else:
            done = "，".join(f"{name} {count[key]}" for key, name in
                            (("new", "新增"), ("replaced", "更新"), ("held", "已收过"), ("older", "较旧未用")) if count.get(key))
            say(f"收取 {judged.source}（{describe(judged.document)}）：" + (done or "没有填写的内容"))
    taken = sum(1 for j in result.judged if j.status == "taken")
    say(f"共 {len(result.judged)} 份文档：收取 {taken}，拒收 {len(result.refused)}；"
        + (f"已写入 {result.path}" if result.written else f"{result.path} 没有变化"))
    if result.refused:
        sys.exit(2)


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
    say(f"已在 {folder} 中写入 {len(written)} 个文件：inputs/（示例数据和 README.md）、"
        f"docx_templates/、{starter.CONFIG_FILE}")
    say(f"下一步：cd {folder}，把 inputs/ 中的示例换成自己的数据，然后运行 salesreport report --month 2025-10")
