"""The month: one value for every stage. `Month` is a `YYYY-MM` string (a frame value, a dict
key, a folder name) that also knows its calendar: the months before and after, its Chinese name
(`2025年10月`). Here too: ranges `A..B` (the key of a run over several months) and the cycle's
default months (last month and this one, counted from today or SALESREPORT_TODAY).

Below every stage: imports no stage.
"""
from __future__ import annotations

import calendar
import datetime as dt
import functools
import os
import re
from typing import Iterable, Mapping

from pipeline.errors import UsageError

_STRICT = re.compile(r"^(\d{4})-(\d{2})$")
# A month, optionally with a day (which must exist) and a time: 2025-10, 2025年10月1日, 2025-10-01 00:00:00.
_MONTH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:月\s*(?:(\d{1,2})\s*日?)?|[-/.]\s*(\d{1,2})\s*日?)?"
                    r"(?:\s+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})$")
NOT_A_MONTH = "不是月份，应写作 2025-10、2025/10 或 2025年10月（带日期时日期须存在）"

RANGE_MARK = ".."
MAX_RANGE = 120  # months in one range
TODAY_VARIABLE = "SALESREPORT_TODAY"  # YYYY-MM-DD: the date the default months are counted from (tests, reruns)


class Month(str):
    """`2025-10`. `Month("2025-10")` takes exactly that form; `Month.parse` reads what people type."""

    __slots__ = ()

    def __new__(cls, text: str) -> "Month":
        if isinstance(text, Month):
            return text
        match = _STRICT.match(str(text))
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise ValueError(f"{text}: {NOT_A_MONTH}")
        return super().__new__(cls, text)

    @classmethod
    def parse(cls, value) -> "Month":
        """`2025-10`, `2025/10`, `2025-10-01`, `2025年10月`, `202510`, a date → `2025-10`;
        ValueError (its message in Chinese) for anything else."""
        if isinstance(value, (dt.date, dt.datetime)):
            return cls.of(value)
        text = str(value).strip()
        match = _MONTH.match(text) or _COMPACT.match(text)
        if match:
            year, number = int(match.group(1)), int(match.group(2))
            day = next((int(d) for d in match.groups()[2:] if d), None)
            if 1 <= number <= 12 and (day is None or _is_date(year, number, day)):
                return cls(f"{year:04d}-{number:02d}")
        raise ValueError(NOT_A_MONTH)

    @classmethod
    def of(cls, day: dt.date) -> "Month":
        """The month `day` is in."""
        return cls(f"{day.year:04d}-{day.month:02d}")

    @property
    def year(self) -> int:
        return int(self[:4])

    @property
    def number(self) -> int:
        """1 for January … 12 for December."""
        return int(self[5:])

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.number, 1)

    @property
    @functools.lru_cache(maxsize=256)  # each document asks a few months their calendar again and again
    def days(self) -> int:
        """How many days the month has (28 … 31)."""
        return calendar.monthrange(self.year, self.number)[1]

    def holds(self, day: dt.date) -> bool:
        """Whether `day` falls in this month."""
        return (day.year, day.month) == (self.year, self.number)

    @functools.lru_cache(maxsize=256)
    def shift(self, by: int) -> "Month":
        """The month `by` months after this one (negative for earlier)."""
        index = self.year * 12 + self.number - 1 + by
        return Month(f"{index // 12:04d}-{index % 12 + 1:02d}")

    @property
    def previous(self) -> "Month":
        return self.shift(-1)

    @property
    def next(self) -> "Month":
        return self.shift(1)

    @property
    @functools.lru_cache(maxsize=256)
    def label(self) -> str:
        """`2025年10月`, as the documents and mails name it."""
        return f"{self.year}年{self.number}月"


def _is_date(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def span(first: str, last: str) -> list[Month]:
    """The months from `first` to `last`, both included (none when `last` is earlier)."""
    months, last = [Month(first)], Month(last)
    if last < months[0]:
        return []
    while months[-1] < last:
        months.append(months[-1].next)
    return months


def range_key(months: Iterable[str]) -> str:
    """The name of a run over `months` (the ledger's, the outbox's): the month itself, or `FIRST..LAST`."""
    months = list(months)
    return months[0] if len(months) == 1 else f"{months[0]}{RANGE_MARK}{months[-1]}"


def is_range(key: str) -> bool:
    return RANGE_MARK in key


def range_ends(key: str) -> list[Month]:
    """The months a range key names at its ends: `[A, B]` for `A..B`, `[A]` for a month."""
    return [Month(part) for part in key.split(RANGE_MARK)]


def range_label(key: str) -> str:
    """`2025年10月`, or for a range `2025年10月—2025年11月`."""
    return "—".join(month.label for month in range_ends(key))


def parse_range(text: str) -> list[Month]:
    """A month (`2025-10`, `2025年10月` …) or a range `2025-09..2025-11` of consecutive months,
    early to late, at most MAX_RANGE; ValueError (in Chinese) otherwise."""
    if RANGE_MARK not in text:
        return [Month.parse(text)]
    parts = [part.strip() for part in text.split(RANGE_MARK, 1)]
    if not all(parts):
        raise ValueError("范围两端都要写月份，如 2025-10..2025-11")
    first, last = (Month.parse(part) for part in parts)
    months = span(first, last) if first <= last and last < first.shift(MAX_RANGE) else []
    if not months:
        raise ValueError(f"范围应从早到晚，且最多 {MAX_RANGE} 个月")
    return months


def months_of(value: str | Iterable[str]) -> list[Month]:
    """The months of a request: a month, a range `A..B`, or several months; UsageError if not."""
    try:
        if isinstance(value, str):
            return parse_range(value)
        months = [Month.parse(month) for month in value]
    except ValueError as error:
        raise UsageError(f"月份 {value} 无效：{error}") from None
    if not months:
        raise UsageError("没有给出月份")
    return months


def today(environ: Mapping[str, str] | None = None) -> dt.date:
    """Today, or the date SALESREPORT_TODAY gives; UsageError for a date that is not one."""
    given = (os.environ if environ is None else environ).get(TODAY_VARIABLE, "").strip()
    if not given:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(given)
    except ValueError:
        raise UsageError(f"环境变量 {TODAY_VARIABLE}={given} 无效：应为日期 YYYY-MM-DD，如 2025-11-01") from None


def cycle(day: dt.date | None = None) -> list[Month]:
    """The months a run without a month is for: last month (its closing summary) and this one
    (its opening plan), counted from `day` (default: today)."""
    current = Month.of(day or today())
    return [current.previous, current]
