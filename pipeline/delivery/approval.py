"""Approval before release: recording who approved a month's documents (`approve`), and refusing
to send a document nobody approved as it is now. An approval binds month, level, unit, kind and
sha256 (ledger.approval_key): bytes approved for one document approve no other."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipeline.delivery.attachments import Item
from pipeline.delivery.ledger import Ledger, approval_key
from pipeline.delivery.month_folder import MonthFolder
from pipeline.errors import ApprovalError
from pipeline.publish import FILLERS
from pipeline.layout import Layout

SHOWN = 10  # documents named in a message; the rest are counted
MAX_APPROVER = 100  # characters of an approver's name (`approve --by`)


def _named(documents: list[dict]) -> str:
    names = [Path(d["path"]).name for d in documents]
    return "、".join(names[:SHOWN]) + (f" 等（共 {len(names)} 份）" if len(names) > SHOWN else "")


def require_approved(ledger: Ledger, month: str, items: list[Item]) -> None:
    """ApprovalError naming the documents among `items` that nobody approved (as they are now)."""
    approved = ledger.approvals(month)
    waiting = {approval_key(i.document): i.document for i in items
               if i.document and approval_key(i.document) not in approved}
    if waiting:
        raise ApprovalError(f"{month}：已开启审批（SALESREPORT_REQUIRE_APPROVAL），{len(waiting)} 份要发送的文档尚未审批"
                            f"（或审批后有改动），未发送任何邮件：{_named(list(waiting.values()))}。"
                            f"检查文档后运行 salesreport approve --month {month}，再运行 distribute")


def approver_problem(name: str) -> str | None:
    """Why `name` cannot be recorded and printed as an approver (None when it can): it is stored in
    the ledger and printed, so it is printable text only — no line break, no control or escape
    sequence, no invisible character — of at most MAX_APPROVER characters."""
    if not name:
        return "不能为空"
    if len(name) > MAX_APPROVER:
        return f"有 {len(name):,} 个字符，最多 {MAX_APPROVER} 个"
    odd = next((c for c in name if not c.isprintable() or c in FILLERS), None)
    if odd is not None:
        return f"含不可打印的字符 U+{ord(odd):04X}（换行、控制字符或看不见的字符），只能是可打印的文字"
    return None


def approve(month: str, outputs_dir: Path, by: str) -> tuple[list[dict], int, dt.datetime]:
    """Approves the month's current documents (their sha256, with who and when, in the ledger):
    the documents, how many were not approved before, and when the report made them."""
    manifest, made_at = MonthFolder(outputs_dir, month).manifest()
    ledger = Ledger(Layout(outputs_dir).ledger)
    try:
        added = ledger.approve(month, manifest["documents"], by)
    finally:
        ledger.close()
    return manifest["documents"], added, made_at
