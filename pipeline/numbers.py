"""The rounding core shared by compute (thresholds) and documents (printed figures): half-up, as
Excel rounds, on the decimal value the user sees. Below every stage: imports none."""
from __future__ import annotations

import functools
import math
from decimal import ROUND_HALF_UP, Context, Decimal

# Room for any finite float's digits plus the 10 settled decimals: an achievement against a
# tiny target is absurd but must still print, not stop the run (the default holds 28 digits).
WIDE = Context(prec=400)


def is_missing(value) -> bool:
    """None or NaN: a figure that is not there."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def decimal(value: float) -> Decimal:
    """`value` as the Decimal the documents round, its float noise settled."""
    # + 0.0 turns −0.0 into 0.0, which the cache could not tell apart (−0.0 == 0.0)
    return _settled(float(value) + 0.0)


_SETTLED = Decimal("1e-10")
_STEPS = tuple(Decimal(1).scaleb(-decimals) for decimals in range(11))  # 1, 0.1, 0.01 …: made once, used per figure


@functools.lru_cache(maxsize=1 << 12)  # a company's documents print the same figures many times
def _settled(value: float) -> Decimal:
    # Float noise (1.0049999999999999 for 1.005) must not decide a half-up tie, so the
    # value is first settled at 10 decimals, far below anything a document shows.
    return Decimal(repr(value)).quantize(_SETTLED, rounding=ROUND_HALF_UP, context=WIDE)


@functools.lru_cache(maxsize=1 << 12, typed=True)  # typed: Decimal(1.005) is not the float 1.005
def plain_number(value: float | Decimal, decimals: int) -> str:
    """`value` rounded half-up to at most `decimals` places, trailing zeros dropped."""
    return rounded_text(value if isinstance(value, Decimal) else decimal(value), decimals)


def rounded_text(number: Decimal, decimals: int) -> str:
    """plain_number of a Decimal, not remembered: for a caller that remembers its own texts
    (documents.formats), where a new figure would only miss plain_number's cache."""
    step = _STEPS[decimals] if 0 <= decimals < len(_STEPS) else Decimal(1).scaleb(-decimals)
    rounded = number.quantize(step, rounding=ROUND_HALF_UP, context=WIDE)
    text = f"{rounded:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@functools.lru_cache(maxsize=1 << 14)  # a unit's trend is read for several sentences of its documents
def as_shown(value) -> float:
    """A fraction as `percent` shows it, half-up to 0.1 percentage point: 0.89996 → 0.9.

    Thresholds (met ≥ 100%, near ≥ 90%) compare this, so a status never contradicts its figure.
    NaN or None gives NaN.
    """
    if is_missing(value):
        return math.nan
    return float((decimal(value) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) / 100)
