import math
from decimal import Decimal

import pytest

from pipeline.documents import formats
from pipeline.inputs.catalog import Catalog

CATALOG = Catalog()


@pytest.mark.parametrize("value, expected", [
    (1850000, "185万元"),
    (1234567, "123.46万元"),
    (2000000, "200万元"),
    (1500, "0.15万元"),
    (125, "0.01万元"),      # 0.0125万 → half-up at 2 decimals
    (-150000, "\u221215万元"),
    (None, "—"),
    (math.nan, "—"),
])
def test_money_is_in_wan_with_at_most_two_decimals(value, expected):
    assert formats.money(value) == expected


@pytest.mark.parametrize("value, expected", [
    (0.925, "92.5%"),
    (0.8, "80%"),
    (0.32 / 0.35, "91.4%"),
    (0.0125, "1.3%"),       # half-up, not banker's (which gives 1.2%)
    (0.0135, "1.4%"),
    (1.005, "100.5%"),      # float 1.005 is 1.00499999…; the displayed tie still rounds up
    (0.99951, "100%"),
    (None, "—"),
])
def test_percent_rounds_half_up_to_one_decimal(value, expected):
    assert formats.percent(value) == expected


@pytest.mark.parametrize("key, value, expected", [
    ("new_customers", 12, "12家"),
    ("events", 2.5, "2.5场"),
    ("repurchase_rate", 0.32, "32%"),
    ("sales", 1850000, "185万元"),
])
def test_figure_uses_the_metric_unit(key, value, expected):
    assert formats.figure(value, CATALOG[key]) == expected


@pytest.mark.parametrize("key, value, expected", [
    ("sales", -150000, "\u221215万元"),
    ("sales", 50000, "+5万元"),
    ("sales", 0, "0万元"),
    ("new_customers", -3, "\u22123家"),
    ("repurchase_rate", -0.03, "\u22123个百分点"),
    ("repurchase_rate", 0.0070408, "+0.7个百分点"),
    ("sales", None, "—"),
])
def test_change_has_its_sign_and_rates_use_percentage_points(key, value, expected):
    assert formats.change(value, CATALOG[key]) == expected


@pytest.mark.parametrize("value", [0.89996, 0.99996, 0.89987, 0.0125, 1.005, 0.925, 0.32 / 0.35, 0.89949])
def test_as_shown_is_the_fraction_the_document_prints(value):
    # the status thresholds compare this value, so it must be exactly what `percent` writes
    shown = formats.as_shown(value)
    assert formats.percent(shown) == formats.percent(value)
    assert round(shown * 1000, 6) == int(round(shown * 1000, 6))


def test_as_shown_settles_the_threshold_cases():
    assert formats.as_shown(0.89996) >= 0.9 and formats.as_shown(0.99996) >= 1 and formats.as_shown(0.89949) < 0.9
    assert math.isnan(formats.as_shown(None))


def test_cached_formatting_keeps_a_decimal_and_a_float_apart_and_minus_zero_out():
    # the formatting is cached; equal keys of other types must not share an answer
    assert formats.plain_number(Decimal(1.005), 2) == "1"  # the exact binary value, 1.00499999…
    assert formats.plain_number(1.005, 2) == "1.01"  # the float as written, settled first
    formats.as_shown(-0.0)
    assert str(formats.as_shown(0.0)) == "0.0"  # not −0.0 left over from the call before
