"""Writing a month's outputs: safe file names, metrics.csv, manifest.json, whole-or-nothing.

The month is built in a staging folder beside `outputs/M` and swapped in only when every
file is written, so a failed or interrupted run leaves the previous good `outputs/M` as it was.
"""
from __future__ import annotations

import contextlib
import csv
import fcntl
import hashlib
import json
import os
import re
import shutil
import unicodedata
from pathlib import Path

import pandas as pd

from .errors import SalesReportError

_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
MAX_NAME = 80
METRICS_COLUMNS = ["month", "level", "unit", "metric", "metric_name", "target", "actual", "variance",
                   "achievement", "status", "prev_actual", "mom_change", "targeted", "reported"]


def safe_name(text: str) -> str:
    """`text` as a file-name part valid on Windows and Linux (never empty, never `..`)."""
    name = _FORBIDDEN.sub("_", unicodedata.normalize("NFC", text)).strip().rstrip(". ")
    name = name[:MAX_NAME].rstrip(". ")
    if not name.strip("._ ") or name.split(".")[0].upper() in _RESERVED:
        name = f"_{name}"
    return name


def unique_path(folder: Path, stem: str, suffix: str, taken: set[str]) -> Path:
    """`folder/stem.suffix`, or `stem-2.suffix` … when the name (case-insensitively) is taken."""
    candidate, number = stem, 1
    while (candidate + suffix).casefold() in taken:
        number += 1
        candidate = f"{stem}-{number}"
    taken.add((candidate + suffix).casefold())
    return folder / f"{candidate}{suffix}"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _raw(value) -> str:
    """A raw figure for metrics.csv: empty when undefined, no float noise, no `.0`."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    number = round(float(value), 10)
    return str(int(number)) if number.is_integer() else repr(number)


def _guarded(text: str) -> str:
    """Text a spreadsheet would run as a formula gets a leading `'` (contract §4)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def write_metrics_csv(path: Path, rows: pd.DataFrame) -> None:
    """`rows` (the contract's columns) as UTF-8 with BOM, so Excel opens it directly."""
    text_columns = {"month", "level", "unit", "metric", "metric_name", "status"}
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(METRICS_COLUMNS)
        for record in rows[METRICS_COLUMNS].to_dict("records"):
            writer.writerow([_guarded(str(record[c])) if c in text_columns else _raw(record[c])
                             for c in METRICS_COLUMNS])


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _recover(outputs: Path, month: str) -> None:
    """Clean up after a run that was killed: its staging folder goes, and a good month that it
    had moved aside but not yet replaced is put back."""
    for leftover in [*outputs.glob(f".{month}.staging-*"), *outputs.glob(f".{month}.retired-*")]:
        pid = leftover.name.rsplit("-", 1)[-1]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        if ".retired-" in leftover.name and not (outputs / month).exists():
            leftover.rename(outputs / month)
        else:
            shutil.rmtree(leftover, ignore_errors=True)


@contextlib.contextmanager
def exclusive(lock_path: Path, busy_message: str):
    """Holds an exclusive lock on `lock_path` for the block; SalesReportError when another
    process holds it (two cron jobs overlapping), instead of both writing at once."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SalesReportError(busy_message) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def staged_month(outputs: Path, month: str):
    """A fresh staging folder for `outputs/month`, swapped in when the block succeeds.

    On any error (or interrupt) the staging folder is removed and `outputs/month` is untouched.
    """
    final = outputs / month
    with exclusive(outputs / f".{month}.lock", f"另一个 report 正在生成 {month}，请等它结束后再运行"):
        _recover(outputs, month)
        staging = outputs / f".{month}.staging-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        try:
            yield staging
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        retired = outputs / f".{month}.retired-{os.getpid()}"
        if final.exists():
            final.rename(retired)
        staging.rename(final)
        shutil.rmtree(retired, ignore_errors=True)
