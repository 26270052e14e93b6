import datetime as dt

import pytest

from pipeline.catalog import Catalog
from pipeline.values import clean_text, parse_amount, parse_date, parse_month, shift_month

CATALOG = Catalog()


@pytest.mark.parametrize("text", ["2025-10", "2025/10", "2025-10-01", "2025年10月", " 2025年10月 ", "202510",
                                  dt.datetime(2025, 10, 1)])
def test_every_month_form_means_october_2025(text):
    assert parse_month(text) == "2025-10"


@pytest.mark.parametrize("text", ["2025-13", "十月", "", "25-10"])
def test_not_a_month_says_how_to_write_one(text):
    with pytest.raises(ValueError, match="2025-10"):
        parse_month(text)


@pytest.mark.parametrize("text", ["1850000", "1,850,000", "¥1,850,000", "1850000元", "185万", "185万元",
                                  "¥185万", 1850000, 1850000.0, "1,850,000.00"])
def test_money_forms_are_yuan(text):
    assert parse_amount(text, CATALOG["sales"]) == 1850000


@pytest.mark.parametrize("text, expected", [("32%", 0.32), ("0.32", 0.32), (0.32, 0.32), ("100%", 1.0),
                                            ("1", 1.0), ("32.5%", 0.325)])
def test_rates_are_fractions(text, expected):
    assert parse_amount(text, CATALOG["repurchase_rate"]) == pytest.approx(expected)


def test_a_bare_rate_above_one_asks_for_the_percent_sign():
    with pytest.raises(ValueError, match="32%"):
        parse_amount("32", CATALOG["repurchase_rate"])


def test_negative_amounts_are_kept():
    assert parse_amount("-3,000", CATALOG["sales"]) == -3000


@pytest.mark.parametrize("text", ["abc", "12-3", "1.2.3", "%"])
def test_not_a_number_is_refused(text):
    with pytest.raises(ValueError):
        parse_amount(text, CATALOG["sales"])


@pytest.mark.parametrize("text, expected", [
    ("2025-10-30", dt.date(2025, 10, 30)), ("2025/10/30", dt.date(2025, 10, 30)),
    ("10月30日", dt.date(2025, 10, 30)), ("10月30日前", dt.date(2025, 10, 30)), ("10-30", dt.date(2025, 10, 30)),
])
def test_deadlines_take_the_task_month_year(text, expected):
    assert parse_date(text, "2025-10") == expected


def test_clean_text_drops_what_xml_cannot_hold_and_keeps_newlines():
    assert clean_text("A&B\x00\x0b\x0c<公司>\r\n第二行\t尾") == "A&B<公司>\n第二行\t尾"


def test_shift_month_crosses_years():
    assert shift_month("2025-01", -1) == "2024-12"
    assert shift_month("2025-12", 1) == "2026-01"
