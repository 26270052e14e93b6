"""Distribution (contract §6): each recipient one mail per month with exactly their units' documents.

The orchestration of a run: the month's mails planned (planning) → what each recipient does not
have yet → its attachments (SALESREPORT_ATTACH) → parts within SALESREPORT_MAX_MAIL_MB → approval
checked (approval) → archived, then sent with retries (retries) under the ledger's guard.
"""
from __future__ import annotations

import contextlib
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

from pipeline import config
from pipeline.delivery import archive
from pipeline.delivery.approval import SHOWN, require_approved
from pipeline.delivery.attachments import Item
from pipeline.delivery.cycle import Cycle
from pipeline.delivery.headlines import headlines, rows_by_unit
from pipeline.delivery.ledger import FAILED, PENDING, SENDING, SENT, Delivered, Entry, Ledger
from pipeline.delivery.mail import Attachment, Marks, attached, compose, message_id
from pipeline.delivery.parts import TooLarge, split
from pipeline.delivery.planning import Mail, Month, plan_month, plan_run
from pipeline.delivery.retries import Breaker, send_with_retries
from pipeline.delivery.transport import Outbox, Smtp, from_settings
from pipeline.errors import DeliveryError, EnvironmentFailure, LedgerError, SalesReportError, ServerDown, UsageError
from pipeline.publish import exclusive, month_busy, month_lock
from pipeline.layout import Layout
from pipeline.months import range_key

DELIVERIES_BUSY = "另一个 distribute 正在运行，请等它结束后再运行（重叠的两次运行可能重复发送）"


@dataclass
class Outcome:
    mail: Mail
    status: str  # sent | skipped | failed | pending (not sent: the server was down) | dry-run
    is_update: bool = False
    resent_unknown: bool = False
    error: str | None = None
    parts: int = 0  # messages sent for this mail in this run
    attached: list[str] = field(default_factory=list)  # the file names sent
    via: str = ""  # the transport's name: "outbox" (written to a file) or "smtp"


@dataclass
class Result:
    transport: str
    outcomes: list[Outcome] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    stopped: str | None = None  # why the run stopped sending before the end
    month: str = ""  # what the run covered: a month or a range FIRST..LAST (delivery.cycle)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


def distribute(month: str | list[str], inputs_dir: Path, outputs_dir: Path,
               settings: config.Options | Mapping[str, str],
               dry_run: bool = False, resend: bool = False, retry_delay: float = 2.0,
               sleep: Callable[[float], None] | None = None, report: Callable[[Outcome], None] | None = None,
               skip_unreported: bool = False) -> Result:
    """Send (or with `dry_run` only list) each recipient's mail for `month`; see contract §6.

    The month's lock (shared with `report`) is held from before the manifest is read to the
    end, so a report of the same month can never swap the documents mid-way: one of the two
    refuses at its start. With approval required, documents not approved stop the run before
    anything is sent (ApprovalError). A full or read-only disk or an unusable ledger stops the
    run with an EnvironmentFailure or LedgerError saying how many mails are still to be sent.

    Several months (a range, or the cycle's last and current month) go as one mail per
    recipient holding what is new or changed for them in any of the months (delivery.cycle).
    """
    months = [month] if isinstance(month, str) else list(month)
    options = config.settings(settings)
    transport: Outbox | Smtp = from_settings(options.smtp, Layout(outputs_dir).outbox(range_key(months)))
    report = report or (lambda outcome: None)
    if dry_run:
        return _dry_run(months, inputs_dir, outputs_dir, options, transport, resend, skip_unreported, report)
    with contextlib.ExitStack() as locks:
        for each in months:
            locks.enter_context(exclusive(month_lock(outputs_dir, each), month_busy(each)))
        locks.enter_context(exclusive(Layout(outputs_dir).deliveries_lock, DELIVERIES_BUSY))
        planned = plan_run(months, inputs_dir, outputs_dir, skip_unreported)
        if planned.month != range_key(months):  # a default month was left out
            transport = from_settings(options.smtp, Layout(outputs_dir).outbox(planned.month))
        result = Result(transport.describe(), warnings=planned.warnings, month=planned.month)
        ledger = Ledger(Layout(outputs_dir).ledger)
        try:
            run = _Delivery(planned, transport, ledger, options, resend, retry_delay, sleep or time.sleep, Breaker(),
                            planned.delivered_to(ledger, transport.name))
            todo = [(mail, run.to_send(mail)) for mail in planned.mails]
            if options.require_approval:
                for each in dict.fromkeys(planned.month_of(i.identity) for _, items in todo for i in items):
                    require_approved(ledger, each, [i for _, items in todo for i in items
                                                    if planned.month_of(i.identity) == each])
            transport.prepare()
            run.maker.convert([item for _, items in todo for item in items])
            _deliver_all(run, todo, result, report)
        finally:
            ledger.close()
    archive.prune(outputs_dir, options.archive_months)
    return result


def _dry_run(months: list[str], inputs_dir: Path, outputs_dir: Path, options: config.Options, transport,
             resend: bool, skip_unreported: bool, report: Callable[[Outcome], None]) -> Result:
    """What a run would send to whom, writing nothing: with a ledger, only what is new or changed
    for each recipient (`attached`); a recipient with nothing new is `skipped`."""
    planned = plan_run(months, inputs_dir, outputs_dir, skip_unreported)
    result = Result(transport.describe(), warnings=planned.warnings, month=planned.month)
    ledger_path = Layout(outputs_dir).ledger
    delivered: dict[str, Delivered] = {}
    if ledger_path.is_file() and not resend:
        ledger = Ledger(ledger_path)
        try:
            delivered = planned.delivered_to(ledger, transport.name)
        finally:
            ledger.close()
    for mail in planned.mails:
        have = delivered.get(mail.recipient.casefold(), Delivered())
        new = [i.name for i in planned.items(mail, options.attach) if not have.has(i.name, i.identity)]
        result.outcomes.append(Outcome(mail, "dry-run" if new else "skipped", attached=new, via=transport.name))
        report(result.outcomes[-1])
    return result


def _deliver_all(delivery: "_Delivery", todo: list[tuple[Mail, list[Item]]], result: Result,
                 report: Callable[[Outcome], None]) -> None:
    """Each mail in turn; a server found down leaves this and every later mail pending."""
    for index, (mail, items) in enumerate(todo):
        try:
            outcome = delivery.deliver(mail, items)
        except ServerDown as error:
            result.stopped = str(error)
            for rest, _ in todo[index:]:
                result.outcomes.append(Outcome(rest, PENDING))
                report(result.outcomes[-1])
            return
        except (OSError, EnvironmentFailure, LedgerError) as error:
            raise _stopped(error, result, len(todo) - index) from None
        result.outcomes.append(outcome)
        report(outcome)


def _stopped(error: Exception, result: Result, unsent: int) -> SalesReportError:
    """The disk's or the ledger's failure, with what was done and what is left."""
    failure = EnvironmentFailure.from_os_error(error) if isinstance(error, OSError) else error
    return type(failure)(f"{failure}\n已停止：本次发送 {result.count(SENT)} 封、跳过 {result.count('skipped')} 封；"
                         f"{unsent} 封未发送（含出错的这一封）。问题解决后重新运行 distribute，已发送的不会重发。")


def _identities(chunk: list[Attachment]) -> list[str]:
    return sorted(a.identity for a in chunk)


@dataclass
class _Delivery:
    """What every mail of one run shares: the month, how mails go, the ledger, what each recipient has."""

    planned: Month | Cycle
    transport: Outbox | Smtp
    ledger: Ledger
    options: config.Options
    resend: bool
    retry_delay: float
    sleep: Callable[[float], None]
    breaker: Breaker
    delivered: dict[str, Delivered]

    def __post_init__(self):
        self.maker = self.planned.maker()
        self.by_unit = rows_by_unit(self.planned.metrics_rows)

    def to_send(self, mail: Mail) -> list[Item]:
        """The mail's items the recipient does not have as they are now (all of them with --resend)."""
        items = self.planned.items(mail, self.options.attach)
        have = self.delivered.get(mail.recipient.casefold(), Delivered())
        return items if self.resend else [i for i in items if not have.has(i.name, i.identity)]

    def deliver(self, mail: Mail, items: list[Item]) -> Outcome:
        """Skip what the recipient has; otherwise the rest in as many parts as the size limit asks."""
        if not items:
            return Outcome(mail, "skipped", via=self.transport.name)
        have = self.delivered.get(mail.recipient.casefold(), Delivered())
        is_update = any(have.replaces(i.name) and not have.has(i.name, i.identity) for i in items)
        files = [self.maker.attachment(item) for item in items]
        rows = self.ledger.parts(self.transport.name, self.planned.month, mail.recipient)
        build = self._builder(mail, is_update, rows, items, () if is_update else added_formats(items, have))
        unknown, files = _in_flight(rows, files)
        parts = [(chunk, build(chunk, entry.part, entry.parts, entry.message_id)) for chunk, entry in unknown]
        try:
            parts += split(files, build, self.options.max_mail_bytes) if files else []
        except TooLarge as error:
            self.ledger.failed_before_sending(self.transport.name, self.planned.month, mail.recipient,
                                              ",".join(_identities(files)), str(error))
            return Outcome(mail, FAILED, is_update, error=str(error), via=self.transport.name)
        outcome = Outcome(mail, SENT, is_update, resent_unknown=bool(unknown), via=self.transport.name)
        for chunk, message in parts:
            error = self._send_part(mail.recipient, chunk, message, is_update)
            if error:
                outcome.status, outcome.error = FAILED, error
                break
            outcome.parts += 1
            outcome.attached += [a.name for a in chunk]
        return outcome

    def _builder(self, mail: Mail, is_update: bool, rows: dict[int, Entry], sending: list[Item],
                 supplement: tuple[str, ...] = ()):
        """Composes a part of `mail`: the same attachments and part give the same Message-ID (a
        deliberate --resend of a delivered part a new one), unless `msg_id` is given. Every part
        has the subject and headlines of what this run is `sending` the recipient, whole, titled
        by the months those attachments belong to; `supplement` names the formats it adds to
        documents the recipient already has (补发)."""
        months, documents = sorted({self.planned.month_of(i.identity) for i in sending}), attached(i.document["kind"] for i in sending if i.document)
        lines = headlines(mail, self.by_unit, months, self.planned.labels, self.planned.catalog,
                          by_month=len(months) > 1)
        shown = range_key(months) if months else self.planned.month

        def build(chunk: list[Attachment], part: int, count: int, msg_id: str | None = None):
            if msg_id is None:
                marks = [f"part {part}/{count}"] if count > 1 else []
                previous = rows.get(part)
                if self.resend and previous is not None and previous.status == SENT:
                    marks.append(f"resend-{previous.attempts}")
                msg_id = message_id(self.planned.month, mail.recipient, [*_identities(chunk), *marks])
            return compose(self.options.sender, mail.recipient, mail.name, shown, lines, chunk, msg_id,
                           is_update, Marks(is_update, part, count, supplement=supplement), documents)
        return build

    def _send_part(self, recipient: str, chunk: list[Attachment], message, is_update: bool) -> str | None:
        """Archive, record, send, record the result; None when sent, else the error."""
        msg_id = message["Message-ID"]
        part, count = _part_of(message)
        for attachment in chunk:
            archive.keep(self.planned.outputs_dir, self.planned.month_of(attachment.identity), attachment)
        key = (self.transport.name, self.planned.month, recipient)
        self.ledger.sending(*key, ",".join(_identities(chunk)), msg_id, is_update, part, count)
        try:
            error = send_with_retries(self.transport, message, recipient, self.retry_delay, self.sleep,
                                       self.breaker, f"{part} of {count}" if count > 1 else "")
        except ServerDown as down:  # never reached a server: not sent, not in flight
            if not down.in_flight:  # else it stays `sending`: the next run sends it again, same Message-ID
                self.ledger.finished(*key, PENDING, str(down), part)
            raise
        except OSError as failure:  # the outbox's disk: nothing was written
            self.ledger.finished(*key, FAILED, str(EnvironmentFailure.from_os_error(failure)), part)
            raise
        if error:
            self.ledger.finished(*key, FAILED, error, part)
        else:
            self.ledger.delivered(*key, part, msg_id, [(a.name, a.sha256, a.identity) for a in chunk],
                                  [self.planned.month_of(a.identity) for a in chunk])
        return error


FORMAT_NAMES = {"pdf": "PDF", "xlsx": "Excel"}


def added_formats(items: list[Item], have: Delivered) -> tuple[str, ...]:
    """The formats (`PDF`, `Excel`) that `items` add to documents the recipient already has as
    they are now, when that is all they are (a later run with more SALESREPORT_ATTACH); else ()."""
    documents = {name for name, identity in have.by_name.items() if name.endswith(".docx")}
    if not documents:
        return ()
    added = []
    for item in items:
        if item.kind == "docx" or (item.document is not None
                                   and not have.has(Path(item.document["path"]).name, item.document["sha256"])):
            return ()
        added.append(FORMAT_NAMES[item.kind])
    return tuple(dict.fromkeys(added))


def _part_of(message) -> tuple[int, int]:
    """(part, parts) from the X-Salesreport-Part header; (1, 1) for a mail in one piece."""
    mark = message.get("X-Salesreport-Part")
    return tuple(int(n) for n in str(mark).split("/")) if mark else (1, 1)


def _in_flight(rows: dict[int, Entry], files: list[Attachment]):
    """Parts a killed run left `sending` whose attachments are all to be sent again: each goes again as
    it was (same part, same Message-ID), so the server can drop a copy it already has. The rest of `files`."""
    unknown = []
    for entry in sorted(rows.values(), key=lambda e: e.part):
        chunk = [f for f in files if f.identity in entry.hashes]
        if entry.status == SENDING and chunk and set(_identities(chunk)) == entry.hashes:
            unknown.append((chunk, entry))
            files = [f for f in files if f not in chunk]
    return unknown, files


def preview(month: str, inputs_dir: Path, outputs_dir: Path, settings: config.Options | Mapping[str, str],
            recipient: str,
            to: str) -> tuple[Mail, int, str]:
    """Send `recipient`'s whole mail, marked 【预览】, to `to` through the configured transport (the
    outbox under outputs/outbox/preview-MONTH/); the ledger is neither read nor written, and no
    approval is needed. The mail, the number of messages and the transport."""
    options = config.settings(settings)
    transport = from_settings(options.smtp, Layout(outputs_dir).outbox(f"preview-{month}"))
    with exclusive(month_lock(outputs_dir, month), month_busy(month)):
        planned = plan_month(month, inputs_dir, outputs_dir)
        mail = next((m for m in planned.mails if m.recipient.casefold() == recipient.strip().casefold()), None)
        if mail is None:
            known = "、".join(m.recipient for m in planned.mails[:SHOWN])
            raise UsageError(f"--preview {recipient} 不是 {month} 的收件人"
                             f"（收件人有：{known}{' 等' if len(planned.mails) > SHOWN else ''}）")
        maker = planned.maker()
        items = planned.items(mail, options.attach)
        maker.convert(items)
        lines = headlines(mail, rows_by_unit(planned.metrics_rows), [month], planned.labels, planned.catalog)
        token = secrets.token_hex(8)

        def build(chunk: list[Attachment], part: int, count: int):
            msg_id = message_id(month, to, [*_identities(chunk), f"preview {token} {part}/{count}"])
            return compose(options.sender, to, mail.name, month, lines, chunk, msg_id, False,
                           Marks(False, part, count, preview_for=mail.recipient), attached(i.document["kind"] for i in items if i.document))
        try:
            parts = split([maker.attachment(i) for i in items], build, options.max_mail_bytes)
        except TooLarge as error:
            raise DeliveryError(f"预览未发送：{error}") from None
        transport.prepare()
        for number, (_, message) in enumerate(parts, 1):
            try:
                error = send_with_retries(transport, message, to, 2.0, time.sleep, Breaker(),
                                           f"{number} of {len(parts)}" if len(parts) > 1 else "")
            except ServerDown as down:
                error = str(down)
            if error:
                raise DeliveryError(f"预览未能发送到 {to}：{error}")
    return mail, len(parts), transport.describe()
