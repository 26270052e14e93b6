"""Failure alerts: when `report`, `validate` or `distribute` ends with a non-zero exit, a mail to
SALESREPORT_ALERT_TO through the configured transport (the outbox, outputs/outbox/alerts/, when
no SMTP server is set), holding what the command printed, the host, the time and how to rerun it.

Sending an alert never raises: what went wrong is returned for the command line to print, and the
command's own exit code stands.
"""
from __future__ import annotations

import datetime as dt
import socket
from pathlib import Path
from typing import Mapping

from pipeline import config
from pipeline.delivery.mail import compose_alert
from pipeline.delivery.transport import from_settings
from pipeline.errors import PermanentFailure, SalesReportError, Stalled, TemporaryFailure
from pipeline.layout import Layout

SUBJECT = "【salesreport 失败】"


def subject(command: str, month: str | None) -> str:
    return f"{SUBJECT}{command}" + (f" {month}" if month else "")


def body(command: str, month: str | None, exit_code: int, printed: str, rerun: str, now: dt.datetime,
         folder: Path) -> str:
    return "\n".join([
        f"salesreport {command}{' ' + month if month else ''} 失败，退出码 {exit_code}。",
        "",
        "它打印的内容：",
        "----",
        printed.rstrip("\n") or "（无）",
        "----",
        "",
        f"主机：{socket.gethostname()}",
        f"时间：{now:%Y-%m-%d %H:%M:%S %z}",
        f"目录：{folder}",
        "重新运行：",
        f"  cd {folder} && {rerun}",
        "",
        "此邮件由 salesreport 在运行失败时自动发送（SALESREPORT_ALERT_TO）。",
    ]) + "\n"


def send(settings: config.Options | Mapping[str, str], outputs_dir: Path, command: str, month: str | None,
         exit_code: int, printed: str, rerun: str, now: dt.datetime | None = None) -> str | None:
    """Sends the alert if SALESREPORT_ALERT_TO is set; a line saying where it went or why it could not
    go, None when no alert is configured."""
    try:
        options = config.settings(settings)
    except SalesReportError as error:
        return f"告警邮件未能发送（设置无效）：{error}"
    if not options.alert_to:
        return None
    now = now or dt.datetime.now().astimezone()
    message = compose_alert(options.sender, list(options.alert_to), subject(command, month),
                            body(command, month, exit_code, printed, rerun, now, Path.cwd()))
    transport = from_settings(options.smtp, Layout(outputs_dir).outbox("alerts"))
    failed = []
    try:
        outputs_dir.mkdir(parents=True, exist_ok=True)
        transport.prepare()
    except (OSError, SalesReportError) as error:
        return f"告警邮件未能发送：{error}"
    for number, address in enumerate(options.alert_to):
        try:
            transport.send(message, address, f"{now:%Y%m%d-%H%M%S} {command}")
        except Stalled as error:  # one deadline for the alert: the others are not tried
            failed.append(f"{address}：{error}" + (f"（其余 {len(options.alert_to) - number - 1} 个地址未尝试）"
                                                   if number + 1 < len(options.alert_to) else ""))
            break
        except (TemporaryFailure, PermanentFailure, OSError) as error:
            failed.append(f"{address}：{error}")
    if failed:
        return "告警邮件未能发送：" + "；".join(failed)
    return f"已发送告警邮件到 {', '.join(options.alert_to)}（{transport.describe()}）"
