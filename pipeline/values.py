"""Parsing of single cell values as users write them: months, amounts, dates, free text.

Each parser takes what a CSV or Excel cell holds (text, int, float, datetime) and returns the
value, or raises ValueError with a message in Chinese saying what was expected.
"""
from __future__ import annotations

import datetime as dt
import math
import re

from .catalog import Metric

_MONTH = re.compile(r"^(\d{4})\s*(?:[-/.年])\s*(\d{1,2})\s*(?:月)?(?:\s*[-/.]?\s*\d{1,2}\s*日?)?(?:\s+[\d:]+)?$")
_COMPACT_MONTH = re.compile(r"^(\d{4})(\d{2})$")
_DATE = re.compile(r"^(?:(\d{4})\s*[-/.年]\s*)?(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+[\d:]+)?$")
# Characters XML 1.0 cannot hold, plus the ones docxtpl turns into page or paragraph breaks
# (\x07 and \x0c): dropped. Tab and newline stay (a newline becomes a line break).
_UNSAFE_CHARS = re.compile(r"[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def is_blank(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def clean_text(value) -> str:
    """Cell text as typed, minus what XML cannot hold; \\r\\n and \\r become \\n."""
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return _UNSAFE_CHARS.sub("", text).strip()


def parse_month(value) -> str:
    """`2025-10`, `2025/10`, `2025-10-01`, `2025年10月`, an Excel date → `2025-10`."""
    if isinstance(value, (dt.date, dt.datetime)):
        return f"{value.year:04d}-{value.month:02d}"
    text = clean_text(value)
    match = _MONTH.match(text) or _COMPACT_MONTH.match(text)
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if 1 <= month <= 12:
            return f"{year:04d}-{month:02d}"
    raise ValueError("不是月份，应写作 2025-10、2025/10 或 2025年10月")


def month_label(month: str) -> str:
    """`2025-10` → `2025年10月`."""
    year, number = month.split("-")
    return f"{int(year)}年{int(number)}月"


def shift_month(month: str, by: int) -> str:
    """The month `by` months after `month` (negative for earlier)."""
    year, number = (int(part) for part in month.split("-"))
    index = year * 12 + number - 1 + by
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def parse_date(value, month: str) -> dt.date:
    """A deadline: `2025-10-30`, `2025/10/30`, `10月30日`, `10-30`, an Excel date.

    A date without a year takes the year of `month` (the task's month).
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = clean_text(value)
    text = re.sub(r"(日)?\s*前$", "", text)
    match = _DATE.match(text)
    if match:
        year = int(match.group(1) or month[:4])
        try:
            return dt.date(year, int(match.group(2)), int(match.group(3)))
        except ValueError:
            pass
    raise ValueError("不是日期，应写作 2025-10-30、2025/10/30 或 10月30日")


def parse_number(value) -> float:
    """A plain number with optional thousands separators, currency marks and 万 (no %)."""
    if isinstance(value, bool):
        raise ValueError("不是数字")
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("不是数字")
        return float(value)
    text = clean_text(value)
    text = text.replace(",", "").replace("\uff0c", "").replace(" ", "").replace("\u3000", "")
    text = re.sub(r"^(?:RMB|CNY|¥|¥)", "", text, flags=re.IGNORECASE)
    negative = text.startswith("-") or text.startswith("−")
    text = text.lstrip("-−")
    text = re.sub(r"^(?:¥|¥)", "", text)
    multiplier = 1.0
    text = re.sub(r"(?:元|RMB|CNY)$", "", text, flags=re.IGNORECASE)
    if text.endswith("万"):
        multiplier, text = 10000.0, text[:-1]
    if not re.fullmatch(r"\d+(?:\.\d+)?|\.\d+", text):
        raise ValueError("不是数字，应写作 1850000、1,850,000、¥1,850,000 或 185万")
    number = float(text) * multiplier
    return -number if negative else number


def parse_amount(value, metric: Metric) -> float:
    """A target or actual of `metric` in raw units: money in 元, a rate as a fraction.

    For a rate, `32%` is 0.32 and a bare `0.32` too; a bare number above 1 is refused,
    since `32` almost surely means `32%`. Excel percent cells arrive as fractions.
    """
    text = value if not isinstance(value, str) else clean_text(value)
    has_percent = isinstance(text, str) and text.rstrip().endswith(("%", "%"))
    if has_percent:
        if not metric.is_rate:
            raise ValueError(f"「{metric.name}」的单位是{metric.unit}，不能写百分号")
        return parse_number(text.rstrip()[:-1]) / 100
    number = parse_number(text)
    if metric.is_rate and abs(number) > 1:
        raise ValueError(f"「{metric.name}」是百分比指标，请写成 {_plain(number)}% 或小数 {_plain(number / 100)}")
    return number


def _plain(number: float) -> str:
    return f"{number:g}"
