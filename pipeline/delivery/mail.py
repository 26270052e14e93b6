"""Composing the monthly mail: one per recipient, their documents attached, the month's headline inside.

Pure: takes names, figures and file contents, returns an EmailMessage. Every header value is
cleared of line breaks and control characters first, so no input can inject a header.
"""
from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, formatdate

from pipeline.inputs.values import month_label

DOCX_TYPE = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")
_UNSAFE_HEADER = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
MAX_UNITS_IN_SUBJECT = 3


@dataclass(frozen=True)
class HeadlineItem:
    metric: str
    achievement: str  # formatted, e.g. 92.5%
    status_text: str
    fill: str  # the summary's cell colour, hex


@dataclass(frozen=True)
class UnitHeadline:
    label: str
    items: tuple[HeadlineItem, ...] = field(default_factory=tuple)


def header_text(text: str) -> str:
    """`text` safe as (part of) a mail header: line breaks and control characters become spaces;
    invisible format characters (Unicode Cf: bidi overrides like U+202E, zero-width ones), which
    can make a name or file read backwards, are dropped."""
    visible = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return _UNSAFE_HEADER.sub(" ", visible).strip()


def display_name(text: str) -> str:
    """A person's name for From/To: header-safe and without address syntax (`" < > @ , ; : \\`)."""
    return re.sub(r"\s+", " ", re.sub(r'["<>@,;:\\]', " ", header_text(text))).strip()


def message_id(month: str, recipient: str, hashes: list[str]) -> str:
    """The same Message-ID for the same month, recipient and documents, so a resend can be deduplicated."""
    digest = hashlib.sha256("|".join([month, recipient.casefold(), *sorted(hashes)]).encode()).hexdigest()
    return f"<{digest[:40]}@salesreport>"


def subject(month: str, labels: list[str], is_update: bool) -> str:
    shown = "、".join(labels[:MAX_UNITS_IN_SUBJECT])
    if len(labels) > MAX_UNITS_IN_SUBJECT:
        shown += f"等{len(labels)}个单位"
    return header_text(f"{'【更新】' if is_update else ''}【{month}】{shown} 销售月度工作计划与总结")


def _plain(greeting: str, month: str, names: list[str], headlines: list[UnitHeadline], is_update: bool) -> str:
    lines = [f"{greeting}，您好：", ""]
    if is_update:
        lines += ["本邮件是更新：以下文档在上次发送后有变化，请以本邮件为准。", ""]
    lines += [f"附件是{month_label(month)}的销售月度工作计划与总结，共 {len(names)} 份：", *[f"  - {n}" for n in names], ""]
    lines.append("本月要点（达成率）：")
    for headline in headlines:
        items = "；".join(f"{i.metric} {i.achievement}（{i.status_text}）" for i in headline.items) or "无数据"
        lines.append(f"  {headline.label}：{items}")
    lines += ["", "此邮件由 salesreport 根据 CRM 数据自动生成并发送。"]
    return "\n".join(lines) + "\n"


def _html(greeting: str, month: str, names: list[str], headlines: list[UnitHeadline], is_update: bool) -> str:
    e = html.escape
    rows = []
    for headline in headlines:
        cells = "".join(f'<td style="background:#{i.fill};padding:4px 8px;border:1px solid #ccc">'
                        f"{e(i.metric)}<br><b>{e(i.achievement)}</b> {e(i.status_text)}</td>" for i in headline.items)
        rows.append(f'<tr><th style="text-align:left;padding:4px 8px;border:1px solid #ccc">{e(headline.label)}</th>'
                    f"{cells}</tr>")
    update = "<p><b>本邮件是更新：以下文档在上次发送后有变化，请以本邮件为准。</b></p>" if is_update else ""
    files = "".join(f"<li>{e(n)}</li>" for n in names)
    return (f'<html><body style="font-family:sans-serif">'
            f"<p>{e(greeting)}，您好：</p>{update}"
            f"<p>附件是{e(month_label(month))}的销售月度工作计划与总结，共 {len(names)} 份：</p><ul>{files}</ul>"
            f'<p>本月要点（达成率）：</p><table style="border-collapse:collapse">{"".join(rows)}</table>'
            f'<p style="color:#666">此邮件由 salesreport 根据 CRM 数据自动生成并发送。</p></body></html>')


def compose(sender: str, recipient: str, name: str, month: str, headlines: list[UnitHeadline],
            attachments: list[tuple[str, bytes]], msg_id: str, is_update: bool) -> EmailMessage:
    """The mail to `recipient`: subject naming the units, plain and HTML body, the documents attached."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = formataddr((display_name(name), recipient)) if display_name(name) else recipient
    message["Subject"] = subject(month, [h.label for h in headlines], is_update)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = msg_id
    message["X-Salesreport-Month"] = month
    if is_update:
        message["X-Salesreport-Update"] = "yes"
    greeting = header_text(name) or recipient
    names = [header_text(file_name) for file_name, _ in attachments]
    message.set_content(_plain(greeting, month, names, headlines, is_update))
    message.add_alternative(_html(greeting, month, names, headlines, is_update), subtype="html")
    for file_name, (_, data) in zip(names, attachments):
        # a non-ASCII file name is written RFC 2231-encoded (filename*=utf-8''…) by the email package
        message.add_attachment(data, maintype=DOCX_TYPE[0], subtype=DOCX_TYPE[1], filename=file_name)
    return message
