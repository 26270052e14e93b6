"""The archive of what was delivered: `outputs/archive/MONTH/SHA256/<file name>`.

Every attachment is copied here before its mail leaves, so a document a manager received is
never lost when a later `report` replaces the month. Months older than SALESREPORT_ARCHIVE_MONTHS
before the current one are removed. Nothing here follows a link it did not create.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import re
import secrets
from pathlib import Path

from pipeline.delivery.mail import Attachment
from pipeline.errors import EnvironmentFailure
from pipeline.layout import ARCHIVE, Layout
from pipeline.months import Month
from pipeline.publish import remove, safe_name

_MONTH = re.compile(r"\d{4}-\d{2}")
_EXCLUSIVE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)


def folder(outputs: Path) -> Path:
    return Layout(outputs).archive


def path(outputs: Path, month: str, digest: str, name: str) -> Path:
    return folder(outputs) / month / digest / safe_name(name)


def _real_folders(outputs: Path, *parts: str) -> Path:
    """outputs/archive/… created folder by folder; one that is a link is refused (ELOOP)."""
    current = outputs
    for part in (ARCHIVE, *parts):
        current = current / part
        if current.is_symlink():
            raise EnvironmentFailure.from_os_error(OSError(errno.ELOOP, os.strerror(errno.ELOOP), str(current)))
        current.mkdir(exist_ok=True)
    return current


def keep(outputs: Path, month: str, attachment: Attachment) -> Path:
    """The attachment's copy in the archive, written (whole, through a new temporary file) if not there yet."""
    digest = attachment.sha256
    target = _real_folders(outputs, month, digest) / safe_name(attachment.name)
    if target.is_file() and not target.is_symlink():
        return target
    temporary = target.with_name(f".{secrets.token_hex(8)}.tmp")
    handle = os.open(temporary, _EXCLUSIVE, 0o666)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(attachment.data)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return target


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
