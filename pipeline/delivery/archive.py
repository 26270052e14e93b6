"""The archive of what was delivered: `outputs/archive/MONTH/SHA256/<file name>`.

Every attachment is copied here before its mail leaves, so a document a manager received is
never lost when a later `report` replaces the month. Months older than SALESREPORT_ARCHIVE_MONTHS
before the current one are removed. Nothing here follows a link it did not create.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from pipeline.delivery.mail import Attachment
from pipeline.delivery.month_folder import write_new
from pipeline.layout import ARCHIVE, Layout
from pipeline.months import Month
from pipeline.publish import remove, safe_name

_MONTH = re.compile(r"\d{4}-\d{2}")


def folder(outputs: Path) -> Path:
    return Layout(outputs).archive


def path(outputs: Path, month: str, digest: str, name: str) -> Path:
    return folder(outputs) / month / digest / safe_name(name)


def keep(outputs: Path, month: str, attachment: Attachment) -> Path:
    """The attachment's copy in the archive, written (whole, through a new temporary file) if not there yet."""
    digest = attachment.sha256
    target = path(outputs, month, digest, attachment.name)
    if target.is_file() and not target.is_symlink():
        return target
    return write_new(outputs, [ARCHIVE, month, digest], target.name, attachment.data)


def prune(outputs: Path, months: int, today: dt.date | None = None) -> list[str]:
    """Removes the months older than `months` before the current calendar month; the months removed."""
    root = folder(outputs)
    if not root.is_dir() or root.is_symlink():
        return []
    today = today or dt.date.today()
    oldest = Month.of(today).shift(-months)
    removed = []
    for entry in sorted(root.iterdir()):
        if _MONTH.fullmatch(entry.name) and entry.name < oldest:
            remove(entry)
            removed.append(entry.name)
    return removed
