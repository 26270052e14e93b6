"""What has gone out for a month (`salesreport status`).

Reads the report's manifest, the recipients and the ledger; writes nothing. A
recipient is complete when they have, as it is now, everything distribute would send them: every
current document of the month in the formats of SALESREPORT_ATTACH (and the workbook).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from pipeline import config
from pipeline.delivery import archive
from pipeline.delivery.attachments import Item
from pipeline.delivery.ledger import FAILED, SENDING, Approval, Delivered, Entry, Ledger, Received, approval_key
from pipeline.delivery.month_folder import MonthFolder
from pipeline.delivery.planning import Mail, plan_month
from pipeline.delivery.transport import from_settings
from pipeline.layout import Layout

DELIVERED, PENDING, FAILING, AWAITING = "delivered", "pending", "failed", "awaiting_approval"


@dataclass
class RecipientStatus:
    mail: Mail
    state: str  # delivered | pending | failed | awaiting_approval
    attachments: int  # what the mail carries now (SALESREPORT_ATTACH)
    missing: list[Item]  # what of it they do not have as it is now
    has_older: bool = False  # they have an earlier version of something missing (an update)
    unknown: bool = False  # a mail's fate is unknown (a killed run): the next distribute resends it
    error: str | None = None
    received: list[Received] = field(default_factory=list)


@dataclass
class MonthStatus:
    month: str
    transport: str
    made_at: dt.datetime | None = None
    documents: int = 0
    recipients: list[RecipientStatus] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problem: str | None = None  # why there is nothing to check (no report)

    @property
    def complete(self) -> bool:
        return self.problem is None and all(r.state == DELIVERED for r in self.recipients)

    def count(self, state: str) -> int:
        return sum(1 for r in self.recipients if r.state == state)


def _state(mail: Mail, items: list[Item], have: Delivered, rows: list[Entry], approvals: dict[tuple, Approval],
           require_approval: bool) -> RecipientStatus:
    """Whether the recipient has what distribute would send them now, and if not, why not."""
    missing = [i for i in items if not have.has(i.name, i.identity)]
    if not missing:
        return RecipientStatus(mail, DELIVERED, len(items), [])
    older = any(have.replaces(i.name) for i in missing)
    unknown = any(row.status == SENDING for row in rows)
    failed = [row for row in rows if row.status == FAILED]
    if require_approval and any(i.document and approval_key(i.document) not in approvals for i in missing):
        state = AWAITING
    else:
        state = FAILING if failed else PENDING
    return RecipientStatus(mail, state, len(items), missing, older, unknown,
                           failed[-1].last_error if failed else None)


def month_status(month: str, inputs_dir: Path, outputs_dir: Path,
                 settings: config.Options | Mapping[str, str]) -> MonthStatus:
    """Per recipient of `month` what they have of its current documents, by the configured transport."""
    options = config.settings(settings)
    transport = from_settings(options.smtp, Layout(outputs_dir).outbox(month))
    status = MonthStatus(month, transport.describe())
    manifest_path = Layout(outputs_dir).manifest(month)
    if not manifest_path.is_file():
        status.problem = f"还没有 {month} 的报告（找不到 {manifest_path}）"
        return status
    planned = plan_month(month, inputs_dir, outputs_dir)
    _, status.made_at = MonthFolder(outputs_dir, month).manifest()
    status.documents = len({d["sha256"] for m in planned.mails for d in m.documents})
    status.warnings = planned.warnings
    ledger_path = Layout(outputs_dir).ledger
    delivered, rows, approvals, received = {}, {}, {}, []
    if ledger_path.exists():
        ledger = Ledger(ledger_path)
        try:
            delivered, rows = ledger.delivered_to(transport.name, month), ledger.month(transport.name, month)
            approvals, received = ledger.approvals(month), ledger.received(transport.name, month)
        finally:
            ledger.close()
    for mail in planned.mails:
        key = mail.recipient.casefold()
        recipient = _state(mail, planned.items(mail, options.attach), delivered.get(key, Delivered()),
                           rows.get(key, []), approvals, options.require_approval)
        recipient.received = [r for r in received if r.recipient.casefold() == key]
        status.recipients.append(recipient)
    return status


def archived(outputs_dir: Path, month: str, received: Received) -> Path | None:
    """The archived copy of what was received, if it is still kept."""
    path = archive.path(outputs_dir, month, received.sha256, received.name)
    return path if path.is_file() else None
