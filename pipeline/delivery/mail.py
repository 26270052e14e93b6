"""Composing the monthly mail: one per recipient, their documents attached, the month's headline inside.

Pure: takes names, figures and file contents, returns an EmailMessage. Every header value is
cleared of line breaks and control characters first, so no input can inject a header.
"""
from __future__ import annotations

import base64
import hashlib
import html
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from pipeline.layout import PLAN, SUMMARY
from pipeline.months import range_label
from pipeline.publish import without_format_chars

DOCX_TYPE = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")
MIME_TYPES = {"docx": DOCX_TYPE, "pdf": ("application", "pdf"),
              "xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")}
_UNSAFE_HEADER = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")  # C0, DEL, C1 (U+0085 NEL …), LS, PS
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
    planned: bool = False  # no actual yet (a plans-only month): the items are the month's targets
    period: str = ""  # `2025年10月` in a mail of several months; "" for the one month of a mail


@dataclass(frozen=True)
class Attachment:
    name: str
    data: bytes = field(repr=False)
    kind: str  # docx | pdf | xlsx
    identity: str  # what the ledger knows it by: its document's sha256 (docx, pdf), the workbook's own (xlsx)
    document: str = ""  # the kind of document it is, plan or summary (docx, pdf); "" for the workbook

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class Marks:
    """What sets a mail apart from the plain monthly one."""

    is_update: bool = False
    part: int = 1
    parts: int = 1
    preview_for: str | None = None  # a test send of this recipient's mail
    supplement: tuple[str, ...] = ()  # formats added to documents sent before (补发): PDF, Excel


def header_text(text: str) -> str:
    """`text` safe as (part of) a mail header: line breaks and control characters (C0, C1, line and
    paragraph separators) become spaces; invisible format characters (Unicode Cf: bidi overrides
    like U+202E, zero-width ones) and filler letters, which can make a name or file read backwards
    or blank, are dropped."""
    visible = without_format_chars(text)
    return _UNSAFE_HEADER.sub(" ", visible).strip()


def display_name(text: str) -> str:
    """A person's name for From/To: header-safe and without address syntax (`" < > @ , ; : \\`)."""
    return re.sub(r"\s+", " ", re.sub(r'["<>@,;:\\]', " ", header_text(text))).strip()


def message_id(month: str, recipient: str, hashes: list[str]) -> str:
    """The same Message-ID for the same month, recipient and documents, so a resend can be deduplicated."""
    digest = hashlib.sha256("|".join([month, recipient.casefold(), *sorted(hashes)]).encode()).hexdigest()
    return f"<{digest[:40]}@salesreport>"


def attached(kinds) -> str:
    """What the documents of a mail are, by their kinds (plan, summary): `工作计划`, `工作总结`, or
    both (a month's first run, a cycle)."""
    kinds = set(kinds)
    plans, summaries = PLAN in kinds, SUMMARY in kinds
    return "工作计划" if plans and not summaries else "工作总结" if summaries and not plans else "工作计划与总结"


def subject(month: str, labels: list[str], is_update: bool, marks: Marks | None = None,
            documents: str = "工作计划与总结") -> str:
    marks = marks or Marks(is_update)
    shown = "、".join(labels[:MAX_UNITS_IN_SUBJECT])
    if len(labels) > MAX_UNITS_IN_SUBJECT:
        shown += f"等{len(labels)}个单位"
    prefix = ("【预览】" if marks.preview_for else "") + ("【更新】" if is_update else "")
    suffix = (f"（补发：{'、'.join(marks.supplement)}）" if marks.supplement else "") \
        + (f"（{marks.part}/{marks.parts}）" if marks.parts > 1 else "")
    return header_text(f"{prefix}【{month}】{shown} 销售月度{documents}{suffix}")


def period_label(month: str) -> str:
    """`2025年10月`, or for a mail of several months `2025年10月—2025年11月`."""
    return range_label(month)


def _part_note(marks: Marks) -> str:
    supplement = (f"本邮件补发此前已发送文档的{'、'.join(marks.supplement)}版本，文档内容没有变化。"
                  if marks.supplement else "")
    return supplement + (f"本邮件是第 {marks.part}/{marks.parts} 封：附件超过单封邮件的大小上限，分 {marks.parts} 封发送。"
                         if marks.parts > 1 else "")


def _headline_groups(headlines: list[UnitHeadline]) -> list[tuple[str, list[UnitHeadline]]]:
    """(title, headlines) per month: `本月要点（达成率）：`, or `2025年11月目标：` for a month of
    plans only in a mail of several months."""
    groups: dict[str, list[UnitHeadline]] = {}
    for headline in headlines:
        groups.setdefault(headline.period, []).append(headline)
    return [((period or "本月") + ("目标：" if group and all(h.planned for h in group) else "要点（达成率）："), group)
            for period, group in (groups or {"": []}).items()]


def _plain(greeting: str, month: str, names: list[str], held: str, headlines: list[UnitHeadline], is_update: bool,
           marks: Marks = Marks()) -> str:
    lines = [f"{greeting}，您好：", ""]
    if is_update:
        lines += ["本邮件是更新：以下文档在上次发送后有变化，请以本邮件为准。", ""]
    if _part_note(marks):
        lines += [_part_note(marks), ""]
    lines += [f"附件是{period_label(month)}的销售月度{held}，共 {len(names)} 份：", *[f"  - {n}" for n in names], ""]
    for title, group in _headline_groups(headlines):
        lines.append(title)
        for headline in group:
            items = "；".join(f"{i.metric} {i.achievement}" + (f"（{i.status_text}）" if i.status_text else "")
                             for i in headline.items) or "无数据"
            lines.append(f"  {headline.label}：{items}")
    lines += ["", "此邮件由 salesreport 根据 CRM 数据自动生成并发送。"]
    return "\n".join(lines) + "\n"


def _html(greeting: str, month: str, names: list[str], held: str, headlines: list[UnitHeadline], is_update: bool,
          marks: Marks = Marks()) -> str:
    e = html.escape
    tables = []
    for title, group in _headline_groups(headlines):
        rows = []
        for headline in group:
            cells = "".join(f'<td style="background:#{i.fill};padding:4px 8px;border:1px solid #ccc">'
                            f"{e(i.metric)}<br><b>{e(i.achievement)}</b> {e(i.status_text)}</td>" for i in headline.items)
            rows.append(f'<tr><th style="text-align:left;padding:4px 8px;border:1px solid #ccc">{e(headline.label)}</th>'
                        f"{cells}</tr>")
        tables.append(f'<p>{e(title)}</p><table style="border-collapse:collapse">{"".join(rows)}</table>')
    update = "<p><b>本邮件是更新：以下文档在上次发送后有变化，请以本邮件为准。</b></p>" if is_update else ""
    update += f"<p>{e(_part_note(marks))}</p>" if _part_note(marks) else ""
    files = "".join(f"<li>{e(n)}</li>" for n in names)
    return (f'<html><body style="font-family:sans-serif">'
            f"<p>{e(greeting)}，您好：</p>{update}"
            f"<p>附件是{e(period_label(month))}的销售月度{held}，共 {len(names)} 份：</p><ul>{files}</ul>"
            f'{"".join(tables)}'
            f'<p style="color:#666">此邮件由 salesreport 根据 CRM 数据自动生成并发送。</p></body></html>')


def compose(sender: str, recipient: str, name: str, month: str, headlines: list[UnitHeadline],
            attachments: list[Attachment], msg_id: str, is_update: bool, marks: Marks | None = None,
            documents: str | None = None) -> EmailMessage:
    """The mail to `recipient`: subject naming the units, plain and HTML body, the files attached.

    A preview (`marks.preview_for`) is the same mail addressed to the person checking it.
    `documents` names what the whole mail holds (`工作计划与总结`), so every part of a mail sent in
    parts has the same subject; by default, what `attachments` hold.
    """
    marks = marks or Marks(is_update)
    message = EmailMessage()
    message["From"] = sender
    message["To"] = formataddr((display_name(name), recipient)) if display_name(name) and not marks.preview_for \
        else recipient
    message["Subject"] = subject(month, list(dict.fromkeys(h.label for h in headlines)), is_update, marks,
                                 documents or attached(attachment.document for attachment in attachments))
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = msg_id
    message["X-Salesreport-Month"] = month
    if is_update:
        message["X-Salesreport-Update"] = "yes"
    if marks.parts > 1:
        message["X-Salesreport-Part"] = f"{marks.part}/{marks.parts}"
    if marks.preview_for:
        message["X-Salesreport-Preview-For"] = header_text(marks.preview_for)
    greeting = header_text(name) or (marks.preview_for or recipient)
    names = [header_text(attachment.name) for attachment in attachments]
    held = attached(attachment.document for attachment in attachments)
    message.set_content(_plain(greeting, month, names, held, headlines, is_update, marks))
    message.add_alternative(_html(greeting, month, names, held, headlines, is_update, marks), subtype="html")
    for file_name, attachment in zip(names, attachments):
        # a non-ASCII file name is written RFC 2231-encoded (filename*=utf-8''…) by the email package
        maintype, subtype = MIME_TYPES[attachment.kind]
        message.add_attachment(attachment.data, maintype=maintype, subtype=subtype, filename=file_name)
    for part, file_name, attachment in zip(message.iter_attachments(), names, attachments):
        del part["Content-Type"]
        part.set_raw("Content-Type", _Folded("Content-Type", "/".join(MIME_TYPES[attachment.kind]) + ";\n"
                                             + f' name="{encoded_words(file_name)}"'))
    return message


def encoded_words(text: str) -> str:
    """`text` as RFC 2047 encoded words (`=?utf-8?b?…?=`, each under 76 characters, one a line),
    as Outlook writes an attachment's `name=`: mail readers that do not read RFC 2231's
    `filename*=` (munpack, older Outlook and Foxmail) read this one. ASCII text stays as it is."""
    if text.isascii() and '"' not in text and "\\" not in text:
        return text
    words, chunk = [], ""
    for character in text:
        if len((chunk + character).encode("utf-8")) > 45:
            words.append(chunk)
            chunk = ""
        chunk += character
    words.append(chunk)
    return "\n ".join(f"=?utf-8?b?{base64.b64encode(word.encode('utf-8')).decode('ascii')}?=" for word in words)


class _Folded(str):
    """A header value written as given, its lines already folded: the email package would
    otherwise re-encode an RFC 2047 parameter as RFC 2231."""

    def __new__(cls, name: str, value: str):
        folded = super().__new__(cls, value)
        folded.name = name
        return folded

    def fold(self, *, policy) -> str:
        return f"{self.name}: " + policy.linesep.join(self.splitlines()) + policy.linesep


def compose_alert(sender: str, recipients: list[str], subject_text: str, body: str) -> EmailMessage:
    """A plain-text alert to the people who run the job."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = header_text(subject_text)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain="salesreport")
    message["X-Salesreport-Alert"] = "yes"
    message.set_content(body)
    return message
