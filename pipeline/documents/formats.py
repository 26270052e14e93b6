"""How figures are written in the documents (contract §3): 万元, percent, counting words.

Every function takes a raw figure (money in 元, rates as fractions) and returns text; None or
NaN gives `—`. Rounding is half-up, as Excel rounds, on the decimal value the user sees.
"""
from __future__ import annotations

import functools
import re

from pipeline.inputs.catalog import MONEY, RATE, YUAN_PER_WAN, Metric
from pipeline.numbers import as_shown, is_missing, plain_number  # noqa: F401 (the rounding core, used here)
from pipeline.numbers import decimal as _decimal
from pipeline.numbers import rounded_text as _rounded  # the texts are remembered here, below

MISSING = "—"
# A signed figure's minus is the minus sign U+2212, not the hyphen "-": a line may break after a
# hyphen ("华南区 -" / "4.8万元"), never between U+2212 and its digits (Unicode line breaking,
# which Word and LibreOffice follow). A label and its figure are joined by a no-break space.
MINUS = "\u2212"
NO_BREAK_SPACE = "\u00a0"


def _minus(number: str) -> str:
    """A negative number written with the minus sign U+2212 (see MINUS)."""
    return MINUS + number[1:] if number.startswith("-") else number


@functools.lru_cache(maxsize=1 << 12)
def money(value) -> str:
    """元 → `185万元`, `123.46万元`."""
    if is_missing(value):
        return MISSING
    return _minus(_rounded(_decimal(value) / YUAN_PER_WAN, 2)) + MONEY


@functools.lru_cache(maxsize=1 << 12)
def percent(value) -> str:
    """Fraction → `92.5%`, `80%`."""
    if is_missing(value):
        return MISSING
    return _minus(_rounded(_decimal(value) * 100, 1)) + "%"


@functools.lru_cache(maxsize=1 << 12)
def count(value, unit: str) -> str:
    """A count and its counting word → `12家`."""
    if is_missing(value):
        return MISSING
    return _minus(plain_number(value, 2)) + unit


def figure(value, metric: Metric) -> str:
    """A target or actual of `metric`, in the metric's own unit."""
    return in_unit(value, metric.unit)


def in_unit(value, unit: str) -> str:
    """A figure in `unit`: 万元 (money, in 元), % (a fraction) or a counting word (Metric.is_money,
    .is_rate); by the unit's text, read once, as the documents print thousands of figures."""
    if unit == MONEY:
        return money(value)
    if unit == RATE:
        return percent(value)
    return count(value, unit)


_NUMBER = re.compile(r"[-\u2212]?[\d.]+")
_UNSIGNED = re.compile(r"[+\-\u2212]?([\d.]+)")


def signed(text: str) -> str:
    """`text` of a formatted figure with its sign: `+` above zero, the minus sign `−` below."""
    number = _NUMBER.match(text)
    if number is None or float(number.group().lstrip("-\u2212")) == 0:
        return text
    return _minus(text) if text[0] in "-\u2212" else "+" + text


def labelled(label: str, figure_text: str) -> str:
    """`华南区 −4.8万元`: a name and its figure, which a line break never parts."""
    return f"{label}{NO_BREAK_SPACE}{figure_text}"


def is_zero(text: str) -> bool:
    """Whether a formatted figure or change reads as zero (`0万元`, `0个百分点`)."""
    number = _UNSIGNED.match(text)
    return number is not None and float(number.group(1)) == 0


def change(value, metric: Metric) -> str:
    """A difference of two figures of `metric` with its sign; rates in percentage points."""
    return _change(value, metric.unit)  # remembered by the unit's text: hashing a Metric costs more


@functools.lru_cache(maxsize=1 << 12)
def _change(value, unit: str) -> str:
    if is_missing(value):
        return MISSING
    if unit == RATE:
        return signed(_rounded(_decimal(value) * 100, 1)) + "个百分点"
    return signed(in_unit(value, unit))


def achievement(value) -> str:
    """达成率： a fraction as percent, `—` when undefined."""
    return percent(value)
