"""Parsing of single cell values as users write them: months, amounts, dates, free text.

Each parser takes what a CSV or Excel cell holds (text, int, float, datetime) and returns the
value, or raises ValueError with a message in Chinese saying what was expected.
"""
from __future__ import annotations

import datetime as dt
import math
import re

from pipeline.inputs.catalog import Metric
from pipeline.months import Month

_DATE = re.compile(r"^(?:(\d{4})\s*[-/.年]\s*)?(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+[\d:]+)?$")
# Characters XML 1.0 cannot hold, plus the ones docxtpl turns into page or paragraph breaks
# (\x07 and \x0c): dropped. Tab and newline stay (a newline becomes a line break).
_UNSAFE_CHARS = re.compile(r"[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f\ufffe\uffff]")


FORMULA_STARTS = ("=", "+", "-", "@")  # what makes a spreadsheet read a cell's text as a formula


def _reads_as_formula(text: str) -> bool:
    """Text a spreadsheet would run (`=1+1`), or such text already guarded (`'=1+1`)."""
    return text[:1] in FORMULA_STARTS or (text[:1] == "'" and _reads_as_formula(text[1:]))


def formula_guarded(text: str) -> str:
    """A CSV cell that a spreadsheet shows as text: with a leading `'` when it would read as a
    formula (contract §4); `formula_unguarded` gives back exactly `text`."""
    return "'" + text if _reads_as_formula(text) else text


def formula_unguarded(cell: str) -> str:
    """The text of a cell `formula_guarded` wrote: its guarding `'` removed."""
    return cell[1:] if cell[:1] == "'" and _reads_as_formula(cell[1:]) else cell


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


def parse_month(value) -> Month:
    """A month cell: `2025-10`, `2025/10`, `2025-10-01`, `2025年10月`, an Excel date → `2025-10`."""
    return Month.parse(value if isinstance(value, (dt.date, dt.datetime)) else clean_text(value))


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


MAX_AMOUNT = 1e15  # 1000万亿: far above any real figure, far below where float sums lose whole units
# What most exports write: ASCII digits, an optional minus, at most one point and ten decimals.
# parse_number reads such text as float(text) (within MAX_AMOUNT; round(·, 10) keeps it as it
# is), except SEMICOLON_AMBIGUOUS in a `;` file; so a column of them can be read in one step.
PLAIN_NUMBER = r"-?[0-9]+(?:\.[0-9]{1,10})?"
SEMICOLON_AMBIGUOUS = r"-?[1-9][0-9]{0,2}\.[0-9]{3}"  # 1.500: 1500 or 1.5 (see _plain_digits)
_NOT_A_NUMBER = "不是数字，应写作 1850000、1,850,000、¥1,850,000 或 185万"
_BAD_SEPARATORS = ("分隔符的位置不对：千位分隔符每三位一个（1,850,000），小数点只有一个（1850000.50），"
                   "小数逗号只在不可能是千位分隔符时才认（223500,50）")


def parse_number(value, semicolon: bool = False) -> float:
    """A plain number with optional thousands separators, currency marks and 万 (no %).

    `semicolon`: the value comes from a `;`-separated CSV, where `1,500` may mean 1.5.
    Kept to 10 decimal places, so no figure derived from it overflows; |value| ≤ MAX_AMOUNT.
    """
    if isinstance(value, bool):
        raise ValueError("不是数字")
    if isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
    else:
        number = _number_text(clean_text(value), semicolon)
    if math.isnan(number):
        raise ValueError("不是数字")
    if not abs(number) <= MAX_AMOUNT:
        raise ValueError(f"超出范围：绝对值不能超过 {MAX_AMOUNT:,.0f}（1000万亿）")
    return round(number, 10)


_PREFIX = re.compile(r"^(?:RMB|CNY|[¥￥])\s*", re.IGNORECASE)
_SIGN = re.compile(r"^[-−]\s*(?:[¥￥]\s*)?")
_SUFFIX = re.compile(r"\s*(?:元|RMB|CNY)$", re.IGNORECASE)
_DIGITS_AND_MARKS = re.compile(r"[\d.,\s]*\d[\d.,\s]*")
_SPACE = re.compile(r"\s")
_DIGIT = re.compile(r"\d")
_GROUP_HEAD, _GROUP_TAIL = re.compile(r"[1-9]\d{0,2}"), re.compile(r"\d{3}")


def _number_text(text: str, semicolon: bool) -> float:
    text = _PREFIX.sub("", text.replace("\uff0c", ","))
    negative = text.startswith(("-", "−"))
    text = _SUFFIX.sub("", _SIGN.sub("", text))
    multiplier = 1.0
    if text.endswith("万"):
        multiplier, text = 10000.0, text[:-1].rstrip()
    if not _DIGITS_AND_MARKS.fullmatch(text):
        raise ValueError(_NOT_A_NUMBER)
    number = float(_plain_digits(_SPACE.sub(" ", text), semicolon)) * multiplier
    return -number if negative else number


def _plain_digits(text: str, semicolon: bool) -> str:
    """`1,850,000.50` → `1850000.50`; ValueError where a separator is misplaced or ambiguous.

    Several marks of one kind (`1,850,000`, `1.850.000`, `1 850 000`) group thousands. With
    two kinds the last, used once, is the decimal mark (`1,850,000.50`, `1.850.000,50`). A
    single `,` or `.` is a decimal mark, except `1,500` (thousands) — which in a `;` file may
    mean 1.5 as much as 1500, as may `1.500`, so there both are refused.
    """
    marks = _DIGIT.sub("", text)
    if not marks:
        return text
    last = marks[-1]
    if len(set(marks)) == 1 and (len(marks) > 1 or last == " "):
        return _grouped(text, last)
    if len(marks) == 1:
        integer, fraction = text.split(last)
        if _GROUP_HEAD.fullmatch(integer) and _GROUP_TAIL.fullmatch(fraction):
            if semicolon:  # the advice is unambiguous itself: 1.5, not the refused 1.500
                decimal = f"{integer}.{fraction.rstrip('0')}".rstrip(".")
                raise ValueError(f"分号分隔的文件里这个数既可能是 {integer}{fraction} 也可能是 {decimal}，"
                                 f"请写作 {integer}{fraction} 或 {decimal}")
            return integer + fraction if last == "," else f"{integer}.{fraction}"
        return _decimal(integer, fraction)
    integer, fraction = text.rsplit(last, 1)
    thousands = set(marks[:-1])
    if last == " " or last in thousands or len(thousands) != 1:
        raise ValueError(_BAD_SEPARATORS)
    return _decimal(_grouped(integer, thousands.pop()), fraction)


def _grouped(text: str, mark: str) -> str:
    if not re.fullmatch(rf"[1-9]\d{{0,2}}(?:{re.escape(mark)}\d{{3}})+", text):
        raise ValueError(_BAD_SEPARATORS)
    return text.replace(mark, "")


def _decimal(integer: str, fraction: str) -> str:
    if not (re.fullmatch(r"\d*", integer) and re.fullmatch(r"\d+", fraction)):
        raise ValueError(_BAD_SEPARATORS)
    return f"{integer or 0}.{fraction}"


def parse_amount(value, metric: Metric, semicolon: bool = False) -> float:
    """A target or actual of `metric` in raw units: money in 元, a rate as a fraction.

    For a rate, `32%` is 0.32 and a bare `0.32` too; a bare number above 1 is refused,
    since `32` almost surely means `32%`. Excel percent cells arrive as fractions.
    `semicolon` as for parse_number.
    """
    text = value if not isinstance(value, str) else clean_text(value)
    has_percent = isinstance(text, str) and text.rstrip().endswith(("%", "%"))
    if has_percent:
        if not metric.is_rate:
            raise ValueError(f"「{metric.name}」的单位是{metric.unit}，不能写百分号")
        return round(parse_number(text.rstrip()[:-1], semicolon) / 100, 10)
    number = parse_number(text, semicolon)
    if metric.is_rate and abs(number) > 1:
        raise ValueError(f"「{metric.name}」是百分比指标，请写成 {_plain(number)}% 或小数 {_plain(number / 100)}")
    return number


def _plain(number: float) -> str:
    return f"{number:g}"
